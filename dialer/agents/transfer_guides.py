"""The campaign's transfer guide on the agent's call (seed 003): what the console shows
for each category (the line to say, filled for the customer; the consent words; the log
text), and the record that the customer was informed — a category whose procedure is to
educate them to the app, with its log text and no transfer.

The guide is the version the campaign was applied with (stored by digest with the
scripts), so a guide edited on disk never changes a campaign until it is applied again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dialer.agents import actions
from dialer.campaigns import transfer_guide
from dialer.db import Connection, q
from dialer.errors import Conflict, Forbidden, ValidationFailed


class InformForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    attempt_id: int
    category: str = Field(min_length=1, max_length=40)
    # What the log text of the category asks for (e.g. the area asked about).
    fields: dict[str, str] = Field(default_factory=dict)


async def guide_of(conn: Connection, definition: dict[str, Any]) -> dict[str, Any]:
    """The campaign's transfer guide as applied; a 409 that says why without one."""
    name, digest = definition.get("transfer_guide"), definition.get("transfer_guide_digest")
    if not name or not digest:
        raise Conflict(
            "the campaign has no transfer guide: name one (transfer_guide) and apply it"
            " again; its categories say when a call is transferred"
        )
    row = await conn.fetchrow(q("get_script"), name, digest)
    if row is None:
        raise Conflict(f"transfer guide {name} ({digest}) is not stored: apply the campaign again")
    guide: dict[str, Any] = row["definition"]
    return guide


def category(guide: dict[str, Any], key: str, *, field: str = "category") -> dict[str, Any]:
    """The guide's category ``key``; a 422 that lists them otherwise."""
    found = transfer_guide.category_of(guide, key)
    if found is None:
        known = ", ".join(c["key"] for c in guide["categories"])
        raise ValidationFailed(
            f"no category {key!r} in transfer guide {guide['name']!r}",
            details=[{"field": field, "reason": f"one of: {known}"}],
        )
    return found


async def _held(conn: Connection, agent_id: int, attempt_id: int) -> Any:
    call = await conn.fetchrow(q("outcome_call"), agent_id, attempt_id)
    if call is None:
        raise Forbidden("this is not the call you hold")
    return call


async def for_call(conn: Connection, agent_id: int, attempt_id: int) -> dict[str, Any]:
    """The guide for the call the agent holds, each line filled for its customer, with
    the campaign's destinations per category (example ones flagged)."""
    call = await _held(conn, agent_id, attempt_id)
    guide = await guide_of(conn, call["definition"])
    shown = transfer_guide.for_call(guide, call["name"] or "")
    destinations = call["definition"].get("transfers", [])
    for c in shown["categories"]:
        c["destinations"] = [
            {"key": d["key"], "label": d["label"], "example": bool(d.get("example"))}
            for d in destinations
            if d["category"] == c["key"]
        ]
    return {"attempt_id": attempt_id, "guide": shown}


@dataclass(frozen=True)
class Informed:
    record: dict[str, Any]
    new: bool


async def inform(conn: Connection, form: InformForm, *, agent_id: int, now: datetime) -> Informed:
    """Record that the customer was given the category's information (no transfer), with
    the guide's log text; once per call and category (a repeat finds the first)."""
    await conn.execute(q("lock_agent"), agent_id)
    call = await _held(conn, agent_id, form.attempt_id)
    guide = await guide_of(conn, call["definition"])
    chosen = category(guide, form.category)
    if chosen["procedure"] != "educate":
        raise Conflict(
            f"category {form.category!r} is transferred, not informed: the guide says to"
            " transfer the call (POST /api/agent/transfer) after the customer agrees"
        )
    text = transfer_guide.log_text(chosen, form.fields)
    row = await conn.fetchrow(
        q("insert_informed"),
        form.attempt_id,
        call["campaign_id"],
        call["target_id"],
        agent_id,
        guide["name"],
        chosen["key"],
        text,
        now,
    )
    if row is None:
        first = await conn.fetchrow(q("informed_of_call"), form.attempt_id, chosen["key"])
        assert first is not None
        return Informed(dict(first), new=False)
    await actions.taken(conn, form.attempt_id, call, "informed", row["id"], chosen["key"], now)
    return Informed(dict(row), new=True)


async def of_campaign(conn: Connection, campaign_id: int) -> list[dict[str, Any]]:
    """The campaign's information given without a transfer, with the agent and the
    customer's IndiHome number."""
    return [dict(r) for r in await conn.fetch(q("campaign_informed"), campaign_id)]
