"""Tickets and closure requests: what calls set in motion and managers follow up.

A call with a problem records the open ticket the agent found, or opens one after a
solution guide (its mandatory fields checked: each required one filled, the conditional
ones in their case, choices respected, nothing the guide does not ask for), due by the
guide's SLA for the tier the agent confirmed. A call may record several. Managers list
them (overdue ones flagged) and close them.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dialer.campaigns.scripts import Guide, find_script
from dialer.db import Connection, q
from dialer.errors import Conflict, NotFound, ValidationFailed

STATES = ("open", "overdue", "closed", "all")
# The guide's field that holds the customer's tier as the agent confirmed it.
TIER_FIELD = "tier"


class NewTicket(BaseModel):
    model_config = ConfigDict(extra="forbid")
    guide: str = Field(min_length=1, max_length=100)
    fields: dict[str, str]


class TicketForm(BaseModel):
    """An open ticket the agent found (its number), or a new one after a guide."""

    model_config = ConfigDict(extra="forbid")
    existing: str | None = Field(None, min_length=1, max_length=100)
    new: NewTicket | None = None

    @model_validator(mode="after")
    def _one(self) -> TicketForm:
        if (self.existing is None) == (self.new is None):
            raise ValueError("either the existing ticket's number or a new ticket, not both")
        return self


async def open_ticket(
    conn: Connection,
    ticket: TicketForm,
    outcome: Any,
    call: Any,
    now: datetime,
    scripts_dir: Path,
) -> int:
    """A ticket of the call: the open one the agent found, or a new one with the fields
    its guide asks for, due by the guide's SLA (fixed, or by tier: the tier the agent
    confirmed on the call when the guide asks for it, else the list's). Its id."""
    args = (outcome["id"], call["campaign_id"], call["target_id"])
    if ticket.existing is not None:
        return int(
            await conn.fetchval(
                q("insert_ticket"), *args, ticket.existing, None, None, {}, call["tier"], now, None
            )
        )
    assert ticket.new is not None
    guide = load_guide(scripts_dir, ticket.new.guide)
    fields = check_ticket_fields(guide, ticket.new.fields)
    tier = fields.get(TIER_FIELD) or call["tier"]
    hours = guide.sla.fixed_hours
    if hours is None and guide.sla.by_tier is not None:
        hours = guide.sla.by_tier.get(tier)
    due = now + timedelta(hours=hours) if hours is not None else None
    return int(
        await conn.fetchval(
            q("insert_ticket"),
            *args,
            None,
            guide.name,
            guide.category,
            fields,
            tier,
            now,
            due,
        )
    )


@functools.lru_cache(maxsize=32)
def _guide(directory: Path, name: str) -> Guide:
    loaded = find_script(directory, name)
    if loaded.kind != "guide":
        raise ValidationFailed(
            f"{name!r} is a call script, not a solution guide",
            details=[{"field": "ticket.new.guide", "reason": "is not a guide"}],
        )
    return Guide.model_validate(loaded.definition)


def load_guide(directory: Path, name: str) -> Guide:
    """The solution guide ``name``; a 422 on the ticket's guide field when there is none
    (a broken guide file says what is broken in it)."""
    try:
        return _guide(directory, name)
    except NotFound as exc:
        raise ValidationFailed(
            f"no solution guide named {name!r}",
            details=[{"field": "ticket.new.guide", "reason": exc.message}],
        ) from exc


def check_ticket_fields(guide: Guide, given: dict[str, str]) -> dict[str, str]:
    """The guide's mandatory fields: each required one filled (those required only in a
    case — ``required_when`` another field has a value — in that case), choices
    respected, nothing the guide does not ask for."""
    problems = []
    known = {f.key: f for f in guide.mandatory_fields}
    for key in given:
        if key not in known:
            problems.append({"field": f"ticket.new.fields.{key}", "reason": "not in the guide"})
    values = {k: (v or "").strip() for k, v in given.items()}
    out = {}
    for field in guide.mandatory_fields:
        value = values.get(field.key, "")
        where = f"ticket.new.fields.{field.key}"
        if not value:
            when = field.required_when
            if field.required:
                problems.append({"field": where, "reason": f"{field.label}: required"})
            elif when is not None and values.get(when.field) in when.equals:
                condition = f"{known[when.field].label} = {values[when.field]}"
                problems.append(
                    {"field": where, "reason": f"{field.label}: required when {condition}"}
                )
            continue
        if field.choices is not None and value not in field.choices:
            problems.append(
                {"field": where, "reason": f"one of {', '.join(field.choices)}, not {value!r}"}
            )
        out[field.key] = value
    if problems:
        raise ValidationFailed(f"the ticket misses what guide {guide.name} asks", details=problems)
    return out


async def of_campaign(
    conn: Connection, campaign_id: int, *, state: str, limit: int, now: datetime
) -> dict[str, Any]:
    """The campaign's tickets in ``state`` (by deadline, none last), and how many open
    ones are past their deadline whatever the state asked."""
    rows = await conn.fetch(q("campaign_tickets"), campaign_id, now, state, limit)
    overdue = await conn.fetchval(q("overdue_tickets"), campaign_id, now)
    return {"overdue": overdue, "tickets": [dict(r) for r in rows]}


async def close(
    conn: Connection,
    ticket_id: int,
    *,
    now: datetime,
    user_id: int | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Close an open ticket, by whom and with what note; :class:`NotFound` or
    :class:`Conflict` (closed already)."""
    row = await conn.fetchrow(q("close_ticket"), ticket_id, now, user_id, note)
    if row is None:
        if await conn.fetchval(q("ticket_exists"), ticket_id) is None:
            raise NotFound(f"no ticket {ticket_id}")
        raise Conflict(f"ticket {ticket_id} is closed already")
    return dict(row)


async def closure_requests(conn: Connection, campaign_id: int) -> list[dict[str, Any]]:
    """The campaign's closure requests, with the customer's IndiHome number."""
    return [dict(r) for r in await conn.fetch(q("campaign_closure_requests"), campaign_id)]
