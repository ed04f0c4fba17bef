"""The one place time comes from, so tests can freeze or advance it."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class FrozenClock:
    """A clock that stands still until told to move; for tests and the demo."""

    def __init__(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class ScaledClock:
    """Virtual time for the demo: starts at ``start`` and runs ``speed`` times faster
    than real time; :meth:`skip_to` jumps ahead over idle time (nothing is live)."""

    def __init__(self, start: datetime, speed: float = 1.0) -> None:
        if start.tzinfo is None:
            raise ValueError("ScaledClock needs an aware datetime")
        self._monotonic = time.monotonic
        self.start = start
        self.speed = speed
        self._origin = self._monotonic()
        self._offset = 0.0

    def __call__(self) -> datetime:
        elapsed = (self._monotonic() - self._origin) * self.speed + self._offset
        return self.start + timedelta(seconds=elapsed)

    def skip_to(self, moment: datetime) -> None:
        """Move the clock forward to ``moment`` (never backward)."""
        gap = (moment - self()).total_seconds()
        if gap > 0:
            self._offset += gap
