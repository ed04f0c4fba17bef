"""Applying stored status callbacks in batches, beside the request path.

``/carrier/voice/status`` only checks the signature and stores the callback (one
INSERT), then wakes this node's applier; every node's applier also polls, so callbacks
stored by a node that died are applied by the others. A batch locks the next stored
callbacks (``FOR UPDATE SKIP LOCKED``, oldest first) and their attempts (in id order),
merges the callbacks in memory — the same ``apply`` as one at a time — and writes each
attempt once and the batch's marks in one statement. A batch that fails is retried one
callback at a time; a callback that still fails is marked with its error and left to
the reconciler, so one bad callback never blocks the others.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from aiohttp import web
from asyncpg import Record

from dialer.background import Loop
from dialer.calls import apply as applying
from dialer.clock import Clock
from dialer.db import Connection, Pool, is_outage, q

log = logging.getLogger(__name__)
BATCH = 100
YIELD_EVERY = 25
POLL_SECONDS = 0.5


async def apply_batch(conn: Connection, events: list[Record], now: datetime) -> int:
    """Apply ``events`` (locked by the caller's transaction); returns how many."""
    sids = [e["call_sid"] for e in events if e["attempt_id"] is None and e["call_sid"]]
    by_sid: dict[str, int] = {}
    if sids:
        by_sid = {r["call_sid"]: r["id"] for r in await conn.fetch(q("attempts_by_sids"), sids)}

    def attempt_of(event: Record) -> int | None:
        found: int | None = event["attempt_id"] or by_sid.get(event["call_sid"])
        return found

    ids = sorted({a for e in events if (a := attempt_of(e)) is not None})
    rows: dict[int, dict[str, Any]] = {
        r["id"]: dict(r) for r in await conn.fetch(q("lock_attempts"), ids)
    }
    saves: dict[int, tuple[Any, ...]] = {}
    effects: list[str] = []
    for n, event in enumerate(events, start=1):
        if n % YIELD_EVERY == 0:
            # Merging is CPU only: let the node answer requests meanwhile, so a batch
            # of 500 does not hold the event loop (and every callback's answer) for
            # tens of milliseconds.
            await asyncio.sleep(0)
        attempt_id = attempt_of(event)
        row = rows.get(attempt_id) if attempt_id is not None else None
        if attempt_id is None or row is None:
            effects.append("unknown_attempt")
            continue
        params = dict(event["params"])
        if event["kind"] != "status":
            # Seats and hang-ups: the one-at-a-time path, on the attempt as it is now.
            if attempt_id in saves:
                await conn.execute(q("save_progress"), *saves.pop(attempt_id))
            row = None
        applied = await applying.apply(
            conn,
            kind=event["kind"],
            attempt_id=attempt_id,
            params=params,
            received_at=event["received_at"],
            now=now,
            row=row,
        )
        effects.append(applied.effect)
        if applied.save is None:
            continue
        if row is None:
            await applied.save_alone(conn)
            rows[attempt_id] = dict(await conn.fetchrow(q("lock_attempt"), attempt_id) or {})
            continue
        saves[attempt_id] = applied.save
        (
            _,
            row["state"],
            row["answered_by"],
            row["ringing_at"],
            row["answered_at"],
            row["ended_at"],
            row["duration_seconds"],
            call_sid,
            row["result"],
            row["updated_at"],
        ) = applied.save
        row["call_sid"] = row["call_sid"] or call_sid
    if saves:
        await conn.executemany(q("save_progress"), list(saves.values()))
    await conn.execute(q("mark_events_applied"), [e["id"] for e in events], now, effects)
    return len(events)


async def apply_pending(pool: Pool, clock: Clock, *, limit: int = BATCH) -> int:
    """Apply the next stored callbacks; returns how many were taken."""
    async with pool.acquire() as conn:
        try:
            async with conn.transaction():
                events = await conn.fetch(q("claim_unapplied"), limit)
                if events:
                    await apply_batch(conn, events, clock())
                return len(events)
        except Exception as exc:
            if is_outage(exc):
                raise  # the applier's loop says so, once
            log.exception("a batch of callbacks failed; applying them one at a time")
        async with conn.transaction():
            events = await conn.fetch(q("claim_unapplied"), limit)
        for event in events:
            await apply_one(conn, event["id"], clock())
        return len(events)


async def apply_one(conn: Connection, event_id: int, now: datetime) -> bool:
    """Apply one stored callback in its own transaction; False if it was applied
    already or failed (then it is marked with its error, for the reconciler)."""
    try:
        async with conn.transaction():
            locked = await conn.fetch(q("lock_event"), event_id)
            if locked:
                await apply_batch(conn, list(locked), now)
            return bool(locked)
    except Exception as exc:
        if is_outage(exc):
            raise
        log.exception("callback not applied", extra={"event_id": event_id})
        await conn.execute(q("mark_event_failed"), event_id, f"error: {exc}"[:500])
        return False


class Applier:
    """This node's applier: woken by each stored callback, polling as a fallback."""

    def __init__(self, pool: Pool, clock: Clock) -> None:
        self.pool = pool
        self.clock = clock
        self._busy = asyncio.Lock()  # one batch at a time on this node
        self._loop = Loop("callback applier", self._full_batch, POLL_SECONDS)

    def wake(self) -> None:
        self._loop.wake()

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _full_batch(self) -> bool:
        return await self._batch() == BATCH

    async def _batch(self) -> int:
        async with self._busy:
            return await apply_pending(self.pool, self.clock)

    async def drain(self, *, within: float = 30.0) -> int:
        """Apply everything stored so far, waiting for batches other appliers hold
        (tests, the demo)."""
        total = 0
        async with asyncio.timeout(within):
            while True:
                while n := await self._batch():
                    total += n
                async with self.pool.acquire() as conn:
                    if not await conn.fetchval(q("count_unapplied")):
                        return total
                await asyncio.sleep(0.01)  # another node's applier holds some


APPLIER = web.AppKey("applier", Applier)
