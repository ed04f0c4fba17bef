"""Recovery: a node that dies mid-campaign loses no attempt and dials no one twice."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import timedelta

import asyncpg

from dialer.clock import FrozenClock
from dialer.db import Pool
from dialer.settings import Settings
from tests.dialing import FAST, MONDAY_10_WIB, running_node
from tests.factories import Factory, row

LIVE = "('queued', 'dialing', 'ringing', 'in-progress')"


async def live_attempts(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval(f"SELECT count(*) FROM attempts WHERE state IN {LIVE}"))


async def test_a_dead_nodes_calls_are_closed_and_their_targets_dialled_again_once(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(i) for i in range(1, 6)], virtual_seats=5)
    clock = FrozenClock(MONDAY_10_WIB)
    # Node a's calls ring until it dies, however slow this machine is today.
    ringing = replace(FAST, no_answer_seconds=10_000.0)
    async with running_node(
        settings, pool, clock, name="a", choose=lambda c: "no_answer", profile=ringing
    ) as a:
        assert await a.tick() == {campaign.name: 5}
        # Node a dies: its simulated calls vanish with it, no callback will come.
        await a.carrier.close()
    assert await live_attempts(conn) == 5
    async with running_node(settings, pool, clock, name="b", choose=lambda c: "busy") as b:
        assert await b.tick() == {campaign.name: 0}  # the targets are still dialling
        assert (await b.reconcile()).requeued == 0  # not stale yet, node a seen just now
        clock.advance(seconds=settings.pacing.stale_attempt_seconds + 1)
        await b.tick()  # b is alive; a has not ticked since
        done = await b.reconcile()
        assert done.requeued == 5
        assert await live_attempts(conn) == 0
        # Requeued without counting the lost attempt, a little later.
        counts = await conn.fetch("SELECT attempts, state FROM targets")
        assert {(r["attempts"], r["state"]) for r in counts} == {(0, "scheduled")}
        clock.advance(minutes=2)
        assert await b.tick() == {campaign.name: 5}
        await b.settle()
    lost = await conn.fetch("SELECT error, result FROM attempts WHERE node = 'a'")
    assert {(r["error"], r["result"]) for r in lost} == {("its node stopped", "canceled")}
    per_target = await conn.fetch(
        "SELECT target_id, count(*) AS n FROM attempts GROUP BY 1 HAVING count(*) <> 2"
    )
    assert per_target == []  # each target: the lost attempt and one more, never more


async def test_an_attempt_never_placed_is_requeued(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(1)], virtual_seats=2)
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(settings, pool, clock) as node:
        # The node dies between the claim's commit and placing the calls.
        dialer = node.dialer
        original = dialer.place

        async def crash(rows, definition):  # type: ignore[no-untyped-def]
            raise SystemExit("node killed")  # the calls are never placed

        dialer.place = crash  # type: ignore[method-assign]
        with contextlib.suppress(SystemExit):
            await dialer.dial_campaign(await _campaign(conn, campaign.id))
        dialer.place = original  # type: ignore[method-assign]
        attempt = await conn.fetchrow("SELECT * FROM attempts")
        assert (attempt["state"], attempt["call_sid"]) == ("queued", None)
        clock.advance(seconds=settings.pacing.stale_attempt_seconds + 1)
        assert (await node.reconcile()).requeued == 1
    attempt = await conn.fetchrow("SELECT * FROM attempts")
    assert (attempt["state"], attempt["error"]) == ("canceled", "never placed")


async def _campaign(conn: asyncpg.Connection, campaign_id: int):  # type: ignore[no-untyped-def]
    from dialer.campaigns import service

    return await service.get(conn, campaign_id)


async def test_a_stored_callback_that_failed_to_apply_is_applied_later(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    await factory.running_campaign([row(1)], virtual_seats=2)
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(
        settings, pool, clock, choose=lambda c: "no_answer", speed=0.001
    ) as node:
        await node.tick()
        attempt_id = await conn.fetchval("SELECT id FROM attempts")
        # A callback stored while applying failed (say, a bug fixed since, or a deadlock).
        await conn.execute(
            "INSERT INTO carrier_events (received_at, kind, attempt_id, call_sid, params)"
            " VALUES ($1, 'status', $2, NULL, $3)",
            clock.now,
            attempt_id,
            {"CallStatus": "busy"},
        )
        clock.advance(seconds=11)
        done = await node.reconcile()
        assert done.events_applied == 1
        await node.carrier.close()
    attempt = await conn.fetchrow("SELECT state, result FROM attempts")
    assert (attempt["state"], attempt["result"]) == ("busy", "busy_line")
    event = await conn.fetchrow("SELECT applied_at, effect FROM carrier_events")
    assert event["applied_at"] is not None and event["effect"] == "finalised"


async def test_the_carrier_down_requeues_the_attempt_and_pauses_this_node(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(1)], virtual_seats=1)
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(settings, pool, clock, choose=lambda c: "busy") as node:
        node.carrier.available = False
        assert await node.tick() == {campaign.name: 1}  # claimed, then refused
        attempt = await conn.fetchrow("SELECT state, error FROM attempts")
        assert (attempt["state"], attempt["error"]) == ("canceled", "carrier unavailable")
        t = await conn.fetchrow("SELECT state, attempts, next_attempt_at FROM targets")
        assert (t["state"], t["attempts"]) == ("scheduled", 0)
        node.carrier.available = True
        clock.advance(seconds=1)
        assert await node.tick() == {}  # this node waits before dialling again
        clock.advance(minutes=2)
        assert await node.tick() == {campaign.name: 1}
        await node.settle()
    assert await conn.fetchval("SELECT count(*) FROM attempts WHERE state = 'busy'") == 1


async def test_a_refused_call_fails_through_the_retry_policy(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    from dialer.providers.errors import ProviderRejected

    campaign = await factory.running_campaign([row(1)], virtual_seats=1)
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(settings, pool, clock) as node:

        async def refuse(call):  # type: ignore[no-untyped-def]
            raise ProviderRejected("The 'To' number is not a valid phone number.", code=21211)

        node.carrier.place_call = refuse  # type: ignore[method-assign]
        assert await node.tick() == {campaign.name: 1}
    attempt = await conn.fetchrow("SELECT state, result FROM attempts")
    assert (attempt["state"], attempt["result"]) == ("failed", "failed")
    t = await conn.fetchrow("SELECT state, next_attempt_at, attempts FROM targets")
    assert (t["state"], t["attempts"]) == ("scheduled", 1)
    assert t["next_attempt_at"] == clock.now + timedelta(hours=1)
    event = await conn.fetchrow("SELECT kind, params FROM carrier_events")
    assert event["kind"] == "reconcile" and event["params"]["ErrorCode"] == "21211"
