"""A carrier that behaves like Twilio without an account: the default.

It executes what the service sends, as Twilio would. Each placed call gets a fate by
the configured odds (a human answers, a machine answers, busy, no answer, failed) — the
odds of the hour it is where the customer lives, when the profile gives them by hour —
and delays drawn from the profile's distributions (``behaviour.py``); its progress is
posted exactly as Twilio posts it — form-encoded callbacks signed with
``X-Twilio-Signature`` to the URLs the call was placed with, the service's own
endpoints. An answered call fetches its TwiML and follows it step by
step: ``<Say>`` and ``<Play>`` take their time, ``<Pause>`` waits, ``<Redirect>`` fetches
the next document, ``<Hangup>`` and the end of a document hang up, ``<Dial>`` reaches
only endpoints that exist on the :class:`SimulatedSwitch` and then calls its ``action``
with ``DialCallStatus``; ``<Conference>`` joins and leaves with the conference's status
callbacks (``participant-join``, ``participant-leave``, ``conference-end`` when a
participant with ``endConferenceOnExit`` leaves). A REST update (``update``) stops what
the call is doing and runs the new document, as Twilio's does.

The switch is the simulated network: the agents' softphones (client identities), SIP
phones and numbers that answer, and the conferences. An agent's softphone registers
there and dials in to the service's agent URL, as the browser's Voice SDK dials the
TwiML App; the service never tells the simulator who may take a call.

A person who answers stays on the line ``talk_seconds`` once they are with someone
(in a conference with an agent, or through a transfer), and hangs up after that long
anyway if nobody comes. Delays are in the service's time and divided by ``speed``;
callback timestamps come from the service's clock. Its state lives in this process:
several nodes in one process may share one switch (tests); nodes in several processes
each have their own (see docs/voice.md).
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
import xml.etree.ElementTree as ET
from collections import OrderedDict, deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from dialer.clock import Clock
from dialer.providers.behaviour import FATES, SimProfile, Spec, draw
from dialer.providers.callbacks import Caller
from dialer.providers.carrier import AgentLeg, Joiner, OutboundCall
from dialer.providers.errors import ProviderRejected, ProviderUnavailable
from dialer.rules.zones import zone_info

__all__ = ["FATES", "SimProfile", "SimulatedCarrier", "SimulatedSwitch"]

log = logging.getLogger(__name__)
ACCOUNT_SID = "AC" + "51" * 16
ENDED_KEPT = 10_000
FINAL = ("completed", "busy", "no-answer", "failed", "canceled")
SAY_CHARACTERS_PER_SECOND = 15.0
PLAY_SECONDS = 6.0  # an audio file's length, for the simulation
FOREVER = 86_400.0
ANSWERING = ("answer", "busy", "no-answer", "failed")


class _Ended(Exception):
    """The call is over (hung up by either side)."""


class _Updated(Exception):
    """The call was given a new document (a REST update)."""


@dataclass(eq=False)
class _Call:
    sid: str
    to: str
    from_: str
    direction: str  # outbound-api (placed through the API) or inbound (dialled in)
    fate: str  # human, machine, busy, no_answer, failed, or agent (an agent's leg)
    status_url: str | None = None
    amd_url: str | None = None
    status: str = "queued"
    answered_by: str | None = None
    answered_at: float | None = None
    duration: int = 0
    sequence: int = 0
    ended: bool = False
    pending: str | None = None  # a document given by a REST update, not yet running
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    talk_until: float | None = None  # a person hangs up then (simulation time)
    talk_moved: asyncio.Event = field(default_factory=asyncio.Event)
    member: _Member | None = None
    device: str | None = None  # the switch endpoint this call is (an agent's leg)
    recording: tuple[str, str, float] | None = None  # (SID, status URL, started)
    rng: random.Random | None = None  # its own draws (``call_seed``), else the carrier's


@dataclass(eq=False)
class _Member:
    call: _Call
    start_on_enter: bool
    end_on_exit: bool
    kicked: bool = False
    hold: bool = False
    muted: bool = False
    coaching: bool = False
    coached: str | None = None  # the call SID a coach whispers to


@dataclass(eq=False)
class _Conference:
    sid: str
    name: str
    members: dict[str, _Member] = field(default_factory=dict)
    callback: str | None = None
    events: frozenset[str] = frozenset()
    started: bool = False
    ended: bool = False  # a join with its name after this makes a new conference
    sequence: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class _ConferenceEnded(Exception):
    """The conference a call was about to join ended while it waited to go in."""


class SimulatedSwitch:
    """The simulated network: endpoints that answer, and live conferences.

    ``register`` puts an endpoint on it — an agent's softphone (``agent-7``, a client
    identity), a SIP phone (``sip:desk7@pbx.example``) — or says how a phone number
    answers (``answer``, ``busy``, ``no-answer``, ``failed``; any other number answers,
    as the public network would). A ``<Dial><Client>`` or ``<Sip>`` to an endpoint that
    is not registered fails, as on Twilio."""

    def __init__(self) -> None:
        self.endpoints: set[str] = set()
        self.numbers: dict[str, str] = {}
        self.conferences: dict[str, _Conference] = {}
        self.calls_of: dict[str, set[_Call]] = {}  # endpoint → its live calls

    def register(self, endpoint: str) -> None:
        self.endpoints.add(endpoint)

    def unregister(self, endpoint: str) -> None:
        """The endpoint goes away (a closed browser, a phone off the network): its calls
        drop."""
        self.endpoints.discard(endpoint)
        for call in list(self.calls_of.pop(endpoint, ())):
            _end(call)

    def number(self, number: str, behaviour: str) -> None:
        if behaviour not in ANSWERING:
            raise ValueError(f"a number answers one of {ANSWERING}, not {behaviour!r}")
        self.numbers[number] = behaviour

    def reach(self, kind: str, address: str) -> str:
        """How an endpoint answers a dial: answer, busy, no-answer or failed."""
        if kind in ("client", "sip"):
            key = address if kind == "sip" else address.removeprefix("client:")
            return "answer" if key in self.endpoints else "failed"
        return self.numbers.get(address, "answer")

    def members(self, name: str) -> list[str]:
        """The call SIDs in conference ``name`` now (tests)."""
        conference = self.conferences.get(name)
        return list(conference.members) if conference else []


def _stamp(moment: datetime) -> str:
    """A callback's timestamp as Twilio writes it (RFC 2822, GMT), from a clock in any
    zone (a demo started at 09:00+07:00 runs on a clock in +07:00)."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _end(call: _Call) -> None:
    call.ended = True
    call.wake.set()
    call.talk_moved.set()


