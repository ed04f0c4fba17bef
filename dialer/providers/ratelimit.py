"""A token bucket in PostgreSQL, shared by every node: the provider's calls per second."""

from __future__ import annotations

from datetime import datetime

from dialer.db import Connection, q


async def take(conn: Connection, name: str, *, rate: float, want: int, now: datetime) -> int:
    """Take up to ``want`` tokens from bucket ``name`` (``rate`` a second, burst of
    one second's worth); returns how many were granted, possibly 0."""
    if want <= 0:
        return 0
    burst = max(1.0, rate)
    granted = await conn.fetchval(q("take_tokens"), name, rate, burst, want, now)
    if granted is None:  # the bucket's first use: create it full, then take
        await conn.execute(q("ensure_bucket"), name, burst, now)
        granted = await conn.fetchval(q("take_tokens"), name, rate, burst, want, now)
    return int(granted or 0)


async def give_back(conn: Connection, name: str, tokens: int) -> None:
    """Return tokens taken but not used (fewer targets were due than tokens granted)."""
    if tokens > 0:
        await conn.execute(q("return_tokens"), name, tokens)
