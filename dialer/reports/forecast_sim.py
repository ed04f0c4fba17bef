"""The forecast's engine: one simulated future of a campaign, step by step.

Pure: a :class:`Plan` (what does not change between runs — the targets left, the
retry policy, the calling calendar) and a :class:`Draw` (one run's parameters, drawn
from what was observed: contact odds by zone and local hour, seconds per contact per
agent, the share of contacts that ask for a callback and that take the voucher) give a
:class:`Run`: when the last target finished (or how many were left when the period
ran out of calling hours) and when the voucher quota ran out. ``forecast.py`` draws the
parameters and runs it many times.

Targets that are alike move together (a *cohort*: same zone, tier, callback flag,
attempts and results so far, due at the same step), so a list of a million costs what
a list of a thousand does: each step dials the cohorts in the dialler's order —
callbacks first, then tier — as far as the agents' time goes, draws each batch's
results, and moves the batch on by the campaign's own retry policy
(``calls.retry.after_result``, the function the dialler uses).
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from dialer.calls.retry import after_result
from dialer.campaigns.schemas import RetryPolicy
from dialer.rules.vocabulary import RESULT_CODES
from dialer.rules.window import Calendar
from dialer.rules.zones import ZONE_NAMES, zone_info

RESULTS: tuple[str, ...] = RESULT_CODES
CONTACTED = RESULTS.index("contacted")
ABANDONED = RESULTS.index("abandoned")
Counts = tuple[tuple[str, int], ...]  # a target's results so far, sorted
# A cohort: (callback first: 0 else 1, tier rank, zone, attempts, results so far).
Key = tuple[int, int, str, int, Counts]
# Abandoned calls happen when no agent is free: none while the agents are busy less
# than this share of the step, the observed share at full load, in between linearly.
ABANDON_FROM_LOAD = 0.5
# A run that needs more than this share of the agents' time left just for one more
# call to each target left gives up (agents-needed searches only).
HOPELESS_MARGIN = 0.8
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Cohort:
    """``n`` targets alike, due at ``due`` (None: ready now)."""

    zone: str
    tier_rank: int
    callback: bool
    attempts: int
    counts: tuple[tuple[str, int], ...]
    due: datetime | None
    n: int


@dataclass(frozen=True)
class Plan:
    """What every run shares: the targets left, the rules, the calendar, the step."""

    now: datetime
    cohorts: tuple[Cohort, ...]
    policy: RetryPolicy
    calendar: Calendar
    step: timedelta
    callback_delay: timedelta
    vouchers_left: int
    voucher_expires: datetime
    windows: Mapping[str, tuple[tuple[int, int], ...]] = field(init=False)
    last_step: int = field(init=False)
    # The steps some zone is open (the agents at work): [first, end) intervals, sorted.
    working: tuple[tuple[int, int], ...] = field(init=False, repr=False)
    # (attempts, results so far, result) → (results after it, steps to wait or None:
    # done); filled as runs meet them, shared by the runs.
    moves: dict[tuple[int, Counts, str], tuple[Counts, int | None]] = field(
        init=False, compare=False, repr=False
    )
    tables: dict[tuple[int, Counts], tuple[tuple[Counts, int | None], ...]] = field(
        init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        windows = {z: _windows(self.calendar, z, self.now, self.step) for z in ZONE_NAMES}
        object.__setattr__(self, "windows", windows)
        ends = [w[-1][1] for w in windows.values() if w]
        object.__setattr__(self, "last_step", max(ends, default=0))
        object.__setattr__(self, "working", _union(w for found in windows.values() for w in found))
        object.__setattr__(self, "moves", {})
        object.__setattr__(self, "tables", {})

    def move(self, attempts: int, counts: Counts, result: str) -> tuple[Counts, int | None]:
        """A target's results after one more attempt that ended with ``result``, and the
        steps until it is due again (None: done), by the campaign's retry policy."""
        key = (attempts, counts, result)
        found = self.moves.get(key)
        if found is None:
            tried = _plus(counts, result)
            wait = (
                None
                if result == "contacted"
                else _next_step(self.policy, result, attempts + 1, tried)
            )
            steps = None if wait is None else max(1, math.ceil(wait / self.step))
            found = self.moves[key] = (canonical(self.policy, attempts + 1, tried), steps)
        return found

    def moves_of(self, attempts: int, counts: Counts) -> tuple[tuple[Counts, int | None], ...]:
        """:meth:`move` for each result of :data:`RESULTS`, in their order."""
        key = (attempts, counts)
        found = self.tables.get(key)
        if found is None:
            found = self.tables[key] = tuple(self.move(attempts, counts, r) for r in RESULTS)
        return found

    def working_left(self, step: int) -> int:
        """How many steps some zone is open from ``step`` to the period's end."""
        return sum(end - max(first, step) for first, end in self.working if end > step)

    def at(self, step: float) -> datetime:
        """The instant of (a fraction of) step ``step``."""
        return self.now + self.step * step

    @property
    def remaining(self) -> int:
        return sum(c.n for c in self.cohorts)


