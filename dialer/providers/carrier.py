"""What the dialer needs of a telephony provider, and the errors a provider raises.

Two implementations: :class:`dialer.providers.twilio_carrier.TwilioCarrier` (the twilio
SDK's async client) and :class:`dialer.providers.simulated_carrier.SimulatedCarrier` (the
default without credentials), which posts the same signed, form-encoded callbacks as
Twilio to the service's own endpoints — so the service cannot tell them apart.

A carrier reports its own limits (its calls per second, its caller id, whether any node
may ask about a call another node placed); nobody branches on its name. Keeping to the
calls per second is the pacer's business, through a token bucket shared by all nodes in
PostgreSQL (``ratelimit.py``); a carrier only backs off and retries on 429 and 5xx.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from aiohttp import web


@dataclass(frozen=True)
class OutboundCall:
    """One call to place; the URLs carry the attempt id, so every callback finds its
    attempt even if the node died before it stored the provider's call id."""

    attempt_id: int
    to: str  # E.164, "+62812…"
    from_: str  # the campaign's caller id, E.164
    answer_url: str  # Twilio fetches TwiML here when the call is answered
    status_url: str  # status callbacks: initiated, ringing, answered, completed
    amd_url: str  # asynchronous answering-machine detection result
    timeout_seconds: int = 30  # ring this long before "no-answer"


class Carrier(Protocol):
    """A telephony provider, as the dialer uses it."""

    name: str

    @property
    def calls_per_second(self) -> float:
        """The account's calls per second, shared by every node."""
        ...

    @property
    def calls_visible_to_all_nodes(self) -> bool:
        """Whether a node may ask (``fetch_call``) about a call another node placed."""
        ...

    @property
    def caller_id(self) -> str:
        """The number the customer sees, E.164."""
        ...

    async def place_call(self, call: OutboundCall) -> str:
        """Place the call; return the provider's call id (Twilio's ``CallSid``).

        Raises :class:`ProviderUnavailable` or :class:`ProviderRejected`."""
        ...

    async def hangup(self, sid: str) -> None:
        """End a call in any state (a machine reached, no agent free, paused)."""
        ...

    async def bridge(self, sid: str, agent: str) -> None:
        """Connect a human-answered call to the agent's client (identity ``agent``)."""
        ...

    async def transfer(self, sid: str, number: str) -> None:
        """Hand a live call to another number (another contact center): the customer
        leaves this campaign's call, which then ends as completed on this side."""
        ...

    async def fetch_call(self, sid: str) -> dict[str, str] | None:
        """The call's current status as Twilio-shaped callback fields (``CallSid``,
        ``CallStatus``, ``AnsweredBy``, ``CallDuration``…), or None if unknown."""
        ...

    async def close(self) -> None: ...


CARRIER: web.AppKey[Carrier] = web.AppKey("carrier")
