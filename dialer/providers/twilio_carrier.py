"""The :class:`~dialer.providers.carrier.Carrier` of a Twilio account.

Calls are created with the answer URL (TwiML), status callbacks for every event
(initiated, ringing, answered, completed) and *asynchronous* answering-machine
detection, all pointing at this service's public URL with the attempt id in the query.
A live call gets new TwiML (``twiml.py``) through the Calls resource: into the agent's
conference, back on hold, the apology, a transfer. Agents' SIP and phone legs are
calls too; a softphone's leg is dialled by the browser.
Requests go through the node's shared :class:`~dialer.providers.twilio.TwilioApi`
(its retries, back-off and timeout).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from dialer.providers.carrier import AgentLeg, Joiner, OutboundCall
from dialer.providers.errors import ProviderRejected
from dialer.providers.twilio import TwilioApi
from dialer.settings import TwilioSettings

log = logging.getLogger(__name__)
STATUS_EVENTS = ("initiated", "ringing", "answered", "completed")


class TwilioCarrier:
    """Calls through a Twilio account; it knows every call of the account, whichever
    node placed it."""

    name = "twilio"
    calls_visible_to_all_nodes = True

    def __init__(self, api: TwilioApi, settings: TwilioSettings) -> None:
        self.api = api
        self.settings = settings

    @property
    def calls_per_second(self) -> float:
        return self.settings.calls_per_second

    @property
    def caller_id(self) -> str:
        return self.settings.from_number or ""

    async def place_call(self, call: OutboundCall) -> str:
        """Create the call; Twilio's ``CallSid``.

        Twilio's Calls API has no idempotency key, and a 5xx or a timeout may come
        *after* Twilio created the call: those are not retried (a retry could ring the
        customer twice). 429 and refused connections are. A call created despite the
        error still reports to this attempt's URLs; the attempt was closed and its
        target requeued minutes later, after such a call has ended."""
        client = self.api.client()

        async def create() -> Any:
            return await client.calls.create_async(
                to=call.to,
                from_=call.from_ or self.settings.from_number,
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

        created = await self.api.request("create call", create, idempotent=False)
        return str(created.sid)

    async def hangup(self, sid: str) -> None:
        """End the call. Already ended or unknown (404, "not in progress") is done;
        429, 5xx and the network are retried, then :class:`ProviderUnavailable`."""
        client = self.api.client()

        async def update() -> Any:
            return await client.calls(sid).update_async(status="completed")

        try:
            await self.api.request("hang up", update)
        except ProviderRejected as exc:
            log.info(
                "hang-up not needed",
                extra={"call_sid": sid, "status": exc.status, "code": exc.code},
            )

    async def update(self, sid: str, twiml: str) -> None:
        """Replace what the live call is doing by ``twiml`` (the Calls resource's
        ``Twiml``); a call no longer in progress is :class:`ProviderRejected`."""
        client = self.api.client()

        async def update() -> Any:
            return await client.calls(sid).update_async(twiml=twiml)

        await self.api.request("update call", update)

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
        """The Conference Participant resource: hold (with ``hold_url``'s music), mute,
        coach."""
        client = self.api.client()
        options: dict[str, Any] = {}
        if hold is not None:
            options["hold"] = hold
            if hold and hold_url:
                options |= {"hold_url": hold_url, "hold_method": "POST"}
        if muted is not None:
            options["muted"] = muted
        if coaching is not None:
            options["coaching"] = coaching
            if coaching and coach:
                options["call_sid_to_coach"] = coach

        async def update() -> Any:
            participant = client.conferences(conference_sid).participants(call_sid)
            return await participant.update_async(**options)

        await self.api.request("update participant", update)

    async def add_participant(self, conference_sid: str, joiner: Joiner) -> str:
        """The Participants resource: the supervisor's phone is called into the agent's
        conference, never starting or ending it."""
        client = self.api.client()
        to = joiner.address if joiner.endpoint != "softphone" else f"client:{joiner.identity}"
        options: dict[str, Any] = {
            "from_": joiner.from_ or self.settings.from_number,
            "to": to,
            "muted": joiner.muted,
            "beep": "false",
            "start_conference_on_enter": False,
            "end_conference_on_exit": False,
            "status_callback": joiner.status_url,
            "status_callback_method": "POST",
            "status_callback_event": ["initiated", "ringing", "answered", "completed"],
            "timeout": joiner.timeout_seconds,
            "label": joiner.identity,
        }
        if joiner.coaching and joiner.coach:
            options |= {"coaching": True, "call_sid_to_coach": joiner.coach}

        async def create() -> Any:
            return await client.conferences(conference_sid).participants.create_async(**options)

        created = await self.api.request("add participant", create, idempotent=False)
        return str(created.call_sid)

    async def record(self, sid: str, status_url: str) -> None:
        """The call's Recordings resource: dual-channel, its completion reported."""
        client = self.api.client()

        async def create() -> Any:
            return await client.calls(sid).recordings.create_async(
                recording_status_callback=status_url,
                recording_status_callback_method="POST",
                recording_status_callback_event=["completed", "absent"],
                recording_channels="dual",
            )

        await self.api.request("record call", create, idempotent=False)

    async def connect(self, leg: AgentLeg) -> str | None:
        """Call the agent's SIP address or phone number into their conference. A
        softphone dials in from the browser (Voice SDK): nothing to place."""
        if leg.endpoint == "softphone" or not leg.address:
            return None
        client = self.api.client()

        async def create() -> Any:
            return await client.calls.create_async(
                to=leg.address,
                from_=leg.from_ or self.settings.from_number,
                url=leg.answer_url,
                method="POST",
                status_callback=leg.status_url,
                status_callback_method="POST",
                status_callback_event=list(STATUS_EVENTS),
                timeout=leg.timeout_seconds,
            )

        created = await self.api.request("connect agent", create, idempotent=False)
        return str(created.sid)

    async def fetch_call(self, sid: str) -> dict[str, str] | None:
        """The call as the fields of a status callback, or None if Twilio does not know
        it (404). Other refusals raise :class:`ProviderRejected`."""
        client = self.api.client()

        async def fetch() -> Any:
            return await client.calls(sid).fetch_async()

        try:
            found = await self.api.request("fetch call", fetch)
        except ProviderRejected as exc:
            if exc.status == 404:
                return None
            raise
        return _callback_fields(found)

    async def close(self) -> None:
        """Nothing of its own: the node closes the shared :class:`TwilioApi`."""


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
