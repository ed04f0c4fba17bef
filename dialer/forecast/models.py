"""What the forecast is made from: the targets left counted alike (:class:`Cohort`),
the agents' latest calls (:class:`Handled`), and all the campaign's data says at one
moment (:class:`Observed`) — before any prior."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from dialer.campaigns.schemas import CampaignDefinition

Counts = tuple[tuple[str, int], ...]  # a target's results so far, sorted


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
