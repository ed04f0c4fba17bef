"""What the dialer needs of a telephony provider, and the errors a provider raises.

Two implementations: :class:`dialer.calls.twilio_carrier.TwilioCarrier` (the twilio
SDK's async client) and :class:`dialer.calls.simulated.SimulatedCarrier` (the default
without credentials), which posts the same signed, form-encoded callbacks as Twilio to
the service's own endpoints — so the service cannot tell them apart.

Rate limits (calls per second) are the pacer's business, through a token bucket shared
by all nodes in PostgreSQL; a carrier only backs off and retries on 429 and 5xx.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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


class CarrierError(Exception):
    """A provider refused or failed a request."""


class CarrierUnavailable(CarrierError):
    """429 or 5xx (or the network) still failing after the carrier's own retries.

    Nothing was placed: the attempt stays queued and is tried again later."""


class CarrierRejected(CarrierError):
    """A permanent refusal (4xx other than 429): the attempt fails with this reason."""

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.status = status


class Carrier(Protocol):
    """A telephony provider, as the dialer uses it."""

    name: str

    async def place_call(self, call: OutboundCall) -> str:
        """Place the call; return the provider's call id (Twilio's ``CallSid``).

        Raises :class:`CarrierUnavailable` or :class:`CarrierRejected`."""
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
