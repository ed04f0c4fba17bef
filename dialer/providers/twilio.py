"""Twilio's REST API through the official SDK's asynchronous client, shared by the
calls (``twilio_carrier.py``) and WhatsApp (``twilio_messenger.py``) of one node.

One SDK client and one aiohttp session a node, built on first use inside the running
loop. 429, 5xx and network failures are retried ``twilio.max_retries`` times, waiting
``twilio.backoff_seconds × 2^n`` (capped, jittered, or longer when Twilio sends a
Retry-After); still failing, :class:`ProviderUnavailable`. Any other 4xx is
:class:`ProviderRejected` at once, with Twilio's error code. A request that is not
idempotent (creating a call or a message) is not retried after a 5xx or a timeout: it
may have been done.

The SDK's own exceptions never leave this module.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import random
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import aiohttp
from twilio.base import exceptions as twilio_errors
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant
from twilio.rest import Client

from dialer.providers.errors import ProviderRejected, ProviderUnavailable
from dialer.settings import TwilioSettings

log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
T = TypeVar("T")

# The SDK's exceptions drop the response headers, so the HTTP client leaves the last
# Retry-After here. A context variable, not an attribute: each place_call runs in its
# own task over one shared client, and a task sees only what its own requests set.
_retry_after: ContextVar[float | None] = ContextVar("twilio_retry_after", default=None)


def _seconds_from_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds to wait: delta-seconds or an HTTP date; None if absent."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class _RebasedHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]  # the SDK is untyped
    """The SDK's client with three fixes: it sends to ``base`` instead of api.twilio.com
    (tests, proxies), it applies its timeout (the SDK passes ``timeout=None`` on, which
    aiohttp reads as *no* timeout), and it keeps the Retry-After of a refusal."""

    def __init__(self, base: str, *, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.base = base.rstrip("/")

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 — the SDK's signature
        allow_redirects: bool = False,
    ) -> Response:
        if self.base != TWILIO_API and url.startswith(TWILIO_API):
            url = self.base + url[len(TWILIO_API) :]
        if auth is not None:
            # Basic auth as a header: aiohttp deprecates the BasicAuth object the SDK builds.
            headers = dict(headers or {})
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        response: Response = await super().request(
            method,
            url,
            params=params,
            data=data,
            headers=headers,
            auth=None,
            timeout=timeout if timeout is not None else self.timeout,
            allow_redirects=allow_redirects,
        )
        if response.status_code == 429 or response.status_code >= 500:
            found = response.headers.get("Retry-After") if response.headers else None
            _retry_after.set(_seconds_from_retry_after(found))
        return response


# RFC 9457 errors (newer Twilio APIs) are not TwilioRestException; older 9.x lack them.
TwilioServiceException = getattr(twilio_errors, "TwilioServiceException", TwilioRestException)
_PROVIDER_ERRORS = (TwilioRestException, TwilioServiceException)
_TRANSIENT_ERRORS = (aiohttp.ClientError, TimeoutError)  # asyncio.TimeoutError is TimeoutError


def _status(exc: Exception) -> int | None:
    """The HTTP status of a Twilio error; None for the network's."""
    if isinstance(exc, _PROVIDER_ERRORS):
        return int(exc.status)
    return None


def _code(exc: Exception) -> int | None:
    """Twilio's error code (20404, 21211…), when it gave one."""
    code = getattr(exc, "code", None)
    return code if isinstance(code, int) else None


def _describe(exc: Exception) -> str:
    """A one-line account of ``exc`` (the SDK's ``str()`` paints ANSI colours on a tty)."""
    if isinstance(exc, TwilioRestException):
        return f"HTTP {exc.status} (code {exc.code}): {exc.msg}"
    if isinstance(exc, TwilioServiceException):
        return f"HTTP {exc.status} (code {exc.code}): {exc.detail or exc.title}"
    detail = str(exc)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


