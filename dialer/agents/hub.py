"""The agents' WebSockets on this node, fed by PostgreSQL's LISTEN/NOTIFY.

A change an agent must see (a call handed to them, their state) is announced with
``pg_notify`` in the transaction that makes it (``presence.notify``); so is a change of
a campaign's voucher offer (``vouchers.ledger.announce``), which every console of the
campaign shows; so are bills billing reports paid (``billing.paid.settle``), which the
pop of an agent on such a call shows at once. Every node listens on one connection of its own; the node that holds the agent's socket builds the
message from the database — so a pop reaches an agent whose socket lives on another
node than the call's callbacks, and a rolled-back change is never announced. If the
listening connection is lost, the hub connects again and every console here gets its
state afresh (nothing announced meanwhile is missed for good).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from aiohttp import WSCloseCode, web

from dialer import metrics
from dialer.agents.presence import CHANNEL
from dialer.background import Outage
from dialer.billing import paid
from dialer.clock import Clock
from dialer.db import Pool, listening, q
from dialer.vouchers import ledger

log = logging.getLogger(__name__)
Build = Callable[[int, dict[str, Any]], Awaitable[list[dict[str, Any]]]]
RETRY_SECONDS = 1.0
PRESENT_SECONDS = 1.0  # real seconds between marking this node's consoles present


class Hub:
    """Sockets per agent on this node; ``build(user, event)`` makes their messages."""

    def __init__(self, pool: Pool, build: Build, clock: Clock | None = None) -> None:
        self.pool = pool
        self.build = build
        self.clock = clock
        self.sockets: dict[int, set[web.WebSocketResponse]] = {}
        self._task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._order: dict[int, asyncio.Lock] = {}  # an agent's messages in order
        self.listening = asyncio.Event()
        self._present: asyncio.Task[None] | None = None
        self._channel_outage = Outage("agents' channel")
        self._presence_outage = Outage("consoles' presence")

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen())
        if self.clock is not None:
            self._present = asyncio.create_task(self._mark_present())
        await asyncio.wait_for(self.listening.wait(), timeout=30)

    async def stop(self) -> None:
        for task in (self._task, self._present):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for sockets in list(self.sockets.values()):
            for ws in list(sockets):
                await ws.close()

    async def close_sockets(self) -> None:
        """The node stops: every console here is told so (1001, going away) and
        reconnects, to another node behind the load balancer; a console that does not
        answer the close within a second is dropped."""
        sockets = [ws for group in self.sockets.values() for ws in group]

        async def close(ws: web.WebSocketResponse) -> None:
            with contextlib.suppress(TimeoutError, ConnectionError):
                async with asyncio.timeout(1.0):
                    await ws.close(code=WSCloseCode.GOING_AWAY, message=b"node stopping")

        await asyncio.gather(*(close(ws) for ws in sockets))

    def add(self, user_id: int, ws: web.WebSocketResponse) -> None:
        self.sockets.setdefault(user_id, set()).add(ws)

    def remove(self, user_id: int, ws: web.WebSocketResponse) -> None:
        sockets = self.sockets.get(user_id)
        if sockets is not None:
            sockets.discard(ws)
            if not sockets:
                del self.sockets[user_id]

    async def _listen(self) -> None:
        """Hold one pooled connection LISTENing; on loss, again after a pause, and
        every console here is told its state afresh."""
        first = True
        while True:
            try:
                channels = {
                    CHANNEL: self._on_notify,
                    ledger.CHANNEL: self._on_voucher,
                    paid.CHANNEL: self._on_payment,
                }
                async with listening(self.pool, channels) as (_conn, lost):
                    self.listening.set()
                    if not first:
                        if not self._channel_outage.ok():
                            log.info("agents' channel listening again")
                        for user_id in list(self.sockets):
                            self._deliver(user_id, {"user": user_id, "kind": "state"})
                    first = False
                    await lost.wait()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not self._channel_outage.failed(exc):
                    log.warning("agents' channel lost", extra={"error": str(exc)})
            await asyncio.sleep(RETRY_SECONDS)

    async def _mark_present(self) -> None:
        """An open socket is a console that is there: every second, by this node's
        clock, whatever its speed (a virtual clock runs faster than the consoles'
        pings). When the node dies, its agents fall silent and go offline. The marks
        never hold up a hand-over (``mark_present``: few rows, SKIP LOCKED) — one
        UPDATE of every agent's row once locked them all, and answered calls found no
        free agent for that moment."""
        assert self.clock is not None
        while True:
            await asyncio.sleep(PRESENT_SECONDS)
            if not self.sockets:
                continue
            try:
                async with self.pool.acquire() as conn:
                    await conn.execute(q("mark_present"), list(self.sockets), self.clock())
                self._presence_outage.ok()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not self._presence_outage.failed(exc):
                    log.warning("marking consoles present failed", extra={"error": str(exc)})

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        try:
            event = json.loads(str(payload))
            user_id = int(event["user"])
        except (ValueError, KeyError, TypeError):
            log.warning("agents' channel: a payload that is not ours", extra={"payload": payload})
            return
        if user_id in self.sockets:
            self._deliver(user_id, event)

    def _on_voucher(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        """A campaign's voucher offer changed: its agents here are sent their call again
        (its voucher steps shown or hidden)."""
        try:
            campaign_id = int(str(payload))
        except ValueError:
            log.warning("vouchers' channel: a payload that is not ours", extra={"payload": payload})
            return
        if self.sockets:
            self._keep(self._voucher_changed(campaign_id))

    async def _voucher_changed(self, campaign_id: int) -> None:
        try:
            async with self.pool.acquire() as conn:
                rows = await conn.fetch(q("agents_in_campaign"), campaign_id, list(self.sockets))
        except Exception as exc:
            log.warning("voucher news not passed on", extra={"error": str(exc)})
            return
        for row in rows:
            self._deliver(row["user_id"], {"user": row["user_id"], "kind": "voucher"})

    def _on_payment(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        """Billing reported bills paid: agents here on a call about one are sent their
        call again (its pop says the bill is paid)."""
        try:
            numbers = paid.announced_numbers(str(payload))
        except ValueError:
            log.warning("payments' channel: a payload that is not ours", extra={"payload": payload})
            return
        if self.sockets:
            self._keep(self._bill_paid(numbers))

    async def _bill_paid(self, numbers: list[str] | None) -> None:
        try:
            async with self.pool.acquire() as conn:
                rows = await conn.fetch(q("agents_on_paid_calls"), list(self.sockets), numbers)
        except Exception as exc:
            log.warning("payment news not passed on", extra={"error": str(exc)})
            return
        for row in rows:
            event = {"user": row["user_id"], "kind": "paid", "attempt": row["attempt_id"]}
            self._deliver(row["user_id"], event)

    def _deliver(self, user_id: int, event: dict[str, Any]) -> None:
        self._keep(self._send(user_id, event))

    def _keep(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` now; :meth:`stop` cancels it if it has not ended."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, user_id: int, event: dict[str, Any]) -> None:
        started = time.perf_counter()
        # Tasks start in the order the events came and the lock is first come, first
        # served: an agent's messages leave in the order their changes committed.
        async with self._order.setdefault(user_id, asyncio.Lock()):
            try:
                messages = await self.build(user_id, event)
            except Exception:
                log.exception("agent message failed", extra={"agent_id": user_id})
                return
            await self.send(user_id, messages)
        if event.get("kind") == "pop":
            metrics.observe_pop(time.perf_counter() - started)
        if user_id not in self.sockets:
            self._order.pop(user_id, None)

    async def send(self, user_id: int, messages: list[dict[str, Any]]) -> None:
        """Send to every socket of the agent on this node."""
        for ws in list(self.sockets.get(user_id, ())):
            for message in messages:
                if ws.closed:
                    break
                try:
                    await ws.send_json(message, dumps=_dumps)
                except (ConnectionResetError, RuntimeError):
                    break


def _dumps(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


HUB = web.AppKey("hub", Hub)
