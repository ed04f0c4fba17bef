"""Reconciling what a crash or a lost callback left behind.

On start and periodically, one node at a time (a session advisory lock):
- callbacks stored but never applied are applied;
- live attempts with no news for ``stale_attempt_seconds`` are settled: asked of the
  provider when it can (Twilio knows every call; the simulator only its own node's) and closed by
  the answer, or — never placed, unknown to the provider, or simulated by a node that
  stopped ticking — closed and their targets requeued without counting the attempt.

Every step is idempotent (guarded updates), so a second node doing the same is harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dialer.calls import apply as applying
from dialer.calls.applier import apply_one
from dialer.calls.pacer import requeue_lost
from dialer.calls.states import CALL_STATUS, FINAL
from dialer.clock import Clock
from dialer.db import Pool, q
from dialer.providers.carrier import Carrier
from dialer.providers.errors import ProviderError

log = logging.getLogger(__name__)
RECONCILE_LOCK = (0x7263, 1)  # "rc"
UNAPPLIED_GRACE = timedelta(seconds=10)
NODE_DEAD_AFTER = timedelta(seconds=30)
BATCH = 500


@dataclass
class Reconciled:
    events_applied: int = 0
    closed: int = 0
    requeued: int = 0
    still_live: int = 0
    details: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, int]:
        return {
            "events_applied": self.events_applied,
            "closed": self.closed,
            "requeued": self.requeued,
            "still_live": self.still_live,
        }


async def reconcile(
    pool: Pool, carrier: Carrier, clock: Clock, *, stale_after: timedelta, node: str
) -> Reconciled:
    """One reconciliation pass; see the module doc."""
    done = Reconciled()
    async with pool.acquire() as lock_conn:
        if not await lock_conn.fetchval(q("try_session_lock"), *RECONCILE_LOCK):
            return done
        try:
            await _apply_stored(pool, clock(), done)
            await _settle_stale(pool, carrier, clock, stale_after, node, done)
        finally:
            await lock_conn.fetchval(q("session_unlock"), *RECONCILE_LOCK)
    if done.events_applied or done.closed or done.requeued:
        log.info("reconciled", extra=done.to_json())
    return done


async def _apply_stored(pool: Pool, now: datetime, done: Reconciled) -> None:
    async with pool.acquire() as conn:
        events = await conn.fetch(q("unapplied_events"), now - UNAPPLIED_GRACE, BATCH)
        for event in events:
            if await apply_one(conn, event["id"], now):
                done.events_applied += 1


async def _settle_stale(
    pool: Pool, carrier: Carrier, clock: Clock, stale_after: timedelta, node: str, done: Reconciled
) -> None:
    now = clock()
    async with pool.acquire() as conn:
        stale = await conn.fetch(q("stale_attempts"), now - stale_after, BATCH)
    for attempt in stale:
        attempt_id, sid = attempt["id"], attempt["call_sid"]
        if sid is None:
            if await requeue_lost(pool, attempt_id, "never placed", now):
                done.requeued += 1
            continue
        if attempt["carrier"] != carrier.name:
            continue  # placed through another carrier; its nodes will see to it
        if not carrier.calls_visible_to_all_nodes and attempt["node"] != node:
            async with pool.acquire() as conn:
                alive = await conn.fetchval(q("node_alive"), attempt["node"], now - NODE_DEAD_AFTER)
            if alive:
                continue  # its own node knows the call
            if await requeue_lost(pool, attempt_id, "its node stopped", now):
                done.requeued += 1
            continue
        try:
            status = await carrier.fetch_call(sid)
        except ProviderError as exc:
            log.warning(
                "could not ask the carrier", extra={"attempt_id": attempt_id, "error": str(exc)}
            )
            continue
        if status is None:
            if await requeue_lost(pool, attempt_id, "unknown to the carrier", now):
                done.requeued += 1
        elif CALL_STATUS.get(status.get("CallStatus", "")) in FINAL:
            await applying.record(
                pool, kind="reconcile", attempt_id=attempt_id, params=status, now=now
            )
            done.closed += 1
        else:
            async with pool.acquire() as conn:
                await conn.execute(q("touch_attempt"), attempt_id, now)
            done.still_live += 1
