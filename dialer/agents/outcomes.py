"""What the agent records for a call, and everything it sets in motion, in one
transaction.

One call can hold several results (seed 001: after caring the script goes on with
steps 4–10): the form carries the call's final **disposition** (``code``, one of the
outcome codes of DOMAIN.md: why the call ended) with that code's details, the
**actions** taken during the call — tickets (several), the "claims cancelled" check, the
caring result of a cancellation request (kept, or a closure request) — and what every
call records (HUB PENERIMA, address, service working, myIndiHome, WA number, notes).
So a customer with a problem gets a ticket and can still take the voucher. Validated on
the server: a detail a code needs is required, one that belongs to no code or action
given is refused, each error names its field. Only the agent holding the call may record
it, once: a double submit returns the first outcome.

Effects, with the outcome row: ``do_not_call`` puts the number on the DNC list;
``wrong_number`` marks the number as not this customer's (never dialled again for them,
in any campaign); ``customer_busy`` schedules a callback that the claim treats like any
other (window, holidays, DNC — callbacks never bypass the rules); every other code
finishes the target. Each ticket records the open one found or opens one with the
mandatory fields of its guide, due by its SLA (by the tier the agent confirmed);
a closure request is recorded; an unsettled "claims cancelled" (arrears unpaid or the
modem not returned, seed 004) creates a follow-up with a deadline; ``pays_via_bukalapak``
issues the voucher. Every action is also a row of ``call_actions`` (the reports count
them). The agent then goes to after-call work, and a call still live is hung up after
the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dialer.agents import actions, presence
from dialer.agents.screen_pop import VoucherState
from dialer.agents.tickets import TicketForm
from dialer.campaigns.models import calendar_of, definition_of
from dialer.campaigns.schemas import CampaignDefinition
from dialer.db import Connection, q
from dialer.errors import Forbidden, ValidationFailed
from dialer.rules.phones import mobile_number
from dialer.rules.vocabulary import CHANNEL_CODES, OUTCOME_CODES, OneOf
from dialer.rules.window import window_state
from dialer.vouchers import ledger, outbox

# The details each disposition needs.
NEEDS: dict[str, tuple[str, ...]] = {
    "customer_busy": ("callback_at",),
    "claims_cancelled": ("arrears_paid", "modem_returned"),
    "wants_cancellation": ("cancellation",),
    "wrong_number": ("verified",),
    "has_problem": ("tickets",),
    "pays_via_bukalapak": ("wa_number",),
    "pays_other_channel": ("channel",),
}
DETAILS = (
    "callback_at",
    "arrears_paid",
    "modem_returned",
    "cancellation",
    "arrears_settled",
    "verified",
    "tickets",
    "channel",
)
# The person on the line is not the customer: nothing is done for the customer.
NOT_THE_CUSTOMER = frozenset({"wrong_number", "not_subscriber"})
# Where the script goes on after caring (seed 001 steps 4–10): the dispositions a call
# that had caring can end with, so the actions of caring may come with them.
AFTER_CARING = frozenset(
    {
        "pays_via_bukalapak",
        "pays_other_channel",
        "has_problem",
        "customer_busy",
        "already_paid",
        "do_not_call",
        "claims_cancelled",
        "wants_cancellation",
    }
)
LIVE = ("queued", "dialing", "ringing", "in-progress")
# Outcomes of customers who reached the voucher offer (script step 5): it counts as
# heard if it was open then (quota left, not expired) — the report's "offered".
OFFER_HEARD = frozenset({"pays_via_bukalapak", "pays_other_channel"})
MAX_TICKETS = 5


class OutcomeForm(BaseModel):
    """The outcome form as the console posts it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    attempt_id: int
    code: Annotated[str, OneOf(OUTCOME_CODES, "an outcome code")]
    hub_penerima: str = Field(min_length=1, max_length=100)
    address_valid: bool | None = None
    new_address: str | None = Field(None, min_length=5, max_length=500)
    service_working: bool | None = None
    wa_number: str | None = None
    myindihome: Literal["installed", "guided_install", "web_page", "declined"] | None = None
    notes: str = Field("", max_length=4000)
    # Details, each for its codes (NEEDS), and the actions of caring.
    callback_at: datetime | None = None
    arrears_paid: bool | None = None
    modem_returned: bool | None = None
    cancellation: Literal["retained", "closure_request"] | None = None
    arrears_settled: bool | None = None
    verified: list[Literal["msisdn", "owner_name", "address"]] | None = None
    tickets: list[TicketForm] | None = Field(None, max_length=MAX_TICKETS)
    # One ticket: the same as ``tickets`` with one entry.
    ticket: TicketForm | None = None
    channel: str | None = None

    @field_validator("wa_number")
    @classmethod
    def _wa(cls, value: str | None) -> str | None:
        return None if value is None or value == "" else mobile_number(value, field="wa_number")

    @field_validator("callback_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a zone, e.g. 2022-09-06T10:00:00+08:00")
        if value is not None and not 2000 <= value.year <= 2999:
            raise ValueError("is not a day a customer can be called back on")
        return value

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is not None and value.lower() not in CHANNEL_CODES:
            raise ValueError(f"is not one of {', '.join(CHANNEL_CODES)}")
        return None if value is None else value.lower()

    @model_validator(mode="after")
    def _details(self) -> OutcomeForm:
        problems = []
        if self.ticket is not None:
            if self.tickets is not None:
                problems.append("ticket: give tickets or ticket, not both")
            else:
                self.tickets = [self.ticket]
                self.ticket = None
        if self.tickets == []:
            self.tickets = None
        needed = set(NEEDS.get(self.code, ()))
        allowed = set(needed)
        if self.code not in NOT_THE_CUSTOMER:
            allowed.add("tickets")
        if self.code in AFTER_CARING:
            # The "claims cancelled" check and a request to cancel, each followed by
            # caring, then the script goes on.
            allowed |= {"arrears_paid", "modem_returned", "cancellation"}
        if self.arrears_paid is not None:
            needed.add("modem_returned")
        if self.cancellation == "closure_request":
            needed |= {"arrears_settled", "modem_returned"}
            allowed |= {"arrears_settled", "modem_returned"}
            if self.code != "wants_cancellation":
                problems.append(
                    "cancellation: a closure request ends the call as wants_cancellation"
                )
        for name in DETAILS:
            given = getattr(self, name) is not None
            if name in needed and not given:
                problems.append(f"{name}: required for {self.code}")
            if given and name not in allowed and name not in needed:
                problems.append(f"{name}: does not belong to {self.code}")
        if self.code == "pays_via_bukalapak" and self.wa_number is None:
            problems.append("wa_number: required for pays_via_bukalapak (the confirmed WA number)")
        if self.code == "wrong_number" and self.verified is not None:
            missing = {"msisdn", "owner_name", "address"} - set(self.verified)
            if missing:
                problems.append(
                    "verified: check the number, the owner's name and the address first"
                    f" (not yet: {', '.join(sorted(missing))})"
                )
        if self.address_valid is False and not self.new_address:
            problems.append("new_address: required when the address on file is not valid")
        if self.address_valid is not False and self.new_address:
            problems.append("new_address: only when the address on file is not valid")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def claim_unsettled(self) -> bool:
        """The customer says the service is cancelled, but still owes or has the modem."""
        return self.arrears_paid is not None and not (self.arrears_paid and self.modem_returned)


