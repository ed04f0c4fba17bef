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

from dialer.rules import bahasa
from dialer.rules.zones import ZONE_NAMES, ZONES, zone_info

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
    """Whether a zone may be called at one instant; if not, why and until when.

    :meth:`describe` says it in words, in the reader's language (``message``: in
    English), naming the customer's local time and zone."""

    open: bool
    reason: str | None  # None when open, else one of REASONS
    next_open: datetime | None  # UTC; None when open, or never again inside the period
    closes_at: datetime | None  # UTC; when open, the moment it closes
    zone: str = "WIB"
    today: date | None = None  # the customer's local date
    holiday: str | None = None
    period: tuple[date, date] | None = None

    @property
    def message(self) -> str:
        return self.describe("en")

    def describe(self, language: str = "id") -> str:
        """Why the zone may or may not be called now, and until when."""
        en = language == "en"
        zone, period = self.zone, self.period
        if self.open:
            assert self.closes_at is not None
            end = _clock(self.closes_at.astimezone(zone_info(zone)).time(), en)
            if en:
                return f"inside the calling window until {end} {zone}"
            return f"di dalam jam panggilan sampai {end} {zone}"
        until = ""
        if self.next_open is not None:
            when = _when(self.next_open, zone, en)
            until = f" until {when}" if en else f" sampai {when}"
        assert self.today is not None and period is not None
        day = _date(self.today, en)
        if self.reason == "before_period":
            message = (
                f"before the campaign period (starts {_date(period[0], en)}){until}"
                if en
                else f"sebelum periode kampanye (mulai {_date(period[0], en)}){until}"
            )
        elif self.reason == "after_period":
            message = (
                f"the campaign period ended on {_date(period[1], en)}"
                if en
                else f"periode kampanye berakhir {_date(period[1], en)}"
            )
        elif self.reason == "holiday":
            message = (
                f"public holiday: {self.holiday} ({day}){until}"
                if en
                else f"hari libur nasional: {self.holiday} ({day}){until}"
            )
        elif self.reason == "closed_day":
            weekday = self.today.weekday()
            message = (
                f"no calling on {_DAY_NAMES[weekday]}s{until}"
                if en
                else f"tidak ada panggilan pada hari {bahasa.DAYS[weekday]}{until}"
            )
        else:
            message = (
                f"outside the calling window{until}" if en else f"di luar jam panggilan{until}"
            )
        if self.next_open is None and self.reason != "after_period":
            message += (
                f"; no calling hours are left before the period ends on {_date(period[1], en)}"
                if en
                else f"; tidak ada lagi jam panggilan sebelum periode berakhir {_date(period[1], en)}"
            )
        return message


def _local(moment: datetime, tz: tzinfo) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"the calling window needs an aware datetime, not {moment.isoformat()}")
    return moment.astimezone(tz)


def _inside(hours: tuple[time, time] | None, local: datetime) -> bool:
    return hours is not None and hours[0] <= local.time() < hours[1]


def _utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def _date(day: date, en: bool = True) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}" if en else bahasa.tanggal(day)


def _clock(at: time, en: bool = True) -> str:
    """``08:00`` in English, ``08.00`` as Indonesian writes it (seconds only when set)."""
    sep = ":" if en else "."
    shown = f"%H{sep}%M{sep}%S" if at.second or at.microsecond else f"%H{sep}%M"
    return at.strftime(shown)


def _when(moment: datetime, zone: str, en: bool = True) -> str:
    local = moment.astimezone(zone_info(zone))
    day = local.date()
    weekday = _DAY_ABBR[day.weekday()] if en else bahasa.DAYS[day.weekday()]
    return f"{_clock(local.time(), en)} {zone} ({weekday} {_date(day, en)})"


def window_state(calendar: Calendar, zone: str, now: datetime) -> WindowState:
    """Whether ``zone`` may be called at ``now`` (aware, any zone), and if not, why and
    until when. Messages name the customer's local time and zone."""
    tz = zone_info(zone)
    local = _local(now, tz)
    today = local.date()
    hours = calendar.hours(today)
    period = (calendar.period_start, calendar.period_end)
    if hours is not None and _inside(hours, local):
        return WindowState(True, None, None, _utc(today, hours[1], tz), zone, today, None, period)
    following = next_opening(calendar, zone, now)
    name = holiday_name(today) if calendar.skip_holidays else None
    if today < calendar.period_start:
        reason = "before_period"
    elif today > calendar.period_end:
        reason = "after_period"
    elif name is not None:
        reason = "holiday"
    elif today.weekday() not in calendar.windows:
        reason = "closed_day"
    else:
        reason = "outside_hours"
    holiday = name if reason == "holiday" else None
    return WindowState(False, reason, following, None, zone, today, holiday, period)


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
