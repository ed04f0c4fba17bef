"""A bill billing reports paid ends its targets as ``already_paid``: nobody is called
about a bill already paid.

Billing reports payments three ways: ``POST /api/payments``, the payments import (HTTP
or ``dialer payments import``) — both recorded by ``payments.record`` — and the billing
API (``DIALER_BILLING__URL``), asked before claimed targets are dialled. Each payment
ends, in the transaction that records it (:func:`settle`), every target for that bill
(same IndiHome number, same bill month) in every campaign not finished, through the
same UPDATE of ``targets`` whose triggers keep the running counts (0014). A target on a
call is left alone: its agent's pop says the bill is paid at once (``CHANNEL``, which
the agents' hub listens on); a target met later — its call ended with a callback, its
list uploaded after the payment, claimed at the very moment — is finished by the claim
itself (``claim_targets``).

Asking the billing API (:func:`check_claimed`) happens inside the claim's transaction,
once per claimed batch: a paid bill's attempt is taken back before anyone sees it and
its payment recorded like any other. A bill the API does not answer for in time is
dialled as before; the caller logs and counts it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dialer.billing.source import BillingSource, Payment
from dialer.db import Connection, q

# Announced with the IndiHome numbers of bills reported paid (JSON list; "*" when too
# many for one notification): the hub re-sends the pop of an agent on such a call.
CHANNEL = "dialer_payments"
NOTIFY_LIMIT = 7000  # bytes: PostgreSQL refuses a payload of 8000 or more

Bill = tuple[str, date]  # (IndiHome number, bill month)


async def settle(conn: Connection, bills: Iterable[Bill]) -> int:
    """End every target of ``bills`` that is not finished nor on a call, in every
    campaign not finished, as ``already_paid``; announce the bills. Targets ended."""
    unique = sorted(set(bills))
    if not unique:
        return 0
    status = await conn.execute(
        q("finish_paid_targets"), [b[0] for b in unique], [b[1] for b in unique]
    )
    numbers = json.dumps(sorted({b[0] for b in unique}))
    await conn.execute(q("notify"), CHANNEL, numbers if len(numbers) < NOTIFY_LIMIT else "*")
    return int(status.split()[-1])


def announced_numbers(payload: str) -> list[str] | None:
    """The IndiHome numbers a ``CHANNEL`` payload names; None for "any"."""
    if payload == "*":
        return None
    numbers = json.loads(payload)
    if not isinstance(numbers, list):
        raise ValueError("not a list of numbers")
    return [str(n) for n in numbers]


@dataclass(frozen=True)
class Checked:
    """What asking billing before dialling gave: the claimed rows still to dial, the
    targets finished instead, and the bills billing did not answer for (dialled)."""

    rows: list[Any]
    finished: int = 0
    unanswered: int = 0
    errors: tuple[str, ...] = field(default=())


async def check_claimed(
    conn: Connection,
    billing: BillingSource,
    campaign_id: int,
    rows: Sequence[Any],
    now: datetime,
) -> Checked:
    """In the claim's transaction: ask ``billing`` about the bills of the claimed
    ``rows`` (attempt ``id``, ``target_id``) in one batch; a paid bill's attempt is taken
    back, its payment recorded and its targets ended (:func:`settle`)."""
    found = await conn.fetch(q("claimed_bills"), campaign_id, [r["target_id"] for r in rows])
    bill_of: dict[int, Bill] = {b["id"]: (b["indihome_number"], b["bill_month"]) for b in found}
    answer = await billing.paid_bills(sorted(set(bill_of.values())), now)
    if not answer.paid:
        return Checked(list(rows), unanswered=answer.unanswered, errors=answer.errors)
    taken = {r["id"] for r in rows if bill_of.get(r["target_id"]) in answer.paid}
    await conn.execute(q("drop_unplaced_attempts"), sorted(taken))
    await record_reported(conn, answer.paid, now)
    finished = await settle(conn, answer.paid)
    return Checked(
        [r for r in rows if r["id"] not in taken],
        finished=finished,
        unanswered=answer.unanswered,
        errors=answer.errors,
    )


async def record_reported(conn: Connection, paid: dict[Bill, Payment], now: datetime) -> None:
    """The billing API's paid bills, kept as payments (source ``billing_api``): the pop,
    "why" and the other campaigns' claims see them like any other."""
    items = sorted(paid.items())
    await conn.execute(
        q("insert_billing_payments"),
        [p.reference or f"billing_api:{n}:{m:%Y-%m}" for (n, m), p in items],
        [n for (n, _), _ in items],
        [m for (_, m), _ in items],
        [p.amount for _, p in items],
        [p.channel for _, p in items],
        [p.paid_at for _, p in items],
        now,
    )
