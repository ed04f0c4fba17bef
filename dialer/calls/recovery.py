"""Reconciling what a crash or a lost callback left behind.

On start and periodically, one node at a time (a session advisory lock):
- callbacks stored but never applied are applied;
- live attempts with no news for ``stale_attempt_seconds`` are settled: asked of the
  provider when it can (Twilio knows every call; the simulator only its own node's) and closed by
  the answer, or — never placed, unknown to the provider, or simulated by a node that
  stopped ticking — closed and their targets requeued without counting the attempt.

Fast failover (``failover``, every node every ``failover_seconds``): the nodes judged
dead by their liveness (``liveness.py``: no lock and no heartbeat for a couple of
seconds, or no heartbeat for ``node_lease_seconds``) are fenced, and their live attempts
reclaimed at once, without waiting for the stale limit: asked of the provider when it
knows every call, else closed. A hung node's sessions caught mid-transaction are ended
first (its pool names them, ``db.session_name``), so no lock it holds stalls the others.

Closing a lost attempt never misreports a call that was answered: someone was talked
to (and perhaps given an outcome), so it ends ``completed`` with the result it reached
(contacted, abandoned, machine), counted on its target like any other — only an attempt
never answered is closed ``canceled`` and its target dialled again uncounted.

Every step is idempotent (guarded updates), so a second node doing the same is harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import asyncpg
from asyncpg import Record

from dialer.calls import apply as applying
from dialer.calls.applier import apply_one
from dialer.calls.liveness import LIVENESS_LOCK_NAMESPACE
from dialer.calls.pacer import requeue_lost
from dialer.calls.states import CALL_STATUS, FINAL
from dialer.clock import Clock
from dialer.db import Connection, Pool, q, session_name
from dialer.providers.carrier import Carrier
from dialer.providers.errors import ProviderError

log = logging.getLogger(__name__)
RECONCILE_LOCK = (0x7263, 1)  # "rc"
FAILOVER_LOCK = (0x7263, 2)
# A dead node's call the provider said is live is asked about again this much later.
ASK_AGAIN_AFTER = timedelta(seconds=10)
UNAPPLIED_GRACE = timedelta(seconds=10)
NODE_DEAD_AFTER = timedelta(seconds=30)
BATCH = 500


@dataclass
class Reconciled:
    events_applied: int = 0
    closed: int = 0
    requeued: int = 0
    still_live: int = 0
    nodes_fenced: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, int]:
        return {
            "events_applied": self.events_applied,
            "closed": self.closed,
            "requeued": self.requeued,
            "still_live": self.still_live,
        }


async def close_lost(pool: Pool, attempt_id: int, why: str, now: datetime) -> str:
    """Close a live attempt whose call is lost (its node died, the provider does not
    know it): ``"requeued"`` when it was never answered (closed ``canceled``, its target
    dialled again uncounted), ``"closed"`` when it was (ended ``completed`` with the
    result it reached and counted), ``""`` when it had already ended."""
    if await requeue_lost(pool, attempt_id, why, now):
        return "requeued"
    applied = await applying.record(
        pool,
        kind="reconcile",
        attempt_id=attempt_id,
        params={"CallStatus": "completed", "Reconciled": why},
        now=now,
    )
    return "closed" if applied.effect == "finalised" else ""


def _count(done: Reconciled, how: str) -> None:
    if how == "requeued":
        done.requeued += 1
    elif how == "closed":
        done.closed += 1


async def failover(
    pool: Pool,
    carrier: Carrier,
    clock: Clock,
    *,
    lock_grace: timedelta,
    lease: timedelta,
) -> Reconciled:
    """Fence the nodes judged dead now and reclaim the live attempts of every fenced
    node (one node at a time does it; a second is harmless)."""
    done = Reconciled()
    async with pool.acquire() as lock_conn:
        if not await lock_conn.fetchval(q("try_session_lock"), *FAILOVER_LOCK):
            return done
        try:
            fenced = await lock_conn.fetch(
                q("fence_dead_nodes"),
                LIVENESS_LOCK_NAMESPACE,
                lock_grace.total_seconds(),
                lease.total_seconds(),
            )
            for node in fenced:
                done.nodes_fenced.append(node["name"])
                # A hung node's transactions would hold their locks until it wakes.
                ended = await lock_conn.fetchval(
                    q("end_fenced_sessions"), session_name(node["name"])
                )
                log.warning(
                    "node judged dead: its calls are reclaimed",
                    extra={
                        "node": node["name"],
                        "silent_seconds": round(
                            (node["fenced_at"] - node["alive_at"]).total_seconds(), 1
                        ),
                        "transactions_ended": ended,
                    },
                )
            attempts = await lock_conn.fetch(q("reclaimable_attempts"), BATCH)
            for attempt in attempts:
                await _reclaim(pool, carrier, attempt, clock(), done)
        finally:
            await _unlock(lock_conn, FAILOVER_LOCK)
    if done.closed or done.requeued:
        log.info("failover reclaimed", extra=done.to_json())
    return done


async def _reclaim(
    pool: Pool, carrier: Carrier, attempt: Record, now: datetime, done: Reconciled
) -> None:
    attempt_id, sid = attempt["id"], attempt["call_sid"]
    if sid is None:
        _count(done, await close_lost(pool, attempt_id, "never placed", now))
    elif attempt["carrier"] == carrier.name and carrier.calls_visible_to_all_nodes:
        if attempt["updated_at"] > now - ASK_AGAIN_AFTER:
            # News of it came moments ago (or the provider said it is live): its
            # callbacks reach any node; the provider is asked again a little later.
            done.still_live += 1
            return
        await _ask_carrier(pool, carrier, attempt_id, sid, now, done)
    elif attempt["carrier"] == carrier.name:
        # The simulator's calls lived in the dead node's process: gone with it.
        _count(done, await close_lost(pool, attempt_id, "its node stopped", now))


async def _ask_carrier(
    pool: Pool, carrier: Carrier, attempt_id: int, sid: str, now: datetime, done: Reconciled
) -> None:
    """Settle a lost attempt by what the provider says of its call."""
    try:
        status = await carrier.fetch_call(sid)
    except ProviderError as exc:
        log.warning(
            "could not ask the carrier", extra={"attempt_id": attempt_id, "error": str(exc)}
        )
        return
    if status is None:
        _count(done, await close_lost(pool, attempt_id, "unknown to the carrier", now))
    elif CALL_STATUS.get(status.get("CallStatus", "")) in FINAL:
        await applying.record(pool, kind="reconcile", attempt_id=attempt_id, params=status, now=now)
        done.closed += 1
    else:
        async with pool.acquire() as conn:
            await conn.execute(q("touch_attempt"), attempt_id, now)
        done.still_live += 1


async def _unlock(conn: Connection, key: tuple[int, int]) -> None:
    """Let go of a pass's session lock. When its connection is gone (the database died or
    restarted under the pass) the lock went with its session: nothing to let go of, and
    the pass's own error, if any, is the one to tell."""
    try:
        await conn.fetchval(q("session_unlock"), *key)
    except (asyncpg.InterfaceError, asyncpg.PostgresConnectionError, OSError) as exc:
        if not _gone(conn):
            raise
        log.debug("session lock gone with its connection", extra={"error": str(exc)})


