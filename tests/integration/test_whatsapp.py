"""The voucher's WhatsApp message: queued with the outcome, sent after the commit by the
outbox, its signed statuses applied in any order, retried on failure, resent by a
manager without a second voucher; and Twilio's Messages API as the SDK calls it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
from aiohttp.test_utils import TestServer

from dialer.auth import service as auth
from dialer.db import Pool
from dialer.providers.messenger import OutboundMessage
from dialer.providers.simulated_messenger import SimulatedMessenger
from dialer.providers.twilio import TwilioApi
from dialer.providers.twilio_messenger import TwilioMessenger
from dialer.settings import Settings, TwilioSettings
from dialer.vouchers.outbox import HOW_TO_PAY, SENDER
from tests.dialing import signed
from tests.factories import Factory
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.test_outcomes import COMMON, OnCall, on_a_call

VOUCHER = {"quota": 50, "expires": "2022-09-30T23:59:59+07:00", "codes": "generated"}


async def agrees(call: OnCall) -> dict[str, Any]:
    form = COMMON | {
        "attempt_id": call.attempt_id,
        "code": "pays_via_bukalapak",
        "wa_number": "0812-0000-0002",
    }
    resp = await call.node.client.post("/api/agent/outcome", json=form, headers=call.headers)
    assert resp.status == 201, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


def messenger(call: OnCall, statuses: tuple[str, ...] | None = None) -> SimulatedMessenger:
    """A simulated WhatsApp posting ``statuses`` quickly, in place of the node's."""
    settings = call.node.settings
    sim = SimulatedMessenger(
        public_url=settings.server.public_url,
        auth_token=settings.simulator.auth_token.get_secret_value(),
        delay_seconds=0.02,
        statuses=statuses,
    )
    call.node.app[SENDER].messenger = sim
    return sim


async def until(conn: asyncpg.Connection, sql: str, want: Any, *args: Any) -> Any:
    for _ in range(300):
        got = await conn.fetchval(sql, *args)
        if got == want:
            return got
        await asyncio.sleep(0.02)
    raise AssertionError(f"{sql}: {got!r}, not {want!r}")


