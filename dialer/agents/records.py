"""What calls set in motion, for managers: tickets (with their deadlines, flagged when
overdue), follow-ups (seed 004), transfers, information given without a transfer and
closure requests of a campaign.

``GET /api/campaigns/{name}/tickets?state=open|overdue|closed|all``,
``POST /api/tickets/{id}/close``,
``GET /api/campaigns/{name}/follow-ups?state=open|overdue|closed|all``,
``POST /api/follow-ups/{id}/close``, ``GET /api/campaigns/{name}/transfers``,
``GET /api/campaigns/{name}/informed``,
``GET /api/campaigns/{name}/closure-requests``. Managers only: an agent gets 403.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from dialer.agents import actions, tickets, transfer_guides, transfers
from dialer.auth.http import current_user, requires
from dialer.campaigns import service as campaigns
from dialer.errors import BadRequest
from dialer.keys import CLOCK, POOL
from dialer.web import Param, api, json_response, path_id, query_int, read_json

routes = web.RouteTableDef()


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
            enum=tickets.STATES,
            default="open",
        ),
        Param("limit", "tickets at most (at most 5,000)", "integer", default=500),
    ),
    tag="agents",
)
async def list_tickets(request: web.Request) -> web.Response:
    return await _by_state(request, tickets.of_campaign)


async def _by_state(request: web.Request, lister: Any) -> web.Response:
    """A campaign's records with deadlines (tickets, follow-ups) in the state asked."""
    state = request.query.get("state", "open")
    if state not in tickets.STATES:
        raise BadRequest(f"state {state!r} is not one of {', '.join(tickets.STATES)}")
    limit = query_int(request, "limit", 500, maximum=5000)
    now = request.app[CLOCK]()
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["name"])
        found = await lister(conn, campaign.id, state=state, limit=limit, now=now)
    return json_response({"campaign": campaign.name, "now": now} | found)


class CloseNote(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    note: str | None = Field(None, max_length=2000)


@routes.post("/api/tickets/{id}/close")
@requires("manager")
@api(
    "Close an open ticket, optionally with a note of what was done",
    description='The body ({"note": …}) may be left out. 404 when there is no such'
    " ticket; 409 when it is closed already.",
    body=CloseNote,
    tag="agents",
)
async def close_ticket(request: web.Request) -> web.Response:
    ticket_id = path_id(request, what="ticket")
    form = await read_json(request, CloseNote) if request.can_read_body else CloseNote(note=None)
    async with request.app[POOL].acquire() as conn:
        closed = await tickets.close(
            conn,
            ticket_id,
            user_id=current_user(request).id,
            note=form.note or None,
            now=request.app[CLOCK](),
        )
    return json_response({"ticket": closed})


class Resolution(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    resolution: str = Field(min_length=3, max_length=2000)


@routes.get("/api/campaigns/{name}/follow-ups")
@requires("manager")
@api(
    "A campaign's follow-ups (seed 004), overdue ones flagged",
    description="A customer who says the service is cancelled but still owes or still has"
    " the modem: followed up by a deadline (the campaign's follow_up_hours). Ordered by"
    " deadline; overdue counts every open one past its deadline, whatever the filter.",
    query=(
        Param(
            "state",
            "which follow-ups: open, overdue (open past their deadline), closed or all",
            enum=tickets.STATES,
            default="open",
        ),
        Param("limit", "follow-ups at most (at most 5,000)", "integer", default=500),
    ),
    tag="agents",
)
async def list_follow_ups(request: web.Request) -> web.Response:
    return await _by_state(request, actions.follow_ups)


@routes.post("/api/follow-ups/{id}/close")
@requires("manager")
@api(
    "Close an open follow-up with what was done",
    description="404 when there is no such follow-up; 409 when it is closed already.",
    body=Resolution,
    tag="agents",
)
async def close_follow_up(request: web.Request) -> web.Response:
    follow_up_id = path_id(request, what="follow-up")
    form = await read_json(request, Resolution)
    async with request.app[POOL].acquire() as conn:
        closed = await actions.close_follow_up(
            conn,
            follow_up_id,
            user_id=current_user(request).id,
            resolution=form.resolution,
            now=request.app[CLOCK](),
        )
    return json_response({"follow_up": closed})


async def _listing(request: web.Request, key: str) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["name"])
        rows = await LISTINGS[key](conn, campaign.id)
    return json_response({"campaign": campaign.name, key: rows})


LISTINGS = {
    "transfers": transfers.of_campaign,
    "informed": transfer_guides.of_campaign,
    "closure_requests": tickets.closure_requests,
}


@routes.get("/api/campaigns/{name}/transfers")
@requires("manager")
@api(
    "A campaign's call transfers, with the agent and the customer's IndiHome number",
    description="Each with its category (of the campaign's transfer guide), the"
    " customer's consent and the guide's log text.",
    tag="agents",
)
async def list_transfers(request: web.Request) -> web.Response:
    return await _listing(request, "transfers")


@routes.get("/api/campaigns/{name}/informed")
@requires("manager")
@api(
    "A campaign's information given without a transfer (the transfer guide's educate"
    " categories), with the category, the log text, the agent and the IndiHome number",
    tag="agents",
)
async def list_informed(request: web.Request) -> web.Response:
    return await _listing(request, "informed")


@routes.get("/api/campaigns/{name}/closure-requests")
@requires("manager")
@api(
    "A campaign's closure requests, with the customer's IndiHome number",
    description="A customer who wants the service closed: whether the arrears are settled"
    " and the modem returned.",
    tag="agents",
)
async def list_closures(request: web.Request) -> web.Response:
    return await _listing(request, "closure_requests")
