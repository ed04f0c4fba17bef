"""Vouchers over HTTP, managers only: the partner's codes in, the ledger out.

``POST /api/campaigns/{c}/vouchers/import`` (multipart ``file``: one code a line, or a
``code`` column): the valid codes added in one transaction, the others reported by
line. ``GET /api/campaigns/{c}/vouchers``: the quota, how much of it is issued, the
pool, and the vouchers with their state. ``POST /api/vouchers/{id}/resend``
(``{"wa_number": …}`` optional): the same voucher's message again.
``POST /api/vouchers/{id}/void`` (``{"reason": …}``): the voucher can no longer be
redeemed, its unsent message is held, its place returns to the quota.

``POST /messaging/status?message=ID``: WhatsApp status callbacks, signed like the
voice ones (403 otherwise), stored and applied (``outbox.apply_status``).

The node's messenger and outbox sender are built by the node (``runtime.py``).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from dialer.auth.http import current_user, requires
from dialer.campaigns import service as campaigns
from dialer.db import as_id
from dialer.errors import BadRequest, Forbidden
from dialer.keys import CLOCK, POOL, SETTINGS
from dialer.providers.signing import CALLBACK_CHECK, partner_refusal
from dialer.rules.phones import mobile_number
from dialer.uploads import receive_upload, run_import
from dialer.vouchers import ledger, outbox, redemptions
from dialer.vouchers.outbox import SENDER
from dialer.web import api, in_language, json_response, path_id, read_json, validate

log = logging.getLogger(__name__)

routes = web.RouteTableDef()


@routes.post("/api/campaigns/{name}/vouchers/import")
@requires("manager")
@api(
    "Add the partner's voucher codes to the campaign's pool",
    description="The valid codes are added in one transaction; malformed, repeated and"
    " already known codes are reported by line and not added. 422 when no valid code is"
    ' left; 409 when the campaign generates its codes (codes = "generated"), nothing'
    " added; 413 when the file is over the upload limit or the import over"
    " DIALER_IMPORTS__MAX_SECONDS.",
    upload="the voucher codes: CSV, one code a line or a code column",
    status=201,
    tag="vouchers",
)
async def import_codes(request: web.Request) -> web.Response:
    async with (
        receive_upload(request, max_bytes=request.app[SETTINGS].server.max_upload_bytes) as upload,
        request.app[POOL].acquire() as conn,
    ):
        campaign = await campaigns.get(conn, request.match_info["name"])
        work = ledger.import_codes(
            conn,
            campaign.id,
            upload.path,
            source=f"file:{upload.filename}",
            actor=current_user(request).username,
            now=request.app[CLOCK](),
        )
        summary = await run_import(
            request, work, max_seconds=request.app[SETTINGS].imports.max_seconds
        )
    return json_response(in_language(request, summary), status=201)


@routes.get("/api/campaigns/{name}/vouchers")
@requires("manager")
@api(
    "The campaign's voucher quota, how much of it is issued, the code pool, and every"
    " voucher with its state",
    tag="vouchers",
)
async def list_vouchers(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["name"])
        found = await ledger.of_campaign(conn, campaign)
    return json_response(found)


class Resend(BaseModel):
    model_config = ConfigDict(extra="forbid")
    wa_number: str | None = None

    @field_validator("wa_number")
    @classmethod
    def _wa(cls, value: str | None) -> str | None:
        return None if not value else mobile_number(value, field="wa_number")


def _voucher_id(request: web.Request) -> int:
    return path_id(request, what="voucher")


@routes.post("/api/vouchers/{id}/resend")
@requires("manager")
@api(
    "Send a voucher's WhatsApp message again, optionally to another number",
    description="404 for no such voucher; 409 when its state leaves nothing to resend.",
    body=Resend,
    status=201,
    tag="vouchers",
)
async def resend(request: web.Request) -> web.Response:
    voucher_id = _voucher_id(request)
    body = await read_json(request, Resend)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        message = await outbox.resend(
            conn,
            voucher_id,
            wa_number=body.wa_number,
            actor=current_user(request).username,
            now=request.app[CLOCK](),
        )
    request.app[SENDER].wake()
    return json_response({"message": message}, status=201)


class Void(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(min_length=3, max_length=500)


@routes.post("/api/vouchers/{id}/void")
@requires("manager")
@api(
    "Void a voucher: it can no longer be redeemed and its place returns to the quota",
    description="Its unsent message is held. Voiding twice is one voiding. 404 for no such"
    " voucher; 409 when it is redeemed, expired or lapsed.",
    body=Void,
    tag="vouchers",
)
async def void(request: web.Request) -> web.Response:
    voucher_id = _voucher_id(request)
    body = await read_json(request, Void)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        voided = await ledger.void_voucher(
            conn,
            voucher_id,
            reason=body.reason,
            actor=current_user(request).username,
            now=request.app[CLOCK](),
        )
    return json_response({"voucher": voided})


@routes.post("/messaging/status")
async def message_status(request: web.Request) -> web.Response:
    params = await request.app[CALLBACK_CHECK].form(request)
    raw = request.query.get("message", "")
    async with request.app[POOL].acquire() as conn, conn.transaction():
        await outbox.apply_status(conn, as_id(raw), params, request.app[CLOCK]())
    return web.Response(text="<Response/>", content_type="text/xml")


class Redemption(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    reference: str = Field(min_length=1, max_length=200)
    code: str = Field(min_length=1, max_length=100)
    redeemed_at: datetime
    amount: int | None = Field(None, ge=0)

    @field_validator("redeemed_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("needs its offset, e.g. 2022-09-12T10:00:00+07:00")
        return value


@routes.post("/partner/redemptions")
async def partner_redemption(request: web.Request) -> web.Response:
    """The partner's redemption, signed with the shared secret (403 otherwise)."""
    app, body = request.app, await request.read()
    settings = app[SETTINGS]
    secret = settings.partner.secret
    refused = partner_refusal(
        secret.get_secret_value() if secret is not None else "",
        request.headers.get("X-Partner-Timestamp", ""),
        body,
        request.headers.get("X-Partner-Signature", ""),
        datetime.now(UTC),
        settings.partner.tolerance_seconds,
    )
    if refused is not None:
        log.warning("redemption refused", extra={"reason": refused, "remote": request.remote})
        raise Forbidden(f"redemption refused: {refused}")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise BadRequest(f"the body is not JSON: {exc}") from exc
    except RecursionError as exc:
        raise BadRequest("the body's JSON is nested too deeply") from exc
    item = validate(Redemption, data)
    async with app[POOL].acquire() as conn, conn.transaction():
        done = await redemptions.redeem(
            conn,
            reference=item.reference,
            code=item.code,
            redeemed_at=item.redeemed_at,
            amount=item.amount,
            source="callback",
            now=app[CLOCK](),
        )
    return json_response({"result": done["result"], "repeat": done["repeat"], "id": done["id"]})


