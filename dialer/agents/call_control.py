"""The agent's control of the call they hold: hang up, hold and resume the customer
(who hears the campaign's hold message meanwhile), mute and unmute their own line.

Each is a request to the carrier on the agent's conference (the Conference Participant
resource); its effect is known from the conference's events (``participant-hold``,
``participant-mute``…), which the console is told of — so the screen shows what the
carrier did, not what was asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from dialer.db import Connection, q
from dialer.errors import Conflict, Forbidden


class Control(BaseModel):
    """What the agent does to the call they hold."""

    model_config = ConfigDict(extra="forbid")
    attempt_id: int
    action: Literal["hangup", "hold", "resume", "mute", "unmute"]


@dataclass(frozen=True)
class Plan:
    """The carrier request that does it."""

    action: str
    attempt_id: int
    call_sid: str
    conference_sid: str | None
    leg_sid: str | None


async def plan(conn: Connection, agent_id: int, control: Control) -> Plan:
    """Check the agent holds ``control.attempt_id`` and that it can be done now."""
    row = await conn.fetchrow(q("call_to_control"), agent_id, control.attempt_id)
    if row is None:
        raise Forbidden("you can control only the call you hold")
    if row["state"] != "in-progress" or row["left_at"] is not None or not row["call_sid"]:
        raise Conflict("the customer is no longer on the line")
    if control.action != "hangup" and (row["joined_at"] is None or not row["conference_sid"]):
        raise Conflict("the customer is not with you yet")
    if control.action in ("mute", "unmute") and not row["leg_sid"]:
        raise Conflict("your phone is not connected")
    already = {
        "hold": (row["on_hold"], "the customer is on hold already"),
        "resume": (not row["on_hold"], "the customer is not on hold"),
        "mute": (row["muted"], "your microphone is muted already"),
        "unmute": (not row["muted"], "your microphone is not muted"),
    }.get(control.action)
    if already is not None and already[0]:
        raise Conflict(already[1])
    return Plan(control.action, row["id"], row["call_sid"], row["conference_sid"], row["leg_sid"])
