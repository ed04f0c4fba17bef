"""A node's liveness, as the other nodes see it, and its fence.

Each node registers in ``nodes`` (a new epoch each time it starts or rejoins) and, on a
connection of its own held for its lifetime (outside the pool), takes a session advisory lock keyed by its
id (namespace ``LIVENESS_LOCK_NAMESPACE``) and heartbeats ``alive_at`` every
``heartbeat_seconds`` in the database's time. The others judge it dead (``recovery.
failover``) when its lock is gone and it has not heartbeaten for ``node_lock_grace_seconds``
— a killed process: the lock dies with its connection — or when it has not heartbeaten
for ``node_lease_seconds`` — a hung one (stopped, starved, cut off), lock or not.

The fence: judging a node dead moves its epoch on. A node acts (claims and places
calls) only while its lease holds by its own monotonic clock — its last heartbeat less
than half the lease ago — so a node paused past its lease does nothing on waking: its
next heartbeat finds its epoch gone (its claims were reclaimed by another node), it ends
the calls of those claims its own process still runs (``on_fenced``: a simulator's), and
it rejoins under a new epoch with no claim of before.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

from dialer.clock import Clock
from dialer.db import Connection, Pool, connect, q
from dialer.settings import PacingSettings

log = logging.getLogger(__name__)
LIVENESS_LOCK_NAMESPACE = 0x6E64  # "nd": pg_advisory_lock(namespace, the node's id)


class Liveness:
    """This node's heartbeat and liveness lock, and whether it may act now."""

    def __init__(
        self,
        pool: Pool,
        settings: PacingSettings,
        clock: Clock,
        *,
        node: str,
        carrier: str,
        dsn: str | None = None,
        on_fenced: Callable[[], Awaitable[object]] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.clock = clock
        self.node = node
        self.carrier = carrier
        self.dsn = dsn
        self.on_fenced = on_fenced
        self.monotonic = monotonic
        self.epoch: int | None = None
        self._id: int | None = None
        self.fenced = 0  # times this node found itself judged dead
        self._valid_until = 0.0
        self._task: asyncio.Task[None] | None = None
        self._down = False

    def may_act(self) -> bool:
        """Whether this node's lease holds: it heartbeat recently enough that no other
        node can have judged it dead and reclaimed its claims."""
        return self.epoch is not None and self.monotonic() < self._valid_until

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="liveness")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                async with self._connection() as conn:
                    await self._register(conn)
                    while True:
                        await asyncio.sleep(self.settings.heartbeat_seconds)
                        await self._beat(conn)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not self._down:
                    self._down = True
                    log.warning("liveness lost: no heartbeat", extra={"error": str(exc)})
                await asyncio.sleep(self.settings.heartbeat_seconds)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Connection]:
        """The node's connection for as long as it lives: its lock ends with it, so
        another node sees a killed one at once. A connection of its own when the
        database's URL is known (the pool's size stays the pool's), else a pooled one
        kept, given back unlocked."""
        if self.dsn is not None:
            own = await connect(self.dsn)
            try:
                yield own
            finally:
                await own.close()
            return
        async with self.pool.acquire() as conn:
            try:
                yield conn
            finally:
                if self._id is not None and not conn.is_closed():
                    with suppress(Exception):
                        await conn.fetchval(q("session_unlock"), LIVENESS_LOCK_NAMESPACE, self._id)

    async def _register(self, conn: Connection, *, lock: bool = True) -> None:
        sent = self.monotonic()
        row = await conn.fetchrow(q("node_register"), self.node, self.carrier, self.clock())
        assert row is not None
        if lock and not await conn.fetchval(
            q("try_session_lock"), LIVENESS_LOCK_NAMESPACE, row["id"]
        ):
            log.error(
                "another process holds this node's liveness lock: are two nodes named"
                " alike? (DIALER_SERVER__NODE_NAME)",
                extra={"node": self.node},
            )
        self.epoch, self._id = row["epoch"], row["id"]
        self._renewed(sent)
        if self._down:
            self._down = False
            log.info("liveness back", extra={"node": self.node, "epoch": self.epoch})

    async def _beat(self, conn: Connection) -> None:
        sent = self.monotonic()
        if await conn.fetchval(q("node_heartbeat"), self.node, self.epoch):
            self._renewed(sent)
            return
        # Judged dead while paused or cut off: what it had claimed was reclaimed.
        self.fenced += 1
        self._valid_until = 0.0
        log.warning(
            "this node was judged dead by the others (paused or cut off): its claims"
            " were reclaimed; rejoining under a new epoch",
            extra={"node": self.node, "epoch": self.epoch},
        )
        if self.on_fenced is not None:
            try:
                await self.on_fenced()
            except Exception as exc:
                log.warning("could not end the reclaimed calls", extra={"error": str(exc)})
        await self._register(conn, lock=False)  # its lock: still this connection's

    def _renewed(self, sent: float) -> None:
        # Half the lease others wait: a margin for the heartbeat's own travel.
        self._valid_until = sent + self.settings.node_lease_seconds / 2