@dataclass(frozen=True)
class Recorded:
    outcome: dict[str, Any]
    new: bool
    hangup: str | None = None
    voucher: dict[str, Any] | None = None  # pays_via_bukalapak: issued, or why not


async def record(
    conn: Connection,
    form: OutcomeForm,
    *,
    agent_id: int,
    now: datetime,
    scripts_dir: Path,
) -> Recorded:
    """Record the outcome of the call ``agent_id`` holds, with its effects (the caller
    owns the transaction). Returns it, and the call to hang up after the commit."""
    # One submit at a time per agent: a double submit waits here, then finds the first.
    await conn.execute(q("lock_agent"), agent_id)
    existing = await conn.fetchrow(q("outcome_of_attempt"), form.attempt_id)
    if existing is not None:
        if existing["agent_id"] != agent_id:
            raise Forbidden("this call is not yours")
        return Recorded(_to_json(existing), new=False, voucher=await _voucher_of(conn, existing))
    call = await conn.fetchrow(q("outcome_call"), agent_id, form.attempt_id)
    if call is None:
        raise Forbidden("you can record an outcome only for the call you hold")
    definition = definition_of(call["definition"])
    details = _details(form)
    if form.code == "customer_busy":
        details |= _callback(form, definition, call, now)
    row = await conn.fetchrow(
        q("insert_outcome"),
        form.attempt_id,
        call["campaign_id"],
        call["target_id"],
        agent_id,
        form.code,
        details,
        form.hub_penerima,
        form.address_valid,
        form.new_address,
        form.service_working,
        form.wa_number,
        form.myindihome,
        form.notes,
        now,
        form.code in OFFER_HEARD
        and VoucherState(
            quota=definition.voucher.quota,
            issued=call["vouchers_counted"],
            expires_at=definition.voucher.expires,
            partner=definition.voucher.partner,
        ).available(now),
    )
    assert row is not None
    issued = await _effects(conn, form, row, call, definition, now)
    await actions.record(
        conn, form, row, call, definition, now=now, scripts_dir=scripts_dir, issued=issued
    )
    await presence.wrap_up(conn, agent_id, now=now, seconds=definition.wrap_up_seconds)
    hangup = call["call_sid"] if call["call_state"] in LIVE else None
    voucher = issued.to_json() if issued is not None else None
    return Recorded(_to_json(row), new=True, hangup=hangup, voucher=voucher)