@dataclass(frozen=True)
class Draw:
    """One run's parameters. ``odds(zone, local hour)``: the chance of each result of
    :data:`RESULTS`; ``contacts_per_step``: what the agents can take in one step (None:
    no limit)."""

    odds: Callable[[str, int], tuple[float, ...]]
    contacts_per_step: float | None
    callback_share: float
    voucher_share: float


@dataclass(frozen=True)
class Run:
    """How one simulated future went."""

    finished_at: datetime | None  # the last target's end; None: not inside the period
    left: int  # targets not finished when the period's calling hours ran out
    quota_at: datetime | None  # when the last voucher place went; None: never
    attempts: int
    contacts: int
    busy_steps: int = 0  # steps in which something was dialled
    dialled: int = 0  # cohorts dialled, summed over the steps: the run's cost
    gave_up: bool = False  # stopped early: too much work left for the agents' time


def _windows(
    calendar: Calendar, zone: str, now: datetime, step: timedelta
) -> tuple[tuple[int, int], ...]:
    """The zone's calling hours from ``now`` to the period's end, as [first, end) step
    indices (a step is open when its start is inside the window)."""
    tz = zone_info(zone)
    size = step.total_seconds()
    found = []
    day = now.astimezone(tz).date()
    while day <= calendar.period_end:
        hours = calendar.hours(day)
        if hours is not None:
            opens = datetime.combine(day, hours[0], tzinfo=tz)
            closes = datetime.combine(day, hours[1], tzinfo=tz)
            first = max(0, math.ceil((opens - now).total_seconds() / size))
            end = math.ceil((closes - now).total_seconds() / size)
            if end > first:
                found.append((first, end))
        day += timedelta(days=1)
    return tuple(found)


