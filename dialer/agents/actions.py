"""The actions taken during a call, besides its final disposition (seed 001: caring
goes on into steps 4–10, so one call can hold a ticket and a voucher).

Each action is recorded where it lives — a ticket, a closure request, a follow-up, the
voucher, a transfer, the information given without one — and as a row of ``call_actions`` (kind, the row it made, a detail), which the
reports and the CRM export count and list (migration 0018, with its running count). The
caller owns the transaction; the outcome's own effects (DNC, callback, the voucher) run
first, in :mod:`dialer.agents.outcomes`.

Seed 004: a customer who says the service is cancelled but still owes or still has the
modem (the provider's property, to be returned) gets a follow-up due in the campaign's
``follow_up_hours``; managers list the open ones (overdue flagged) and close them with
what was done.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dialer.agents import tickets
from dialer.campaigns.schemas import CampaignDefinition
from dialer.db import Connection, q
from dialer.errors import Conflict, NotFound
from dialer.vouchers import ledger

if TYPE_CHECKING:
    from dialer.agents.outcomes import OutcomeForm


async def record(
    conn: Connection,
    form: OutcomeForm,
    outcome: Any,
    call: Any,
    definition: CampaignDefinition,
    *,
    now: datetime,
    scripts_dir: Path,
    issued: ledger.Issue | None,
) -> None:
    """The call's actions: what caring and the script's steps set in motion."""
    done: list[tuple[str, int | None, str | None]] = []
    for ticket in form.tickets or ():
        ticket_id = await tickets.open_ticket(conn, ticket, outcome, call, now, scripts_dir)
        detail = ticket.existing or (ticket.new.guide if ticket.new is not None else None)
        done.append(("ticket", ticket_id, detail))
    if form.arrears_paid is not None:
        done.append(("claim_checked", None, "unsettled" if form.claim_unsettled else "settled"))
        if form.claim_unsettled:
            follow_up = await conn.fetchval(
                q("insert_follow_up"),
                outcome["id"],
                call["campaign_id"],
                call["target_id"],
                "claims_cancelled_unsettled",
                form.arrears_paid,
                form.modem_returned,
                now,
                now + timedelta(hours=definition.follow_up_hours),
            )
            done.append(("follow_up", follow_up, "claims_cancelled_unsettled"))
    if form.cancellation == "retained":
        done.append(("retained", None, None))
    elif form.cancellation == "closure_request":
        request = await conn.fetchval(
            q("insert_closure_request"),
            outcome["id"],
            call["campaign_id"],
            call["target_id"],
            form.arrears_settled,
            form.modem_returned,
            now,
        )
        done.append(("closure_request", request, None))
    if issued is not None and issued.new and issued.voucher is not None:
        done.append(("voucher", issued.voucher.get("id"), issued.voucher.get("code")))
    if form.address_valid is False:
        done.append(("address_update", None, None))
    if form.wa_number is not None and form.wa_number != call["msisdn"]:
        done.append(("wa_number", None, None))
    if form.myindihome is not None:
        done.append(("myindihome", None, form.myindihome))
    for kind, ref, detail in done:
        await taken(conn, form.attempt_id, call, kind, ref, detail, now)


async def taken(
    conn: Connection,
    attempt_id: int,
    call: Any,
    kind: str,
    ref: int | None,
    detail: str | None,
    now: datetime,
) -> None:
    """Record one action of call ``attempt_id`` (``call``: its campaign and target)."""
    await conn.execute(
        q("insert_call_action"),
        attempt_id,
        call["campaign_id"],
        call["target_id"],
        kind,
        ref,
        detail,
        now,
    )


async def of_call(conn: Connection, attempt_id: int) -> list[dict[str, Any]]:
    """The actions recorded for call ``attempt_id``, in the order they were taken."""
    return [dict(r) for r in await conn.fetch(q("actions_of_call"), attempt_id)]


async def follow_ups(
    conn: Connection, campaign_id: int, *, state: str, limit: int, now: datetime
) -> dict[str, Any]:
    """The campaign's follow-ups in ``state`` (by deadline), and how many open ones are
    past their deadline whatever the state asked."""
    rows = await conn.fetch(q("campaign_follow_ups"), campaign_id, now, state, limit)
    overdue = await conn.fetchval(q("overdue_follow_ups"), campaign_id, now)
    return {"overdue": overdue, "follow_ups": [dict(r) for r in rows]}


async def close_follow_up(
    conn: Connection, follow_up_id: int, *, user_id: int, resolution: str, now: datetime
) -> dict[str, Any]:
    """Close an open follow-up with what was done; :class:`NotFound`, or
    :class:`Conflict` when it is closed already."""
    row = await conn.fetchrow(q("close_follow_up"), follow_up_id, now, user_id, resolution)
    if row is None:
        if await conn.fetchval(q("follow_up_exists"), follow_up_id) is None:
            raise NotFound(f"no follow-up {follow_up_id}")
        raise Conflict(f"follow-up {follow_up_id} is closed already")
    return dict(row)
