"""Twilio, through the official SDK's asynchronous client.

Calls are created with the answer URL (TwiML), status callbacks for every event
(initiated, ringing, answered, completed) and *asynchronous* answering-machine
detection, all pointing at this service's public URL with the attempt id in the query.

429, 5xx and network failures are retried ``carrier_max_retries`` times, waiting
``carrier_backoff_seconds × 2^n`` (capped, jittered, or longer when Twilio sends a
Retry-After); still failing, :class:`CarrierUnavailable` tells the pacer to requeue the
attempt. Any other 4xx is :class:`CarrierRejected` at once, with Twilio's error code.

The SDK's own exceptions never leave this module.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import logging
import random
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, TypeVar

import aiohttp
from twilio.base import exceptions as twilio_errors
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from dialer.calls.carrier import CarrierRejected, CarrierUnavailable, OutboundCall
from dialer.settings import Settings

log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
STATUS_EVENTS = ("initiated", "ringing", "answered", "completed")
REQUEST_TIMEOUT_SECONDS = 15.0
HOLD_PAUSE_SECONDS = 60
T = TypeVar("T")

# The SDK's exceptions drop the response headers, so the HTTP client leaves the last
# Retry-After here. A context variable, not an attribute: each place_call runs in its
# own task over one shared client, and a task sees only what its own requests set.
_retry_after: ContextVar[float | None] = ContextVar("twilio_retry_after", default=None)


def twiml_hold(message: str) -> str:
    """TwiML for an answered call: say ``message`` in Indonesian, then hold (silence)
    while answering-machine detection decides and an agent is connected."""
    return _hold(message)


@functools.lru_cache(maxsize=16)
def _hold(message: str) -> str:
    # Cached: building the document through ElementTree is slow on every callback.
    response = VoiceResponse()
    response.say(message, language="id-ID")
    response.pause(length=HOLD_PAUSE_SECONDS)
    return str(response)


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


class TwilioCarrier:
    """The :class:`~dialer.calls.carrier.Carrier` of a Twilio account.

    The SDK client (and its aiohttp session) is built on first use, inside the running
    loop; :meth:`close` closes the session."""

    name = "twilio"

    def __init__(
        self, settings: Settings, *, request_timeout: float = REQUEST_TIMEOUT_SECONDS
    ) -> None:
        if not (settings.twilio_account_sid and settings.twilio_auth_token):
            raise ValueError("TwilioCarrier needs DIALER_TWILIO_ACCOUNT_SID and _AUTH_TOKEN")
        self.settings = settings
        self.request_timeout = request_timeout
        self._client: Client | None = None
        self._http: _RebasedHttpClient | None = None

    def _twilio(self) -> Client:
        if self._client is None:
            assert self.settings.twilio_auth_token is not None
            # The async HTTP client opens an aiohttp session: only ever inside the loop.
            self._http = _RebasedHttpClient(
                self.settings.twilio_api_base, timeout=self.request_timeout
            )
            self._client = Client(
                self.settings.twilio_account_sid,
                self.settings.twilio_auth_token.get_secret_value(),
                http_client=self._http,
            )
        return self._client

    def _delay(self, retry: int, retry_after: float | None) -> float:
        cap = self.settings.carrier_backoff_max_seconds
        backoff = min(self.settings.carrier_backoff_seconds * 2**retry, cap)
        delay = random.uniform(backoff / 2, backoff)  # jitter: nodes do not retry in step
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay

    async def _request(
        self, what: str, send: Callable[[], Awaitable[T]], *, idempotent: bool = True
    ) -> T:
        """``send()`` with retries; Twilio's and the network's errors translated.

        Not ``idempotent`` (creating a call): only what surely did nothing is retried —
        a 429, or a connection never made. A 5xx or a timeout may hide a call Twilio
        did create, so it ends the try at once (the attempt is requeued later)."""
        tries = self.settings.carrier_max_retries + 1
        for n in range(tries):
            _retry_after.set(None)
            try:
                return await send()
            except (*_PROVIDER_ERRORS, *_TRANSIENT_ERRORS) as exc:
                status = _status(exc)
                if status is not None and status != 429 and status < 500:
                    raise CarrierRejected(_describe(exc), code=_code(exc), status=status) from exc
                surely_nothing = status == 429 or isinstance(exc, aiohttp.ClientConnectorError)
                if not idempotent and not surely_nothing:
                    raise CarrierUnavailable(
                        f"Twilio {what} failed and may have been done: {_describe(exc)}"
                    ) from exc
                if n == tries - 1:
                    raise CarrierUnavailable(
                        f"Twilio {what} failed {tries} times: {_describe(exc)}"
                    ) from exc
                delay = self._delay(n, _retry_after.get())
                if delay > self.settings.carrier_backoff_max_seconds:
                    # Told to wait longer than we ever back off: the attempt is better
                    # requeued than holding a placing slot.
                    raise CarrierUnavailable(
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

    async def place_call(self, call: OutboundCall) -> str:
        """Create the call; Twilio's ``CallSid``.

        Twilio's Calls API has no idempotency key, and a 5xx or a timeout may come
        *after* Twilio created the call: those are not retried (a retry could ring the
        customer twice). 429 and refused connections are. A call created despite the
        error still reports to this attempt's URLs; the attempt was closed and its
        target requeued minutes later, after such a call has ended."""
        client = self._twilio()

        async def create() -> Any:
            return await client.calls.create_async(
                to=call.to,
                from_=call.from_ or self.settings.twilio_from_number,
                url=call.answer_url,
                method="POST",
                status_callback=call.status_url,
                status_callback_method="POST",
                status_callback_event=list(STATUS_EVENTS),
                machine_detection="Enable",
                async_amd="true",  # a string: the SDK would send a bool as "True"
                async_amd_status_callback=call.amd_url,
                async_amd_status_callback_method="POST",
                timeout=call.timeout_seconds,
            )

        created = await self._request("create call", create, idempotent=False)
        return str(created.sid)

    async def hangup(self, sid: str) -> None:
        """End the call. Already ended or unknown (404, "not in progress") is done;
        429, 5xx and the network are retried, then :class:`CarrierUnavailable`."""
        client = self._twilio()

        async def update() -> Any:
            return await client.calls(sid).update_async(status="completed")

        try:
            await self._request("hang up", update)
        except CarrierRejected as exc:
            log.info(
                "hang-up not needed",
                extra={"call_sid": sid, "status": exc.status, "code": exc.code},
            )

    async def bridge(self, sid: str, agent: str) -> None:
        """Take the call off hold into the agent's Twilio Client (``<Dial><Client>``)."""
        client = self._twilio()
        response = VoiceResponse()
        dial = response.dial(answer_on_bridge=True)
        dial.client(agent)
        twiml = str(response)

        async def update() -> Any:
            return await client.calls(sid).update_async(twiml=twiml)

        await self._request("bridge", update)

    async def transfer(self, sid: str, number: str) -> None:
        """Redirect the call to ``number`` (``<Dial>``, the campaign's caller id): the
        customer is connected there and the agent's leg ends."""
        client = self._twilio()
        response = VoiceResponse()
        caller = self.settings.twilio_from_number
        dial = response.dial(caller_id=caller) if caller else response.dial()
        dial.number(number)
        twiml = str(response)

        async def update() -> Any:
            return await client.calls(sid).update_async(twiml=twiml)

        await self._request("transfer", update)

    async def fetch_call(self, sid: str) -> dict[str, str] | None:
        """The call as the fields of a status callback, or None if Twilio does not know
        it (404). Other refusals raise :class:`CarrierRejected`."""
        client = self._twilio()

        async def fetch() -> Any:
            return await client.calls(sid).fetch_async()

        try:
            found = await self._request("fetch call", fetch)
        except CarrierRejected as exc:
            if exc.status == 404:
                return None
            raise
        return _callback_fields(found)

    async def close(self) -> None:
        if self._http is not None:
            http, self._http, self._client = self._http, None, None
            await http.close()


def _callback_fields(found: Any) -> dict[str, str]:
    """A call resource (the SDK's ``CallInstance``) shaped like Twilio's callbacks."""
    fields = {
        "CallSid": str(found.sid),
        "CallStatus": str(found.status or ""),
        "AccountSid": str(found.account_sid or ""),
        "To": str(found.to or ""),
        "From": str(getattr(found, "_from", None) or ""),
        "Direction": str(found.direction or ""),
        "ApiVersion": str(found.api_version or ""),
    }
    if found.duration is not None:
        fields["CallDuration"] = str(found.duration)
    if found.answered_by:
        fields["AnsweredBy"] = str(found.answered_by)
    # The callback's Timestamp is when its event happened: the end, else the last change.
    stamp = found.end_time or found.date_updated
    if isinstance(stamp, datetime):
        fields["Timestamp"] = format_datetime(stamp.astimezone(UTC), usegmt=True)
    return {key: value for key, value in fields.items() if value}
