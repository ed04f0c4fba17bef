"""The agents a campaign's manager assigns to it (``assignments.py``): only they may
join it from the console."""

from __future__ import annotations

from aiohttp import web

from dialer.agents import assignments
from dialer.auth.http import current_user, requires
from dialer.keys import CLOCK, POOL
from dialer.web import api, json_response

routes = web.RouteTableDef()


@routes.get("/api/campaigns/{name}/agents")
@requires("manager")
@api("The agents assigned to the campaign, with their state in it now", tag="agents")
async def assigned_agents(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        found = await assignments.assigned(conn, request.match_info["name"])
    return json_response({"agents": found})


@routes.put("/api/campaigns/{name}/agents/{username}")
@requires("manager")
@api(
    "Assign an agent to the campaign: they may join it while it runs",
    description="Idempotent: assigned says whether they were newly assigned. 404 for no such"
    " campaign or user; 400 for a finished campaign; 422 for a user who is not an agent.",
    tag="agents",
)
async def assign_agent(request: web.Request) -> web.Response:
    name, username = request.match_info["name"], request.match_info["username"]
    async with request.app[POOL].acquire() as conn:
        new = await assignments.assign(conn, name, username, actor=current_user(request).username)
    return json_response({"campaign": name, "agent": username, "assigned": new})


@routes.delete("/api/campaigns/{name}/agents/{username}")
@requires("manager")
@api(
    "Unassign an agent from the campaign: they may no longer join it",
    description="An agent working the campaign without a call goes offline at once; one on"
    " a call finishes it. unassigned says whether they were assigned.",
    tag="agents",
)
async def unassign_agent(request: web.Request) -> web.Response:
    name, username = request.match_info["name"], request.match_info["username"]
    async with request.app[POOL].acquire() as conn:
        removed = await assignments.unassign(conn, name, username, now=request.app[CLOCK]())
    return json_response({"campaign": name, "agent": username, "unassigned": removed})
