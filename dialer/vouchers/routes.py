"""Vouchers over HTTP, managers only: the partner's codes in, the ledger out.

``POST /api/campaigns/{c}/vouchers/import`` (multipart ``file``: one code a line, or a
``code`` column): the valid codes added in one transaction, the others reported by
line. ``GET /api/campaigns/{c}/vouchers``: the quota, how much of it is issued, the
pool, and the vouchers with their state. ``POST /api/vouchers/{id}/resend``
(``{"wa_number": …}`` optional): the same voucher's message again.

``POST /messaging/status?message=ID``: WhatsApp status callbacks, signed like the
voice ones (403 otherwise), stored and applied (``outbox.apply_status``).

The node's messenger (Twilio with credentials, else the simulator) and its outbox
sender live with the app.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web
from pydantic import BaseModel, ConfigDict, field_validator

from dialer.calls.routes import auth_token, signed_form
from dialer.campaigns import service as campaigns
from dialer.db import q
from dialer.dnc.service import normalize
from dialer.errors import BadRequest
from dialer.keys import CLOCK, MESSENGER, POOL, SENDER, SETTINGS
from dialer.uploads import receive_upload
from dialer.vouchers import ledger, outbox
from dialer.vouchers.messenger import make_messenger
from dialer.web import current_user, json_response, read_json, requires

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


class Resend(BaseModel):
    model_config = ConfigDict(extra="forbid")
    wa_number: str | None = None

    @field_validator("wa_number")
    @classmethod
    def _wa(cls, value: str | None) -> str | None:
        return None if not value else normalize(value, field="wa_number")


@routes.post("/api/vouchers/{id}/resend")
@requires("manager")
async def resend(request: web.Request) -> web.Response:
    raw = request.match_info["id"]
    if not raw.isdigit():
        raise BadRequest(f"voucher id {raw!r} is not a number")
    body = await read_json(request, Resend)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        message = await outbox.resend(
            conn,
            int(raw),
            wa_number=body.wa_number,
            actor=current_user(request).username,
            now=request.app[CLOCK](),
        )
    request.app[SENDER].wake()
    return json_response({"message": message}, status=201)


@routes.post("/messaging/status")
async def message_status(request: web.Request) -> web.Response:
    params = await signed_form(request)
    raw = request.query.get("message", "")
    async with request.app[POOL].acquire() as conn, conn.transaction():
        await outbox.apply_status(
            conn, int(raw) if raw.isdigit() else None, params, request.app[CLOCK]()
        )
    return web.Response(text="<Response/>", content_type="text/xml")


def setup(app: web.Application) -> None:
    async def sender(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        if MESSENGER not in app:
            app[MESSENGER] = make_messenger(settings, auth_token(settings))
        app[SENDER] = outbox.Sender(app[POOL], app[CLOCK], app[MESSENGER], settings)
        app[SENDER].start()
        try:
            yield
        finally:
            await app[SENDER].stop()
            await app[MESSENGER].close()

    app.cleanup_ctx.append(sender)
    app.add_routes(routes)
