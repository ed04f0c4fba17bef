"""DNC endpoints: list, add, remove, import a file."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from dialer.auth.http import current_user, requires
from dialer.dnc import service
from dialer.keys import POOL, SETTINGS
from dialer.rules.phones import mobile_number
from dialer.uploads import receive_upload, run_import
from dialer.web import Param, api, in_language, json_response, query_int, read_json

routes = web.RouteTableDef()


class DncEntry(BaseModel):
    msisdn: str = Field(min_length=1, max_length=40)
    reason: str = Field(default="", max_length=500)


@routes.get("/api/dnc")
@requires("manager")
@api(
    "A page of the do-not-call list, in number order, and how many numbers it holds",
    description="next_after is the after of the next page; null on the last page.",
    query=(
        Param("after", "the number to start after (the previous page's next_after)"),
        Param("limit", "entries in the page (at most 1,000)", "integer", default=100, minimum=1),
    ),
    tag="dnc",
)
async def list_dnc(request: web.Request) -> web.Response:
    after = request.query.get("after", "")
    limit = query_int(request, "limit", 100, minimum=1, maximum=1000)
    async with request.app[POOL].acquire() as conn:
        page = await service.page(conn, after=after, limit=limit)
    return json_response(page)


@routes.post("/api/dnc")
@requires("manager")
@api(
    "Put a number on the do-not-call list",
    description="201 when added; 200 with the entry as it was when it was listed already"
    " (new says which). 422 when it is not a valid Indonesian mobile number.",
    body=DncEntry,
    status=201,
    tag="dnc",
)
async def add_dnc(request: web.Request) -> web.Response:
    entry = await read_json(request, DncEntry)
    async with request.app[POOL].acquire() as conn:
        number, new = await service.add(
            conn,
            entry.msisdn,
            reason=entry.reason,
            source="api",
            actor=current_user(request).username,
        )
        listed = await service.entry(conn, number)
    assert listed is not None
    return json_response(listed | {"new": new}, status=201 if new else 200)


@routes.get("/api/dnc/{msisdn}")
@requires("manager")
@api(
    "Whether a number is on the do-not-call list, and its entry",
    description="422 when it is not a valid Indonesian mobile number.",
    tag="dnc",
)
async def get_dnc(request: web.Request) -> web.Response:
    number = mobile_number(request.match_info["msisdn"])
    async with request.app[POOL].acquire() as conn:
        listed = await service.entry(conn, number)
    return json_response({"msisdn": number, "listed": listed is not None, "entry": listed})


@routes.delete("/api/dnc/{msisdn}")
@requires("manager")
@api(
    "Take a number off the do-not-call list",
    description="404 when it is not on the list.",
    tag="dnc",
)
async def remove_dnc(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        number = await service.remove(conn, request.match_info["msisdn"])
    return json_response({"msisdn": number, "removed": True})


@routes.post("/api/dnc/import")
@requires("manager")
@api(
    "Add a file of numbers to the do-not-call list",
    description="The valid numbers are added in one transaction; bad lines are reported by"
    " line. 422 when no line holds a valid number; 413 when the file is over the upload"
    " limit or the import over DIALER_IMPORTS__MAX_SECONDS.",
    upload="the numbers: CSV (comma or semicolon) with an msisdn column (or no_hp,"
    " nomor_hp, …) and an optional reason column, or one number a line",
    status=201,
    tag="dnc",
)
async def import_dnc(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    async with (
        receive_upload(request, max_bytes=settings.server.max_upload_bytes) as upload,
        request.app[POOL].acquire() as conn,
    ):
        work = service.import_file(
            conn,
            upload.path,
            source=f"file:{upload.filename}",
            actor=current_user(request).username,
        )
        summary = await run_import(request, work, max_seconds=settings.imports.max_seconds)
    return json_response(in_language(request, summary), status=201)
