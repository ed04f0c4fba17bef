"""WhatsApp through Twilio's Messages API: the campaign's approved Content template
(``ContentSid`` and ``ContentVariables``) from its WhatsApp sender to ``whatsapp:+62…``,
with a status callback to this service (``/messaging/status?message=ID``), through the
node's shared :class:`~dialer.providers.twilio.TwilioApi`. Creating a message is not
idempotent at Twilio: a 5xx or a timeout is not retried on the spot; the outbox tries
again later (``vouchers/outbox.py``)."""

from __future__ import annotations

import json
from typing import Any

from dialer.providers.messenger import OutboundMessage, status_url
from dialer.providers.twilio import TwilioApi


class TwilioMessenger:
    name = "twilio"

    def __init__(self, api: TwilioApi, *, public_url: str, messages_per_second: float) -> None:
        self.api = api
        self.public_url = public_url
        self.messages_per_second = messages_per_second

    async def send(self, message: OutboundMessage) -> str:
        client = self.api.client()

        async def create() -> Any:
            return await client.messages.create_async(
                to=f"whatsapp:{message.to}",
                from_=message.sender,
                content_sid=message.content_sid,
                content_variables=json.dumps(message.variables, ensure_ascii=False),
                status_callback=status_url(self.public_url, message.message_id),
            )

        created = await self.api.request("send message", create, idempotent=False)
        return str(created.sid)

    async def close(self) -> None:
        """Nothing of its own: the node closes the shared :class:`TwilioApi`."""
