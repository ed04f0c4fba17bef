"""What the outbox needs of a WhatsApp provider.

Two implementations: :class:`dialer.providers.twilio_messenger.TwilioMessenger`
(Twilio's Messages API, the campaign's approved Content template) and
:class:`dialer.providers.simulated_messenger.SimulatedMessenger` (no credentials), which
posts the statuses Twilio would as signed, form-encoded callbacks to the same endpoint.
Sending raises :class:`~dialer.providers.errors.ProviderRejected` (a 4xx: the message
will not go as it is) or :class:`~dialer.providers.errors.ProviderUnavailable` (429,
5xx, the network: try again later).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

STATUS_PATH = "/messaging/status"


@dataclass(frozen=True)
class OutboundMessage:
    message_id: int
    to: str  # E.164
    sender: str  # whatsapp:+62…
    content_sid: str
    variables: dict[str, str]


class Messenger(Protocol):
    name: str

    @property
    def messages_per_second(self) -> float:
        """The account's messages per second, shared by every node."""
        ...

    async def send(self, message: OutboundMessage) -> str:
        """Hand the message to the provider; its message SID."""
        ...

    async def close(self) -> None: ...


def status_url(public_url: str, message_id: int) -> str:
    """Where the provider reports a message's statuses."""
    return f"{public_url.rstrip('/')}{STATUS_PATH}?message={message_id}"


MESSENGER: web.AppKey[Messenger] = web.AppKey("messenger")
