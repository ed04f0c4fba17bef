"""A carrier that behaves like Twilio without an account: the default.

Each placed call gets a fate by the configured odds (a human answers, a machine
answers, busy, no answer, failed) and realistic delays, and its progress is posted
exactly as Twilio would: form-encoded callbacks signed with ``X-Twilio-Signature`` to
the URLs the call was placed with — the service's own endpoints. So the service runs
its production code path and cannot tell the simulator from Twilio.

Delays are in the service's time and divided by ``speed`` (the demo runs faster than
real time); callback timestamps come from the service's clock.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import format_datetime

from dialer.clock import Clock
from dialer.providers.callbacks import Caller
from dialer.providers.carrier import OutboundCall
from dialer.providers.errors import ProviderRejected, ProviderUnavailable

log = logging.getLogger(__name__)
FATES = ("human", "machine", "busy", "no_answer", "failed")
ACCOUNT_SID = "AC" + "51" * 16
ENDED_KEPT = 10_000


@dataclass(frozen=True)
class SimProfile:
    """How simulated calls go: odds per fate (relative weights) and delays in seconds."""

    odds: dict[str, float] = field(
        default_factory=lambda: {
            "human": 45.0,
            "machine": 10.0,
            "busy": 15.0,
            "no_answer": 20.0,
            "failed": 10.0,
        }
    )
    ring_seconds: tuple[float, float] = (3.0, 15.0)
    talk_seconds: tuple[float, float] = (30.0, 180.0)
    amd_seconds: tuple[float, float] = (2.0, 5.0)
    machine_seconds: tuple[float, float] = (10.0, 25.0)
    no_answer_seconds: float = 30.0

    @classmethod
    def parse_odds(cls, text: str) -> dict[str, float]:
        """``"human=45,machine=10,busy=15,no_answer=20,failed=10"`` → weights."""
        odds: dict[str, float] = dict.fromkeys(FATES, 0.0)
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, _, value = part.partition("=")
            if name.strip() not in odds:
                raise ValueError(f"unknown simulated fate {name.strip()!r}; one of {FATES}")
            odds[name.strip()] = float(value)
        if sum(odds.values()) <= 0:
            raise ValueError("simulated odds must not all be zero")
        return odds


@dataclass
class _Call:
    sid: str
    call: OutboundCall
    fate: str
    status: str = "queued"
    answered_by: str | None = None
    answered_at: float | None = None
    duration: int = 0
    hangup: asyncio.Event = field(default_factory=asyncio.Event)
    sequence: int = 0


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
    ) -> None:
        self.caller = Caller(auth_token)
        self.clock = clock
        self.calls_per_second = calls_per_second
        self.caller_id = caller_id
        self.profile = profile or SimProfile()
        self.speed = speed
        self.random = random.Random(seed)
        self.choose = choose
        self.calls: dict[str, _Call] = {}
        self.ended: OrderedDict[str, _Call] = OrderedDict()
        self.available = True  # tests turn this off to play an outage
        self.bridged: dict[str, str] = {}  # call SID → the agent it was bridged to
        self.transferred: dict[str, str] = {}  # call SID → the number it went to

    async def place_call(self, call: OutboundCall) -> str:
        if not self.available:
            raise ProviderUnavailable("simulated carrier unavailable")
        sid = "CA" + secrets.token_hex(16)
        fate = self.choose(call) if self.choose else self._pick_fate()
        state = _Call(sid, call, fate)
        self.calls[sid] = state
        self.caller.start(self._run(state), name=f"simulated call {sid}")
        return sid

    async def hangup(self, sid: str) -> None:
        state = self.calls.get(sid)
        if state is not None:
            state.hangup.set()

    async def bridge(self, sid: str, agent: str) -> None:
        """Nothing to connect: the simulated customer talks until the call's end."""
        self.bridged[sid] = agent

    async def transfer(self, sid: str, number: str) -> None:
        """The simulated customer goes to ``number``: this side's call ends."""
        state = self.calls.get(sid)
        if state is None:
            raise ProviderRejected(f"call {sid} is not in progress", status=404)
        self.transferred[sid] = number
        state.hangup.set()

    async def fetch_call(self, sid: str) -> dict[str, str] | None:
        state = self.calls.get(sid) or self.ended.get(sid)
        if state is None:
            return None
        return self._params(state, state.status)

    async def close(self) -> None:
        await self.caller.close()

    async def drain(self) -> None:
        """Wait until every simulated call has ended (tests and the demo)."""
        await self.caller.drain()

    @property
    def live(self) -> int:
        return self.caller.running

    def _pick_fate(self) -> str:
        odds = self.profile.odds
        return self.random.choices(list(odds), weights=list(odds.values()))[0]

    def _between(self, bounds: tuple[float, float]) -> float:
        return self.random.uniform(*bounds)

    async def _sleep(self, seconds: float, state: _Call | None = None) -> bool:
        """Sleep ``seconds`` of service time; True if the call was hung up meanwhile."""
        real = seconds / self.speed
        if state is None:
            await asyncio.sleep(real)
            return False
        try:
            async with asyncio.timeout(real):  # not wait_for: it can swallow a cancel
                await state.hangup.wait()
        except TimeoutError:
            return False
        return True

    async def _run(self, state: _Call) -> None:
        try:
            await self._progress(state)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("simulated call failed", extra={"call_sid": state.sid})
        finally:
            # Ended calls stay answerable to fetch_call for a while (the reconciler).
            self.ended[state.sid] = self.calls.pop(state.sid, state)
            while len(self.ended) > ENDED_KEPT:
                self.ended.popitem(last=False)

    async def _progress(self, state: _Call) -> None:
        profile = self.profile
        await self._sleep(0.05)
        if state.fate == "failed":
            await self._status(state, "failed")
            return
        await self._status(state, "initiated")
        if state.fate == "no_answer":
            if not await self._sleep(0.5, state):
                await self._status(state, "ringing")
                await self._sleep(profile.no_answer_seconds, state)
            await self._status(state, "no-answer")
            return
        hung_up = await self._sleep(0.5, state)
        if not hung_up:
            await self._status(state, "ringing")
            hung_up = await self._sleep(self._between(profile.ring_seconds), state)
        if hung_up:
            await self._status(state, "canceled")
            return
        if state.fate == "busy":
            await self._status(state, "busy")
            return
        state.answered_at = self.clock().timestamp()
        await self._post(state, state.call.answer_url, self._params(state, "in-progress"))
        await self._status(state, "in-progress")
        if await self._sleep(self._between(profile.amd_seconds), state):
            await self._status(state, "completed")
            return
        state.answered_by = "human" if state.fate == "human" else "machine_start"
        await self._post(state, state.call.amd_url, self._params(state, "in-progress"))
        talk = profile.talk_seconds if state.fate == "human" else profile.machine_seconds
        await self._sleep(self._between(talk), state)
        await self._status(state, "completed")

    async def _status(self, state: _Call, status: str) -> None:
        state.status = status
        ended = status in ("completed", "busy", "no-answer", "failed", "canceled")
        if ended and state.answered_at is not None:
            state.duration = max(0, round(self.clock().timestamp() - state.answered_at))
        await self._post(state, state.call.status_url, self._params(state, status))

    def _params(self, state: _Call, status: str) -> dict[str, str]:
        state.sequence += 1
        params = {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "CallSid": state.sid,
            "CallStatus": status,
            "Direction": "outbound-api",
            "From": state.call.from_,
            "To": state.call.to,
            "Called": state.call.to,
            "Caller": state.call.from_,
            "Timestamp": format_datetime(self.clock(), usegmt=True),
            "SequenceNumber": str(state.sequence),
            "CallbackSource": "call-progress-events",
        }
        if state.answered_by is not None:
            params["AnsweredBy"] = state.answered_by
        if status in ("completed", "busy", "no-answer", "failed", "canceled"):
            params["CallDuration"] = str(state.duration)
            params["Duration"] = str((state.duration + 59) // 60)
        return params

    async def _post(self, state: _Call, url: str, params: dict[str, str]) -> None:
        await self.caller.post(url, params, call_sid=state.sid)
