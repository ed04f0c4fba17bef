"""The campaign page's live numbers, as server-sent events.

``GET /api/campaigns/{c}/live`` streams the campaign's progress (``calls/progress.py``:
targets by state, calls, contact and abandon rates, live calls, agents by state, the
voucher quota left, the abandon guard) every ``LIVE_SECONDS``, to any number of managers
on any number of nodes, for ONE cheap statement a second per campaign:

- One node reads: each node with managers watching a campaign takes the campaign's
  session advisory lock (``LIVE_LOCK``) on its live connection when nobody has announced
  the campaign's numbers for ``2 * LIVE_SECONDS``; the holder runs ``live_numbers``
  (running counts, never a scan) once a period, and that statement announces the
  numbers on channel ``dialer_live`` too. The lock is the connection's: a node that
  dies, or whose connection drops, leaves it to the next node in at most two periods;
  a node whose last manager leaves lets it go.
- Every node listens on that connection and hands each announcement to the managers
  watching there (``shape`` on the node; a slow browser only ever gets the newest
  figures: its queue holds one). A manager who comes in gets the last figures at once.
- The connection is held while someone watches, and given back to the pool once nobody
  has for ``IDLE_SECONDS``; the next manager takes one again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import timedelta

import asyncpg
from aiohttp import web

from dialer.background import Outage
from dialer.calls.progress import shape
from dialer.clock import Clock
from dialer.db import Connection, Pool, listening, q

log = logging.getLogger(__name__)
LIVE_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0
IDLE_SECONDS = 30.0
CHANNEL = "dialer_live"
LIVE_LOCK = 0x6C76  # "lv": pg_try_advisory_lock(LIVE_LOCK, campaign id)
END = "end"  # put in a watcher's queue (this very object) when the node stops


class Live:
    def __init__(self, pool: Pool, clock: Clock, abandon_window: timedelta) -> None:
        self.pool, self.clock, self.abandon_window = pool, clock, abandon_window
        self._watchers: dict[int, set[asyncio.Queue[str]]] = {}
        self._last: dict[int, str] = {}  # the newest figures of each campaign watched here
        self._heard: dict[int, float] = {}  # when they were announced (loop time)
        self.reading: set[int] = set()  # the campaigns this node reads for everyone
        self.reads = 0  # live_numbers statements run by this node
        self._task: asyncio.Task[None] | None = None  # the one that serves new managers
        self._tasks: set[asyncio.Task[None]] = set()  # and one going idle, for a moment
        self._wake = asyncio.Event()
        self.ended = False  # the node stops: every stream ends (browsers reconnect)
        self._outage = Outage("live numbers")

    def watch(self, campaign_id: int) -> asyncio.Queue[str]:
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=1)
        if self.ended:
            queue.put_nowait(END)
            return queue
        self._watchers.setdefault(campaign_id, set()).add(queue)
        if campaign_id in self._last:
            queue.put_nowait(self._last[campaign_id])  # at once, and no extra read
        else:
            self._wake.set()  # a campaign new here: its figures now, not in a second
        if self._task is None:
            self._task = asyncio.create_task(self._run())
            self._tasks.add(self._task)
            self._task.add_done_callback(self._tasks.discard)
        return queue

    def leave(self, campaign_id: int, queue: asyncio.Queue[str]) -> None:
        watchers = self._watchers.get(campaign_id)
        if watchers is not None:
            watchers.discard(queue)
            if not watchers:
                del self._watchers[campaign_id]
                self._last.pop(campaign_id, None)
                self._heard.pop(campaign_id, None)

    @property
    def watched(self) -> set[int]:
        return set(self._watchers)

    async def _run(self) -> None:
        """Hold one pooled connection: listen, and read what this node reads; on loss,
        again after a pause (its locks went with it); once idle, give it back and end."""
        while True:
            reading: set[int] = set()  # this task's: one going idle keeps its own
            self.reading = reading
            idle = False
            try:
                async with listening(self.pool, {CHANNEL: self._on_notify}) as (conn, lost):
                    try:
                        # The reading node's lock is its connection's: if its host dies without
                        # closing it, the server frees the lock in ~25 s.
                        await conn.execute(q("keep_alive"))
                        self._outage.ok()
                        idle = await self._serve(conn, reading, lost)
                    finally:
                        reading.clear()
                        await _let_go(conn)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not self._outage.failed(exc):
                    log.warning("live numbers' connection lost", extra={"error": str(exc)})
            if idle:
                return
            await asyncio.sleep(LIVE_SECONDS)

    async def _serve(self, conn: Connection, reading: set[int], lost: asyncio.Event) -> bool:
        """Rounds once a period until the connection is lost (False) or nobody has
        watched for ``IDLE_SECONDS`` (True)."""
        idle_since: float | None = None
        while not lost.is_set():
            await self._round(conn, reading)
            if self._watchers:
                idle_since = None
            else:
                now = asyncio.get_running_loop().time()
                idle_since = now if idle_since is None else idle_since
                if now - idle_since >= IDLE_SECONDS:
                    if self._task is asyncio.current_task():
                        self._task = None  # the next manager starts another
                    return True
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), LIVE_SECONDS)
        return False

    async def _round(self, conn: Connection, reading: set[int]) -> None:
        watched = self.watched
        for campaign_id in sorted(reading - watched):
            await conn.fetchval(q("session_unlock"), LIVE_LOCK, campaign_id)
            reading.discard(campaign_id)
        now = self.clock()
        quiet = asyncio.get_running_loop().time() - 2 * LIVE_SECONDS
        for campaign_id in sorted(watched):
            if campaign_id not in reading:
                if self._heard.get(campaign_id, float("-inf")) > quiet:
                    continue  # another node reads it
                if not await conn.fetchval(q("try_session_lock"), LIVE_LOCK, campaign_id):
                    continue
                reading.add(campaign_id)
            try:
                self.reads += 1
                await conn.fetchrow(q("live_numbers"), campaign_id, now, self.abandon_window, True)
            except asyncpg.PostgresError as exc:
                log.warning(
                    "live numbers failed", extra={"campaign_id": campaign_id, "error": str(exc)}
                )
                self._deliver(campaign_id, json.dumps({"error": str(exc)}))

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        try:
            head, numbers = str(payload).split(" ", 1)
            campaign_id = int(head)
        except ValueError:
            log.warning("live channel: a payload that is not ours", extra={"payload": payload})
            return
        self._heard[campaign_id] = asyncio.get_running_loop().time()
        if campaign_id not in self._watchers:
            return
        figures = json.loads(numbers)
        if "error" in figures:  # the reading node could not announce them
            self._deliver(campaign_id, numbers)
            return
        self._deliver(campaign_id, json.dumps(shape(figures), default=str))

    def _deliver(self, campaign_id: int, payload: str) -> None:
        self._last[campaign_id] = payload
        for queue in list(self._watchers.get(campaign_id, ())):
            if queue.full():
                queue.get_nowait()  # the browser is slow: only the newest matters
            queue.put_nowait(payload)

    def end(self) -> None:
        """The node stops: every stream here ends now (its browser reconnects, to
        another node behind the load balancer), not when the server's grace runs out."""
        self.ended = True
        for queues in self._watchers.values():
            for queue in queues:
                if queue.full():
                    queue.get_nowait()
                queue.put_nowait(END)
        # No figures after the end (they would take its place in the one-slot queue).
        self._watchers.clear()

    async def close(self) -> None:
        self._watchers.clear()
        tasks = list(self._tasks)
        self._task = None
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _let_go(conn: Connection) -> None:
    """Before the pool has it back (it resets nothing): no session lock, no keepalive
    settings. A connection that cannot say so is closed instead."""
    if conn.is_closed():
        return
    try:
        await conn.execute(q("let_go"))
    except BaseException:
        conn.terminate()
        raise


async def stream(request: web.Request, live: Live, campaign_id: int) -> web.StreamResponse:
    """The server-sent events of one watcher, until the browser goes away."""
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",  # nginx: pass each event on at once
        }
    )
    await response.prepare(request)
    queue = live.watch(campaign_id)
    try:
        while True:
            try:
                payload = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                await response.write(b": still here\n\n")
                continue
            if payload is END:
                break
            await response.write(f"event: progress\ndata: {payload}\n\n".encode())
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        live.leave(campaign_id, queue)
    return response


LIVE = web.AppKey("live", Live)
