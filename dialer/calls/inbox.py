"""Status callbacks stored in groups: one INSERT and one commit for all that arrived
together (a group commit).

``/carrier/voice/status`` puts its callback here and waits. One writer task per node
takes everything queued — up to ``MAX_BATCH`` — writes it in one multi-row INSERT in
one transaction, and only then answers each request: a callback is acknowledged to the
provider once it is durably stored, never before. While a group is being written the
next one gathers, so under load each callback costs a share of one round trip and one
WAL flush instead of its own, and at rest a lone callback is written at once (no timer
holds it). If a write fails, every request of that group gets the error (the provider
retries it) and none of its rows is stored: the group is one transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from dialer.background import Outage
from dialer.db import Pool, q

log = logging.getLogger(__name__)
MAX_BATCH = 500

Row = tuple[datetime, str, int | None, str | None, dict[str, str]]


class Inbox:
    """This node's writer of stored callbacks; ``stored()`` is called after each group."""

    def __init__(self, pool: Pool, stored: Callable[[], None]) -> None:
        self.pool = pool
        self.stored = stored
        self._queue: list[tuple[Row, asyncio.Future[None]]] = []
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.groups = 0  # groups written (for tests and logs)
        self.outage = Outage("callback inbox")  # the database away: said once

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Write what is queued, then stop."""
        self._closing = True
        self._ready.set()
        if self._task is not None:
            await self._task

    async def store(self, row: Row) -> None:
        """Return once ``row`` is committed; raise if its group could not be written."""
        if self._closing or self._task is None:
            raise RuntimeError("the callback inbox is not running")
        done = asyncio.get_running_loop().create_future()
        self._queue.append((row, done))
        self._ready.set()
        await done

    async def _run(self) -> None:
        while True:
            await self._ready.wait()
            self._ready.clear()
            while self._queue:
                group, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                await self._write(group)
            if self._closing:
                return

    async def _write(self, group: list[tuple[Row, asyncio.Future[None]]]) -> None:
        columns: list[list[Any]] = [[], [], [], [], []]
        for row, _ in group:
            for column, value in zip(columns, row, strict=True):
                column.append(value)
        try:
            async with self.pool.acquire() as conn:
                await conn.execute(q("store_callbacks"), *columns)
        except Exception as exc:
            if not self.outage.failed(exc):
                log.error(
                    "callbacks not stored: the provider will send them again",
                    extra={"callbacks": len(group), "error": str(exc)},
                )
            for _, done in group:
                if not done.done():
                    done.set_exception(exc)
            return
        self.groups += 1
        self.outage.ok()
        for _, done in group:
            if not done.done():
                done.set_result(None)
        self.stored()


INBOX = web.AppKey("inbox", Inbox)
