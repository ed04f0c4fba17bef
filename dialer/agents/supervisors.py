"""Supervisors in an agent's conference (table ``monitors``): a manager listens to a
live call (muted), whispers to the agent (coaching: only the agent hears them) or barges
in (everyone hears them), and may switch between the three or leave at any time.

The supervisor's phone is called into the agent's own conference (the Participants
resource), which it never starts or ends; so it works the same whatever customer the
agent is talking to, and hears the next one too until it leaves. It is connecting until
the conference says it joined, and ended when it left (or the agent's leg did, which
ends the conference).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from dialer.agents.legs import Endpoint
from dialer.db import Connection, q
from dialer.errors import Conflict, NotFound

Mode = Literal["listen", "whisper", "barge"]


class MonitorForm(BaseModel):
    """Who to monitor, how, and through which phone of the supervisor's."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    agent_id: int
    mode: Mode = "listen"
    endpoint: Literal["softphone", "sip", "phone"] = "softphone"
    address: str | None = None

    @model_validator(mode="after")
    def _endpoint_fits(self) -> MonitorForm:
        checked = Endpoint(endpoint=self.endpoint, address=self.address)
        self.address = checked.address
        return self


class ModeForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: Mode


def flags(mode: str) -> tuple[bool, bool]:
    """(muted, coaching) of a supervisor in ``mode``."""
    return mode == "listen", mode == "whisper"


def identity(user_id: int) -> str:
    """A supervisor's softphone identity."""
    return f"supervisor-{user_id}"


@dataclass(frozen=True)
class Started:
    monitor_id: int
    conference_sid: str
    agent_leg: str  # the agent's leg's call: who a whisper coaches


async def start(conn: Connection, supervisor_id: int, form: MonitorForm, now: datetime) -> Started:
    """Record the monitoring the supervisor asks for (the caller owns the transaction)."""
    if await conn.fetchrow(q("monitor_of_supervisor"), supervisor_id) is not None:
        raise Conflict("you are monitoring a call already: leave it first")
    leg = await conn.fetchrow(q("agent_leg"), form.agent_id)
    if leg is None or leg["state"] != "connected" or not leg["conference_sid"]:
        raise Conflict(f"agent {form.agent_id}'s phone is not connected: nothing to join")
    monitor_id: int = await conn.fetchval(
        q("insert_monitor"),
        supervisor_id,
        form.agent_id,
        form.mode,
        form.endpoint,
        form.address,
        leg["conference_sid"],
        now,
    )
    return Started(monitor_id, leg["conference_sid"], leg["call_sid"])


async def placed(conn: Connection, monitor_id: int, call_sid: str) -> None:
    await conn.execute(q("monitor_placed"), monitor_id, call_sid)


async def ended(
    conn: Connection, *, call_sid: str | None, monitor_id: int | None, reason: str, now: datetime
) -> int | None:
    """The monitoring is over (left, failed, stopped); its id, or None when there is no
    such monitoring."""
    row = await conn.fetchrow(q("monitor_ended"), call_sid, now, reason[:200], monitor_id)
    return int(row["id"]) if row is not None else None


async def joined(conn: Connection, call_sid: str) -> int | None:
    """The supervisor's call joined the agent's conference: connected."""
    found = await conn.fetchval(q("monitor_joined"), call_sid)
    return int(found) if found is not None else None


async def live_of(conn: Connection, supervisor_id: int, monitor_id: int) -> dict[str, Any]:
    """The supervisor's own live monitoring ``monitor_id``, locked."""
    row = await conn.fetchrow(q("monitor_of_supervisor"), supervisor_id)
    if row is None or row["id"] != monitor_id:
        raise NotFound(f"no live monitoring {monitor_id} of yours")
    return dict(row)


async def get(conn: Connection, monitor_id: int) -> dict[str, Any]:
    row = await conn.fetchrow(q("monitor"), monitor_id)
    if row is None:
        raise NotFound(f"no monitoring {monitor_id}")
    return dict(row)


async def set_mode(conn: Connection, monitor_id: int, mode: str) -> dict[str, Any]:
    row = await conn.fetchrow(q("monitor_mode"), monitor_id, mode)
    assert row is not None
    return dict(row)


async def live_agents(conn: Connection, campaign_id: int) -> list[dict[str, Any]]:
    """The campaign's agents at work: state, phone, call progress, who monitors them."""
    return [dict(r) for r in await conn.fetch(q("live_agents"), campaign_id)]
