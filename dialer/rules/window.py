"""The calling window: when a customer may be called, in the customer's local time.

Pure functions of a campaign's calendar, a zone (WIB/WITA/WIT) and ``now``. A zone is
open when its local date is inside the campaign's period, its local weekday has calling
hours, its local time is inside them (end exclusive), and — unless the campaign allows
it — its local date is not an Indonesian public holiday (the ``holidays`` package; the
holidays are national, but the *local* date decides: 23:30 WIB on 31 December is
already 1 January in WIT).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from dialer.campaigns.schemas import WEEKDAYS, CampaignDefinition
from dialer.rules.zones import ZONES

ZONE_NAMES: tuple[str, ...] = ("WIB", "WITA", "WIT")
_SEARCH_DAYS = 400


def zone_info(zone: str) -> ZoneInfo:
    try:
        return ZONES[zone]
    except KeyError:
        raise ValueError(f"unknown zone {zone!r}; one of {', '.join(ZONE_NAMES)}") from None


@cache
def _holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("ID", years=year).items())


def holiday_name(local_day: date) -> str | None:
    """The Indonesian public holiday on ``local_day``, or None."""
    return _holidays(local_day.year).get(local_day)


@dataclass(frozen=True)
class Calendar:
    """A campaign's calling calendar: hours per weekday (0 = Monday), period, holidays."""

    windows: Mapping[int, tuple[time, time]]
    period_start: date
    period_end: date
    skip_holidays: bool

    @classmethod
    def from_definition(cls, definition: CampaignDefinition) -> Calendar:
        return cls(
            windows={
                WEEKDAYS.index(day): (w.start, w.end)
                for day, w in definition.calling_window.items()
            },
            period_start=definition.period.starts,
            period_end=definition.period.ends,
            skip_holidays=definition.holidays == "skip",
        )

    def hours(self, day: date) -> tuple[time, time] | None:
        """The calling hours of a local date, or None when it is not a calling day."""
        if not self.period_start <= day <= self.period_end:
            return None
        if self.skip_holidays and holiday_name(day):
            return None
        return self.windows.get(day.weekday())


@dataclass(frozen=True)
class WindowState:
    open: bool
    reason: str | None  # before_period, after_period, holiday, closed_day, outside_hours
    message: str
    next_open: datetime | None  # UTC; None when open, or never again inside the period
    closes_at: datetime | None  # UTC; when open, the moment it closes


def _aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("the calling window needs an aware datetime for now")


def _day(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


def _at(moment: datetime, zone: str) -> str:
    local = moment.astimezone(zone_info(zone))
    return f"{local:%H:%M} {zone} ({_day(local.date())})"


def _utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def window_state(calendar: Calendar, zone: str, now: datetime) -> WindowState:
    """Whether ``zone`` may be called at ``now``, and if not, why and until when."""
    _aware(now)
    tz = zone_info(zone)
    local = now.astimezone(tz)
    today = local.date()
    hours = calendar.hours(today)
    if hours is not None and hours[0] <= local.time().replace(tzinfo=None) < hours[1]:
        closes = _utc(today, hours[1], tz)
        return WindowState(
            True, None, f"inside the calling window until {hours[1]:%H:%M} {zone}", None, closes
        )
    following = next_opening(calendar, zone, now)
    until = f" until {_at(following, zone)}" if following else ""
    if today < calendar.period_start:
        reason = "before_period"
        message = f"the campaign period starts on {_day(calendar.period_start)}{until}"
    elif today > calendar.period_end:
        reason = "after_period"
        message = f"the campaign period ended on {_day(calendar.period_end)}"
    elif calendar.skip_holidays and (name := holiday_name(today)):
        reason = "holiday"
        message = f"public holiday: {name} ({_day(today)}){until}"
    elif today.weekday() not in calendar.windows:
        reason = "closed_day"
        message = f"no calling on {today:%A}s{until}"
    else:
        reason = "outside_hours"
        message = f"outside the calling window{until}"
    if not until and reason != "after_period":
        message += " (no calling day is left in the campaign period)"
    return WindowState(False, reason, message, following, None)


def open_zones(calendar: Calendar, now: datetime) -> frozenset[str]:
    """The zones whose calling window is open at ``now``."""
    return frozenset(z for z in ZONE_NAMES if window_state_open(calendar, z, now))


def window_state_open(calendar: Calendar, zone: str, now: datetime) -> bool:
    """Just the answer of :func:`window_state` (cheap: the pacer asks every second)."""
    _aware(now)
    tz = zone_info(zone)
    local = now.astimezone(tz)
    hours = calendar.hours(local.date())
    return hours is not None and hours[0] <= local.time().replace(tzinfo=None) < hours[1]


def next_opening(calendar: Calendar, zone: str, after: datetime) -> datetime | None:
    """The first instant at or after ``after`` when ``zone`` is open, or None."""
    _aware(after)
    tz = zone_info(zone)
    local = after.astimezone(tz)
    day = max(local.date(), calendar.period_start)
    for _ in range(_SEARCH_DAYS):
        if day > calendar.period_end:
            return None
        hours = calendar.hours(day)
        if hours is not None:
            start, end = _utc(day, hours[0], tz), _utc(day, hours[1], tz)
            if after < end:
                return max(start, after.astimezone(UTC))
        day += timedelta(days=1)
    return None


def earliest_opening(calendar: Calendar, after: datetime) -> datetime | None:
    """The first instant at or after ``after`` when any zone is open, or None."""
    found = [t for z in ZONE_NAMES if (t := next_opening(calendar, z, after)) is not None]
    return min(found) if found else None
