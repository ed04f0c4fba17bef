"""Every voucher of a campaign as CSV: code, state, the customer, the WA number it goes
to, when it was issued, first sent, delivered, read and redeemed, and the agent whose
call earned it."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

from dialer.db import Connection, q

HEADER = (
    "code",
    "state",
    "indihome_number",
    "customer_name",
    "wa_number",
    "issued_at",
    "sent_at",
    "delivered_at",
    "read_at",
    "redeemed_at",
    "expires_at",
    "agent",
)


async def export_vouchers(
    conn: Connection, campaign_id: int, *, chunk_bytes: int = 1 << 16
) -> AsyncIterator[str]:
    """The campaign's vouchers as CSV text, header first, in chunks of about
    ``chunk_bytes``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    async with conn.transaction():
        async for r in conn.cursor(q("export_vouchers"), campaign_id, prefetch=2000):
            writer.writerow(
                [
                    ""
                    if r[h] is None
                    else (r[h].isoformat() if hasattr(r[h], "isoformat") else r[h])
                    for h in HEADER
                ]
            )
            if buffer.tell() > chunk_bytes:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()
