"""The forecast's model, without a database: what it says with no data, a closed
window, holidays, a quota used up, no agents, a period that runs out — and that its
engine follows the campaign's retry policy."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from dialer.campaigns.models import calendar_of
from dialer.campaigns.schemas import CampaignDefinition
from dialer.campaigns.service import load_toml, parse_definition
from dialer.forecast.estimates import cycle_seconds
from dialer.forecast.models import Cohort, Handled, Observed
from dialer.forecast.plan import RESULTS, Plan
from dialer.forecast.sampling import binomial, multinomial
from dialer.forecast.service import forecast
from dialer.forecast.simulation import Draw, simulate

SEED = load_toml(
    Path(__file__).resolve().parents[2] / "campaigns" / "001_obc_bukalapak_voucher.toml"
)
WIB = ZoneInfo("Asia/Jakarta")
MONDAY = datetime(2022, 9, 5, 8, 0, tzinfo=WIB)
# A campaign that has called a while: 40 % contacts in every WIB hour.
MIX = {
    "contacted": 400,
    "no_answer": 250,
    "busy_line": 120,
    "failed": 100,
    "machine": 100,
    "abandoned": 20,
    "canceled": 10,
}
QUICK = {"runs": 60, "search_runs": 30}


def spec(**changes: Any) -> CampaignDefinition:
    return parse_definition(SEED | changes)


def ready(n: int, zone: str = "WIB", **more: Any) -> Cohort:
    fields: dict[str, Any] = {
        "tier_rank": 2,
        "callback": False,
        "attempts": 0,
        "counts": (),
        "due": None,
    }
    return Cohort(zone=zone, n=n, **(fields | more))


def rich_results(zone: str = "WIB", scale: int = 1) -> tuple[tuple[str, int, str, int], ...]:
    return tuple((zone, h, r, n * scale) for h in range(8, 18) for r, n in MIX.items())


def busy_calls(
    agents: int, start: datetime, each: int, cycle: float = 200.0
) -> tuple[Handled, ...]:
    """``each`` calls per agent, one every ``cycle`` seconds, each 120 s long."""
    return tuple(
        Handled(
            agent,
            start + timedelta(seconds=i * cycle + agent),
            start + timedelta(seconds=i * cycle + agent + 105),
        )
        for agent in range(1, agents + 1)
        for i in range(each)
    )


def observed(
    now: datetime,
    cohorts: tuple[Cohort, ...],
    *,
    definition: CampaignDefinition | None = None,
    rich: bool = True,
    agents: int = 10,
    taken: int = 0,
    last_voucher_at: datetime | None = None,
    outcomes: dict[str, int] | None = None,
) -> Observed:
    left = sum(c.n for c in cohorts)
    calls = busy_calls(10, now - timedelta(hours=3), 50) if rich else ()
    return Observed(
        campaign="obc",
        now=now.astimezone(UTC),
        definition=definition or spec(),
        cohorts=cohorts,
        total=left + 100,
        done=100,
        dialing=0,
        results=rich_results() if rich else (),
        outcomes=(
            outcomes if outcomes is not None else {"pays_other_channel": 90, "customer_busy": 10}
        )
        if rich
        else {},
        callback_delays=(7200.0,) if rich else (),
        calls=calls,
        agents_logged_in=agents,
        vouchers_taken=taken,
        last_voucher_at=last_voucher_at,
    )


def width(figure: dict[str, Any]) -> timedelta:
    low, high = figure["low"], figure["high"]
    assert low is not None and high is not None
    return high - low  # type: ignore[no-any-return]


def test_with_no_data_yet_it_leans_on_the_priors_and_says_so_with_a_wider_range() -> None:
    cohorts = (ready(2000),)
    blind = forecast(observed(MONDAY, cohorts, rich=False), **QUICK)
    seen = forecast(observed(MONDAY, cohorts), **QUICK)
    inputs = blind["inputs"]
    assert inputs["contact_odds"]["campaign"]["prior"] is True
    assert inputs["contact_odds"]["calls"] == 0
    assert inputs["seconds_per_contact"]["prior"] is True
    assert inputs["callbacks"]["delay_prior"] is True
    assert seen["inputs"]["contact_odds"]["campaign"]["prior"] is False
    assert blind["exhausted"]["status"] == seen["exhausted"]["status"] == "by_end"
    assert width(blind["exhausted"]) > 2 * width(seen["exhausted"])


def test_nothing_is_dialled_while_the_window_is_closed() -> None:
    sunday = datetime(2022, 9, 4, 10, 0, tzinfo=WIB)
    figures = forecast(observed(sunday, (ready(50),)), **QUICK)
    monday_opens = datetime(2022, 9, 5, 8, 0, tzinfo=WIB)
    assert figures["inputs"]["calendar"]["next_opening"]["WIB"] == monday_opens
    assert figures["exhausted"]["low"] >= monday_opens
    evening = datetime(2022, 9, 5, 19, 0, tzinfo=WIB)
    later = forecast(observed(evening, (ready(50),)), **QUICK)
    assert later["exhausted"]["low"] >= datetime(2022, 9, 6, 8, 0, tzinfo=WIB)


def test_a_public_holiday_is_skipped_unless_the_campaign_allows_it() -> None:
    # 17 August 2022, a Wednesday: Independence Day.
    period = {"starts": "2022-08-15", "ends": "2022-08-20"}
    evening = datetime(2022, 8, 16, 18, 30, tzinfo=WIB)
    skip = forecast(observed(evening, (ready(20),), definition=spec(period=period)), **QUICK)
    allow = forecast(
        observed(evening, (ready(20),), definition=spec(period=period, holidays="allow")), **QUICK
    )
    holidays = skip["inputs"]["calendar"]["holidays_left"]
    assert [h["date"].isoformat() for h in holidays] == ["2022-08-17"]
    assert allow["inputs"]["calendar"]["holidays_left"] == []
    assert skip["exhausted"]["low"] >= datetime(2022, 8, 18, 8, 0, tzinfo=WIB)
    assert allow["exhausted"]["low"] < datetime(2022, 8, 17, 18, 0, tzinfo=WIB)


def test_a_quota_used_up_already_says_when() -> None:
    last = datetime(2022, 9, 5, 7, 45, tzinfo=WIB)
    figures = forecast(observed(MONDAY, (ready(100),), taken=50, last_voucher_at=last), **QUICK)
    assert figures["quota"]["status"] == "used_up"
    assert figures["quota"]["at"] == last
    assert figures["quota"]["left"] == 0


def test_the_quota_runs_out_at_the_rate_customers_take_the_voucher() -> None:
    takers = {"pays_via_bukalapak": 300, "pays_other_channel": 700}
    figures = forecast(observed(MONDAY, (ready(2000),), taken=40, outcomes=takers), **QUICK)
    quota = figures["quota"]
    assert quota["status"] == "forecast"
    assert quota["probability"] == 1.0
    assert figures["inputs"]["vouchers"]["share"] > 0.29
    # Ten places at 30 % of contacts go long before two thousand targets are done.
    assert MONDAY < quota["low"] <= quota["at"] <= quota["high"] < figures["exhausted"]["low"]


def test_no_agents_means_never_said_plainly() -> None:
    figures = forecast(observed(MONDAY, (ready(100),), agents=0), **QUICK)
    assert figures["exhausted"] == {"status": "never", "reason": "no_agents"}
    assert figures["finish_probability"]["value"] == 0.0
    assert figures["quota"]["status"] == "never"
    assert figures["inputs"]["agents"] == {"used": 0, "source": "logged_in", "logged_in": 0}
    # How many it would take is still said.
    assert figures["agents_needed"]["status"] == "found"
    assert figures["agents_needed"]["agents"] >= 1
    asked = forecast(observed(MONDAY, (ready(100),)), agents=0, **QUICK)
    assert asked["exhausted"]["status"] == "never"
    assert asked["inputs"]["agents"]["source"] == "asked"


def test_a_period_about_to_end_leaves_targets_whatever_the_agents() -> None:
    last_half_hour = datetime(2022, 9, 30, 17, 30, tzinfo=WIB)
    figures = forecast(observed(last_half_hour, (ready(500),)), **QUICK)
    assert figures["exhausted"]["status"] == "after_end"
    assert figures["exhausted"]["left_at_end"]["median"] > 0
    assert figures["finish_probability"]["value"] == 0.0
    assert figures["agents_needed"]["status"] == "none_suffice"


def test_more_agents_finish_no_later_and_the_range_is_ordered() -> None:
    cohorts = (ready(3000), ready(500, zone="WITA"))
    few = forecast(observed(MONDAY, cohorts), agents=3, **QUICK)
    many = forecast(observed(MONDAY, cohorts), agents=30, **QUICK)
    assert many["exhausted"]["at"] <= few["exhausted"]["at"]
    for figure in (few["exhausted"], many["exhausted"]):
        assert figure["low"] <= figure["at"] <= figure["high"]
    needed = many["agents_needed"]
    assert needed["status"] == "found"
    assert needed["low"] <= needed["agents"] <= needed["high"]
    assert needed["probability"] >= 0.8


def test_a_finished_list_needs_nothing() -> None:
    figures = forecast(observed(MONDAY, ()), **QUICK)
    assert figures["exhausted"] == {"status": "done"}
    assert figures["finish_probability"]["value"] == 1.0
    assert figures["agents_needed"]["status"] == "done"
    assert figures["quota"]["status"] == "list_done"


def plan(cohorts: tuple[Cohort, ...], now: datetime = MONDAY) -> Plan:
    definition = spec()
    return Plan(
        now=now.astimezone(UTC),
        cohorts=cohorts,
        policy=definition.retry,
        calendar=calendar_of(definition),
        step=timedelta(minutes=5),
        callback_delay=timedelta(hours=2),
        vouchers_left=50,
        voucher_expires=definition.voucher.expires,
    )


def always(result: str) -> Draw:
    odds = tuple(1.0 if r == result else 0.0 for r in RESULTS)
    return Draw(lambda zone, hour: odds, None, 0.0, 0.0)


def test_the_engine_follows_the_retry_policy() -> None:
    # Nobody ever answers: each target is dialled as often as no_answer allows (3), two
    # hours apart, then done.
    run = simulate(plan((ready(40),)), always("no_answer"), random.Random(1))
    assert run.attempts == 40 * 3
    assert run.contacts == 0
    assert run.finished_at is not None
    assert run.finished_at - MONDAY < timedelta(hours=4, minutes=10)
    # A target with one attempt left by max_attempts is done after it, whatever it is.
    tired = ready(10, attempts=5, counts=(("busy_line", 2), ("no_answer", 2), ("machine", 1)))
    assert simulate(plan((tired,)), always("failed"), random.Random(1)).attempts == 10


def test_nobody_is_abandoned_while_agents_are_free() -> None:
    half = tuple(0.5 if r in ("contacted", "abandoned") else 0.0 for r in RESULTS)
    idle = Draw(lambda zone, hour: half, None, 0.0, 0.0)
    run = simulate(plan((ready(100),)), idle, random.Random(3))
    assert run.attempts == run.contacts == 100


def test_an_abandoned_customer_waits_the_abandon_retry_window() -> None:
    busy = tuple(1.0 if r == "abandoned" else 0.0 for r in RESULTS)
    overloaded = Draw(lambda zone, hour: busy, 0.01, 0.0, 0.0)
    run = simulate(plan((ready(1),)), overloaded, random.Random(3))
    assert run.attempts == 3  # abandoned.max_attempts
    assert run.finished_at is not None
    # 72 h twice, each landing on a calling hour (Thursday then Sunday → Monday).
    assert run.finished_at >= MONDAY + timedelta(days=7)


def test_the_pace_is_read_from_busy_hours_and_breaks_are_left_out() -> None:
    start = datetime(2022, 9, 5, 1, 0, tzinfo=UTC)
    calls = busy_calls(4, start, 60, cycle=200.0)
    on_break = tuple(
        Handled(c.agent, c.bridged_at + timedelta(hours=6), c.free_at) for c in calls[:5]
    )
    found = cycle_seconds(calls + on_break, 15)
    assert found.prior is False
    assert 190 < found.value < 215
    assert cycle_seconds((), 15).prior is True


@given(st.integers(0, 5000), st.floats(0.0, 1.0), st.integers(0, 2**32))
def test_binomial_draws_stay_in_bounds(n: int, p: float, seed: int) -> None:
    assert 0 <= binomial(random.Random(seed), n, p) <= n


@given(st.integers(0, 5000), st.lists(st.floats(0.01, 1.0), min_size=1, max_size=7))
def test_multinomial_draws_add_up(n: int, weights: list[float]) -> None:
    probs = tuple(w / sum(weights) for w in weights)
    drawn = multinomial(random.Random(n), n, probs)
    assert sum(drawn) == n and min(drawn) >= 0


def test_binomial_draws_have_the_right_mean() -> None:
    rnd = random.Random(21)
    for n, p in ((10, 0.3), (50, 0.05), (400, 0.4)):
        draws = [binomial(rnd, n, p) for _ in range(3000)]
        assert abs(sum(draws) / len(draws) - n * p) < 0.05 * n * p + 0.1


def test_a_finished_campaign_calls_nobody_and_a_paused_one_is_forecast_as_running() -> None:
    finished = replace(observed(MONDAY, (ready(100),)), state="finished")
    figures = forecast(finished, **QUICK)
    assert figures["exhausted"] == {"status": "campaign_finished"}
    assert figures["quota"]["status"] == "campaign_finished"
    assert figures["finish_probability"]["value"] == 0.0
    assert figures["agents_needed"] == {"status": "campaign_finished"}
    paused = forecast(replace(observed(MONDAY, (ready(100),)), state="paused"), **QUICK)
    assert paused["inputs"]["campaign_state"] == "paused"
    assert paused["exhausted"]["status"] == "by_end"
