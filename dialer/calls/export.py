"""Every call attempt of a campaign as CSV: the customer's numbers and zone, when it was
dialled (UTC and the customer's local time), its result and the outcome recorded."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

from dialer.db import Connection, q
from dialer.rules.window import zone_info

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
    ``chunk_bytes`` (a campaign's million attempts never sit in memory at once)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    async with conn.transaction():
        async for r in conn.cursor(q("export_attempts"), campaign_id, prefetch=batch):
            at = r["dialled_at"]
            writer.writerow(
                (
                    r["id"],
                    r["indihome_number"],
                    r["number"],
                    r["province"],
                    r["zone"],
                    at.isoformat(),
                    at.astimezone(zone_info(r["zone"])).isoformat(),
                    r["result"] or r["state"],
                    r["outcome"] or "",
                )
            )
            if buffer.tell() > chunk_bytes:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()
