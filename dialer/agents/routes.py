"""The agent's console API: their phone (the leg into their own conference), join a
campaign, say available or paused, the WebSocket that brings the screen-pop, the call
on screen and its control (hang up, hold, mute, cold and warm transfers). Agents only;
each sees their own call. And the supervisors' side of a live call (managers only):
the agents at work, listen, whisper, barge (``supervisors.py``).

``GET /api/agent/ws`` (session cookie or bearer token) answers at once with the agent's
state and, if they hold one, their call — so a reload or a network blip restores the
screen — and then pushes ``state`` and ``pop`` messages as they happen, on whichever
node the call's callbacks arrive. The socket takes ``{"type": "join", "campaign": C}``,
``{"type": "state", "state": "available" | "paused" | "offline"}`` and
``{"type": "ping"}`` (at least every 15 s, or the console counts as gone after 45 s).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import WSMsgType, web

from dialer.agents import (
    assignments,
    call_control,
    console,
    legs,
    outcomes,
    presence,
    supervisors,
    transfers,
)
from dialer.agents.calls import current_call
from dialer.agents.console import Change
from dialer.agents.hub import HUB
from dialer.agents.outcomes import OutcomeForm
from dialer.agents.screen_pop import POPS
from dialer.agents.transfers import CarrierFailed
from dialer.auth.http import TOKEN_ID, current_user, requires
from dialer.auth.service import User, token_alive
from dialer.background import spawn
from dialer.campaigns import service as campaigns
from dialer.campaigns.scripts import list_guides
from dialer.errors import BadRequest, Conflict, DialerError, Unauthorized
from dialer.keys import CLOCK, NODE, POOL, SETTINGS
from dialer.providers import twiml
from dialer.providers.carrier import CARRIER, Joiner
from dialer.providers.errors import ProviderError
from dialer.providers.twilio import voice_token
from dialer.web import api, json_response, path_id, read_json, request_language, validate

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
# The close code of a console socket whose session or token stopped working.
WS_SESSION_ENDED = 4401


async def _change(app: web.Application, user: User, body: Change) -> dict[str, Any]:
    reasons = tuple(r.code for r in app[SETTINGS].agents.pause_reasons)
    async with app[POOL].acquire() as conn, conn.transaction():
        changed = await console.change(
            conn, user.id, body, node=app[NODE], now=app[CLOCK](), reasons=reasons
        )
    if changed.bridge:
        attempt_id, sid = changed.bridge
        document = twiml.to_agent(app[SETTINGS].server.public_url, attempt_id, user.id)
        spawn(app, app[CARRIER].update(sid, document), what="bridge")
    return changed.state


@routes.get("/api/agent/me")
@requires("agent")
@api("The calling agent, their state and the call they hold, if any", tag="agents")
async def me(request: web.Request) -> web.Response:
    user = current_user(request)
    async with request.app[POOL].acquire() as conn:
        state = await presence.state_of(conn, user.id)
        call = await current_call(conn, user.id, request.app[POPS])
    return json_response({"agent": user.to_json(), "state": state, "call": call})


@routes.get("/api/agent/phone")
@requires("agent")
@api(
    "The agent's phone: the endpoint they hear customers through and its state",
    description="phone is null before the agent connects one; state is connecting,"
    " connected or dropped (with the reason). softphone says how the browser's softphone"
    " works here: simulated (no microphone; the service plays it) or twilio (the Voice"
    " SDK, with a token from POST /api/agent/phone).",
    tag="agents",
)
async def phone(request: web.Request) -> web.Response:
    user = current_user(request)
    async with request.app[POOL].acquire() as conn:
        found = await presence.phone_of(conn, user.id)
    return json_response({"phone": found, "softphone": _softphone_kind(request.app)})


@routes.post("/api/agent/phone")
@requires("agent")
@api(
    "Connect the agent's phone: a softphone, a SIP address or a phone number",
    description="The leg joins the agent's own conference and stays there while they"
    " work; a call is handed only to an agent whose leg is connected. A SIP address or"
    " number is called by the service; a softphone dials in itself (on Twilio: the"
    " browser's Voice SDK with the short-lived token answered here, bound to this agent)."
    " Answers 202 with the phone (connecting). 422 for a bad endpoint; 502 when the"
    " carrier refused.",
    body=legs.Endpoint,
    status=202,
    tag="agents",
)
async def connect_phone(request: web.Request) -> web.Response:
    app, user = request.app, current_user(request)
    endpoint = await read_json(request, legs.Endpoint)
    body: dict[str, Any] = {"softphone": _softphone_kind(app)}
    if endpoint.endpoint == "softphone" and body["softphone"] == "twilio":
        body["token"] = voice_token(app[SETTINGS].twilio, presence.identity(user.id))
    try:
        await legs.connect(
            app[POOL],
            app[CARRIER],
            app[SETTINGS].server.public_url,
            user.id,
            endpoint,
            app[CLOCK](),
        )
    except ProviderError as exc:
        raise CarrierFailed(f"the carrier could not connect your phone: {exc}") from None
    async with app[POOL].acquire() as conn:
        body["phone"] = await presence.phone_of(conn, user.id)
    return json_response(body, status=202)


@routes.post("/api/agent/phone/token")
@requires("agent")
@api(
    "A fresh token for the agent's browser softphone (Twilio's Voice SDK)",
    description="Short-lived, bound to the calling agent's identity, good only to dial"
    " the TwiML App (the agent's own conference). 409 when the softphone is simulated.",
    tag="agents",
)
async def phone_token(request: web.Request) -> web.Response:
    app, user = request.app, current_user(request)
    if _softphone_kind(app) != "twilio":
        raise Conflict("the softphone is simulated here: it needs no token")
    return json_response({"token": voice_token(app[SETTINGS].twilio, presence.identity(user.id))})


@routes.delete("/api/agent/phone")
@requires("agent")
@api(
    "Hang the agent's phone up: no call is handed to them until they connect again",
    tag="agents",
)
async def hang_up_phone(request: web.Request) -> web.Response:
    app, user = request.app, current_user(request)
    async with app[POOL].acquire() as conn, conn.transaction():
        sid = await legs.drop(conn, user.id, app[CLOCK]())
    if sid:
        spawn(app, app[CARRIER].hangup(sid), what="hang-up")
    async with app[POOL].acquire() as conn:
        found = await presence.phone_of(conn, user.id)
    return json_response({"phone": found})


def _softphone_kind(app: web.Application) -> str:
    return "twilio" if app[SETTINGS].twilio.configured else "simulated"


@routes.get("/api/agent/campaigns")
@requires("agent")
@api(
    "The campaigns the agent may join: running, assigned to them, with their titles",
    tag="agents",
)
async def joinable(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        found = await assignments.joinable(conn, current_user(request).id)
    return json_response({"campaigns": found})


@routes.get("/api/agent/guides")
@requires("agent")
@api(
    "The solution guides a new ticket follows, with the fields each one asks for",
    tag="agents",
)
async def guides(request: web.Request) -> web.Response:
    """The solution guides a new ticket follows, with the fields each one asks for."""
    found = await asyncio.to_thread(list_guides, request.app[SETTINGS].scripts_dir)
    return json_response({"guides": found})


@routes.get("/api/agent/pause-reasons")
@requires("agent")
@api(
    "The reasons an agent may give for a break (DIALER_AGENTS__PAUSE_REASONS), labelled in"
    " the request's language",
    tag="agents",
)
async def pause_reasons(request: web.Request) -> web.Response:
    words = request.app[SETTINGS].agents.pause_words(request_language(request))
    found = [{"code": code, "label": label} for code, label in words.items()]
    return json_response({"reasons": found})


@routes.post("/api/agent/state")
@requires("agent")
@api(
    "Join a campaign and/or say available, paused (with a reason) or offline",
    description="Answers with the agent's state. A break asked during after-call work"
    " starts when it ends; pause_after_call (true/false, with a reason) says what follows"
    " the call. 400 when neither a campaign nor a state is"
    " given, for a reason not in the pause reasons, or the campaign is a draft or finished; 403 when the agent is not assigned to it;"
    " 404 for no such campaign. Going available may hand"
    " the agent a waiting call at once (it is bridged to them).",
    body=Change,
    tag="agents",
)
async def set_state(request: web.Request) -> web.Response:
    body = await read_json(request, Change)
    return json_response(await _change(request.app, current_user(request), body))


@routes.post("/api/agent/outcome")
@requires("agent")
@api(
    "Record the outcome of the agent's call, with its effects",
    description="201 when recorded (with the voucher issued, if any); 200 with the first"
    " outcome when the call's outcome was recorded already (a double submit). 403 when the"
    " call is not the agent's. Some outcomes hang the call up.",
    body=OutcomeForm,
    status=201,
    tag="agents",
)
async def record_outcome(request: web.Request) -> web.Response:
    """The outcome of the agent's call, with its effects; 201, or 200 with the first
    outcome when it was recorded already (a double submit)."""
    app, user = request.app, current_user(request)
    form = await read_json(request, OutcomeForm)
    async with app[POOL].acquire() as conn, conn.transaction():
        recorded = await outcomes.record(
            conn, form, agent_id=user.id, now=app[CLOCK](), scripts_dir=app[SETTINGS].scripts_dir
        )
    if recorded.hangup:
        spawn(app, app[CARRIER].hangup(recorded.hangup), what="hang-up")
    body = {"outcome": recorded.outcome, "recorded": recorded.new, "voucher": recorded.voucher}
    return json_response(body, status=201 if recorded.new else 200)


@routes.post("/api/agent/transfer")
@requires("agent")
@api(
    "Transfer the agent's live call to one of the campaign's destinations",
    description="Seed 003: the agent has said the category's apology line (GET"
    " /api/agent/transfer/guide) and sends the customer's answer as consent (YA or Baik);"
    " the transfer is recorded with the destination's category and the guide's log text."
    " 202 once the carrier is dialling the destination: the transfer is done"
    " when the destination answers (the agent goes to after-call work), or failed when it"
    " is busy or does not answer (the customer is back with the agent); the console is"
    " told either way. 502 (carrier_failed), and the agent still on the call, if the"
    " carrier refused. 403 when the call is not the agent's; 409 when it is not live, is"
    " being transferred already, or the destination is an example (placeholder number) on"
    " a deployment that calls real phones; 422 for an unknown destination, or no consent"
    " (nothing is recorded, the call stays with the agent).",
    body=transfers.TransferForm,
    status=202,
    tag="agents",
)
async def transfer_call(request: web.Request) -> web.Response:
    """Transfer the agent's live call to one of the campaign's destinations (seed 003):
    202 while the carrier dials it; 502, and the agent still on the call, if the
    carrier refused."""
    app, user = request.app, current_user(request)
    form = await read_json(request, transfers.TransferForm)
    async with app[POOL].acquire() as conn, conn.transaction():
        requested = await transfers.request(
            conn,
            form,
            agent_id=user.id,
            now=app[CLOCK](),
            examples_allowed=not app[SETTINGS].twilio.configured,
        )
    carrier = app[CARRIER]
    base = app[SETTINGS].server.public_url
    try:
        if requested.conference_sid:  # warm: the destination joins the agent first
            await _consult(app, user, requested)
        else:
            document = twiml.transfer_to(
                base, requested.transfer_id, requested.number, carrier.caller_id
            )
            await carrier.update(requested.call_sid, document)
    except ProviderError as exc:
        error = str(exc) or type(exc).__name__
        async with app[POOL].acquire() as conn, conn.transaction():
            record = await transfers.refused(conn, requested, now=app[CLOCK](), error=error)
        raise transfers.CarrierFailed(
            f"the carrier could not transfer the call: {error}", details={"transfer": record}
        ) from None
    async with app[POOL].acquire() as conn:
        record = await transfers.get(conn, requested.transfer_id)
    return json_response({"transfer": record}, status=202)


@routes.post("/api/agent/call")
@requires("agent")
@api(
    "Control the call the agent holds: hang up, hold or resume the customer, mute or unmute",
    description="202 once the carrier took the request; the console is told when the"
    " conference says it happened (on hold, muted). 403 when the call is not the agent's;"
    " 409 when the customer is gone or not yet with the agent; 502 when the carrier"
    " refused.",
    body=call_control.Control,
    status=202,
    tag="agents",
)
async def control_call(request: web.Request) -> web.Response:
    app, user = request.app, current_user(request)
    control = await read_json(request, call_control.Control)
    async with app[POOL].acquire() as conn, conn.transaction():
        plan = await call_control.plan(conn, user.id, control)
    carrier = app[CARRIER]
    music = twiml.url(
        app[SETTINGS].server.public_url, "/carrier/voice/music", attempt=plan.attempt_id
    )
    try:
        if plan.action == "hangup":
            await carrier.hangup(plan.call_sid)
        elif plan.action in ("hold", "resume") and plan.conference_sid:
            hold = plan.action == "hold"
            await carrier.participant(plan.conference_sid, plan.call_sid, hold=hold, hold_url=music)
        elif plan.conference_sid and plan.leg_sid:
            muted = plan.action == "mute"
            await carrier.participant(plan.conference_sid, plan.leg_sid, muted=muted)
    except ProviderError as exc:
        raise CarrierFailed(f"the carrier could not {plan.action} the call: {exc}") from None
    return json_response({"attempt_id": plan.attempt_id, "action": plan.action}, status=202)


@routes.get("/api/campaigns/{name}/agents/live")
@requires("manager")
@api(
    "The campaign's agents at work now: state, phone, their call's progress, who monitors them",
    tag="supervisors",
)
async def live_agents(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        campaign = await campaigns.get(conn, request.match_info["name"])
        found = await supervisors.live_agents(conn, campaign.id)
    # A break's reason in the reader's words (the code when the list no longer has it).
    labels = request.app[SETTINGS].agents.pause_words(request_language(request))
    for agent in found:
        code = agent["pause_reason"]
        agent["reason"] = None if code is None else labels.get(code, code)
    # The service's time, so a page counts each state's duration from the same clock.
    return json_response({"agents": found, "now": request.app[CLOCK]()})


@routes.post("/api/supervisor/monitors")
@requires("manager")
@api(
    "Join an agent's conference: listen (muted), whisper to the agent, or barge in",
    description="The supervisor's phone (the simulator's softphone; on Twilio a SIP address"
    " or phone number) is called into the agent's conference. 202 with the monitoring"
    " (connecting until the conference says it joined). 409 when the agent's phone is not"
    " connected or the supervisor monitors a call already; 502 when the carrier refused.",
    body=supervisors.MonitorForm,
    status=202,
    tag="supervisors",
)
async def start_monitor(request: web.Request) -> web.Response:
    app, user = request.app, current_user(request)
    form = await read_json(request, supervisors.MonitorForm)
    carrier, base = app[CARRIER], app[SETTINGS].server.public_url
    async with app[POOL].acquire() as conn, conn.transaction():
        started = await supervisors.start(conn, user.id, form, app[CLOCK]())
    muted, coaching = supervisors.flags(form.mode)
    joiner = Joiner(
        user_id=user.id,
        identity=supervisors.identity(user.id),
        endpoint=form.endpoint,
        address=form.address,
        from_=carrier.caller_id,
        status_url=twiml.url(base, "/carrier/voice/monitor-status", monitor=started.monitor_id),
        muted=muted,
        coaching=coaching,
        coach=started.agent_leg,
    )
    try:
        sid = await carrier.add_participant(started.conference_sid, joiner)
    except ProviderError as exc:
        async with app[POOL].acquire() as conn:
            await supervisors.ended(
                conn,
                call_sid=None,
                monitor_id=started.monitor_id,
                reason=str(exc),
                now=app[CLOCK](),
            )
        raise CarrierFailed(f"the carrier could not call you in: {exc}") from None
    async with app[POOL].acquire() as conn:
        await supervisors.placed(conn, started.monitor_id, sid)
        monitor = await supervisors.get(conn, started.monitor_id)
    return json_response({"monitor": monitor}, status=202)


@routes.post("/api/supervisor/token")
@requires("manager")
@api(
    "A token for the supervisor's browser softphone (Twilio's Voice SDK), which the"
    " service then calls into the agent's conference",
    description="Short-lived, bound to the supervisor's identity (supervisor-N), allowed to"
    " be called. 409 when the softphone is simulated (it needs no token).",
    tag="supervisors",
)
async def supervisor_token(request: web.Request) -> web.Response:
    app, user = request.app, current_user(request)
    if _softphone_kind(app) != "twilio":
        raise Conflict("the softphone is simulated here: it needs no token")
    identity = supervisors.identity(user.id)
    token = voice_token(app[SETTINGS].twilio, identity, incoming=True)
    return json_response({"token": token, "identity": identity})


@routes.post("/api/supervisor/monitors/{id}/mode")
@requires("manager")
@api(
    "Switch a live monitoring between listen, whisper and barge",
    body=supervisors.ModeForm,
    tag="supervisors",
)
async def monitor_mode(request: web.Request) -> web.Response:
    app, user = request.app, current_user(request)
    form = await read_json(request, supervisors.ModeForm)
    monitor_id = path_id(request)
    async with app[POOL].acquire() as conn, conn.transaction():
        live = await supervisors.live_of(conn, user.id, monitor_id)
        if not live["call_sid"]:
            raise Conflict("your phone is still being called in")
        muted, coaching = supervisors.flags(form.mode)
        try:
            await app[CARRIER].participant(
                live["conference_sid"],
                live["call_sid"],
                muted=muted,
                coaching=coaching,
                coach=live["agent_leg"],
            )
        except ProviderError as exc:
            raise CarrierFailed(f"the carrier could not switch: {exc}") from None
        monitor = await supervisors.set_mode(conn, monitor_id, form.mode)
    return json_response({"monitor": monitor})


@routes.delete("/api/supervisor/monitors/{id}")
@requires("manager")
@api("Leave the agent's conference", tag="supervisors")
async def stop_monitor(request: web.Request) -> web.Response:
    app, user = request.app, current_user(request)
    monitor_id = path_id(request)
    async with app[POOL].acquire() as conn, conn.transaction():
        live = await supervisors.live_of(conn, user.id, monitor_id)
        await supervisors.ended(
            conn, call_sid=None, monitor_id=monitor_id, reason="left", now=app[CLOCK]()
        )
    if live["call_sid"]:
        spawn(app, app[CARRIER].hangup(live["call_sid"]), what="hang-up")
    async with app[POOL].acquire() as conn:
        monitor = await supervisors.get(conn, monitor_id)
    return json_response({"monitor": monitor})


async def _consult(app: web.Application, user: User, requested: transfers.Requested) -> None:
    """A warm transfer's start: the customer on hold (the held message), the
    destination called into the agent's conference."""
    carrier, base = app[CARRIER], app[SETTINGS].server.public_url
    conference = requested.conference_sid
    assert conference is not None
    music = twiml.url(base, "/carrier/voice/music", attempt=requested.attempt_id)
    await carrier.participant(conference, requested.call_sid, hold=True, hold_url=music)
    joiner = Joiner(
        user_id=user.id,
        identity=f"transfer-{requested.transfer_id}",
        endpoint="phone",
        address=requested.number,
        from_=carrier.caller_id,
        status_url=twiml.url(
            base, "/carrier/voice/transfer-status", transfer=requested.transfer_id
        ),
    )
    sid = await carrier.add_participant(conference, joiner)
    async with app[POOL].acquire() as conn:
        await transfers.destination_called(conn, requested.transfer_id, sid)


