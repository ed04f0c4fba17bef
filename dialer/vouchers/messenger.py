"""Who carries the voucher to WhatsApp: Twilio's Messages API, or its simulator.

``TwilioMessenger`` sends the campaign's approved Content template (``ContentSid`` and
``ContentVariables``) from its WhatsApp sender to ``whatsapp:+62…``, with a status
callback to this service (``/messaging/status?message=ID``), through the SDK's async
client with the carrier's back-off (``twilio_carrier.py``). Creating a message is not
idempotent at Twilio: a 5xx or a timeout is not retried on the spot; the outbox tries
again later (``outbox.py``).

``SimulatedMessenger`` (no Twilio credentials) answers with a message SID and then posts
the statuses Twilio would — queued, sent, delivered, read, or failed / undelivered with
an error code — as signed, form-encoded callbacks to the same endpoint.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import secrets
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
from twilio.request_validator import RequestValidator

from dialer.calls.carrier import CarrierRejected, CarrierUnavailable
from dialer.calls.simulated import post_callback
from dialer.calls.twilio_carrier import TwilioCarrier
from dialer.settings import Settings

log = logging.getLogger(__name__)
STATUS_PATH = "/messaging/status"
MessengerRejected = CarrierRejected  # a 4xx: this message will not go as it is
MessengerUnavailable = CarrierUnavailable  # 429, 5xx, network: try again later


@dataclass(frozen=True)
class OutboundMessage:
    message_id: int
    to: str  # E.164
    sender: str  # whatsapp:+62…
    content_sid: str
    variables: dict[str, str]


class Messenger(Protocol):
    name: str

    async def send(self, message: OutboundMessage) -> str:
        """Hand the message to the provider; its message SID."""
        ...

    async def close(self) -> None: ...


def status_url(settings: Settings, message_id: int) -> str:
    return f"{settings.public_url.rstrip('/')}{STATUS_PATH}?message={message_id}"


class TwilioMessenger:
    name = "twilio"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._api = TwilioCarrier(settings)  # its client and back-off

    async def send(self, message: OutboundMessage) -> str:
        client = self._api._twilio()

        async def create() -> Any:
            return await client.messages.create_async(
                to=f"whatsapp:{message.to}",
                from_=message.sender,
                content_sid=message.content_sid,
                content_variables=json.dumps(message.variables, ensure_ascii=False),
                status_callback=status_url(self.settings, message.message_id),
            )

        created = await self._api._request("send message", create, idempotent=False)
        return str(created.sid)

    async def close(self) -> None:
        await self._api.close()


# The simulator's statuses: (weight, the statuses it posts after queued).
FATES: tuple[tuple[int, tuple[str, ...]], ...] = (
    (70, ("sent", "delivered", "read")),
    (20, ("sent", "delivered")),
    (5, ("sent",)),
    (3, ("failed",)),
    (2, ("sent", "undelivered")),
)
ERRORS = {"failed": "63016", "undelivered": "63024"}


class SimulatedMessenger:
    """Twilio's WhatsApp as seen from here: a SID now, signed status callbacks later."""

    name = "simulated"

    def __init__(
        self,
        settings: Settings,
        *,
        auth_token: str,
        speed: float = 1.0,
        seed: int | None = None,
        delay_seconds: float = 2.0,
        statuses: tuple[str, ...] | None = None,
    ) -> None:
        self.settings = settings
        self.validator = RequestValidator(auth_token)
        self.speed = speed
        self.rnd = random.Random(seed)
        self.delay_seconds = delay_seconds
        self.statuses = statuses  # always these after queued (tests), else by FATES
        self.sent: list[OutboundMessage] = []
        self.available = True
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None

    async def send(self, message: OutboundMessage) -> str:
        if not self.available:
            raise MessengerUnavailable("simulated WhatsApp unavailable")
        sid = "SM" + secrets.token_hex(16)
        self.sent.append(message)
        weights = [w for w, _ in FATES]
        statuses = self.statuses or self.rnd.choices([f for _, f in FATES], weights=weights)[0]
        task = asyncio.create_task(self._report(message, sid, ("queued", *statuses)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return sid

    async def _report(self, message: OutboundMessage, sid: str, statuses: tuple[str, ...]) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        url = status_url(self.settings, message.message_id)
        for status in statuses:
            await asyncio.sleep(self.delay_seconds * self.rnd.uniform(0.5, 1.5) / self.speed)
            params = {
                "AccountSid": "AC" + "0" * 32,
                "MessageSid": sid,
                "SmsSid": sid,
                "MessageStatus": status,
                "SmsStatus": status,
                "To": f"whatsapp:{message.to}",
                "From": message.sender,
                "ChannelPrefix": "whatsapp",
                "ApiVersion": "2010-04-01",
            }
            if status in ERRORS:
                params["ErrorCode"] = ERRORS[status]
            await post_callback(self._session, self.validator, url, params, message_sid=sid)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None


def make_messenger(settings: Settings, token: str) -> Messenger:
    if settings.twilio_account_sid and settings.twilio_auth_token:
        return TwilioMessenger(settings)
    return SimulatedMessenger(settings, auth_token=token, speed=settings.simulator_speed)
