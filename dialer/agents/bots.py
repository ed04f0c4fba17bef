"""Bot agents, for ``make run`` and ``dialer demo``: agent users who join a campaign, go
available, take the calls bridged to them, "talk" for a while and record an outcome
drawn by configurable odds — through the same presence and outcome code a person's
console uses, so the pacer, the hand-over, after-call work and the outcome effects are
the production ones. A person can log in at ``/agent`` beside them and take calls too.

Each bot connects a softphone leg first, as a person's console does (on the simulator
it dials in to the agent's conference like a browser), so the calls reach them by the
production voice path; on Twilio a bot has no browser, so its leg never connects and
it takes no calls.

Bots are ``bot-1`` … ``bot-N`` (no password: they cannot log in), assigned to their
campaign when they start. One node drives them:
every ``POLL`` real seconds (``BotPlan.poll_seconds``) it marks them present, puts back
those the node's clock sent offline (a virtual clock jumps over nights), and records the
outcome of each call whose talk time is over, then hangs the call up.

A bot's talk time is a draw of ``BotPlan.talk_seconds`` (a range, or a distribution of
``providers/behaviour.py``). With ``wait_for_hangup`` (the pacing bench) the customer
ends the conversation — the simulated customer's talk time, from the carrier's profile —
and the bot then takes ``form_seconds`` to record the outcome (its talk draw only a cap
on a call nobody ends); either way the campaign's ``wrap_up_seconds`` of after-call
work follow the outcome, as for a person. With ``seed`` every draw is reproducible in
itself; which call gets which draw follows the order the calls come in.
"""

from __future__ import annotations

import contextlib
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dialer.agents import assignments, legs, outcomes, presence
from dialer.agents.outcomes import OutcomeForm
from dialer.auth import service as auth
from dialer.background import Loop
from dialer.campaigns import service as campaigns
from dialer.clock import Clock
from dialer.db import Connection, Pool, q
from dialer.errors import DialerError, NotFound
from dialer.providers import twiml
from dialer.providers.behaviour import Spec, draw
from dialer.providers.carrier import Carrier
from dialer.providers.errors import ProviderError
from dialer.rules.vocabulary import CHANNEL_CODES, OUTCOME_CODES

log = logging.getLogger(__name__)
POLL = 0.1  # real seconds
LEG_PATIENCE = timedelta(seconds=30)  # a leg still connecting after this is tried again
# The odds of each outcome (weights), unless DIALER_BOT_OUTCOMES says otherwise.
DEFAULT_ODDS = {
    "pays_via_bukalapak": 30,
    "pays_other_channel": 20,
    "already_paid": 12,
    "customer_busy": 10,
    "has_problem": 6,
    "wants_cancellation": 5,
    "claims_cancelled": 4,
    "do_not_call": 4,
    "wrong_number": 5,
    "not_subscriber": 4,
}
HUB = ("YANG BERSANGKUTAN", "YANG BERSANGKUTAN", "YANG BERSANGKUTAN", "ISTRI", "ANAK")


def parse_odds(text: str | None) -> dict[str, int]:
    """``"pays_via_bukalapak=30,already_paid=10"`` → weights; ValueError says what is wrong."""
    if not text:
        return dict(DEFAULT_ODDS)
    odds: dict[str, int] = {}
    for part in text.split(","):
        name, _, weight = part.strip().partition("=")
        if name not in OUTCOME_CODES:
            raise ValueError(f"bot outcome {name!r} is not one of {', '.join(OUTCOME_CODES)}")
        if not (weight.isascii() and weight.isdigit()):
            raise ValueError(f"bot outcome {name}: weight {weight!r} is not a whole number")
        odds[name] = int(weight)
    if not any(odds.values()):
        raise ValueError("bot outcomes: every weight is 0")
    return odds


@dataclass(frozen=True)
class BotPlan:
    campaign: str
    count: int
    odds: dict[str, int]
    talk_seconds: Spec = (40.0, 150.0)  # by the node's clock
    seed: int | None = None
    # The customer ends the call; the bot records the outcome form_seconds later (its
    # talk draw then only caps a call nobody ends).
    wait_for_hangup: bool = False
    form_seconds: Spec = 0.0
    poll_seconds: float = POLL  # real seconds between the bots' steps


def form_for(code: str, call: Any, now: datetime, rnd: random.Random) -> dict[str, Any]:
    """A complete, valid outcome form for ``code`` as an agent would fill it."""
    form: dict[str, Any] = {
        "attempt_id": call["attempt_id"],
        "code": code,
        "hub_penerima": rnd.choice(HUB),
        "address_valid": rnd.random() > 0.1,
        "service_working": rnd.random() > 0.1,
        "wa_number": call["wa_number"] or call["msisdn"],
        "myindihome": rnd.choice(["installed", "guided_install", "web_page", "declined"]),
        "notes": "bot",
    }
    if form["address_valid"] is False:
        form["new_address"] = "Jl. Pindahan No. 9"
    if code == "customer_busy":
        form["callback_at"] = (now + timedelta(hours=2)).isoformat()
    elif code == "claims_cancelled":
        form |= {"arrears_paid": rnd.random() > 0.5, "modem_returned": rnd.random() > 0.5}
    elif code == "wants_cancellation":
        form["cancellation"] = "retained"
    elif code == "wrong_number":
        form["verified"] = ["msisdn", "owner_name", "address"]
    elif code == "has_problem":
        form["ticket"] = {"existing": f"IN{rnd.randrange(10**7, 10**8)}"}
    elif code == "pays_other_channel":
        form["channel"] = rnd.choice(CHANNEL_CODES[:-1])
    if code in ("pays_via_bukalapak", "pays_other_channel") and not form["service_working"]:
        # A problem found on the way (step 3): a ticket, then the script goes on.
        form["tickets"] = [{"existing": f"IN{rnd.randrange(10**7, 10**8)}"}]
    return form


