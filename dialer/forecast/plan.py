"""What every simulated future of a campaign shares: the targets left as cohorts, the
campaign's retry policy (``calls.retry.after_result``, the function the dialler uses),
the calling windows of each zone as steps, and each cohort's next step after a result."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from dialer.calls.retry import after_result
from dialer.campaigns.schemas import RetryPolicy
from dialer.forecast.models import Cohort, Counts
from dialer.rules.vocabulary import RESULT_CODES
from dialer.rules.window import Calendar
from dialer.rules.zones import ZONE_NAMES, zone_info

RESULTS: tuple[str, ...] = RESULT_CODES
CONTACTED = RESULTS.index("contacted")
ABANDONED = RESULTS.index("abandoned")
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


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
