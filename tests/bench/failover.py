"""Benchmark: fast failover (issue 19, point 8).

Two real nodes (``dialer run``, the simulator at 100x, bot agents) dial the sample
campaign on the benchmark's own database; node a is killed (SIGKILL) while it has calls
live. ``failover_reclaim_s`` is the time from the kill until none of a's calls is live
any more — judged dead by its liveness (lock gone with its connection, then the lock
grace), fenced and its calls reclaimed by b's failover; the target is at most 15 s.
``failover_fenced_s`` is the part until a was judged dead. The stale limit is out of
reach, so the reclaim measured is the failover's. One kill: a figure, not a
distribution.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import asyncpg

from dialer.db import q
from tests.bench.claim import fresh_database
from tests.faults.cluster import LIVE, kill_node, start_node, wait_dialling, wait_for

BENCH_DB = "dialer_bench_failover"
TARGET_S = 15.0


async def measure(admin_url: str, url: str) -> tuple[float, float, int, int]:
    await fresh_database(admin_url, BENCH_DB, url)
    marking = await asyncpg.connect(url)  # `dialer run` works only on a demo's database
    try:
        await marking.execute(q("mark_demo_database"))
    finally:
        await marking.close()
    with tempfile.TemporaryDirectory() as home:
        a = await start_node("a", Path(home) / "a", url)
        b = None
        conn = await asyncpg.connect(url)
        try:
            await wait_dialling(conn, "a")
            b = await start_node("b", Path(home) / "b", url)
            await wait_dialling(conn, "b", 0)
            await wait_for(
                conn, f"SELECT count(*) > 2 FROM attempts WHERE node = 'a' AND state IN {LIVE}"
            )
            await kill_node(a)
            killed = time.monotonic()
            live = await conn.fetchval(
                f"SELECT array_agg(id) FROM attempts WHERE node = 'a' AND state IN {LIVE}"
            )
            fenced = 0.0
            while time.monotonic() - killed < 60:
                if not fenced and await conn.fetchval(
                    "SELECT fenced_at IS NOT NULL FROM nodes WHERE name = 'a'"
                ):
                    fenced = time.monotonic() - killed
                left = await conn.fetchval(
                    f"SELECT count(*) FROM attempts WHERE node = 'a' AND state IN {LIVE}"
                )
                if fenced and not left:
                    break
                await asyncio.sleep(0.05)
            reclaimed = time.monotonic() - killed
            answered = await conn.fetchval(
                "SELECT count(*) FROM attempts WHERE id = ANY($1) AND answered_at IS NOT NULL"
                " AND result <> 'canceled'",
                live,
            )
            return reclaimed, fenced, len(live), int(answered)
        finally:
            await conn.close()
            await kill_node(a)
            await kill_node(b)


def bench(admin_url: str, url: str) -> list[str]:
    reclaimed, fenced, live, answered = asyncio.run(measure(admin_url, url))
    return [
        f"failover_reclaim_s: {reclaimed:.2f} s (kill -9 → the dead node's {live} live calls"
        f" reclaimed by the survivor; target <= {TARGET_S:.0f} s)",
        f"failover_fenced_s: {fenced:.2f} s (kill -9 → judged dead: its liveness lock gone,"
        f" then the lock grace)",
        f"failover_answered_kept: {answered} calls (of those {live}, the answered ones:"
        f" ended with the result they reached, not canceled)",
    ]
