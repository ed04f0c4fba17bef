"""The forecast's parameters with their uncertainty, from what was observed and priors:
contact odds by zone and the customer's local hour (a three-level Dirichlet), the
agents' seconds per contact, the shares of contacts that ask for a callback and that
take the voucher, the callbacks' delay — and one run's draw of them (:class:`Params`)."""

from __future__ import annotations

import itertools
import math
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import mean, median, pstdev
from typing import Any

from dialer.forecast.models import Handled, Observed
from dialer.forecast.plan import RESULTS
from dialer.forecast.sampling import dirichlet
from dialer.forecast.simulation import Draw
from dialer.rules.zones import ZONE_NAMES

SEED = 21
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
        campaign = dirichlet(rnd, [top * p + n for p, n in zip(prior, self.all, strict=True)])
        zones = {
            z: dirichlet(rnd, [mid * p + n for p, n in zip(campaign, self.zones[z], strict=True)])
            for z in ZONE_NAMES
        }
        memo: dict[tuple[str, int], tuple[float, ...]] = {}
        cells = self.cells

        def odds(zone: str, hour: int) -> tuple[float, ...]:
            found = memo.get((zone, hour))
            if found is None:
                counts = cells.get((zone, hour)) or _zeros()
                alphas = [low * p + n for p, n in zip(zones[zone], counts, strict=True)]
                found = memo[(zone, hour)] = dirichlet(rnd, alphas)
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
