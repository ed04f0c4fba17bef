"""Outcomes: validated on the server, recorded once by the agent holding the call, and
their effects in the same transaction (DNC, wrong number, callback, ticket, closure)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import asyncpg

from dialer.auth import service as auth
from dialer.clock import FrozenClock
from dialer.db import Pool
from dialer.settings import Settings
from tests.dialing import FAST, MONDAY_10_WIB, Node, in_conference, phone_up, running_node
from tests.factories import Factory, row
from tests.integration.test_agents import agent

TALKATIVE = replace(FAST, talk_seconds=(600.0, 600.0))  # the customer stays on the line
COMMON = {"hub_penerima": "YANG BERSANGKUTAN", "address_valid": True, "notes": "ok"}
FIELDS_000 = {
    "customer_name": "Pelanggan 2",
    "msisdn": "+6281200000002",
    "tier": "Platinum",
    "card_type": "KartuHalo",
    "incident_time": "Senin 5 Sep 2022 09:00",
    "complaint_location": "Bandung",
    "activation_channel_and_package": "UMB *363#, Paket Combo",
    "notification": "Maaf, permintaan Anda tidak dapat diproses",
    "handset": "Samsung A52",
    "bundling_package": "Tidak",
    "other_contact": "081299990000",
    "ctp": "CTP lain",
    "account_name": "Pelanggan 2",
    "interaction_notes": "Gagal aktivasi sejak pagi",
}


@dataclass
class OnCall:
    node: Node
    clock: FrozenClock
    campaign: Any
    agent_id: int
    headers: dict[str, str]
    attempt_id: int

    async def post(self, headers: dict[str, str] | None = None, **form: Any) -> Any:
        body = {"attempt_id": self.attempt_id} | COMMON | form
        resp = await self.node.client.post(
            "/api/agent/outcome", json=body, headers=headers or self.headers
        )
        return resp.status, await resp.json()


@asynccontextmanager
async def on_a_call(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory, **campaign: Any
) -> AsyncIterator[OnCall]:
    """An agent of a running campaign (agents, no seats) holding a live call of
    ``Pelanggan 2`` (Platinum, +6281200000002)."""
    definition = {"virtual_seats": 0, "name": "outcomes"} | campaign
    created = await factory.running_campaign([row(2), row(3)], **definition)
    agent_id, headers = await agent(conn, "ani")
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(
        settings, pool, clock, choose=lambda c: "human", speed=10, profile=TALKATIVE
    ) as node:
        await phone_up(node, headers)
        resp = await node.client.post(
            "/api/agent/state",
            json={"campaign": created.name, "state": "available"},
            headers=headers,
        )
        assert resp.status == 200
        assert await node.tick() == {created.name: 1}
        attempt_id = None
        for _ in range(200):
            attempt_id = await conn.fetchval(
                "SELECT attempt_id FROM agent_states WHERE user_id = $1 AND state = 'on_call'",
                agent_id,
            )
            if attempt_id:
                break
            await asyncio.sleep(0.02)
        assert attempt_id is not None
        # The call is bridged once the service has stored the customer's join of the
        # agent's conference (the callback may trail the simulator's own state).
        for _ in range(500):
            if await conn.fetchval("SELECT conference_sid FROM attempts WHERE id = $1", attempt_id):
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError(f"call {attempt_id} never joined the agent's conference")
        yield OnCall(node, clock, created, agent_id, headers, attempt_id)
        for sid in list(node.carrier.calls):
            await node.carrier.hangup(sid)
        await node.settle()


async def transfer_state(conn: asyncpg.Connection, transfer_id: int, want: str) -> Any:
    """Transfer ``transfer_id`` once it is in state ``want`` (the carrier's word)."""
    for _ in range(500):
        found = await conn.fetchrow("SELECT * FROM transfers WHERE id = $1", transfer_id)
        if found["state"] == want:
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"transfer {transfer_id} never {want}: {dict(found)}")


