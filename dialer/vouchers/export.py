"""Every voucher of a campaign as CSV: code, state, the customer, the WA number it goes
to, when it was issued, first sent, delivered, read and redeemed, and the agent whose
call earned it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from dialer.db import Connection, q
from dialer.uploads import csv_chunks

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
    async with conn.transaction():
        rows = (
            ["" if r[h] is None else _text(r[h]) for h in HEADER]
            async for r in conn.cursor(q("export_vouchers"), campaign_id, prefetch=2000)
        )
        async for chunk in csv_chunks(HEADER, rows, chunk_bytes=chunk_bytes):
            yield chunk


def _text(value: Any) -> Any:
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if callable(isoformat) else value
