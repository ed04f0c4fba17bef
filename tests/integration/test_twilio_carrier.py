"""TwilioCarrier: the real twilio SDK against a local fake of Twilio's REST API."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer, unused_port
from pydantic import SecretStr

from dialer.calls.states import CALL_STATUS, FINAL
from dialer.providers import twiml
from dialer.providers.carrier import AgentLeg, Joiner, OutboundCall
from dialer.providers.errors import ProviderRejected, ProviderUnavailable
from dialer.providers.twilio import TwilioApi
from dialer.providers.twilio_carrier import TwilioCarrier
from dialer.settings import Settings, TwilioSettings
from tests.fakes.twilio_api import FakeTwilio

ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "twilio-auth-token"
UNKNOWN_SID = "CA" + "0" * 32
CALL = OutboundCall(
    attempt_id=42,
    to="+6281200000001",
    from_="+622150000000",
    answer_url="https://dialer.example/carrier/voice/answer?attempt=42",
    status_url="https://dialer.example/carrier/voice/status?attempt=42",
    amd_url="https://dialer.example/carrier/voice/amd?attempt=42",
    timeout_seconds=25,
)


def twilio_settings(api_base: str, **overrides: Any) -> TwilioSettings:
    return TwilioSettings(
        account_sid=ACCOUNT,
        auth_token=SecretStr(TOKEN),
        from_number="+622150000000",
        api_base=api_base,
        max_retries=3,
        backoff_seconds=0.001,
        backoff_max_seconds=0.01,
        **overrides,
    )


def twilio_carrier(settings: TwilioSettings) -> TwilioCarrier:
    """A carrier with a Twilio client of its own (a node shares one with WhatsApp)."""
    return TwilioCarrier(TwilioApi(settings), settings)


@dataclass
class Rig:
    fake: FakeTwilio
    carrier: TwilioCarrier
    base_url: str

    def tune(self, **settings: Any) -> None:
        """Change the carrier's and its client's settings (read on every request)."""
        self.carrier.settings = self.carrier.settings.model_copy(update=settings)
        self.carrier.api.settings = self.carrier.settings


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    fake = FakeTwilio(ACCOUNT, TOKEN)
    server = TestServer(fake.app())
    await server.start_server()
    base_url = str(server.make_url("")).rstrip("/")
    carrier = twilio_carrier(twilio_settings(base_url))
    try:
        yield Rig(fake, carrier, base_url)
    finally:
        await carrier.api.close()
        await server.close()


async def test_a_call_is_created_with_callbacks_and_async_amd(rig: Rig) -> None:
    sid = await rig.carrier.place_call(CALL)
    assert sid.startswith("CA") and len(sid) == 34 and list(rig.fake.calls) == [sid]
    (request,) = rig.fake.requests
    assert (request.method, request.path) == ("POST", f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json")
    assert (
        request.authorization == "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    )
    assert request.form == {
        "To": ["+6281200000001"],
        "From": ["+622150000000"],
        "Url": [CALL.answer_url],
        "Method": ["POST"],
        "StatusCallback": [CALL.status_url],
        "StatusCallbackMethod": ["POST"],
        "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
        "MachineDetection": ["Enable"],
        "AsyncAmd": ["true"],
        "AsyncAmdStatusCallback": [CALL.amd_url],
        "AsyncAmdStatusCallbackMethod": ["POST"],
        "Timeout": ["25"],
    }


async def test_429_is_retried_with_back_off(rig: Rig) -> None:
    rig.fake.fail_next(429, times=2)
    sid = await rig.carrier.place_call(CALL)
    assert len(rig.fake.requests) == 3
    assert list(rig.fake.calls) == [sid]  # one call created, not three


async def test_a_retry_after_is_waited_for(rig: Rig) -> None:
    rig.tune(backoff_max_seconds=1.0)
    rig.fake.fail_next(429, retry_after="0.2")
    started = time.monotonic()
    sid = await rig.carrier.place_call(CALL)
    assert time.monotonic() - started >= 0.2  # the back-off alone is about a millisecond
    assert list(rig.fake.calls) == [sid] and len(rig.fake.requests) == 2


async def test_a_retry_after_beyond_the_back_off_cap_gives_up_at_once(rig: Rig) -> None:
    rig.fake.fail_next(429, retry_after="60")
    with pytest.raises(ProviderUnavailable, match="retry after 60 s"):
        await rig.carrier.place_call(CALL)
    assert len(rig.fake.requests) == 1 and rig.fake.calls == {}


async def test_a_5xx_on_create_is_not_retried_lest_the_customer_ring_twice(rig: Rig) -> None:
    rig.fake.fail_next(503, times=10)
    with pytest.raises(ProviderUnavailable, match="may have been done") as failed:
        await rig.carrier.place_call(CALL)
    assert "\033[" not in str(failed.value)  # the SDK's tty colours stay out
    assert len(rig.fake.requests) == 1
    assert rig.fake.calls == {}


async def test_an_unreachable_twilio_makes_the_carrier_unavailable() -> None:
    carrier = twilio_carrier(twilio_settings(f"http://127.0.0.1:{unused_port()}"))
    try:
        with pytest.raises(ProviderUnavailable, match="failed 4 times") as failed:
            await carrier.place_call(CALL)
        assert isinstance(failed.value.__cause__, aiohttp.ClientError)
    finally:
        await carrier.api.close()


async def test_a_stalled_create_times_out_and_is_not_retried(rig: Rig) -> None:
    carrier = twilio_carrier(rig.carrier.settings.model_copy(update={"timeout_seconds": 0.05}))
    rig.fake.stall_next(0.3)
    try:
        with pytest.raises(ProviderUnavailable, match="may have been done"):
            await carrier.place_call(CALL)
        rig.fake.stall_next(0.3)
        await carrier.hangup("CA" + "1" * 32)  # idempotent: retried after the stall
    finally:
        await carrier.api.close()
    assert len(rig.fake.requests) == 3


async def test_a_4xx_is_refused_at_once_with_twilios_code(rig: Rig) -> None:
    with pytest.raises(ProviderRejected) as refused:
        await rig.carrier.place_call(replace(CALL, to="0812"))  # not E.164
    assert (refused.value.code, refused.value.status) == (21211, 400)
    assert "not a valid phone number" in str(refused.value)
    assert len(rig.fake.requests) == 1


async def test_wrong_credentials_are_refused_not_retried(rig: Rig) -> None:
    rig.tune(auth_token=SecretStr("wrong"))  # the client is built on first use
    with pytest.raises(ProviderRejected) as refused:
        await rig.carrier.place_call(CALL)
    assert (refused.value.code, refused.value.status) == (20003, 401)
    assert len(rig.fake.requests) == 1


async def test_hangup_completes_a_live_call_and_shrugs_at_an_ended_or_unknown_one(
    rig: Rig,
) -> None:
    sid = await rig.carrier.place_call(CALL)
    rig.fake.set_call(sid, status="in-progress")
    await rig.carrier.hangup(sid)
    assert rig.fake.calls[sid]["status"] == "completed"
    assert rig.fake.requests[-1].form == {"Status": ["completed"]}
    await rig.carrier.hangup(sid)  # 400 "not in-progress": already ended
    await rig.carrier.hangup(UNKNOWN_SID)  # 404
    assert [r.path.rsplit("/", 1)[-1] for r in rig.fake.requests[1:]] == [
        f"{sid}.json",
        f"{sid}.json",
        f"{UNKNOWN_SID}.json",
    ]


async def test_hangup_retries_429_and_5xx(rig: Rig) -> None:
    sid = await rig.carrier.place_call(CALL)
    rig.fake.fail_next(429)
    rig.fake.fail_next(500)
    await rig.carrier.hangup(sid)
    assert rig.fake.calls[sid]["status"] == "completed"
    assert len(rig.fake.requests) == 4
    rig.fake.fail_next(503, times=10)
    with pytest.raises(ProviderUnavailable):
        await rig.carrier.hangup(sid)


async def test_fetch_call_reads_like_a_status_callback(rig: Rig) -> None:
    sid = await rig.carrier.place_call(CALL)
    live = await rig.carrier.fetch_call(sid)
    assert live is not None
    assert (live["CallSid"], live["CallStatus"], live["To"]) == (sid, "queued", CALL.to)
    assert "CallDuration" not in live and "AnsweredBy" not in live
    rig.fake.set_call(sid, status="completed", answered_by="machine_start", duration="17")
    ended = await rig.carrier.fetch_call(sid)
    assert ended is not None
    assert {k: ended[k] for k in ("CallStatus", "AnsweredBy", "CallDuration", "AccountSid")} == {
        "CallStatus": "completed",
        "AnsweredBy": "machine_start",
        "CallDuration": "17",
        "AccountSid": ACCOUNT,
    }
    assert parsedate_to_datetime(ended["Timestamp"]).tzinfo is not None
    assert all(isinstance(value, str) for value in ended.values())
    assert await rig.carrier.fetch_call(UNKNOWN_SID) is None


@pytest.mark.parametrize("status", ["busy", "no-answer", "failed", "canceled", "completed"])
async def test_every_final_status_fetched_is_final_for_the_service(rig: Rig, status: str) -> None:
    sid = await rig.carrier.place_call(CALL)
    rig.fake.set_call(sid, status=status, duration="0")
    fetched = await rig.carrier.fetch_call(sid)
    assert fetched is not None and CALL_STATUS.get(fetched["CallStatus"]) in FINAL


async def test_fetch_call_retries_then_gives_up(rig: Rig) -> None:
    rig.fake.fail_next(503, times=10)
    with pytest.raises(ProviderUnavailable):
        await rig.carrier.fetch_call(UNKNOWN_SID)


async def test_close_is_safe_before_use_and_twice(rig: Rig) -> None:
    carrier = twilio_carrier(rig.carrier.settings)
    await carrier.api.close()
    await carrier.place_call(CALL)
    await carrier.close()
    await carrier.api.close()
    await carrier.api.close()


def test_twilio_needs_its_credentials() -> None:
    with pytest.raises(ValueError, match="TWILIO"):
        TwilioApi(TwilioSettings(account_sid=None, auth_token=None))


async def test_the_service_dials_through_twilio_and_takes_its_signed_callbacks(
    rig: Rig, settings: Settings, pool: Any, conn: Any, factory: Any
) -> None:
    from aiohttp.test_utils import TestClient, unused_port
    from twilio.request_validator import RequestValidator

    from dialer.app import create_app
    from dialer.calls.applier import APPLIER
    from dialer.calls.pacer import DIALER
    from dialer.clock import FrozenClock
    from tests.dialing import MONDAY_10_WIB
    from tests.factories import row

    campaign = await factory.running_campaign([row(1)], virtual_seats=1)
    port = unused_port()
    service_settings = settings.amend(
        server={"public_url": f"http://127.0.0.1:{port}"},
        twilio=rig.carrier.settings.model_dump() | {"calls_per_second": 5.0},
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
        simulator = RequestValidator(settings.simulator.auth_token.get_secret_value())
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
        await app[APPLIER].drain()
    attempt = await conn.fetchrow("SELECT state, result, call_sid, carrier FROM attempts")
    assert (attempt["state"], attempt["result"], attempt["call_sid"], attempt["carrier"]) == (
        "busy",
        "busy_line",
        sid,
        "twilio",
    )


async def test_a_live_call_gets_new_twiml_through_the_calls_resource(rig: Rig) -> None:
    sid = await rig.carrier.place_call(CALL)
    rig.fake.set_call(sid, status="in-progress")
    document = twiml.to_agent("https://dialer.example", 41, 7)
    await rig.carrier.update(sid, document)
    assert rig.fake.requests[-1].path.endswith(f"/Calls/{sid}.json")
    assert rig.fake.requests[-1].form["Twiml"] == [document]
    assert rig.fake.calls[sid]["status"] == "in-progress"
    rig.fake.set_call(sid, status="completed")
    with pytest.raises(ProviderRejected):  # ended meanwhile: the caller logs it
        await rig.carrier.update(sid, document)


async def test_a_dial_to_a_softphone_nobody_registered_fails_the_call(rig: Rig) -> None:
    """What hid the missing voice path: a <Dial><Client> rings nobody unless a Voice SDK
    registered that identity. The fake, like Twilio, ends such a call."""
    sid = await rig.carrier.place_call(CALL)
    rig.fake.set_call(sid, status="in-progress")
    await rig.carrier.update(sid, "<Response><Dial><Client>agent-7</Client></Dial></Response>")
    assert rig.fake.calls[sid]["status"] == "completed"
    assert rig.fake.unanswered == [(sid, "client:agent-7")]
    other = await rig.carrier.place_call(CALL)
    rig.fake.set_call(other, status="in-progress")
    rig.fake.clients.add("agent-7")
    await rig.carrier.update(other, "<Response><Dial><Client>agent-7</Client></Dial></Response>")
    assert rig.fake.calls[other]["status"] == "in-progress"


async def test_twilio_refuses_a_document_that_is_not_twiml(rig: Rig) -> None:
    sid = await rig.carrier.place_call(CALL)
    rig.fake.set_call(sid, status="in-progress")
    with pytest.raises(ProviderRejected):
        await rig.carrier.update(
            sid, "<Response><Dial><Confrence>agent-7</Confrence></Dial></Response>"
        )


async def test_an_agents_sip_or_phone_leg_is_a_call_into_their_conference(rig: Rig) -> None:
    leg = AgentLeg(
        agent_id=7,
        endpoint="sip",
        address="sip:desk7@pbx.example.com",
        from_="+6221555000",
        answer_url="https://dialer.example/carrier/voice/agent?agent=7",
        status_url="https://dialer.example/carrier/voice/agent-status?agent=7",
    )
    sid = await rig.carrier.connect(leg)
    assert sid is not None and sid in rig.fake.calls
    form = rig.fake.requests[-1].form
    assert form["To"] == ["sip:desk7@pbx.example.com"]
    assert form["Url"] == [leg.answer_url] and form["StatusCallback"] == [leg.status_url]
    assert "MachineDetection" not in form  # an agent is no answering machine
    # A softphone dials in from the browser: nothing to place.
    assert await rig.carrier.connect(replace(leg, endpoint="softphone", address=None)) is None


async def test_hold_and_mute_go_to_the_conference_participant(rig: Rig) -> None:
    conference, sid = "CF" + "a" * 32, "CA" + "b" * 32
    music = "https://dialer.example/carrier/voice/music?attempt=41"
    await rig.carrier.participant(conference, sid, hold=True, hold_url=music)
    request = rig.fake.requests[-1]
    assert request.path.endswith(f"/Conferences/{conference}/Participants/{sid}.json")
    assert request.form == {"Hold": ["true"], "HoldUrl": [music], "HoldMethod": ["POST"]}
    await rig.carrier.participant(conference, sid, muted=True)
    assert rig.fake.requests[-1].form == {"Muted": ["true"]}
    await rig.carrier.participant(conference, sid, hold=False)
    assert rig.fake.requests[-1].form == {"Hold": ["false"]}


async def test_a_recording_is_started_on_the_call_and_reports_when_done(rig: Rig) -> None:
    sid = await rig.carrier.place_call(CALL)
    rig.fake.set_call(sid, status="in-progress")
    status = "https://dialer.example/carrier/voice/recording?attempt=41"
    await rig.carrier.record(sid, status)
    request = rig.fake.requests[-1]
    assert request.path.endswith(f"/Calls/{sid}/Recordings.json")
    assert request.form["RecordingStatusCallback"] == [status]
    assert request.form["RecordingChannels"] == ["dual"]
    assert request.form["RecordingStatusCallbackEvent"] == ["completed", "absent"]


async def test_a_supervisor_is_called_into_the_agents_conference(rig: Rig) -> None:
    conference, leg = "CF" + "c" * 32, "CA" + "d" * 32
    joiner = Joiner(
        user_id=9,
        identity="supervisor-9",
        endpoint="sip",
        address="sip:mira@pbx.example.com",
        from_="+622150000000",
        status_url="https://dialer.example/carrier/voice/monitor-status?monitor=3",
        coaching=True,
        coach=leg,
    )
    sid = await rig.carrier.add_participant(conference, joiner)
    request = rig.fake.requests[-1]
    assert request.path.endswith(f"/Conferences/{conference}/Participants.json")
    assert sid in rig.fake.calls
    form = request.form
    assert form["To"] == ["sip:mira@pbx.example.com"] and form["CallSidToCoach"] == [leg]
    assert form["Coaching"] == ["true"] and form["Muted"] == ["false"]
    assert form["StartConferenceOnEnter"] == ["false"] and form["EndConferenceOnExit"] == ["false"]
    await rig.carrier.participant(conference, sid, muted=False, coaching=False)
    assert rig.fake.requests[-1].form == {"Muted": ["false"], "Coaching": ["false"]}
