"""Status callbacks stored in groups: one INSERT and one commit for all that arrived
together (a group commit).

``/carrier/voice/status`` puts its callback here and waits. One writer task per node
takes everything queued — up to ``MAX_BATCH`` — writes it in one multi-row INSERT in
one transaction, and only then answers each request: a callback is acknowledged to the
provider once it is durably stored, never before. While a group is being written the
next one gathers, so under load each callback costs a share of one round trip and one
WAL flush instead of its own, and at rest a lone callback is written at once (no timer
holds it).

Each callback is stored on its own merit: when the database refuses a value of one (a
NUL character, a number beyond bigint), the group is split in halves until the refused
ones stand alone; they get their 400 and every other callback of the group is stored
and answered 200 — a neighbour's bad value never loses a valid callback (a 4xx tells
the provider not to send it again). When the write fails for any other reason (the
database is down), every request of the group gets the error and none is stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import asyncpg
from aiohttp import web

from dialer.background import Outage
from dialer.db import Connection, Pool, q
from dialer.errors import BadRequest

log = logging.getLogger(__name__)
MAX_BATCH = 500

Row = tuple[datetime, str, int | None, str | None, dict[str, str]]
Queued = tuple[Row, asyncio.Future[None]]
# Refusals of a row's values, not of the write: the row is at fault, not the database.
_REFUSED = (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError)


class Inbox:
    """This node's writer of stored callbacks; ``stored()`` is called after each group."""

    def __init__(self, pool: Pool, stored: Callable[[], None]) -> None:
        self.pool = pool
        self.stored = stored
        self._queue: list[Queued] = []
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

    async def _write(self, group: list[Queued]) -> None:
        try:
            async with self.pool.acquire() as conn:
                refused = await _insert(conn, group)
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
                error = refused.get(id(done))
                if error is None:
                    done.set_result(None)
                else:
                    done.set_exception(error)
        if refused:
            log.warning(
                "callbacks refused by the database",
                extra={"refused": len(refused), "stored": len(group) - len(refused)},
            )
        self.stored()


async def _insert(conn: Connection, group: list[Queued]) -> dict[int, BadRequest]:
    """Store ``group``'s rows but those whose values the database refuses: split in
    halves until each refused row stands alone. The refusals, by ``id`` of the row's
    future."""
    columns: list[list[Any]] = [[], [], [], [], []]
    for row, _ in group:
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    try:
        await conn.execute(q("store_callbacks"), *columns)
    except _REFUSED as exc:
        if len(group) == 1:
            error = BadRequest(f"a value in the request cannot be stored or looked up: {exc}")
            return {id(group[0][1]): error}
        half = len(group) // 2
        return await _insert(conn, group[:half]) | await _insert(conn, group[half:])
    return {}


INBOX = web.AppKey("inbox", Inbox)
