"""Fault: PostgreSQL stops and starts again mid-campaign (a private cluster of the
test's own), every session cut — the nodes' liveness locks with them.

The nodes ride it out: they reconnect, take their locks again and dial on. The restart
is not mistaken for the death of every node: the database's start time gives each node
the lease to come back, so none is fenced and no live call is reclaimed from under a
running node.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import asyncpg
import pytest

from tests.faults.cluster import (
    PrivatePostgres,
    invariants,
    kill_node,
    report,
    start_node,
    wait_dialling,
    wait_for,
)

DOWN_SECONDS = 3.0


@pytest.mark.slow
async def test_the_nodes_ride_out_a_database_restart_and_none_is_fenced(tmp_path: Path) -> None:
    pg = PrivatePostgres(tmp_path / "pg")
    url = await pg.start()
    a = b = None
    try:
        a = await start_node("a", tmp_path / "a", url)
        conn = await asyncpg.connect(url)
        await wait_dialling(conn, "a")
        b = await start_node("b", tmp_path / "b", url)
        await wait_dialling(conn, "b", 0)
        before = await conn.fetchval("SELECT max(id) FROM attempts")
        await conn.close()
        await asyncio.to_thread(pg.stop_for, DOWN_SECONDS)
        back_at = time.monotonic()
        conn = await asyncpg.connect(url)
        try:
            # The campaign dials on. Which node places the calls is the pacers' race
            # (whichever ticks first claims the free seats), so it is not asked of each.
            await wait_for(
                conn,
                "SELECT count(*) > 0 FROM attempts WHERE id > $1 AND call_sid IS NOT NULL",
                before,
            )
            report("database back → dialling again", time.monotonic() - back_at)
            # Each node is back: its heartbeat beats in the restarted database.
            for name in ("a", "b"):
                await wait_for(
                    conn,
                    "SELECT alive_at > pg_postmaster_start_time() FROM nodes WHERE name = $1",
                    name,
                    seconds=10,
                )
            # Both hold their liveness locks again, and neither was judged dead.
            await wait_for(
                conn,
                "SELECT count(*) = 2 FROM pg_locks WHERE locktype = 'advisory'"
                " AND classid = 28260 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                seconds=10,
            )
            fenced = await conn.fetch("SELECT name FROM nodes WHERE fenced_at IS NOT NULL")
            assert fenced == []
            await invariants(conn, alive=("a", "b"))
        finally:
            await conn.close()
    finally:
        await kill_node(a)
        await kill_node(b)
        pg.close()
