"""Benchmark: the CPU a tick spends pacing a campaign of 50 agents (issue 21: ≤ 5 ms).

One started campaign (the seed definition: predictive) in a database of its own, with
2,000 targets, 14 days of history (20,000 ended calls over the three zones, counted by
the running counts' trigger as on a real campaign) and a busy floor: 50 agents — 12
free with their phones connected, 6 in after-call work, 32 talking — and 29 calls in
flight (22 ringing, 5 answered awaiting the machine verdict, 2 persons on hold). A
"tick's pacing" is what the pacer does before it claims targets: the abandon guard's
check and the sizing (``Dialer._size``: for predictive, the estimates' two queries,
the floor's counts and the sizing itself), in a transaction, as the tick runs it.
Measured: the process CPU time per tick (the client's share: building queries,
decoding rows, the arithmetic) and the wall time (with the database's), for
``predictive`` and, as the reference in the same run, ``progressive`` (the counts
alone).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import cast

from dialer.calls import guard
from dialer.calls.pacer import Dialer
from dialer.campaigns import service as campaigns
from dialer.campaigns.models import calendar_of
from dialer.clock import FrozenClock
from dialer.db import Connection, connect, create_pool
from dialer.providers.carrier import Carrier
from dialer.rules.window import open_zones
from dialer.settings import PacingSettings
from tests.bench.claim import fresh_database, load_campaign, small_file

BENCH_DB = "dialer_bench_pacing_tick"
NOW = datetime(2022, 9, 5, 3, 0, tzinfo=UTC)  # Monday 10:00 WIB: every zone open
TICKS = 300
WARMUP = 30


async def prepare(admin_url: str, url: str) -> int:
    await fresh_database(admin_url, BENCH_DB, url)
    conn = await connect(url)
    try:
        campaign_id, _ = await load_campaign(conn, "pacing-bench", small_file(2_000, 7_000_000))
        await history(conn, campaign_id)
        await floor(conn, campaign_id)
        # The running counts folded, as the scheduled compaction keeps them.
        await conn.execute("SELECT compact_counts()")
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return campaign_id


async def history(conn: Connection, campaign_id: int) -> None:
    """14 days of ended calls: a third reach a person (bridged, talk 30-180 s)."""
    await conn.execute(
        """
        INSERT INTO attempts (campaign_id, target_id, number, carrier, node, state, result,
                              created_at, placed_at, answered_at, bridged_at, ended_at,
                              updated_at)
        SELECT $1, t.id, t.msisdn, 'bench', 'bench', s.state, s.result, s.at, s.at,
               CASE WHEN s.result = 'contacted' THEN s.at + interval '12 s' END,
               CASE WHEN s.result = 'contacted' THEN s.at + interval '14 s' END,
               s.at + interval '14 s' + (random() * 170 + 30) * interval '1 s', s.at
        FROM (
            SELECT g, $2::timestamptz - (random() * 14 * 86400) * interval '1 s' AS at,
                   (ARRAY['contacted', 'no_answer', 'busy_line', 'machine'])[1 + g % 4] AS result,
                   (ARRAY['completed', 'no-answer', 'busy', 'machine'])[1 + g % 4] AS state
            FROM generate_series(1, 20000) AS g
        ) s
        JOIN LATERAL (
            SELECT id, msisdn FROM targets
            WHERE campaign_id = $1 AND id = 1 + (s.g % 2000)
        ) t ON true
        """,
        campaign_id,
        NOW,
    )


async def floor(conn: Connection, campaign_id: int) -> None:
    """50 agents and the calls in flight, as on a busy floor."""
    users = [
        await conn.fetchval(
            "INSERT INTO users (username, display_name, role) VALUES ($1, $1, 'agent')"
            " RETURNING id",
            f"bench-agent-{i}",
        )
        for i in range(50)
    ]
    targets = await conn.fetch(
        "SELECT id, msisdn FROM targets WHERE campaign_id = $1 ORDER BY id DESC LIMIT 79",
        campaign_id,
    )

    async def live(target: int, number: str, **columns: object) -> int:
        names = "".join(f", {c}" for c in columns)
        values = "".join(f", ${i}" for i in range(5, 5 + len(columns)))
        return cast(
            int,
            await conn.fetchval(
                "INSERT INTO attempts (campaign_id, target_id, number, carrier, node, state,"
                f" created_at, placed_at, updated_at{names})"
                f" VALUES ($1, $2, $3, 'bench', 'bench', 'ringing', $4, $4, $4{values})"
                " RETURNING id",
                campaign_id,
                target,
                number,
                NOW - timedelta(seconds=5),
                *columns.values(),
            ),
        )

    for i, user in enumerate(users):
        await conn.execute(
            "INSERT INTO agent_legs (user_id, endpoint, state, call_sid, conference_sid, since)"
            " VALUES ($1, 'softphone', 'connected', $2, $3, $4)",
            user,
            f"CA-leg-{i}",
            f"CF-{i}",
            NOW,
        )
        if i < 12:
            state, attempt, until = "available", None, None
        else:
            t = targets[i]
            attempt = await live(t["id"], t["msisdn"], agent_id=user, bridged_at=NOW)
            state, until = (
                ("wrap_up", NOW + timedelta(seconds=4 + i)) if i < 18 else ("on_call", None)
            )
        await conn.execute(
            "INSERT INTO agent_states (user_id, campaign_id, state, since, attempt_id,"
            " wrap_up_until, node, seen_at) VALUES ($1, $2, $3, $4, $5, $6, 'bench', $4)",
            user,
            campaign_id,
            state,
            NOW,
            attempt,
            until,
        )
    for j, t in enumerate(targets[50:79]):
        if j < 22:
            await live(t["id"], t["msisdn"])
        elif j < 27:
            await live(t["id"], t["msisdn"], answered_at=NOW)
        else:
            await live(
                t["id"],
                t["msisdn"],
                answered_at=NOW,
                waiting_since=NOW,
                hold_until=NOW + timedelta(seconds=2),
            )


async def measure(url: str, campaign_id: int) -> dict[str, tuple[list[float], list[float]]]:
    pool = await create_pool(url, min_size=1, max_size=2)
    settings = PacingSettings()
    dialer = Dialer(
        pool=pool,
        settings=settings,
        clock=FrozenClock(NOW),
        carrier=cast(Carrier, None),  # the sizing never reaches the carrier
        node="bench",
        public_url="http://127.0.0.1:1",
    )
    try:
        async with pool.acquire() as conn:
            campaign = await campaigns.get(conn, campaign_id)
        predictive = campaign.spec()
        modes = {
            "predictive": predictive,
            "progressive": predictive.model_copy(update={"pacing_mode": "progressive"}),
        }
        zones = sorted(open_zones(calendar_of(predictive), NOW))
        found: dict[str, tuple[list[float], list[float]]] = {m: ([], []) for m in modes}
        for n in range(WARMUP + TICKS):
            for mode, definition in modes.items():
                cpu, wall = time.process_time(), time.perf_counter()
                async with pool.acquire() as conn, conn.transaction():
                    state = await guard.check(
                        conn,
                        campaign_id,
                        limit_percent=definition.abandon_limit_percent,
                        window=timedelta(minutes=settings.abandon_window_minutes),
                        min_answered=settings.abandon_min_answered,
                        now=NOW,
                    )
                    calls = await dialer._size(conn, campaign_id, definition, zones, state, NOW)
                if n >= WARMUP:
                    found[mode][0].append(1000 * (time.process_time() - cpu))
                    found[mode][1].append(1000 * (time.perf_counter() - wall))
                assert isinstance(calls, int)
        return found
    finally:
        await pool.close()


def bench(admin_url: str, url: str) -> list[str]:
    campaign_id = asyncio.run(prepare(admin_url, url))
    found = asyncio.run(measure(url, campaign_id))
    cpu = {m: statistics.median(v[0]) for m, v in found.items()}
    wall = {m: statistics.median(v[1]) for m, v in found.items()}
    return [
        f"pacing_tick: a campaign of 50 agents (12 free, 6 in after-call work, 32 talking),"
        f" 29 calls in flight, 20,000 calls of history; {TICKS} ticks after {WARMUP}"
        " (guard check + sizing, one transaction), medians",
        f"pacing_tick_cpu_ms: {cpu['predictive']:.2f} ms (target <= 5 ms; progressive"
        f" {cpu['progressive']:.2f} ms, {cpu['predictive'] / cpu['progressive']:.2f} x)",
        f"pacing_tick_wall_ms: {wall['predictive']:.2f} ms (progressive"
        f" {wall['progressive']:.2f} ms, {wall['predictive'] / wall['progressive']:.2f} x)",
    ]
