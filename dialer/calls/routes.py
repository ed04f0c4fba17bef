"""The provider's callbacks: ``/carrier/voice/status``, ``/answer`` and ``/amd``.

Status callbacks are stored and applied by the node's applier right after
(``applier.py``); the answer and AMD callbacks are applied at once, because a seat, a
hang-up or the TwiML depend on them.

Each request must carry a valid ``X-Twilio-Signature``, computed over the configured
public URL (``DIALER_PUBLIC_URL``, not the URL this node sees behind a proxy) and the
form fields, with the Twilio auth token (the simulator's token without Twilio). An
unsigned or forged request gets 403, is logged, and changes nothing.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from twilio.twiml.voice_response import VoiceResponse

from dialer.agents import presence
from dialer.calls import apply
from dialer.calls.signature import Signer
from dialer.calls.twilio_carrier import twiml_hold
from dialer.errors import Forbidden
from dialer.keys import BACKGROUND, CARRIER, CLOCK, INBOX, POOL, SETTINGS, VALIDATOR
from dialer.settings import Settings

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
HOLD_MESSAGE = "Mohon tunggu sebentar, Anda akan segera terhubung dengan petugas kami."


def auth_token(settings: Settings) -> str:
    """The token callbacks are signed with: Twilio's when configured, else the simulator's."""
    if settings.twilio_account_sid and settings.twilio_auth_token:
        return settings.twilio_auth_token.get_secret_value()
    return settings.simulator_auth_token.get_secret_value()


async def signed_form(request: web.Request) -> dict[str, str]:
    form = await request.post()
    params = {k: v for k, v in form.items() if isinstance(v, str)}
    url = request.app[SETTINGS].public_url.rstrip("/") + request.path_qs
    signature = request.headers.get("X-Twilio-Signature", "")
    # One HMAC over the configured public URL (the SDK's validate() also tries the URL
    # with and without a port, which the configured URL makes needless).
    if not request.app[VALIDATOR].valid(url, params, signature):
        log.warning(
            "callback refused: unsigned or forged",
            extra={"path": request.path, "remote": request.remote, "signed": bool(signature)},
        )
        raise Forbidden("the request's X-Twilio-Signature is missing or does not match")
    return params


def _attempt_id(request: web.Request) -> int | None:
    value = request.query.get("attempt", "")
    return int(value) if value.isdigit() else None


async def _record(request: web.Request, kind: str) -> apply.Applied:
    params = await signed_form(request)
    app = request.app
    applied = await apply.record(
        app[POOL], kind=kind, attempt_id=_attempt_id(request), params=params, now=app[CLOCK]()
    )
    if applied.hangup:
        _background(app, app[CARRIER].hangup(applied.hangup))
    if applied.bridge:
        sid, agent_id = applied.bridge
        _background(app, app[CARRIER].bridge(sid, presence.identity(agent_id)))
    return applied


def _background(app: web.Application, work: object) -> None:
    """Run after the response (a hang-up must not hold the provider's request)."""
    assert asyncio.iscoroutine(work)
    task = asyncio.create_task(work)
    app[BACKGROUND].add(task)
    task.add_done_callback(app[BACKGROUND].discard)
    task.add_done_callback(_log_failure)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        # The call goes on until the customer hangs up; the attempt ends normally then.
        log.error("carrier request failed", extra={"error": str(exc)})


EMPTY_TWIML = str(VoiceResponse())  # built once: ElementTree is slow per request


def _empty() -> web.Response:
    return web.Response(text=EMPTY_TWIML, content_type="text/xml")


@routes.post("/carrier/voice/status")
async def voice_status(request: web.Request) -> web.Response:
    """Store the status callback — with the others arriving at the same time, in one
    statement (``inbox.py``) — and answer once it is committed; the node's applier
    applies it right after (nothing here waits on the attempt)."""
    params = await signed_form(request)
    app = request.app
    row = (app[CLOCK](), "status", _attempt_id(request), params.get("CallSid"), params)
    await app[INBOX].store(row)
    return _empty()


@routes.post("/carrier/voice/amd")
async def voice_amd(request: web.Request) -> web.Response:
    await _record(request, "amd")
    return _empty()


@routes.post("/carrier/voice/answer")
async def voice_answer(request: web.Request) -> web.Response:
    """TwiML for an answered call: hold while answering-machine detection decides."""
    await _record(request, "answer")
    return web.Response(text=twiml_hold(HOLD_MESSAGE), content_type="text/xml")


def setup(app: web.Application) -> None:
    app[VALIDATOR] = Signer(auth_token(app[SETTINGS]))
    app.router.add_routes(routes)
