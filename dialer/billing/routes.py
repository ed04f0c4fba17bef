"""The penalty quote over HTTP: the seed's schedule, or a campaign's.

``GET /api/penalty?product=internet&total=350000&bill_month=2022-09&paid_on=2022-09-21``
and ``GET /api/campaigns/{name}/penalty?...`` (the campaign's own schedule and, unless
given, its product). Without ``paid_on`` the quote is for today in the customer's zone
(``zone``: WIB, WITA or WIT; WIB unless given). The answer carries the quote and the
whole schedule for that bill by date; where the schedule defines nothing, a 422 says so.

Payments billing reports: ``POST /api/payments`` (JSON) and ``POST /api/payments/import``
(a CSV file), managers only; see ``payments.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from dialer.auth.http import current_user, requires
from dialer.billing import payments
from dialer.campaigns import service as campaigns
from dialer.errors import BadRequest
from dialer.keys import CLOCK, POOL, SETTINGS
from dialer.rules.money import AmountError, parse_rupiah
from dialer.rules.penalty import SEED_PENALTY, Penalty, lines, parse_bill_month, quote
from dialer.rules.vocabulary import PRODUCTS
from dialer.rules.zones import ZONE_NAMES, zone_info
from dialer.uploads import receive_upload, run_import
from dialer.web import Param, api, json_body, json_response

routes = web.RouteTableDef()
QUOTE = (
    Param("total", "the bill's total in rupiah: 350000, 350.000 or Rp 350.000", required=True),
    Param("bill_month", "the bill's month, like 2022-09", required=True),
    Param("paid_on", "the day of payment, local; today in the zone unless given", format="date"),
    Param("zone", "the customer's zone, for today", enum=ZONE_NAMES, default="WIB"),
)
QUOTE_DESCRIPTION = (
    "The quote (penalty, the rule that gives it, minipack, payable from, due) and the whole"
    " schedule for that bill by date. 422 when the schedule defines nothing for that day."
)


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
    language = request.app[SETTINGS].ui.language  # the rule texts: Indonesian unless en
    schedule_lines = lines(schedule, product, total, bill_month)
    return quote(schedule, product, total, bill_month, paid_on, language).to_json() | {
        "schedule": [line.to_json(total, language) for line in schedule_lines]
    }


@routes.get("/api/penalty")
@requires("manager", "agent")
@api(
    "The late-payment penalty for a bill, on the seed's schedule",
    description=QUOTE_DESCRIPTION,
    query=(Param("product", "the bill's product", enum=PRODUCTS, required=True), *QUOTE),
    tag="billing",
)
async def seed_penalty(request: web.Request) -> web.Response:
    return json_response(_answer(request, SEED_PENALTY, _param(request, "product")))


@routes.get("/api/campaigns/{name}/penalty")
@requires("manager", "agent")
@api(
    "The late-payment penalty for a bill, on the campaign's schedule",
    description=QUOTE_DESCRIPTION,
    query=(
        Param("product", "the bill's product; the campaign's unless given", enum=PRODUCTS),
        *QUOTE,
    ),
    tag="billing",
)
async def campaign_penalty(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["name"])
    definition = campaign.spec()
    product = request.query.get("product", definition.product)
    return json_response(_answer(request, definition.penalty, product))


@routes.post("/api/payments")
@requires("manager")
@api(
    "Record payments: all of them, or none",
    description='The body: {"payments": [{reference, indihome_number, bill_month'
    " (2022-09), amount (350000, 350.000 or Rp 350.000), channel, paid_at (ISO 8601 with"
    " its offset)}, …]}. One bad item refuses them all (422, every problem by item and"
    " field); a reference already stored is skipped. Every target for a bill paid, in"
    " every campaign not finished and not on a call, ends as already_paid"
    " (targets_finished).",
    status=201,
    tag="billing",
)
async def add_payments(request: web.Request) -> web.Response:
    """``{"payments": [{reference, indihome_number, bill_month, amount, channel,
    paid_at}, ...]}``: all recorded, or none with every problem by item and field."""
    body = await json_body(request)
    items = body.get("payments") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise BadRequest('the body must be {"payments": [{...}, ...]}')
    rows = payments.parse_rows(enumerate(items), "item")
    async with request.app[POOL].acquire() as conn:
        summary = await payments.record(
            conn, rows, source="api", actor=current_user(request).username, now=request.app[CLOCK]()
        )
    return json_response(summary, status=201)


@routes.post("/api/payments/import")
@requires("manager")
@api(
    "Record a CSV file of payments, whole or not at all",
    description="One bad line refuses the file (422, every problem by line and field); a"
    " reference already stored is skipped; targets of the bills paid end as already_paid"
    " (targets_finished). 413 when the file is over the upload limit or the import over"
    " DIALER_IMPORTS__MAX_SECONDS.",
    upload="the payments: CSV (comma or semicolon) with the columns reference,"
    " indihome_number, bill_month, amount, channel and paid_at",
    status=201,
    tag="billing",
)
async def import_payments(request: web.Request) -> web.Response:
    """A CSV file of payments (see ``payments.py``), recorded whole or refused whole."""
    async with (
        receive_upload(request, max_bytes=request.app[SETTINGS].server.max_upload_bytes) as upload,
        request.app[POOL].acquire() as conn,
    ):
        work = payments.import_file(
            conn,
            upload.path,
            source=f"file:{upload.filename}",
            actor=current_user(request).username,
            now=request.app[CLOCK](),
        )
        summary = await run_import(
            request, work, max_seconds=request.app[SETTINGS].imports.max_seconds
        )
    return json_response(summary, status=201)
