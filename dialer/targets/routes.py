"""Target list endpoints: upload (multipart, streamed), imports, rejected rows, targets."""

from __future__ import annotations

import csv
import io

from aiohttp import web
from asyncpg import Record

from dialer.campaigns import service as campaigns
from dialer.db import Connection, q
from dialer.errors import NotFound
from dialer.keys import POOL, SETTINGS
from dialer.targets.service import import_targets
from dialer.uploads import receive_upload
from dialer.web import Param, api, current_user, json_response, path_id, query_int, requires

routes = web.RouteTableDef()
PAGE = 1000


@routes.post("/api/campaigns/{ref}/targets")
@requires("manager")
@api(
    "Upload a target list; answers with the import summary",
    description="Optional form field mapping: a JSON object from the file's headers to the"
    ' target fields ({"Header": "field"}). Rows are rejected, out of tier, on the DNC list,'
    " duplicates or accepted; rejected_csv links to the rejected rows. 413 when the file"
    " is over the upload limit.",
    upload="the target list: CSV or XLSX, one customer a row",
    status=201,
    tag="targets",
)
async def upload_targets(request: web.Request) -> web.Response:
    """Upload a CSV or XLSX list; answers with the import summary."""
    settings = request.app[SETTINGS]
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["ref"])
        async with receive_upload(request, max_bytes=settings.max_upload_bytes) as upload:
            summary = await import_targets(
                conn,
                campaign_id=campaign.id,
                tiers=campaign.tiers,
                path=upload.path,
                filename=upload.filename,
                actor=current_user(request).username,
                mapping=upload.json_field("mapping"),
                chunk_rows=settings.import_chunk_rows,
            )
    body = summary.to_json() | {
        "rejected_csv": f"/api/imports/{summary.import_id}/rejected.csv",
    }
    return json_response(body, status=201)


@routes.get("/api/campaigns/{ref}/imports")
@requires("manager")
@api("The campaign's target list imports", tag="targets")
async def list_imports(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["ref"])
        records = await conn.fetch(q("list_imports"), campaign.id)
    return json_response({"imports": [dict(r) for r in records]})


async def _import_or_404(conn: Connection, import_id: int) -> Record:
    record = await conn.fetchrow(q("get_import"), import_id)
    if record is None:
        raise NotFound(f"no import {import_id}")
    return record


@routes.get("/api/imports/{id:\\d+}")
@requires("manager")
@api(
    "One import: its summary and its first 1,000 rejected lines with their reasons",
    tag="targets",
)
async def get_import(request: web.Request) -> web.Response:
    import_id = path_id(request, what="import")
    async with request.app[POOL].acquire() as conn:
        record = await _import_or_404(conn, import_id)
        rejected = await conn.fetch(q("import_rejections"), import_id, 0, PAGE)
    return json_response(
        dict(record)
        | {
            "rejected": [
                {"line": r["line"], **reason} for r in rejected for reason in r["reasons"]
            ],
            "rejected_csv": f"/api/imports/{import_id}/rejected.csv",
        }
    )


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
        record = await _import_or_404(conn, import_id)
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="rejected-{import_id}.csv"',
            }
        )
        await response.prepare(request)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["line", "errors", *record["header"]])
        after = 0
        while rows := await conn.fetch(q("import_rejections"), import_id, after, PAGE):
            for row in rows:
                errors = "; ".join(f"{r['field']}: {r['reason']}" for r in row["reasons"])
                writer.writerow([row["line"], errors, *row["raw"]])
            after = rows[-1]["line"]
            await response.write(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
        await response.write(buffer.getvalue().encode())
    await response.write_eof()
    return response


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
    limit = query_int(request, "limit", 100, minimum=1, maximum=PAGE)
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["ref"])
        records = await conn.fetch(q("list_targets"), campaign.id, after, limit)
    items = [dict(r) for r in records]
    return json_response(
        {"targets": items, "next_after": items[-1]["id"] if len(items) == limit else None}
    )


def setup(app: web.Application) -> None:
    app.add_routes(routes)
