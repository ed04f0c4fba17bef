"""A node's background work, in two shapes.

:class:`Loop`: a task that runs a step when woken or every ``poll`` seconds, and again
at once while the step says there is more (the callback applier, the WhatsApp sender,
the bot agents, the simulated partner). ``stop()`` cancels the task and waits for it.
The wait uses ``asyncio.timeout``, not ``asyncio.wait_for``: on Python 3.11
``wait_for`` swallows a cancel that arrives as the event is set (a ``stop()`` right
after a last ``wake()``), and ``stop()`` never returned.

:func:`spawn`: one piece of work after a response (a hang-up, a bridge: a provider's
request must not hold the provider's callback or the agent's click). The node keeps
each such task until it ends, cancels what is left when it stops, and logs a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

Tasks = set[asyncio.Task[None]]
TASKS: web.AppKey[Tasks] = web.AppKey("tasks")


def spawn(app: web.Application, work: Coroutine[Any, Any, None], *, what: str) -> None:
    """Run ``work`` beside the request; if it fails, log ``what`` and why."""
    task = asyncio.create_task(work, name=what)
    tasks = app[TASKS]
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    task.add_done_callback(_log_failure)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.error(f"{task.get_name()} failed", extra={"error": str(exc)})


async def cancel_all(tasks: Tasks) -> None:
    """Cancel what is still running and wait for it (a node stopping)."""
    pending = list(tasks)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


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
