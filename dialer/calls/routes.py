"""The provider's callbacks and webhooks, under ``/carrier/voice/``.

- ``status``: call progress, stored and applied by the node's applier right after
  (``applier.py``); ``amd``: answering-machine detection, applied at once (a seat, a
  hang-up, a bridge depend on it);
- ``answer`` and ``hold``: what an answered customer hears (``voice.py``: hold, into the
  agent's conference, the apology);
- ``agent`` (the TwiML App's voice URL, and the answer URL of the agents' SIP and phone
  legs) and ``agent-status``: the agents' own legs;
- ``conference``: the agents' conferences' events (joins and leaves);
- ``bridged``: the ``<Dial action>`` of a customer's part in their agent's conference;
- ``transfer`` and ``transfer-answered``: a transfer's end and its destination answering.

Each request must carry a valid ``X-Twilio-Signature``, computed over the configured
public URL (``DIALER_SERVER__PUBLIC_URL``, not the URL this node sees behind a proxy) and
the form fields, with the Twilio auth token (the simulator's token without Twilio). An
unsigned or forged request gets 403, is logged, and changes nothing. Every callback is
stored with what it did.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiohttp import web

from dialer.agents import transfers
from dialer.background import spawn
from dialer.calls import apply, voice
from dialer.calls.inbox import INBOX
from dialer.calls.voice import Handler, Voiced
from dialer.db import Connection
from dialer.keys import CLOCK, POOL, SETTINGS
from dialer.providers import twiml
from dialer.providers.carrier import CARRIER
from dialer.providers.signing import CALLBACK_CHECK

log = logging.getLogger(__name__)
routes = web.RouteTableDef()


def _number(request: web.Request, name: str) -> int | None:
    value = request.query.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def _document(text: str) -> web.Response:
    return web.Response(text=text, content_type=twiml.XML)


def _base(app: web.Application) -> str:
    return app[SETTINGS].server.public_url


def after_commit(
    app: web.Application,
    updates: list[tuple[str, str]],
    hangups: list[str],
    recordings: Sequence[tuple[str, str]] = (),
    unholds: Sequence[tuple[str, str]] = (),
) -> None:
    """The carrier requests a callback decided, made after its commit and after the
    response (they must not hold the provider's request). One that fails leaves the
    call to its hold loop and the sweeps."""
    carrier = app[CARRIER]
    for sid, document in updates:
        spawn(app, carrier.update(sid, document), what="call update")
    for sid in hangups:
        spawn(app, carrier.hangup(sid), what="hang-up")
    for sid, status in recordings:
        spawn(app, carrier.record(sid, status), what="recording")
    for conference, sid in unholds:
        spawn(app, carrier.participant(conference, sid, hold=False), what="unhold")


async def _record(request: web.Request, kind: str) -> apply.Applied:
    params = await request.app[CALLBACK_CHECK].form(request)
    app = request.app
    applied = await apply.record(
        app[POOL],
        kind=kind,
        attempt_id=_number(request, "attempt"),
        params=params,
        now=app[CLOCK](),
    )
    updates: list[tuple[str, str]] = []
    if applied.bridge and applied.attempt_id is not None:
        sid, agent_id = applied.bridge
        updates.append((sid, twiml.to_agent(_base(app), applied.attempt_id, agent_id)))
    if applied.apology:
        sid, campaign_voice = applied.apology
        updates.append((sid, voice.apology(campaign_voice)))
    after_commit(app, updates, [applied.hangup] if applied.hangup else [])
    return applied


async def _voiced(request: web.Request, kind: str, handler: Handler) -> web.Response:
    """Apply a voice callback, stored with its effect (``voice.record``); answer with
    its document, then make the carrier requests it decided."""
    params = await request.app[CALLBACK_CHECK].form(request)
    app = request.app
    voiced = await voice.record(
        app[POOL], kind, _number(request, "attempt"), params, app[CLOCK](), handler
    )
    after_commit(app, voiced.updates, voiced.hangups, voiced.recordings, voiced.unholds)
    return _document(voiced.document)


@routes.post("/carrier/voice/status")
async def voice_status(request: web.Request) -> web.Response:
    """Store the status callback — with the others arriving at the same time, in one
    statement (``inbox.py``) — and answer once it is committed; the node's applier
    applies it right after (nothing here waits on the attempt)."""
    params = await request.app[CALLBACK_CHECK].form(request)
    app = request.app
    row = (app[CLOCK](), "status", _number(request, "attempt"), params.get("CallSid"), params)
    await app[INBOX].store(row)
    return _document(twiml.EMPTY)


@routes.post("/carrier/voice/amd")
async def voice_amd(request: web.Request) -> web.Response:
    await _record(request, "amd")
    return _document(twiml.EMPTY)


@routes.post("/carrier/voice/answer")
async def voice_answer(request: web.Request) -> web.Response:
    """An answered call: recorded, then the hold while answering-machine detection
    decides and an agent is found."""
    applied = await _record(request, "answer")
    app, attempt = request.app, applied.attempt_id
    async with app[POOL].acquire() as conn, conn.transaction():
        voiced = await voice.on_hold(conn, attempt, _base(app), app[CLOCK]())
    return _document(voiced.document)


@routes.post("/carrier/voice/hold")
async def voice_hold(request: web.Request) -> web.Response:
    """The hold loop asks again: hold on, into the agent's conference, or the apology."""
    attempt, app = _number(request, "attempt"), request.app

    async def handle(conn: Connection, params: dict[str, str]) -> Voiced:
        return await voice.on_hold(conn, attempt, _base(app), app[CLOCK]())

    return await _voiced(request, "hold", handle)


@routes.post("/carrier/voice/bridged")
async def voice_bridged(request: web.Request) -> web.Response:
    """A customer's part in their agent's conference is over (``<Dial action>``)."""
    attempt, agent, app = _number(request, "attempt"), _number(request, "agent"), request.app

    async def handle(conn: Connection, params: dict[str, str]) -> Voiced:
        return await voice.on_bridged(conn, attempt, agent, params, _base(app), app[CLOCK]())

    return await _voiced(request, "bridged", handle)


@routes.post("/carrier/voice/conference")
async def voice_conference(request: web.Request) -> web.Response:
    """An agent's conference's event: a leg or a customer joined or left."""
    app = request.app

    async def handle(conn: Connection, params: dict[str, str]) -> Voiced:
        return await voice.on_conference(conn, params, _base(app), app[CLOCK]())

    return await _voiced(request, "conference", handle)


@routes.post("/carrier/voice/music")
async def voice_music(request: web.Request) -> web.Response:
    """What a customer the agent put on hold hears (the participant's hold URL)."""
    attempt, app = _number(request, "attempt"), request.app

    async def handle(conn: Connection, params: dict[str, str]) -> Voiced:
        return await voice.music(conn, attempt, _base(app))

    return await _voiced(request, "music", handle)


@routes.post("/carrier/voice/recording")
async def voice_recording(request: web.Request) -> web.Response:
    """A call's recording is done (its status callback): kept on the attempt."""
    attempt = _number(request, "attempt")

    async def handle(conn: Connection, params: dict[str, str]) -> Voiced:
        return await voice.on_recording(conn, attempt, params)

    return await _voiced(request, "recording", handle)


@routes.post("/carrier/voice/agent")
async def voice_agent(request: web.Request) -> web.Response:
    """An agent's leg: into their conference (the TwiML App's voice URL for softphones;
    the answer URL of the SIP and phone legs the service places, ``?agent=N``)."""
    agent, app = _number(request, "agent"), request.app

    async def handle(conn: Connection, params: dict[str, str]) -> Voiced:
        return await voice.on_agent(conn, agent, params, _base(app), app[CLOCK]())

    return await _voiced(request, "agent", handle)


@routes.post("/carrier/voice/transfer-status")
async def voice_transfer_status(request: web.Request) -> web.Response:
    """The progress of a warm transfer's call to its destination."""
    transfer, app = _number(request, "transfer"), request.app

    async def handle(conn: Connection, params: dict[str, str]) -> Voiced:
        return await voice.on_transfer_status(conn, transfer, params, app[CLOCK]())

    return await _voiced(request, "transfer_status", handle)


@routes.post("/carrier/voice/monitor-status")
async def voice_monitor_status(request: web.Request) -> web.Response:
    """The progress of a supervisor's call into an agent's conference."""
    monitor, app = _number(request, "monitor"), request.app

    async def handle(conn: Connection, params: dict[str, str]) -> Voiced:
        return await voice.on_monitor_status(conn, monitor, params, app[CLOCK]())

    return await _voiced(request, "monitor_status", handle)


@routes.post("/carrier/voice/agent-status")
async def voice_agent_status(request: web.Request) -> web.Response:
    """The progress of an agent's SIP or phone leg."""
    agent, app = _number(request, "agent"), request.app

    async def handle(conn: Connection, params: dict[str, str]) -> Voiced:
        return await voice.on_agent_status(conn, agent, params, app[CLOCK]())

    return await _voiced(request, "agent_status", handle)


@routes.post("/carrier/voice/transfer-answered")
async def voice_transfer_answered(request: web.Request) -> web.Response:
    """A transfer's destination answered (``<Number url>``): the transfer is done. The
    empty document connects the destination to the customer."""
    transfer, app = _number(request, "transfer"), request.app

    async def handle(conn: Connection, params: dict[str, str]) -> Voiced:
        effect = await transfers.answered(conn, transfer, now=app[CLOCK]())
        return Voiced(twiml.EMPTY, effect)

    return await _voiced(request, "transfer_answered", handle)


@routes.post("/carrier/voice/transfer")
async def voice_transfer(request: web.Request) -> web.Response:
    """A transfer's dial ended (``<Dial action>``): after a done transfer the customer's
    call ends; a destination that never answered sends the customer back to the agent."""
    transfer, app = _number(request, "transfer"), request.app

    async def handle(conn: Connection, params: dict[str, str]) -> Voiced:
        status = params.get("DialCallStatus", "")
        ended = await transfers.ended(conn, transfer, status, now=app[CLOCK]())
        if ended.back_to is None:
            return Voiced(twiml.HANGUP, ended.effect)
        attempt, agent = ended.back_to
        return Voiced(twiml.to_agent(_base(app), attempt, agent), ended.effect, attempt)

    return await _voiced(request, "transfer", handle)
