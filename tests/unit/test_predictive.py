"""Predictive pacing's arithmetic (``dialer/calls/predictive.py``): estimates in, calls
out — checked against what the odds say, by exact sums and by simulation."""

import random

import pytest

from dialer.calls.predictive import (
    Estimates,
    Floor,
    blend,
    effective_target,
    shortfall,
    size,
    supply,
)

ODDS = Estimates(
    human=0.35, human_if_answered=0.8, verdict_seconds=12.0, talk_seconds=100.0, wrap_seconds=15.0
)


def floor(**counts: int) -> Floor:
    return Floor(
        **(
            {"free": 0, "freeing": 0, "on_call": 0, "ringing": 0, "answered": 0, "waiting": 0}
            | counts
        )
    )


def simulated_rate(calls: int, agents: int, p: float, runs: int = 20000) -> float:
    """Persons left without an agent over persons reached, by drawing the calls."""
    rnd = random.Random(7)
    short = persons = 0
    for _ in range(runs):
        reached = sum(rnd.random() < p for _ in range(calls))
        persons += reached
        short += max(0, reached - agents)
    return short / persons


def test_one_free_agent_gets_one_call_more_agents_get_more_than_one_each() -> None:
    # A lone agent: a second call would strand a person one time in eight.
    assert size(ODDS, floor(free=1), target_percent=3.0, most=100).calls == 1
    # Forty free agents: the odds even out, and far more calls than agents go out.
    many = size(ODDS, floor(free=40), target_percent=3.0, most=200)
    assert many.calls > 80
    assert many.expected_abandon_percent <= 3.0


def test_the_size_is_the_largest_within_the_target_and_agrees_with_a_simulation() -> None:
    sized = size(ODDS, floor(free=20), target_percent=3.0, most=200)
    n = sized.calls
    assert simulated_rate(n, 20, 0.35) == pytest.approx(
        sized.expected_abandon_percent / 100, abs=0.004
    )
    assert simulated_rate(n, 20, 0.35) <= 0.034
    # One more call and the expected rate is above the target.
    short, expected = shortfall([1.0], 0, n + 1, 0.35, 20)
    assert short / expected > 0.03


def test_calls_in_flight_and_persons_waiting_count_against_the_agents() -> None:
    alone = size(ODDS, floor(free=10), target_percent=3.0, most=100).calls
    ringing = size(ODDS, floor(free=10, ringing=10), target_percent=3.0, most=100).calls
    assert ringing == pytest.approx(alone - 10, abs=1)
    # Persons already on hold take agents first; answered calls awaiting the verdict are
    # persons more often than calls still ringing.
    waiting = size(ODDS, floor(free=10, waiting=4), target_percent=3.0, most=100).calls
    answered = size(ODDS, floor(free=10, answered=4), target_percent=3.0, most=100).calls
    assert waiting < answered < alone
    # More persons waiting than agents: nothing is placed.
    assert size(ODDS, floor(free=2, waiting=3), target_percent=3.0, most=100).calls == 0


def test_a_target_of_zero_never_places_more_calls_than_agents() -> None:
    assert size(ODDS, floor(free=10), target_percent=0.0, most=100).calls == 10
    assert size(ODDS, floor(free=10, ringing=4), target_percent=0.0, most=100).calls == 6
    assert size(ODDS, floor(free=0, ringing=4), target_percent=0.0, most=100).calls == 0


def test_agents_about_to_be_free_are_dialled_for() -> None:
    # Agents whose after-call work ends before a call placed now is answered.
    assert supply(ODDS, floor(free=2, freeing=3)) == 5
    soon = size(ODDS, floor(free=2, freeing=3), target_percent=3.0, most=100).calls
    assert soon > size(ODDS, floor(free=2), target_percent=3.0, most=100).calls
    # Agents talking: free within the horizon only past their after-call work.
    assert supply(ODDS, floor(on_call=10)) == 0  # 12 s horizon < 15 s wrap-up
    long_ring = Estimates(0.35, 0.8, verdict_seconds=40.0, talk_seconds=100.0, wrap_seconds=15.0)
    assert 2.0 < supply(long_ring, floor(on_call=10)) < 2.3  # 1 - e^(-25/100) each


def test_at_most_the_batch_and_none_without_agents() -> None:
    assert size(ODDS, floor(free=100), target_percent=3.0, most=50).calls == 50
    assert size(ODDS, floor(), target_percent=3.0, most=100).calls == 0
    assert size(ODDS, floor(free=5), target_percent=3.0, most=0).calls == 0


def test_certain_and_impossible_odds() -> None:
    sure = Estimates(1.0, 1.0, 12.0, 100.0, 15.0)
    assert size(sure, floor(free=7), target_percent=3.0, most=100).calls == 7
    never = Estimates(0.0, 0.0, 12.0, 100.0, 15.0)
    assert size(never, floor(free=7), target_percent=3.0, most=100).calls == 100
    # Large batches do not underflow.
    big = Estimates(0.02, 0.5, 12.0, 100.0, 15.0)
    assert size(big, floor(free=500, ringing=2000), target_percent=3.0, most=100).calls > 0


def test_the_target_in_force_falls_as_the_rate_nears_the_limit() -> None:
    full = effective_target(3.0, 3.0, window_rate_percent=None, day_rate_percent=None)
    assert full == 3.0
    assert effective_target(3.0, 3.0, window_rate_percent=1.0, day_rate_percent=1.5) == 3.0
    # From half the limit down to nothing at the limit; the worse of the two rates rules.
    assert effective_target(3.0, 3.0, window_rate_percent=2.25, day_rate_percent=0.5) == 1.5
    assert effective_target(3.0, 3.0, window_rate_percent=0.5, day_rate_percent=2.25) == 1.5
    assert effective_target(3.0, 3.0, window_rate_percent=3.5, day_rate_percent=None) == 0.0
    assert effective_target(2.0, 0.0, window_rate_percent=None, day_rate_percent=None) == 0.0


def test_blend_leans_on_the_prior_until_calls_are_counted() -> None:
    assert blend(0, 0, 0.4) == pytest.approx(0.4)
    assert blend(35, 100, 0.4) == pytest.approx((35 + 12) / 130)
    assert blend(3500, 10000, 0.4) == pytest.approx(0.35, abs=0.001)
