"""The voice path's decisions: what an answered customer hears, when they join their
agent, what happens when that fails, and the agents' own legs.

The carrier asks the service at every step (a webhook, answered with TwiML from
``providers/twiml.py``) and reports the conference's events; each of those is stored
with what it did, in the transaction that does it (``carrier_events``). Requests to the
carrier that follow (a REST update of another call, a hang-up) are returned in
:class:`Voiced` and made after the commit.

- **Hold**: an answered customer hears the campaign's hold message, a pause, and the
  carrier asks again (``/carrier/voice/hold``): handed to an agent meanwhile → into the
  agent's conference; past the campaign's hold limit, counted from the answer → the
  apology and hang-up, abandoned; else hold again, never past the limit.
- **Bridge**: a customer handed to an agent joins the agent's conference (a REST
  update, or the next hold request if that update was lost). The conference's
  ``participant-join`` proves it: the customer is in the very conference the agent's
  leg is in. Otherwise — the agent's leg gone, another conference, no join within the
  campaign's bridge timeout, or the ``<Dial>`` over before the customer joined — the
  bridge failed: the agent is released, the customer goes to the next free agent or
  back on hold, or hears the apology (abandoned) past the limit.
- **Agent legs**: ``/carrier/voice/agent`` puts an agent's leg into their conference;
  its ``participant-join`` makes the leg connected, its ``participant-leave`` (or the
  leg's call ending) dropped. When an agent's leg leaves while a customer is with
  them, the conference ends, and the customer hears that the line dropped.
- **Transfers**: the customer is dialled to the destination; done when the destination
  answered (``<Number url>``), else back to the agent's conference and the agent told.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dialer.agents import legs, presence, supervisors, transfers
from dialer.campaigns.schemas import Voice
from dialer.db import Connection, Pool, is_outage, q
from dialer.providers import twiml
from dialer.providers.twiml import Spoken

log = logging.getLogger(__name__)
LIVE = ("queued", "dialing", "ringing", "in-progress")
SEATED_PAUSE = 30  # a call on a virtual seat has nobody to join: silence, asked again
# A customer's line dropped with their agent (the agent's leg left mid-call).
DROPPED_MESSAGE = (
    "Mohon maaf, sambungan dengan petugas kami terputus. Kami akan menghubungi Anda kembali."
)
# What an agent's leg hears when the service does not know it as an agent's.
NOT_AN_AGENT = "Sambungan ini tidak terdaftar sebagai petugas."


@dataclass
class Voiced:
    """What a voice callback did: the document for the carrier, the effect stored with
    the callback, and carrier requests to make after the commit."""

    document: str
    effect: str
    attempt_id: int | None = None
    updates: list[tuple[str, str]] = field(default_factory=list)  # (call SID, TwiML)
    hangups: list[str] = field(default_factory=list)
    recordings: list[tuple[str, str]] = field(default_factory=list)  # (call SID, status URL)
    unholds: list[tuple[str, str]] = field(default_factory=list)  # (conference, call SID)


Handler = Callable[[Connection, dict[str, str]], Awaitable["Voiced"]]


async def record(
    pool: Pool,
    kind: str,
    attempt_id: int | None,
    params: dict[str, str],
    now: datetime,
    handler: Handler,
) -> Voiced:
    """Apply a voice callback with ``handler`` and store it with its effect, in one
    transaction. One that fails to apply is stored alone (for a look, and the
    reconciler's logs) and the call is told nothing new (an empty document)."""
    sid = params.get("CallSid")
    async with pool.acquire() as conn:
        try:
            async with conn.transaction():
                voiced = await handler(conn, params)
                await conn.execute(
                    q("insert_applied_event"),
                    now,
                    kind,
                    voiced.attempt_id,
                    sid,
                    params,
                    voiced.effect,
                )
        except Exception as exc:
            if is_outage(exc):
                raise  # nothing can be stored: the request says so (503), the log once
            log.exception("voice callback stored but not applied", extra={"kind": kind})
            await conn.execute(q("insert_carrier_event"), now, kind, attempt_id, sid, params)
            return Voiced(twiml.EMPTY, "stored")
    return voiced


@functools.lru_cache(maxsize=256)
def _voice_of(text: str) -> Voice:
    return Voice.model_validate_json(text)


def voice_of(value: Any) -> Voice:
    """A campaign's voice from its stored definition (JSON text, a dict or None)."""
    if value is None:
        return _voice_of("{}")
    if isinstance(value, str):
        return _voice_of(value)
    return _voice_of(json.dumps(value, sort_keys=True))


def spoken(voice: Voice, text: str, *, audio: bool = False) -> Spoken:
    return Spoken(text, voice.say_voice, voice.language, voice.hold_audio_url if audio else None)


def apology(voice: Any) -> str:
    """The apology, then hang up: no agent could take the customer."""
    found = voice_of(voice)
    return twiml.farewell(spoken(found, found.information()))


def _hold(base: str, attempt_id: int, voice: Voice, pause: float) -> str:
    redirect = twiml.url(base, "/carrier/voice/hold", attempt=attempt_id)
    whole = max(1, min(voice.hold_pause_seconds, int(pause + 0.999)))
    return twiml.hold(spoken(voice, voice.hold_message, audio=True), whole, redirect)


async def on_hold(conn: Connection, attempt_id: int | None, base: str, now: datetime) -> Voiced:
    """The carrier asks what an answered customer hears now (the answer, then every
    hold pause)."""
    row = await conn.fetchrow(q("attempt_voice"), attempt_id) if attempt_id else None
    if row is None or row["state"] not in LIVE:
        return Voiced(twiml.HANGUP, "not_live", attempt_id)
    voice = voice_of(row["voice"])
    if row["agent_id"] is not None:
        return Voiced(twiml.to_agent(base, row["id"], row["agent_id"]), "to_agent", row["id"])
    if row["seat"] is not None:
        redirect = twiml.url(base, "/carrier/voice/hold", attempt=row["id"])
        return Voiced(twiml.wait(SEATED_PAUSE, redirect), "seated", row["id"])
    if row["abandoned"]:
        return Voiced(apology(row["voice"]), "apology", row["id"])
    if row["hold_until"] is None:
        # Answered, the person not yet told from a machine: the hold plays meanwhile.
        answered = row["answered_at"] or now
        until = answered + timedelta(seconds=row["max_hold_seconds"])
    else:
        until = row["hold_until"]
    left = (until - now).total_seconds()
    if left <= 0:
        await conn.execute(q("mark_abandoned"), row["id"], now)
        log.info("hold limit reached: apology", extra={"attempt_id": row["id"]})
        return Voiced(apology(row["voice"]), "hold_limit", row["id"])
    return Voiced(_hold(base, row["id"], voice, left), "hold", row["id"])


async def bridge_failed(conn: Connection, row: Any, base: str, now: datetime, why: str) -> Voiced:
    """The customer of ``row`` (``attempt_voice``) did not reach their agent: the agent
    is released, and the customer goes to the next free agent, waits, or hears the
    apology past the hold limit."""
    attempt_id, agent_id = row["id"], row["agent_id"]
    log.warning("bridge failed", extra={"attempt_id": attempt_id, "agent_id": agent_id, "why": why})
    await conn.execute(q("bridge_failed"), attempt_id, now)
    if agent_id is not None and await conn.fetchval(q("release_agent"), agent_id, attempt_id, now):
        await presence.notify(conn, agent_id, "state")
    # The customer was given an agent in time; the line failed them: they wait for
    # another up to the hold limit from the answer.
    answered = row["answered_at"] or now
    hold = answered + timedelta(seconds=row["max_hold_seconds"]) - now
    if hold <= timedelta(0):
        await conn.execute(q("mark_abandoned"), attempt_id, now)
        return Voiced(apology(row["voice"]), f"bridge_failed:{why}:apology", attempt_id)
    handed = await presence.hand_over(conn, attempt_id, row["campaign_id"], now=now, hold=hold)
    if handed.agent_id is not None:
        document = twiml.to_agent(base, attempt_id, handed.agent_id)
        return Voiced(document, f"bridge_failed:{why}:agent", attempt_id)
    voice = voice_of(row["voice"])
    left = hold.total_seconds()
    return Voiced(_hold(base, attempt_id, voice, left), f"bridge_failed:{why}:hold", attempt_id)


async def on_bridged(
    conn: Connection,
    attempt_id: int | None,
    agent_id: int | None,
    params: dict[str, str],
    base: str,
    now: datetime,
) -> Voiced:
    """The customer's ``<Dial>`` into the agent's conference is over (the ``action``)."""
    row = await conn.fetchrow(q("attempt_voice"), attempt_id) if attempt_id else None
    if row is None or row["state"] not in LIVE or row["left_at"] is not None:
        return Voiced(twiml.HANGUP, "not_live", attempt_id)
    if row["agent_id"] is None or row["agent_id"] != agent_id:
        # Handed to someone else meanwhile (an old bridge's end): what holds now.
        return await on_hold(conn, row["id"], base, now)
    if row["joined_at"] is not None:
        # The customer was with the agent and the conference ended under them: the
        # agent's leg left. They hear why; the agent keeps the call to record it.
        voice = voice_of(row["voice"])
        await presence.notify(conn, row["agent_id"], "pop", attempt=row["id"])
        return Voiced(twiml.farewell(spoken(voice, DROPPED_MESSAGE)), "agent_dropped", row["id"])
    status = params.get("DialCallStatus", "")
    return await bridge_failed(conn, row, base, now, f"dial_{status or 'ended'}")


async def on_conference(
    conn: Connection, params: dict[str, str], base: str, now: datetime
) -> Voiced:
    """A conference's event: an agent's leg joined (connected) or left (dropped); a
    customer joined their agent (heard from now), or a conference that is not their
    agent's (the bridge failed); a customer left."""
    event = params.get("StatusCallbackEvent", "")
    sid = params.get("CallSid", "")
    conference, name = params.get("ConferenceSid", ""), params.get("FriendlyName", "")
    if event in HELD and sid:
        return await _held(conn, sid, event, now)
    if event not in ("participant-join", "participant-leave") or not sid:
        return Voiced(twiml.EMPTY, event or "ignored")
    attempt_id = await conn.fetchval(q("attempt_by_sid"), sid)
    if attempt_id is None:
        destination = await transfers.of_destination(conn, sid)
        if destination is not None:
            return await _destination(conn, destination, event, params, now)
        if event == "participant-join":
            if await legs.joined(conn, sid, conference, name, now):
                return Voiced(twiml.EMPTY, "leg_connected")
            watching = await supervisors.joined(conn, sid)
            return Voiced(twiml.EMPTY, "monitor_joined" if watching else "unknown_participant")
        reason = params.get("ReasonParticipantLeft") or "left"
        if await legs.left(conn, sid, reason, now):
            return Voiced(twiml.EMPTY, "leg_dropped")
        gone = await supervisors.ended(conn, call_sid=sid, monitor_id=None, reason=reason, now=now)
        return Voiced(twiml.EMPTY, "monitor_left" if gone else "unknown_participant")
    row = await conn.fetchrow(q("attempt_voice"), attempt_id)
    if event == "participant-leave":
        if params.get("ReasonParticipantLeft", "participant_hung_up") == "participant_hung_up":
            await conn.execute(q("attempt_left"), attempt_id, now)
            if row is not None and row["agent_id"] is not None:
                await presence.notify(conn, row["agent_id"], "pop", attempt=attempt_id)
        return Voiced(twiml.EMPTY, "customer_left", attempt_id)
    if row is None or row["state"] not in LIVE:
        return Voiced(twiml.EMPTY, "not_live", attempt_id)
    agent_id = row["agent_id"]
    leg = await conn.fetchrow(q("agent_leg"), agent_id) if agent_id is not None else None
    if (
        leg is not None
        and leg["state"] == "connected"
        and leg["conference_sid"] == conference
        and name == twiml.room(agent_id)
    ):
        first = await conn.fetchval(q("attempt_joined"), attempt_id, conference, now)
        await presence.notify(conn, agent_id, "pop", attempt=attempt_id)
        joined = Voiced(twiml.EMPTY, "customer_joined", attempt_id)
        if first and voice_of(row["voice"]).record and row["call_sid"]:
            status = twiml.url(base, "/carrier/voice/recording", attempt=attempt_id)
            joined.recordings.append((row["call_sid"], status))
        return joined
    if leg is not None and leg["state"] == "connected" and leg["call_sid"]:
        # The agent's leg is not where it said it was: its conference is gone.
        await legs.left(conn, leg["call_sid"], "not_in_conference", now)
    failed = await bridge_failed(conn, row, base, now, "not_agents_conference")
    if row["call_sid"]:
        failed.updates.append((row["call_sid"], failed.document))
    failed.document = twiml.EMPTY
    return failed


async def music(conn: Connection, attempt_id: int | None, base: str) -> Voiced:
    """What a customer on hold hears (the agent put them there): the campaign's held
    message or audio, again and again until the agent resumes."""
    row = await conn.fetchrow(q("attempt_voice"), attempt_id) if attempt_id else None
    if row is None or row["state"] not in LIVE:
        return Voiced(twiml.EMPTY, "not_live", attempt_id)
    found = voice_of(row["voice"])
    again = twiml.url(base, "/carrier/voice/music", attempt=row["id"])
    document = twiml.hold(
        spoken(found, found.held_message, audio=True), found.hold_pause_seconds, again
    )
    return Voiced(document, "music", row["id"])


HELD = {
    "participant-hold": ("hold", True),
    "participant-unhold": ("hold", False),
    "participant-mute": ("mute", True),
    "participant-unmute": ("mute", False),
}


async def _held(conn: Connection, sid: str, event: str, now: datetime) -> Voiced:
    """A participant put on hold or back, muted or not: the customer's hold is on the
    attempt, the agent's mute on their leg; the agent's console is told."""
    what, on = HELD[event]
    attempt_id = await conn.fetchval(q("attempt_by_sid"), sid)
    if attempt_id is not None:
        await conn.execute(q("attempt_held"), attempt_id, on if what == "hold" else False, now)
        agent = await conn.fetchval(q("agent_of_attempt"), attempt_id)
        if agent is not None:
            await presence.notify(conn, agent, "pop", attempt=attempt_id)
        return Voiced(twiml.EMPTY, f"customer_{event.removeprefix('participant-')}", attempt_id)
    agent = await conn.fetchval(q("leg_muted"), sid, on) if what == "mute" else None
    if agent is not None:
        await presence.notify(conn, agent, "pop")
    return Voiced(
        twiml.EMPTY, f"leg_{event.removeprefix('participant-')}" if agent else "no_change"
    )


async def on_agent(
    conn: Connection, agent_id: int | None, params: dict[str, str], base: str, now: datetime
) -> Voiced:
    """An agent's leg asks what to do: into their conference. ``agent_id`` is the
    service's own leg (its URL names the agent); a softphone names itself
    (``From=client:agent-N``)."""
    sid = params.get("CallSid", "")
    softphone = legs.agent_of_client(params.get("From", ""))
    agent = agent_id if agent_id is not None else softphone
    voice = voice_of(None)
    if agent is None or not sid or not await conn.fetchval(q("is_agent"), agent):
        return Voiced(twiml.farewell(spoken(voice, NOT_AN_AGENT)), "not_an_agent")
    hangups: list[str] = []
    if agent_id is None:
        replaced = await legs.dialled_in(conn, agent, sid, now)
        if replaced:
            hangups.append(replaced)
    elif not await legs.placed(conn, agent, sid):
        leg = await conn.fetchrow(q("agent_leg"), agent)
        if leg is None or leg["call_sid"] != sid:
            return Voiced(twiml.farewell(spoken(voice, NOT_AN_AGENT)), "not_this_leg")
    callback = twiml.url(base, "/carrier/voice/conference")
    document = twiml.agent_room(twiml.room(agent), callback)
    return Voiced(document, "agent_room", hangups=hangups)


async def on_recording(conn: Connection, attempt_id: int | None, params: dict[str, str]) -> Voiced:
    """A call's recording is done: its SID, URL and length go on the attempt (the CRM
    export carries them)."""
    if attempt_id is None or params.get("RecordingStatus") != "completed":
        return Voiced(
            twiml.EMPTY, f"recording_{params.get('RecordingStatus', 'unknown')}", attempt_id
        )
    seconds = params.get("RecordingDuration", "")
    await conn.execute(
        q("attempt_recorded"),
        attempt_id,
        params.get("RecordingSid"),
        params.get("RecordingUrl"),
        int(seconds) if seconds.isascii() and seconds.isdigit() and len(seconds) < 9 else None,
    )
    return Voiced(twiml.EMPTY, "recording_stored", attempt_id)


async def _destination(
    conn: Connection, row: dict[str, Any], event: str, params: dict[str, str], now: datetime
) -> Voiced:
    """A warm transfer's destination joined the agent's conference (the agent talks to
    them) or left it before the hand-over (the transfer failed, the customer back)."""
    if event == "participant-join":
        await transfers.destination_joined(conn, row, now)
        return Voiced(twiml.EMPTY, "transfer_destination_joined", row["attempt_id"])
    if row["state"] != "requested":
        return Voiced(twiml.EMPTY, "transfer_destination_left", row["attempt_id"])
    return await warm_failed(conn, row, "the destination left before the hand-over", now)


async def warm_failed(conn: Connection, row: dict[str, Any], why: str, now: datetime) -> Voiced:
    """A warm transfer will not happen: failed, and the customer off hold, with their
    agent again."""
    await transfers.fail(conn, row["id"], why, now)
    failed = Voiced(twiml.EMPTY, "transfer_failed", row["attempt_id"])
    if row.get("conference_sid") and row.get("customer_sid"):
        failed.unholds.append((row["conference_sid"], row["customer_sid"]))
    return failed


async def on_transfer_status(
    conn: Connection, transfer_id: int | None, params: dict[str, str], now: datetime
) -> Voiced:
    """The progress of a warm transfer's call to its destination: busy, no answer or a
    failure ends the transfer before it began."""
    status = params.get("CallStatus", "")
    if transfer_id is None or status not in ("busy", "no-answer", "failed", "canceled"):
        return Voiced(twiml.EMPTY, "no_change")
    row = await transfers.of_destination(conn, params.get("CallSid", ""))
    if row is None or row["id"] != transfer_id:
        return Voiced(twiml.EMPTY, "unknown_transfer")
    return await warm_failed(conn, row, f"the destination did not answer: {status}", now)


async def on_monitor_status(
    conn: Connection, monitor_id: int | None, params: dict[str, str], now: datetime
) -> Voiced:
    """The progress of a supervisor's call into an agent's conference: one that did not
    connect, or ended, ends the monitoring."""
    status = params.get("CallStatus", "")
    if monitor_id is None or status not in ("busy", "no-answer", "failed", "canceled", "completed"):
        return Voiced(twiml.EMPTY, "no_change")
    gone = await supervisors.ended(
        conn, call_sid=params.get("CallSid"), monitor_id=monitor_id, reason=status, now=now
    )
    return Voiced(twiml.EMPTY, "monitor_ended" if gone else "no_change")


async def on_agent_status(
    conn: Connection, agent_id: int | None, params: dict[str, str], now: datetime
) -> Voiced:
    """The progress of an agent's SIP or phone leg: a leg that did not connect, or whose
    call ended, is dropped (with the carrier's status as the reason)."""
    sid, status = params.get("CallSid", ""), params.get("CallStatus", "")
    if agent_id is not None and sid:
        await legs.placed(conn, agent_id, sid)  # the status may come before the answer
    if status in ("busy", "no-answer", "failed", "canceled", "completed") and sid:
        agent = await legs.left(conn, sid, status, now)
        return Voiced(twiml.EMPTY, "leg_dropped" if agent else "no_change")
    return Voiced(twiml.EMPTY, "no_change")


async def bridges_overdue(conn: Connection, base: str, now: datetime) -> list[tuple[str, str]]:
    """Customers handed to an agent and still not in the agent's conference after the
    campaign's bridge timeout: failed bridges; the documents to give them."""
    updates: list[tuple[str, str]] = []
    for found in await conn.fetch(q("bridges_overdue"), now):
        row = await conn.fetchrow(q("attempt_voice"), found["id"])
        if row is None or row["agent_id"] is None or row["joined_at"] is not None:
            continue
        failed = await bridge_failed(conn, row, base, now, "timeout")
        if row["call_sid"]:
            updates.append((row["call_sid"], failed.document))
    return updates
