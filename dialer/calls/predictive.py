"""Predictive pacing: how many calls to place now so that the expected abandon rate
stays at the campaign's target — a pure function of estimates and the floor's state.

A call placed now reaches a person with probability ``human`` (the campaign's own odds
for the zones and local hours being dialled), and the dialler learns it about
``verdict_seconds`` later (ring time plus answering-machine detection). By then the
agents who can take a person are those free now, those whose after-call work ends
within that horizon, and those on a call that ends and whose after-call work ends
within it. The persons that will want an agent are those waiting on hold now, the
answered calls whose verdict is pending (each a person with ``human_if_answered``), and
the calls ringing plus the ``n`` placed now (each a person with ``human``).

With D that demand (a sum of binomials) and S that supply, the expected number of
persons left without an agent is E[(D − S)⁺]; the largest ``n`` whose E[(D − S)⁺] /
E[D] stays at or under the target is placed. With a target of 0 this is progressive
dialling that looks ahead (never more persons than agents, whatever happens); with more
agents in play the odds even out and it places well beyond one call per free agent —
which is where a predictive dialler's occupancy comes from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# What is assumed before the campaign has called anyone (each a few dozen calls' worth
# of weight, then the campaign's own odds take over: ``blend``).
PRIOR_HUMAN = 0.4
PRIOR_HUMAN_IF_ANSWERED = 0.8
PRIOR_VERDICT_SECONDS = 15.0
PRIOR_TALK_SECONDS = 120.0
PRIOR_WEIGHT = 30.0


@dataclass(frozen=True)
class Estimates:
    """The campaign's customers and agents, as observed (with priors)."""

    human: float  # P(a call placed now reaches a person)
    human_if_answered: float  # P(a person | answered, the verdict pending)
    verdict_seconds: float  # placing a call → knowing a person answered (mean)
    talk_seconds: float  # a person handed to an agent → the call's end (mean)
    wrap_seconds: float  # the agent's after-call work (the campaign's)


@dataclass(frozen=True)
class Floor:
    """The campaign's agents and live calls, now."""

    free: int  # agents free now (leg connected)
    freeing: int  # agents in after-call work that ends within the horizon, to be free
    on_call: int  # agents talking
    ringing: int  # calls placed, not answered yet
    answered: int  # answered, the machine verdict pending
    waiting: int  # persons on hold, waiting for an agent


@dataclass(frozen=True)
class Sizing:
    calls: int  # to place now
    expected_abandon_percent: float  # of the persons expected, with those calls
    supply: float  # agents expected free by the horizon


def blend(seen: float, trials: float, prior: float, weight: float = PRIOR_WEIGHT) -> float:
    """An observed rate pulled toward ``prior`` while there are few trials."""
    return (seen + prior * weight) / (trials + weight)


def supply(estimates: Estimates, floor: Floor) -> float:
    """Agents expected free to take a person when a call placed now gets its verdict."""
    horizon = estimates.verdict_seconds
    on_call_free = 0.0
    if horizon > estimates.wrap_seconds and estimates.talk_seconds > 0:
        # Talk left is taken as memoryless: P(talk ends and after-call work too).
        on_call_free = 1.0 - math.exp(-(horizon - estimates.wrap_seconds) / estimates.talk_seconds)
    return floor.free + floor.freeing + floor.on_call * on_call_free


def _binomial(n: int, p: float) -> list[float]:
    """P(k of n) for k = 0..n."""
    if n == 0:
        return [1.0]
    if p <= 0.0:
        return [1.0] + [0.0] * n
    if p >= 1.0:
        return [0.0] * n + [1.0]
    pmf = [0.0] * (n + 1)
    pmf[0] = (1.0 - p) ** n
    odds = p / (1.0 - p)
    for k in range(1, n + 1):
        pmf[k] = pmf[k - 1] * odds * (n - k + 1) / k
    if pmf[0] == 0.0:  # underflow for a large n: from the logarithms instead
        log_p, log_q = math.log(p), math.log1p(-p)
        pmf = [
            math.exp(
                math.lgamma(n + 1)
                - math.lgamma(k + 1)
                - math.lgamma(n - k + 1)
                + k * log_p
                + (n - k) * log_q
            )
            for k in range(n + 1)
        ]
    return pmf


def _convolve(a: list[float], b: list[float]) -> list[float]:
    out = [0.0] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        if x < 1e-12:
            continue
        for j, y in enumerate(b):
            out[i + j] += x * y
    return out


def shortfall(
    pending: list[float], waiting: int, calls: int, p: float, agents: int
) -> tuple[float, float]:
    """(E[persons without an agent], E[persons]) when ``calls`` ring with odds ``p`` on
    top of the ``pending`` verdicts' distribution and the ``waiting`` persons."""
    demand = _convolve(pending, _binomial(calls, p))
    short = 0.0
    expected = float(waiting)
    for k, weight in enumerate(demand):
        persons = k + waiting
        expected += k * weight
        if persons > agents:
            short += (persons - agents) * weight
    return short, expected


def size(estimates: Estimates, floor: Floor, *, target_percent: float, most: int) -> Sizing:
    """The calls to place now (at most ``most``), the largest number whose expected
    abandon rate stays at or under ``target_percent``."""
    agents_expected = supply(estimates, floor)
    agents = math.floor(agents_expected + 1e-9)
    pending = _binomial(floor.answered, estimates.human_if_answered)
    target = target_percent / 100.0
    ringing = floor.ringing

    def rate(n: int) -> float:
        short, expected = shortfall(pending, floor.waiting, ringing + n, estimates.human, agents)
        return short / expected if expected > 0 else 0.0

    now_rate = rate(0)
    if most <= 0 or now_rate > target:
        return Sizing(0, 100.0 * now_rate, agents_expected)
    # The rate grows with n: the largest n within the target, by bisection.
    low, high = 0, most
    while low < high:
        middle = (low + high + 1) // 2
        if rate(middle) <= target + 1e-12:
            low = middle
        else:
            high = middle - 1
    return Sizing(low, 100.0 * rate(low), agents_expected)


def effective_target(
    target_percent: float,
    limit_percent: float,
    *,
    window_rate_percent: float | None,
    day_rate_percent: float | None,
) -> float:
    """The target to pace at now: the campaign's, lowered as the abandon rate over the
    rolling window or the last 24 hours nears the limit (from half of it), down to 0
    at the limit — the dialler slows down before the cap is breached, not after."""
    rates = [r for r in (window_rate_percent, day_rate_percent) if r is not None]
    if not rates or limit_percent <= 0:
        return target_percent if limit_percent > 0 else 0.0
    risk = max(rates)
    start = limit_percent / 2
    if risk <= start:
        return target_percent
    headroom = max(0.0, (limit_percent - risk) / (limit_percent - start))
    return target_percent * headroom
