"""The counts the reports read instead of the rows: the running counts of targets,
attempts and outcomes (migration 0014) and the voucher steps per hour (migration 0013),
kept by triggers. Rows loaded in bulk with the triggers off — or imported by a node on
code older than 0014 during a rolling upgrade — are not counted: :func:`recount` counts
a campaign afresh from its rows (``dialer campaign recount NAME``)."""

from __future__ import annotations

from dialer.db import Connection, q


async def recount(conn: Connection, campaign_id: int) -> None:
    """Count campaign ``campaign_id`` afresh from its rows, in one transaction."""
    async with conn.transaction():
        await conn.execute(q("rebuild_counts"), campaign_id)
        await conn.execute(q("rebuild_voucher_hours"), campaign_id)
