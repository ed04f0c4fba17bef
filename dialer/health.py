"""``/healthz``: the process answers. ``/readyz``: it can serve (database and schema)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from dialer import __version__
from dialer.db import migration_files, schema_version
from dialer.keys import NODE, POOL
from dialer.web import api, json_response

routes = web.RouteTableDef()


@routes.get("/healthz")
@api("Liveness: the process answers, with its version and node name", tag="health")
async def healthz(request: web.Request) -> web.Response:
    return json_response({"status": "ok", "version": __version__, "node": request.app[NODE]})


@routes.get("/readyz")
@api(
    "Readiness: the database answers and its schema is the one this version expects",
    description="503 with status 'unavailable' when the database does not answer within"
    " 2 s (database says why) or its latest applied migration is not the one this version"
    " ships (schema and expected say which).",
    tag="health",
)
async def readyz(request: web.Request) -> web.Response:
    expected = migration_files()[-1][0]
    try:
        async with asyncio.timeout(2):
            async with request.app[POOL].acquire() as conn:
                applied = await schema_version(conn)
    except (TimeoutError, OSError, Exception) as exc:  # any failure means not ready
        return json_response(
            {"status": "unavailable", "database": f"unreachable: {type(exc).__name__}"}, status=503
        )
    if applied != expected:
        return json_response(
            {"status": "unavailable", "database": "ok", "schema": applied, "expected": expected},
            status=503,
        )
    return json_response({"status": "ready", "database": "ok", "schema": applied})
