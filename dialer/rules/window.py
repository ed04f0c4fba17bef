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
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from dialer.rules.zones import ZONES

ZONE_NAMES: tuple[str, ...] = ("WIB", "WITA", "WIT")
# A campaign's calling days, as its definition names them (0 = Monday).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
REASONS: tuple[str, ...] = (
    "before_period",
    "after_period",
    "holiday",
    "closed_day",
    "outside_hours",
)
# Far more than any gap between two calling days (a week plus a run of holidays).
_SEARCH_DAYS = 400
# Pinned: left unset, the package picks its language from the process's locale ($LANG),
# so the same campaign would say "Independence Day" on one node and
# "Hari Kemerdekaan Republik Indonesia" on another. Indonesian is its own language.
_HOLIDAY_LANGUAGE = "id"
# Spelled out rather than strftime's %a/%b, which follow the C library's locale.
_DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def zone_info(zone: str) -> ZoneInfo:
    """The IANA zone of ``"WIB"``, ``"WITA"`` or ``"WIT"``; ValueError for anything else."""
    try:
        return ZONES[zone]
    except KeyError:
        raise ValueError(f"unknown zone {zone!r}; one of {', '.join(ZONE_NAMES)}") from None


@lru_cache(maxsize=64)
def _holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("ID", years=year, language=_HOLIDAY_LANGUAGE).items())


def holiday_name(local_day: date) -> str | None:
    """The Indonesian public holiday on ``local_day`` (in Indonesian), or None."""
    return _holidays(local_day.year).get(local_day)


@dataclass(frozen=True)
class Calendar:
    """A campaign's calling calendar: hours per weekday (0 = Monday), period, holidays."""

    windows: Mapping[int, tuple[time, time]]
    period_start: date
    period_end: date
    skip_holidays: bool

    def __post_init__(self) -> None:
        for weekday, (start, end) in self.windows.items():
            if weekday not in range(7):
                raise ValueError(f"weekday {weekday!r} is not 0 (Monday) to 6 (Sunday)")
            if start.tzinfo is not None or end.tzinfo is not None:
                # Local time means the customer's zone; an offset would silently fix one.
                raise ValueError(f"{_DAY_NAMES[weekday]}: calling hours take no UTC offset")
            if end <= start:
                raise ValueError(f"{_DAY_NAMES[weekday]}: the calling hours end before they start")
        if self.period_end < self.period_start:
            raise ValueError("the period ends before it starts")

    @property
    def begins(self) -> datetime:
        """The period's first instant in any zone: midnight of its first day in WIT,
        the easternmost zone (UTC)."""
        return _utc(self.period_start, time(0), zone_info("WIT"))

    def hours(self, day: date) -> tuple[time, time] | None:
        """The calling hours of a local date, or None when it is not a calling day."""
        if not self.period_start <= day <= self.period_end:
            return None
        hours = self.windows.get(day.weekday())
        if hours is None or (self.skip_holidays and holiday_name(day) is not None):
            return None
        return hours


@dataclass(frozen=True)
class WindowState:
    """Whether a zone may be called at one instant; if not, why and until when."""

    open: bool
    reason: str | None  # None when open, else one of REASONS
    message: str
    next_open: datetime | None  # UTC; None when open, or never again inside the period
    closes_at: datetime | None  # UTC; when open, the moment it closes


def _local(moment: datetime, tz: tzinfo) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"the calling window needs an aware datetime, not {moment.isoformat()}")
    return moment.astimezone(tz)


def _inside(hours: tuple[time, time] | None, local: datetime) -> bool:
    return hours is not None and hours[0] <= local.time() < hours[1]


def _utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def _date(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _clock(at: time) -> str:
    return f"{at:%H:%M:%S}" if at.second or at.microsecond else f"{at:%H:%M}"


def _when(moment: datetime, zone: str) -> str:
    local = moment.astimezone(zone_info(zone))
    day = local.date()
    return f"{_clock(local.time())} {zone} ({_DAY_ABBR[day.weekday()]} {_date(day)})"


def window_state(calendar: Calendar, zone: str, now: datetime) -> WindowState:
    """Whether ``zone`` may be called at ``now`` (aware, any zone), and if not, why and
    until when. Messages name the customer's local time and zone."""
    tz = zone_info(zone)
    local = _local(now, tz)
    today = local.date()
    hours = calendar.hours(today)
    if hours is not None and _inside(hours, local):
        end = hours[1]
        message = f"inside the calling window until {_clock(end)} {zone}"
        return WindowState(True, None, message, None, _utc(today, end, tz))
    following = next_opening(calendar, zone, now)
    until = f" until {_when(following, zone)}" if following is not None else ""
    name = holiday_name(today) if calendar.skip_holidays else None
    if today < calendar.period_start:
        reason = "before_period"
        message = f"before the campaign period (starts {_date(calendar.period_start)}){until}"
    elif today > calendar.period_end:
        reason = "after_period"
        message = f"the campaign period ended on {_date(calendar.period_end)}"
    elif name is not None:
        reason = "holiday"
        message = f"public holiday: {name} ({_date(today)}){until}"
    elif today.weekday() not in calendar.windows:
        reason = "closed_day"
        message = f"no calling on {_DAY_NAMES[today.weekday()]}s{until}"
    else:
        reason = "outside_hours"
        message = f"outside the calling window{until}"
    if following is None and reason != "after_period":
        message += (
            f"; no calling hours are left before the period ends on {_date(calendar.period_end)}"
        )
    return WindowState(False, reason, message, following, None)


def open_zones(calendar: Calendar, now: datetime) -> frozenset[str]:
    """The zones whose calling window is open at ``now`` (cheap: asked every second)."""
    found = []
    for zone in ZONE_NAMES:
        local = _local(now, ZONES[zone])
        if _inside(calendar.hours(local.date()), local):
            found.append(zone)
    return frozenset(found)


def next_opening(calendar: Calendar, zone: str, after: datetime) -> datetime | None:
    """The first instant at or after ``after`` when ``zone`` is open, in UTC (``after``
    itself when open then), or None when no calling hours are left in the period."""
    tz = zone_info(zone)
    instant = _local(after, UTC)
    day = max(_local(after, tz).date(), calendar.period_start)
    for _ in range(_SEARCH_DAYS):
        if day > calendar.period_end:
            return None
        hours = calendar.hours(day)
        # Each window lies inside its local day, so the first one not over yet is the answer.
        if hours is not None and instant < _utc(day, hours[1], tz):
            return max(_utc(day, hours[0], tz), instant)
        day += timedelta(days=1)
    return None


def earliest_opening(calendar: Calendar, after: datetime | None = None) -> datetime | None:
    """The first instant at or after ``after`` (default: the period's beginning) when
    any zone is open (UTC), or None."""
    after = calendar.begins if after is None else max(_local(after, UTC), calendar.begins)
    found = [t for z in ZONE_NAMES if (t := next_opening(calendar, z, after)) is not None]
    return min(found, default=None)
