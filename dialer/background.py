"""One way to run a node's background work: a task that runs a step when woken or every
``poll`` seconds, and again at once while the step says there is more.

Used by the callback applier, the WhatsApp sender, the bot agents and the simulated
partner. ``stop()`` cancels the task and waits for it. The wait uses
``asyncio.timeout``, not ``asyncio.wait_for``: on Python 3.11 ``wait_for`` swallows a
cancel that arrives as the event is set (a ``stop()`` right after a last ``wake()``),
and ``stop()`` never returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Loop:
    def __init__(self, name: str, step: Callable[[], Awaitable[bool]], poll: float) -> None:
        self.name = name
        self.step = step
        self.poll = poll
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll):
                    await self._wake.wait()
            self._wake.clear()
            try:
                while await self.step():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("background work failed", extra={"task": self.name})