async def test_a_transfer_to_a_busy_destination_brings_the_customer_back_to_the_agent(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    async with on_a_call(settings, pool, conn, factory) as call:
        sid = await conn.fetchval("SELECT call_sid FROM attempts WHERE id = $1", call.attempt_id)
        await in_conference(call.node.carrier, call.agent_id, sid)
        call.node.carrier.switch.number("+620000000003", "busy")
        body = {"attempt_id": call.attempt_id, "destination": "cc-iconnet", "consent": "YA"}
        resp = await call.node.client.post("/api/agent/transfer", json=body, headers=call.headers)
        assert resp.status == 202
        asked = (await resp.json())["transfer"]
        failed = await transfer_state(conn, asked["id"], "failed")
        assert "busy" in failed["error"]
        # The customer is back in the agent's conference, the agent still on the call,
        # the target not finished; the agent's screen says why.
        assert len(await in_conference(call.node.carrier, call.agent_id, sid)) == 2
        state = await conn.fetchval(
            "SELECT state FROM agent_states WHERE user_id = $1", call.agent_id
        )
        assert state == "on_call"
        assert (await target_of(conn))["state"] != "done"
        me = await call.node.client.get("/api/agent/me", headers=call.headers)
        shown = (await me.json())["call"]["call"]["transfer"]
        assert shown["state"] == "failed" and "busy" in shown["error"]


async def target_of(conn: asyncpg.Connection, msisdn: str = "+6281200000002") -> Any:
    return await conn.fetchrow("SELECT * FROM targets WHERE msisdn = $1", msisdn)


async def test_an_outcome_is_recorded_once_then_after_call_work_then_available(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory, db_url: str
) -> None:
    async with on_a_call(settings, pool, conn, factory, wrap_up_seconds=20) as call:
        sid = await conn.fetchval("SELECT call_sid FROM attempts WHERE id = $1", call.attempt_id)
        # Two submits at once (a double click): one outcome. Both are held at the start
        # (the agent's row is locked meanwhile), so they truly overlap.
        blocker = await asyncpg.connect(db_url)
        tx = blocker.transaction()
        await tx.start()
        await blocker.execute(
            "SELECT 1 FROM agent_states WHERE user_id = $1 FOR UPDATE", call.agent_id
        )
        form = {"code": "pays_other_channel", "channel": "Indomaret", "service_working": True}
        both = asyncio.gather(call.post(**form), call.post(**form))
        for _ in range(500):
            waiting = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND datname = current_database()"
            )
            if waiting == 2:
                break
            await asyncio.sleep(0.01)
        assert waiting == 2
        await tx.commit()
        await blocker.close()
        (s1, b1), (s2, b2) = await both
        assert sorted([s1, s2]) == [200, 201]
        assert b1["outcome"]["id"] == b2["outcome"]["id"]
        assert {b1["recorded"], b2["recorded"]} == {True, False}
        assert b1["outcome"]["details"] == {"channel": "indomaret"}
        assert await conn.fetchval("SELECT count(*) FROM outcomes") == 1
        target = await target_of(conn)
        assert (target["state"], target["done_reason"]) == ("done", "pays_other_channel")
        state = await conn.fetchrow("SELECT * FROM agent_states WHERE user_id = $1", call.agent_id)
        assert state["state"] == "wrap_up"
        assert state["wrap_up_until"] == MONDAY_10_WIB + timedelta(seconds=20)
        # The call still live is ended by the outcome.
        for _ in range(100):
            if sid not in call.node.carrier.calls:
                break
            await asyncio.sleep(0.02)
        assert sid not in call.node.carrier.calls
        # After-call work ends by itself; then the next call.
        call.clock.advance(seconds=19)
        await call.node.tick()
        assert await conn.fetchval(
            "SELECT state FROM agent_states WHERE user_id = $1", call.agent_id
        ) == ("wrap_up")
        call.clock.advance(seconds=1)
        assert await call.node.tick() == {call.campaign.name: 1}
        assert await conn.fetchval(
            "SELECT state FROM agent_states WHERE user_id = $1", call.agent_id
        ) in ("available", "on_call")


