"""Provider callbacks: stored raw first, then applied to their attempt, idempotently.

``record`` applies the callback and appends it to ``carrier_events`` in one
transaction; if applying fails, the raw callback is still stored on its own
(``applied_at`` empty) and the reconciler applies it later. Applying merges the
callback into the attempt (``states.merge``: any order, any repeats, same result); the
first move into a final state settles the target by the campaign's retry policy, in
that same transaction. An answered call that a human picked up takes a free seat or,
with none free, is abandoned; the caller hangs such calls (and machines) up after the
commit.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dialer.agents import presence
from dialer.calls.retry import after_result
from dialer.calls.states import Progress, is_machine, merge, result_of
from dialer.campaigns.schemas import CONNECT_LIMIT_SECONDS, MAX_HOLD_SECONDS, RetryPolicy
from dialer.db import Connection, Pool, q

log = logging.getLogger(__name__)
SEAT_LOCK_NAMESPACE = 0x7374  # "st": pg_advisory_xact_lock(namespace, campaign id)


@dataclass(frozen=True)
class Applied:
    """What applying one callback did; ``hangup`` is a call to end after the commit."""

    effect: str
    attempt_id: int | None = None
    state: str | None = None
    result: str | None = None
    hangup: str | None = None
    # A call to bridge to this agent after the commit: (call SID, agent's user id).
    bridge: tuple[str, int] | None = None
    # A person no agent could take: (call SID, the campaign's voice) hears the apology.
    apology: tuple[str, Any] | None = None
    # The attempt's new progress, for the caller to save with (or without) the event.
    save: tuple[Any, ...] | None = None

    async def save_with_event(
        self, conn: Connection, kind: str, params: dict[str, str], now: datetime
    ) -> None:
        """Save the progress and append the callback, in one statement when possible."""
        sid = params.get("CallSid")
        if self.save is None:
            await conn.execute(
                q("insert_applied_event"), now, kind, self.attempt_id, sid, params, self.effect
            )
        else:
            await conn.execute(
                q("save_progress_and_event"), *self.save, kind, sid, params, self.effect
            )

    async def save_alone(self, conn: Connection) -> None:
        if self.save is not None:
            await conn.execute(q("save_progress"), *self.save)


async def record(
    pool: Pool,
    *,
    kind: str,
    attempt_id: int | None,
    params: dict[str, str],
    now: datetime,
) -> Applied:
    """Store one callback and apply it; returns what it did.

    The raw callback and its effect commit together. If applying fails, that
    transaction rolls back and the raw callback is stored alone (``applied_at``
    empty), for the reconciler to apply later: a callback is never lost to a bug."""
    async with pool.acquire() as conn:
        try:
            async with conn.transaction():
                applied = await apply(
                    conn, kind=kind, attempt_id=attempt_id, params=params, received_at=now, now=now
                )
                await applied.save_with_event(conn, kind, params, now)
        except Exception:
            log.exception("callback stored but not applied", extra={"attempt_id": attempt_id})
            await conn.execute(
                q("insert_carrier_event"), now, kind, attempt_id, params.get("CallSid"), params
            )
            return Applied("stored", attempt_id)
    return applied


async def apply(
    conn: Connection,
    *,
    kind: str,
    attempt_id: int | None,
    params: dict[str, str],
    received_at: datetime,
    now: datetime,
    row: Mapping[str, Any] | None = None,
) -> Applied:
    """Apply one callback to its attempt (the caller owns the transaction and saves
    the progress returned in ``Applied.save``, with or without the event). ``row`` is
    the attempt, already locked by the caller (a batch); else it is locked here."""
    if row is None:
        if attempt_id is None and params.get("CallSid"):
            attempt_id = await conn.fetchval(q("attempt_by_sid"), params["CallSid"])
        record = await conn.fetchrow(q("lock_attempt"), attempt_id) if attempt_id else None
        row = dict(record) if record is not None else None
    if row is None:
        return Applied("unknown_attempt", attempt_id)
    before = _progress(row)
    after = merge(before, kind, params, received_at)
    abandoned = bool(row["abandoned"])
    hangup = bridge = apology = None
    taken = (
        row["seat"] is not None or row["agent_id"] is not None or row["waiting_since"] is not None
    )
    if not after.final and not taken and not abandoned and kind == "amd":
        if is_machine(after.answered_by):
            hangup = after.call_sid
        else:
            abandoned, agent_id, voice = await _hand_over(conn, row, now)
            if abandoned and after.call_sid:
                apology = (after.call_sid, voice)
            if agent_id is not None and after.call_sid:
                bridge = (after.call_sid, agent_id)
    if before.final and kind == "answer" and after.call_sid:
        # Answered although its attempt was closed (reclaimed from a node judged dead
        # while the call lived on): the call ends now, nobody waits on it.
        hangup = after.call_sid
    result = row["result"]
    if after.final and not before.final:
        if row["waiting_since"] is not None and row["agent_id"] is None and not abandoned:
            # The customer hung up on hold before an agent was free.
            abandoned = True
            await conn.execute(q("mark_abandoned"), row["id"], now)
        result = result_of(after.state, abandoned=abandoned)
        await _settle_target(conn, row, result, now)
    if after == before and result == row["result"] and abandoned == row["abandoned"]:
        return Applied("no_change", row["id"], after.state, result, hangup)
    save = (
        row["id"],
        after.state,
        after.answered_by,
        after.ringing_at,
        after.answered_at,
        after.ended_at,
        after.duration_seconds,
        after.call_sid,
        result,
        now,
    )
    effect = "finalised" if result != row["result"] else "applied"
    return Applied(effect, row["id"], after.state, result, hangup, bridge, apology, save)


def _progress(row: Mapping[str, Any]) -> Progress:
    return Progress(
        state=row["state"],
        answered_by=row["answered_by"],
        ringing_at=row["ringing_at"],
        answered_at=row["answered_at"],
        ended_at=row["ended_at"],
        duration_seconds=row["duration_seconds"],
        call_sid=row["call_sid"],
    )


async def _hand_over(
    conn: Connection, row: Mapping[str, Any], now: datetime
) -> tuple[bool, int | None, Any]:
    """A human answered: a virtual seat or, without seats, the campaign's agents. Returns
    (abandoned, the agent it went to, the campaign's voice)."""
    campaign_id = row["campaign_id"]
    definition = await conn.fetchval(q("campaign_definition"), campaign_id)
    voice = definition.get("voice")
    seats = int(definition.get("virtual_seats", 0))
    if seats:
        await conn.execute(q("seat_lock"), SEAT_LOCK_NAMESPACE, campaign_id)
        if await conn.fetchval(q("take_seat"), row["id"], campaign_id, seats, now) is not None:
            return False, None, voice
    else:
        # The person waits the connect limit from now (the verdict that a person
        # answered), never past the hold limit from the answer.
        longest = float(definition.get("max_hold_seconds", MAX_HOLD_SECONDS))
        connect = float(definition.get("connect_limit_seconds", CONNECT_LIMIT_SECONDS))
        answered = row["answered_at"] or now
        hold = max(
            timedelta(0),
            min(timedelta(seconds=connect), answered + timedelta(seconds=longest) - now),
        )
        handed = await presence.hand_over(conn, row["id"], campaign_id, now=now, hold=hold)
        if not handed.abandoned:
            return False, handed.agent_id, voice
    await conn.execute(q("mark_abandoned"), row["id"], now)
    log.info("answered call abandoned: no one free", extra={"attempt_id": row["id"]})
    return True, None, voice


@functools.lru_cache(maxsize=256)
def _policy_of(text: str) -> RetryPolicy:
    return RetryPolicy.model_validate_json(text)


def _policy(retry: dict[str, Any]) -> RetryPolicy:
    return _policy_of(json.dumps(retry, sort_keys=True))


async def _settle_target(
    conn: Connection, row: Mapping[str, Any], result: str, now: datetime
) -> None:
    """The attempt ended with ``result``: count it, and take the target's next step by
    the retry policy — unless something else decided that step during the call (the
    target is no longer 'ready': finished, or a callback the agent scheduled)."""
    target = await conn.fetchrow(q("lock_target"), row["campaign_id"], row["target_id"])
    if target is None:
        return
    policy = _policy(target["definition"].get("retry", {}))
    counts: dict[str, Any] = dict(target["result_counts"])
    counts[result] = int(counts.get(result, 0)) + 1
    attempts = target["attempts"] + 1
    if target["state"] == "ready":
        step = after_result(policy, result, attempts=attempts, counts=counts, now=now)
        state, at, reason, callback = step.state, step.at, step.reason, False
    else:
        state, at = target["state"], target["next_attempt_at"]
        reason, callback = target["done_reason"], target["callback"]
    await conn.execute(
        q("settle_target"),
        row["campaign_id"],
        row["target_id"],
        state,
        at,
        reason,
        callback,
        result,
        counts,
        attempts,
        row["created_at"],
    )
