"""Simulated customers (``providers/behaviour.py``): distributions drawn from a seeded
generator, odds by the customer's local hour, profiles parsed with clear errors."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dialer.cli.sample import customer_zones, sample_rows
from dialer.clock import FrozenClock
from dialer.providers.behaviour import (
    Fixed,
    Gamma,
    LogNormal,
    Uniform,
    draw,
    parse_distribution,
    parse_hours,
    parse_odds,
)
from dialer.providers.simulated_carrier import SimProfile, SimulatedCarrier

ROOT = Path(__file__).resolve().parents[2]
DAY = ROOT / "simulation" / "customers-day.toml"
N = 20_001


def draws(spec: object, seed: int = 1, n: int = N) -> list[float]:
    rnd = random.Random(seed)
    return [draw(spec, rnd) for _ in range(n)]  # type: ignore[arg-type]


def test_a_lognormal_has_its_median_and_its_spread() -> None:
    values = draws(LogNormal(median=120, spread=1.7))
    assert statistics.median(values) == pytest.approx(120, rel=0.03)
    # One geometric standard deviation either side holds about 68 % of the draws.
    within = sum(120 / 1.7 <= v <= 120 * 1.7 for v in values) / len(values)
    assert within == pytest.approx(0.683, abs=0.02)


def test_a_gamma_has_its_mean() -> None:
    values = draws(Gamma(mean=8, shape=4))
    assert statistics.fmean(values) == pytest.approx(8, rel=0.03)
    assert statistics.median(values) < 8  # skewed to the right


def test_bounds_cut_the_tails_without_piling_draws_on_them() -> None:
    values = draws(LogNormal(median=110, spread=1.7, low=20, high=900))
    assert min(values) >= 20 and max(values) <= 900
    assert statistics.median(values) == pytest.approx(110, rel=0.03)
    assert sum(v == 900 for v in values) == 0


def test_fixed_uniform_and_the_old_tuples() -> None:
    assert set(draws(Fixed(30), n=10)) == {30.0}
    assert set(draws(30.0, n=10)) == {30.0}
    uniform = draws(Uniform(3, 15))
    assert min(uniform) >= 3 and max(uniform) <= 15
    assert statistics.median(uniform) == pytest.approx(9, rel=0.03)
    # A (low, high) tuple is uniform, as profiles gave their times before.
    assert draws((3.0, 15.0), seed=5, n=100) == draws(Uniform(3, 15), seed=5, n=100)


def test_the_same_seed_gives_the_same_draws() -> None:
    talk = LogNormal(median=110, spread=1.7)
    assert draws(talk, seed=21, n=50) == draws(talk, seed=21, n=50)
    assert draws(talk, seed=21, n=50) != draws(talk, seed=22, n=50)


def test_odds_follow_the_local_hour() -> None:
    profile = SimProfile.from_mapping(
        {
            "odds": {"human": 35, "no_answer": 65},
            "hours": {"8": {"human": 30, "no_answer": 70}, "9-11": "human=40,no_answer=60"},
        }
    )
    assert profile.odds_at(8)["human"] == 30
    assert [profile.odds_at(h)["human"] for h in (9, 10, 11)] == [40, 40, 40]
    assert profile.odds_at(12)["human"] == 35  # not listed: the profile's odds
    assert profile.odds_at(12)["busy"] == 0  # a fate left out is never drawn


def carrier(profile: SimProfile, now: datetime, zones: dict[str, str]) -> SimulatedCarrier:
    return SimulatedCarrier(
        auth_token="token", clock=FrozenClock(now), profile=profile, zone_of=zones.get
    )


def test_the_carrier_draws_by_the_customers_own_hour() -> None:
    # 08:30 WIB is 09:30 WITA and 10:30 WIT: each customer's fate by their own hour.
    profile = SimProfile.from_mapping(
        {
            "odds": {"failed": 1},
            "hours": {"8": {"human": 1}, "9": {"busy": 1}, "10": {"machine": 1}},
        }
    )
    sim = carrier(
        profile,
        datetime(2022, 9, 5, 1, 30, tzinfo=UTC),
        {"+62811000001": "WITA", "+62811000002": "WIT"},
    )
    assert sim.local_hour("+62811000001") == 9
    assert sim._pick_fate("+62811000001") == "busy"
    assert sim._pick_fate("+62811000002") == "machine"
    # A number the simulator is not told about lives in the profile's zone (WIB).
    assert sim._pick_fate("+62811000003") == "human"


def test_each_call_draws_from_its_own_generator_whatever_the_order() -> None:
    def fates(order: list[str]) -> dict[tuple[str, int], tuple[str, float]]:
        profile = SimProfile.load(DAY)
        sim = SimulatedCarrier(
            auth_token="token",
            clock=FrozenClock(datetime(2022, 9, 5, 3, 0, tzinfo=UTC)),
            profile=profile,
            call_seed=21,
        )
        seen: dict[str, int] = {}
        out = {}
        for number in order:
            rng = sim._generator(number)
            nth = seen[number] = seen.get(number, -1) + 1
            out[number, nth] = (sim._pick_fate(number, rng), draw(profile.talk_seconds, rng))  # type: ignore[arg-type]
        return out

    numbers = [f"+62811{i:08d}" for i in range(30)]
    forward = fates(numbers + numbers)
    backward = fates(list(reversed(numbers)) + numbers)
    assert forward == backward
    assert len({fate for fate, _ in forward.values()}) > 1


def test_the_day_profile_answers_35_percent_over_the_window() -> None:
    profile = SimProfile.load(DAY)
    shares = [profile.odds_at(h)["human"] / sum(profile.odds_at(h).values()) for h in range(8, 18)]
    assert statistics.fmean(shares) == pytest.approx(0.35, abs=0.005)
    assert isinstance(profile.talk_seconds, LogNormal) and profile.talk_seconds.median == 110
    assert profile.no_answer_seconds == Uniform(25, 40)


def test_the_old_odds_text_still_parses() -> None:
    assert SimProfile.parse_odds("human=45,machine=10") == {
        "human": 45.0,
        "machine": 10.0,
        "busy": 0.0,
        "no_answer": 0.0,
        "failed": 0.0,
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"kind": "weibull", "median": 3}, "kind 'weibull' is not one of"),
        ({"kind": "lognormal"}, "lognormal needs median"),
        ({"kind": "lognormal", "median": 10, "spread": 0.5}, "spread of at least 1"),
        ({"kind": "lognormal", "median": 10, "sigma": 2}, "not sigma"),
        ({"kind": "gamma", "mean": 0}, "mean and shape above 0"),
        ({"kind": "uniform", "low": 9, "high": 3}, "low 9 is above high 3"),
        ([1, 2, 3], "a range is [low, high]"),
        ("fast", "is not a time"),
        (-1, "must be finite and not negative"),
        ({"kind": "fixed", "value": "x"}, "is not a number of seconds"),
    ],
)
def test_a_wrong_time_says_what_and_where(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=r"seconds\.talk") as raised:
        parse_distribution(value, "seconds.talk")
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("odds", "message"),
    [
        ("human=1,dog=2", "unknown simulated fate 'dog'"),
        ("human=lots", "weight 'lots' is not a number"),
        ("human", "'human' is not fate=weight"),
        ({"human": -1}, "must be finite, not negative"),
        ({"human": 0}, "must not all be zero"),
        (7, "is not odds"),
    ],
)
def test_wrong_odds_say_why(odds: object, message: str) -> None:
    with pytest.raises(ValueError, match="odds") as raised:
        parse_odds(odds)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({"24": {"human": 1}}, "'24' is not an hour"),
        ({"9-7": {"human": 1}}, "'9-7' is not an hour"),
        ({"noon": {"human": 1}}, "'noon' is not an hour"),
        ({"8-10": {"human": 1}, "10": {"busy": 1}}, "hour 10 is given twice"),
    ],
)
def test_wrong_hours_say_why(hours: object, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_hours(hours)
    assert message in str(raised.value)


def test_a_profile_file_with_a_mistake_names_the_file_and_the_key(tmp_path: Path) -> None:
    path = tmp_path / "customers.toml"
    path.write_text('zone = "CET"\n')
    with pytest.raises(ValueError, match=r"customers.toml: zone: 'CET' is not one of WIB"):
        SimProfile.load(path)
    path.write_text("[seconds]\nhold = 3\n")
    with pytest.raises(ValueError, match="seconds: unknown hold"):
        SimProfile.load(path)
    path.write_text("odds = \n")
    with pytest.raises(ValueError, match=r"customers\.toml"):
        SimProfile.load(path)
    with pytest.raises(ValueError, match="unknown profile keys patience"):
        SimProfile.from_mapping({"patience": 3})


def test_the_generated_customers_say_where_they_live() -> None:
    rows = sample_rows(30, provinces=("Bali", "Papua", "DKI Jakarta"), tiers=("Gold",))
    zones = customer_zones(rows)
    assert zones["+6281100000000"] == "WITA"
    assert zones["+6281100000001"] == "WIT"
    assert zones["+6281100000002"] == "WIB"
    assert len(zones) == 30  # the flawed rows (a bad number, Atlantis) tell nothing new
    assert {r[5] for r in rows} == {"Gold"}
