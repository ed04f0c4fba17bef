"""The calling window: per zone, in the customer's local time, with holidays and period."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.campaigns.schemas import CampaignDefinition
from dialer.rules.window import (
    Calendar,
    earliest_opening,
    holiday_name,
    next_opening,
    open_zones,
    window_state,
)

ROOT = Path(__file__).resolve().parents[2]
SEED = tomllib.loads((ROOT / "campaigns" / "001_obc_bukalapak_voucher.toml").read_text())
CAL = Calendar.from_definition(CampaignDefinition.model_validate(SEED))
AUGUST = Calendar.from_definition(
    CampaignDefinition.model_validate(
        SEED | {"period": {"starts": "2022-08-01", "ends": "2022-12-31"}}
    )
)
ALLOW = Calendar(AUGUST.windows, AUGUST.period_start, AUGUST.period_end, skip_holidays=False)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_the_local_time_of_each_zone_decides() -> None:
    # Monday 5 Sep 2022 00:30 UTC = 07:30 WIB, 08:30 WITA, 09:30 WIT.
    now = utc(2022, 9, 5, 0, 30)
    assert open_zones(CAL, now) == {"WITA", "WIT"}
    wib = window_state(CAL, "WIB", now)
    assert (wib.open, wib.reason) == (False, "outside_hours")
    assert wib.next_open == utc(2022, 9, 5, 1, 0)
    assert wib.message == "outside the calling window until 08:00 WIB (Mon 5 Sep 2022)"
    wit = window_state(CAL, "WIT", now)
    assert wit.open and wit.closes_at == utc(2022, 9, 5, 9, 0)  # 18:00 WIT
    assert wit.message == "inside the calling window until 18:00 WIT"


def test_the_window_closes_at_its_end_and_reopens_the_next_calling_day() -> None:
    at_close = utc(2022, 9, 3, 11, 0)  # Saturday 18:00 WIB
    state = window_state(CAL, "WIB", at_close)
    assert not state.open
    assert state.next_open == utc(2022, 9, 5, 1, 0)  # Sunday is not a calling day
    sunday = window_state(CAL, "WITA", utc(2022, 9, 4, 3, 0))
    assert sunday.reason == "closed_day"
    assert sunday.message == "no calling on Sundays until 08:00 WITA (Mon 5 Sep 2022)"


def test_holidays_are_skipped_unless_allowed() -> None:
    independence = utc(2022, 8, 17, 3, 0)  # Wednesday 10:00 WIB
    assert holiday_name(date(2022, 8, 17)) is not None
    state = window_state(AUGUST, "WIB", independence)
    assert state.reason == "holiday"
    assert state.message.startswith("public holiday: ")
    assert state.message.endswith("until 08:00 WIB (Thu 18 Aug 2022)")
    assert window_state(ALLOW, "WIB", independence).open


def test_the_local_date_decides_a_holiday_across_midnight() -> None:
    # 16 Aug 2022 23:30 WIB is already 17 Aug 01:30 in WIT: a holiday there only.
    cal = Calendar(
        dict.fromkeys(range(7), (datetime.min.time(), datetime.max.time().replace(microsecond=0))),
        date(2022, 8, 1),
        date(2022, 8, 31),
        True,
    )
    now = utc(2022, 8, 16, 16, 30)
    assert window_state(cal, "WIB", now).open
    assert window_state(cal, "WIT", now).reason == "holiday"


def test_the_period_bounds_the_calls() -> None:
    before = window_state(CAL, "WIB", utc(2022, 8, 20, 3, 0))
    assert before.reason == "before_period"
    assert before.next_open == utc(2022, 9, 1, 1, 0)  # Thu 1 Sep 08:00 WIB
    after = window_state(CAL, "WIB", utc(2022, 10, 3, 3, 0))
    assert after.reason == "after_period" and after.next_open is None
    assert after.message == "the campaign period ended on Fri 30 Sep 2022"
    assert earliest_opening(CAL, utc(2022, 1, 1)) == utc(2022, 8, 31, 23, 0)  # 08:00 WIT


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        window_state(CAL, "WIB", datetime(2022, 9, 5, 10, 0))
    with pytest.raises(ValueError, match="unknown zone"):
        window_state(CAL, "CET", utc(2022, 9, 5, 3))


moments = st.datetimes(
    min_value=datetime(2022, 8, 1), max_value=datetime(2023, 1, 15), timezones=st.just(UTC)
)
zones = st.sampled_from(["WIB", "WITA", "WIT"])
calendars = st.sampled_from([CAL, AUGUST, ALLOW])


@given(calendars, zones, moments)
def test_open_zones_agrees_with_window_state(cal: Calendar, zone: str, now: datetime) -> None:
    assert window_state(cal, zone, now).open == (zone in open_zones(cal, now))


@settings(max_examples=200)
@given(calendars, zones, moments, st.lists(st.floats(0, 1), min_size=5, max_size=5))
def test_next_opening_is_the_first_open_instant(
    cal: Calendar, zone: str, after: datetime, fractions: list[float]
) -> None:
    found = next_opening(cal, zone, after)
    if window_state(cal, zone, after).open:
        assert found == after
        return
    if found is None:
        assert after.date() >= cal.period_end - timedelta(days=1)
        return
    assert found > after and window_state(cal, zone, found).open
    gap = found - after
    for f in fractions:  # closed everywhere in between
        assert not window_state(cal, zone, after + gap * f * 0.999999).open
    assert not window_state(cal, zone, found - timedelta(seconds=1)).open
