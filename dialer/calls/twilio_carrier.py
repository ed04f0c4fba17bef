"""Twilio, through the official SDK's asynchronous client.

Calls are created with the answer URL (TwiML), status callbacks for every event
(initiated, ringing, answered, completed) and *asynchronous* answering-machine
detection, all pointing at this service's public URL with the attempt id in the query.
429 and 5xx are retried with exponential back-off and jitter; still failing,
:class:`CarrierUnavailable` tells the pacer to requeue the attempt. A 5xx on create may hide a call Twilio did create: its callbacks still find
the attempt by the id in their URL, and the reconciler asks Twilio about any attempt
left without news.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from dialer.calls.carrier import CarrierRejected, CarrierUnavailable, OutboundCall
from dialer.settings import Settings

log = logging.getLogger(__name__)
TWILIO_API = "https://api.twilio.com"
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]
T = TypeVar("T")


class _RebasedHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    """The SDK's client, sending to ``base`` instead of api.twilio.com (tests, proxies)."""

    def __init__(self, base: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base = base.rstrip("/")

    async def request(self, method: str, url: str, **kwargs: Any) -> Response:
        if self.base != TWILIO_API and url.startswith(TWILIO_API):
            url = self.base + url[len(TWILIO_API) :]
        # Basic auth as a header: aiohttp deprecates the BasicAuth object the SDK builds.
        auth = kwargs.pop("auth", None)
        if auth is not None:
            headers = dict(kwargs.get("headers") or {})
            headers["Authorization"] = aiohttp.encode_basic_auth(auth[0], auth[1])
            kwargs["headers"] = headers
        response: Response = await super().request(method, url, **kwargs)
        return response


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, TwilioRestException):
        status = int(exc.status)
        return status == 429 or status >= 500
    return isinstance(exc, aiohttp.ClientError | TimeoutError)


class TwilioCarrier:
    """The :class:`~dialer.calls.carrier.Carrier` of a Twilio account."""

    name = "twilio"

    def __init__(self, settings: Settings) -> None:
        if not (settings.twilio_account_sid and settings.twilio_auth_token):
            raise ValueError("TwilioCarrier needs DIALER_TWILIO_ACCOUNT_SID and _AUTH_TOKEN")
        self.settings = settings
        self._client: Client | None = None
        self._http: _RebasedHttpClient | None = None

    def _twilio(self) -> Client:
        # The async HTTP client opens an aiohttp session: build it inside the loop.
        if self._client is None:
            assert self.settings.twilio_auth_token is not None
            self._http = _RebasedHttpClient(self.settings.twilio_api_base, timeout=15)
            self._client = Client(
                self.settings.twilio_account_sid,
                self.settings.twilio_auth_token.get_secret_value(),
                http_client=self._http,
            )
        return self._client

    async def _with_retries(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        tries = self.settings.carrier_max_retries + 1
        for n in range(tries):
            try:
                return await call()
            except (TwilioRestException, aiohttp.ClientError, TimeoutError) as exc:
                if not _retryable(exc):
                    raise
                if n == tries - 1:
                    raise CarrierUnavailable(f"Twilio {what} failed {tries} times: {exc}") from exc
                delay = min(
                    self.settings.carrier_backoff_seconds * 2**n,
                    self.settings.carrier_backoff_max_seconds,
                )
                delay *= random.uniform(0.5, 1.0)  # jitter: nodes do not retry in step
                log.warning(
                    "twilio busy or failing; backing off",
                    extra={"what": what, "try": n + 1, "delay": round(delay, 3), "error": str(exc)},
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def place_call(self, call: OutboundCall) -> str:
        client = self._twilio()

        async def create() -> Any:
            return await client.calls.create_async(
                to=call.to,
                from_=call.from_,
                url=call.answer_url,
                method="POST",
                status_callback=call.status_url,
                status_callback_method="POST",
                status_callback_event=STATUS_EVENTS,
                machine_detection="Enable",
                async_amd="true",  # a string: the SDK sends booleans as "True"
                async_amd_status_callback=call.amd_url,
                async_amd_status_callback_method="POST",
                timeout=call.timeout_seconds,
            )

        try:
            created = await self._with_retries("create call", create)
        except TwilioRestException as exc:
            raise CarrierRejected(exc.msg, code=exc.code, status=exc.status) from exc
        return str(created.sid)

    async def hangup(self, sid: str) -> None:
        client = self._twilio()

        async def update() -> Any:
            return await client.calls(sid).update_async(status="completed")

        try:
            await self._with_retries("hang up", update)
        except TwilioRestException as exc:
            # Already ended, or unknown: nothing to hang up.
            log.info("hang-up not needed", extra={"call_sid": sid, "error": str(exc.msg)})

    async def fetch_call(self, sid: str) -> dict[str, str] | None:
        client = self._twilio()

        async def fetch() -> Any:
            return await client.calls(sid).fetch_async()

        try:
            found = await self._with_retries("fetch call", fetch)
        except TwilioRestException as exc:
            if exc.status == 404:
                return None
            raise CarrierRejected(exc.msg, code=exc.code, status=exc.status) from exc
        fields = {"CallSid": str(found.sid), "CallStatus": str(found.status)}
        if found.duration is not None:
            fields["CallDuration"] = str(found.duration)
        if getattr(found, "answered_by", None):
            fields["AnsweredBy"] = str(found.answered_by)
        if found.end_time is not None:
            from email.utils import format_datetime

            fields["Timestamp"] = format_datetime(found.end_time, usegmt=True)
        return fields

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
            self._client = None
