"""Every call attempt of a campaign as CSV: the customer's numbers and zone, when it was
dialled (UTC and the customer's local time), its result and the outcome recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator

from dialer.db import Connection, q
from dialer.rules.zones import zone_info
from dialer.uploads import csv_chunks

HEADER = (
    "attempt_id",
    "indihome_number",
    "msisdn",
    "province",
    "zone",
    "dialled_at_utc",
    "dialled_at_local",
    "result",
    "outcome",
)


async def export_attempts(
    conn: Connection, campaign_id: int, *, batch: int = 5000, chunk_bytes: int = 1 << 16
) -> AsyncIterator[str]:
    """The campaign's attempts as CSV text, header first, in chunks of about
    ``chunk_bytes``."""
    async with conn.transaction():
        rows = (
            (
                r["id"],
                r["indihome_number"],
                r["number"],
                r["province"],
                r["zone"],
                r["dialled_at"].isoformat(),
                r["dialled_at"].astimezone(zone_info(r["zone"])).isoformat(),
                r["result"] or r["state"],
                r["outcome"] or "",
            )
            async for r in conn.cursor(q("export_attempts"), campaign_id, prefetch=batch)
        )
        async for chunk in csv_chunks(HEADER, rows, chunk_bytes=chunk_bytes):
            yield chunk
