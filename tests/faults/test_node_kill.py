"""Fault: two real nodes dial one campaign; one is killed (SIGKILL) mid-campaign.

Its liveness lock dies with its connection, so the survivor judges it dead within
seconds (``calls/liveness.py``) and its failover reclaims the dead node's calls at once
— not after the stale limit, which is set out of reach here. The calls that were never
answered are closed uncounted and their targets dialled again; the answered ones keep
the result they reached and are counted. No attempt lost, nobody dialled while an
earlier call to them could still be live.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.faults.cluster import (
    LIVE,
    invariants,
    kill_node,
    report,
    two_nodes,
    wait_for,
)


@pytest.mark.slow
async def test_killing_a_node_reclaims_its_calls_at_once_and_keeps_answered_results(
    tmp_path: Path, demo_db_url: str
) -> None:
    async with two_nodes(tmp_path, demo_db_url) as (a, conn):
        await kill_node(a)  # SIGKILL: no cleanup, its simulated calls vanish mid-call
        killed_at = time.monotonic()
        live = await conn.fetch(
            f"SELECT id, answered_at IS NOT NULL AS answered FROM attempts"
            f" WHERE node = 'a' AND state IN {LIVE}"
        )
        answered = [r["id"] for r in live if r["answered"]]
        await wait_for(
            conn, f"SELECT count(*) = 0 FROM attempts WHERE node = 'a' AND state IN {LIVE}"
        )
        report("kill -9 → the dead node's calls reclaimed", time.monotonic() - killed_at)
        # The mechanism: a was judged dead (fenced) by its liveness, the reclaim was the
        # failover's (the stale limit is 1,000 s away).
        fenced = await conn.fetchrow("SELECT fenced_at, fenced_below FROM nodes WHERE name = 'a'")
        assert fenced["fenced_at"] is not None
        assert max(r["id"] for r in live) <= fenced["fenced_below"]
        alive_b = await conn.fetchval("SELECT fenced_at IS NULL FROM nodes WHERE name = 'b'")
        assert alive_b
        # Answered calls keep the result they reached, counted on their targets.
        kept = await conn.fetch(
            "SELECT a.state, a.result, t.attempts FROM attempts a"
            " JOIN targets t ON t.campaign_id = a.campaign_id AND t.id = a.target_id"
            " WHERE a.id = ANY($1)",
            answered,
        )
        assert kept and all(r["state"] in ("completed", "machine") for r in kept), kept
        assert all(r["result"] != "canceled" and r["attempts"] >= 1 for r in kept), kept
        # The survivor keeps dialling.
        before = await conn.fetchval("SELECT count(*) FROM attempts WHERE node = 'b'")
        await wait_for(conn, f"SELECT count(*) > {before + 5} FROM attempts WHERE node = 'b'")
        lost = await conn.fetch(
            "SELECT campaign_id, target_id, ended_at FROM attempts"
            " WHERE node = 'a' AND result = 'canceled'"
        )
        # A lost target is dialled again only after its lost attempt was closed.
        for attempt in lost:
            later = await conn.fetchval(
                "SELECT min(created_at) FROM attempts WHERE campaign_id = $1 AND target_id = $2"
                " AND node = 'b'",
                attempt["campaign_id"],
                attempt["target_id"],
            )
            assert later is None or later >= attempt["ended_at"]
        await invariants(conn, alive=("b",))