@routes.post("/api/agent/transfer/{id}/complete")
@requires("agent")
@api(
    "Hand the customer over to the destination of a warm transfer, once it has answered",
    description="The customer and the destination go into a conference of their own; the"
    " transfer is done and the agent in after-call work, their phone free for the next"
    " call. 409 when no such warm transfer is under way or the destination has not"
    " answered yet.",
    tag="agents",
)
async def complete_transfer(request: web.Request) -> web.Response:
    app, user = request.app, current_user(request)
    transfer_id = path_id(request)
    async with app[POOL].acquire() as conn, conn.transaction():
        row = await transfers.warm_of(conn, user.id, transfer_id)
        if row["answered_at"] is None or not row["destination_sid"]:
            raise Conflict("the destination has not answered yet")
        together = twiml.together(f"transfer-{transfer_id}")
        try:
            await app[CARRIER].update(row["destination_sid"], together)
            await app[CARRIER].update(row["customer_sid"], together)
        except ProviderError as exc:
            raise CarrierFailed(f"the carrier could not hand the customer over: {exc}") from None
        done = await transfers.done(conn, row, app[CLOCK]())
    return json_response({"transfer": done})


@routes.post("/api/agent/transfer/{id}/cancel")
@requires("agent")
@api(
    "Give up a warm transfer: the destination is hung up, the customer back with the agent",
    tag="agents",
)
async def cancel_transfer(request: web.Request) -> web.Response:
    app, user = request.app, current_user(request)
    transfer_id = path_id(request)
    async with app[POOL].acquire() as conn, conn.transaction():
        row = await transfers.warm_of(conn, user.id, transfer_id)
        failed = await transfers.fail(conn, transfer_id, "cancelled by the agent", app[CLOCK]())
    carrier = app[CARRIER]
    if row["destination_sid"]:
        spawn(app, carrier.hangup(row["destination_sid"]), what="hang-up")
    if row["conference_sid"]:
        unhold = carrier.participant(row["conference_sid"], row["customer_sid"], hold=False)
        spawn(app, unhold, what="unhold")
    return json_response({"transfer": failed})


