"""What the manager's campaign page reads and does through the API (issue 20): the
campaign list's progress and quota, a ticket closed with a note and by whom, each zone's
targets ready and dialable now, and the live agent board's customer and clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg

from dialer.auth import service as auth
from tests.api.test_api import Client, login
from tests.factories import Factory, row
from tests.integration.test_reports import T1, call, outcome


async def test_the_campaign_list_counts_progress_and_the_quota_left(
    client: Client, conn: asyncpg.Connection, factory: Factory
) -> None:
    boss = await login(client, factory, "mgr", "manager")
    campaign = await factory.create_campaign(name="daftar", title="Voucher September")
    await factory.create_targets(campaign, [row(i) for i in range(1, 4)])
    await conn.execute(
        "UPDATE targets SET state = 'done', done_reason = 'contacted'"
        " WHERE id = (SELECT min(id) FROM targets)"
    )
    resp = await client.get("/api/campaigns", headers=boss)
    assert resp.status == 200
    (listed,) = (await resp.json())["campaigns"]
    quota = campaign.definition["voucher"]["quota"]
    assert listed["title"] == "Voucher September"
    assert (listed["targets"], listed["done"]) == (3, 1)
    assert (listed["quota"], listed["quota_left"]) == (quota, quota)


async def _ticket(conn: asyncpg.Connection, factory: Factory) -> tuple[Any, int]:
    campaign = await factory.create_campaign(name="tiket")
    await factory.create_targets(campaign, [row(1)])
    target = await conn.fetchval("SELECT id FROM targets")
    ani = await auth.create_user(conn, username="ani", role="agent", password="rahasia-ani")
    await call(conn, campaign.id, target, "contacted", T1, agent=ani.id, talk=60)
    taken = await outcome(conn, campaign.id, target, ani.id, "pays_via_bukalapak", T1)
    ticket: int = await conn.fetchval(
        "INSERT INTO tickets (outcome_id, campaign_id, target_id, guide, category, tier,"
        " opened_at, due_at) SELECT id, campaign_id, target_id, '000', 'Gangguan', 'Gold',"
        " $1, $2 FROM outcomes WHERE id = $3 RETURNING id",
        T1,
        T1 + timedelta(hours=24),
        taken,
    )
    return campaign, ticket


async def test_a_ticket_is_closed_with_a_note_and_who_closed_it(
    client: Client, conn: asyncpg.Connection, factory: Factory
) -> None:
    boss = await login(client, factory, "mgr", "manager")
    campaign, ticket = await _ticket(conn, factory)
    # A note too long is refused, and the ticket stays open.
    resp = await client.post(
        f"/api/tickets/{ticket}/close", json={"note": "x" * 2001}, headers=boss
    )
    assert resp.status == 422
    assert await conn.fetchval("SELECT closed_at FROM tickets") is None
    resp = await client.post(
        f"/api/tickets/{ticket}/close", json={"note": "  Teknisi datang 6 Sep  "}, headers=boss
    )
    assert resp.status == 200
    assert (await resp.json())["ticket"]["close_note"] == "Teknisi datang 6 Sep"
    resp = await client.get(f"/api/campaigns/{campaign.name}/tickets?state=closed", headers=boss)
    (closed,) = (await resp.json())["tickets"]
    assert (closed["close_note"], closed["closed_by"], closed["agent_name"]) == (
        "Teknisi datang 6 Sep",
        "mgr",
        "ani",
    )
    resp = await client.post(f"/api/tickets/{ticket}/close", json={"note": "lagi"}, headers=boss)
    assert resp.status == 409


async def test_each_zone_says_its_targets_ready_and_dialable_now(
    client: Client, factory: Factory
) -> None:
    boss = await login(client, factory, "mgr", "manager")
    campaign = await factory.create_campaign(name="zona")
    await factory.create_targets(campaign, [row(1), row(2, province="Bali"), row(3)])
    resp = await client.get(f"/api/campaigns/{campaign.name}/why-not", headers=boss)
    zones = (await resp.json())["zones"]
    assert {z: (w["ready"], w["dialable_now"]) for z, w in zones.items()} == {
        "WIB": (2, 0),  # a draft campaign: ready, yet nobody may be called
        "WITA": (1, 0),
        "WIT": (0, 0),
    }
    assert all(w["message"] for w in zones.values())


async def test_the_agent_board_names_the_customer_of_each_call(
    client: Client, conn: asyncpg.Connection, factory: Factory
) -> None:
    boss = await login(client, factory, "mgr", "manager")
    campaign = await factory.create_campaign(name="papan")
    await factory.create_targets(campaign, [row(1, name="Budi Santoso")])
    target = await conn.fetchval("SELECT id FROM targets")
    ani = await auth.create_user(conn, username="ani", role="agent", password="rahasia-ani")
    attempt = await conn.fetchval(
        "INSERT INTO attempts (campaign_id, target_id, number, carrier, node, state,"
        " created_at, updated_at, agent_id) SELECT $1, $2, msisdn, 'test', 'test',"
        " 'in-progress', now(), now(), $3 FROM targets WHERE id = $2 RETURNING id",
        campaign.id,
        target,
        ani.id,
    )
    await conn.execute(
        "INSERT INTO agent_states (user_id, campaign_id, state, since, attempt_id, seen_at)"
        " VALUES ($1, $2, 'on_call', now(), $3, now())",
        ani.id,
        campaign.id,
        attempt,
    )
    resp = await client.get(f"/api/campaigns/{campaign.name}/agents/live", headers=boss)
    body = await resp.json()
    (agent,) = body["agents"]
    assert (agent["customer_name"], agent["indihome_number"], agent["customer_number"]) == (
        "Budi Santoso",
        "122000000001",
        "+6281200000001",
    )
    assert body["now"] and agent["since"]


async def test_the_agent_board_says_why_an_agent_is_on_a_break_in_the_readers_words(
    client: Client, conn: asyncpg.Connection, factory: Factory
) -> None:
    boss = await login(client, factory, "mgr", "manager")
    campaign = await factory.create_campaign(name="istirahat")
    ani = await auth.create_user(conn, username="ani", role="agent", password="rahasia-ani")
    await conn.execute(
        "INSERT INTO agent_states (user_id, campaign_id, state, since, seen_at, pause_reason)"
        " VALUES ($1, $2, 'paused', now(), now(), 'makan')",
        ani.id,
        campaign.id,
    )
    url = f"/api/campaigns/{campaign.name}/agents/live"
    (agent,) = (await (await client.get(url, headers=boss)).json())["agents"]
    assert (agent["pause_reason"], agent["reason"]) == ("makan", "Makan")
    english = await client.get(url, headers=boss | {"X-Dialer-Language": "en"})
    assert (await english.json())["agents"][0]["reason"] == "Meal"
