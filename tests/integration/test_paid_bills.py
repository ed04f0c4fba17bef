"""A bill billing reports paid ends its targets as already_paid before they are dialled:
through POST /api/payments, the payments import (HTTP and command line) and a billing
API asked before dialling; a target on a call is not cut, its agent's pop says so at
once; "why" names it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient, TestServer

from dialer.billing import payments
from dialer.calls.why import why_not_summary, why_target
from dialer.campaigns import service as campaigns
from dialer.clock import FrozenClock
from dialer.db import Pool
from dialer.settings import Settings
from tests.dialing import MONDAY_10_WIB, phone_up, running_node
from tests.factories import Factory, row
from tests.integration.test_agents import Console, agent
from tests.integration.test_embedded_and_cli import dialer
from tests.integration.test_outcomes import TALKATIVE, on_a_call
from tests.integration.test_screen_pop import manager

PAID_AT = "2022-09-05T09:30:00+07:00"  # Monday morning, before the calls


def payment(i: int, reference: str, bill_month: str = "2022-08") -> dict[str, str]:
    """A payment of row ``i``'s bill (the factory's rows are billed for 2022-08)."""
    return {
        "reference": reference,
        "indihome_number": f"1220{i:08d}",
        "bill_month": bill_month,
        "amount": "350000",
        "channel": "Indomaret",
        "paid_at": PAID_AT,
    }


async def states(conn: asyncpg.Connection, campaign_id: int) -> dict[str, tuple[str, str | None]]:
    """IndiHome number → (state, done reason) of the campaign's targets."""
    rows = await conn.fetch(
        "SELECT indihome_number, state, done_reason FROM targets WHERE campaign_id = $1",
        campaign_id,
    )
    return {r["indihome_number"]: (r["state"], r["done_reason"]) for r in rows}


PAID = ("done", "already_paid")
READY = ("ready", None)