@routes.get("/api/agent/ws")
@requires("agent")
@api(
    "The agent console's WebSocket: state and screen-pop messages, pushed as they happen",
    description="A WebSocket (GET with Upgrade). It answers at once with hello, the agent's"
    " state and, if they hold one, their call, then pushes state and pop messages. It takes"
    ' {"type": "join", "campaign": C}, {"type": "state", "state": "available" | "paused" |'
    ' "offline"} and {"type": "ping"} (at least every 15 s, or the console counts as gone'
    " after 45 s); errors come back as messages of type error.",
    produces="application/json",
    tag="agents",
)
async def socket(request: web.Request) -> web.WebSocketResponse:
    app, user = request.app, current_user(request)
    language = request_language(request)
    ws = web.WebSocketResponse(heartbeat=15.0)
    await ws.prepare(request)
    # Hello comes first; then the socket hears the news, and only then is the state read
    # (news between the two arrive after hello, and nothing is missed).
    await ws.send_json({"type": "hello", "agent": user.to_json()})
    hub = app[HUB]
    hub.add(user.id, ws)
    try:
        async with app[POOL].acquire() as conn:
            hello = await console.connected(
                conn, user.id, app[POPS], node=app[NODE], now=app[CLOCK]()
            )
        for message in hello:
            await ws.send_json(message, dumps=_dumps)
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            if not await _still_allowed(app, request[TOKEN_ID]):
                # Logged out, revoked or disabled since the socket opened: it ends now.
                refused = Unauthorized("your session has ended: log in again")
                await ws.send_json({"type": "error"} | refused.to_json(language)["error"])
                await ws.close(code=WS_SESSION_ENDED)
                break
            await _on_message(app, user, ws, msg.data, language)
    except ConnectionResetError:
        pass  # the console went while it was answered (a refusal, a pong): nobody to tell
    finally:
        hub.remove(user.id, ws)
    return ws


async def _still_allowed(app: web.Application, token_id: int) -> bool:
    async with app[POOL].acquire() as conn:
        return await token_alive(conn, token_id, now=app[CLOCK]())


async def _on_message(
    app: web.Application, user: User, ws: web.WebSocketResponse, data: str, language: str
) -> None:
    try:
        body = json.loads(data)
        if not isinstance(body, dict):
            raise BadRequest("a message is a JSON object with a type")
        kind = body.get("type")
        if kind == "ping":
            async with app[POOL].acquire() as conn:
                await console.seen(conn, user.id, app[CLOCK]())
            await ws.send_json({"type": "pong"})
        elif kind in ("join", "state"):
            wanted = ("campaign", "state", "reason", "pause_after_call")
            fields = {k: body[k] for k in wanted if k in body}
            await _change(app, user, validate(Change, fields))  # the news comes via the hub
        else:
            raise BadRequest(f"unknown message type {kind!r}: join, state or ping")
    except json.JSONDecodeError:
        error = BadRequest("a message must be JSON").to_json(language)["error"]
        await ws.send_json({"type": "error", "message": error["message"]})
    except DialerError as exc:
        await ws.send_json({"type": "error"} | exc.to_json(language)["error"])


def _dumps(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)
