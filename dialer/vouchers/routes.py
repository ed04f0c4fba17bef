"""Vouchers over HTTP, managers only: the partner's codes in, the ledger out.

``POST /api/campaigns/{c}/vouchers/import`` (multipart ``file``: one code a line, or a
``code`` column): the valid codes added in one transaction, the others reported by
line. ``GET /api/campaigns/{c}/vouchers``: the quota, how much of it is issued, the
pool, and the vouchers with their state.
"""

from __future__ import annotations

from aiohttp import web

from dialer.campaigns import service as campaigns
from dialer.db import q
from dialer.keys import CLOCK, POOL, SETTINGS
from dialer.uploads import receive_upload
from dialer.vouchers import ledger
from dialer.web import current_user, json_response, requires

routes = web.RouteTableDef()


@routes.post("/api/campaigns/{name}/vouchers/import")
@requires("manager")
async def import_codes(request: web.Request) -> web.Response:
    async with (
        receive_upload(request, max_bytes=request.app[SETTINGS].max_upload_bytes) as upload,
        request.app[POOL].acquire() as conn,
    ):
        campaign = await campaigns.get(conn, request.match_info["name"])
        summary = await ledger.import_codes(
            conn,
            campaign.id,
            upload.path,
            source=f"file:{upload.filename}",
            actor=current_user(request).username,
            now=request.app[CLOCK](),
        )
    return json_response(summary, status=201)


@routes.get("/api/campaigns/{name}/vouchers")
@requires("manager")
async def list_vouchers(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["name"])
        pool = await conn.fetchrow(q("voucher_pool"), campaign.id)
        issued = await conn.fetchval(q("vouchers_taken"), campaign.id)
        rows = await conn.fetch(
            "SELECT v.*, t.indihome_number FROM vouchers v"
            " JOIN targets t ON t.campaign_id = v.campaign_id AND t.id = v.target_id"
            " WHERE v.campaign_id = $1 ORDER BY v.id",
            campaign.id,
        )
    spec = campaign.spec().voucher
    return json_response(
        {
            "campaign": campaign.name,
            "quota": spec.quota,
            "issued": issued,
            "left": max(spec.quota - issued, 0),
            "expires": spec.expires,
            "codes": spec.codes,
            "pool": dict(pool) if pool else None,
            "vouchers": [dict(r) for r in rows],
        }
    )


def setup(app: web.Application) -> None:
    app.add_routes(routes)
