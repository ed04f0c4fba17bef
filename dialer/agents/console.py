"""What an agent's console asks and is told, whichever way it asks (HTTP or its
WebSocket): join a campaign and say available, paused or offline; the messages its
socket gets for an event (its state, and the call it holds with the screen-pop).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from dialer.agents import assignments, presence
from dialer.agents.calls import call_and_state
from dialer.agents.screen_pop import Pops
from dialer.campaigns import service as campaigns
from dialer.db import Connection, q
from dialer.errors import BadRequest


class Change(BaseModel):
    """A console's request: join a campaign, change state (a break with its reason), or
    both; or, on a call, ask to be paused after it (``pause_after_call``, for
    ``reason``) or not."""

    model_config = ConfigDict(extra="forbid")
    campaign: str | None = None
    state: Literal["available", "paused", "offline"] | None = None
    reason: str | None = None
    pause_after_call: bool | None = None


@dataclass(frozen=True)
class Changed:
    """The agent's state after a change, and a waiting call it took (attempt, call
    SID), to bridge to the agent after the commit."""

    state: dict[str, Any]
    bridge: tuple[int, str] | None = None  # (attempt, call SID)


async def change(
    conn: Connection,
    user_id: int,
    body: Change,
    *,
    node: str,
    now: datetime,
    reasons: tuple[str, ...] = (),
) -> Changed:
    """Join a campaign and/or change state, or say what follows the call (the caller
    owns the transaction). A reason is one of ``reasons`` (the pause reasons set)."""
    if body.reason is not None and body.reason not in reasons:
        raise BadRequest(f"unknown pause reason {body.reason!r}: one of {', '.join(reasons)}")
    if body.pause_after_call is not None:
        wanted = body.reason or (reasons[0] if reasons else None)
        await presence.then_pause(conn, user_id, wanted if body.pause_after_call else None)
        return Changed(await presence.state_of(conn, user_id))
    if body.campaign is None and body.state is None:
        raise BadRequest("say a campaign to join, a state (available, paused, offline), or both")
    taken = None
    if body.campaign is not None:
        campaign = await campaigns.get(conn, body.campaign)
        await assignments.check_may_join(conn, user_id, campaign)
        await presence.join(conn, user_id, campaign.id, node, now)
    if body.state is not None:
        taken = await presence.set_state(conn, user_id, body.state, now=now, reason=body.reason)
    state = await presence.state_of(conn, user_id)
    return Changed(state, (taken[0], taken[1]) if taken is not None and taken[1] else None)


async def messages_for(
    conn: Connection, user_id: int, kind: str, pops: Pops
) -> list[dict[str, Any]]:
    """What the agent's console is sent for an event: the state, and the call (whose
    voucher step shows or hides with the campaign's quota and expiry)."""
    if kind == "state":
        state = await presence.state_of(conn, user_id)
        if state["attempt_id"] is None:
            return [{"type": "state"} | state]
    found = await call_and_state(conn, user_id, pops)  # the state read with the call
    if found is None:
        return [{"type": "state"} | await presence.state_of(conn, user_id)]
    call, state = found
    return [{"type": "state"} | state, call]


async def connected(
    conn: Connection, user_id: int, pops: Pops, *, node: str, now: datetime
) -> list[dict[str, Any]]:
    """A console connected to ``node``: it is seen there now, and gets its state and
    call at once (a reload restores the screen)."""
    await conn.execute(q("agent_seen"), user_id, now, node)
    return await messages_for(conn, user_id, "pop", pops)


async def seen(conn: Connection, user_id: int, now: datetime) -> None:
    """The console said it is still there (its ping)."""
    await conn.execute(q("agent_ping"), user_id, now)
