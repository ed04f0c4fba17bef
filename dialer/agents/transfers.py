"""Transfer of a live call to another contact center (seed 003).

The destinations are the campaign's (``transfers`` in its definition: key, label,
number, the category of its transfer guide). The agent holding the call has said the
category's line (the apology: the call will be connected to the other contact center)
and asks only once the customer agreed with one of the category's consent words (YA,
Baik): without them the transfer is refused and nothing changes. The transfer is
recorded as requested, with the category, the consent and the guide's log text, and
the carrier dials the destination for the customer. It is done only
when the carrier says the destination answered (``answered``): then, in one
transaction, the target is finished as ``transferred`` and the agent goes to
after-call work. Busy, no answer or a failure (``ended`` before an answer) records the
transfer as failed with the carrier's status, puts the customer back in the agent's
conference and tells the agent. A carrier that refuses the request leaves the agent on
the call, free to try again or record an outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dialer.agents import actions, presence
from dialer.agents.transfer_guides import category, guide_of
from dialer.campaigns import transfer_guide
from dialer.db import Connection, q
from dialer.errors import Conflict, Forbidden, UpstreamFailed, ValidationFailed


class CarrierFailed(UpstreamFailed):
    error_id = "carrier_failed"


class TransferForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    attempt_id: int
    destination: str = Field(min_length=1, max_length=40)
    # The customer's answer to the apology line: one of the category's consent words
    # (seed 003: YA or Baik). Without it the call is not transferred.
    consent: str | None = Field(None, max_length=40)
    # What the category's log text asks for, if anything.
    fields: dict[str, str] = Field(default_factory=dict)
    notes: str = Field("", max_length=2000)
    # Warm: the agent talks to the destination first (the customer on hold), then hands
    # the customer over (``complete``) or gives up (``cancel``).
    warm: bool = False


@dataclass(frozen=True)
class Requested:
    attempt_id: int
    transfer_id: int
    call_sid: str
    number: str
    wrap_up_seconds: int
    conference_sid: str | None = None


async def request(
    conn: Connection,
    form: TransferForm,
    *,
    agent_id: int,
    now: datetime,
    examples_allowed: bool = True,
) -> Requested:
    """Record the transfer the agent asks for (the caller owns the transaction); an
    example destination (a placeholder number) only where ``examples_allowed``."""
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
    if destination.get("example") and not examples_allowed:
        raise Conflict(
            f"destination {destination['key']!r} is an example (contoh): its number"
            f" {destination['number']} is a placeholder, and this deployment calls real"
            " phones; the manager puts the contact center's real number in the campaign"
        )
    guide = await guide_of(conn, call["definition"])
    chosen = category(guide, destination["category"], field="destination")
    consent = _consented(chosen, form.consent)
    log_text = transfer_guide.log_text(chosen, form.fields)
    if await conn.fetchval(q("transfer_of_attempt"), form.attempt_id) is not None:
        raise Conflict("this call is being transferred already")
    if form.warm and (not call["conference_sid"] or call["left_at"] is not None):
        raise Conflict("the customer is not with you: a warm transfer starts from your call")
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
        form.warm,
        guide["name"],
        consent,
        log_text,
    )
    wrap = int(call["definition"].get("wrap_up_seconds", 15))
    conference = call["conference_sid"] if form.warm else None
    return Requested(
        form.attempt_id, transfer_id, call["call_sid"], destination["number"], wrap, conference
    )


def _consented(chosen: dict[str, Any], said: str | None) -> str:
    """The consent word the customer gave, as the guide spells it; a 422 saying what is
    missing, where and why when they gave none of the category's words."""
    words = list(chosen["consent"])
    for word in words:
        if said is not None and said.strip().casefold() == word.casefold():
            return str(word)
    given = "no consent was given" if not (said or "").strip() else f"{said!r} is not consent"
    raise ValidationFailed(
        f"the customer has not agreed to the transfer: {given}",
        details=[
            {
                "field": "consent",
                "reason": f"category {chosen['key']!r} ({chosen['label']}) is transferred only"
                f" after the customer answers the apology line with {' or '.join(words)};"
                " say the line, then send the word they answered",
            }
        ],
    )


async def refused(
    conn: Connection, requested: Requested, *, now: datetime, error: str
) -> dict[str, Any]:
    """The carrier refused to dial the destination: failed, the agent still on the call."""
    row = await conn.fetchrow(q("transfer_failed"), requested.transfer_id, error[:500], now)
    assert row is not None
    return dict(row)


