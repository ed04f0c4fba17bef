"""The hand-over's reservation gives a call to exactly one agent, whatever plan the
planner picks, also while other transactions lock and release agents' rows.

Found in ``make run`` (5 bot agents): the reservation's ``UPDATE … FROM (SELECT … LIMIT 1
FOR UPDATE SKIP LOCKED)`` was planned as a nested loop over the agents' rows running the
sub-select again for each; every run after the first passed over the agent the
statement had just updated and chose the next one, so one call went to two agents, the
unique index on ``agent_states.attempt_id`` refused the statement, and the answered call
was never handed over (the callback failed again on every retry).
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime

import asyncpg

from dialer.auth import service as auth
from dialer.db import Pool, create_pool, q
from tests.dialing import leg_up
from tests.factories import Factory, row

AGENTS = 5
CALLS = 400


async def test_one_agent_per_call_whatever_the_plan_and_the_locks(
    db_url: str, conn: asyncpg.Connection, factory: Factory
) -> None:
    pool = await create_pool(db_url, min_size=1, max_size=10)
    try:
        await _race(pool, conn, factory)
    finally:
        await pool.close()


async def _race(pool: Pool, conn: asyncpg.Connection, factory: Factory) -> None:
    campaign = await factory.running_campaign([row(1)], virtual_seats=0)
    now = datetime(2022, 9, 5, 3, 0, tzinfo=UTC)
    ids = []
    for n in range(AGENTS):
        user = await auth.create_user(conn, username=f"a{n}", role="agent", password=None)
        ids.append(user.id)
        await leg_up(conn, user.id)  # each can hear a customer
        await conn.execute(
            "INSERT INTO agent_states (user_id, campaign_id, state, since, seen_at)"
            " VALUES ($1, $2, 'paused', $3, $3)",
            user.id,
            campaign.id,
            now,
        )
    # Statistics from when few agents were available (as autovacuum may leave them):
    # the planner then loops over the agents' rows and runs the sub-select in the loop.
    await conn.execute("ANALYZE agent_states")
    for user_id in ids:  # available in turn: the longest waiting first, on disk too
        await conn.execute(
            "UPDATE agent_states SET state = 'available' WHERE user_id = $1", user_id
        )
    async with conn.transaction():
        got = await conn.fetch(q("reserve_agent"), campaign.id, 10_000, now)
        assert [r["user_id"] for r in got] == [ids[0]]  # the longest waiting, alone
    stop = asyncio.Event()
    failures: list[str] = []
    given: list[int] = []

    async def touch() -> None:
        # Short transactions locking agents' rows, as presence marks and bots do.
        rnd = random.Random()
        async with pool.acquire() as c:
            while not stop.is_set():
                async with c.transaction():
                    await c.execute(
                        "SELECT 1 FROM agent_states WHERE user_id = ANY($1)"
                        " ORDER BY user_id FOR UPDATE",
                        rnd.sample(ids, 3),
                    )
                    await asyncio.sleep(0)

    async def release() -> None:
        # Calls end: agents become available again.
        async with pool.acquire() as c:
            while not stop.is_set():
                busy = await c.fetch("SELECT user_id FROM agent_states WHERE state = 'on_call'")
                for r in busy:  # one at a time: no lock order to get wrong
                    await c.execute(
                        "UPDATE agent_states SET state = 'available', attempt_id = NULL"
                        " WHERE user_id = $1",
                        r["user_id"],
                    )
                await asyncio.sleep(0.001)

    async def reserve(worker: int) -> None:
        async with pool.acquire() as c:
            for attempt in range(worker, CALLS, 4):
                try:
                    async with c.transaction():
                        got = await c.fetch(
                            q("reserve_agent"),
                            campaign.id,
                            attempt + 1,
                            now,
                        )
                        if len(got) > 1:
                            failures.append(f"call {attempt + 1} went to {len(got)} agents")
                        given.extend(r["user_id"] for r in got)
                except asyncpg.UniqueViolationError as exc:
                    failures.append(f"call {attempt + 1}: {exc}")

    background = [asyncio.create_task(touch()) for _ in range(3)]
    background.append(asyncio.create_task(release()))
    await asyncio.gather(*(reserve(w) for w in range(4)))
    stop.set()
    await asyncio.gather(*background)
    assert failures == []
    assert given, "some calls were handed over"
