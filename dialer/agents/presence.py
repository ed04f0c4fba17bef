"""Agents' presence and the calls they hold, in ``agent_states``.

An agent joins a campaign from the console (paused), says available or paused, and a
human-answered call of that campaign goes to its longest-waiting free agent whose
leg is connected (``legs.py``) —
atomically, on any node: the agent's row is locked and its state checked in the same
UPDATE, and a unique index allows one agent per call. With no agent free, the call
waits on hold until the deadline its caller gives (``attempts.hold_until``: the
campaign's connect limit after the person answered; an agent who becomes free takes
it) and is then abandoned, which the abandon guard counts. After the outcome,
the agent is in after-call work for ``wrap_up_seconds``, then available by itself — or
paused, with a reason, when they asked for a break after the call.

Every change an agent's console must see is announced with ``pg_notify`` in the
transaction that makes it, so it reaches the node holding the agent's WebSocket when,
and only if, it commits (``hub.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dialer.db import Connection, q
from dialer.errors import Conflict, NotFound

CHANNEL = "dialer_agents"
STATES = ("offline", "available", "paused", "on_call", "wrap_up")
CHOSEN = ("available", "paused", "offline")  # what an agent may say


@dataclass(frozen=True)
class Handed:
    """What became of a human-answered call: an agent's, waiting, or abandoned."""

    agent_id: int | None = None
    waiting: bool = False
    abandoned: bool = False


def identity(agent_id: int) -> str:
    """The agent's Twilio Client identity (their softphone registers under it) and the
    name of their conference."""
    return f"agent-{agent_id}"


async def notify(conn: Connection, user_id: int, kind: str, **data: Any) -> None:
    """Tell the agent's console, on whichever node holds it, once this commits."""
    payload = json.dumps({"user": user_id, "kind": kind} | data, default=str)
    await conn.execute(q("notify"), CHANNEL, payload)


async def join(conn: Connection, user_id: int, campaign_id: int, node: str, now: datetime) -> None:
    """The agent takes calls for a campaign (paused until they say available)."""
    await conn.execute(q("agent_join"), user_id, campaign_id, now, node)
    await notify(conn, user_id, "state")


async def set_state(
    conn: Connection,
    user_id: int,
    state: str,
    *,
    now: datetime,
    take_waiting: bool = True,
    reason: str | None = None,
) -> tuple[int, str | None] | None:
    """The agent says available, paused (for ``reason``) or offline. Refused during a
    call (its outcome comes first); after-call work may be cut short to be available
    or offline, while a break asked during it starts when it ends (the call stays on
    screen until then). An agent who becomes available takes the call waiting longest
    on hold, if any: (attempt id, call SID) is returned."""
    if state not in CHOSEN:
        raise Conflict(f"an agent can be {', '.join(CHOSEN)}, not {state!r}")
    current = await conn.fetchrow(q("agent_state_for_update"), user_id)
    if current is None:
        raise NotFound("join a campaign first: no campaign to take calls for")
    if current["state"] == "on_call":
        raise Conflict("record the outcome of your call first")
    if current["state"] == "wrap_up" and state == "paused":
        await then_pause(conn, user_id, reason)
        return None
    if current["state"] == state and current["pause_reason"] == reason:
        return None
    paused_for = reason if state == "paused" else None
    campaign_id = await conn.fetchval(q("agent_set_state"), user_id, state, now, paused_for)
    await notify(conn, user_id, "state")
    if state == "available" and take_waiting:
        return await take_longest_waiting(conn, user_id, campaign_id, now=now)
    return None


async def then_pause(conn: Connection, user_id: int, reason: str | None) -> None:
    """The agent, on a call or in its after-call work, asks to be paused for ``reason``
    when the after-call work ends (None: available, as usual)."""
    if await conn.fetchval(q("agent_then_pause"), user_id, reason) is None:
        raise Conflict("pause after the call: you are not on a call")
    await notify(conn, user_id, "state")


async def hand_over(
    conn: Connection,
    attempt_id: int,
    campaign_id: int,
    *,
    now: datetime,
    hold: timedelta,
) -> Handed:
    """A human answered: the call goes to a free agent, or waits, or is abandoned."""
    agent_id = await conn.fetchval(q("reserve_agent"), campaign_id, attempt_id, now)
    if agent_id is not None:
        await conn.execute(q("bridge_attempt"), attempt_id, agent_id, now)
        await notify(conn, agent_id, "pop", attempt=attempt_id)
        return Handed(agent_id=agent_id)
    if hold > timedelta(0):
        await conn.execute(q("start_waiting"), attempt_id, now, now + hold)
        return Handed(waiting=True)
    return Handed(abandoned=True)


async def take_longest_waiting(
    conn: Connection, user_id: int, campaign_id: int, *, now: datetime
) -> tuple[int, str | None] | None:
    """A free agent takes the call waiting longest on hold (before its deadline): its
    (attempt id, call SID), to bridge after the commit."""
    waiting = await conn.fetchrow(q("oldest_waiting"), campaign_id, now)
    if waiting is None:
        return None
    if await conn.fetchval(q("take_call"), user_id, waiting["id"], now) is None:
        return None
    await conn.execute(q("bridge_attempt"), waiting["id"], user_id, now)
    await notify(conn, user_id, "pop", attempt=waiting["id"])
    return waiting["id"], waiting["call_sid"]


async def wrap_up(conn: Connection, user_id: int, *, now: datetime, seconds: int) -> None:
    """The outcome is recorded: after-call work, then available by itself."""
    await conn.execute(q("agent_wrap_up"), user_id, now, now + timedelta(seconds=seconds))
    await notify(conn, user_id, "state")


async def state_of(conn: Connection, user_id: int) -> dict[str, Any]:
    """The agent's state, campaign and call, and their phone: the leg they hear
    customers through (``legs.py``), or None before they connect one."""
    record = await conn.fetchrow(q("agent_state"), user_id)
    phone = await phone_of(conn, user_id)
    if record is None:
        return {"state": "offline", "campaign": None, "attempt_id": None, "phone": phone}
    return {
        "state": record["state"],
        "campaign": record["campaign"],
        "since": record["since"],
        "attempt_id": record["attempt_id"],
        "wrap_up_until": record["wrap_up_until"],
        "pause_reason": record["pause_reason"],  # why the agent is paused, if they said
        "then_pause": record["then_pause"],  # paused for this reason after the call
        "phone": phone,
    }


async def phone_of(conn: Connection, user_id: int) -> dict[str, Any] | None:
    """The agent's leg as the console shows it: endpoint, address, state
    (connecting, connected, dropped), why it dropped, since when."""
    row = await conn.fetchrow(q("agent_leg"), user_id)
    if row is None:
        return None
    return {
        "endpoint": row["endpoint"],
        "address": row["address"],
        "state": row["state"],
        "muted": row["muted"],
        "reason": row["reason"],
        "since": row["since"],
    }
