"""Fault: a node hangs (SIGSTOP) mid-campaign — not dead: its connections stay open and
its liveness lock held — then wakes (SIGCONT).

Its heartbeat lapses, so the other node judges it dead past the lease and reclaims its
calls. On waking it must not act on claims it no longer owns: its lease lapsed by its
own clock, it places nothing it had claimed, finds itself fenced on its next heartbeat
and rejoins under a new epoch, dialling only what it claims anew.
"""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest

from tests.faults.cluster import (
    LIVE,
    invariants,
    report,
    two_nodes,
    wait_for,
)


@pytest.mark.slow
async def test_a_hung_node_is_fenced_its_calls_reclaimed_and_it_never_double_dials(
    tmp_path: Path, demo_db_url: str
) -> None:
    async with two_nodes(tmp_path, demo_db_url) as (a, conn):
        a.send_signal(signal.SIGSTOP)
        stopped_at = time.monotonic()
        answered = await conn.fetchval(
            f"SELECT array_agg(id) FROM attempts WHERE node = 'a' AND state IN {LIVE}"
            " AND answered_at IS NOT NULL"
        )
        await wait_for(conn, "SELECT fenced_at IS NOT NULL FROM nodes WHERE name = 'a'")
        fenced_below = await conn.fetchval("SELECT fenced_below FROM nodes WHERE name = 'a'")
        await wait_for(
            conn,
            f"SELECT count(*) = 0 FROM attempts WHERE node = 'a' AND state IN {LIVE} AND id <= $1",
            fenced_below,
        )
        report("SIGSTOP → the hung node's calls reclaimed", time.monotonic() - stopped_at)
        # Still holding its liveness lock: judged dead by its silence alone.
        held = await conn.fetchval(
            "SELECT count(*) FROM pg_locks l JOIN nodes n ON l.objid = n.id::oid"
            " WHERE l.locktype = 'advisory' AND l.classid = 28260 AND n.name = 'a'"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        assert held == 1
        # Those answered when it hung keep the result they reached.
        assert not await conn.fetchval(
            "SELECT count(*) FROM attempts WHERE id = ANY($1) AND result = 'canceled'",
            answered or [],
        )
        reclaimed = {
            r["id"]: (r["result"], r["call_sid"])
            for r in await conn.fetch(
                "SELECT id, result, call_sid FROM attempts WHERE node = 'a' AND id <= $1",
                fenced_below,
            )
        }
        a.send_signal(signal.SIGCONT)
        woke_at = time.monotonic()
        # It rejoins under a new epoch and dials again, only what it claims anew.
        await wait_for(conn, "SELECT fenced_at IS NULL FROM nodes WHERE name = 'a'")
        await wait_for(
            conn,
            "SELECT count(*) > 0 FROM attempts WHERE node = 'a' AND id > $1"
            " AND call_sid IS NOT NULL",
            (await conn.fetchval("SELECT max(id) FROM attempts")),
        )
        report("SIGCONT → the node dialling again", time.monotonic() - woke_at)
        await asyncio.sleep(1)  # its calls of before the pause report in meanwhile
        # Nothing it had claimed before was placed after the reclaim (a call placed
        # writes its SID), and no reclaimed attempt's result changed.
        after = {
            r["id"]: (r["result"], r["call_sid"])
            for r in await conn.fetch(
                "SELECT id, result, call_sid FROM attempts WHERE node = 'a' AND id <= $1",
                fenced_below,
            )
        }
        assert after == reclaimed
        await invariants(conn, alive=("a", "b"), late_answers=True)