class SimulatedCarrier:
    """The Twilio stand-in; see the module doc."""

    name = "simulated"
    # Its calls live in the memory of the node that placed them.
    calls_visible_to_all_nodes = False

    def __init__(
        self,
        *,
        auth_token: str,
        clock: Clock,
        calls_per_second: float = 50.0,
        caller_id: str = "+622150000000",
        profile: SimProfile | None = None,
        speed: float = 1.0,
        seed: int | None = None,
        choose: Callable[[OutboundCall], str] | None = None,
        switch: SimulatedSwitch | None = None,
        zone_of: Callable[[str], str | None] | None = None,
        call_seed: int | None = None,
    ) -> None:
        """``zone_of`` says the zone (WIB, WITA, WIT) of a number dialled, for the odds
        of the customer's local hour (``SimProfile.hourly_odds``; a number it does not
        know is in ``profile.zone``): what the simulated world knows of its customers,
        handed in by whoever made them (the demo, the pacing bench). With ``call_seed``
        each placed call draws from a generator of its own, seeded by it, the number
        and how many times that number was called before: the same customer behaves
        the same on their n-th call whatever order the calls are placed in."""
        self.caller = Caller(auth_token)
        self.clock = clock
        self.calls_per_second = calls_per_second
        self.caller_id = caller_id
        self.profile = profile or SimProfile()
        self.speed = speed
        self.random = random.Random(seed)
        self.zone_of = zone_of
        self.call_seed = call_seed
        self._dialled: dict[str, int] = {}  # number → calls placed to it (``call_seed``)
        self.choose = choose
        self.switch = switch or SimulatedSwitch()
        self.calls: dict[str, _Call] = {}
        self.ended: OrderedDict[str, _Call] = OrderedDict()
        self.available = True  # tests turn this off to play an outage
        self.failed = 0  # calls whose simulation raised (never a customer's behaviour)
        # The last documents run, (call SID, TwiML), for tests and a look at a demo.
        self.documents: deque[tuple[str, str]] = deque(maxlen=2000)

    # The provider's API, as the service uses it.

    async def place_call(self, call: OutboundCall) -> str:
        if not self.available:
            raise ProviderUnavailable("simulated carrier unavailable")
        rng = self._generator(call.to)
        fate = self.choose(call) if self.choose else self._pick_fate(call.to, rng)
        state = _Call(
            self._sid(),
            call.to,
            call.from_,
            "outbound-api",
            fate,
            status_url=call.status_url,
            amd_url=call.amd_url,
            rng=rng,
        )
        self.calls[state.sid] = state
        self.caller.start(self._run(state, self._customer(state, call)), f"call {state.sid}")
        return state.sid

    async def connect(self, leg: AgentLeg) -> str | None:
        """An agent's leg: the simulated softphone registers and dials in to
        ``leg.answer_url`` (as the Voice SDK dials the TwiML App); a SIP or phone leg is
        called, and answers only if it is on the switch."""
        if not self.available:
            raise ProviderUnavailable("simulated carrier unavailable")
        if leg.endpoint == "softphone":
            identity = f"agent-{leg.agent_id}"
            self.switch.register(identity)
            state = _Call(self._sid(), "", f"client:{identity}", "inbound", "agent")
            state.device = identity
            work: Coroutine[Any, Any, None] = self._softphone(state, leg)
        else:
            address = leg.address or ""
            state = _Call(
                self._sid(), address, leg.from_, "outbound-api", "agent", status_url=leg.status_url
            )
            state.device = address
            work = self._agent_phone(state, leg)
        self.switch.calls_of.setdefault(state.device, set()).add(state)
        self.calls[state.sid] = state
        self.caller.start(self._run(state, work), f"agent leg {state.sid}", lasting=True)
        return state.sid

    async def hangup(self, sid: str) -> None:
        state = self.calls.get(sid)
        if state is not None:
            _end(state)

    async def update(self, sid: str, twiml: str) -> None:
        state = self.calls.get(sid)
        if state is None or state.ended or state.status != "in-progress":
            raise ProviderRejected(f"call {sid} is not in progress", status=400, code=21220)
        state.pending = twiml
        state.wake.set()

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
        """Hold, mute or make a coach of a participant, with the conference's events,
        as Twilio does; a participant on hold is asked for ``hold_url``'s TwiML."""
        conference = next(
            (c for c in self.switch.conferences.values() if c.sid == conference_sid), None
        )
        member = conference.members.get(call_sid) if conference is not None else None
        if conference is None or member is None:
            raise ProviderRejected(
                f"call {call_sid} is not in conference {conference_sid}", status=404, code=20404
            )
        async with conference.lock:
            if hold is not None and hold != member.hold:
                member.hold = hold
                name = "participant-hold" if hold else "participant-unhold"
                await self._event(conference, "hold", name, member)
                if hold and hold_url:  # what the held participant hears meanwhile
                    music = await self._fetch(member.call, hold_url)
                    if music is None:
                        log.warning("a hold URL gave no TwiML", extra={"url": hold_url})
                    else:
                        self.documents.append((call_sid, music))
            if muted is not None and muted != member.muted:
                member.muted = muted
                name = "participant-mute" if muted else "participant-unmute"
                await self._event(conference, "mute", name, member)
            if coaching is not None and coaching != member.coaching:
                if coaching and coach not in conference.members:
                    raise ProviderRejected(f"no call {coach} to coach", status=400, code=16028)
                member.coaching, member.coached = coaching, coach if coaching else None
                await self._event(conference, "modify", "participant-modify", member)

    async def add_participant(self, conference_sid: str, joiner: Joiner) -> str:
        """Call ``joiner`` (a supervisor) into a live conference, as the Participants
        resource does: their phone must be on the switch (the simulated softphone
        registers itself); the conference's events tell the service they joined."""
        if not self.available:
            raise ProviderUnavailable("simulated carrier unavailable")
        conference = next(
            (c for c in self.switch.conferences.values() if c.sid == conference_sid), None
        )
        if conference is None:
            raise ProviderRejected(
                f"conference {conference_sid} is not live", status=404, code=20404
            )
        if joiner.coaching and joiner.coach not in conference.members:
            raise ProviderRejected(f"no call {joiner.coach} to coach", status=400, code=16028)
        if joiner.endpoint == "softphone":
            address = f"client:{joiner.identity}"
            self.switch.register(joiner.identity)
        else:
            address = joiner.address or ""
        state = _Call(
            self._sid(),
            address,
            joiner.from_,
            "outbound-api",
            "agent",
            status_url=joiner.status_url,
        )
        state.device = joiner.identity if joiner.endpoint == "softphone" else address
        self.switch.calls_of.setdefault(state.device, set()).add(state)
        self.calls[state.sid] = state
        work = self._participant(state, conference, joiner)
        self.caller.start(self._run(state, work), f"participant {state.sid}", lasting=True)
        return state.sid

    async def _participant(self, state: _Call, conference: _Conference, joiner: Joiner) -> None:
        await self._sleep(0.05)
        await self._status(state, "initiated")
        kind = {"softphone": "client", "sip": "sip"}.get(joiner.endpoint, "number")
        reached = self.switch.reach(kind, state.to)
        if reached != "answer":
            await self._status(state, "failed" if reached == "failed" else reached)
            return
        await self._status(state, "ringing")
        if await self._sleep(0.5, state):
            await self._status(state, "canceled")
            return
        state.answered_at = self._now()
        state.status = "in-progress"
        await self._status(state, "in-progress")
        if self.switch.conferences.get(conference.name) is not conference:
            await self._finish(state)  # it ended meanwhile
            return
        member = _Member(
            state,
            start_on_enter=False,
            end_on_exit=False,
            muted=joiner.muted,
            coaching=joiner.coaching,
            coached=joiner.coach if joiner.coaching else None,
        )
        try:
            await self._join(state, conference, member)
        except _ConferenceEnded:
            pass
        except _Updated:  # moved elsewhere by a REST update: it follows the new TwiML
            document, state.pending = state.pending, None
            await self._follow(state, document)
        except _Ended:
            pass
        await self._finish(state)

    async def record(self, sid: str, status_url: str) -> None:
        """Record the call until it ends; then its status is posted, as Twilio does."""
        state = self.calls.get(sid)
        if state is None or state.ended or state.status != "in-progress":
            raise ProviderRejected(f"call {sid} is not in progress", status=400, code=21220)
        state.recording = ("RE" + secrets.token_hex(16), status_url, self._sim())

    async def _recorded(self, state: _Call) -> None:
        if state.recording is None:
            return
        sid, url, started = state.recording
        state.recording = None
        params = {
            "AccountSid": ACCOUNT_SID,
            "CallSid": state.sid,
            "RecordingSid": sid,
            "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{sid}",
            "RecordingStatus": "completed",
            "RecordingDuration": str(max(1, round(self._sim() - started))),
            "RecordingChannels": "2",
            "RecordingSource": "StartCallRecordingAPI",
            "RecordingStartTime": _stamp(self.clock()),
        }
        await self.caller.post(url, params, call_sid=state.sid)

    async def fetch_call(self, sid: str) -> dict[str, str] | None:
        state = self.calls.get(sid) or self.ended.get(sid)
        if state is None:
            return None
        return self._params(state, state.status)

    async def close(self) -> None:
        await self.caller.close()

    async def drain(self) -> None:
        """Wait until every simulated customer's call has ended (tests and the demo);
        the agents' legs stay up."""
        await self.caller.drain()

    @property
    def live(self) -> int:
        return self.caller.running

    # A call's life.

    def _sid(self) -> str:
        return "CA" + secrets.token_hex(16)

    def _generator(self, number: str) -> random.Random | None:
        """The placed call's own generator (``call_seed``), or None: the carrier's."""
        if self.call_seed is None:
            return None
        nth = self._dialled.get(number, 0)
        self._dialled[number] = nth + 1
        return random.Random(f"{self.call_seed}/{number}/{nth}")

    def local_hour(self, number: str) -> int:
        """The hour it is now where the customer at ``number`` lives."""
        zone = (self.zone_of(number) if self.zone_of else None) or self.profile.zone
        return self.clock().astimezone(zone_info(zone)).hour

    def _pick_fate(self, number: str = "", rng: random.Random | None = None) -> str:
        profile = self.profile
        odds = profile.odds_at(self.local_hour(number)) if profile.hourly_odds else profile.odds
        return (rng or self.random).choices(list(odds), weights=list(odds.values()))[0]

    def _draw(self, state: _Call, spec: Spec) -> float:
        """One draw of a profile's time for ``state``'s customer."""
        return draw(spec, state.rng or self.random)

    def _now(self) -> float:
        """The service's time (timestamps, durations), which a test may freeze."""
        return self.clock().timestamp()

    def _sim(self) -> float:
        """The simulation's own time in service seconds (real time × speed): what a
        person's patience and a conversation's length are measured in."""
        return asyncio.get_running_loop().time() * self.speed

    async def _run(self, state: _Call, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception:
            self.failed += 1  # a bug, not a customer's doing: the demo reports it
            log.exception("simulated call failed", extra={"call_sid": state.sid})
        finally:
            _end(state)  # its person and its detection stop too
            if state.device is not None:
                self.switch.calls_of.get(state.device, set()).discard(state)
            # Ended calls stay answerable to fetch_call for a while (the reconciler).
            self.ended[state.sid] = self.calls.pop(state.sid, state)
            while len(self.ended) > ENDED_KEPT:
                self.ended.popitem(last=False)

    async def _sleep(self, seconds: float, state: _Call | None = None) -> bool:
        """Sleep ``seconds`` of service time; True if the call was hung up meanwhile."""
        real = seconds / self.speed
        if state is None:
            await asyncio.sleep(real)
            return False
        try:
            await self._wait(state, seconds)
        except _Ended:
            return True
        except _Updated:
            return False
        return False

    async def _wait(self, state: _Call, seconds: float) -> None:
        """Wait ``seconds`` of service time; :class:`_Ended` if the call ends and
        :class:`_Updated` if it gets a new document meanwhile; returns early when woken
        otherwise (its conference ended)."""
        self._check(state)
        state.wake.clear()
        try:
            async with asyncio.timeout(seconds / self.speed):
                await state.wake.wait()
        except TimeoutError:
            pass
        self._check(state)

    @staticmethod
    def _check(state: _Call) -> None:
        if state.ended:
            raise _Ended
        if state.pending is not None:
            raise _Updated

    async def _customer(self, state: _Call, call: OutboundCall) -> None:
        profile = self.profile
        await self._sleep(0.05)
        if state.fate == "failed":
            await self._status(state, "failed")
            return
        await self._status(state, "initiated")
        if state.fate == "no_answer":
            if not await self._sleep(0.5, state):
                await self._status(state, "ringing")
                await self._sleep(self._draw(state, profile.no_answer_seconds), state)
            await self._status(state, "no-answer")
            return
        hung_up = await self._sleep(0.5, state)
        if not hung_up:
            await self._status(state, "ringing")
            hung_up = await self._sleep(self._draw(state, profile.ring_seconds), state)
        if hung_up:
            await self._status(state, "canceled")
            return
        if state.fate == "busy":
            await self._status(state, "busy")
            return
        state.answered_at = self._now()
        state.status = "in-progress"
        document = await self._fetch(state, call.answer_url)
        await self._status(state, "in-progress")
        amd = self._draw(state, profile.amd_seconds)
        if state.fate == "human":
            self._talk(state, amd + self._draw(state, profile.talk_seconds))
        else:
            self._talk(state, amd + self._draw(state, profile.machine_seconds))
        self.caller.start(self._detect(state, amd), f"amd {state.sid}")
        self.caller.start(self._hang_up_when_done(state), f"person {state.sid}")
        await self._follow(state, document)
        await self._finish(state)

    async def _softphone(self, state: _Call, leg: AgentLeg) -> None:
        """The agent's browser dials the TwiML App: the service answers with TwiML."""
        state.answered_at = self._now()
        state.status = "in-progress"
        document = await self._fetch(state, leg.answer_url)
        await self._follow(state, document)
        await self._finish(state)

    async def _agent_phone(self, state: _Call, leg: AgentLeg) -> None:
        """The service calls the agent's SIP address or number."""
        await self._sleep(0.05)
        await self._status(state, "initiated")
        kind = "sip" if state.to.startswith("sip:") else "number"
        reached = self.switch.reach(kind, state.to)
        if reached == "failed":
            await self._status(state, "failed")
            return
        await self._status(state, "ringing")
        if reached == "no-answer":
            await self._sleep(leg.timeout_seconds, state)
            await self._status(state, "no-answer")
            return
        if reached == "busy":
            await self._status(state, "busy")
            return
        if await self._sleep(1.0, state):
            await self._status(state, "canceled")
            return
        state.answered_at = self._now()
        state.status = "in-progress"
        document = await self._fetch(state, leg.answer_url)
        await self._status(state, "in-progress")
        await self._follow(state, document)
        await self._finish(state)

    def _talk(self, state: _Call, seconds: float) -> None:
        """The person hangs up ``seconds`` from now (unless something else ends it)."""
        state.talk_until = self._sim() + seconds
        state.talk_moved.set()

    async def _hang_up_when_done(self, state: _Call) -> None:
        while not state.ended and state.talk_until is not None:
            state.talk_moved.clear()
            left = state.talk_until - self._sim()
            if left <= 0:
                _end(state)
                return
            try:
                async with asyncio.timeout(left / self.speed):
                    await state.talk_moved.wait()
            except TimeoutError:
                pass

    async def _detect(self, state: _Call, seconds: float) -> None:
        """Asynchronous answering-machine detection: its answer after ``seconds``."""
        if await self._sleep(seconds, state) or state.amd_url is None:
            return
        state.answered_by = "human" if state.fate == "human" else "machine_start"
        await self._post(state, state.amd_url, self._params(state, "in-progress"))

    async def _finish(self, state: _Call) -> None:
        if state.status in FINAL:
            return
        await self._status(state, "completed")
        await self._recorded(state)

    # TwiML, step by step.

    async def _follow(self, state: _Call, document: str | None) -> None:
        """Run ``document`` and whatever it leads to, until the call ends."""
        while document is not None:
            try:
                document = await self._execute(state, document)
            except _Updated:
                document, state.pending = state.pending, None
            except _Ended:
                return

    async def _execute(self, state: _Call, document: str) -> str | None:
        """Run one document; the next one (a Redirect, a Dial's action), or None: the
        call hangs up."""
        self.documents.append((state.sid, document))
        try:
            root = ET.fromstring(document)
        except ET.ParseError:
            log.warning(
                "simulated call got a document that is not XML", extra={"call_sid": state.sid}
            )
            return None
        if root.tag != "Response":
            log.warning(
                "simulated call got a document without <Response>", extra={"call_sid": state.sid}
            )
            return None
        for verb in root:
            self._check(state)  # a REST update or a hang-up comes first
            text = (verb.text or "").strip()
            if verb.tag == "Say":
                loops = max(1, int(verb.get("loop", "1")))
                await self._wait(state, max(1.0, len(text) / SAY_CHARACTERS_PER_SECOND) * loops)
            elif verb.tag == "Play":
                await self._wait(state, PLAY_SECONDS * max(1, int(verb.get("loop", "1"))))
            elif verb.tag == "Pause":
                await self._wait(state, float(verb.get("length", "1")))
            elif verb.tag == "Redirect":
                return await self._fetch(state, text)
            elif verb.tag in ("Hangup", "Reject"):
                return None
            elif verb.tag == "Dial":
                status, seconds = await self._dial(state, verb)
                action = verb.get("action")
                if action:
                    extra = {"DialCallStatus": status, "DialCallDuration": str(int(seconds))}
                    return await self._fetch(state, action, extra)
            else:
                log.warning(
                    "simulated call skips a verb it does not play",
                    extra={"call_sid": state.sid, "verb": verb.tag},
                )
        return None

    async def _dial(self, state: _Call, dial: ET.Element) -> tuple[str, float]:
        """Dial what ``<Dial>`` names; its DialCallStatus and how long it was connected."""
        nouns = list(dial)
        if not nouns:
            return await self._dial_number(state, dial, "number", (dial.text or "").strip(), None)
        noun = nouns[0]
        address = (noun.text or "").strip()
        if noun.tag == "Conference":
            return await self._conference(state, noun, address)
        kind = {"Number": "number", "Client": "client", "Sip": "sip"}.get(noun.tag)
        if kind is None:
            log.warning("simulated dial of an unknown noun", extra={"noun": noun.tag})
            return "failed", 0.0
        return await self._dial_number(state, dial, kind, address, noun.get("url"))

    async def _dial_number(
        self, state: _Call, dial: ET.Element, kind: str, address: str, url: str | None
    ) -> tuple[str, float]:
        reached = self.switch.reach(kind, address)
        timeout = float(dial.get("timeout", "30"))
        if reached == "failed":
            return "failed", 0.0
        await self._wait(state, 1.0)  # ringing
        if reached == "busy":
            return "busy", 0.0
        if reached == "no-answer":
            await self._wait(state, timeout)
            return "no-answer", 0.0
        if url:  # the called party's own TwiML first (a whisper, or nothing)
            callee = _Call(self._sid(), address, state.to, "outbound-dial", "callee")
            callee.status = "in-progress"
            await self._fetch(callee, url)
        started = self._sim()
        if state.fate == "human":
            self._talk(state, self._draw(state, self.profile.talk_seconds))
        await self._wait(state, FOREVER)
        return "completed", self._sim() - started

    # Conferences.

    async def _conference(self, state: _Call, noun: ET.Element, name: str) -> tuple[str, float]:
        callback = noun.get("statusCallback")
        events = frozenset(noun.get("statusCallbackEvent", "").split())
        while True:
            conference = self.switch.conferences.get(name)
            if conference is None:
                conference = _Conference("CF" + secrets.token_hex(16), name)
                self.switch.conferences[name] = conference
            member = _Member(
                state,
                start_on_enter=noun.get("startConferenceOnEnter", "true") == "true",
                end_on_exit=noun.get("endConferenceOnExit", "false") == "true",
                muted=noun.get("muted", "false") == "true",
            )
            try:
                return await self._join(state, conference, member, callback, events)
            except _ConferenceEnded:  # as on Twilio, the name now starts a new one
                continue

    async def _join(
        self,
        state: _Call,
        conference: _Conference,
        member: _Member,
        callback: str | None = None,
        events: frozenset[str] = frozenset(),
    ) -> tuple[str, float]:
        """``state`` in ``conference`` until it leaves (hung up, updated) or the
        conference ends; its DialCallStatus and how long it was there."""
        started = self._sim()
        async with conference.lock:
            if conference.ended:
                raise _ConferenceEnded
            if conference.callback is None and callback:
                conference.callback, conference.events = callback, events
            conference.members[state.sid] = member
            state.member = member
            if member.start_on_enter and not conference.started:
                conference.started = True
                await self._event(conference, "start", "conference-start")
            await self._event(conference, "join", "participant-join", member)
        if state.fate == "human":
            self._talk(state, self._draw(state, self.profile.talk_seconds))
        reason = "participant_hung_up"
        try:
            while not member.kicked:
                await self._wait(state, FOREVER)
        except _Updated:
            reason = "participant_updated_via_api"
            raise
        finally:
            state.member = None
            if not member.kicked:
                await self._leave(conference, member, reason)
        return "completed", self._sim() - started

    async def _leave(self, conference: _Conference, member: _Member, reason: str) -> None:
        async with conference.lock:
            if conference.members.pop(member.call.sid, None) is None:
                return
            await self._event(conference, "leave", "participant-leave", member, reason=reason)
            if member.end_on_exit or not conference.members:
                why = (
                    "participant-with-end-conference-on-exit-left"
                    if member.end_on_exit
                    else "last-participant-left"
                )
                conference.ended = True
                others = list(conference.members.values())
                for other in others:
                    conference.members.pop(other.call.sid, None)
                    await self._event(
                        conference, "leave", "participant-leave", other, reason="conference_ended"
                    )
                if self.switch.conferences.get(conference.name) is conference:
                    del self.switch.conferences[conference.name]
                await self._event(
                    conference, "end", "conference-end", ending=member.call.sid, reason=why
                )
                for other in others:  # after the callbacks: their Dials end now
                    other.kicked = True
                    other.call.wake.set()

    async def _event(
        self,
        conference: _Conference,
        event: str,
        name: str,
        member: _Member | None = None,
        *,
        reason: str | None = None,
        ending: str | None = None,
    ) -> None:
        if conference.callback is None or event not in conference.events:
            return
        conference.sequence += 1
        params = {
            "AccountSid": ACCOUNT_SID,
            "ConferenceSid": conference.sid,
            "FriendlyName": conference.name,
            "StatusCallbackEvent": name,
            "SequenceNumber": str(conference.sequence),
            "Timestamp": _stamp(self.clock()),
        }
        if member is not None:
            params |= {
                "CallSid": member.call.sid,
                "Muted": str(member.muted).lower(),
                "Hold": str(member.hold).lower(),
                "Coaching": str(member.coaching).lower(),
                "StartConferenceOnEnter": str(member.start_on_enter).lower(),
                "EndConferenceOnExit": str(member.end_on_exit).lower(),
            }
        if member is not None and member.coached:
            params["CallSidToCoach"] = member.coached
        if reason is not None and member is not None:
            params["ReasonParticipantLeft"] = reason
        if ending is not None:
            params["CallSidEndingConference"] = ending
            params["ReasonConferenceEnded"] = reason or ""
        await self.caller.post(conference.callback, params, conference=conference.sid)

    # The wire.

    async def _fetch(
        self, state: _Call, url: str, extra: dict[str, str] | None = None
    ) -> str | None:
        """Ask the service for the call's next document (a webhook); None: hang up."""
        params = self._params(state, state.status) | (extra or {})
        return await self.caller.post(url, params, call_sid=state.sid)

    async def _status(self, state: _Call, status: str) -> None:
        state.status = status
        if status in FINAL and state.answered_at is not None:
            state.duration = max(0, round(self._now() - state.answered_at))
        if state.status_url:
            await self._post(state, state.status_url, self._params(state, status))

    def _params(self, state: _Call, status: str) -> dict[str, str]:
        state.sequence += 1
        params = {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "CallSid": state.sid,
            "CallStatus": status,
            "Direction": state.direction,
            "From": state.from_,
            "To": state.to,
            "Called": state.to,
            "Caller": state.from_,
            "Timestamp": _stamp(self.clock()),
            "SequenceNumber": str(state.sequence),
            "CallbackSource": "call-progress-events",
        }
        if state.answered_by is not None:
            params["AnsweredBy"] = state.answered_by
        if status in FINAL:
            params["CallDuration"] = str(state.duration)
            params["Duration"] = str((state.duration + 59) // 60)
        return params

    async def _post(self, state: _Call, url: str, params: dict[str, str]) -> None:
        await self.caller.post(url, params, call_sid=state.sid)
