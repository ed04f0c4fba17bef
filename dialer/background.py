"""A node's background work, in two shapes.

:class:`Loop`: a task that runs a step when woken or every ``poll`` seconds, and again
at once while the step says there is more (the callback applier, the WhatsApp sender,
the bot agents, the simulated partner). ``stop()`` cancels the task and waits for it.
While the database is away a loop says so once, and once when it is back
(:class:`Outage`), not with a traceback a run.
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
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from aiohttp import web

from dialer.db import is_outage

log = logging.getLogger(__name__)

Tasks = set[asyncio.Task[None]]


class Outage:
    """One component's view of the database while it is away: one line when it goes
    (why), one when it is back (how many runs it skipped, for how long) — not a
    traceback a run. Anything else that fails a run is the caller's to log."""

    def __init__(self, component: str, *, settle: float = 0.0) -> None:
        self.component = component
        # A success counts as the end only this long after the last failure: requests
        # that need no database go through during an outage, between those that fail.
        self.settle = settle
        self.since: float | None = None
        self.last = 0.0
        self.skipped = 0

    @property
    def down(self) -> bool:
        return self.since is not None

    def failed(self, exc: BaseException) -> bool:
        """Count a failed run; False when ``exc`` is not the database being away."""
        if not is_outage(exc):
            return False
        self.last = time.monotonic()
        if self.since is None:
            self.since, self.skipped = time.monotonic(), 1
            log.error(
                "database unreachable",
                extra={"component": self.component, "error": f"{type(exc).__name__}: {exc}"},
            )
        else:
            self.skipped += 1
        return True

    def ok(self) -> bool:
        """A run went through; True if that ends an outage (and it was said)."""
        if self.since is None or time.monotonic() - self.last < self.settle:
            return False
        log.warning(
            "database reachable again",
            extra={
                "component": self.component,
                "skipped": self.skipped,
                "seconds": round(time.monotonic() - self.since, 1),
            },
        )
        self.since, self.skipped = None, 0
        return True


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
        self.outage = Outage(name)

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
                self.outage.ok()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not self.outage.failed(exc):
                    log.exception("background work failed", extra={"task": self.name})
