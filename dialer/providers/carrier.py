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


@dataclass(frozen=True)
class AgentLeg:
    """An agent's own leg to connect: their endpoint, and the service's URLs for it."""

    agent_id: int
    endpoint: str  # softphone, sip or phone
    address: str | None  # sip:… or +62…; None for a softphone
    from_: str  # the caller id the agent's phone shows
    answer_url: str  # TwiML: into the agent's conference
    status_url: str  # the leg's call progress
    timeout_seconds: int = 30


@dataclass(frozen=True)
class Joiner:
    """Someone the service calls into a live conference (a supervisor): their endpoint,
    and how they take part — muted (listening), coaching ``coach`` (whispering to the
    agent: only they hear it) or neither (barging in)."""

    user_id: int
    identity: str  # their softphone's identity (supervisor-N)
    endpoint: str  # softphone, sip or phone
    address: str | None
    from_: str
    status_url: str  # the call's progress
    muted: bool = False
    coaching: bool = False
    coach: str | None = None  # the call SID of the participant coached (the agent's leg)
    timeout_seconds: int = 30


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

    async def update(self, sid: str, twiml: str) -> None:
        """Give a live call new instructions (a TwiML document, ``twiml.py``): what it
        was doing stops (a conference is left, a ``<Dial>`` ends without its action)
        and the document runs. Raises :class:`ProviderRejected` when the call is not in
        progress."""
        ...

    async def participant(
        self,
        conference_sid: str,
        call_sid: str,
        *,
        hold: bool | None = None,
        muted: bool | None = None,
        hold_url: str | None = None,
        coaching: bool | None = None,
        coach: str | None = None,
    ) -> None:
        """Change a participant of a live conference: put them on hold (they hear
        ``hold_url``'s TwiML) or back, mute or unmute them, make them coach ``coach`` or
        not. Raises :class:`ProviderRejected` when the call is no longer there."""
        ...

    async def add_participant(self, conference_sid: str, joiner: Joiner) -> str:
        """Call ``joiner`` into a live conference (the Participants resource); the
        call's id. Its joining and leaving come as the conference's events."""
        ...

    async def record(self, sid: str, status_url: str) -> None:
        """Start recording a live call (both sides, one channel each); its status, with
        the recording's SID and URL, is posted to ``status_url`` when it is done."""
        ...

    async def connect(self, leg: AgentLeg) -> str | None:
        """Connect an agent's leg: call their SIP address or phone number with
        ``leg.answer_url`` (the agent's conference). A softphone dials in itself (the
        browser's Voice SDK): None, unless the carrier plays the softphone too (the
        simulator). Returns the leg's call id."""
        ...

    async def fetch_call(self, sid: str) -> dict[str, str] | None:
        """The call's current status as Twilio-shaped callback fields (``CallSid``,
        ``CallStatus``, ``AnsweredBy``, ``CallDuration``…), or None if unknown."""
        ...

    async def close(self) -> None: ...


CARRIER: web.AppKey[Carrier] = web.AppKey("carrier")
