"""The campaign page's live numbers, as server-sent events.

``GET /api/campaigns/{c}/live`` streams the campaign's progress (``calls/progress.py``:
targets by state, calls, contact and abandon rates, live calls, agents by state, the
voucher quota left, the abandon guard) every ``LIVE_SECONDS``. On each node, one task per
watched campaign reads it once a period and hands it to every manager watching there,
however many: a slow browser only ever gets the newest figures (its queue holds one).
The task stops when the last watcher leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import timedelta
from typing import Any

from aiohttp import web

from dialer.calls.progress import campaign_progress
from dialer.campaigns import service as campaigns
from dialer.clock import Clock
from dialer.db import Pool

log = logging.getLogger(__name__)
LIVE_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0


class Live:
    def __init__(self, pool: Pool, clock: Clock, abandon_window: timedelta) -> None:
        self.pool, self.clock, self.abandon_window = pool, clock, abandon_window
        self._watchers: dict[int, set[asyncio.Queue[str]]] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}

    def watch(self, campaign_id: int) -> asyncio.Queue[str]:
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=1)
        self._watchers.setdefault(campaign_id, set()).add(queue)
        if campaign_id not in self._tasks:
            self._tasks[campaign_id] = asyncio.create_task(self._run(campaign_id))
        return queue

    def leave(self, campaign_id: int, queue: asyncio.Queue[str]) -> None:
        watchers = self._watchers.get(campaign_id)
        if watchers is not None:
            watchers.discard(queue)
            if not watchers:
                del self._watchers[campaign_id]
                task = self._tasks.pop(campaign_id, None)
                if task is not None:
                    task.cancel()

    async def _run(self, campaign_id: int) -> None:
        while self._watchers.get(campaign_id):
            try:
                payload = json.dumps(await self.read(campaign_id), default=str)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "live numbers failed", extra={"campaign_id": campaign_id, "error": str(exc)}
                )
                payload = json.dumps({"error": str(exc)})
            for queue in list(self._watchers.get(campaign_id, ())):
                if queue.full():
                    queue.get_nowait()  # the browser is slow: only the newest matters
                queue.put_nowait(payload)
            await asyncio.sleep(LIVE_SECONDS)

    async def read(self, campaign_id: int) -> dict[str, Any]:
        async with self.pool.acquire() as conn:
            campaign = await campaigns.get(conn, campaign_id)
            return await campaign_progress(
                conn, campaign, now=self.clock(), abandon_window=self.abandon_window
            )

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        self._watchers.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


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
            await response.write(f"event: progress\ndata: {payload}\n\n".encode())
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        live.leave(campaign_id, queue)
    return response
