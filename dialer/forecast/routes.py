"""``GET /api/campaigns/{c}/forecast?agents=N``, managers only: when the list will be
exhausted and the voucher quota used up, the chance of finishing by the campaign's end,
the agents needed — each with its range — and the inputs used (``forecast/service.py``).
``agents`` is a whole number from 0 to ``MAX_AGENTS``; anything else is a 400 naming it."""

from __future__ import annotations

from aiohttp import web

from dialer.auth.http import requires
from dialer.campaigns import service as campaigns
from dialer.errors import BadRequest
from dialer.forecast import service
from dialer.forecast.runner import MAX_AGENTS
from dialer.keys import CLOCK, POOL
from dialer.web import Param, api, json_response

routes = web.RouteTableDef()


def agents_asked(request: web.Request) -> int | None:
    """``?agents=N``: a whole number from 0 to ``MAX_AGENTS``, or None when not
    given (the agents logged in); a 400 naming the parameter otherwise."""
    raw = request.query.get("agents")
    if raw is None:
        return None
    digits = raw.isascii() and raw.isdigit() and len(raw) <= 9
    if not digits or int(raw) > MAX_AGENTS:
        raise BadRequest(
            f"query parameter 'agents' must be a whole number from 0 to {MAX_AGENTS}, not {raw!r}"
        )
    return int(raw)


@routes.get("/api/campaigns/{name}/forecast")
@requires("manager")
@api(
    "The campaign forecast",
    description="When the list will be exhausted, when the voucher quota will be used up,"
    " the probability of finishing by the campaign's end and the agents needed to, each"
    " with a range (a Monte Carlo of the targets left under the retry policy, calling"
    " windows and holidays, from the campaign's own contact odds and pace), and the"
    " inputs used.",
    query=(
        Param(
            "agents",
            "agents to forecast with (0 to 10,000); default: those logged in to the campaign",
            "integer",
        ),
    ),
    tag="reports",
)
async def campaign_forecast(request: web.Request) -> web.Response:
    agents = agents_asked(request)
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["name"])
    # The model runs off the event loop, without a connection held, once for the
    # requests that ask the same at the same time.
    figures = await service.shared_forecast(
        request.app[POOL], campaign, now=request.app[CLOCK](), agents=agents
    )
    return json_response(figures)