async def test_the_code_goes_out_after_the_commit_and_its_statuses_come_back(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    async with on_a_call(settings, pool, conn, factory, voucher=VOUCHER) as call:
        sim = messenger(call, ("sent", "delivered", "read"))
        body = await agrees(call)
        code = body["voucher"]["voucher"]["code"]
        await until(conn, "SELECT state FROM vouchers", "read")
        message = await conn.fetchrow("SELECT * FROM messages")
        assert (message["state"], message["to_number"], message["tries"]) == (
            "read",
            "+6281200000002",
            1,
        )
        assert message["idempotency_key"] == f"voucher-{body['voucher']['voucher']['id']}-1"
        assert message["sender"] == "whatsapp:+6281100000001"
        assert json.loads(json.dumps(message["variables"])) == {
            "1": "Pelanggan 2",
            "2": code,
            "3": "30 September 2022",
            "4": "Rp 350.000",
            "5": HOW_TO_PAY,
        }
        assert [m.to for m in sim.sent] == ["+6281200000002"]
        events = await conn.fetch("SELECT event, actor FROM voucher_events ORDER BY id")
        assert [e["event"] for e in events] == ["issued", "sent", "delivered", "read"]

        # Repeats and late statuses change nothing; unsigned ones are refused.
        path = f"/messaging/status?message={message['id']}"
        params = {"MessageSid": message["provider_sid"], "MessageStatus": "sent"}
        for _ in range(2):
            resp = await call.node.client.post(
                path, data=params, headers=signed(call.node.settings, path, params)
            )
            assert resp.status == 200
        resp = await call.node.client.post(path, data=params | {"MessageStatus": "failed"})
        assert resp.status == 403
        assert await conn.fetchval("SELECT state FROM messages") == "read"
        effects = [
            (r["status"], r["effect"])
            for r in await conn.fetch("SELECT status, effect FROM message_events ORDER BY id")
        ]
        # (queued may arrive before the send is recorded as queued: either effect)
        assert [e for e in effects if e[0] != "queued"] == [
            ("sent", "applied"),
            ("delivered", "applied"),
            ("read", "applied"),
            ("sent", "no_change"),
            ("sent", "no_change"),
        ]
        await sim.close()


async def test_statuses_out_of_order_reach_the_same_state(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    async with on_a_call(settings, pool, conn, factory, voucher=VOUCHER) as call:
        sim = messenger(call, ())  # the simulator reports nothing: the test does
        await agrees(call)
        await until(conn, "SELECT state FROM messages", "queued")
        message = await conn.fetchrow("SELECT * FROM messages")
        path = f"/messaging/status?message={message['id']}"
        for status in ("delivered", "queued", "sent", "delivered"):
            params = {"MessageSid": message["provider_sid"], "MessageStatus": status}
            resp = await call.node.client.post(
                path, data=params, headers=signed(call.node.settings, path, params)
            )
            assert resp.status == 200
        assert await conn.fetchval("SELECT state FROM messages") == "delivered"
        assert await conn.fetchval("SELECT state FROM vouchers") == "delivered"
        events = [r["event"] for r in await conn.fetch("SELECT event FROM voucher_events")]
        assert events == ["issued", "delivered"]
        await sim.close()


async def test_a_failed_send_is_tried_again_and_a_manager_resends_the_same_voucher(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    # Valid until 1 October 06:00 WIB, which is still 30 September in UTC: the resent
    # message states the campaign's date, not the date of the stored UTC instant.
    voucher = VOUCHER | {"expires": "2022-10-01T06:00:00+07:00"}
    async with on_a_call(settings, pool, conn, factory, voucher=voucher) as call:
        sim = messenger(call, ("failed",))
        sim.available = False  # WhatsApp answers 503 for now
        body = await agrees(call)
        # The sender counts the try when it takes the message, and writes the error
        # after WhatsApp's answer: wait for the error, not the count.
        await until(conn, "SELECT error IS NOT NULL FROM messages", True)
        row = await conn.fetchrow("SELECT state, error, tries FROM messages")
        assert row["state"] == "pending" and "unavailable" in row["error"] and row["tries"] == 1
        sim.available = True
        call.clock.advance(seconds=5)  # past the back-off
        await until(conn, "SELECT state FROM vouchers", "failed")
        assert await conn.fetchval("SELECT tries FROM messages") == 2

        # The customer gave a wrong number: the manager resends to the right one.
        user = await auth.create_user(conn, username="mira", role="manager", password=None)
        token, _ = await auth.issue_token(conn, user.id, kind="api", label="test")
        voucher_id = body["voucher"]["voucher"]["id"]
        sim.statuses = ("sent", "delivered")
        resp = await call.node.client.post(
            f"/api/vouchers/{voucher_id}/resend",
            json={"wa_number": "0857 1234 5678"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert resp.status == 201, await resp.text()
        await until(conn, "SELECT state FROM vouchers", "delivered")
        assert await conn.fetchval("SELECT count(*) FROM vouchers") == 1
        rows = await conn.fetch(
            "SELECT to_number, state, idempotency_key, variables FROM messages ORDER BY id"
        )
        assert [json.loads(json.dumps(r["variables"]))["3"] for r in rows] == [
            "1 Oktober 2022",
            "1 Oktober 2022",
        ]
        assert [(r["to_number"], r["state"]) for r in rows] == [
            ("+6281200000002", "failed"),
            ("+6285712345678", "delivered"),
        ]
        assert rows[1]["idempotency_key"] == f"voucher-{voucher_id}-2"
        events = [
            r["event"] for r in await conn.fetch("SELECT event FROM voucher_events ORDER BY id")
        ]
        assert events == ["issued", "failed", "resent", "sent", "delivered"]
        assert await conn.fetchval("SELECT wa_number FROM vouchers") == "+6285712345678"
        # Agents may not resend.
        resp = await call.node.client.post(
            f"/api/vouchers/{voucher_id}/resend", json={}, headers=call.headers
        )
        assert resp.status == 403
        await sim.close()


async def test_twilio_messenger_sends_the_content_template_with_its_callback() -> None:
    account, token = "AC" + "ab" * 16, "tok" * 8
    fake = FakeTwilio(account, token)
    server = TestServer(fake.app())
    await server.start_server()
    twilio = TwilioSettings(
        account_sid=account,
        auth_token=token,
        api_base=str(server.make_url("")).rstrip("/"),
        backoff_seconds=0.01,
    )
    api = TwilioApi(twilio)
    sender = TwilioMessenger(api, public_url="https://dialer.example.id", messages_per_second=20)
    try:
        message = OutboundMessage(
            7, "+6281200000002", "whatsapp:+6281100000001", "HX" + "0" * 31 + "1", {"1": "Siti"}
        )
        sid = await sender.send(message)
        assert sid.startswith("SM")
        form = fake.requests[-1].form
        assert fake.requests[-1].path.endswith(f"/Accounts/{account}/Messages.json")
        assert form["To"] == ["whatsapp:+6281200000002"]
        assert form["From"] == ["whatsapp:+6281100000001"]
        assert form["ContentSid"] == ["HX" + "0" * 31 + "1"]
        assert json.loads(form["ContentVariables"][0]) == {"1": "Siti"}
        assert form["StatusCallback"] == ["https://dialer.example.id/messaging/status?message=7"]
        # A 429 is backed off and tried again; a 4xx refusal is final.
        fake.fail_next(429)
        assert (await sender.send(message)).startswith("SM")
        fake.fail_next(400, code=63007)
        from dialer.providers.errors import ProviderRejected

        try:
            await sender.send(message)
        except ProviderRejected as exc:
            assert "63007" in str(exc)
        else:
            raise AssertionError("a 400 must be refused")
    finally:
        await api.close()
        await server.close()
