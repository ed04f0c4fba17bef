"""Predictive pacing on the real pacer and database: the calls a tick places come from
the campaign's own odds (by zone and local hour, from the running counts), with priors
at the start; as the abandon rate nears the limit it slows down, and says so."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from dialer.calls.predictive import (
    PRIOR_HUMAN,
    PRIOR_HUMAN_IF_ANSWERED,
    PRIOR_TALK_SECONDS,
    PRIOR_VERDICT_SECONDS,
    Estimates,
    Floor,
    size,
)
from dialer.clock import FrozenClock
from dialer.db import Pool
from dialer.settings import Settings
from tests.dialing import MONDAY_10_WIB, running_node
from tests.factories import Factory, row

SEATS = 10


STATE_OF = {"contacted": "completed", "abandoned": "completed", "no_answer": "no-answer"}


async def counted(
    conn: asyncpg.Connection, campaign_id: int, hour: datetime, zone: str, **results: int
) -> None:
    """Ended calls placed at ``hour`` to the campaign's customers in ``zone`` (the
    running counts follow by their trigger)."""
    target_id = await conn.fetchval(
        "SELECT min(id) FROM targets WHERE campaign_id = $1 AND zone = $2", campaign_id, zone
    )
    for result, n in results.items():
        await conn.execute(
            "INSERT INTO attempts (campaign_id, target_id, number, carrier, node, state,"
            " result, abandoned, created_at, placed_at, ended_at, updated_at)"
            " SELECT $1, $2, '+6281000000000', 'simulated', 'past', $3, $4, $4 = 'abandoned',"
            " $5, $5, $5, $5 FROM generate_series(1, $6)",
            campaign_id,
            target_id,
            STATE_OF[result],
            result,
            hour,
            n,
        )


async def pacing_state(conn: asyncpg.Connection, campaign_id: int) -> asyncpg.Record:
    found = await conn.fetchrow(
        "SELECT mode, target_percent, effective_percent, slowed, estimates"
        " FROM campaign_pacing WHERE campaign_id = $1",
        campaign_id,
    )
    assert found is not None
    return found


async def test_a_new_campaign_places_calls_by_the_prior_odds_beyond_its_seats(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign(
        [row(i) for i in range(1, 101)], virtual_seats=SEATS, pacing_mode="predictive"
    )
    prior = Estimates(
        PRIOR_HUMAN, PRIOR_HUMAN_IF_ANSWERED, PRIOR_VERDICT_SECONDS, PRIOR_TALK_SECONDS, 15.0
    )
    expected = size(prior, Floor(SEATS, 0, 0, 0, 0, 0), target_percent=3.0, most=100).calls
    assert expected > SEATS
    async with running_node(
        settings, pool, FrozenClock(MONDAY_10_WIB), choose=lambda c: "busy"
    ) as node:
        assert await node.tick() == {campaign.name: expected}
        await node.settle()
    state = await pacing_state(conn, campaign.id)
    assert (state["mode"], state["target_percent"], state["slowed"]) == ("predictive", 3.0, False)
    assert state["estimates"]["human_percent"] == 100 * PRIOR_HUMAN
    assert state["estimates"]["placed"] == expected


async def test_the_odds_of_the_zone_at_its_hour_size_the_batch(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    """Customers in WIB answer nine calls in ten at this hour of the day, one in ten at
    the others: at this hour the pacer places about one call per seat; a campaign whose
    customers answer seldom at this hour is dialled far beyond its seats."""
    eager = await factory.running_campaign(
        [row(i) for i in range(1, 101)], virtual_seats=SEATS, pacing_mode="predictive"
    )
    shy = await factory.running_campaign(
        [row(i) for i in range(101, 201)], virtual_seats=SEATS, pacing_mode="predictive"
    )
    this_hour = MONDAY_10_WIB.replace(minute=0)
    for day in range(1, 8):
        same_hour = this_hour - timedelta(days=day)
        other_hour = same_hour - timedelta(hours=2)
        await counted(conn, eager.id, same_hour, "WIB", contacted=90, no_answer=10)
        await counted(conn, eager.id, other_hour, "WIB", contacted=10, no_answer=90)
        await counted(conn, shy.id, same_hour, "WIB", contacted=10, no_answer=90)
        await counted(conn, shy.id, other_hour, "WIB", contacted=90, no_answer=90)
    async with running_node(
        settings, pool, FrozenClock(MONDAY_10_WIB), choose=lambda c: "busy"
    ) as node:
        placed = await node.tick()
        await node.settle()
    assert placed[eager.name] <= SEATS + 2
    assert placed[shy.name] >= 3 * SEATS
    assert 80 < (await pacing_state(conn, eager.id))["estimates"]["zones_percent"]["WIB"] < 90
    assert 10 < (await pacing_state(conn, shy.id))["estimates"]["zones_percent"]["WIB"] < 20


async def test_it_slows_down_as_the_days_abandon_rate_nears_the_cap_and_says_so(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign(
        [row(i) for i in range(1, 201)], virtual_seats=SEATS, pacing_mode="predictive"
    )
    clock = FrozenClock(MONDAY_10_WIB)
    # The last hours: 100 persons reached, 3 of them left without an agent — 3 %, the cap.
    await counted(
        conn, campaign.id, MONDAY_10_WIB - timedelta(hours=2), "WIB", contacted=97, abandoned=3
    )
    async with running_node(settings, pool, clock, choose=lambda c: "busy") as node:
        # At the cap: no person may be left without an agent — one call per free seat.
        assert await node.tick() == {campaign.name: SEATS}
        await node.settle()
        state = await pacing_state(conn, campaign.id)
        assert (state["slowed"], state["effective_percent"]) == (True, 0.0)
        assert state["estimates"]["day_rate_percent"] == 3.0
        # A day later the abandoned calls are out of the last 24 hours: full speed again.
        clock.advance(hours=23)
        await conn.execute("UPDATE targets SET state = 'ready' WHERE campaign_id = $1", campaign.id)
        placed = await node.tick()
        await node.settle()
        assert placed[campaign.name] > SEATS
    events = await conn.fetch(
        "SELECT action, details FROM campaign_events WHERE campaign_id = $1 AND actor = 'dialer'"
        " ORDER BY id",
        campaign.id,
    )
    assert [e["action"] for e in events] == ["pacing_slowed", "pacing_resumed"]
    assert events[0]["details"]["day_rate_percent"] == 3.0
    assert events[0]["details"]["effective_percent"] == 0.0
