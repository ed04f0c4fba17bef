"""Transfer of a live call to another contact center (seed 003).

The destinations are the campaign's (``transfers`` in its definition: key, label,
number, category). The agent holding the call asks; the transfer is recorded as
requested, the carrier redirects the call, and then — in one transaction — the transfer
is done, the target finished as ``transferred`` and the agent in after-call work. A
carrier refusal is recorded as failed with its reason and leaves the agent on the call,
free to try again or record an outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dialer.agents import presence
from dialer.db import Connection, q
from dialer.errors import Conflict, Forbidden, UpstreamFailed, ValidationFailed


class CarrierFailed(UpstreamFailed):
    error_id = "carrier_failed"


class TransferForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    attempt_id: int
    destination: str = Field(min_length=1, max_length=40)
    notes: str = Field("", max_length=2000)


@dataclass(frozen=True)
class Requested:
    transfer_id: int
    call_sid: str
    number: str
    wrap_up_seconds: int


async def request(
    conn: Connection, form: TransferForm, *, agent_id: int, now: datetime
) -> Requested:
    """Record the transfer the agent asks for (the caller owns the transaction)."""
    await conn.execute(q("lock_agent"), agent_id)
    call = await conn.fetchrow(q("outcome_call"), agent_id, form.attempt_id)
    if call is None:
        raise Forbidden("you can transfer only the call you hold")
    if call["call_state"] != "in-progress" or not call["call_sid"]:
        raise Conflict(
            f"the call is not live ({call['call_state']}): only a live call is transferred"
        )
    destinations = {d["key"]: d for d in call["definition"].get("transfers", [])}
    destination = destinations.get(form.destination)
    if destination is None:
        known = ", ".join(destinations) or "none: the campaign has no transfer destinations"
        raise ValidationFailed(
            f"no transfer destination {form.destination!r}",
            details=[{"field": "destination", "reason": f"one of: {known}"}],
        )
    if await conn.fetchval(q("transfer_of_attempt"), form.attempt_id) is not None:
        raise Conflict("this call is being transferred already")
    transfer_id: int = await conn.fetchval(
        q("insert_transfer"),
        form.attempt_id,
        call["campaign_id"],
        call["target_id"],
        agent_id,
        destination["key"],
        destination["number"],
        destination["category"],
        form.notes,
        now,
    )
    wrap = int(call["definition"].get("wrap_up_seconds", 15))
    return Requested(transfer_id, call["call_sid"], destination["number"], wrap)


async def finish(
    conn: Connection, requested: Requested, *, agent_id: int, now: datetime, error: str | None
) -> dict[str, Any]:
    """The carrier's answer: done (target finished, agent to after-call work) or failed."""
    if error is not None:
        row = await conn.fetchrow(q("transfer_failed"), requested.transfer_id, error[:500], now)
        assert row is not None
        return dict(row)
    row = await conn.fetchrow(q("transfer_done"), requested.transfer_id, now)
    assert row is not None
    await conn.execute(q("target_finished"), row["campaign_id"], row["target_id"], "transferred")
    await presence.wrap_up(conn, agent_id, now=now, seconds=requested.wrap_up_seconds)
    return dict(row)


async def of_campaign(conn: Connection, campaign_id: int) -> list[dict[str, Any]]:
    """The campaign's transfers, with the agent and the customer's IndiHome number."""
    return [dict(r) for r in await conn.fetch(q("campaign_transfers"), campaign_id)]