async def _voucher_of(conn: Connection, outcome: Any) -> dict[str, Any] | None:
    """A repeated submit's answer about the voucher: the one the first submit issued."""
    if outcome["code"] != "pays_via_bukalapak":
        return None
    found = await conn.fetchrow(
        q("voucher_of_target"), outcome["campaign_id"], outcome["target_id"]
    )
    if found is None:
        return {
            "issued": False,
            "reason": "not_issued",
            "message": "Tidak ada voucher yang diterbitkan.",
        }
    return {"issued": True, "new": False, "voucher": dict(found)}


def _details(form: OutcomeForm) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in DETAILS:
        value = getattr(form, name)
        if isinstance(value, list):
            out[name] = [v.model_dump() if isinstance(v, BaseModel) else v for v in value]
        elif value is not None:
            out[name] = value.model_dump() if isinstance(value, BaseModel) else value
    if "callback_at" in out:
        out["callback_at"] = form.callback_at.isoformat() if form.callback_at else None
    return out


def _callback(
    form: OutcomeForm, definition: CampaignDefinition, call: Any, now: datetime
) -> dict[str, Any]:
    """A callback in the future and inside the campaign's period; when the calling window
    is closed at that time, the customer is called at its next opening."""
    at = form.callback_at
    assert at is not None
    if at <= now:
        raise ValidationFailed(
            "the callback time has passed",
            details=[{"field": "callback_at", "reason": "must be in the future"}],
        )
    calendar = calendar_of(definition)
    window = window_state(calendar, call["zone"], at)
    if not window.open and (window.reason == "after_period" or window.next_open is None):
        raise ValidationFailed(
            "the callback falls after the campaign",
            details=[{"field": "callback_at", "reason": window.message}],
        )
    if window.open or window.next_open is None:
        return {}
    return {"called_from": window.next_open.isoformat()}


async def _effects(
    conn: Connection,
    form: OutcomeForm,
    outcome: Any,
    call: Any,
    definition: CampaignDefinition,
    now: datetime,
) -> ledger.Issue | None:
    """The disposition's effects; for pays_via_bukalapak, the voucher issued or why not."""
    campaign_id, target_id = call["campaign_id"], call["target_id"]
    if form.code == "customer_busy":
        assert form.callback_at is not None
        await conn.execute(q("target_callback"), campaign_id, target_id, form.callback_at)
        return None
    await conn.execute(q("target_finished"), campaign_id, target_id, form.code)
    if form.code == "do_not_call":
        await conn.execute(
            q("add_dnc"),
            call["msisdn"],
            "asked on a call",
            "outcome",
            f"agent:{outcome['agent_id']}",
        )
    elif form.code == "wrong_number":
        await conn.execute(
            q("add_wrong_number"), call["msisdn"], call["indihome_number"], outcome["id"], now
        )
    elif form.code == "pays_via_bukalapak":
        assert form.wa_number is not None
        voucher = definition.voucher.model_dump(mode="json")
        # The code goes out over WhatsApp after the commit (the outbox).
        message = outbox.draft(
            definition.whatsapp.model_dump(mode="json"),
            call,
            datetime.fromisoformat(str(voucher["expires"])),
        )
        issued = await ledger.issue(
            conn,
            campaign_id=campaign_id,
            voucher=voucher,
            target_id=target_id,
            outcome_id=outcome["id"],
            agent_id=outcome["agent_id"],
            wa_number=form.wa_number,
            now=now,
            message=message,
        )
        if issued.new:
            # The quota left changed: every console of the campaign shows it (and hides
            # the offer when none is left).
            await ledger.announce(conn, campaign_id)
        return issued
    return None


def _to_json(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "attempt_id": row["attempt_id"],
        "code": row["code"],
        "details": row["details"],
        "hub_penerima": row["hub_penerima"],
        "address_valid": row["address_valid"],
        "new_address": row["new_address"],
        "service_working": row["service_working"],
        "wa_number": row["wa_number"],
        "myindihome": row["myindihome"],
        "notes": row["notes"],
        "recorded_at": row["recorded_at"],
    }
