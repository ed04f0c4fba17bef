"""What calls set in motion and managers follow up: tickets (with their deadlines,
flagged when overdue) and closure requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dialer.db import Connection, q
from dialer.errors import Conflict, NotFound

STATES = ("open", "overdue", "closed", "all")


async def of_campaign(
    conn: Connection, campaign_id: int, *, state: str, limit: int, now: datetime
) -> dict[str, Any]:
    """The campaign's tickets in ``state`` (by deadline, none last), and how many open
    ones are past their deadline whatever the state asked."""
    rows = await conn.fetch(q("campaign_tickets"), campaign_id, now, state, limit)
    overdue = await conn.fetchval(q("overdue_tickets"), campaign_id, now)
    return {"overdue": overdue, "tickets": [dict(r) for r in rows]}


async def close(conn: Connection, ticket_id: int, *, now: datetime) -> dict[str, Any]:
    """Close an open ticket; :class:`NotFound` or :class:`Conflict` (closed already)."""
    row = await conn.fetchrow(q("close_ticket"), ticket_id, now)
    if row is None:
        if await conn.fetchval(q("ticket_exists"), ticket_id) is None:
            raise NotFound(f"no ticket {ticket_id}")
        raise Conflict(f"ticket {ticket_id} is closed already")
    return dict(row)


async def closure_requests(conn: Connection, campaign_id: int) -> list[dict[str, Any]]:
    """The campaign's closure requests, with the customer's IndiHome number."""
    return [dict(r) for r in await conn.fetch(q("campaign_closure_requests"), campaign_id)]
