"""The campaign forecast: when the list will be exhausted, when the voucher quota will
be used up, the probability of finishing by the campaign's end, and the agents needed
to finish by then — each with a range, and the inputs it used.

Pure: :class:`Observed` (what ``forecast_data.py`` read from the campaign's rows and
running counts at ``now``) in, a JSON-ready dict out. The model (docs/forecast.md):

- **Parameters with their uncertainty.** Contact odds — the chance of each call result
  — by zone and the customer's local hour, as a Dirichlet posterior drawn in three
  levels (the campaign, its zone, the hour) from a prior worth a few calls, so a cell
  with few calls leans on its zone and a campaign with none on the prior. The agents'
  seconds per contact (bridge to next bridge while busy) from their latest calls, a
  callback's share and delay, and the voucher's share of contacts, each with a prior.
- **Monte Carlo.** ``RUNS`` simulated futures (``forecast_sim.py``) with a fixed seed,
  each with its own draw of the parameters: the targets left dialled in the dialler's
  order as far as the agents' time goes, inside the calling windows of each zone and
  the holidays, retried by the campaign's policy, until the list is exhausted or the
  period's calling hours run out. A figure's range is the 10th to the 90th percentile
  of the runs; a probability's is its 90 % Wilson interval over the runs.
- **Agents needed**: the smallest number of agents with which at least ``AGENTS_RULE``
  (80 %) of the runs finish inside the period; its range, the numbers for 50 % and 95 %.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from statistics import mean, median, pstdev
from typing import Any

from dialer.campaigns.models import calendar_of
from dialer.campaigns.schemas import CampaignDefinition
from dialer.reports.forecast_sim import RESULTS, Cohort, Draw, Plan, Run, simulate
from dialer.rules.window import Calendar, holiday_name, next_opening
from dialer.rules.zones import ZONE_NAMES, zone_info

RUNS = 200
SEARCH_RUNS = 60
# The work budget: cohorts dialled (summed over steps) a run may cost at the step
# chosen (about 0.15 s), and all the main runs together; the fewest runs whatever the
# size, and the pilot run's step.
RUN_COST = 15_000
WORK = 400_000
MIN_RUNS = 30
MIN_SEARCH_RUNS = 10
PILOT_STEP = timedelta(hours=1)
SEED = 21
AGENTS_RULE = 0.8
AGENTS_RANGE = (0.5, 0.95)
MAX_AGENTS = 10_000
AGENTS_PRECISION = 0.03
# What a campaign with no calls yet is assumed to see: the share of each result
# (contacted, busy_line, no_answer, failed, machine, abandoned, canceled) and how many
# calls' worth that belief is at each level (the campaign, a zone, an hour of a zone).
PRIOR_RESULTS = {
    "contacted": 0.40,
    "busy_line": 0.12,
    "no_answer": 0.25,
    "failed": 0.10,
    "machine": 0.10,
    "abandoned": 0.02,
    "canceled": 0.01,
}
PRIOR_WEIGHTS = (10.0, 40.0, 40.0)
# An agent's time per contact before any call reached one: talking, after-call work
# beyond the campaign's wrap-up, and the wait for the next person to answer.
PRIOR_CYCLE_SECONDS = 180.0
PRIOR_CYCLE_CALLS = 10.0
# A gap between two calls of one agent longer than this many handle times is a break,
# not work.
BREAK_HANDLES = 4.0
# Callbacks ("customer_busy") and vouchers ("pays_via_bukalapak") per contact: prior
# mean and weight in contacts.
PRIOR_CALLBACK = (0.10, 10.0)
PRIOR_VOUCHER = (0.20, 10.0)
PRIOR_CALLBACK_DELAY = timedelta(hours=2)
PERCENTILES = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class Handled:
    """A call an agent took: who, when it was bridged, and when they were free again
    (outcome recorded, or the call's end)."""

    agent: int
    bridged_at: datetime
    free_at: datetime | None


@dataclass(frozen=True)
class Observed:
    """What the campaign's data says at ``now``: the forecast's inputs before priors."""

    campaign: str
    now: datetime
    definition: CampaignDefinition
    cohorts: tuple[Cohort, ...]  # the targets not finished (a target on a call: ready)
    total: int
    done: int
    dialing: int
    results: tuple[tuple[str, int, str, int], ...]  # zone, local hour, result, calls
    outcomes: Mapping[str, int]
    callback_delays: tuple[float, ...]  # seconds, the latest callbacks asked
    calls: tuple[Handled, ...]  # the latest calls agents took
    agents_logged_in: int
    vouchers_taken: int
    last_voucher_at: datetime | None
    state: str = "running"  # the campaign's: a draft or paused one is forecast as if
    # it ran from now on; a finished one dials no more


@dataclass(frozen=True)
class Estimate:
    """An input as the model uses it: its value, the data behind it (``n``) and whether
    it is the prior's alone."""

    value: float
    n: int
    prior: bool
    low: float | None = None
    high: float | None = None

    def to_json(self, digits: int = 4) -> dict[str, Any]:
        out: dict[str, Any] = {"value": round(self.value, digits), "n": self.n, "prior": self.prior}
        if self.low is not None and self.high is not None:
            out |= {"low": round(self.low, digits), "high": round(self.high, digits)}
        return out


# -- The parameters ------------------------------------------------------------------


def _dirichlet(rnd: random.Random, alphas: Sequence[float]) -> tuple[float, ...]:
    draws = [rnd.gammavariate(a, 1.0) if a > 0 else 0.0 for a in alphas]
    total = sum(draws)
    return tuple(d / total for d in draws)


class Odds:
    """Call results by zone and the customer's local hour, counted."""

    def __init__(self, results: Sequence[tuple[str, int, str, int]]) -> None:
        self.cells: defaultdict[tuple[str, int], list[float]] = defaultdict(_zeros)
        self.zones: defaultdict[str, list[float]] = defaultdict(_zeros)
        self.all = _zeros()
        for zone, hour, result, n in results:
            if result not in RESULTS or n <= 0:
                continue
            i = RESULTS.index(result)
            self.cells[(zone, hour)][i] += n
            self.zones[zone][i] += n
            self.all[i] += n

    @property
    def calls(self) -> int:
        return int(sum(self.all))

    def sampler(self, rnd: random.Random) -> Callable[[str, int], tuple[float, ...]]:
        """One run's odds: the campaign's, then each zone's, then each hour's, drawn in
        turn from a Dirichlet around the level above (an hour drawn when first asked)."""
        top, mid, low = PRIOR_WEIGHTS
        prior = [PRIOR_RESULTS[r] for r in RESULTS]
        campaign = _dirichlet(rnd, [top * p + n for p, n in zip(prior, self.all, strict=True)])
        zones = {
            z: _dirichlet(rnd, [mid * p + n for p, n in zip(campaign, self.zones[z], strict=True)])
            for z in ZONE_NAMES
        }
        memo: dict[tuple[str, int], tuple[float, ...]] = {}
        cells = self.cells

        def odds(zone: str, hour: int) -> tuple[float, ...]:
            found = memo.get((zone, hour))
            if found is None:
                counts = cells.get((zone, hour)) or _zeros()
                alphas = [low * p + n for p, n in zip(zones[zone], counts, strict=True)]
                found = memo[(zone, hour)] = _dirichlet(rnd, alphas)
            return found

        return odds

    def contact(self, zone: str | None = None, hour: int | None = None) -> Estimate:
        """The contact odds' point estimate (the posterior mean) at a level."""
        top, mid, low = PRIOR_WEIGHTS
        i = RESULTS.index("contacted")
        p = (top * PRIOR_RESULTS["contacted"] + self.all[i]) / (top + sum(self.all))
        n = sum(self.all)
        if zone is not None:
            counts = self.zones[zone]
            p, n = (mid * p + counts[i]) / (mid + sum(counts)), sum(counts)
            if hour is not None:
                cell = self.cells.get((zone, hour)) or _zeros()
                p, n = (low * p + cell[i]) / (low + sum(cell)), sum(cell)
        return Estimate(p, int(n), prior=n == 0)


def _zeros() -> list[float]:
    return [0.0] * len(RESULTS)


def cycle_seconds(calls: Sequence[Handled], wrap_up: int) -> Estimate:
    """An agent's seconds per contact while there is work: the time from one bridged
    call to their next, by the hour, taking the lower quartile of the hours (weighted by
    calls) — hours in which the list, not the agents, held the pace (few targets ready)
    show longer gaps. Gaps longer than ``BREAK_HANDLES`` handle times are breaks."""
    prior = PRIOR_CYCLE_SECONDS + wrap_up
    handles = [
        (c.free_at - c.bridged_at).total_seconds() + wrap_up
        for c in calls
        if c.free_at is not None and c.free_at >= c.bridged_at
    ]
    by_agent: defaultdict[int, list[datetime]] = defaultdict(list)
    for c in calls:
        by_agent[c.agent].append(c.bridged_at)
    limit = BREAK_HANDLES * (median(handles) if handles else prior)
    hours: defaultdict[int, list[float]] = defaultdict(list)
    for bridged in by_agent.values():
        bridged.sort()
        for a, b in itertools.pairwise(bridged):
            gap = (b - a).total_seconds()
            if 0 < gap <= limit:
                hours[int(a.timestamp() // 3600)].append(gap)
    gaps = [g for found in hours.values() for g in found]
    if not gaps:
        return Estimate(prior, 0, prior=True, low=prior / 2, high=prior * 2)
    # Each hour's mean gap, its weight the gaps in it; the weighted lower quartile.
    ranked = sorted((mean(found), len(found)) for found in hours.values())
    quarter, seen, observed = 0.25 * len(gaps), 0, ranked[-1][0]
    for value, weight in ranked:
        seen += weight
        if seen >= quarter:
            observed = value
            break
    n = len(gaps)
    value = (n * observed + PRIOR_CYCLE_CALLS * prior) / (n + PRIOR_CYCLE_CALLS)
    spread = 0.05 + (pstdev(gaps) / mean(gaps)) / math.sqrt(n) + PRIOR_CYCLE_CALLS / (n + 10)
    return Estimate(
        value, n, prior=False, low=value * math.exp(-spread), high=value * math.exp(spread)
    )


def _share(hits: int, total: int, prior: tuple[float, float]) -> tuple[float, float]:
    """Beta posterior parameters of a share: ``hits`` of ``total`` and the prior."""
    mean_, weight = prior
    return mean_ * weight + hits, (1 - mean_) * weight + total - hits


@dataclass(frozen=True)
class Params:
    """One run's parameters but the agents."""

    odds: Callable[[str, int], tuple[float, ...]]
    cycle: float
    callback_share: float
    voucher_share: float

    def draw(self, agents: int | None, step: timedelta) -> Draw:
        per_step = None if agents is None else agents * step.total_seconds() / self.cycle
        return Draw(self.odds, per_step, self.callback_share, self.voucher_share)


class Model:
    """The parameters' posteriors, from what was observed."""

    def __init__(self, seen: Observed) -> None:
        self.seen = seen
        self.odds = Odds(seen.results)
        spec = seen.definition
        self.cycle = cycle_seconds(seen.calls, spec.wrap_up_seconds)
        contacts = sum(seen.outcomes.values())
        self.callback = _share(seen.outcomes.get("customer_busy", 0), contacts, PRIOR_CALLBACK)
        self.voucher = _share(seen.outcomes.get("pays_via_bukalapak", 0), contacts, PRIOR_VOUCHER)
        delays = sorted(seen.callback_delays)
        self.callback_delay = timedelta(seconds=median(delays)) if delays else PRIOR_CALLBACK_DELAY
        self.contacts = contacts

    def params(self, i: int) -> Params:
        """Run ``i``'s parameters (the same for every number of agents tried)."""
        rnd = random.Random(SEED * 1_000_003 + i)
        spread = math.log(self.cycle.high / self.cycle.value) if self.cycle.high else 0.0
        return Params(
            odds=self.odds.sampler(rnd),
            cycle=self.cycle.value * math.exp(rnd.gauss(0.0, spread / 1.2816)),
            callback_share=rnd.betavariate(*self.callback),
            voucher_share=rnd.betavariate(*self.voucher),
        )


# -- The figures ---------------------------------------------------------------------


def _quantiles(values: Sequence[datetime | None]) -> list[datetime | None]:
    """The 10th, 50th and 90th percentile of run results; None ranks last ("never")."""
    ranked = sorted(values, key=lambda v: (v is None, v))
    return [ranked[min(len(ranked) - 1, int(q * len(ranked)))] for q in PERCENTILES]


def wilson(hits: int, n: int, z: float = 1.645) -> tuple[float, float]:
    """The Wilson score interval (90 % by default) of ``hits`` out of ``n``."""
    if n == 0:
        return 0.0, 1.0
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def ends_at(calendar: Calendar, now: datetime) -> datetime | None:
    """The end of the period's last calling hours in any zone (UTC), or None when none
    are left."""
    ends = []
    for zone in ZONE_NAMES:
        tz = zone_info(zone)
        day = calendar.period_end
        while day >= max(calendar.period_start, now.astimezone(tz).date()):
            hours = calendar.hours(day)
            if hours is not None:
                closes = datetime.combine(day, hours[1], tzinfo=tz)
                if closes > now:
                    ends.append(closes)
                break
            day -= timedelta(days=1)
    latest = max(ends, default=None)
    return None if latest is None else latest.astimezone(UTC)


class Forecaster:
    """Runs the model: the figures for a number of agents, and the agents needed.

    Its cost is bounded whatever the list's size: a pilot run at one-hour steps says
    how much work a run is (cohorts dialled), which sets the step (5 minutes for a
    list of thousands, up to an hour for one of millions over weeks) and how many
    runs fit the budget (``RUNS`` at most, ``MIN_RUNS`` at least) — deterministically,
    from the inputs alone."""

    def __init__(
        self,
        seen: Observed,
        agents: int,
        *,
        runs: int = RUNS,
        search_runs: int = SEARCH_RUNS,
    ) -> None:
        self.seen, self.model = seen, Model(seen)
        self.calendar = calendar_of(seen.definition)
        self._params: list[Params] = []
        pilot_plan = self._plan(PILOT_STEP)
        pilot = simulate(
            pilot_plan,
            self.params(0).draw(max(1, agents), PILOT_STEP),
            random.Random(SEED),
        )
        per_hour = PILOT_STEP / timedelta(hours=1)
        minutes = 5 * math.ceil(60 * pilot.dialled / per_hour / RUN_COST / 5)
        self.step = timedelta(minutes=min(60, max(5, minutes)))
        self.plan = pilot_plan if self.step == PILOT_STEP else self._plan(self.step)
        cost = max(1.0, pilot.dialled * PILOT_STEP / self.step)
        self.runs = max(min(runs, MIN_RUNS), min(runs, int(WORK / cost)))
        scaled = search_runs * self.runs // max(1, runs)
        self.search_runs = max(min(search_runs, MIN_SEARCH_RUNS), scaled)

    def _plan(self, step: timedelta) -> Plan:
        spec = self.seen.definition
        return Plan(
            now=self.seen.now,
            cohorts=self.seen.cohorts,
            policy=spec.retry,
            calendar=self.calendar,
            step=step,
            callback_delay=self.model.callback_delay,
            vouchers_left=max(0, spec.voucher.quota - self.seen.vouchers_taken),
            voucher_expires=spec.voucher.expires,
        )

    def params(self, i: int) -> Params:
        while len(self._params) <= i:
            self._params.append(self.model.params(len(self._params)))
        return self._params[i]

    def simulate(self, agents: int | None, runs: int, *, give_up: bool = False) -> list[Run]:
        return [
            simulate(
                self.plan,
                self.params(i).draw(agents, self.step),
                random.Random(SEED + i),
                give_up=give_up,
            )
            for i in range(runs)
        ]

    def one(self, i: int, agents: int | None) -> Run:
        """Search run ``i`` with ``agents``, given up early when hopeless."""
        draw = self.params(i).draw(agents, self.step)
        return simulate(self.plan, draw, random.Random(SEED + i), give_up=True)

    def fewest(self, i: int, start: int) -> int | None:
        """The fewest agents with which search run ``i`` finishes inside the period
        (within ``AGENTS_PRECISION`` of it beyond a few; the same random draws at every
        number, so more agents finish no later), starting the search at ``start``; None
        when no number does."""
        finishes: dict[int, bool] = {}

        def ok(n: int) -> bool:
            if n not in finishes:
                finishes[n] = self.one(i, n).finished_at is not None
            return finishes[n]

        if self.one(i, None).finished_at is None:
            return None
        low, high = 0, max(1, start)
        if ok(high):
            while high > 1 and ok(max(1, high // 2)):
                high = max(1, high // 2)
            low = 0 if high == 1 else high // 2
        else:
            while not ok(high):
                low, high = high, high * 2
                if low >= MAX_AGENTS:
                    return None
        while high - low > max(1, int(AGENTS_PRECISION * high)):
            middle = (low + high) // 2
            low, high = (low, middle) if ok(middle) else (middle, high)
        return high

    def needed(self, start: int) -> list[int | None]:
        """Each search run's fewest agents (None: none suffice), the search of each
        started from the one before's answer."""
        found: list[int | None] = []
        for i in range(self.search_runs):
            n = self.fewest(i, start)
            found.append(n)
            start = n or start
        return found


def agents_in_use(seen: Observed, asked: int | None) -> tuple[int, str]:
    """The agents the forecast assumes, and where that number came from."""
    if asked is not None:
        return asked, "asked"
    if seen.agents_logged_in:
        return seen.agents_logged_in, "logged_in"
    if seen.definition.virtual_seats:
        return seen.definition.virtual_seats, "virtual_seats"
    return 0, "logged_in"


def forecast(
    seen: Observed, *, agents: int | None = None, runs: int = RUNS, search_runs: int = SEARCH_RUNS
) -> dict[str, Any]:
    """The forecast as JSON-ready figures and the inputs they used (see the module)."""
    used, source = agents_in_use(seen, agents)
    work = Forecaster(seen, used, runs=runs, search_runs=search_runs)
    now, left = seen.now, work.plan.remaining
    period_end = ends_at(work.calendar, now)
    if seen.state == "finished" and left:
        return _finished(seen, work, used, source, period_end)
    simulated = work.simulate(used, work.runs) if left and used else []
    return {
        "campaign": seen.campaign,
        "as_of": now,
        "method": {
            "kind": "monte_carlo",
            "runs": work.runs,
            "search_runs": work.search_runs,
            "seed": SEED,
            "step_minutes": int(work.step.total_seconds() // 60),
            "range": "p10-p90",
            "probability_range": "wilson-90",
            "agents_rule": AGENTS_RULE,
        },
        "exhausted": _exhausted(left, used, simulated, period_end),
        "quota": _quota(seen, work, used, simulated),
        "finish_probability": _probability(left, used, simulated),
        "agents_needed": _agents_needed(work, left, used),
        "inputs": _inputs(seen, work, used, source, period_end),
    }


def _finished(
    seen: Observed, work: Forecaster, used: int, source: str, period_end: datetime | None
) -> dict[str, Any]:
    """A finished campaign with targets left: nobody is called any more."""
    finished = {"status": "campaign_finished"}
    voucher = seen.definition.voucher
    return {
        "campaign": seen.campaign,
        "as_of": seen.now,
        "method": {"kind": "none", "runs": 0, "agents_rule": AGENTS_RULE},
        "exhausted": finished,
        "quota": finished
        | {
            "quota": voucher.quota,
            "taken": seen.vouchers_taken,
            "left": max(0, voucher.quota - seen.vouchers_taken),
            "expires": voucher.expires,
        },
        "finish_probability": {
            "value": 0.0,
            "low": 0.0,
            "high": 0.0,
            "reason": "campaign_finished",
        },
        "agents_needed": finished,
        "inputs": _inputs(seen, work, used, source, period_end),
    }


def _exhausted(
    left: int, agents: int, runs: list[Run], period_end: datetime | None
) -> dict[str, Any]:
    if not left:
        return {"status": "done"}
    if not agents:
        return {"status": "never", "reason": "no_agents"}
    low, mid, high = _quantiles([r.finished_at for r in runs])
    unfinished = [r.left for r in runs if r.finished_at is None]
    status = "by_end" if mid is not None else "after_end"
    out: dict[str, Any] = {"status": status, "at": mid, "low": low, "high": high}
    out["period_end"] = period_end
    if unfinished:
        out["left_at_end"] = {
            "median": int(median(unfinished)),
            "low": min(unfinished),
            "high": max(unfinished),
            "runs": len(unfinished),
        }
    return out


def _quota(seen: Observed, work: Forecaster, agents: int, runs: list[Run]) -> dict[str, Any]:
    voucher = seen.definition.voucher
    out: dict[str, Any] = {
        "quota": voucher.quota,
        "taken": seen.vouchers_taken,
        "left": max(0, voucher.quota - seen.vouchers_taken),
        "expires": voucher.expires,
    }
    if seen.vouchers_taken >= voucher.quota:
        return out | {"status": "used_up", "at": seen.last_voucher_at}
    if seen.now >= voucher.expires:
        return out | {"status": "expired"}
    if not work.plan.remaining:
        return out | {"status": "list_done"}
    if not agents:
        return out | {"status": "never", "reason": "no_agents"}
    low, mid, high = _quantiles([r.quota_at for r in runs])
    hits = sum(r.quota_at is not None for r in runs)
    probability_low, probability_high = wilson(hits, len(runs))
    return out | {
        "status": "forecast" if mid is not None else "not_used_up",
        "at": mid,
        "low": low,
        "high": high,
        "probability": round(hits / len(runs), 3),
        "probability_low": round(probability_low, 3),
        "probability_high": round(probability_high, 3),
    }


def _probability(left: int, agents: int, runs: list[Run]) -> dict[str, Any]:
    if not left:
        return {"value": 1.0, "low": 1.0, "high": 1.0}
    if not agents:
        return {"value": 0.0, "low": 0.0, "high": 0.0, "reason": "no_agents"}
    hits = sum(r.finished_at is not None for r in runs)
    low, high = wilson(hits, len(runs))
    return {"value": round(hits / len(runs), 3), "low": round(low, 3), "high": round(high, 3)}


def _agents_needed(work: Forecaster, left: int, agents: int) -> dict[str, Any]:
    """The fewest agents with which ``AGENTS_RULE`` of the runs finish inside the
    period, and the numbers for the shares of ``AGENTS_RANGE``: quantiles of each search
    run's own fewest (a run no number finishes ranks last)."""
    rule = {"share": AGENTS_RULE, "low_share": AGENTS_RANGE[0], "high_share": AGENTS_RANGE[1]}
    if not left:
        return {"status": "done"} | rule
    each = work.needed(max(1, agents))
    ranked = sorted(each, key=lambda n: (n is None, n or 0))

    def share_of(q: float) -> int | None:
        return ranked[min(len(ranked) - 1, math.ceil(q * len(ranked)) - 1)]

    needed = share_of(AGENTS_RULE)
    if needed is None:
        finishing = sum(n is not None for n in each) / len(each)
        return {"status": "none_suffice", "unlimited_probability": round(finishing, 3)} | rule
    return {
        "status": "found",
        "agents": needed,
        "low": share_of(AGENTS_RANGE[0]),
        "high": share_of(AGENTS_RANGE[1]),
        "probability": round(sum(n is not None and n <= needed for n in each) / len(each), 3),
        "runs": len(each),
    } | rule


def _inputs(
    seen: Observed, work: Forecaster, agents: int, source: str, period_end: datetime | None
) -> dict[str, Any]:
    model, spec = work.model, seen.definition
    by_state: Counter[str] = Counter()
    by_zone: defaultdict[str, Counter[str]] = defaultdict(Counter)
    retries = 0
    for c in seen.cohorts:
        state = "ready" if c.due is None or c.due <= seen.now else "scheduled"
        by_state[state] += c.n
        by_zone[c.zone][state] += c.n
        retries += c.n * max(0, spec.retry.max_attempts - c.attempts)
    odds = model.odds
    hours = sorted({(zone, hour) for zone, hour, _, _ in seen.results})
    callback_mean = model.callback[0] / sum(model.callback)
    voucher_mean = model.voucher[0] / sum(model.voucher)
    return {
        "campaign_state": seen.state,
        "agents": {"used": agents, "source": source, "logged_in": seen.agents_logged_in},
        "targets": {
            "total": seen.total,
            "done": seen.done,
            "left": work.plan.remaining,
            "ready": by_state["ready"],
            "scheduled": by_state["scheduled"],
            "dialing": seen.dialing,
            "attempts_left_at_most": retries,
            "by_zone": {z: dict(by_zone[z]) for z in ZONE_NAMES if by_zone[z]},
        },
        "contact_odds": {
            "campaign": odds.contact().to_json(),
            "by_zone": {z: odds.contact(z).to_json() for z in ZONE_NAMES},
            "by_local_hour": [
                {"zone": z, "hour": h} | odds.contact(z, h).to_json() for z, h in hours
            ],
            "calls": odds.calls,
            "prior": PRIOR_RESULTS["contacted"],
        },
        "seconds_per_contact": model.cycle.to_json(1),
        "callbacks": {
            "share": round(callback_mean, 4),
            "delay_minutes": round(model.callback_delay.total_seconds() / 60),
            "delay_prior": not seen.callback_delays,
            "contacts": model.contacts,
        },
        "vouchers": {"share": round(voucher_mean, 4), "contacts": model.contacts},
        "retry": spec.retry.model_dump(),
        "calendar": {
            "period": [spec.period.starts, spec.period.ends],
            "ends_at": period_end,
            "windows": {
                d: [f"{w.start:%H:%M}", f"{w.end:%H:%M}"] for d, w in spec.calling_window.items()
            },
            "holidays": spec.holidays,
            "holidays_left": _holidays_left(work.calendar, seen.now),
            "next_opening": {z: next_opening(work.calendar, z, seen.now) for z in ZONE_NAMES},
        },
    }


def _holidays_left(calendar: Calendar, now: datetime) -> list[dict[str, Any]]:
    """The public holidays between now and the period's end that the campaign skips."""
    if not calendar.skip_holidays:
        return []
    found = []
    day = max(now.date(), calendar.period_start)
    while day <= calendar.period_end:
        name = holiday_name(day)
        if name is not None and day.weekday() in calendar.windows:
            found.append({"date": day, "name": name})
        day += timedelta(days=1)
    return found
