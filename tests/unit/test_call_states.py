"""The attempt state machine, the retry policy and the abandon guard: pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.calls.guard import should_guard
from dialer.calls.retry import after_result
from dialer.calls.states import Progress, merge, result_of
from dialer.campaigns.schemas import RetryPolicy

T0 = datetime(2022, 9, 5, 3, 0, tzinfo=UTC)
RECEIVED = datetime(2030, 1, 1, tzinfo=UTC)  # when the callback came; its own time wins


def at(seconds: int) -> str:
    return format_datetime(T0 + timedelta(seconds=seconds), usegmt=True)


HUMAN = [
    ("status", {"CallStatus": "initiated", "Timestamp": at(0)}),
    ("status", {"CallStatus": "ringing", "Timestamp": at(3)}),
    ("answer", {"CallStatus": "in-progress", "Timestamp": at(9)}),
    ("status", {"CallStatus": "in-progress", "Timestamp": at(9)}),
    ("amd", {"CallStatus": "in-progress", "AnsweredBy": "human"}),
    (
        "status",
        {
            "CallStatus": "completed",
            "Timestamp": at(70),
            "CallDuration": "61",
            "AnsweredBy": "human",
        },
    ),
]
MACHINE = [
    ("status", {"CallStatus": "initiated", "Timestamp": at(0)}),
    ("status", {"CallStatus": "in-progress", "Timestamp": at(8)}),
    ("amd", {"CallStatus": "in-progress", "AnsweredBy": "machine_end_beep"}),
    ("status", {"CallStatus": "completed", "Timestamp": at(20), "CallDuration": "12"}),
]
NO_ANSWER = [
    ("status", {"CallStatus": "initiated", "Timestamp": at(0)}),
    ("status", {"CallStatus": "ringing", "Timestamp": at(1)}),
    ("status", {"CallStatus": "no-answer", "Timestamp": at(31), "CallDuration": "0"}),
]


def fold(events: list[tuple[str, dict[str, str]]]) -> Progress:
    progress = Progress()
    for kind, params in events:
        progress = merge(progress, kind, params, RECEIVED)
    return progress


@pytest.mark.parametrize(
    ("flow", "state", "answered_by"),
    [
        (HUMAN, "completed", "human"),
        (MACHINE, "machine", "machine_end_beep"),
        (NO_ANSWER, "no-answer", None),
    ],
)
def test_a_natural_flow_ends_where_it_should(
    flow: list[tuple[str, dict[str, str]]], state: str, answered_by: str | None
) -> None:
    final = fold(flow)
    assert (final.state, final.answered_by) == (state, answered_by)
    assert final.ended_at is not None and final.ended_at < RECEIVED  # the callback's own time


def test_timestamps_come_from_the_callbacks() -> None:
    final = fold(HUMAN)
    assert final.ringing_at == T0 + timedelta(seconds=3)
    assert final.answered_at == T0 + timedelta(seconds=9)
    assert final.ended_at == T0 + timedelta(seconds=70)
    assert final.duration_seconds == 61


@given(
    st.sampled_from([HUMAN, MACHINE, NO_ANSWER]).flatmap(
        lambda flow: st.tuples(st.just(flow), st.permutations(flow + flow[:2]))
    )
)
def test_any_order_with_repeats_folds_to_the_same_progress(
    case: tuple[list[tuple[str, dict[str, str]]], list[tuple[str, dict[str, str]]]],
) -> None:
    natural, shuffled = case
    assert fold(shuffled) == fold(natural)


def test_the_state_never_moves_back() -> None:
    done = fold(NO_ANSWER)
    assert (
        merge(done, "status", {"CallStatus": "ringing", "Timestamp": at(99)}, RECEIVED).state
        == "no-answer"
    )


def test_results_of_final_states() -> None:
    assert result_of("completed", abandoned=False) == "contacted"
    assert result_of("completed", abandoned=True) == "abandoned"
    assert result_of("busy", abandoned=False) == "busy_line"
    assert result_of("machine", abandoned=False) == "machine"
    with pytest.raises(ValueError, match="not a final state"):
        result_of("ringing", abandoned=False)


POLICY = RetryPolicy()


def test_retry_waits_the_results_delay() -> None:
    step = after_result(POLICY, "busy_line", attempts=1, counts={"busy_line": 1}, now=T0)
    assert (step.state, step.at) == ("scheduled", T0 + timedelta(minutes=15))
    step = after_result(POLICY, "no_answer", attempts=1, counts={"no_answer": 1}, now=T0)
    assert step.at == T0 + timedelta(hours=2)


def test_an_abandoned_customer_is_not_dialled_again_within_the_window() -> None:
    # A campaign that asks for 10 minutes still waits the 72 h abandon-retry window;
    # a longer delay of its own is kept.
    hurried = RetryPolicy.model_validate({"abandoned": {"delay": "10m", "max_attempts": 3}})
    step = after_result(hurried, "abandoned", attempts=1, counts={"abandoned": 1}, now=T0)
    assert (step.state, step.at) == ("scheduled", T0 + timedelta(hours=72))
    patient = RetryPolicy.model_validate(
        {"abandoned": {"delay": "4d", "max_attempts": 3}, "abandon_retry_window": "24h"}
    )
    step = after_result(patient, "abandoned", attempts=1, counts={"abandoned": 1}, now=T0)
    assert step.at == T0 + timedelta(days=4)
    # Other results keep their own delay.
    step = after_result(hurried, "canceled", attempts=1, counts={"canceled": 1}, now=T0)
    assert step.at == T0 + timedelta(minutes=30)


def test_retry_stops_at_the_results_limit_and_at_the_total() -> None:
    assert (
        after_result(POLICY, "failed", attempts=2, counts={"failed": 2}, now=T0).reason
        == "failed_limit"
    )
    counts = {"busy_line": 2, "no_answer": 2, "machine": 1, "abandoned": 1}
    assert (
        after_result(POLICY, "machine", attempts=6, counts=counts, now=T0).reason == "attempts_used"
    )
    assert after_result(POLICY, "contacted", attempts=1, counts={}, now=T0).reason == "contacted"


@given(
    answered=st.integers(min_value=0, max_value=500),
    abandoned=st.integers(min_value=0, max_value=500),
    limit=st.integers(min_value=0, max_value=100),
)
def test_the_guard_is_on_exactly_above_the_limit(answered: int, abandoned: int, limit: int) -> None:
    abandoned = min(abandoned, answered)
    on = should_guard(answered, abandoned, limit_percent=limit, min_answered=20)
    if answered < 20:
        assert not on
    else:
        assert on == (Fraction(abandoned, answered) > Fraction(limit, 100))


@pytest.mark.parametrize("duration", ["²", "١٢", "9" * 30, "-5", "12.5"])
def test_a_duration_that_is_not_ascii_seconds_is_ignored_not_a_crash(duration: str) -> None:
    """str.isdigit says yes to "²" and "١٢", int() then fails: only ASCII digits, of a
    size a call can last, are a duration."""
    last = {"CallStatus": "completed", "Timestamp": at(70), "CallDuration": duration}
    ended = [*HUMAN[:-1], ("status", last)]
    progress = fold(ended)
    assert progress.state == "completed" and progress.duration_seconds is None
