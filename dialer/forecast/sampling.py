"""Random draws the simulation needs, with no dependency beyond ``random``: binomial and
multinomial counts (exact while small, the normal approximation beyond), a Dirichlet,
and a count rounded up with the chance of its fraction."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence


def binomial(rnd: random.Random, n: int, p: float) -> int:
    """A binomial draw: exact (inverting its distribution) while the variance is small,
    the normal approximation beyond (variance at least 9)."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    if p > 0.5:
        return n - binomial(rnd, n, 1.0 - p)
    q = 1.0 - p
    if n * p * q >= 9.0:
        drawn = round(rnd.gauss(n * p, math.sqrt(n * p * q)))
        return min(n, max(0, drawn))
    # n·p < 18 here, so q**n stays far from underflow.
    u, k = rnd.random(), 0
    pmf = q**n
    cdf, ratio = pmf, p / q
    while u > cdf and k < n:
        pmf *= ratio * (n - k) / (k + 1)
        k += 1
        cdf += pmf
    return k


def multinomial(rnd: random.Random, n: int, probs: tuple[float, ...]) -> list[int]:
    """``n`` split by ``probs`` (summing to 1): one draw each for a few, successive
    binomials for more."""
    out = [0] * len(probs)
    if n <= 6:
        last = len(probs) - 1
        for _ in range(n):
            u = rnd.random()
            for i, p in enumerate(probs):
                u -= p
                if u < 0.0 or i == last:
                    out[i] += 1
                    break
        return out
    left, mass = n, 1.0
    for i, p in enumerate(probs):
        if left <= 0:
            break
        if i == len(probs) - 1 or mass <= p:
            out[i] = left
            break
        k = binomial(rnd, left, p / mass)
        out[i] = k
        left -= k
        mass -= p
    return out


def stochastic_round(rnd: random.Random, x: float) -> int:
    """``x`` rounded up with the chance of its fraction (so many small steps add up)."""
    whole = math.floor(x)
    return whole + (1 if rnd.random() < x - whole else 0)


def dirichlet(rnd: random.Random, alphas: Sequence[float]) -> tuple[float, ...]:
    """A draw of a Dirichlet with ``alphas`` (each above 0, or 0 for a share that is 0)."""
    draws = [rnd.gammavariate(a, 1.0) if a > 0 else 0.0 for a in alphas]
    total = sum(draws)
    return tuple(d / total for d in draws)
