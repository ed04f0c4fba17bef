"""The runs: how many, at which step, for a number of agents — and the agents needed,
each search run's own fewest. Its cost is bounded whatever the list's size (a pilot
run sets the step and the runs, from the inputs alone)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from dialer.campaigns.models import calendar_of
from dialer.forecast.estimates import SEED, Model, Params
from dialer.forecast.models import Observed
from dialer.forecast.plan import Plan
from dialer.forecast.simulation import Run, simulate
from dialer.rules.window import Calendar
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
AGENTS_RULE = 0.8
AGENTS_RANGE = (0.5, 0.95)
MAX_AGENTS = 10_000
AGENTS_PRECISION = 0.03
PERCENTILES = (0.1, 0.5, 0.9)


def quantiles(values: Sequence[datetime | None]) -> list[datetime | None]:
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
