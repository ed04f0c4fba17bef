"""The running counts (migrations 0014, 0018) against the rows they count.

Every test's database is checked with this when the test ends (``conftest.db_url``):
whatever the test did — imports, dialling, callbacks in any order, outcomes, a node
killed mid-call, raw SQL — the counts must equal a scan of the rows.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import asyncpg

SCANS = {
    "targets": (
        "SELECT campaign_id, state, coalesce(done_reason, ''), attempts, count(*) FROM targets"
        " GROUP BY 1, 2, 3, 4",
        "SELECT campaign_id, state, reason, attempts, sum(n) FROM target_counts"
        " GROUP BY 1, 2, 3, 4",
    ),
    "attempts": (
        "SELECT a.campaign_id, date_trunc('hour', coalesce(a.placed_at, a.created_at), 'UTC'),"
        " a.placed_at IS NOT NULL, coalesce(t.zone, 'WIB'), a.result, count(*)"
        " FROM attempts a"
        " LEFT JOIN targets t ON t.campaign_id = a.campaign_id AND t.id = a.target_id"
        " WHERE a.result IS NOT NULL GROUP BY 1, 2, 3, 4, 5",
        "SELECT campaign_id, hour, placed, zone, result, sum(n) FROM attempt_counts"
        " GROUP BY 1, 2, 3, 4, 5",
    ),
    "outcomes": (
        "SELECT o.campaign_id, date_trunc('hour', o.recorded_at, 'UTC'), o.code, t.tier,"
        " t.zone, t.province, count(*)"
        " FROM outcomes o JOIN targets t ON t.campaign_id = o.campaign_id AND t.id = o.target_id"
        " GROUP BY 1, 2, 3, 4, 5, 6",
        "SELECT campaign_id, hour, code, tier, zone, province, sum(n) FROM outcome_counts"
        " GROUP BY 1, 2, 3, 4, 5, 6",
    ),
    "call_actions": (
        "SELECT campaign_id, date_trunc('hour', recorded_at, 'UTC'), kind, count(*)"
        " FROM call_actions GROUP BY 1, 2, 3",
        "SELECT campaign_id, hour, kind, sum(n) FROM action_counts GROUP BY 1, 2, 3",
    ),
}


def _counter(rows: list[asyncpg.Record]) -> Counter[tuple[Any, ...]]:
    return Counter({tuple(r)[:-1]: int(tuple(r)[-1]) for r in rows if tuple(r)[-1]})


async def count_mismatches(conn: asyncpg.Connection) -> dict[str, dict[str, Any]]:
    """Per table, the keys whose count differs: {key: (rows, counted)}; empty if none."""
    found: dict[str, dict[str, Any]] = {}
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        for name, (scan, counted) in SCANS.items():
            rows, counts = _counter(await conn.fetch(scan)), _counter(await conn.fetch(counted))
            if rows != counts:
                found[name] = {
                    str(k): (rows.get(k, 0), counts.get(k, 0))
                    for k in set(rows) | set(counts)
                    if rows.get(k, 0) != counts.get(k, 0)
                }
    return found
