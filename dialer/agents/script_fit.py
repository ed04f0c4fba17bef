"""Which of a step's variants fits the customer on the line (pure).

A call script's step may carry ``variants: [{when, agent}]`` (``campaigns/scripts.py``
checks every ``when`` against ``CONDITIONS`` when the script is applied): the due-date
step reads differently on the 10th of the bill's month N, after the 20th, in month N+1
or later; step 6 names the customer's own channel only when one is known. The dates are
the customer's local dates.
"""

from __future__ import annotations

from datetime import date
from typing import Any


def conditions(
    *,
    today: date,
    bill_month: date,
    due_day: int,
    minipack: bool,
    penalty: int | None,
    channels: tuple[str, ...] | list[str],
    address: str | None,
) -> frozenset[str]:
    """The conditions (``scripts.CONDITIONS``) that hold for this customer today."""
    months = (today.year * 12 + today.month) - (bill_month.year * 12 + bill_month.month)
    holds = {
        "minipack": minipack,
        "until_due": months == 0 and today.day <= due_day,
        "overdue": months == 0 and today.day > due_day,
        "next_month": months == 1,
        "later": months >= 2,
        "no_penalty_rule": penalty is None,
        "payment_history": bool(channels),
        "no_payment_history": not channels,
        "address_on_file": bool(address),
        "no_address": not address,
    }
    return frozenset(name for name, held in holds.items() if held)


def pick(step: dict[str, Any], holds: frozenset[str]) -> tuple[str, str | None]:
    """The agent's line for ``step``: its first variant whose condition (or every one
    of its list) holds, and that condition as written, ``+``-joined (None: the step's
    own line)."""
    for variant in step.get("variants") or ():
        when = variant["when"]
        whens = [when] if isinstance(when, str) else list(when)
        if holds.issuperset(whens):
            return variant["agent"], "+".join(whens)
    return step["agent"], None


def others(suggested: list[str], used: tuple[str, ...] | list[str]) -> list[str]:
    """The channels to suggest less those the customer already uses (``LinkAja`` and
    ``Link Aja`` are one channel)."""

    def key(name: str) -> str:
        return "".join(ch for ch in name.lower() if ch.isalnum())

    taken = {key(name) for name in used}
    return [name for name in suggested if key(name) not in taken]
