"""One call, several results: the final disposition plus the actions taken during the
call (seed 001: after caring the script goes on with steps 4–10). A customer with a
problem gets a ticket and can still take the voucher; an unsettled "claims cancelled"
gets a follow-up (seed 004); conditional ticket fields are enforced; the ticket's tier
is the one confirmed on the call."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import asyncpg

from dialer.auth import service as auth
from dialer.db import Pool
from dialer.settings import Settings
from tests.dialing import MONDAY_10_WIB
from tests.factories import Factory
from tests.integration.test_outcomes import FIELDS_000, on_a_call, target_of


async def manager(conn: asyncpg.Connection) -> dict[str, str]:
    user = await auth.create_user(conn, username="mira", role="manager", password=None)
    token, _ = await auth.issue_token(conn, user.id, kind="api", label="test")
    return {"Authorization": f"Bearer {token}"}


async def kinds(conn: asyncpg.Connection) -> list[str]:
    return [r["kind"] for r in await conn.fetch("SELECT kind FROM call_actions ORDER BY id")]


async def test_a_customer_with_a_problem_gets_tickets_and_the_voucher(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    async with on_a_call(settings, pool, conn, factory) as call:
        status, body = await call.post(
            code="pays_via_bukalapak",
            service_working=False,
            wa_number="+6281200000002",
            myindihome="installed",
            tickets=[
                {"new": {"guide": "pansol-aktivasi-paket", "fields": FIELDS_000}},
                {"existing": "IN12345678"},
            ],
        )
        assert status == 201, body
        assert body["voucher"]["issued"] is True
        boss = await manager(conn)
        resp = await call.node.client.get(
            f"/api/campaigns/{call.campaign.name}/reports/outcomes", headers=boss
        )
        report = await resp.json()
        resp = await call.node.client.get(
            f"/api/campaigns/{call.campaign.name}/crm.csv", headers=boss
        )
        crm = list(csv.DictReader(io.StringIO(await resp.text())))
    tickets = await conn.fetch("SELECT * FROM tickets ORDER BY id")
    assert [(t["guide"], t["existing_ref"]) for t in tickets] == [
        ("pansol-aktivasi-paket", None),
        (None, "IN12345678"),
    ]
    assert await conn.fetchval("SELECT count(*) FROM vouchers") == 1
    assert (await target_of(conn))["done_reason"] == "pays_via_bukalapak"
    assert await kinds(conn) == ["ticket", "ticket", "voucher", "myindihome"]
    # The report counts one disposition and each action; the CRM row holds both tickets.
    assert report["outcomes"]["by_code"] == {"pays_via_bukalapak": 1}
    assert report["actions"] == {
        "total": 4,
        "by_kind": {"ticket": 2, "myindihome": 1, "voucher": 1},
    }
    (row,) = [r for r in crm if r["outcome"]]
    assert row["ticket"] == f"T{tickets[0]['id']} | IN12345678"
    assert row["voucher_code"] and row["actions"] == "ticket ticket voucher myindihome"


async def test_a_customer_kept_after_asking_to_cancel_goes_on_to_pay(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    async with on_a_call(settings, pool, conn, factory) as call:
        # A closure request ends the call: it cannot come with a payment.
        status, body = await call.post(
            code="pays_other_channel",
            channel="autodebit",
            cancellation="closure_request",
            arrears_settled=True,
            modem_returned=True,
        )
        assert status == 422
        assert "permintaan penutupan mengakhiri panggilan sebagai wants_cancellation" in str(body)
        # Tickets are for the customer: not for someone who is not them.
        status, body = await call.post(code="not_subscriber", tickets=[{"existing": "IN12345678"}])
        assert status == 422 and "tickets: tidak berlaku untuk not_subscriber" in str(body)
        assert await kinds(conn) == []
        status, body = await call.post(
            code="pays_other_channel", channel="autodebit", cancellation="retained"
        )
        assert status == 201, body
    assert await kinds(conn) == ["retained"]
    assert await conn.fetchval("SELECT count(*) FROM closure_requests") == 0


async def test_an_unsettled_claim_of_cancellation_is_followed_up_by_a_deadline(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    async with on_a_call(settings, pool, conn, factory, follow_up_hours=48) as call:
        # Says the service is cancelled; the modem is back but the arrears are not paid:
        # caring, the script goes on, and the customer will pay.
        status, body = await call.post(
            code="pays_other_channel", channel="autodebit", arrears_paid=False, modem_returned=True
        )
        assert status == 201, body
        boss = await manager(conn)
        path = f"/api/campaigns/{call.campaign.name}/follow-ups"
        listed = await (await call.node.client.get(path, headers=boss)).json()
        assert listed["overdue"] == 0
        (found,) = listed["follow_ups"]
        assert (found["reason"], found["arrears_paid"], found["modem_returned"]) == (
            "claims_cancelled_unsettled",
            False,
            True,
        )
        assert found["agent"] == "ani" and found["indihome_number"] == "122000000002"
        call.clock.advance(hours=49)
        listed = await (await call.node.client.get(path + "?state=overdue", headers=boss)).json()
        assert listed["overdue"] == 1 and listed["follow_ups"][0]["overdue"] is True
        # Agents do not see it; a manager closes it with what was done, once.
        assert (await call.node.client.get(path, headers=call.headers)).status == 403
        close = f"/api/follow-ups/{found['id']}/close"
        resp = await call.node.client.post(close, json={"resolution": "x"}, headers=boss)
        assert resp.status == 422
        done = {"resolution": "Tunggakan dibayar 7 Sep"}
        resp = await call.node.client.post(close, json=done, headers=boss)
        assert resp.status == 200
        assert (await resp.json())["follow_up"]["resolution"] == done["resolution"]
        resp = await call.node.client.post(close, json=done, headers=boss)
        assert resp.status == 409
        resp = await call.node.client.post("/api/follow-ups/999999/close", json=done, headers=boss)
        assert resp.status == 404
        listed = await (await call.node.client.get(path, headers=boss)).json()
        assert listed["follow_ups"] == []
        call.clock.advance(hours=-49)
    follow_up = await conn.fetchrow("SELECT * FROM follow_ups")
    assert follow_up["due_at"] == MONDAY_10_WIB + timedelta(hours=48)
    assert await kinds(conn) == ["claim_checked", "follow_up"]


async def test_a_settled_claim_of_cancellation_needs_no_follow_up(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    async with on_a_call(settings, pool, conn, factory) as call:
        status, body = await call.post(code="claims_cancelled", arrears_paid=True)
        assert status == 422 and "modem_returned: wajib untuk claims_cancelled" in str(body)
        status, body = await call.post(
            code="claims_cancelled", arrears_paid=True, modem_returned=True
        )
        assert status == 201, body
    assert await conn.fetchval("SELECT count(*) FROM follow_ups") == 0
    assert await kinds(conn) == ["claim_checked"]


async def test_conditional_ticket_fields_are_required_in_their_case(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    bundled = FIELDS_000 | {"bundling_package": "Ya", "ctp": "CTP E-Care"}
    del bundled["account_name"]
    async with on_a_call(settings, pool, conn, factory) as call:
        status, body = await call.post(
            code="has_problem",
            tickets=[{"new": {"guide": "pansol-aktivasi-paket", "fields": bundled}}],
        )
        assert status == 422
        fields = {d["field"] for d in body["error"]["details"]}
        assert fields == {
            "ticket.new.fields.imei",
            "ticket.new.fields.complaint_channel",
            "ticket.new.fields.account_name",
        }
        assert "wajib diisi jika Paket Bundling TAU/Galaxy Plan/I-Phone/MiFi etc? = Ya" in str(body)
        assert await conn.fetchval("SELECT count(*) FROM tickets") == 0
        complete = bundled | {
            "imei": "356938035643809",
            "complaint_channel": "Twitter",
            "account_name": "@pelanggan2",
        }
        status, body = await call.post(
            code="has_problem",
            tickets=[{"new": {"guide": "pansol-aktivasi-paket", "fields": complete}}],
        )
        assert status == 201, body
    ticket = await conn.fetchrow("SELECT * FROM tickets")
    assert ticket["fields"]["imei"] == "356938035643809"


async def test_the_tickets_deadline_follows_the_tier_confirmed_on_the_call(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    async with on_a_call(settings, pool, conn, factory) as call:
        # The list says Platinum (24 h); the agent confirms Gold (72 h).
        fields = FIELDS_000 | {"tier": "Gold"}
        status, body = await call.post(
            code="has_problem",
            tickets=[{"new": {"guide": "pansol-aktivasi-paket", "fields": fields}}],
        )
        assert status == 201, body
    ticket = await conn.fetchrow("SELECT * FROM tickets")
    # The tier confirmed on the call, kept in the ticket's fields, is the ticket's tier.
    assert (ticket["tier"], ticket["fields"]["tier"]) == ("Gold", "Gold")
    assert ticket["due_at"] == MONDAY_10_WIB + timedelta(hours=72)
