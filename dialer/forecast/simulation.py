"""The forecast's engine: one simulated future of a campaign, step by step.

Pure: a :class:`Plan` (what does not change between runs — the targets left, the
retry policy, the calling calendar) and a :class:`Draw` (one run's parameters, drawn
from what was observed: contact odds by zone and local hour, seconds per contact per
agent, the share of contacts that ask for a callback and that take the voucher) give a
:class:`Run`: when the last target finished (or how many were left when the period
ran out of calling hours) and when the voucher quota ran out. ``runner.py`` draws
the parameters and runs it many times.

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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from dialer.forecast.models import Counts
from dialer.forecast.plan import ABANDONED, CONTACTED, Plan, canonical
from dialer.forecast.sampling import binomial, multinomial, stochastic_round
from dialer.rules.zones import ZONE_NAMES, zone_info

# A cohort: (callback first: 0 else 1, tier rank, zone, attempts, results so far).
Key = tuple[int, int, str, int, Counts]
# Abandoned calls happen when no agent is free: none while the agents are busy less
# than this share of the step, the observed share at full load, in between linearly.
ABANDON_FROM_LOAD = 0.5
# A run that needs more than this share of the agents' time left just for one more
# call to each target left gives up (agents-needed searches only).
HOPELESS_MARGIN = 0.8


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
                dials = n if share >= 1.0 else min(n, stochastic_round(self.rnd, n * share))
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
