"""TwilioCarrier: the real twilio SDK against a local fake of Twilio's REST API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from dialer.calls.carrier import CarrierRejected, CarrierUnavailable, OutboundCall
from dialer.calls.twilio_carrier import TwilioCarrier
from dialer.settings import Settings
from tests.fakes.twilio_api import FakeTwilio

ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "twilio-auth-token"
CALL = OutboundCall(
    attempt_id=42,
    to="+6281200000001",
    from_="+622150000000",
    answer_url="https://dialer.example/carrier/voice/answer?attempt=42",
    status_url="https://dialer.example/carrier/voice/status?attempt=42",
    amd_url="https://dialer.example/carrier/voice/amd?attempt=42",
    timeout_seconds=25,
)


@dataclass
class Rig:
    fake: FakeTwilio
    carrier: TwilioCarrier


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    fake = FakeTwilio(ACCOUNT, TOKEN)
    server = TestServer(fake.app())
    await server.start_server()
    settings = Settings(
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=SecretStr(TOKEN),
        twilio_from_number="+622150000000",
        twilio_api_base=str(server.make_url("")).rstrip("/"),
        carrier_max_retries=3,
        carrier_backoff_seconds=0.001,
        carrier_backoff_max_seconds=0.01,
    )
    carrier = TwilioCarrier(settings)
    try:
        yield Rig(fake, carrier)
    finally:
        await carrier.close()
        await server.close()


async def test_a_call_is_created_with_callbacks_and_async_amd(rig: Rig) -> None:
    sid = await rig.carrier.place_call(CALL)
    assert sid.startswith("CA") and sid in rig.fake.calls
    (request,) = rig.fake.requests
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
    assert request.authorization.startswith("Basic ")
    form = request.form
    assert form["To"] == ["+6281200000001"] and form["From"] == ["+622150000000"]
    assert form["Url"] == [CALL.answer_url] and form["Method"] == ["POST"]
    assert form["StatusCallback"] == [CALL.status_url]
    assert form["StatusCallbackMethod"] == ["POST"]
    assert form["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    assert form["MachineDetection"] == ["Enable"]
    assert form["AsyncAmd"] == ["true"]
    assert form["AsyncAmdStatusCallback"] == [CALL.amd_url]
    assert form["Timeout"] == ["25"]


async def test_429_is_retried_with_back_off(rig: Rig) -> None:
    rig.fake.fail_next(429, times=2)
    sid = await rig.carrier.place_call(CALL)
    assert len(rig.fake.requests) == 3
    assert list(rig.fake.calls) == [sid]  # one call created, not three


async def test_5xx_that_persists_makes_the_carrier_unavailable(rig: Rig) -> None:
    rig.fake.fail_next(503, times=10)
    with pytest.raises(CarrierUnavailable, match="failed 4 times"):
        await rig.carrier.place_call(CALL)
    assert len(rig.fake.requests) == 4  # the first try and three retries
    assert rig.fake.calls == {}


async def test_a_4xx_is_refused_at_once_with_twilios_code(rig: Rig) -> None:
    with pytest.raises(CarrierRejected) as refused:
        await rig.carrier.place_call(
            OutboundCall(**{**CALL.__dict__, "to": "0812"})  # not E.164
        )
    assert (refused.value.code, refused.value.status) == (21211, 400)
    assert len(rig.fake.requests) == 1


async def test_hangup_and_fetch(rig: Rig) -> None:
    sid = await rig.carrier.place_call(CALL)
    assert (await rig.carrier.fetch_call(sid))["CallStatus"] == "queued"  # type: ignore[index]
    await rig.carrier.hangup(sid)
    assert rig.fake.calls[sid]["status"] == "completed"
    fetched = await rig.carrier.fetch_call(sid)
    assert fetched is not None and fetched["CallStatus"] == "completed"
    assert "Timestamp" in fetched
    await rig.carrier.hangup("CA" + "0" * 32)  # unknown: nothing to hang up, no error
    assert await rig.carrier.fetch_call("CA" + "0" * 32) is None


async def test_wrong_credentials_are_refused_not_retried(rig: Rig) -> None:
    rig.carrier.settings = rig.carrier.settings.model_copy(
        update={"twilio_auth_token": SecretStr("wrong")}
    )
    with pytest.raises(CarrierRejected) as refused:
        await rig.carrier.place_call(CALL)
    assert refused.value.status == 401
    assert len(rig.fake.requests) == 1


async def test_the_service_dials_through_twilio_and_takes_its_signed_callbacks(
    rig: Rig, settings: Settings, pool: Any, conn: Any, factory: Any
) -> None:
    from aiohttp.test_utils import TestClient, unused_port
    from twilio.request_validator import RequestValidator

    from dialer.app import create_app
    from dialer.clock import FrozenClock
    from dialer.keys import DIALER
    from tests.dialing import MONDAY_10_WIB
    from tests.factories import row

    campaign = await factory.running_campaign([row(1)], virtual_seats=1)
    port = unused_port()
    service_settings = settings.model_copy(
        update={
            "public_url": f"http://127.0.0.1:{port}",
            "calls_per_second": 5.0,
            **{
                k: getattr(rig.carrier.settings, k)
                for k in (
                    "twilio_account_sid",
                    "twilio_auth_token",
                    "twilio_from_number",
                    "twilio_api_base",
                )
            },
        }
    )
    app = create_app(service_settings, pool=pool, clock=FrozenClock(MONDAY_10_WIB))
    async with TestClient(TestServer(app, host="127.0.0.1", port=port)) as client:
        assert await app[DIALER].tick() == {campaign.name: 1}
        assert app[DIALER].carrier.name == "twilio"
        (created,) = rig.fake.requests
        attempt_id = await conn.fetchval("SELECT id FROM attempts")
        assert created.form["StatusCallback"] == [
            f"http://127.0.0.1:{port}/carrier/voice/status?attempt={attempt_id}"
        ]
        (sid,) = rig.fake.calls
        path = f"/carrier/voice/status?attempt={attempt_id}"
        params = {"CallSid": sid, "CallStatus": "busy", "AccountSid": ACCOUNT}
        url = f"http://127.0.0.1:{port}{path}"
        # The simulator's token is not Twilio's: refused once Twilio is configured.
        simulator = RequestValidator(settings.simulator_auth_token.get_secret_value())
        forged = await client.post(
            path,
            data=params,
            headers={"X-Twilio-Signature": simulator.compute_signature(url, params)},
        )
        assert forged.status == 403
        twilio = RequestValidator(TOKEN)
        signed = await client.post(
            path, data=params, headers={"X-Twilio-Signature": twilio.compute_signature(url, params)}
        )
        assert signed.status == 200
    attempt = await conn.fetchrow("SELECT state, result, call_sid, carrier FROM attempts")
    assert (attempt["state"], attempt["result"], attempt["call_sid"], attempt["carrier"]) == (
        "busy",
        "busy_line",
        sid,
        "twilio",
    )
