"""The provider's callbacks: ``/carrier/voice/status``, ``/answer`` and ``/amd``.

Status callbacks are stored and applied by the node's applier right after
(``applier.py``); the answer and AMD callbacks are applied at once, because a seat, a
hang-up or the TwiML depend on them.

Each request must carry a valid ``X-Twilio-Signature``, computed over the configured
public URL (``DIALER_SERVER__PUBLIC_URL``, not the URL this node sees behind a proxy) and the
form fields, with the Twilio auth token (the simulator's token without Twilio). An
unsigned or forged request gets 403, is logged, and changes nothing.
"""

from __future__ import annotations

import logging

from aiohttp import web
from twilio.twiml.voice_response import VoiceResponse

from dialer.agents import presence
from dialer.background import spawn
from dialer.calls import apply
from dialer.calls.inbox import INBOX
from dialer.keys import CLOCK, POOL
from dialer.providers.carrier import CARRIER
from dialer.providers.signing import CALLBACK_CHECK
from dialer.providers.twilio_carrier import twiml_hold

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
HOLD_MESSAGE = "Mohon tunggu sebentar, Anda akan segera terhubung dengan petugas kami."


def _attempt_id(request: web.Request) -> int | None:
    value = request.query.get("attempt", "")
    return int(value) if value.isdigit() else None


async def _record(request: web.Request, kind: str) -> apply.Applied:
    params = await request.app[CALLBACK_CHECK].form(request)
    app = request.app
    applied = await apply.record(
        app[POOL], kind=kind, attempt_id=_attempt_id(request), params=params, now=app[CLOCK]()
    )
    # After the response: a hang-up or a bridge must not hold the provider's request.
    # If one fails, the call goes on until the customer hangs up; the attempt ends
    # normally then.
    if applied.hangup:
        spawn(app, app[CARRIER].hangup(applied.hangup), what="hang-up")
    if applied.bridge:
        sid, agent_id = applied.bridge
        spawn(app, app[CARRIER].bridge(sid, presence.identity(agent_id)), what="bridge")
    return applied


EMPTY_TWIML = str(VoiceResponse())  # built once: ElementTree is slow per request


def _empty() -> web.Response:
    return web.Response(text=EMPTY_TWIML, content_type="text/xml")


@routes.post("/carrier/voice/status")
async def voice_status(request: web.Request) -> web.Response:
    """Store the status callback — with the others arriving at the same time, in one
    statement (``inbox.py``) — and answer once it is committed; the node's applier
    applies it right after (nothing here waits on the attempt)."""
    params = await request.app[CALLBACK_CHECK].form(request)
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