def _union(intervals: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for first, end in sorted(intervals):
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((first, end))
    return tuple(merged)


def _next_step(
    policy: RetryPolicy, result: str, attempts: int, counts: tuple[tuple[str, int], ...]
) -> timedelta | None:
    """After an attempt that ended with ``result`` (counted in ``attempts``/``counts``):
    None when the target is done, else the wait before it is due again."""
    nxt = after_result(policy, result, attempts=attempts, counts=dict(counts), now=_EPOCH)
    if nxt.state == "done" or nxt.at is None:
        return None
    return nxt.at - _EPOCH


def canonical(policy: RetryPolicy, attempts: int, counts: Counts) -> Counts:
    """Only the results that can still end a target before its attempts run out: one
    whose limit is as far as the attempts left never will (it stays so, as every
    attempt counts toward both), so targets that differ only there move alike — fewer
    cohorts, the same futures. A contact's count ends nothing (a callback is the
    agent's call)."""
    left = policy.max_attempts - attempts
    kept = []
    for result, used in counts:
        if result == "contacted":
            continue
        rule = getattr(policy, result, None)
        if rule is None or rule.max_attempts - used < left:
            kept.append((result, used))
    return tuple(kept)


def _plus(counts: tuple[tuple[str, int], ...], result: str) -> tuple[tuple[str, int], ...]:
    merged = dict(counts)
    merged[result] = merged.get(result, 0) + 1
    return tuple(sorted(merged.items()))


def binomial(rnd: random.Random, n: int, p: float) -> int:
    """A binomial draw: exact (inverting its distribution) while the variance is small,
    the normal approximation beyond (variance at least 9)."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    if p > 0.5:
        return n - binomial(rnd, n, 1.0 - p)
    q = 1.0 - p
    if n * p * q >= 9.0:
        drawn = round(rnd.gauss(n * p, math.sqrt(n * p * q)))
        return min(n, max(0, drawn))
    # n·p < 18 here, so q**n stays far from underflow.
    u, k = rnd.random(), 0
    pmf = q**n
    cdf, ratio = pmf, p / q
    while u > cdf and k < n:
        pmf *= ratio * (n - k) / (k + 1)
        k += 1
        cdf += pmf
    return k


def multinomial(rnd: random.Random, n: int, probs: tuple[float, ...]) -> list[int]:
    """``n`` split by ``probs`` (summing to 1): one draw each for a few, successive
    binomials for more."""
    out = [0] * len(probs)
    if n <= 6:
        last = len(probs) - 1
        for _ in range(n):
            u = rnd.random()
            for i, p in enumerate(probs):
                u -= p
                if u < 0.0 or i == last:
                    out[i] += 1
                    break
        return out
    left, mass = n, 1.0
    for i, p in enumerate(probs):
        if left <= 0:
            break
        if i == len(probs) - 1 or mass <= p:
            out[i] = left
            break
        k = binomial(rnd, left, p / mass)
        out[i] = k
        left -= k
        mass -= p
    return out


def _round(rnd: random.Random, x: float) -> int:
    """``x`` rounded up with the chance of its fraction (so many small steps add up)."""
    whole = math.floor(x)
    return whole + (1 if rnd.random() < x - whole else 0)


class _Simulation:
    """One run's state; :meth:`run` plays it to the end."""

    def __init__(self, plan: Plan, draw: Draw, rnd: random.Random, give_up: bool) -> None:
        self.plan, self.draw, self.rnd, self.give_up = plan, draw, rnd, give_up
        self.dialled = 0
        # Ready cohorts by their place in the dialler's order (see _order).
        self.ready: dict[tuple[int, int, int], dict[Key, int]] = {}
        self.later: dict[int, dict[Key, int]] = {}
        self.due: list[int] = []
        self.left = plan.remaining
        self.quota = plan.vouchers_left
        self.quota_at: datetime | None = None
        self.expiry_step = (plan.voucher_expires - plan.now) / plan.step
        self.last_done = -1
        self.attempts = self.contacts = 0
        self.busy_steps = 0
        self.callback_steps = max(1, math.ceil(plan.callback_delay / plan.step))
        size = plan.step.total_seconds()
        self.hours = {
            z: (
                plan.now.timestamp()
                + (zone_info(z).utcoffset(plan.now) or timedelta()).total_seconds(),
                size,
            )
            for z in ZONE_NAMES
        }
        self.cursor = dict.fromkeys(ZONE_NAMES, 0)
        for c in plan.cohorts:
            counts = canonical(plan.policy, c.attempts, c.counts)
            key: Key = (0 if c.callback else 1, c.tier_rank, c.zone, c.attempts, counts)
            at = 0 if c.due is None else math.ceil((c.due - plan.now) / plan.step)
            self._put(key, c.n, max(0, at))

    @staticmethod
    def _order(key: Key) -> tuple[int, int, int]:
        """A cohort's place in the dialler's order: due callbacks first, then by tier,
        then list order — which puts targets called before (an earlier place in the
        list; the more attempts, the earlier) ahead of those never called."""
        return key[0], key[1], -key[3]

    def _ready(self, key: Key, n: int) -> None:
        group = self.ready.setdefault(self._order(key), {})
        group[key] = group.get(key, 0) + n

    def _put(self, key: Key, n: int, step: int) -> None:
        if step <= 0:
            self._ready(key, n)
            return
        bucket = self.later.get(step)
        if bucket is None:
            bucket = self.later[step] = {}
            heapq.heappush(self.due, step)
        bucket[key] = bucket.get(key, 0) + n

    def _promote(self, step: int) -> None:
        while self.due and self.due[0] <= step:
            for key, n in self.later.pop(heapq.heappop(self.due)).items():
                self._ready(key, n)

    def _window(self, zone: str, step: int) -> tuple[int, int] | None:
        """The zone's window open at ``step`` or the next one (steps only move on)."""
        windows, i = self.plan.windows[zone], self.cursor[zone]
        while i < len(windows) and windows[i][1] <= step:
            i += 1
        self.cursor[zone] = i
        return windows[i] if i < len(windows) else None

    def _hour(self, zone: str, step: int) -> int:
        base, size = self.hours[zone]
        return int((base + (step + 0.5) * size) // 3600) % 24

    def run(self) -> Run:
        step, carry = 0, 0.0
        limit = self.draw.contacts_per_step
        while self.left > 0:
            self._promote(step)
            zones = []
            for zone in ZONE_NAMES:
                window = self._window(zone, step)
                if window is not None and window[0] <= step:
                    zones.append(zone)
            # What can be dialled now, in the dialler's order: (key, targets) by group.
            # Nothing dialled in a step comes due in it (every wait is a step or more),
            # so the step works on this snapshot.
            groups = []
            for order in sorted(self.ready):
                found = [(k, n) for k, n in self.ready[order].items() if k[2] in zones]
                if found:
                    groups.append(found)
            if not groups:
                following = self._following(step)
                if following is None:
                    break
                step, carry = following, 0.0
                continue
            self.busy_steps += 1
            if limit is not None and self.give_up and self._hopeless(step, limit):
                return self._result(gave_up=True)
            if limit is None:
                self._dial(step, zones, groups, None)
            else:
                budget = limit + carry
                spent = self._dial(step, zones, groups, budget)
                carry = max(-limit, min(limit, budget - spent))
            step += 1
        return self._result()

    def _result(self, *, gave_up: bool = False) -> Run:
        done = self.left == 0 and not gave_up
        return Run(
            self.plan.at(self.last_done + 0.5) if done else None,
            self.left,
            self.quota_at,
            self.attempts,
            self.contacts,
            self.busy_steps,
            self.dialled,
            gave_up,
        )

    def _hopeless(self, step: int, limit: float) -> bool:
        """Whether the targets left cannot all be finished in the agents' time left:
        each needs one more call at least, and that call reaches a person at the odds
        seen so far in this run — their expected contacts alone overrun (with a margin)
        the contacts the agents can still take. Asked every twelve busy steps."""
        if self.busy_steps % 12 or self.attempts < 200:
            return False
        odds = self.contacts / self.attempts
        return self.left * odds * HOPELESS_MARGIN > limit * self.plan.working_left(step)

    def _following(self, step: int) -> int | None:
        """The next step anything can happen: a retry falls due, or a zone with targets
        ready opens; None when neither happens inside the period."""
        found = [self.due[0]] if self.due else []
        for zone in {k[2] for group in self.ready.values() for k in group}:
            window = self._window(zone, step + 1)
            if window is not None:
                found.append(max(window[0], step + 1))
        following = min(found, default=None)
        if following is None or following >= self.plan.last_step:
            return None
        return max(following, step + 1)

    def _dial(
        self,
        step: int,
        zones: list[str],
        groups: list[list[tuple[Key, int]]],
        budget: float | None,
    ) -> float:
        """Dial the ready cohorts of the open ``zones``, ``groups`` in the dialler's
        order (a group's cohorts side by side), as far as ``budget`` (contacts) goes;
        the contacts made."""
        # In a fixed order: a run's odds are drawn as first asked.
        odds = {z: self.draw.odds(z, self._hour(z, step)) for z in zones}
        # The persons who would answer, each wanting an agent: the load on their time
        # (counted until it passes the budget: then the agents are all busy).
        load = 1.0
        if budget is None:
            load = 0.0
        elif budget > 0:
            wanted = 0.0
            for group in groups:
                for k, n in group:
                    p = odds[k[2]]
                    wanted += (p[CONTACTED] + p[ABANDONED]) * n
                if wanted >= budget:
                    break
            load = min(1.0, wanted / budget)
        if load < 1.0:
            odds = {z: _answered(p, load) for z, p in odds.items()}
        spent = 0.0
        for members in groups:
            if budget is None:
                share = 1.0
            else:
                room = budget - spent
                if room <= 0:
                    break
                expected = sum(odds[k[2]][CONTACTED] * n for k, n in members)
                share = min(1.0, room / expected) if expected > 0 else 1.0
            for key, n in members:
                dials = n if share >= 1.0 else min(n, _round(self.rnd, n * share))
                if dials:
                    spent += self._results(step, key, n, dials, odds[key[2]])
        return spent

    def _results(self, step: int, key: Key, n: int, dials: int, odds: tuple[float, ...]) -> int:
        """``dials`` of cohort ``key`` (``n`` ready) at ``step``: their results drawn,
        each target moved on; the contacts made."""
        self.dialled += 1
        order = (key[0], key[1], -key[3])
        group = self.ready[order]
        if dials < n:
            group[key] = n - dials
        else:
            del group[key]
            if not group:
                del self.ready[order]
        self.attempts += dials
        _, tier, zone, attempts, counts = key
        moves = self.plan.moves_of(attempts, counts)
        drawn = multinomial(self.rnd, dials, odds)
        for i, m in enumerate(drawn):
            if not m:
                continue
            tried, wait = moves[i]
            if i == CONTACTED:
                self._contacts(step, m)
                again = binomial(self.rnd, m, self.draw.callback_share)
                if again:
                    self._put(
                        (0, tier, zone, attempts + 1, tried), again, step + self.callback_steps
                    )
                self._done(step, m - again)
            elif wait is None:
                self._done(step, m)
            else:
                self._put((1, tier, zone, attempts + 1, tried), m, step + wait)
        return drawn[CONTACTED]

    def _contacts(self, step: int, m: int) -> None:
        self.contacts += m
        if self.quota > 0 and step < self.expiry_step:
            self.quota -= binomial(self.rnd, m, self.draw.voucher_share)
            if self.quota <= 0:
                self.quota_at = self.plan.at(step + 0.5)

    def _done(self, step: int, m: int) -> None:
        if m > 0:
            self.left -= m
            self.last_done = step


def _answered(odds: tuple[float, ...], load: float) -> tuple[float, ...]:
    """The odds at ``load`` (the contacts asked of the agents' time in the step, below
    1): fewer persons abandoned — those an agent was free for are contacts."""
    keep = min(1.0, max(0.0, (load - ABANDON_FROM_LOAD) / (1.0 - ABANDON_FROM_LOAD)))
    moved = odds[ABANDONED] * (1.0 - keep)
    if not moved:
        return odds
    out = list(odds)
    out[ABANDONED] -= moved
    out[CONTACTED] += moved
    return tuple(out)


def simulate(plan: Plan, draw: Draw, rnd: random.Random, *, give_up: bool = False) -> Run:
    """One simulated future of the campaign; with ``give_up``, a run that cannot finish
    in the agents' time left stops early (unfinished)."""
    return _Simulation(plan, draw, rnd, give_up).run()
