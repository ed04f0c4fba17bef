"""The dialer's tick: for each running campaign, claim due targets and place calls.

Every node ticks about once a second. Per campaign, one node at a time paces it (a
try-lock in the tick's transaction; the others skip it this tick): calls in flight stay
by the campaign's pacing mode — ``progressive``: one per free agent; ``power``: free
agents × the pacing ratio (1.0 while the abandon guard is on); ``predictive``: as many
as keep the expected abandon rate at the target (``predictive.py``, from the estimates
of ``pacing.py``; a target of 0 while the guard is on) — the
provider's calls per second come from a token bucket shared by all nodes, and targets
are claimed with ``FOR UPDATE SKIP LOCKED`` together with one queued attempt each. The
calls are placed after the commit, so a crash in between leaves queued attempts that
the reconciler closes and requeues — never a lost target, never a double dial.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiohttp import web
from asyncpg import Record, UniqueViolationError

from dialer import metrics
from dialer.agents import housekeeping
from dialer.billing import paid
from dialer.billing.source import BillingSource
from dialer.calls import apply as applying
from dialer.calls import guard, pacing, predictive, voice
from dialer.campaigns.models import Campaign, calendar_of
from dialer.campaigns.schemas import CampaignDefinition
from dialer.clock import Clock
from dialer.db import Connection, Pool, is_outage, q
from dialer.providers import ratelimit, twiml
from dialer.providers.carrier import Carrier, OutboundCall
from dialer.providers.errors import ProviderRejected, ProviderUnavailable
from dialer.rules.window import Calendar, open_zones
from dialer.settings import PacingSettings

log = logging.getLogger(__name__)
PACER_LOCK_NAMESPACE = 0x7063  # "pc": pg_try_advisory_xact_lock(namespace, campaign id)
BATCH_MAX = 100
REQUEUE_AFTER_OUTAGE = timedelta(minutes=2)
EARLY_VERDICT = 0.5  # the share of the mean time to a verdict the early calls take
PACING_SAVE_SECONDS = 5.0  # the campaign page's pacing state, refreshed this often


@dataclass
class CampaignPlan:
    """A campaign's parsed definition and calendar, cached per version."""

    definition: CampaignDefinition
    calendar: Calendar