def _gone(conn: Connection) -> bool:
    try:
        return conn.is_closed()
    except asyncpg.InterfaceError:
        return True  # the pool took it back when it closed


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
            await _unlock(lock_conn, RECONCILE_LOCK)
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
            _count(done, await close_lost(pool, attempt_id, "never placed", now))
            continue
        if attempt["carrier"] != carrier.name:
            continue  # placed through another carrier; its nodes will see to it
        if not carrier.calls_visible_to_all_nodes and attempt["node"] != node:
            async with pool.acquire() as conn:
                alive = await conn.fetchval(q("node_alive"), attempt["node"], now - NODE_DEAD_AFTER)
            if alive:
                continue  # its own node knows the call
            _count(done, await close_lost(pool, attempt_id, "its node stopped", now))
            continue
        await _ask_carrier(pool, carrier, attempt_id, sid, now, done)


async def hang_up_reclaimed(pool: Pool, carrier: Carrier, node: str) -> int:
    """This node was judged dead (paused, cut off) and its calls reclaimed: end those its
    own process still runs (a simulator's). A provider whose calls any node can see was
    asked about each, and only those it had ended were closed: nothing to end."""
    if carrier.calls_visible_to_all_nodes:
        return 0
    async with pool.acquire() as conn:
        sids = [r["call_sid"] for r in await conn.fetch(q("reclaimed_calls"), node)]
    for sid in sids:
        try:
            await carrier.hangup(sid)
        except ProviderError as exc:
            log.warning("could not end a reclaimed call", extra={"error": str(exc)})
    return len(sids)
