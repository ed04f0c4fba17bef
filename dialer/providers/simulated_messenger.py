"""Twilio's WhatsApp as seen from here, without an account: a message SID at once, then
the statuses Twilio would post — queued, sent, delivered, read, or failed / undelivered
with an error code — as signed, form-encoded callbacks to the service's own
``/messaging/status`` endpoint."""

from __future__ import annotations

import asyncio
import random
import secrets

from dialer.providers.callbacks import Caller
from dialer.providers.errors import ProviderUnavailable
from dialer.providers.messenger import OutboundMessage, status_url

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
        *,
        public_url: str,
        auth_token: str,
        messages_per_second: float = 20.0,
        speed: float = 1.0,
        seed: int | None = None,
        delay_seconds: float = 2.0,
        statuses: tuple[str, ...] | None = None,
    ) -> None:
        self.public_url = public_url
        self.messages_per_second = messages_per_second
        self.caller = Caller(auth_token)
        self.speed = speed
        self.rnd = random.Random(seed)
        self.delay_seconds = delay_seconds
        self.statuses = statuses  # always these after queued (tests), else by FATES
        self.sent: list[OutboundMessage] = []
        self.available = True

    async def send(self, message: OutboundMessage) -> str:
        if not self.available:
            raise ProviderUnavailable("simulated WhatsApp unavailable")
        sid = "SM" + secrets.token_hex(16)
        self.sent.append(message)
        weights = [w for w, _ in FATES]
        statuses = self.statuses or self.rnd.choices([f for _, f in FATES], weights=weights)[0]
        self.caller.start(self._report(message, sid, ("queued", *statuses)), name=sid)
        return sid

    async def _report(self, message: OutboundMessage, sid: str, statuses: tuple[str, ...]) -> None:
        url = status_url(self.public_url, message.message_id)
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
            await self.caller.post(url, params, message_sid=sid)

    async def close(self) -> None:
        await self.caller.close()
