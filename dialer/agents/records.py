"""What calls set in motion, for managers: tickets (with their deadlines, flagged when
overdue), transfers and closure requests of a campaign.

``GET /api/campaigns/{name}/tickets?state=open|overdue|closed|all``,
``POST /api/tickets/{id}/close``, ``GET /api/campaigns/{name}/transfers``,
``GET /api/campaigns/{name}/closure-requests``. Managers only: an agent gets 403.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from dialer.campaigns import service as campaigns
from dialer.errors import BadRequest, Conflict, NotFound
from dialer.keys import CLOCK, POOL
from dialer.web import Param, api, json_response, path_id, query_int, requires

routes = web.RouteTableDef()
TICKET_STATES = ("open", "overdue", "closed", "all")
TICKETS = """
SELECT k.id, k.campaign_id, t.indihome_number, t.name AS customer_name, k.tier,
       k.existing_ref, k.guide, k.category, k.fields, k.opened_at, k.due_at, k.closed_at,
       o.agent_id, u.username AS agent,
       (k.closed_at IS NULL AND k.due_at IS NOT NULL AND k.due_at < $2) AS overdue
FROM tickets k
JOIN outcomes o ON o.id = k.outcome_id
JOIN users u ON u.id = o.agent_id
JOIN targets t ON t.campaign_id = k.campaign_id AND t.id = k.target_id
WHERE k.campaign_id = $1
  AND CASE $3::text
        WHEN 'open' THEN k.closed_at IS NULL
        WHEN 'overdue' THEN k.closed_at IS NULL AND k.due_at < $2
        WHEN 'closed' THEN k.closed_at IS NOT NULL
        ELSE true END
ORDER BY k.due_at NULLS LAST, k.id
LIMIT $4
"""


def _rows(records: list[Any]) -> list[dict[str, Any]]:
    return [dict(r) for r in records]


@routes.get("/api/campaigns/{name}/tickets")
@requires("manager")
@api(
    "A campaign's tickets with their deadlines, overdue ones flagged",
    description="Ordered by deadline (none last), then id. overdue counts every open ticket"
    " past its deadline, whatever the state filter.",
    query=(
        Param(
            "state",
            "which tickets: open, overdue (open past their deadline), closed or all",
            enum=TICKET_STATES,
            default="open",
        ),
        Param("limit", "tickets at most (at most 5,000)", "integer", default=500),
    ),
    tag="agents",
)
async def list_tickets(request: web.Request) -> web.Response:
    state = request.query.get("state", "open")
    if state not in TICKET_STATES:
        raise BadRequest(f"state {state!r} is not one of {', '.join(TICKET_STATES)}")
    limit = query_int(request, "limit", 500, maximum=5000)
    now = request.app[CLOCK]()
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["name"])
        rows = _rows(await conn.fetch(TICKETS, campaign.id, now, state, limit))
        overdue = await conn.fetchval(
            "SELECT count(*) FROM tickets WHERE campaign_id = $1 AND closed_at IS NULL"
            " AND due_at < $2",
            campaign.id,
            now,
        )
    return json_response(
        {"campaign": campaign.name, "now": now, "overdue": overdue, "tickets": rows}
    )


@routes.post("/api/tickets/{id}/close")
@requires("manager")
@api(
    "Close an open ticket",
    description="404 when there is no such ticket; 409 when it is closed already.",
    tag="agents",
)
async def close_ticket(request: web.Request) -> web.Response:
    ticket_id = path_id(request, what="ticket")
    async with request.app[POOL].acquire() as conn:
        row = await conn.fetchrow(
            "UPDATE tickets SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL RETURNING *",
            ticket_id,
            request.app[CLOCK](),
        )
        if row is None:
            exists = await conn.fetchval("SELECT 1 FROM tickets WHERE id = $1", ticket_id)
            if exists is None:
                raise NotFound(f"no ticket {ticket_id}")
            raise Conflict(f"ticket {ticket_id} is closed already")
    return json_response({"ticket": dict(row)})


TRANSFERS = (
    "SELECT x.*, u.username AS agent, t.indihome_number FROM transfers x"
    " JOIN users u ON u.id = x.agent_id"
    " JOIN targets t ON t.campaign_id = x.campaign_id AND t.id = x.target_id"
    " WHERE x.campaign_id = $1 ORDER BY x.id"
)
CLOSURES = (
    "SELECT c.*, t.indihome_number FROM closure_requests c"
    " JOIN targets t ON t.campaign_id = c.campaign_id AND t.id = c.target_id"
    " WHERE c.campaign_id = $1 ORDER BY c.id"
)


async def _listing(request: web.Request, sql: str, key: str) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["name"])
        rows = await conn.fetch(sql, campaign.id)
    return json_response({"campaign": campaign.name, key: _rows(rows)})


@routes.get("/api/campaigns/{name}/transfers")
@requires("manager")
@api(
    "A campaign's call transfers, with the agent and the customer's IndiHome number",
    tag="agents",
)
async def list_transfers(request: web.Request) -> web.Response:
    return await _listing(request, TRANSFERS, "transfers")


@routes.get("/api/campaigns/{name}/closure-requests")
@requires("manager")
@api(
    "A campaign's closure requests, with the customer's IndiHome number",
    description="A customer who wants the service closed: whether the arrears are settled"
    " and the modem returned.",
    tag="agents",
)
async def list_closures(request: web.Request) -> web.Response:
    return await _listing(request, CLOSURES, "closure_requests")


def setup(app: web.Application) -> None:
    app.add_routes(routes)