@dataclass
class Dialer:
    """The dialling engine of one node."""

    pool: Pool
    settings: PacingSettings
    clock: Clock
    carrier: Carrier
    node: str
    public_url: str
    # Asked before a claimed batch is dialled when it asks anyone (a billing API).
    billing: BillingSource | None = None
    billing_unanswered: int = 0  # bills dialled unchecked: the billing API failed
    # Whether this node's liveness lease holds (``liveness.py``): a node judged dead
    # (paused, cut off) claims and places nothing — its claims may be another's now.
    may_act: Callable[[], bool] | None = None
    unplaced_fenced: int = 0  # claimed calls not placed: the lease lapsed meanwhile
    _plans: dict[tuple[int, int], CampaignPlan] = field(default_factory=dict)
    _carrier_down_until: datetime | None = None
    _saved: dict[int, tuple[float, bool]] = field(default_factory=dict)

    def plan(self, campaign: Campaign) -> CampaignPlan:
        key = (campaign.id, campaign.version)
        if key not in self._plans:
            definition = campaign.spec()
            self._plans[key] = CampaignPlan(definition, calendar_of(definition))
        return self._plans[key]

    async def tick(self) -> dict[str, int]:
        """One round over the running campaigns; returns calls placed per campaign."""
        now = self.clock()
        if self._carrier_down_until is not None and now < self._carrier_down_until:
            return {}
        if self.may_act is not None and not self.may_act():
            return {}
        async with self.pool.acquire() as conn:
            await conn.execute(q("node_seen"), self.node, self.carrier.name, now)
            records = await conn.fetch(q("running_campaigns"))
        await self.agents_sweep(now)
        placed: dict[str, int] = {}
        for record in records:
            campaign = Campaign.from_record(record)
            try:
                placed[campaign.name] = await self.dial_campaign(campaign)
            except Exception as exc:
                if not is_outage(exc):
                    log.exception("dialling failed", extra={"campaign": campaign.name})
                elif await self._database_answers():
                    # The claim's own session ended (idle past the lease: this node was
                    # paused mid-claim), not the database: undone, the next tick claims.
                    log.warning(
                        "claim's session ended: nothing claimed",
                        extra={"campaign": campaign.name, "error": str(exc)},
                    )
                else:
                    raise  # the tick's to say, once (the database is away)
        return placed

    async def _database_answers(self) -> bool:
        try:
            async with self.pool.acquire() as conn:
                await conn.fetchval(q("ping"))
        except Exception as exc:
            if is_outage(exc):
                return False
            raise
        return True

    async def agents_sweep(self, now: datetime) -> None:
        """Abandon calls held too long (they hear the apology), fail bridges that never
        joined, end after-call work, hand waiting calls to free agents, offline silent
        consoles."""
        try:
            chores = await housekeeping.sweep(self.pool, now)
            async with self.pool.acquire() as conn, conn.transaction():
                overdue = await voice.bridges_overdue(conn, self.public_url, now)
        except Exception as exc:
            if is_outage(exc):
                raise
            log.exception("the agents' sweep failed")
            return
        for sid, campaign_voice in chores.apologies:
            log.info("answered call abandoned: no agent within the hold limit")
            await self._carrier_request(self.carrier.update(sid, voice.apology(campaign_voice)))
        for sid, attempt_id, agent_id in chores.bridges:
            document = twiml.to_agent(self.public_url, attempt_id, agent_id)
            await self._carrier_request(self.carrier.update(sid, document))
        for sid, document in overdue:
            await self._carrier_request(self.carrier.update(sid, document))

    async def _carrier_request(self, request: Awaitable[None]) -> None:
        try:
            await request
        except Exception as exc:
            log.error("carrier request failed", extra={"error": str(exc)})

    async def dial_campaign(self, campaign: Campaign) -> int:
        """Pace one campaign: claim what may be dialled now and place the calls."""
        plan = self.plan(campaign)
        started = time.perf_counter()
        try:
            rows = await self._claim(campaign, plan, self.clock())
            metrics.observe_claim(time.perf_counter() - started)
        except UniqueViolationError:
            # Another campaign's claim took one of these numbers at this very moment
            # (one live call per number): this claim is undone, the next tick retries.
            log.info("claim gave way to another campaign's", extra={"campaign": campaign.name})
            return 0
        if rows:
            await self.place(rows, plan.definition)
        return len(rows)

    async def _claim(self, campaign: Campaign, plan: CampaignPlan, now: datetime) -> list[Record]:
        """In one transaction: the calls this campaign may place now, claimed."""
        zones = sorted(open_zones(plan.calendar, now))
        bucket = f"calls:{self.carrier.name}"
        async with self.pool.acquire() as conn, conn.transaction():
            idle_limit = f"{self.settings.node_lease_seconds:g}s"
            await conn.fetchval(q("claim_idle_limit"), idle_limit)
            if not await conn.fetchval(q("try_xact_lock"), PACER_LOCK_NAMESPACE, campaign.id):
                return []  # another node paces this campaign right now
            await conn.execute(q("promote_due"), campaign.id, now)
            if not zones:
                return []  # no customer may be called now
            state = await guard.check(
                conn,
                campaign.id,
                limit_percent=plan.definition.abandon_limit_percent,
                window=timedelta(minutes=self.settings.abandon_window_minutes),
                min_answered=self.settings.abandon_min_answered,
                now=now,
            )
            want = await self._size(conn, campaign.id, plan.definition, zones, state, now)
            if want <= 0:
                return []
            granted = await ratelimit.take(
                conn, bucket, rate=self.carrier.calls_per_second, want=want, now=now
            )
            if granted == 0:
                return []
            rows = await conn.fetch(
                q("claim_targets"), campaign.id, zones, granted, now, self.carrier.name, self.node
            )
            if rows and self.billing is not None and self.billing.asks_before_dialling:
                rows = await self._unpaid(conn, campaign, rows, now)
            await ratelimit.give_back(conn, bucket, granted - len(rows))
        return rows

    async def _size(
        self,
        conn: Connection,
        campaign_id: int,
        definition: CampaignDefinition,
        zones: list[str],
        state: guard.GuardState,
        now: datetime,
    ) -> int:
        """How many calls to place now, by the campaign's pacing mode (at most
        ``BATCH_MAX``); the pacing state is left for the campaign page."""
        mode = definition.pacing_mode
        if mode != "predictive":
            counts = await conn.fetchrow(q("live_counts"), campaign_id, now)
            assert counts is not None
            ratio = 1.0 if state.active or mode == "progressive" else definition.pacing_ratio
            free: int = (
                max(0, definition.virtual_seats - counts["bridged"])
                if definition.virtual_seats
                else counts["free_agents"]
            )
            paced = pacing.Paced(mode, None, None, {"ratio": ratio, "guard": state.active})
            await self._remember(conn, campaign_id, paced, now)
            return min(math.floor(free * ratio) - int(counts["in_flight"]), BATCH_MAX)
        observed = await pacing.observe(conn, campaign_id, definition, zones, now)
        estimates = observed.estimates
        # An agent counts as about to be free when their after-call work ends before
        # the early persons of this batch give up: half the mean time to the verdict
        # (ring times vary) plus the connect limit they may wait.
        horizon = timedelta(
            seconds=EARLY_VERDICT * estimates.verdict_seconds + definition.connect_limit_seconds
        )
        counts = await conn.fetchrow(q("live_counts"), campaign_id, now + horizon)
        assert counts is not None
        least = self.settings.abandon_min_answered
        window_rate = state.rate_percent if state.answered >= max(1, least) else None
        day_rate = observed.day_rate_percent if observed.day_persons >= max(1, least) else None
        target = definition.target_abandon_percent
        in_force = (
            0.0  # the guard: no person may be left without an agent
            if state.active
            else predictive.effective_target(
                target,
                definition.abandon_limit_percent,
                window_rate_percent=window_rate,
                day_rate_percent=day_rate,
            )
        )
        if definition.virtual_seats:
            floor = predictive.Floor(
                free=max(0, definition.virtual_seats - counts["bridged"]),
                freeing=0,
                on_call=counts["bridged"],
                ringing=counts["ringing"],
                answered=counts["answered"],
                waiting=counts["waiting"],
            )
        else:
            floor = predictive.Floor(
                free=counts["free_agents"],
                freeing=counts["freeing"],
                on_call=counts["on_call"],
                ringing=counts["ringing"],
                answered=counts["answered"],
                waiting=counts["waiting"],
            )
        sizing = predictive.size(estimates, floor, target_percent=in_force, most=BATCH_MAX)
        details = {
            "human_percent": round(100 * estimates.human, 1),
            "human_if_answered_percent": round(100 * estimates.human_if_answered, 1),
            "verdict_seconds": round(estimates.verdict_seconds, 1),
            "talk_seconds": round(estimates.talk_seconds, 1),
            "wrap_seconds": estimates.wrap_seconds,
            "calls_counted": observed.placed,
            "zones_percent": {z: round(100 * p, 1) for z, p in observed.zones.items()},
            "window_rate_percent": None if window_rate is None else round(window_rate, 2),
            "day_rate_percent": None if day_rate is None else round(day_rate, 2),
            "guard": state.active,
            "agents_expected": round(sizing.supply, 1),
            "placed": sizing.calls,
            "expected_abandon_percent": round(sizing.expected_abandon_percent, 2),
        }
        paced = pacing.Paced(mode, target, in_force, details)
        await self._remember(conn, campaign_id, paced, now)
        return sizing.calls

    async def _remember(
        self, conn: Connection, campaign_id: int, paced: pacing.Paced, now: datetime
    ) -> None:
        """The pacing state, saved every ``PACING_SAVE_SECONDS`` (real time) per
        campaign, or at once when it slowed or resumed."""
        last = self._saved.get(campaign_id)
        moment = time.monotonic()
        if last is not None and last[1] == paced.slowed and moment - last[0] < PACING_SAVE_SECONDS:
            return
        await pacing.save(conn, campaign_id, paced, now)
        self._saved[campaign_id] = (moment, paced.slowed)

    async def _unpaid(
        self, conn: Connection, campaign: Campaign, rows: list[Record], now: datetime
    ) -> list[Record]:
        """The claimed rows whose bill billing does not report paid (``paid.py``). A
        billing outage never stops dialling: what it did not answer for is dialled,
        logged and counted (``billing_unanswered``)."""
        assert self.billing is not None
        checked = await paid.check_claimed(conn, self.billing, campaign.id, rows, now)
        if checked.finished:
            log.info(
                "bills paid per billing: targets finished, not dialled",
                extra={"campaign": campaign.name, "targets": checked.finished},
            )
        if checked.unanswered:
            self.billing_unanswered += checked.unanswered
            log.warning(
                "billing API did not answer before dialling: dialled as before",
                extra={
                    "campaign": campaign.name,
                    "bills": checked.unanswered,
                    "error": "; ".join(checked.errors),
                    "unanswered_total": self.billing_unanswered,
                },
            )
        return checked.rows

    async def place(self, rows: list[Record], definition: CampaignDefinition) -> None:
        """Place the claimed attempts' calls, a few at a time."""
        limit = asyncio.Semaphore(self.settings.place_concurrency)
        caller_id = self.carrier.caller_id
        base = self.public_url.rstrip("/")

        async def one(row: Record) -> None:
            attempt_id = row["id"]
            call = OutboundCall(
                attempt_id=attempt_id,
                to=row["number"],
                from_=caller_id,
                answer_url=f"{base}/carrier/voice/answer?attempt={attempt_id}",
                status_url=f"{base}/carrier/voice/status?attempt={attempt_id}",
                amd_url=f"{base}/carrier/voice/amd?attempt={attempt_id}",
            )
            async with limit:
                await self._place_one(call)

        await asyncio.gather(*(one(row) for row in rows))

    async def _place_one(self, call: OutboundCall) -> None:
        if self.may_act is not None and not self.may_act():
            # The lease lapsed since the claim (this node was paused): the claim may
            # have been reclaimed and its target dialled by another node. Not placed;
            # closed uncounted unless the failover closed it already.
            self.unplaced_fenced += 1
            log.warning(
                "lease lapsed: claimed call not placed", extra={"attempt_id": call.attempt_id}
            )
            await requeue_lost(self.pool, call.attempt_id, "lease lapsed", self.clock())
            return
        try:
            sid = await self.carrier.place_call(call)
        except ProviderRejected as exc:
            log.warning(
                "call refused by the carrier",
                extra={"attempt_id": call.attempt_id, "error": str(exc), "code": exc.code},
            )
            await self._fail(call.attempt_id, str(exc), exc.code)
        except ProviderUnavailable as exc:
            now = self.clock()
            self._carrier_down_until = now + timedelta(seconds=self.settings.reconcile_seconds)
            log.error(
                "carrier unavailable: attempt requeued, dialling paused on this node",
                extra={"attempt_id": call.attempt_id, "error": str(exc)},
            )
            await requeue_lost(self.pool, call.attempt_id, "carrier unavailable", now)
        else:
            now = self.clock()
            async with self.pool.acquire() as conn:
                await conn.execute(q("mark_placed"), call.attempt_id, sid, now)

    async def _fail(self, attempt_id: int, message: str, code: int | None) -> None:
        params: dict[str, str] = {"CallStatus": "failed", "ErrorMessage": message}
        if code is not None:
            params["ErrorCode"] = str(code)
        await applying.record(
            self.pool, kind="reconcile", attempt_id=attempt_id, params=params, now=self.clock()
        )


async def requeue_lost(pool: Pool, attempt_id: int, why: str, now: datetime) -> bool:
    """Close an attempt that never reached (or was lost by) the provider, and dial its
    target again later without counting it. False if the attempt had already ended."""
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(q("close_lost_attempt"), attempt_id, now, why)
        if row is None:
            return False
        await conn.execute(
            q("requeue_target"), row["campaign_id"], row["target_id"], now + REQUEUE_AFTER_OUTAGE
        )
    return True


DIALER = web.AppKey("dialer", Dialer)
