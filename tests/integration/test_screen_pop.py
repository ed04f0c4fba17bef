"""The screen-pop through the running service: the filled script on the agent's socket,
bill figures from the list and the payments billing reports (or a billing API), and the
voucher offer that disappears from every console when the quota is used up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import pytest
from aiohttp import FormData, web
from aiohttp.test_utils import TestServer

from dialer.auth import service as auth
from dialer.campaigns import service as campaigns
from dialer.clock import FrozenClock
from dialer.db import Pool
from dialer.settings import Settings
from tests.dialing import MONDAY_10_WIB, phone_up, running_node
from tests.factories import Factory, row
from tests.integration.test_agents import Console, agent
from tests.integration.test_outcomes import COMMON, TALKATIVE, on_a_call

SEPTEMBER = {"bill_month": "2022-09", "bill_amount": "350000"}
PAYMENT = {
    "reference": "PAY-0001",
    "indihome_number": "122000000002",
    "bill_month": "2022-09",
    "amount": "Rp 350.000",
    "channel": "Tokopedia",
    "paid_at": "2022-09-05T09:30:00+07:00",
}


async def manager(conn: asyncpg.Connection) -> dict[str, str]:
    user = await auth.create_user(conn, username="mira", role="manager", password=None)
    token, _ = await auth.issue_token(conn, user.id, kind="api", label="test")
    return {"Authorization": f"Bearer {token}"}


def step(pop: dict[str, Any], key: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in pop["script"]["steps"] if s["key"] == key)
    return found


async def test_the_pop_carries_the_filled_script_and_a_payment_made_since_the_upload(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    rows = [row(2, name="Siti Rahayu", **SEPTEMBER), row(3, **SEPTEMBER)]
    created = await factory.running_campaign(rows, virtual_seats=0, name="pop")
    ani, ani_auth = await agent(conn, "ani")
    await conn.execute("UPDATE users SET display_name = 'Ani Lestari' WHERE id = $1", ani)
    boss = await manager(conn)
    clock = FrozenClock(MONDAY_10_WIB)  # Monday 5 September 2022, 10:00 WIB
    async with running_node(
        settings, pool, clock, choose=lambda c: "human", speed=10, profile=TALKATIVE
    ) as node:
        console = await Console.open(node, ani_auth)
        await phone_up(node, ani_auth)
        await console.say(type="join", campaign=created.name)
        await console.state("paused")
        await console.say(type="state", state="available")
        await console.state("available")
        assert await node.tick() == {created.name: 1}
        pop = await console.next("pop")
        opening = step(pop, "opening")["agent"]
        assert opening.startswith("Selamat pagi. Saya Ani Lestari dari PT Telkom.")
        assert "Siti Rahayu, di no IndiHome 122000000002" in opening
        assert "tagihan bulan September 2022 sejumlah Rp 350.000" in step(pop, "due_date")["agent"]
        assert pop["penalty"]["penalty"] == 0 and pop["penalty"]["minipack"] is True
        assert pop["voucher"] == pop["voucher"] | {"quota": 50, "left": 50, "available": True}
        assert step(pop, "voucher_offer")["shown"]
        assert pop["bill"]["paid"] is False and pop["bill"]["source"] == "list"
        assert pop["bill"]["as_of"] is not None  # when the list came in
        assert pop["bill"]["channels"] == ["Bukalapak", "Indomaret"]

        # Billing reports a payment made this morning: the pop shows the bill as paid,
        # and the channel used first among the recent ones.
        resp = await node.client.post("/api/payments", json={"payments": [PAYMENT]}, headers=boss)
        assert resp.status == 201, await resp.text()
        # Siti's target is on the call: not cut (its pop says paid); the other target,
        # another customer's, is not this bill's.
        assert await resp.json() == {
            "payments": 1,
            "added": 1,
            "already_recorded": 0,
            "targets_finished": 0,
        }
        resp = await node.client.get("/api/agent/me", headers=ani_auth)
        call = (await resp.json())["call"]
        assert call["bill"]["paid"] is True
        assert call["bill"]["payment"]["channel"] == "Tokopedia"
        assert call["bill"]["source"] == "list+payments"
        assert call["bill"]["channels"] == ["Tokopedia", "Bukalapak", "Indomaret"]
        assert call["alerts"][0] == (
            "Tagihan September 2022 SUDAH DIBAYAR Senin, 5 September 2022 09.30 WIB"
            " via Tokopedia (Rp 350.000)."
        )
        assert "Tokopedia, Bukalapak, Indomaret" in step(call, "payment_channels")["agent"]
        # The manager lowers the quota mid-call: the next pop shows the new version
        # (the node keeps the campaign's definition by version).
        changed = factory.seed_definition(name=created.name, virtual_seats=0)
        changed["voucher"] = changed["voucher"] | {"quota": 40}
        _, outcome, _ = await campaigns.apply(
            conn, changed, actor="mira", source="test", scripts_dir=factory.root / "scripts"
        )
        assert outcome == "updated"
        resp = await node.client.get("/api/agent/me", headers=ani_auth)
        call = (await resp.json())["call"]
        assert call["voucher"] == call["voucher"] | {"quota": 40, "left": 40}
        # The same batch again adds nothing.
        resp = await node.client.post("/api/payments", json={"payments": [PAYMENT]}, headers=boss)
        assert (await resp.json())["added"] == 0
        # An agent may not report payments.
        resp = await node.client.post(
            "/api/payments", json={"payments": [PAYMENT]}, headers=ani_auth
        )
        assert resp.status == 403
        await console.ws.close()
        for sid in list(node.carrier.calls):
            await node.carrier.hangup(sid)
        await node.settle()


async def test_bad_payments_are_refused_whole_with_each_problem_named(
    client: Any, conn: asyncpg.Connection, factory: Factory
) -> None:
    boss = await manager(conn)
    bad = [
        PAYMENT,
        PAYMENT | {"reference": "PAY-2", "amount": "350.000,50"},
        PAYMENT | {"reference": "PAY-3", "paid_at": "2022-09-05 09:30"},
        PAYMENT | {"reference": "PAY-0001", "bill_month": "2022-13"},
    ]
    resp = await client.post("/api/payments", json={"payments": bad}, headers=boss)
    assert resp.status == 422
    error = (await resp.json())["error"]
    assert "tidak ada yang dicatat" in error["message"]
    problems = {(d["item"], d["field"]) for d in error["details"]}
    assert problems == {(1, "amount"), (2, "paid_at"), (3, "bill_month")}
    assert await conn.fetchval("SELECT count(*) FROM payments") == 0

    # A file: the same rules, by line; a good file is recorded.
    lines = "reference;indihome_number;bill_month;amount;channel;paid_at\n"
    good = lines + "PAY-9;122000000009;2022-09;Rp 120.000;Indomaret;2022-09-06T08:00:00+08:00\n"
    broken = good + "PAY-10;12200X;2022-09;120000;Indomaret;2022-09-06T08:00:00+08:00\n"
    form = FormData()
    form.add_field("file", broken.encode(), filename="payments.csv", content_type="text/csv")
    resp = await client.post("/api/payments/import", data=form, headers=boss)
    assert resp.status == 422
    details = (await resp.json())["error"]["details"]
    assert details == [{"line": 3, "field": "indihome_number", "reason": "'12200X' bukan angka"}]
    assert await conn.fetchval("SELECT count(*) FROM payments") == 0
    form = FormData()
    form.add_field("file", good.encode(), filename="payments.csv", content_type="text/csv")
    resp = await client.post("/api/payments/import", data=form, headers=boss)
    assert resp.status == 201
    stored = await conn.fetchrow("SELECT * FROM payments")
    assert (stored["amount"], stored["source"], stored["recorded_by"]) == (
        120_000,
        "file:payments.csv",
        "mira",
    )


@asynccontextmanager
async def billing_api(answer: Any, status: int = 200) -> AsyncIterator[tuple[str, list[str]]]:
    """A local billing API: every bill request gets ``answer``; the paths asked."""
    asked: list[str] = []

    async def bill(request: web.Request) -> web.Response:
        asked.append(request.path_qs)
        return web.json_response(answer, status=status)

    app = web.Application()
    app.router.add_get("/bills/{number}", bill)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/"), asked
    finally:
        await server.close()


async def test_a_billing_api_gives_the_figures(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    answer = {
        "bill_month": "2022-09",
        "amount": 412_500,
        "paid_at": None,
        "channels": ["LinkAja"],
    }
    async with billing_api(answer) as (url, asked):
        patched = settings.amend(billing={"url": url})
        async with on_a_call(patched, pool, conn, factory) as call:
            resp = await call.node.client.get("/api/agent/me", headers=call.headers)
            pop = (await resp.json())["call"]
            # Asked before the call was dialled (the claim), then for the pop.
            assert asked == ["/bills/122000000002?bill_month=2022-08"] * 2
            assert pop["bill"]["source"] == "billing_api" and pop["bill"]["amount"] == 412_500
            assert "sejumlah Rp 412.500" in step(pop, "due_date")["agent"]
            assert pop["bill"]["channels"] == ["LinkAja", "Bukalapak", "Indomaret"]


async def test_when_the_billing_api_fails_the_pop_shows_the_list_and_says_so(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    async with billing_api({"error": "down"}, status=503) as (url, asked):
        patched = settings.amend(billing={"url": url})
        async with on_a_call(patched, pool, conn, factory) as call:
            resp = await call.node.client.get("/api/agent/me", headers=call.headers)
            pop = (await resp.json())["call"]
            assert len(asked) == 2  # before dialling (then dialled as before), the pop
            assert pop["bill"]["source"] == "list" and pop["bill"]["amount"] == 350_000
            assert pop["bill"]["notes"] == [
                "billing API unavailable (HTTP 503): figures from the list"
            ]
            assert pop["alerts"][-1] == pop["bill"]["notes"][0]


async def test_the_voucher_offer_leaves_every_console_when_the_last_one_is_taken(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    voucher = {"quota": 1, "expires": "2022-09-30T23:59:59+07:00", "codes": "generated"}
    created = await factory.running_campaign(
        [row(2), row(3)], virtual_seats=0, name="quota", voucher=voucher
    )
    _, ani_auth = await agent(conn, "ani")
    _, budi_auth = await agent(conn, "budi")
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(
        settings, pool, clock, choose=lambda c: "human", speed=10, profile=TALKATIVE
    ) as node:
        consoles = []
        for headers in (ani_auth, budi_auth):
            console = await Console.open(node, headers)
            await phone_up(node, headers)
            await console.say(type="join", campaign=created.name, state="available")
            await console.state("available")
            consoles.append(console)
        assert await node.tick() == {created.name: 2}
        pops = [await c.next("pop") for c in consoles]
        for pop in pops:
            assert pop["voucher"]["left"] == 1 and step(pop, "voucher_offer")["shown"]
        # Ani's customer takes the last voucher: Budi's screen loses the offer, live.
        form = COMMON | {
            "attempt_id": pops[0]["attempt_id"],
            "code": "pays_via_bukalapak",
            "wa_number": "081200000002",
        }
        resp = await node.client.post("/api/agent/outcome", json=form, headers=ani_auth)
        assert resp.status == 201, await resp.text()
        voucher = (await resp.json())["voucher"]
        assert voucher["issued"] is True and voucher["voucher"]["code"].startswith("BL")
        assert voucher["voucher"]["wa_number"] == "+6281200000002"
        for _ in range(20):  # past the pops that say Budi's customer joined him
            update = await consoles[1].next("pop")
            if update["voucher"]["left"] == 0:
                break
        assert update["attempt_id"] == pops[1]["attempt_id"]
        assert (
            update["voucher"] | {"left": 0, "available": False, "reason": "quota_used_up"}
            == (update["voucher"])
        )
        assert not step(update, "voucher_offer")["shown"]
        assert not step(update, "voucher_delivery")["shown"]
        assert any("kuota sudah habis" in a for a in update["alerts"])
        # Budi's customer agrees too: the outcome is recorded, and he is told plainly
        # that no voucher was issued.
        form = form | {"attempt_id": pops[1]["attempt_id"], "wa_number": "081200000003"}
        resp = await node.client.post("/api/agent/outcome", json=form, headers=budi_auth)
        assert resp.status == 201
        assert (await resp.json())["voucher"] == {
            "issued": False,
            "reason": "quota_used_up",
            "message": "Kuota voucher sudah habis: tidak ada voucher yang diterbitkan.",
        }
        # The report's "offered": Ani's customer heard the offer, Budi's (quota used up)
        # did not.
        offered = await conn.fetch("SELECT voucher_offered FROM outcomes ORDER BY recorded_at, id")
        assert [o["voucher_offered"] for o in offered] == [True, False]
        for console in consoles:
            await console.ws.close()
        for sid in list(node.carrier.calls):
            await node.carrier.hangup(sid)
        await asyncio.sleep(0)
        await node.settle()


@pytest.mark.parametrize("round", range(3))  # three chances for a race to show
async def test_a_hundred_concurrent_submits_of_one_call_issue_one_voucher(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory, round: int
) -> None:
    voucher = {"quota": 50, "expires": "2022-09-30T23:59:59+07:00", "codes": "generated"}
    async with on_a_call(settings, pool, conn, factory, voucher=voucher) as call:
        form = COMMON | {
            "attempt_id": call.attempt_id,
            "code": "pays_via_bukalapak",
            "wa_number": "081200000002",
        }

        async def submit() -> tuple[int, dict[str, Any]]:
            resp = await call.node.client.post(
                "/api/agent/outcome", json=form, headers=call.headers
            )
            return resp.status, await resp.json()

        answers = await asyncio.gather(*(submit() for _ in range(100)))
    assert sorted(status for status, _ in answers) == [200] * 99 + [201]
    codes = {body["voucher"]["voucher"]["code"] for _, body in answers}
    assert len(codes) == 1  # every answer names the one voucher
    assert await conn.fetchval("SELECT count(*) FROM outcomes") == 1
    assert await conn.fetchval("SELECT count(*) FROM vouchers") == 1
    assert await conn.fetchval("SELECT counted FROM voucher_counts") == 1
