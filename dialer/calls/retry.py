"""The campaign's retry policy, as a pure function of a result and the counts so far."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from dialer.campaigns.schemas import RetryPolicy, parse_duration


@dataclass(frozen=True)
class Next:
    """What happens to a target after an attempt: done (with why) or dialled again."""

    state: str  # "done" | "scheduled"
    reason: str | None = None
    at: datetime | None = None


def after_result(
    policy: RetryPolicy,
    result: str,
    *,
    attempts: int,
    counts: Mapping[str, int],
    now: datetime,
) -> Next:
    """The target's next step once an attempt ended with ``result``.

    ``attempts`` counts every dial of the target including this one; ``counts`` the
    results so far including this one. A contacted customer is done (the agent's
    outcome may schedule a callback, through the same rules).
    """
    if result == "contacted":
        return Next("done", "contacted")
    rule = getattr(policy, result)
    if counts.get(result, 0) >= rule.max_attempts:
        return Next("done", f"{result}_limit")
    if attempts >= policy.max_attempts:
        return Next("done", "attempts_used")
    delay = parse_duration(rule.delay)
    if result == "abandoned":
        delay = max(delay, parse_duration(policy.abandon_retry_window))
    return Next("scheduled", at=now + delay)
