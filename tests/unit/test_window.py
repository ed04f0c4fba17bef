"""The calling window: per zone, in the customer's local time, with holidays and period."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.campaigns.models import calendar_of
from dialer.campaigns.service import load_toml, parse_definition
from dialer.rules.window import (
    REASONS,
    ZONE_NAMES,
    Calendar,
    earliest_opening,
    holiday_name,
    next_opening,
    open_zones,
    window_state,
    zone_info,
)

SEED = load_toml(
    Path(__file__).resolve().parents[2] / "campaigns" / "001_obc_bukalapak_voucher.toml"
)
IANA = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
ALL_DAY = (time(0), time.max)
EVERY_DAY = dict.fromkeys(range(7), ALL_DAY)


def seed_calendar(**changes: Any) -> Calendar:
    return calendar_of(parse_definition(SEED | changes))


CAL = seed_calendar()  # Mon–Sat 08:00–18:00 local, 1–30 Sep 2022, holidays skipped
AUGUST = seed_calendar(period={"starts": "2022-08-01", "ends": "2023-01-31"})
ALLOW = seed_calendar(period={"starts": "2022-08-01", "ends": "2023-01-31"}, holidays="allow")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


# --- the seed campaign ------------------------------------------------------------------


def test_the_seed_definition_becomes_a_calendar() -> None:
    assert dict(CAL.windows) == dict.fromkeys(range(6), (time(8), time(18)))
    assert (CAL.period_start, CAL.period_end) == (date(2022, 9, 1), date(2022, 9, 30))
    assert CAL.skip_holidays and not ALLOW.skip_holidays
    assert zone_info("WITA") == ZoneInfo("Asia/Makassar")
    assert ZONE_NAMES == ("WIB", "WITA", "WIT")


def test_the_local_time_of_each_zone_decides() -> None:
    now = utc(2022, 9, 5, 0, 30)  # Monday: 07:30 WIB, 08:30 WITA, 09:30 WIT
    assert open_zones(CAL, now) == {"WITA", "WIT"}
    wib = window_state(CAL, "WIB", now)
    assert (wib.open, wib.reason, wib.next_open, wib.closes_at) == (
        False,
        "outside_hours",
        utc(2022, 9, 5, 1, 0),
        None,
    )
    assert wib.message == "outside the calling window until 08:00 WIB (Mon 5 Sep 2022)"
    # Said in the reader's language: Indonesian by default, its hours with a dot.
    assert wib.describe() == "di luar jam panggilan sampai 08.00 WIB (Senin 5 September 2022)"
    wita = window_state(CAL, "WITA", now)
    assert (wita.open, wita.reason, wita.next_open, wita.closes_at) == (
        True,
        None,
        None,
        utc(2022, 9, 5, 10, 0),
    )
    assert wita.message == "inside the calling window until 18:00 WITA"
    assert wita.describe("id") == "di dalam jam panggilan sampai 18.00 WITA"
    wit = window_state(CAL, "WIT", now)
    assert wit.open and wit.closes_at == utc(2022, 9, 5, 9, 0)
    assert wit.message == "inside the calling window until 18:00 WIT"
    assert next_opening(CAL, "WIT", now) == now
    assert next_opening(CAL, "WIB", now) == utc(2022, 9, 5, 1, 0)
    assert earliest_opening(CAL, now) == now


def test_now_may_be_in_any_zone_and_answers_are_in_utc() -> None:
    jakarta = datetime(2022, 9, 5, 7, 30, tzinfo=ZoneInfo("Asia/Jakarta"))
    amsterdam = datetime(2022, 9, 5, 2, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
    for now in (jakarta, amsterdam):
        assert open_zones(CAL, now) == {"WITA", "WIT"}
        state = window_state(CAL, "WIB", now)
        assert state.next_open == utc(2022, 9, 5, 1, 0)
        assert state.next_open is not None and state.next_open.tzinfo is UTC


@pytest.mark.parametrize(
    ("now", "zone", "is_open"),
    [
        (utc(2022, 9, 5, 1, 0), "WIB", True),  # 08:00 sharp: the start is inside
        (utc(2022, 9, 5, 0, 59, 59, 999999), "WIB", False),
        (utc(2022, 9, 5, 10, 59, 59, 999999), "WIB", True),
        (utc(2022, 9, 5, 11, 0), "WIB", False),  # 18:00 sharp: the end is outside
        (utc(2022, 9, 5, 10, 0), "WITA", False),
        (utc(2022, 9, 5, 9, 0), "WIT", False),
    ],
)
def test_the_start_is_inside_and_the_end_outside(now: datetime, zone: str, is_open: bool) -> None:
    assert window_state(CAL, zone, now).open is is_open
    assert (zone in open_zones(CAL, now)) is is_open


def test_after_hours_the_window_reopens_the_next_morning_local() -> None:
    now = utc(2022, 9, 8, 10, 30)  # Thursday: 17:30 WIB, 18:30 WITA, 19:30 WIT
    assert open_zones(CAL, now) == {"WIB"}
    wita = window_state(CAL, "WITA", now)
    assert (wita.reason, wita.next_open) == ("outside_hours", utc(2022, 9, 9, 0, 0))
    assert wita.message == "outside the calling window until 08:00 WITA (Fri 9 Sep 2022)"
    assert window_state(CAL, "WIT", now).next_open == utc(2022, 9, 8, 23, 0)


def test_sunday_is_not_a_calling_day() -> None:
    saturday_close = utc(2022, 9, 3, 11, 0)  # Saturday 18:00 WIB
    assert window_state(CAL, "WIB", saturday_close).next_open == utc(2022, 9, 5, 1, 0)
    sunday = window_state(CAL, "WITA", utc(2022, 9, 4, 3, 0))  # Sunday 11:00 WITA
    assert (sunday.open, sunday.reason) == (False, "closed_day")
    assert sunday.next_open == utc(2022, 9, 5, 0, 0)  # Monday 08:00 WITA
    assert sunday.message == "no calling on Sundays until 08:00 WITA (Mon 5 Sep 2022)"
    assert open_zones(CAL, utc(2022, 9, 4, 3, 0)) == frozenset()


def test_the_local_weekday_differs_across_midnight() -> None:
    late_sunday = utc(2022, 9, 4, 16, 30)  # 23:30 Sunday WIB, 01:30 Monday WIT
    assert window_state(CAL, "WIB", late_sunday).reason == "closed_day"
    assert window_state(CAL, "WIT", late_sunday).reason == "outside_hours"
    monday_morning = utc(2022, 9, 4, 23, 30)  # 06:30 WIB, 07:30 WITA, 08:30 WIT, Monday
    assert open_zones(CAL, monday_morning) == {"WIT"}
    assert window_state(CAL, "WITA", monday_morning).message == (
        "outside the calling window until 08:00 WITA (Mon 5 Sep 2022)"
    )


# --- holidays ---------------------------------------------------------------------------


def test_holidays_are_named_in_indonesian_whatever_the_locale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The holidays package follows $LANG unless told; the name must not depend on the host.
    for var in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.setenv(var, "en_US.UTF-8")
    assert holiday_name(date(2035, 8, 17)) == "Hari Kemerdekaan Republik Indonesia"
    assert holiday_name(date(2022, 8, 17)) == "Hari Kemerdekaan Republik Indonesia"
    assert holiday_name(date(2023, 1, 1)) == "Tahun Baru Masehi"
    assert holiday_name(date(2022, 8, 18)) is None


def test_independence_day_is_skipped() -> None:
    now = utc(2022, 8, 17, 3, 0)  # Wednesday 10:00 WIB
    assert open_zones(AUGUST, now) == frozenset()
    holiday = window_state(AUGUST, "WIB", now)
    assert (holiday.reason, holiday.next_open, holiday.closes_at) == (
        "holiday",
        utc(2022, 8, 18, 1, 0),
        None,
    )
    assert holiday.message == (
        "public holiday: Hari Kemerdekaan Republik Indonesia (17 Aug 2022)"
        " until 08:00 WIB (Thu 18 Aug 2022)"
    )
    assert holiday.describe("id") == (
        "hari libur nasional: Hari Kemerdekaan Republik Indonesia (17 Agustus 2022)"
        " sampai 08.00 WIB (Kamis 18 Agustus 2022)"
    )
    assert next_opening(AUGUST, "WIT", utc(2022, 8, 16, 10, 0)) == utc(2022, 8, 17, 23, 0)


def test_holidays_allowed_are_calling_days() -> None:
    now = utc(2022, 8, 17, 3, 0)
    assert open_zones(ALLOW, now) == {"WIB", "WITA", "WIT"}
    assert window_state(ALLOW, "WIB", now).closes_at == utc(2022, 8, 17, 11, 0)
    assert next_opening(ALLOW, "WIT", utc(2022, 8, 16, 10, 0)) == utc(2022, 8, 16, 23, 0)


def test_the_local_date_decides_a_holiday_across_midnight() -> None:
    cal = Calendar(EVERY_DAY, date(2022, 8, 1), date(2022, 8, 31), skip_holidays=True)
    now = utc(2022, 8, 16, 16, 30)  # 23:30 WIB on the 16th, 01:30 WIT on the 17th
    assert open_zones(cal, now) == {"WIB"}
    wit = window_state(cal, "WIT", now)
    assert wit.reason == "holiday"
    assert wit.next_open == utc(2022, 8, 17, 15, 0)  # 00:00 WIT on the 18th
    assert wit.message.endswith("until 00:00 WIT (Thu 18 Aug 2022)")


def test_new_year_comes_first_in_the_east() -> None:
    cal = Calendar(EVERY_DAY, date(2022, 12, 1), date(2023, 1, 31), skip_holidays=True)
    now = utc(2022, 12, 31, 16, 30)  # 23:30 WIB 31 Dec, 00:30 WITA and 01:30 WIT 1 Jan
    assert open_zones(cal, now) == {"WIB"}
    wita = window_state(cal, "WITA", now)
    assert wita.message == (
        "public holiday: Tahun Baru Masehi (1 Jan 2023) until 00:00 WITA (Mon 2 Jan 2023)"
    )
    assert next_opening(cal, "WIB", now) == now
    assert window_state(cal, "WIB", utc(2022, 12, 31, 17, 0)).reason == "holiday"  # 00:00 WIB


# --- the period -------------------------------------------------------------------------


def test_before_the_period() -> None:
    before = window_state(CAL, "WIB", utc(2022, 8, 20, 3, 0))
    assert (before.reason, before.next_open) == ("before_period", utc(2022, 9, 1, 1, 0))
    assert before.message == (
        "before the campaign period (starts 1 Sep 2022) until 08:00 WIB (Thu 1 Sep 2022)"
    )
    assert earliest_opening(CAL, utc(2022, 1, 1)) == utc(2022, 8, 31, 23, 0)  # 08:00 WIT
    eve = utc(2022, 8, 31, 16, 30)  # 23:30 WIB on 31 Aug, already 1 Sep in WIT
    assert window_state(CAL, "WIB", eve).reason == "before_period"
    assert window_state(CAL, "WIT", eve).reason == "outside_hours"


def test_after_the_period() -> None:
    after = window_state(CAL, "WIB", utc(2022, 10, 3, 3, 0))
    assert (after.open, after.reason, after.next_open) == (False, "after_period", None)
    assert after.message == "the campaign period ended on 30 Sep 2022"
    assert after.describe("id") == "periode kampanye berakhir 30 September 2022"
    assert window_state(CAL, "WIB", utc(2022, 9, 30, 10, 59, 59)).open  # 17:59:59 WIB
    last_evening = utc(2022, 9, 30, 15, 30)  # 22:30 WIB on the 30th, 00:30 WIT on 1 Oct
    wib = window_state(CAL, "WIB", last_evening)
    assert (wib.reason, wib.next_open) == ("outside_hours", None)
    assert wib.message == (
        "outside the calling window; no calling hours are left before the period ends"
        " on 30 Sep 2022"
    )
    assert window_state(CAL, "WIT", last_evening).reason == "after_period"
    assert earliest_opening(CAL, utc(2022, 9, 30, 11, 0)) is None


# --- bad input --------------------------------------------------------------------------


def test_a_naive_now_is_refused() -> None:
    naive = datetime(2022, 9, 5, 10, 0)
    with pytest.raises(ValueError, match="aware"):
        window_state(CAL, "WIB", naive)
    with pytest.raises(ValueError, match="aware"):
        open_zones(CAL, naive)
    with pytest.raises(ValueError, match="aware"):
        next_opening(CAL, "WIB", naive)
    with pytest.raises(ValueError, match="aware"):
        earliest_opening(CAL, naive)


def test_an_unknown_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown zone"):
        window_state(CAL, "CET", utc(2022, 9, 5, 3))
    with pytest.raises(ValueError, match="unknown zone"):
        zone_info("Asia/Jakarta")


@pytest.mark.parametrize(
    ("windows", "why"),
    [
        ({0: (time(18), time(8))}, "end before"),
        ({0: (time(8), time(8))}, "end before"),
        ({7: (time(8), time(18))}, "weekday"),
        ({0: (time(8, tzinfo=UTC), time(18, tzinfo=UTC))}, "offset"),
    ],
)
def test_a_broken_calendar_is_refused(windows: dict[int, tuple[time, time]], why: str) -> None:
    with pytest.raises(ValueError, match=why):
        Calendar(windows, date(2022, 9, 1), date(2022, 9, 30), skip_holidays=True)


def test_a_period_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="period"):
        Calendar(EVERY_DAY, date(2022, 9, 30), date(2022, 9, 1), skip_holidays=True)


# --- properties -------------------------------------------------------------------------

_NATIONAL: dict[int, frozenset[date]] = {}


def _is_holiday(day: date) -> bool:
    if day.year not in _NATIONAL:
        _NATIONAL[day.year] = frozenset(holidays.country_holidays("ID", years=day.year))
    return day in _NATIONAL[day.year]


def expected_reason(cal: Calendar, zone: str, now: datetime) -> str | None:
    """The rules, written out again independently: None when open."""
    local = now.astimezone(ZoneInfo(IANA[zone]))
    day = local.date()
    if day < cal.period_start:
        return "before_period"
    if day > cal.period_end:
        return "after_period"
    if cal.skip_holidays and _is_holiday(day):
        return "holiday"
    if day.weekday() not in cal.windows:
        return "closed_day"
    start, end = cal.windows[day.weekday()]
    return None if start <= local.time() < end else "outside_hours"


def _minute(n: int) -> time:
    return time.max if n == 24 * 60 else time(n // 60, n % 60)


@st.composite
def random_calendars(draw: st.DrawFn) -> Calendar:
    windows = {}
    for weekday in sorted(draw(st.sets(st.integers(0, 6), min_size=1))):
        start = draw(st.integers(0, 24 * 60 - 1))
        windows[weekday] = (_minute(start), _minute(draw(st.integers(start + 1, 24 * 60))))
    starts = draw(st.dates(date(2021, 1, 1), date(2025, 12, 31)))
    ends = starts + timedelta(days=draw(st.integers(0, 500)))
    return Calendar(windows, starts, ends, skip_holidays=draw(st.booleans()))


calendars = st.one_of(st.sampled_from([CAL, AUGUST, ALLOW]), random_calendars())
zones = st.sampled_from(ZONE_NAMES)
moments = st.datetimes(
    min_value=datetime(2020, 6, 1),
    max_value=datetime(2027, 6, 30),
    timezones=st.sampled_from(
        [
            UTC,
            ZoneInfo("Asia/Jakarta"),
            ZoneInfo("Asia/Jayapura"),
            ZoneInfo("Europe/Amsterdam"),
            ZoneInfo("America/New_York"),
            timezone(timedelta(hours=-3, minutes=-30)),
        ]
    ),
)
# Dates inside the seed's period and around it, where most of the interesting cases are.
near_seed = st.datetimes(
    min_value=datetime(2022, 7, 25), max_value=datetime(2023, 2, 7), timezones=st.just(UTC)
)
instants = st.one_of(moments, near_seed)


@settings(max_examples=300, deadline=None)
@given(calendars, zones, instants)
def test_window_state_follows_the_rules(cal: Calendar, zone: str, now: datetime) -> None:
    state = window_state(cal, zone, now)
    assert state.reason == expected_reason(cal, zone, now)
    assert state.open == (state.reason is None)
    assert state.reason is None or state.reason in REASONS
    assert state.open == (zone in open_zones(cal, now))
    assert state == window_state(cal, zone, now.astimezone(UTC))
    if state.next_open is not None:  # "… until 08:00 WITA (Mon 5 Sep 2022)", local time
        local = state.next_open.astimezone(ZoneInfo(IANA[zone]))
        assert state.message.endswith(
            f" until {local:%H:%M} {zone} ({local:%a} {local.day} {local:%b %Y})"
        )
    if state.open:
        assert state.next_open is None and state.closes_at is not None
        assert state.closes_at > now and state.closes_at.tzinfo is UTC
        assert window_state(cal, zone, state.closes_at - timedelta(microseconds=1)).open
        assert not window_state(cal, zone, state.closes_at).open
    else:
        assert state.closes_at is None
        assert state.next_open == next_opening(cal, zone, now)


@settings(max_examples=300, deadline=None)
@given(calendars, zones, instants, st.lists(st.floats(0, 1), min_size=10, max_size=10))
def test_next_opening_is_the_first_open_instant(
    cal: Calendar, zone: str, after: datetime, fractions: list[float]
) -> None:
    found = next_opening(cal, zone, after)
    if window_state(cal, zone, after).open:
        assert found == after
        return
    if found is None:
        # Every calling day left in the period has its hours behind ``after``.
        tz = ZoneInfo(IANA[zone])
        day = max(after.astimezone(tz).date(), cal.period_start)
        while day <= cal.period_end:
            hours = cal.windows.get(day.weekday())
            if hours is not None and not (cal.skip_holidays and _is_holiday(day)):
                assert datetime.combine(day, hours[1], tz) <= after
            day += timedelta(days=1)
        return
    assert found > after and found.tzinfo is UTC
    assert window_state(cal, zone, found).open
    assert next_opening(cal, zone, found) == found
    gap = found - after
    step = max(gap / 500, timedelta(minutes=1))
    between = [after + gap * f for f in fractions]
    between += [after + step * i for i in range(int(gap / step) + 1)]
    between.append(found - timedelta(microseconds=1))
    for moment in between:
        if after <= moment < found:
            assert zone not in open_zones(cal, moment), moment


@settings(deadline=None)
@given(calendars, instants)
def test_earliest_opening_is_the_first_zone_to_open(cal: Calendar, after: datetime) -> None:
    found = earliest_opening(cal, after)
    each = [t for z in ZONE_NAMES if (t := next_opening(cal, z, after)) is not None]
    assert found == (min(each) if each else None)
    if found is not None:
        assert open_zones(cal, found)