@routes.post("/api/redemptions/import")
@requires("manager")
@api(
    "Record the partner's redemption report",
    description="Refused whole (422) with every bad line named. Each reference counts once;"
    " unknown codes, codes redeemed under another reference and redemptions after expiry"
    " are stored flagged. 413 when the file is over the upload limit or the import over"
    " DIALER_IMPORTS__MAX_SECONDS.",
    upload="the redemption report: CSV with the columns reference, code, redeemed_at"
    " (ISO 8601 with its offset) and optionally amount",
    status=201,
    tag="vouchers",
)
async def import_redemptions(request: web.Request) -> web.Response:
    async with (
        receive_upload(request, max_bytes=request.app[SETTINGS].server.max_upload_bytes) as upload,
        request.app[POOL].acquire() as conn,
    ):
        work = redemptions.import_report(
            conn, upload.path, source=f"file:{upload.filename}", now=request.app[CLOCK]()
        )
        counts = await run_import(
            request, work, max_seconds=request.app[SETTINGS].imports.max_seconds
        )
    return json_response(counts, status=201)


@routes.get("/api/campaigns/{name}/redemptions")
@requires("manager")
@api(
    "The campaign's redemptions, and the flagged ones (including those of no campaign)",
    tag="vouchers",
)
async def list_redemptions(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["name"])
        found = await redemptions.of_campaign(conn, campaign.id)
    return json_response({"campaign": campaign.name} | found)
