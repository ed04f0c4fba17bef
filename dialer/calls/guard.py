"""The abandon guard: too many answered calls with no free agent, and the campaign
falls back to progressive dialling (ratio 1.0) by itself until the rate recovers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dialer.db import Connection, q

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GuardState:
    active: bool
    answered: int
    abandoned: int

    @property
    def rate_percent(self) -> float:
        return 100.0 * self.abandoned / self.answered if self.answered else 0.0


def should_guard(answered: int, abandoned: int, *, limit_percent: float, min_answered: int) -> bool:
    """True when the abandon rate over the window is above the campaign's limit.

    Below ``min_answered`` answered calls the rate means little (one abandoned call of
    three is 33 %), so the guard stays as it is decided by the count alone: off."""
    if answered < max(1, min_answered):
        return False
    return 100.0 * abandoned > limit_percent * answered


async def check(
    conn: Connection,
    campaign_id: int,
    *,
    limit_percent: float,
    window: timedelta,
    min_answered: int,
    now: datetime,
) -> GuardState:
    """Recompute the guard for a campaign (the caller holds its pacing lock); a change
    is logged and recorded as a campaign event."""
    stats = await conn.fetchrow(q("abandon_stats"), campaign_id, now - window)
    assert stats is not None
    answered, abandoned = int(stats["answered"]), int(stats["abandoned"])
    active = should_guard(
        answered, abandoned, limit_percent=limit_percent, min_answered=min_answered
    )
    previous = await conn.fetchrow(q("get_pacing"), campaign_id)
    was_active = bool(previous["guard_active"]) if previous else False
    state = GuardState(active, answered, abandoned)
    if active != was_active:
        # Written on a change only: the tick runs every second on every campaign.
        await conn.execute(q("set_pacing"), campaign_id, active, now, answered, abandoned)
        action = "abandon_guard_on" if active else "abandon_guard_off"
        details: dict[str, Any] = {
            "answered": answered,
            "abandoned": abandoned,
            "rate_percent": round(state.rate_percent, 2),
            "limit_percent": limit_percent,
            "window_minutes": window.total_seconds() / 60,
        }
        await conn.execute(q("insert_dialer_event"), campaign_id, action, now, details)
        log.warning(
            "abandon guard on: pacing ratio falls back to 1.0"
            if active
            else "abandon guard off: pacing ratio restored",
            extra={"campaign_id": campaign_id} | details,
        )
    return state
