"""The dialer end to end: pacing, claiming, callbacks, retries, seats — on the simulator
posting signed callbacks to a real loopback server, with a frozen clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg

from dialer.clock import FrozenClock
from dialer.db import Pool
from dialer.dnc import service as dnc
from dialer.settings import Settings
from tests.dialing import MONDAY_10_WIB, fate_by_number, running_node
from tests.factories import Factory, row


def e164(i: int) -> str:
    return f"+62812{i:08d}"


async def attempts(conn: asyncpg.Connection, campaign_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT a.*, t.indihome_number FROM attempts a"
        " JOIN targets t ON t.campaign_id = a.campaign_id AND t.id = a.target_id"
        " WHERE a.campaign_id = $1 ORDER BY a.id",
        campaign_id,
    )


async def target(conn: asyncpg.Connection, campaign_id: int, i: int) -> asyncpg.Record:
    record = await conn.fetchrow(
        "SELECT * FROM targets WHERE campaign_id = $1 AND msisdn = $2", campaign_id, e164(i)
    )
    assert record is not None
    return record


async def test_a_tick_dials_seats_times_ratio_in_order(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.create_campaign(virtual_seats=3, pacing_ratio=1.0)
    # Gold first in the file, Platinum after: Platinum is dialled first.
    rows = [row(i, tier="Gold") for i in range(1, 5)] + [
        row(i, tier="Platinum") for i in range(5, 9)
    ]
    await factory.create_targets(campaign, rows)
    await factory.start(campaign)
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(settings, pool, clock, choose=lambda call: "no_answer") as node:
        assert await node.tick() == {campaign.name: 3}
        assert await node.tick() == {campaign.name: 0}  # 3 in flight, 3 seats, ratio 1
        dialled = [a["number"] for a in await attempts(conn, campaign.id)]
        assert dialled == [e164(5), e164(6), e164(7)]
        await node.settle()
    rows_after = await attempts(conn, campaign.id)
    assert {a["state"] for a in rows_after} == {"no-answer"}
    assert {a["result"] for a in rows_after} == {"no_answer"}
    assert all(a["call_sid"].startswith("CA") for a in rows_after)
    t = await target(conn, campaign.id, 5)
    assert (t["state"], t["attempts"], t["last_result"]) == ("scheduled", 1, "no_answer")
    assert t["next_attempt_at"] == MONDAY_10_WIB + timedelta(hours=2)


async def test_power_dialling_places_more_calls_than_seats(
    settings: Settings, pool: Pool, factory: Factory
) -> None:
    campaign = await factory.running_campaign(
        [row(i) for i in range(1, 21)], virtual_seats=4, pacing_ratio=2.5
    )
    async with running_node(
        settings, pool, FrozenClock(MONDAY_10_WIB), choose=lambda c: "busy"
    ) as node:
        assert await node.tick() == {campaign.name: 10}
        await node.settle()


async def test_busy_is_retried_after_its_delay_until_its_limit(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(1)], virtual_seats=1)
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(settings, pool, clock, choose=lambda c: "busy") as node:
        for n in range(1, 4):
            assert await node.tick() == {campaign.name: 1}
            await node.settle()
            t = await target(conn, campaign.id, 1)
            assert t["attempts"] == n
            if n < 3:
                assert t["state"] == "scheduled"
                assert t["next_attempt_at"] == clock.now + timedelta(minutes=15)
                clock.advance(minutes=14)
                assert await node.tick() == {campaign.name: 0}  # not due yet
                clock.advance(minutes=1)
        t = await target(conn, campaign.id, 1)
        assert (t["state"], t["done_reason"]) == ("done", "busy_line_limit")
        assert t["result_counts"] == {"busy_line": 3}
        clock.advance(hours=1)
        assert await node.tick() == {campaign.name: 0}


async def test_a_human_takes_a_seat_and_a_machine_is_hung_up(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(1), row(2)], virtual_seats=2)
    fates = fate_by_number({e164(1): "human", e164(2): "machine"})
    async with running_node(settings, pool, FrozenClock(MONDAY_10_WIB), choose=fates) as node:
        await node.tick()
        await node.settle()
    by_number = {a["number"]: a for a in await attempts(conn, campaign.id)}
    human, machine = by_number[e164(1)], by_number[e164(2)]
    assert (human["state"], human["result"], human["answered_by"]) == (
        "completed",
        "contacted",
        "human",
    )
    assert human["seat"] == 1 and human["bridged_at"] is not None
    assert (machine["state"], machine["result"]) == ("machine", "machine")
    assert machine["seat"] is None
    assert (await target(conn, campaign.id, 1))["done_reason"] == "contacted"
    t2 = await target(conn, campaign.id, 2)
    assert (t2["state"], t2["last_result"]) == ("scheduled", "machine")


async def test_an_answered_call_with_no_free_seat_is_abandoned(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign(
        [row(i) for i in range(1, 4)], virtual_seats=1, pacing_ratio=3.0
    )
    async with running_node(
        settings, pool, FrozenClock(MONDAY_10_WIB), choose=lambda c: "human"
    ) as node:
        assert await node.tick() == {campaign.name: 3}
        await node.settle()
    results = sorted(a["result"] for a in await attempts(conn, campaign.id))
    assert results == ["abandoned", "abandoned", "contacted"]
    abandoned = [a for a in await attempts(conn, campaign.id) if a["abandoned"]]
    assert all(a["seat"] is None for a in abandoned)


async def test_the_abandon_guard_falls_back_to_progressive(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign(
        [row(i) for i in range(1, 31)], virtual_seats=2, pacing_ratio=3.0
    )
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(
        settings, pool, clock, choose=lambda c: "human", pacing={"abandon_min_answered": 4}
    ) as node:
        assert await node.tick() == {campaign.name: 6}  # 2 seats × 3.0
        await node.settle()  # most abandoned: far above 3 %
        clock.advance(seconds=1)
        assert await node.tick() == {campaign.name: 2}  # the guard: ratio 1.0
        await node.settle()
    events = await conn.fetch(
        "SELECT action, details FROM campaign_events WHERE campaign_id = $1 AND actor = 'dialer'",
        campaign.id,
    )
    assert [e["action"] for e in events] == ["abandon_guard_on"]
    details = events[0]["details"]
    # Two seats for six answered calls: at least three had no seat (a seat may free up
    # before the last call is answered).
    assert details["answered"] == 6 and details["abandoned"] >= 3
    assert details["rate_percent"] > details["limit_percent"] == 3.0


async def test_numbers_added_to_the_dnc_list_mid_campaign_are_not_dialled(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(i) for i in range(1, 4)], virtual_seats=5)
    await dnc.add(conn, e164(2), reason="asked", source="test", actor="test")
    async with running_node(
        settings, pool, FrozenClock(MONDAY_10_WIB), choose=lambda c: "busy"
    ) as node:
        await node.tick()
        await node.settle()
    assert sorted(a["number"] for a in await attempts(conn, campaign.id)) == [e164(1), e164(3)]


async def test_each_zone_is_dialled_inside_its_own_window(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.create_campaign(virtual_seats=5)
    rows = [
        row(1, province="Jawa Barat"),  # WIB
        row(2, province="Bali"),  # WITA
        row(3, province="Papua"),  # WIT
    ]
    await factory.create_targets(campaign, rows)
    await factory.start(campaign)
    # 07:30 WIB = 08:30 WITA = 09:30 WIT: only WITA and WIT are open.
    clock = FrozenClock(MONDAY_10_WIB - timedelta(hours=2, minutes=30))
    async with running_node(settings, pool, clock, choose=lambda c: "no_answer") as node:
        assert await node.tick() == {campaign.name: 2}
        await node.settle()
        assert sorted(a["number"] for a in await attempts(conn, campaign.id)) == [e164(2), e164(3)]
        clock.advance(minutes=30)  # 08:00 WIB
        assert await node.tick() == {campaign.name: 1}
        await node.settle()


async def test_pause_stops_new_dials_and_calls_in_flight_finish(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    from dialer.campaigns import service as campaigns

    campaign = await factory.running_campaign([row(i) for i in range(1, 6)], virtual_seats=2)
    async with running_node(
        settings, pool, FrozenClock(MONDAY_10_WIB), choose=lambda c: "busy"
    ) as node:
        assert await node.tick() == {campaign.name: 2}
        await campaigns.transition(conn, campaign.id, "pause", actor="test")
        assert await node.tick() == {}
        await node.settle()
        assert {a["state"] for a in await attempts(conn, campaign.id)} == {"busy"}
        await campaigns.transition(conn, campaign.id, "start", actor="test")
        assert await node.tick() == {campaign.name: 2}
        await node.settle()


async def test_two_nodes_ticking_at_once_never_dial_a_target_twice(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    import asyncio

    campaign = await factory.running_campaign(
        [row(i) for i in range(1, 61)], virtual_seats=10, pacing_ratio=2.0
    )
    clock = FrozenClock(MONDAY_10_WIB)
    async with (
        running_node(settings, pool, clock, choose=lambda c: "busy", name="a") as a,
        running_node(settings, pool, clock, choose=lambda c: "busy", name="b") as b,
    ):
        for _ in range(5):
            placed = await asyncio.gather(a.tick(), b.tick(), a.tick(), b.tick())
            assert sum(p.get(campaign.name, 0) for p in placed) <= 20
            live = await conn.fetchval(
                "SELECT count(*) FROM attempts WHERE campaign_id = $1"
                " AND state IN ('queued', 'dialing', 'ringing', 'in-progress')",
                campaign.id,
            )
            assert live <= 20
            await asyncio.gather(a.settle(), b.settle())
            clock.advance(seconds=1)  # the calls-per-second bucket refills
    rows_ = await attempts(conn, campaign.id)
    per_target: dict[Any, int] = {}
    for a_ in rows_:
        per_target[a_["target_id"]] = per_target.get(a_["target_id"], 0) + 1
    assert len(rows_) == 60 and set(per_target.values()) == {1}  # each once: retries not yet due


async def test_due_callbacks_come_first_then_platinum_then_list_order(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.create_campaign(virtual_seats=1)
    rows = [
        row(1, tier="Gold"),
        row(2, tier="Platinum"),
        row(3, tier="Gold"),
        row(4, tier="Platinum"),
    ]
    await factory.create_targets(campaign, rows)
    await factory.start(campaign)
    clock = FrozenClock(MONDAY_10_WIB)
    # Gold customer 3 asked to be called back at 10:00 (an agent's outcome, next issue).
    await conn.execute(
        "UPDATE targets SET state = 'scheduled', callback = true, next_attempt_at = $2"
        " WHERE campaign_id = $1 AND msisdn = $3",
        campaign.id,
        clock.now,
        e164(3),
    )
    order = []
    async with running_node(settings, pool, clock, choose=lambda c: "human") as node:
        for _ in range(4):
            clock.advance(seconds=1)
            assert await node.tick() == {campaign.name: 1}
            await node.settle()
        order = [a["number"] for a in await attempts(conn, campaign.id)]
    assert order == [e164(3), e164(2), e164(4), e164(1)]


async def test_calls_per_second_are_shared_by_all_nodes(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    import asyncio

    first = await factory.create_campaign(virtual_seats=50)
    second = await factory.create_campaign(virtual_seats=50)
    await factory.create_targets(first, [row(i) for i in range(1, 41)], name="a.csv")
    await factory.create_targets(second, [row(i) for i in range(41, 81)], name="b.csv")
    await factory.start(first)
    await factory.start(second)
    clock = FrozenClock(MONDAY_10_WIB)
    cps = {"simulator": {"calls_per_second": 3.0}}
    async with (
        running_node(settings, pool, clock, choose=lambda c: "busy", name="a", **cps) as a,
        running_node(settings, pool, clock, choose=lambda c: "busy", name="b", **cps) as b,
    ):
        placed_per_second = []
        for _ in range(4):
            rounds = await asyncio.gather(a.tick(), b.tick(), a.tick(), b.tick())
            placed_per_second.append(sum(sum(r.values()) for r in rounds))
            clock.advance(seconds=1)
        await asyncio.gather(a.settle(), b.settle())
    # A burst of one second's worth, then 3 a second, whatever the nodes and campaigns.
    assert placed_per_second == [3, 3, 3, 3]


async def test_a_pause_during_a_tick_stops_the_claim(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    from dialer.campaigns import service as campaigns

    campaign = await factory.running_campaign([row(1)], virtual_seats=1)
    async with running_node(settings, pool, FrozenClock(MONDAY_10_WIB)) as node:
        running = await campaigns.get(conn, campaign.id)  # what the tick read
        await campaigns.transition(conn, campaign.id, "pause", actor="test")
        assert await node.dialer.dial_campaign(running) == 0
    assert await conn.fetchval("SELECT count(*) FROM attempts") == 0