class Bots:
    """The bot agents this node drives."""

    def __init__(
        self,
        pool: Pool,
        clock: Clock,
        carrier: Carrier,
        plan: BotPlan,
        scripts_dir: Path,
        node: str,
        public_url: str,
    ) -> None:
        self.pool, self.clock, self.carrier = pool, clock, carrier
        self.public_url = public_url
        self.plan, self.scripts_dir, self.node = plan, scripts_dir, node
        self.rnd = random.Random(plan.seed)
        self.ids: list[int] = []
        self.campaign_id: int | None = None
        self._until: dict[int, datetime] = {}  # attempt → when its talk is over
        self._hung_up: set[int] = set()  # attempts whose customer hung up (wait_for_hangup)
        self._loop = Loop("bot agents", self._step_once, plan.poll_seconds)
        self.recorded = 0

    async def start(self) -> None:
        async with self.pool.acquire() as conn:
            try:
                self.campaign_id = (await campaigns.get(conn, self.plan.campaign)).id
            except NotFound:
                raise ValueError(f"bot agents: no campaign {self.plan.campaign!r}") from None
            for n in range(1, self.plan.count + 1):
                self.ids.append(await _bot_user(conn, n))
            # Bots join as agents do: assigned to the campaign (the manager's page shows them).
            await assignments.assign_ids(conn, self.campaign_id, self.ids, actor="bots")
        for user_id in self.ids:  # a fresh phone each: one of an earlier run is gone
            await self._connect(user_id, self.clock())
        self._loop.start()
        log.info(
            "bot agents started", extra={"bots": self.plan.count, "campaign": self.plan.campaign}
        )

    async def stop(self) -> None:
        await self._loop.stop()

    async def _step_once(self) -> bool:
        await self.step()
        return False

    async def step(self) -> None:
        """Present, available when idle, outcomes of calls whose talk is over."""
        now = self.clock()
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(q("bots_state"), self.ids, now)
        for row in rows:
            stuck = row["leg_since"] is not None and now - row["leg_since"] > LEG_PATIENCE
            if row["leg_state"] in (None, "dropped") or (
                row["leg_state"] == "connecting" and stuck
            ):
                await self._connect(row["user_id"], now)
            if row["state"] == "offline" or row["campaign_id"] != self.campaign_id:
                if row["state"] in ("on_call", "wrap_up"):
                    continue  # a call of another campaign first
                await self._available(row["user_id"], now, join=True)
            elif row["state"] == "paused":
                await self._available(row["user_id"], now, join=False)
            elif row["state"] == "on_call" and row["attempt_id"] is not None:
                attempt = row["attempt_id"]
                until = self._until.setdefault(attempt, now + self._talk())
                ended = row["call_ended_at"] if self.plan.wait_for_hangup else None
                if ended is not None and attempt not in self._hung_up:
                    # The customer hung up: the form takes its time, then the outcome.
                    self._hung_up.add(attempt)
                    form = timedelta(seconds=draw(self.plan.form_seconds, self.rnd))
                    until = self._until[attempt] = min(until, ended + form)
                if now >= until:
                    await self._finish(row, now)

    def _talk(self) -> timedelta:
        return timedelta(seconds=draw(self.plan.talk_seconds, self.rnd))

    async def _available(self, user_id: int, now: datetime, *, join: bool) -> None:
        assert self.campaign_id is not None
        async with self.pool.acquire() as conn, conn.transaction():
            if join:
                await presence.join(conn, user_id, self.campaign_id, self.node, now)
            taken = await presence.set_state(conn, user_id, "available", now=now)
        if taken is not None and taken[1]:
            await self.carrier.update(taken[1], twiml.to_agent(self.public_url, taken[0], user_id))

    async def _connect(self, user_id: int, now: datetime) -> None:
        """The bot's softphone connects (on the simulator: it dials in, as a browser)."""
        try:
            endpoint = legs.Endpoint(endpoint="softphone")
            await legs.connect(self.pool, self.carrier, self.public_url, user_id, endpoint, now)
        except ProviderError as exc:
            log.info("bot's phone not connected", extra={"error": str(exc)})

    async def _finish(self, row: Any, now: datetime) -> None:
        codes, weights = zip(*self.plan.odds.items(), strict=True)
        code = self.rnd.choices(codes, weights=weights)[0]
        for attempt in (code, "pays_other_channel"):
            form = OutcomeForm.model_validate(form_for(attempt, row, now, self.rnd))
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    done = await outcomes.record(
                        conn, form, agent_id=row["user_id"], now=now, scripts_dir=self.scripts_dir
                    )
            except DialerError as exc:
                # A callback after the campaign's end, say: the bot settles for another.
                log.info("bot outcome refused", extra={"code": attempt, "error": exc.message})
                continue
            self.recorded += 1
            self._until.pop(row["attempt_id"], None)
            self._hung_up.discard(row["attempt_id"])
            if done.hangup:
                with contextlib.suppress(Exception):
                    await self.carrier.hangup(done.hangup)
            return


async def _bot_user(conn: Connection, n: int) -> int:
    name = f"bot-{n}"
    found = await auth.user_id(conn, name)
    if found is not None:
        return found
    user = await auth.create_user(
        conn, username=name, role="agent", password=None, display_name=f"Bot {n}"
    )
    return user.id
