"""Manager endpoints of the dialer: progress, "why not dialled", the attempts export."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from dialer.auth.http import requires
from dialer.calls.export import export_attempts
from dialer.calls.progress import campaign_progress
from dialer.calls.why import why_not_summary, why_target
from dialer.campaigns import service as campaigns
from dialer.keys import CLOCK, POOL, SETTINGS
from dialer.web import api, json_response, request_language, send_csv

routes = web.RouteTableDef()


@routes.get("/api/campaigns/{name}/progress")
@requires("manager")
@api(
    "The campaign's dialling progress: targets by state, call results, live calls, quota",
    tag="calls",
)
async def progress(request: web.Request) -> web.Response:
    app = request.app
    async with app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["name"])
        body = await campaign_progress(
            conn,
            campaign,
            now=app[CLOCK](),
            abandon_window=timedelta(minutes=app[SETTINGS].pacing.abandon_window_minutes),
        )
    return json_response(body)


@routes.get("/api/campaigns/{name}/why-not")
@requires("manager")
@api("Why the campaign's targets are not being dialled now, counted by reason", tag="calls")
async def why_not(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["name"])
        body = await why_not_summary(
            conn, campaign, now=request.app[CLOCK](), language=request_language(request)
        )
    return json_response(body)


@routes.get("/api/campaigns/{name}/targets/{indihome}/why")
@requires("manager")
@api(
    "Whether one target may be dialled now, and otherwise every reason why not",
    description="The target by its IndiHome number or its mobile number; 404 when the"
    " campaign has none.",
    tag="calls",
)
async def why(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["name"])
        body = await why_target(
            conn,
            campaign,
            request.match_info["indihome"],
            now=request.app[CLOCK](),
            language=request_language(request),
        )
    return json_response(body)


@routes.get("/api/campaigns/{name}/attempts.csv")
@requires("manager")
@api(
    "Every call attempt of the campaign, as CSV",
    description="Columns: attempt_id, indihome_number, msisdn, province, zone,"
    " dialled_at_utc, dialled_at_local, result, outcome.",
    produces="text/csv",
    tag="calls",
)
async def attempts_csv(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, name)
        return await send_csv(request, f"{name}-attempts.csv", export_attempts(conn, campaign.id))
