"""The call on an agent's screen: the customer and the campaign, read through the
agent's own row — an agent can only ever see the call they hold."""

from __future__ import annotations

from typing import Any

from dialer.agents import presence
from dialer.agents.screen_pop import Pops
from dialer.db import Connection, q
from dialer.rules.vocabulary import CUSTOMER_COLUMNS

# What the console shows of the customer: their record, and the zone of their province.
CUSTOMER = (*CUSTOMER_COLUMNS, "zone")


async def current_call(conn: Connection, user_id: int, pops: Pops) -> dict[str, Any] | None:
    """The pop of the call agent ``user_id`` holds, or None: the call, the customer, and
    the filled script with the bill, penalty and voucher figures (``screen_pop.py``)."""
    found = await call_and_state(conn, user_id, pops)
    return None if found is None else found[0]


async def call_and_state(
    conn: Connection, user_id: int, pops: Pops
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The pop of the call agent ``user_id`` holds and the agent's state (as
    ``presence.state_of`` gives it), read together; None without a call."""
    row = await conn.fetchrow(q("agent_call"), user_id)
    if row is None:
        return None
    state = {
        "state": row["agent_state"],
        "campaign": row["campaign"],
        "since": row["since"],
        "attempt_id": row["attempt_id"],
        "wrap_up_until": row["wrap_up_until"],
        "pause_reason": row["pause_reason"],
        "then_pause": row["then_pause"],
        "phone": await presence.phone_of(conn, user_id),
    }
    return await pops.build(conn, row) | {
        "type": "pop",
        "attempt_id": row["attempt_id"],
        "campaign": row["campaign"],
        "agent_name": row["agent_name"],
        "call": {
            "state": row["call_state"],
            "answered_at": row["answered_at"],
            "bridged_at": row["bridged_at"],
            "joined_at": row["joined_at"],  # the customer is with the agent from then
            "left_at": row["left_at"],  # the customer hung up
            "on_hold": row["on_hold"],  # the agent put the customer on hold
            "ended_at": row["ended_at"],
            "transfer": row["transfer"],  # the last transfer asked: its state, or None
        },
        "customer": {key: row[key] for key in CUSTOMER},
        # attempts: the target's calls settled so far; number: this call's, stable.
        "history": {
            "attempts": row["attempts"],
            "last_result": row["last_result"],
            "number": row["attempt_number"],
        },
    }, state