async def answered(conn: Connection, transfer_id: int | None, *, now: datetime) -> str:
    """The destination answered: done — the target finished as transferred, the agent in
    after-call work. Returns the effect."""
    row = await conn.fetchrow(q("transfer_for_voice"), transfer_id) if transfer_id else None
    if row is None:
        return "unknown_transfer"
    if row["state"] != "requested":
        return "no_change"
    await done(conn, dict(row), now)
    return "transfer_done"


@dataclass(frozen=True)
class Ended:
    """How a transfer's dial ended: the effect, and whether the customer goes back to
    their agent (the destination never answered)."""

    effect: str
    back_to: tuple[int, int] | None = None  # (attempt, agent)


async def ended(conn: Connection, transfer_id: int | None, status: str, *, now: datetime) -> Ended:
    """The carrier's dial of the destination ended with ``status`` (DialCallStatus)."""
    row = await conn.fetchrow(q("transfer_for_voice"), transfer_id) if transfer_id else None
    if row is None:
        return Ended("unknown_transfer")
    if row["state"] == "done":
        return Ended("transfer_over")
    if row["state"] == "requested":
        await conn.execute(
            q("transfer_failed"), transfer_id, f"the destination did not answer: {status}", now
        )
        await presence.notify(conn, row["agent_id"], "pop", attempt=row["attempt_id"])
    return Ended("transfer_failed", (row["attempt_id"], row["agent_id"]))


async def destination_called(conn: Connection, transfer_id: int, call_sid: str) -> None:
    await conn.execute(q("transfer_called"), transfer_id, call_sid)


async def of_destination(conn: Connection, call_sid: str) -> dict[str, Any] | None:
    """The warm transfer whose destination is ``call_sid``, locked."""
    row = await conn.fetchrow(q("transfer_of_destination"), call_sid)
    return dict(row) if row is not None else None


async def destination_joined(conn: Connection, row: dict[str, Any], now: datetime) -> None:
    """A warm transfer's destination is in the agent's conference: the agent talks to
    them (the customer on hold) and is told."""
    await conn.execute(q("transfer_answered_at"), row["id"], now)
    await presence.notify(conn, row["agent_id"], "pop", attempt=row["attempt_id"])


async def warm_of(conn: Connection, agent_id: int, transfer_id: int) -> dict[str, Any]:
    """The agent's own warm transfer under way, locked."""
    row = await conn.fetchrow(q("warm_transfer_of_agent"), agent_id, transfer_id)
    if row is None:
        raise Conflict(f"no warm transfer {transfer_id} of yours is under way")
    return dict(row)


async def done(conn: Connection, row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The transfer happened (a cold one's destination answered; a warm one handed
    over): done, the target finished as transferred, the agent in after-call work."""
    record = await conn.fetchrow(q("transfer_done"), row["id"], now)
    assert record is not None
    await actions.taken(
        conn, row["attempt_id"], row, "transfer", row["id"], record["category"], now
    )
    await conn.execute(q("target_finished"), row["campaign_id"], row["target_id"], "transferred")
    await presence.wrap_up(conn, row["agent_id"], now=now, seconds=row["wrap_up_seconds"])
    return dict(record)


async def fail(
    conn: Connection, transfer_id: int, error: str, now: datetime
) -> dict[str, Any] | None:
    """A warm transfer that will not happen (cancelled, the destination busy or gone):
    failed, the agent told; None if it was over already."""
    row = await conn.fetchrow(q("transfer_for_voice"), transfer_id)
    if row is None or row["state"] != "requested":
        return None
    failed = await conn.fetchrow(q("transfer_failed"), transfer_id, error[:500], now)
    await presence.notify(conn, row["agent_id"], "pop", attempt=row["attempt_id"])
    return dict(failed) if failed is not None else None


async def get(conn: Connection, transfer_id: int) -> dict[str, Any]:
    row = await conn.fetchrow(q("transfer"), transfer_id)
    assert row is not None
    return dict(row)


async def of_campaign(conn: Connection, campaign_id: int) -> list[dict[str, Any]]:
    """The campaign's transfers, with the agent and the customer's IndiHome number."""
    return [dict(r) for r in await conn.fetch(q("campaign_transfers"), campaign_id)]
