"""The penalty quote over HTTP: the seed's schedule, or a campaign's.

``GET /api/penalty?product=internet&total=350000&bill_month=2022-09&paid_on=2022-09-21``
and ``GET /api/campaigns/{name}/penalty?...`` (the campaign's own schedule and, unless
given, its product). Without ``paid_on`` the quote is for today in the customer's zone
(``zone``: WIB, WITA or WIT; WIB unless given). The answer carries the quote and the
whole schedule for that bill by date; where the schedule defines nothing, a 422 says so.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from dialer.campaigns import service as campaigns
from dialer.campaigns.schemas import Penalty
from dialer.errors import BadRequest
from dialer.keys import CLOCK, POOL
from dialer.rules.money import AmountError, parse_rupiah
from dialer.rules.penalty import SEED_PENALTY, lines, parse_bill_month, quote
from dialer.rules.window import ZONE_NAMES, zone_info
from dialer.web import json_response, requires

routes = web.RouteTableDef()


def _param(request: web.Request, name: str, default: str | None = None) -> str:
    value = request.query.get(name, default)
    if value is None or not value.strip():
        raise BadRequest(f"query parameter {name!r} is required")
    return value


def _answer(request: web.Request, schedule: Penalty, product: str) -> dict[str, Any]:
    raw_total = _param(request, "total")
    try:
        total = parse_rupiah(raw_total)
    except AmountError as exc:
        raise BadRequest(f"total {raw_total!r} {exc}") from exc
    bill_month = parse_bill_month(_param(request, "bill_month"))
    zone = request.query.get("zone", "WIB").upper()
    if zone not in ZONE_NAMES:
        raise BadRequest(f"zone {zone!r} is not one of {', '.join(ZONE_NAMES)}")
    if "paid_on" in request.query:
        try:
            paid_on = date.fromisoformat(request.query["paid_on"])
        except ValueError as exc:
            raise BadRequest(
                f"paid_on {request.query['paid_on']!r} is not a date like 2022-09-21"
            ) from exc
    else:
        paid_on = request.app[CLOCK]().astimezone(zone_info(zone)).date()
    schedule_lines = lines(schedule, product, total, bill_month)
    return quote(schedule, product, total, bill_month, paid_on).to_json() | {
        "schedule": [line.to_json(total) for line in schedule_lines]
    }


@routes.get("/api/penalty")
@requires("manager", "agent")
async def seed_penalty(request: web.Request) -> web.Response:
    return json_response(_answer(request, SEED_PENALTY, _param(request, "product")))


@routes.get("/api/campaigns/{name}/penalty")
@requires("manager", "agent")
async def campaign_penalty(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["name"])
    definition = campaign.spec()
    product = request.query.get("product", definition.product)
    return json_response(_answer(request, definition.penalty, product))


def setup(app: web.Application) -> None:
    app.add_routes(routes)
