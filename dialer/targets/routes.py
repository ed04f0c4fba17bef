"""Target list endpoints: upload (multipart, streamed), imports, rejected rows, targets."""

from __future__ import annotations

import csv
import io

from aiohttp import web

from dialer.auth.http import current_user, requires
from dialer.campaigns import service as campaigns
from dialer.keys import POOL, SETTINGS
from dialer.rules.vocabulary import CUSTOMER_COLUMNS, EXAMPLE_ROW, column_header
from dialer.targets import imports
from dialer.targets.service import import_targets
from dialer.uploads import receive_upload, run_import
from dialer.web import (
    Param,
    api,
    in_language,
    json_response,
    path_id,
    query_int,
    request_language,
    send_csv,
)

routes = web.RouteTableDef()


@routes.post("/api/campaigns/{ref}/targets")
@requires("manager")
@api(
    "Upload a target list; answers with the import summary",
    description="Optional form field mapping: a JSON object from the file's headers to the"
    ' target fields ({"Header": "field"}). Rows are rejected, out of tier, on the DNC list,'
    " duplicates or accepted; rejected_csv links to the rejected rows. 413 when the file"
    " is over the upload limit, an XLSX file over DIALER_IMPORTS__XLSX_* (unpacked size,"
    " distinct texts, rows, columns), or the import over DIALER_IMPORTS__MAX_SECONDS;"
    " nothing is imported then.",
    upload="the target list: CSV or XLSX, one customer a row",
    status=201,
    tag="targets",
)
async def upload_targets(request: web.Request) -> web.Response:
    """Upload a CSV or XLSX list; answers with the import summary."""
    settings = request.app[SETTINGS]
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["ref"])
        async with receive_upload(request, max_bytes=settings.server.max_upload_bytes) as upload:
            work = import_targets(
                conn,
                campaign_id=campaign.id,
                tiers=campaign.tiers,
                path=upload.path,
                filename=upload.filename,
                actor=current_user(request).username,
                mapping=upload.json_field("mapping"),
                chunk_rows=settings.server.import_chunk_rows,
                limits=settings.imports,
            )
            summary = await run_import(request, work, max_seconds=settings.imports.max_seconds)
    body = summary.to_json() | {
        "rejected_csv": f"/api/imports/{summary.import_id}/rejected.csv",
    }
    return json_response(in_language(request, body), status=201)


@routes.get("/api/targets/template.csv")
@requires("manager")
@api(
    "A target list template: the columns' headers, in the caller's language, and one example row",
    description="Every header is one the upload accepts; the example row imports as is.",
    query=(Param("lang", "the headers' language (default: the service's)", enum=("id", "en")),),
    produces="text/csv",
    tag="targets",
)
async def template_csv(request: web.Request) -> web.Response:
    language = request_language(request)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([column_header(column, language) for column in CUSTOMER_COLUMNS])
    writer.writerow(EXAMPLE_ROW)
    name = "template-target-list.csv" if language == "en" else "templat-daftar-target.csv"
    return web.Response(
        text=text.getvalue(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@routes.get("/api/campaigns/{ref}/imports")
@requires("manager")
@api("The campaign's target list imports", tag="targets")
async def list_imports(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["ref"])
        found = await imports.of_campaign(conn, campaign.id)
    return json_response({"imports": found})


@routes.get("/api/imports/{id:\\d+}")
@requires("manager")
@api(
    "One import: its summary and its first 1,000 rejected lines with their reasons",
    tag="targets",
)
async def get_import(request: web.Request) -> web.Response:
    import_id = path_id(request, what="import")
    async with request.app[POOL].acquire() as conn:
        found = await imports.summary(conn, import_id)
    return json_response(in_language(request, found))


@routes.get("/api/imports/{id:\\d+}/rejected.csv")
@requires("manager")
@api(
    "Every rejected row of an import as it came, with its line and reasons, as CSV",
    produces="text/csv",
    tag="targets",
)
async def rejected_csv(request: web.Request) -> web.StreamResponse:
    """Every rejected row as it came, with its line and reasons, streamed."""
    import_id = path_id(request, what="import")
    async with request.app[POOL].acquire() as conn:
        found = await imports.get(conn, import_id)
        chunks = imports.rejected_csv(
            conn,
            found["header"],
            import_id,
            language=request_language(request),
            mapping=found["mapping"],
        )
        return await send_csv(request, f"rejected-{import_id}.csv", chunks)


@routes.get("/api/campaigns/{ref}/targets")
@requires("manager")
@api(
    "A page of the campaign's targets, in id order",
    description="next_after is the after of the next page; null on the last page.",
    query=(
        Param(
            "after", "the id to start after (the previous page's next_after)", "integer", default=0
        ),
        Param("limit", "targets in the page (at most 1,000)", "integer", default=100, minimum=1),
    ),
    tag="targets",
)
async def list_targets(request: web.Request) -> web.Response:
    after = query_int(request, "after", 0)
    limit = query_int(request, "limit", 100, minimum=1, maximum=imports.PAGE)
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["ref"])
        page = await imports.targets_page(conn, campaign.id, after=after, limit=limit)
    return json_response(page)