async def test_bad_forms_are_refused_with_the_field_and_change_nothing(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    async with on_a_call(settings, pool, conn, factory) as call:
        cases = [
            # What the agent reads: Indonesian, the default.
            ({"code": "customer_busy"}, "callback_at: wajib untuk customer_busy"),
            (
                {"code": "already_paid", "channel": "bank"},
                "channel: tidak berlaku untuk already_paid",
            ),
            (
                {"code": "wrong_number", "verified": ["msisdn"]},
                "belum: address, owner_name",
            ),
            ({"code": "pays_via_bukalapak"}, "wa_number: wajib"),
            ({"code": "pays_via_bukalapak", "wa_number": "12345"}, "bukan nomor ponsel Indonesia"),
            ({"code": "claims_cancelled", "arrears_paid": True}, "modem_returned: wajib"),
            (
                {"code": "wants_cancellation", "cancellation": "closure_request"},
                "arrears_settled: wajib",
            ),
            ({"code": "already_paid", "address_valid": False}, "new_address: wajib"),
            ({"code": "sold_a_car"}, "code"),
            ({"code": "already_paid", "hub_penerima": ""}, "hub_penerima"),
            (
                {"code": "customer_busy", "callback_at": "2022-09-05T09:00:00+07:00"},
                "harus di masa mendatang",
            ),
            (
                {"code": "customer_busy", "callback_at": "2022-10-05T09:00:00+07:00"},
                "callback_at",
            ),
            (
                {"code": "has_problem", "ticket": {"new": {"guide": "pansol-aktivasi-paket"}}},
                "fields",
            ),
            (
                {
                    "code": "has_problem",
                    "ticket": {
                        "new": {
                            "guide": "pansol-aktivasi-paket",
                            "fields": FIELDS_000 | {"card_type": "Nokia"},
                        }
                    },
                },
                "card_type",
            ),
            (
                {
                    "code": "has_problem",
                    "ticket": {"new": {"guide": "pansol-nothing", "fields": {}}},
                },
                "tidak ada panduan solusi bernama 'pansol-nothing'",
            ),
        ]
        for form, message in cases:
            status, body = await call.post(**form)
            assert status == 422, (form, body)
            assert message in str(body["error"]), (form, body)
        assert await conn.fetchval("SELECT count(*) FROM outcomes") == 0
        assert await conn.fetchval("SELECT count(*) FROM tickets") == 0
        assert (await target_of(conn))["state"] == "ready"
        assert await conn.fetchval(
            "SELECT state FROM agent_states WHERE user_id = $1", call.agent_id
        ) == ("on_call")
        # Another agent cannot record this call.
        _, other = await agent(conn, "budi")
        await call.node.client.post(
            "/api/agent/state",
            json={"campaign": call.campaign.name, "state": "paused"},
            headers=other,
        )
        status, body = await call.post(headers=other, code="already_paid")
        assert status == 403 and body["error"]["id"] == "forbidden"
        assert await conn.fetchval("SELECT count(*) FROM outcomes") == 0


async def test_do_not_call_and_wrong_number_keep_the_number_from_being_dialled(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    async with on_a_call(settings, pool, conn, factory) as call:
        status, _ = await call.post(
            code="wrong_number", verified=["msisdn", "owner_name", "address"]
        )
        assert status == 201
    target = await target_of(conn)
    assert (target["state"], target["done_reason"]) == ("done", "wrong_number")
    assert await conn.fetchval("SELECT count(*) FROM wrong_numbers") == 1
    # The same customer and number on another campaign's list: never dialled.
    other = await factory.running_campaign([row(2)], name="another", virtual_seats=1)
    async with running_node(settings, pool, FrozenClock(MONDAY_10_WIB)) as node:
        assert await node.tick() == {"outcomes": 0, other.name: 0}
        # And "why not?" says so, for the customer and in the campaign's counts.
        from dialer.calls.why import why_not_summary, why_target

        why = await why_target(conn, other, "122000000002", now=MONDAY_10_WIB)
        assert not why["dialable"]
        assert [r["code"] for r in why["reasons"]] == ["wrong_number"]
        assert "bukan milik pelanggan (outcomes," in why["reasons"][0]["message"]
        summary = await why_not_summary(conn, other, now=MONDAY_10_WIB)
        assert summary["dialable_now"] == 0 and summary["reasons"] == {"wrong_number": 1}


async def test_do_not_call_puts_the_number_on_the_list(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    async with on_a_call(settings, pool, conn, factory) as call:
        status, _ = await call.post(code="do_not_call")
        assert status == 201
    dnc = await conn.fetchrow("SELECT * FROM dnc WHERE msisdn = '+6281200000002'")
    assert dnc is not None and dnc["source"] == "outcome"
    assert (await target_of(conn))["done_reason"] == "do_not_call"


async def test_customer_busy_schedules_a_callback_that_keeps_to_the_window(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    async with on_a_call(settings, pool, conn, factory) as call:
        # 19:00 WIB is after calling hours: called at the next opening, 08:00 Tuesday.
        status, body = await call.post(
            code="customer_busy", callback_at="2022-09-05T19:00:00+07:00"
        )
        assert status == 201
        assert body["outcome"]["details"]["called_from"] == "2022-09-06T01:00:00+00:00"
    target = await target_of(conn)
    assert (target["state"], target["callback"]) == ("scheduled", True)
    assert target["next_attempt_at"] == MONDAY_10_WIB + timedelta(hours=9)
    assert target["attempts"] == 1  # the call itself was counted when it ended


async def test_a_problem_opens_a_ticket_from_the_guide_due_by_tier_or_fixed(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    async with on_a_call(settings, pool, conn, factory) as call:
        status, _ = await call.post(
            code="has_problem",
            service_working=False,
            ticket={"new": {"guide": "pansol-aktivasi-paket", "fields": FIELDS_000}},
        )
        assert status == 201
        # Managers list the tickets; past its deadline one is flagged overdue.
        user = await auth.create_user(conn, username="mira", role="manager", password=None)
        token, _ = await auth.issue_token(conn, user.id, kind="api", label="test")
        boss = {"Authorization": f"Bearer {token}"}
        path = f"/api/campaigns/{call.campaign.name}/tickets"
        resp = await call.node.client.get(path, headers=boss)
        listed = await resp.json()
        assert listed["overdue"] == 0 and listed["tickets"][0]["overdue"] is False
        assert listed["tickets"][0]["indihome_number"] == "122000000002"
        call.clock.advance(hours=25)
        resp = await call.node.client.get(path + "?state=overdue", headers=boss)
        listed = await resp.json()
        assert listed["overdue"] == 1 and listed["tickets"][0]["overdue"] is True
        ticket_id = listed["tickets"][0]["id"]
        # Agents do not see the manager's lists.
        assert (await call.node.client.get(path, headers=call.headers)).status == 403
        resp = await call.node.client.post(f"/api/tickets/{ticket_id}/close", headers=boss)
        assert resp.status == 200
        resp = await call.node.client.post(f"/api/tickets/{ticket_id}/close", headers=boss)
        assert resp.status == 409
        resp = await call.node.client.get(path + "?state=overdue", headers=boss)
        assert (await resp.json())["tickets"] == []
        resp = await call.node.client.get(path + "?state=late", headers=boss)
        assert resp.status == 400
        call.clock.advance(hours=-25)
    ticket = await conn.fetchrow("SELECT * FROM tickets")
    assert (ticket["guide"], ticket["category"], ticket["tier"]) == (
        "pansol-aktivasi-paket",
        "package_activation",
        "Platinum",
    )
    assert ticket["due_at"] == MONDAY_10_WIB + timedelta(hours=24)  # Platinum: 24 h
    assert ticket["fields"]["card_type"] == "KartuHalo" and "imei" not in ticket["fields"]


async def test_an_existing_ticket_is_recorded_by_its_number(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    async with on_a_call(settings, pool, conn, factory) as call:
        status, _ = await call.post(code="has_problem", ticket={"existing": "IN12345678"})
        assert status == 201
    ticket = await conn.fetchrow("SELECT * FROM tickets")
    assert (ticket["existing_ref"], ticket["guide"], ticket["due_at"]) == ("IN12345678", None, None)


async def test_a_closure_request_says_what_is_still_missing(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    async with on_a_call(settings, pool, conn, factory) as call:
        status, body = await call.post(
            code="wants_cancellation",
            cancellation="closure_request",
            arrears_settled=True,
            modem_returned=False,
        )
        assert status == 201, body
    closure = await conn.fetchrow("SELECT * FROM closure_requests")
    assert (closure["arrears_settled"], closure["modem_returned"]) == (True, False)


async def test_a_live_call_is_transferred_and_recorded_with_its_category(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    from dialer.providers.errors import ProviderUnavailable

    async with on_a_call(settings, pool, conn, factory) as call:
        client = call.node.client

        async def transfer(destination: str, headers: dict[str, str] | None = None) -> Any:
            body = {
                "attempt_id": call.attempt_id,
                "destination": destination,
                "consent": "Baik",
                "notes": "ke ICONNET",
            }
            resp = await client.post(
                "/api/agent/transfer", json=body, headers=headers or call.headers
            )
            return resp.status, await resp.json()

        status, body = await transfer("nowhere")
        assert status == 422
        assert body["error"]["details"] == [
            {"field": "destination", "reason": "salah satu dari: cc-iconnet"}
        ]
        _, budi = await agent(conn, "budi")
        assert (await transfer("cc-iconnet", budi))[0] == 403  # not Budi's call

        # The carrier fails: recorded as failed, the agent still holds the call.
        real = call.node.carrier.update

        async def down(sid: str, twiml: str) -> None:
            raise ProviderUnavailable("Twilio answered 503 four times")

        call.node.carrier.update = down  # type: ignore[method-assign]
        status, body = await transfer("cc-iconnet")
        assert status == 502 and "503 four times" in body["error"]["message"]
        assert body["error"]["details"]["transfer"]["state"] == "failed"
        state = await conn.fetchval(
            "SELECT state FROM agent_states WHERE user_id = $1", call.agent_id
        )
        assert state == "on_call"

        call.node.carrier.update = real  # type: ignore[method-assign]
        status, body = await transfer("cc-iconnet")
        assert status == 202, body
        asked = body["transfer"]
        # Asked, not done: done only when the destination answers.
        assert (asked["state"], asked["category"], asked["number"]) == (
            "requested",
            "activation_trouble",
            "+620000000003",
        )
        assert (asked["consent"], asked["log_text"]) == ("Baik", "ICONNET : TRANSFER CALL")
        done = await transfer_state(conn, asked["id"], "done")
        assert done["done_at"] is not None
        target = await target_of(conn)
        assert (target["state"], target["done_reason"]) == ("done", "transferred")
        assert (
            await conn.fetchval("SELECT state FROM agent_states WHERE user_id = $1", call.agent_id)
            == "wrap_up"
        )
        # Done once: the agent no longer holds the call.
        assert (await transfer("cc-iconnet"))[0] == 403
        user = await auth.create_user(conn, username="mira", role="manager", password=None)
        token, _ = await auth.issue_token(conn, user.id, kind="api", label="test")
        path = f"/api/campaigns/{call.campaign.name}/transfers"
        resp = await client.get(path, headers={"Authorization": f"Bearer {token}"})
        listed = (await resp.json())["transfers"]
        assert [(t["state"], t["agent"], t["indihome_number"]) for t in listed] == [
            ("failed", "ani", "122000000002"),
            ("done", "ani", "122000000002"),
        ]
        assert (await client.get(path, headers=call.headers)).status == 403


async def test_a_warm_transfer_lets_the_agent_talk_to_the_destination_then_hand_over(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    async with on_a_call(settings, pool, conn, factory) as call:
        sid = await conn.fetchval("SELECT call_sid FROM attempts WHERE id = $1", call.attempt_id)
        leg = await conn.fetchval(
            "SELECT call_sid FROM agent_legs WHERE user_id = $1", call.agent_id
        )
        await in_conference(call.node.carrier, call.agent_id, sid)
        client, switch = call.node.client, call.node.carrier.switch
        body = {
            "attempt_id": call.attempt_id,
            "destination": "cc-iconnet",
            "consent": "YA",
            "warm": True,
        }
        resp = await client.post("/api/agent/transfer", json=body, headers=call.headers)
        assert resp.status == 202, await resp.text()
        asked = (await resp.json())["transfer"]
        assert asked["warm"] is True and asked["state"] == "requested"
        # Too early: the destination has not answered yet (or just has).
        for _ in range(500):
            found = await conn.fetchrow("SELECT * FROM transfers WHERE id = $1", asked["id"])
            if found["answered_at"] is not None:
                break
            await asyncio.sleep(0.02)
        destination = found["destination_sid"]
        # The agent talks to the destination, the customer on hold, all in the agent's
        # conference.
        members = switch.members(f"agent-{call.agent_id}")
        assert sorted(members) == sorted([sid, leg, destination])
        assert switch.conferences[f"agent-{call.agent_id}"].members[sid].hold
        done = await client.post(
            f"/api/agent/transfer/{asked['id']}/complete", headers=call.headers
        )
        assert done.status == 200, await done.text()
        assert (await done.json())["transfer"]["state"] == "done"
        # The customer and the destination together; the agent's phone alone, free.
        for _ in range(500):
            if sorted(switch.members(f"transfer-{asked['id']}")) == sorted([sid, destination]):
                break
            await asyncio.sleep(0.02)
        assert sorted(switch.members(f"transfer-{asked['id']}")) == sorted([sid, destination])
        assert switch.members(f"agent-{call.agent_id}") == [leg]
        target = await target_of(conn)
        assert (target["state"], target["done_reason"]) == ("done", "transferred")
        state = await conn.fetchval(
            "SELECT state FROM agent_states WHERE user_id = $1", call.agent_id
        )
        assert state == "wrap_up"


async def test_a_warm_transfer_to_a_busy_destination_gives_the_customer_back(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    async with on_a_call(settings, pool, conn, factory) as call:
        sid = await conn.fetchval("SELECT call_sid FROM attempts WHERE id = $1", call.attempt_id)
        await in_conference(call.node.carrier, call.agent_id, sid)
        call.node.carrier.switch.number("+620000000003", "busy")
        body = {
            "attempt_id": call.attempt_id,
            "destination": "cc-iconnet",
            "consent": "YA",
            "warm": True,
        }
        resp = await call.node.client.post("/api/agent/transfer", json=body, headers=call.headers)
        assert resp.status == 202
        asked = (await resp.json())["transfer"]
        failed = await transfer_state(conn, asked["id"], "failed")
        assert "busy" in failed["error"]
        conference = call.node.carrier.switch.conferences[f"agent-{call.agent_id}"]
        for _ in range(500):
            if not conference.members[sid].hold:
                break
            await asyncio.sleep(0.02)
        assert not conference.members[sid].hold  # back with the agent
        # Cancelling what is over is refused.
        cancel = await call.node.client.post(
            f"/api/agent/transfer/{asked['id']}/cancel", headers=call.headers
        )
        assert cancel.status == 409
        assert (
            await conn.fetchval("SELECT state FROM agent_states WHERE user_id = $1", call.agent_id)
            == "on_call"
        )
