"""What the pacer knows of a campaign when it sizes a batch: the estimates predictive
pacing needs, read from the campaign's running counts and its last calls (never a scan
of the campaign), and the pacing state it leaves for the campaign page.

- **Odds**: a person answers with the odds of the zones open now, at the hour of the
  day it is there, over the last 14 days (``attempt_counts``), each pulled toward the
  campaign's odds over all hours while there are few calls, those toward the prior.
- **Timings**: the seconds from placing a call to knowing a person answered, and of a
  person's talk with their agent, over the campaign's last 300 ended calls.
- **Abandon rate**: over the guard's rolling window (``guard.py``) and the last 24 hours
  (whole hours of the running counts). As either nears the limit, the target in force
  is lowered (``predictive.effective_target``); the change is a campaign event
  (``pacing_slowed`` / ``pacing_resumed``) and a log line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dialer.calls.predictive import (
    PRIOR_HUMAN,
    PRIOR_HUMAN_IF_ANSWERED,
    PRIOR_TALK_SECONDS,
    PRIOR_VERDICT_SECONDS,
    Estimates,
    blend,
)
from dialer.campaigns.schemas import CampaignDefinition
from dialer.db import Connection, q

log = logging.getLogger(__name__)
LOOKBACK = timedelta(days=14)
DAY = timedelta(hours=24)
TIMING_WEIGHT = 10.0  # calls' worth of weight the prior timings keep


@dataclass(frozen=True)
class Observed:
    """The estimates, and what they were made of (shown on the campaign page)."""

    estimates: Estimates
    placed: int  # calls counted in the odds (14 days)
    zones: dict[str, float]  # the odds of a person per open zone, this hour
    day_persons: int
    day_abandoned: int

    @property
    def day_rate_percent(self) -> float | None:
        return 100.0 * self.day_abandoned / self.day_persons if self.day_persons else None


def _mean(average: Any, count: int, prior: float) -> float:
    if not count or average is None:
        return prior
    return (float(average) * count + prior * TIMING_WEIGHT) / (count + TIMING_WEIGHT)


async def observe(
    conn: Connection,
    campaign_id: int,
    definition: CampaignDefinition,
    zones: list[str],
    now: datetime,
) -> Observed:
    """The campaign's estimates for a batch placed now into ``zones``."""
    day_from = now.replace(minute=0, second=0, microsecond=0) - (DAY - timedelta(hours=1))
    odds = await conn.fetchrow(
        q("pacing_odds"), campaign_id, now - LOOKBACK, zones, now.hour, day_from
    )
    assert odds is not None
    overall, day = odds["overall"], odds["day"]
    everywhere = blend(overall["persons"], overall["placed"], PRIOR_HUMAN)
    by_zone = {z["zone"]: z for z in odds["zones"]}
    per_zone: dict[str, float] = {}
    weights = 0.0
    human = 0.0
    for zone in zones:
        seen = by_zone.get(zone, {"placed": 0, "persons": 0})
        placed, persons = int(seen["placed"] or 0), int(seen["persons"] or 0)
        per_zone[zone] = blend(persons, placed, everywhere)
        # Zones weigh as they were dialled this hour (the claim takes them as they come).
        weight = placed + 1.0
        human += per_zone[zone] * weight
        weights += weight
    timings = await conn.fetchrow(q("pacing_timings"), campaign_id)
    assert timings is not None
    answered = int(overall["persons"]) + int(overall["machines"])
    estimates = Estimates(
        human=human / weights if weights else everywhere,
        human_if_answered=blend(overall["persons"], answered, PRIOR_HUMAN_IF_ANSWERED),
        verdict_seconds=_mean(
            timings["verdict_seconds"], timings["verdicts"], PRIOR_VERDICT_SECONDS
        ),
        talk_seconds=_mean(timings["talk_seconds"], timings["talks"], PRIOR_TALK_SECONDS),
        wrap_seconds=float(definition.wrap_up_seconds),
    )
    return Observed(
        estimates,
        int(overall["placed"]),
        per_zone,
        int(day["persons"]),
        int(day["abandoned"]),
    )


@dataclass(frozen=True)
class Paced:
    """How the pacer sized the campaign's last batch (``save``)."""

    mode: str
    target_percent: float | None
    effective_percent: float | None
    details: dict[str, Any]

    @property
    def slowed(self) -> bool:
        return (
            self.target_percent is not None
            and self.effective_percent is not None
            and self.effective_percent < self.target_percent
        )


async def save(conn: Connection, campaign_id: int, paced: Paced, now: datetime) -> None:
    """Leave the pacing state for the campaign page; a slow-down or its end is also a
    campaign event and a log line (the caller holds the campaign's pacing lock)."""
    previous = await conn.fetchrow(q("pacing_slowed"), campaign_id)
    was = bool(previous["slowed"]) if previous else False
    since = previous["slowed_at"] if previous and was else None
    if paced.slowed != was:
        since = now if paced.slowed else None
        action = "pacing_slowed" if paced.slowed else "pacing_resumed"
        details = {
            "target_percent": paced.target_percent,
            "effective_percent": round(paced.effective_percent or 0.0, 2),
        } | {k: paced.details.get(k) for k in ("window_rate_percent", "day_rate_percent")}
        await conn.execute(q("insert_dialer_event"), campaign_id, action, now, details)
        log.warning(
            "pacing slowed: the abandon rate nears the limit"
            if paced.slowed
            else "pacing back to its target",
            extra={"campaign_id": campaign_id} | details,
        )
    await conn.execute(
        q("save_pacing"),
        campaign_id,
        now,
        paced.mode,
        paced.target_percent,
        paced.effective_percent,
        paced.slowed,
        since,
        paced.details,
    )
