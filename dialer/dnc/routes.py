"""DNC endpoints: list, add, remove, import a file."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, Field

from dialer.auth.http import current_user, requires
from dialer.dnc import service
from dialer.i18n import translate
from dialer.keys import POOL, SETTINGS
from dialer.rules.phones import mobile_number
from dialer.uploads import receive_upload, run_import
from dialer.web import (
    Param,
    api,
    in_language,
    json_response,
    query_int,
    read_json,
    request_language,
)

routes = web.RouteTableDef()


class DncEntry(BaseModel):
    msisdn: str = Field(min_length=1, max_length=40)
    reason: str = Field(default="", max_length=500)


class DncRemoval(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


@routes.get("/api/dnc")
@requires("manager")
@api(
    "A page of the do-not-call list, newest first, searchable; how many numbers it holds"
    " and how many match",
    description="next_before is the before of the next page; null on the last page."
    " added_by_name is the name of the user who listed the number. 400 for a before that"
    " no page gave, a q over 100 characters or a limit that is not a positive integer.",
    query=(
        Param("q", "a number or part of one (0812…, +62812…), or words of the reason"),
        Param("before", "where the page starts (the previous page's next_before)"),
        Param("limit", "entries in the page (at most 200)", "integer", default=50, minimum=1),
    ),
    tag="dnc",
)
async def list_dnc(request: web.Request) -> web.Response:
    before = request.query.get("before")
    cursor = service.Cursor.parse(before) if before else None
    limit = query_int(request, "limit", 50, minimum=1, maximum=service.PAGE_MAX)
    query = request.query.get("q", "")
    async with request.app[POOL].acquire() as conn:
        page = await service.page(conn, query=query, before=cursor, limit=limit)
    language = request_language(request)
    for entry in page["entries"]:
        # An agent's outcome lists its number with the product's own words (English in
        # the code): those, not a person's, are put in the reader's language.
        if entry["source"] == "outcome":
            entry["reason"] = translate(entry["reason"], language)
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
    "Whether a number is on the do-not-call list, its entry, and what was done to it",
    description="history: each addition by hand and each removal, with who, when and why."
    " 422 when it is not a valid Indonesian mobile number.",
    tag="dnc",
)
async def get_dnc(request: web.Request) -> web.Response:
    number = mobile_number(request.match_info["msisdn"])
    async with request.app[POOL].acquire() as conn:
        listed = await service.entry(conn, number)
        history = await service.history(conn, number)
    return json_response(
        {"msisdn": number, "listed": listed is not None, "entry": listed, "history": history}
    )


@routes.delete("/api/dnc/{msisdn}")
@requires("manager")
@api(
    "Take a number off the do-not-call list, saying why",
    description="The removal is audited with who, why and the entry as it was (GET"
    " /api/dnc/{msisdn} shows it). 404 when it is not on the list; 422 without a reason.",
    body=DncRemoval,
    tag="dnc",
)
async def remove_dnc(request: web.Request) -> web.Response:
    removal = await read_json(request, DncRemoval)
    async with request.app[POOL].acquire() as conn:
        number = await service.remove(
            conn,
            request.match_info["msisdn"],
            reason=removal.reason,
            actor=current_user(request).username,
        )
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