async def test_each_source_of_payments_finishes_the_bills_targets_in_every_campaign(
    client: TestClient[Any, Any],
    db_url: str,
    conn: asyncpg.Connection,
    factory: Factory,
    tmp_path: Path,
) -> None:
    running = await factory.running_campaign([row(i) for i in range(1, 6)], name="running")
    draft = await factory.create_campaign(name="draft")
    await factory.create_targets(draft, [row(1), row(2), row(5)], name="draft.csv")
    # Row 4 was reached already: a payment does not rewrite why it finished.
    await conn.execute(
        "UPDATE targets SET state = 'done', done_reason = 'contacted'"
        " WHERE campaign_id = $1 AND indihome_number = '122000000004'",
        running.id,
    )
    boss = await manager(conn)

    # POST /api/payments: customer 1's bill, in both campaigns; customer 3 paid another
    # month's bill (not the one the campaign calls about); customer 4 is finished.
    items = [payment(1, "PAY-1"), payment(3, "PAY-3", "2022-09"), payment(4, "PAY-4")]
    resp = await client.post("/api/payments", json={"payments": items}, headers=boss)
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["targets_finished"] == 2
    assert (await states(conn, running.id))["122000000001"] == PAID
    assert (await states(conn, draft.id))["122000000001"] == PAID

    # The payments file over HTTP: customer 2.
    header = ",".join(payments.COLUMNS)
    line = ",".join(payment(2, "PAY-2").values())
    form = FormData()
    form.add_field(
        "file", f"{header}\n{line}\n".encode(), filename="pay.csv", content_type="text/csv"
    )
    resp = await client.post("/api/payments/import", data=form, headers=boss)
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["targets_finished"] == 2

    # The command line: customer 5.
    path = tmp_path / "payments.csv"
    path.write_text(f"{header}\n{','.join(payment(5, 'PAY-5').values())}\n")
    done = dialer("payments", "import", str(path), home=tmp_path / "home", env_db=db_url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["targets_finished"] == 2

    assert await states(conn, running.id) == {
        "122000000001": PAID,
        "122000000002": PAID,
        "122000000003": READY,
        "122000000004": ("done", "contacted"),
        "122000000005": PAID,
    }
    assert await states(conn, draft.id) == {
        n: PAID for n in ("122000000001", "122000000002", "122000000005")
    }
    # The running counts moved with the rows (tests/oracle.py checks them all at the end).
    finished = await conn.fetchval(
        "SELECT sum(n) FROM target_counts WHERE campaign_id = $1 AND reason = 'already_paid'",
        running.id,
    )
    assert finished == 3


async def test_a_target_on_a_call_is_not_cut_and_its_agents_pop_says_paid_at_once(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    created = await factory.running_campaign([row(2), row(3)], virtual_seats=0, name="oncall")
    _, ani_auth = await agent(conn, "ani")
    boss = await manager(conn)
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(
        settings, pool, clock, choose=lambda c: "human", speed=10, profile=TALKATIVE
    ) as node:
        console = await Console.open(node, ani_auth)
        await phone_up(node, ani_auth)
        await console.say(type="join", campaign=created.name, state="available")
        await console.state("available")
        assert await node.tick() == {created.name: 1}
        pop = await console.next("pop")
        assert pop["bill"]["paid"] is False
        on_call = await conn.fetchval(
            "SELECT t.indihome_number FROM attempts a"
            " JOIN targets t ON t.campaign_id = a.campaign_id AND t.id = a.target_id"
            " WHERE a.id = $1",
            pop["attempt_id"],
        )
        assert on_call == "122000000002"  # Platinum first
        # Billing reports both customers' bills paid, the one on the line included.
        items = [payment(2, "PAY-2"), payment(3, "PAY-3")]
        resp = await node.client.post("/api/payments", json={"payments": items}, headers=boss)
        assert resp.status == 201, await resp.text()
        assert (await resp.json())["targets_finished"] == 1
        # The agent's screen shows it without asking (the WebSocket), during the call.
        for _ in range(20):
            update = await console.next("pop")
            if update["bill"]["paid"]:
                break
        assert update["attempt_id"] == pop["attempt_id"]
        assert update["alerts"][0].startswith("Tagihan Agustus 2022 SUDAH DIBAYAR")
        # The call goes on: its target is not cut; the other one is finished.
        assert await states(conn, created.id) == {"122000000002": READY, "122000000003": PAID}
        live = await conn.fetchval("SELECT state FROM attempts WHERE id = $1", pop["attempt_id"])
        assert live in ("ringing", "in-progress")
        why = await why_target(conn, created, "122000000002", now=MONDAY_10_WIB)
        assert [r["code"] for r in why["reasons"]] == ["dialing", "already_paid_billing"]
        assert why["reasons"][1]["message"].endswith("panggilan yang berjalan diteruskan")
        await console.ws.close()
        for sid in list(node.carrier.calls):
            await node.carrier.hangup(sid)
        await node.settle()


async def test_the_claim_finishes_a_target_whose_bill_was_paid_before_its_list_came(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    rows = payments.parse_rows(enumerate([payment(1, "PAY-1")]), "item")
    await payments.record(conn, rows, source="api", actor="mira", now=MONDAY_10_WIB)
    campaign = await factory.running_campaign([row(1), row(2)], virtual_seats=4)
    assert await states(conn, campaign.id) == {"122000000001": READY, "122000000002": READY}
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(settings, pool, clock, choose=lambda c: "busy") as node:
        assert await node.tick() == {campaign.name: 1}
        await node.settle()
    assert await conn.fetchval("SELECT array_agg(number) FROM attempts") == ["+6281200000002"]
    assert (await states(conn, campaign.id))["122000000001"] == PAID


@asynccontextmanager
async def billing_api(
    answers: dict[str, dict[str, Any]], status: int = 200, delay: float = 0.0
) -> AsyncIterator[tuple[str, list[str]]]:
    """A local billing API answering per IndiHome number (after ``delay`` seconds); the
    paths asked."""
    asked: list[str] = []

    async def bill(request: web.Request) -> web.Response:
        asked.append(request.path_qs)
        await asyncio.sleep(delay)
        return web.json_response(answers.get(request.match_info["number"], {}), status=status)

    app = web.Application()
    app.router.add_get("/bills/{number}", bill)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/"), asked
    finally:
        await server.close()


UNPAID = {"bill_month": "2022-08", "amount": 350_000, "paid_at": None, "channels": []}
API_PAID = UNPAID | {"paid_at": PAID_AT, "channel": "LinkAja", "reference": "BILL-77"}


async def test_a_bill_the_billing_api_reports_paid_is_finished_not_dialled(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(2), row(3)], virtual_seats=4, name="api")
    other = await factory.create_campaign(name="other")
    await factory.create_targets(other, [row(2)], name="other.csv")
    answers = {"122000000002": API_PAID, "122000000003": UNPAID}
    async with billing_api(answers) as (url, asked):
        clock = FrozenClock(MONDAY_10_WIB)
        async with running_node(
            settings, pool, clock, choose=lambda c: "busy", billing={"url": url}
        ) as node:
            assert await node.tick() == {campaign.name: 1}
            await node.settle()
            assert node.dialer.billing_unanswered == 0
    # Asked once per bill of the claimed batch, before any call.
    assert sorted(asked) == [
        "/bills/122000000002?bill_month=2022-08",
        "/bills/122000000003?bill_month=2022-08",
    ]
    assert await states(conn, campaign.id) == {
        "122000000002": PAID,
        "122000000003": ("scheduled", None),
    }
    assert await states(conn, other.id) == {"122000000002": PAID}
    # No trace of a call to the paid customer; the payment is kept like the others.
    assert await conn.fetchval("SELECT array_agg(number) FROM attempts") == ["+6281200000003"]
    stored = await conn.fetchrow("SELECT * FROM payments")
    assert (stored["reference"], stored["source"], stored["channel"], stored["amount"]) == (
        "BILL-77",
        "billing_api",
        "LinkAja",
        350_000,
    )
    why = await why_target(conn, campaign, "122000000002", now=MONDAY_10_WIB)
    assert [r["code"] for r in why["reasons"]] == ["already_paid_billing"]
    assert "sumber: API billing" in why["reasons"][0]["message"]


@pytest.mark.parametrize("outage", ["down", "late"])
async def test_a_billing_outage_never_stops_dialling_and_is_counted(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory, outage: str
) -> None:
    campaign = await factory.running_campaign([row(2), row(3)], virtual_seats=4)
    # Down: 503 for every bill. Late: paid, but past the timeout (the answer is not waited for).
    api = (
        billing_api({}, status=503)
        if outage == "down"
        else billing_api({"122000000002": API_PAID}, delay=1.0)
    )
    async with api as (url, asked):
        clock = FrozenClock(MONDAY_10_WIB)
        billing = {"url": url, "timeout_seconds": 0.05}
        async with running_node(
            settings, pool, clock, choose=lambda c: "busy", billing=billing
        ) as node:
            assert await node.tick() == {campaign.name: 2}
            await node.settle()
            assert node.dialer.billing_unanswered == 2
    assert len(asked) == 2
    assert await conn.fetchval("SELECT count(*) FROM attempts") == 2
    assert await conn.fetchval("SELECT count(*) FROM payments") == 0


async def test_why_names_a_bill_paid_per_billing_with_its_source_and_when(
    db_url: str,
    conn: asyncpg.Connection,
    factory: Factory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    campaign = await factory.running_campaign([row(1), row(2)], name="why-paid")
    recorded = datetime(2022, 9, 5, 3, 15, tzinfo=UTC)  # 10:15 WIB
    rows = payments.parse_rows(enumerate([payment(1, "PAY-1")]), "item")
    await payments.record(conn, rows, source="api", actor="mira", now=recorded)
    # A list uploaded after the payment: not finished yet (the claim will), already named.
    late = await factory.create_campaign(name="late")
    await factory.create_targets(late, [row(1)], name="late.csv")
    late = await campaigns.transition(conn, late.id, "start", actor="test")

    data = await why_target(conn, campaign, "122000000001", now=MONDAY_10_WIB)
    assert not data["dialable"] and data["state"] == "done"
    assert data["reasons"] == [
        {
            "code": "already_paid_billing",
            "message": "sudah lunas menurut billing: tagihan Agustus 2022 dibayar"
            " Senin, 5 September 2022 09.30 WIB (sumber: POST /api/payments, dicatat"
            " Senin, 5 September 2022 10.15 WIB)",
            "until": None,
        }
    ]
    english = await why_target(conn, campaign, "122000000001", now=MONDAY_10_WIB, language="en")
    assert english["reasons"][0]["message"].startswith(
        "already paid per billing: the August 2022 bill was paid Mon 05 Sep 2022 09:30 WIB"
        " (source: POST /api/payments, recorded Mon 05 Sep 2022 10:15 WIB)"
    )
    by_mobile = await why_target(conn, campaign, "0812-0000-0001", now=MONDAY_10_WIB)
    assert by_mobile["reasons"] == data["reasons"]
    waiting = await why_target(conn, late, "122000000001", now=MONDAY_10_WIB)
    assert [r["code"] for r in waiting["reasons"]] == ["already_paid_billing"]
    assert waiting["reasons"][0]["message"].endswith("diselesaikan saat klaim, tidak ditelepon")

    summary = await why_not_summary(conn, campaign, now=MONDAY_10_WIB)
    assert summary["reasons"] == {"already_paid_billing": 1}
    assert summary["labels"]["already_paid_billing"] == "sudah lunas menurut billing"
    assert summary["paid_per_billing"] == [
        {
            "source": "POST /api/payments",
            "targets": 1,
            "last_paid_at": datetime(2022, 9, 5, 2, 30, tzinfo=UTC),
        }
    ]
    assert summary["dialable_now"] == 1

    home = tmp_path / "home"
    at = ("--at", "2022-09-05T10:00:00+07:00")
    said = dialer("targets", "why", campaign.name, "122000000001", *at, home=home, env_db=db_url)
    assert said.returncode == 0, said.stderr
    assert "sudah lunas menurut billing: tagihan Agustus 2022" in said.stdout
    counted = dialer("targets", "why", campaign.name, *at, home=home, env_db=db_url)
    assert "already_paid_billing (sudah lunas menurut billing)" in counted.stdout
    assert "POST /api/payments" in counted.stdout
    monkeypatch.setenv("DIALER_UI__LANGUAGE", "en")
    said = dialer("targets", "why", campaign.name, "+6281200000001", *at, home=home, env_db=db_url)
    assert "already paid per billing: the August 2022 bill" in said.stdout


async def test_with_a_billing_api_the_pop_still_shows_a_payment_from_the_feed(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    # The API does not know of the payment yet; billing's payments feed does.
    async with billing_api({"122000000002": UNPAID}) as (url, _):
        patched = settings.amend(billing={"url": url})
        async with on_a_call(patched, pool, conn, factory) as call:
            resp = await call.node.client.get("/api/agent/me", headers=call.headers)
            assert (await resp.json())["call"]["bill"]["paid"] is False
            rows = payments.parse_rows(enumerate([payment(2, "PAY-2")]), "item")
            await payments.record(conn, rows, source="api", actor="mira", now=MONDAY_10_WIB)
            resp = await call.node.client.get("/api/agent/me", headers=call.headers)
            pop = (await resp.json())["call"]
            assert pop["bill"]["source"] == "billing_api" and pop["bill"]["paid"] is True
            assert pop["bill"]["payment"]["reference"] == "PAY-2"
            assert pop["alerts"][0].startswith("Tagihan Agustus 2022 SUDAH DIBAYAR")
