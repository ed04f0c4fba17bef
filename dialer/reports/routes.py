"""Reports over HTTP, managers only.

``GET /api/campaigns/{c}/reports/vouchers`` (``zone`` WIB|WITA|WIT for the days,
``limit`` and ``offset`` for the page of customers): the voucher redemption report
(``reports/vouchers.py``). ``…/reports/vouchers.csv?table=days|customers|flagged`` and
``…/reports/vouchers.xlsx`` download it (``reports/downloads.py``, ``reports/voucher_book.py``).
``GET /api/campaigns/{c}/reports/outcomes`` and ``…/reports/agents``: the outcome and
agent reports (``reports/calls.py``); ``…/reports/outcomes.csv?table=…`` (by_code,
by_tier, by_zone, by_province, by_local_hour, actions, calls_by_local_hour, attempts_per_target),
``…/reports/agents.csv`` and both as ``.xlsx``. ``GET /api/campaigns/{c}/live``: the campaign's
progress as server-sent events, every second (``reports/live.py``).
``GET /api/campaigns/{c}/crm.csv``: the CRM interaction export (``reports/crm.py``).
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from dialer.auth.http import requires
from dialer.campaigns import service as campaigns
from dialer.errors import BadRequest
from dialer.keys import CLOCK, POOL, SETTINGS
from dialer.reports import calls, crm, downloads, live, voucher_book, vouchers
from dialer.reports.live import LIVE
from dialer.web import Param, api, json_response, query_int, request_language, send_csv

routes = web.RouteTableDef()
ZONE = Param(
    "zone",
    "the zone whose days the report is counted in",
    enum=("WIB", "WITA", "WIT"),
    default="WIB",
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def zone_of(request: web.Request) -> str:
    zone = request.query.get("zone", "WIB").upper()
    if zone not in vouchers.OFFSETS:
        raise BadRequest(f"zone {zone!r} is not one of WIB, WITA, WIT")
    return zone


@routes.get("/api/campaigns/{name}/reports/vouchers")
@requires("manager")
@api(
    "The voucher redemption report",
    description="Per day offered, accepted, issued, WhatsApp sent/delivered/read/failed,"
    " redeemed, expired, lapsed; totals, redemption rate, median time from call to"
    " redemption, quota left; a page of customers with their voucher; flagged redemptions.",
    query=(
        ZONE,
        Param("limit", "customers in the page (at most 10,000)", "integer", default=100),
        Param("offset", "customers skipped before the page", "integer", default=0),
    ),
    tag="reports",
)
async def voucher_report(request: web.Request) -> web.Response:
    page = vouchers.Page(
        limit=query_int(request, "limit", 100, maximum=10_000),
        offset=query_int(request, "offset", 0),
    )
    zone = zone_of(request)
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["name"])
        report = await vouchers.voucher_report(
            conn, campaign, now=request.app[CLOCK](), zone=zone, customers=page
        )
    return json_response(report)


@routes.get("/api/campaigns/{name}/reports/vouchers.csv")
@requires("manager")
@api(
    "One table of the voucher redemption report, as CSV",
    query=(
        Param("table", "which table", enum=tuple(downloads.TABLES), default="days"),
        ZONE,
    ),
    produces="text/csv",
    tag="reports",
)
async def voucher_report_csv(request: web.Request) -> web.StreamResponse:
    table = request.query.get("table", "days")
    if table not in downloads.TABLES:
        raise BadRequest(f"table {table!r} is not one of {', '.join(downloads.TABLES)}")
    zone = zone_of(request)
    name = request.match_info["name"]
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, name)
        chunks = downloads.voucher_report_csv(
            conn, campaign, table, now=request.app[CLOCK](), zone=zone
        )
        return await send_csv(request, f"{name}-vouchers-{table}.csv", chunks)


@routes.get("/api/campaigns/{name}/reports/vouchers.xlsx")
@requires("manager")
@api(
    "The voucher redemption report as an XLSX workbook (a sheet a table), headings in"
    " the caller's language (lang=id|en), times in the zone asked",
    query=(ZONE, Param("lang", "the headings' language", enum=("id", "en"))),
    produces=XLSX,
    tag="reports",
)
async def voucher_report_xlsx(request: web.Request) -> web.Response:
    zone = zone_of(request)
    name = request.match_info["name"]
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, name)
        body = await voucher_book.voucher_report_xlsx(
            conn, campaign, now=request.app[CLOCK](), zone=zone, language=request_language(request)
        )
    return web.Response(
        body=body,
        content_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}-vouchers.xlsx"'},
    )


BUILDERS = {"outcomes": calls.outcome_report, "agents": calls.agent_report}


@routes.get("/api/campaigns/{name}/reports/{report:outcomes|agents}")
@requires("manager")
@api(
    "The outcome report or the agent report",
    description="outcomes: by code, tier, zone, province and the customer's local hour;"
    " calls by local hour and result; attempts per target; contact and abandon rates."
    " agents: calls, talk time, after-call work, outcomes by code, vouchers issued, time"
    " paused by reason (pause_reasons: each reason's words in the request's language).",
    tag="reports",
)
async def call_report(request: web.Request) -> web.Response:
    """The outcome report or the agent report."""
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["name"])
        which = request.match_info["report"]
        report = await BUILDERS[which](conn, campaign, now=request.app[CLOCK]())
    if which == "agents":
        report["pause_reasons"] = _pause_words(request)
    return json_response(report)


def _pause_words(request: web.Request) -> dict[str, str]:
    """Each break reason's words (DIALER_AGENTS__PAUSE_REASONS) in the reader's language."""
    return request.app[SETTINGS].agents.pause_words(request_language(request))


@routes.get("/api/campaigns/{name}/reports/{report:outcomes|agents}.{kind:csv|xlsx}")
@requires("manager")
@api(
    "The outcome or agent report as CSV (one table) or XLSX (a sheet a table)",
    query=(
        Param(
            "table",
            "CSV only: by_code (the default), summary, by_tier, by_zone, by_province,"
            " by_local_hour, actions, calls_by_local_hour, attempts_per_target (outcomes)"
            " or agents",
        ),
        Param("lang", "XLSX only: the headings' language", enum=("id", "en")),
    ),
    produces="text/csv",
    tag="reports",
)
async def report_file(request: web.Request) -> web.Response:
    """The outcome or agent report as CSV (one table: ``table``) or XLSX (a sheet each)."""
    name, which, kind = (request.match_info[k] for k in ("name", "report", "kind"))
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, name)
        report = await BUILDERS[which](conn, campaign, now=request.app[CLOCK]())
    if which == "agents":
        report["pause_reasons"] = _pause_words(request)
    tables = (downloads.outcome_tables if which == "outcomes" else downloads.agent_tables)(report)
    if kind == "xlsx":
        return web.Response(
            body=await asyncio.to_thread(downloads.tables_xlsx, tables, request_language(request)),
            content_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}-{which}.xlsx"'},
        )
    table = request.query.get("table", downloads.FIRST_TABLE[which])
    if table not in tables:
        raise BadRequest(f"table {table!r} is not one of {', '.join(tables)}")
    return web.Response(
        text=downloads.tables_csv(tables[table]),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}-{which}-{table}.csv"'},
    )


@routes.get("/api/campaigns/{name}/crm.csv")
@requires("manager")
@api(
    "The CRM interaction export: one row per call that reached an agent",
    produces="text/csv",
    tag="reports",
)
async def crm_csv(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, name)
        return await send_csv(request, f"{name}-crm.csv", crm.export_crm(conn, campaign.id))


@routes.get("/api/campaigns/{name}/live")
@requires("manager")
@api(
    "The campaign's live progress as server-sent events (event 'progress', every second)",
    produces="text/event-stream",
    tag="reports",
)
async def live_progress(request: web.Request) -> web.StreamResponse:
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["name"])
    return await live.stream(request, request.app[LIVE], campaign.id)
