"""``dialer demo`` fails loudly: a simulated call that raised is counted and makes the
demo exit non-zero, and so does a run in which no call reached a result."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dialer.cli.demo import verdict
from dialer.clock import FrozenClock
from dialer.providers.carrier import OutboundCall
from dialer.providers.simulated_carrier import SimulatedCarrier

CALL = OutboundCall(
    attempt_id=1,
    to="+6281200000001",
    from_="+622150000000",
    answer_url="http://127.0.0.1:9/carrier/voice/answer?attempt=1",
    status_url="http://127.0.0.1:9/carrier/voice/status?attempt=1",
    amd_url="http://127.0.0.1:9/carrier/voice/amd?attempt=1",
    timeout_seconds=25,
)


def result(failed: int, attempts: dict[str, int]) -> dict[str, Any]:
    return {"demo": {"failed_calls": failed}, "summary": {"attempts": attempts}}


def test_a_demo_whose_calls_ended_is_a_success() -> None:
    assert verdict(result(0, {"total": 3, "contacted": 2, "busy_line": 1})) == []


def test_failed_simulated_calls_and_a_run_with_no_result_are_errors() -> None:
    assert verdict(result(2, {"total": 3, "contacted": 3})) == [
        "2 simulated calls failed (their tracebacks are in the log)"
    ]
    # Placed and stuck, or all canceled by the dialer itself: nothing progressed.
    for attempts in ({"total": 50, "dialing": 50}, {"total": 4, "canceled": 4}, {"total": 0}):
        assert verdict(result(0, attempts)) == ["nothing progressed: no call reached a result"]


class Broken(SimulatedCarrier):
    async def _customer(self, state: Any, call: OutboundCall) -> None:
        raise RuntimeError("the simulation hit a bug")


async def test_a_simulated_call_that_raises_is_counted() -> None:
    clock = FrozenClock(datetime(2022, 9, 5, 2, tzinfo=UTC))
    carrier = Broken(auth_token="token", clock=clock, choose=lambda call: "human")
    sid = await carrier.place_call(CALL)
    await carrier.caller.drain()
    assert carrier.failed == 1 and sid in carrier.ended