class TwilioApi:
    """One node's client of a Twilio account: the SDK client and the retries."""

    def __init__(self, settings: TwilioSettings) -> None:
        if not settings.configured:
            raise ValueError(
                "Twilio needs DIALER_TWILIO__ACCOUNT_SID and DIALER_TWILIO__AUTH_TOKEN"
            )
        self.settings = settings
        self._client: Client | None = None
        self._http: _RebasedHttpClient | None = None

    def client(self) -> Client:
        """The SDK client (its aiohttp session opens here: only ever inside the loop)."""
        if self._client is None:
            assert self.settings.auth_token is not None
            self._http = _RebasedHttpClient(
                self.settings.api_base, timeout=self.settings.timeout_seconds
            )
            self._client = Client(
                self.settings.account_sid,
                self.settings.auth_token.get_secret_value(),
                http_client=self._http,
            )
        return self._client

    def _delay(self, retry: int, retry_after: float | None) -> float:
        cap = self.settings.backoff_max_seconds
        backoff = min(self.settings.backoff_seconds * 2**retry, cap)
        delay = random.uniform(backoff / 2, backoff)  # jitter: nodes do not retry in step
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay

    async def request(
        self, what: str, send: Callable[[], Awaitable[T]], *, idempotent: bool = True
    ) -> T:
        """``send()`` with retries; Twilio's and the network's errors translated.

        Not ``idempotent`` (creating a call): only what surely did nothing is retried —
        a 429, or a connection never made. A 5xx or a timeout may hide a call Twilio
        did create, so it ends the try at once (the attempt is requeued later)."""
        tries = self.settings.max_retries + 1
        for n in range(tries):
            _retry_after.set(None)
            try:
                return await send()
            except (*_PROVIDER_ERRORS, *_TRANSIENT_ERRORS) as exc:
                status = _status(exc)
                if status is not None and status != 429 and status < 500:
                    raise ProviderRejected(_describe(exc), code=_code(exc), status=status) from exc
                surely_nothing = status == 429 or isinstance(exc, aiohttp.ClientConnectorError)
                if not idempotent and not surely_nothing:
                    raise ProviderUnavailable(
                        f"Twilio {what} failed and may have been done: {_describe(exc)}"
                    ) from exc
                if n == tries - 1:
                    raise ProviderUnavailable(
                        f"Twilio {what} failed {tries} times: {_describe(exc)}"
                    ) from exc
                delay = self._delay(n, _retry_after.get())
                if delay > self.settings.backoff_max_seconds:
                    # Told to wait longer than we ever back off: the attempt is better
                    # requeued than holding a placing slot.
                    raise ProviderUnavailable(
                        f"Twilio {what}: retry after {delay:.0f} s: {_describe(exc)}"
                    ) from exc
                log.warning(
                    "twilio busy or failing; backing off",
                    extra={
                        "what": what,
                        "try": n + 1,
                        "delay": round(delay, 3),
                        "error": _describe(exc),
                    },
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def close(self) -> None:
        if self._http is not None:
            http, self._http, self._client = self._http, None, None
            await http.close()


def voice_token(settings: TwilioSettings, identity: str, *, incoming: bool = False) -> str:
    """A short-lived access token for the browser's Voice SDK, signed with the API key:
    as ``identity`` only, it may dial the TwiML App (an agent's leg into their
    conference) and, with ``incoming``, be called (a supervisor's browser, called into an
    agent's conference); an agent's receives no calls (customers are joined to the
    agent's conference, not rung). ``settings.deployment_problems`` refuses to start
    without what it needs."""
    if not (settings.account_sid and settings.api_key and settings.api_secret):
        raise ProviderRejected("the softphone is not configured (API key and secret)")
    token = AccessToken(
        settings.account_sid,
        settings.api_key,
        settings.api_secret.get_secret_value(),
        identity=identity,
        ttl=settings.token_seconds,
    )
    token.add_grant(
        VoiceGrant(outgoing_application_sid=settings.twiml_app_sid, incoming_allow=incoming)
    )
    return str(token.to_jwt())
