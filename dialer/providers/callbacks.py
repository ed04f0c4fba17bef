"""How the simulators call the service back: as Twilio does, form-encoded and signed,
from tasks of their own over one HTTP session (:class:`Caller`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import aiohttp
from twilio.request_validator import RequestValidator

log = logging.getLogger(__name__)


class _GiveUps:
    """Callbacks given up while the service does not answer (stopping, its database
    away): the first is a warning, the rest are counted and told when it answers."""

    def __init__(self) -> None:
        self.count = 0

    def given_up(self, url: str, context: dict[str, str]) -> None:
        self.count += 1
        if self.count == 1:
            log.warning(
                "simulated callback given up after 4 tries (more are counted, not logged)",
                extra={"url": url} | context,
            )

    def answered(self) -> None:
        if self.count:
            log.warning("simulated callbacks answered again", extra={"given_up": self.count})
            self.count = 0


_GIVE_UPS = _GiveUps()


async def post_callback(
    session: aiohttp.ClientSession,
    validator: RequestValidator,
    url: str,
    params: dict[str, str],
    stopping: Callable[[], bool] = lambda: False,
    **context: str,
) -> str | None:
    """POST a callback signed as Twilio signs it, form-encoded, retrying a refused
    connection, a timeout or a 5xx a few times with back-off, as Twilio does; a 4xx is
    the service's answer, logged. Returns the body of a 2xx answer (a TwiML document,
    for a voice webhook), else None. For the simulated carrier and WhatsApp alike.
    While the service that runs the simulator is ``stopping`` a callback it no longer
    answers is dropped at once, quietly: its calls end with the process."""
    headers = {"X-Twilio-Signature": validator.compute_signature(url, params)}
    for attempt in range(4):
        try:
            async with session.post(url, data=params, headers=headers) as response:
                body = await response.text()
                if response.status < 500:
                    _GIVE_UPS.answered()
                    if response.status >= 400:
                        log.warning(
                            "simulated callback refused",
                            extra={"status": response.status, "url": url} | context,
                        )
                        return None
                    return body
        except (aiohttp.ClientError, TimeoutError) as exc:
            # A service still starting or stopping refuses a moment: tried again, as
            # Twilio does; only a callback given up is worth a warning.
            log.debug(
                "simulated callback failed",
                extra={"error": str(exc), "url": url, "try": attempt + 1} | context,
            )
            if stopping():
                return None
        await asyncio.sleep(0.2 * 2**attempt)
    _GIVE_UPS.given_up(url, context)
    return None


class Caller:
    """A simulator's side of the wire: the work it runs in the background (a call's
    progress, a message's statuses), and the signed callbacks that work posts."""

    def __init__(self, auth_token: str) -> None:
        self.validator = RequestValidator(auth_token)
        self._tasks: set[asyncio.Task[None]] = set()
        self._lasting: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        # The service stops (set on its shutdown): callbacks it no longer answers are
        # dropped, not retried and warned of.
        self.stopping = False

    def start(self, work: Coroutine[Any, Any, None], name: str, *, lasting: bool = False) -> None:
        """Run ``work`` in the background; ``lasting`` work (an agent's leg, which stays
        up while they work) is not waited for by :meth:`drain`."""
        tasks = self._lasting if lasting else self._tasks
        task = asyncio.create_task(work, name=name)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def post(self, url: str, params: dict[str, str], **context: str) -> str | None:
        """POST a signed callback; the body of a 2xx answer, else None."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return await post_callback(
            self._session, self.validator, url, params, lambda: self.stopping, **context
        )

    @property
    def running(self) -> int:
        return len(self._tasks)

    async def drain(self) -> None:
        """Wait until every piece of work has ended (but lasting work)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        every = self._tasks | self._lasting
        for task in every:
            task.cancel()
        await asyncio.gather(*every, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None
