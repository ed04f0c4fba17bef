"""The agents' side of every tick, on every node (each row changes once, whoever runs
it first): calls that waited on hold too long (from their answer) are abandoned and hear the
apology, agents whose after-call
work is over become available (and take a call waiting on hold), calls still on hold
go to any agent free now, consoles that went silent go offline. The hang-ups and bridges run after the commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dialer.agents import presence
from dialer.db import Pool, q

SILENT_AFTER = timedelta(seconds=45)  # consoles say they are there every 15 s


@dataclass
class Chores:
    """Provider requests to make once the sweep has committed."""

    # Calls past their hold limit, to hear the apology: (call SID, the campaign's voice).
    apologies: list[tuple[str, Any]] = field(default_factory=list)
    # Calls handed to an agent: (call SID, attempt, agent).
    bridges: list[tuple[str, int, int]] = field(default_factory=list)


async def sweep(pool: Pool, now: datetime) -> Chores:
    chores = Chores()
    async with pool.acquire() as conn, conn.transaction():
        for row in await conn.fetch(q("abandon_overdue"), now):
            if row["call_sid"]:
                chores.apologies.append((row["call_sid"], row["voice"]))
        for row in await conn.fetch(q("end_wrap_ups"), now):
            await presence.notify(conn, row["user_id"], "state")
            if row["state"] != "available":  # a break the agent asked for after the call
                continue
            taken = await presence.take_longest_waiting(
                conn, row["user_id"], row["campaign_id"], now=now
            )
            if taken is not None and taken[1]:
                chores.bridges.append((taken[1], taken[0], row["user_id"]))
        # Calls on hold while an agent is free (that agent was locked for a moment when
        # the call came, say): handed over now, not left to be abandoned.
        for row in await conn.fetch(q("waiting_calls")):
            agent_id = await conn.fetchval(q("reserve_agent"), row["campaign_id"], row["id"], now)
            if agent_id is None:
                continue
            await conn.execute(q("bridge_attempt"), row["id"], agent_id, now)
            await presence.notify(conn, agent_id, "pop", attempt=row["id"])
            if row["call_sid"]:
                chores.bridges.append((row["call_sid"], row["id"], agent_id))
        for row in await conn.fetch(q("agents_gone_silent"), now - SILENT_AFTER, now):
            await presence.notify(conn, row["user_id"], "state")
    return chores
