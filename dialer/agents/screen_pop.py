"""The screen-pop: the campaign's whole call script, filled in for the customer on the
line, with the figures the agent needs beside it.

``render`` is pure: the script's steps with every placeholder filled (greeting by the
**customer's** local time, names, the bill month in Indonesian, ``Rp 350.000``, due
date, penalty today and the schedule by date, minipack, voucher quota left and expiry,
the channels paid with lately, the WA number), each step marked shown or not. Step 5
(the voucher offer) and step 9 (its delivery) are hidden once the quota is used up or
the voucher has expired; consoles are told at once when that happens during a call
(``voucher_changed``) and hide them themselves at the expiry instant.

``Pops.build`` gathers the inputs: the call's row (with the campaign's voucher count and
when the list came), the script as applied with the campaign and the campaign's
definition (both kept by the node: by digest, by version), and the bill from the
``BillingSource`` (which says where its figures come from and when).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from aiohttp import web

from dialer.agents import script_fit
from dialer.billing.source import Bill, BillingSource, Customer
from dialer.clock import Clock
from dialer.db import Connection, q
from dialer.rules import bahasa
from dialer.rules.money import format_rupiah
from dialer.rules.penalty import Line, NoPenaltyRule, Penalty, lines, minipack, quote
from dialer.rules.zones import zone_info

# Steps that exist only while a voucher can be offered.
VOUCHER_STEPS = frozenset({"voucher_available", "accepted_bukalapak"})


@dataclass(frozen=True)
class VoucherState:
    quota: int
    issued: int
    expires_at: datetime
    partner: str

    @property
    def left(self) -> int:
        return max(self.quota - self.issued, 0)

    def available(self, now: datetime) -> bool:
        return self.left > 0 and now < self.expires_at

    def to_json(self, now: datetime) -> dict[str, Any]:
        return {
            "quota": self.quota,
            "issued": self.issued,
            "left": self.left,
            "expires_at": self.expires_at,
            "partner": self.partner,
            "available": self.available(now),
            "reason": None
            if self.available(now)
            else ("expired" if now >= self.expires_at else "quota_used_up"),
        }


# ------------------------------------------------------------------------- the text


def _schedule(schedule: list[Line], language: str) -> str:
    free, fined = ("tanpa denda", "denda") if language == "id" else ("no penalty", "penalty")
    parts = []
    for line in schedule:
        cost = free if line.penalty == 0 else f"{fined} {format_rupiah(line.penalty)}"
        parts.append(f"{line.dates(language)}: {cost}")
    return "; ".join(parts)


@dataclass(frozen=True)
class Facts:
    """Everything a pop is made of."""

    script: dict[str, Any]
    penalty: Penalty
    product: str
    agent_name: str
    customer: dict[str, Any]  # name, indihome_number, msisdn, wa_number, address, zone, …
    bill: Bill
    voucher: VoucherState
    greeting_hours: bahasa.GreetingHours
    now: datetime
    consent: str | None = None  # the campaign records its calls: the opening says so
    language: str = "id"  # the pages' (ui.language): the figures beside the script


def penalty_today(facts: Facts) -> dict[str, Any]:
    """The penalty if the customer pays today (their local date), and the schedule: the
    texts in the pages' language, and (``script_*``) in the script's, for its notes."""
    bill, zone = facts.bill, facts.customer["zone"]
    today = facts.now.astimezone(zone_info(zone)).date()
    schedule = lines(facts.penalty, facts.product, bill.amount, bill.bill_month)
    languages = {"": facts.language, "script_": facts.script.get("language", "id")}
    out: dict[str, Any] = {
        "today": today,
        "schedule": [
            line.to_json(bill.amount, facts.language)
            | {"text": line.rule(bill.amount, facts.language)}
            for line in schedule
        ],
        "due": bill.bill_month.replace(day=facts.penalty.due_day),
        "minipack": minipack(facts.penalty, bill.bill_month, today),
        "minipack_before": None
        if facts.penalty.minipack_before_day is None
        else bill.bill_month.replace(day=facts.penalty.minipack_before_day),
    }
    for prefix, language in languages.items():
        out[f"{prefix}schedule_text"] = _schedule(schedule, language)
        try:
            found = quote(
                facts.penalty, facts.product, bill.amount, bill.bill_month, today, language
            )
        except NoPenaltyRule as exc:
            out |= {
                "penalty": None,
                "to_pay": None,
                f"{prefix}rule": exc.rule_text(language),
                f"{prefix}text": "tidak ada ketentuan" if language == "id" else "no rule",
            }
            continue
        out |= {
            "penalty": found.penalty,
            "to_pay": found.penalty + bill.amount,
            f"{prefix}rule": found.rule,
            f"{prefix}text": format_rupiah(found.penalty),
        }
    return out


def values(facts: Facts, penalty: dict[str, Any]) -> dict[str, str]:
    """Every placeholder of a call script, filled."""
    customer, bill, voucher = facts.customer, facts.bill, facts.voucher
    zone = customer["zone"]
    greeting = bahasa.greeting(facts.now, zone, facts.greeting_hours)
    minipack_before: date | None = penalty["minipack_before"]
    others = script_fit.others(facts.script.get("suggested_channels") or [], bill.channels)
    return {
        "greeting": greeting,
        "closing_greeting": f"Selamat {greeting}",
        "agent_name": facts.agent_name,
        "customer_name": customer["name"],
        "indihome_number": customer["indihome_number"],
        "address": customer["address"] or "(alamat tidak tercatat)",
        "bill_month": bahasa.month(bill.bill_month),
        "bill_amount": format_rupiah(bill.amount),
        "due_date": bahasa.tanggal(penalty["due"]),
        "penalty_today": penalty["script_text"],
        "total_today": format_rupiah(penalty["to_pay"]) if penalty["to_pay"] is not None else "—",
        "penalty_rule": penalty["script_rule"],
        "penalty_schedule": penalty["script_schedule_text"],
        "minipack_deadline": bahasa.tanggal(minipack_before) if minipack_before else "—",
        "voucher_quota": str(voucher.quota),
        "voucher_quota_left": str(voucher.left),
        # The campaign's date as written, in every zone (enforcement stays at the instant).
        "voucher_expiry": bahasa.stated_date(voucher.expires_at),
        # Read aloud only where a variant knows there is one (payment_history).
        "payment_channels": ", ".join(bill.channels) or "belum ada riwayat pembayaran",
        "other_channels": ", ".join(others) or "channel lain",
        "wa_number": bahasa.phone(customer["wa_number"])
        if customer["wa_number"]
        else "(belum tercatat)",
        "msisdn": bahasa.phone(customer["msisdn"]),
    }


def render_steps(
    script: dict[str, Any],
    filled: dict[str, str],
    voucher_available: bool,
    holds: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """The script's steps, their text filled (each step's line the variant that fits:
    ``holds`` are the conditions true for the customer), each marked ``shown``."""
    steps = []
    for step in script["steps"]:
        shown = voucher_available or step["shown_when"] not in VOUCHER_STEPS
        agent, variant = script_fit.pick(step, holds)
        steps.append(
            {
                "key": step["key"],
                "number": step["number"],
                "title": step["title"],
                "agent": agent.format_map(filled),
                "variant": variant,
                "customer": step["customer"],
                "notes": [n.format_map(filled) for n in step["notes"]],
                "records": step["records"],
                "shown_when": step["shown_when"],
                "shown": shown,
                "branches": [
                    b
                    | {
                        "say": b["say"].format_map(filled) if b["say"] else None,
                        "notes": [n.format_map(filled) for n in b.get("notes", ())],
                    }
                    for b in step["branches"]
                ],
            }
        )
    return steps


def alerts(facts: Facts) -> list[str]:
    """What the agent must know before speaking."""
    out = []
    paid = facts.bill.paid
    if paid is not None:
        via = f" via {paid.channel}" if paid.channel else ""
        out.append(
            f"Tagihan {bahasa.month(facts.bill.bill_month)} SUDAH DIBAYAR"
            f" {bahasa.moment(paid.paid_at, facts.customer['zone'])}{via}"
            f" ({format_rupiah(paid.amount)})."
        )
    if not facts.voucher.available(facts.now):
        reason = (
            "sudah kedaluwarsa" if facts.now >= facts.voucher.expires_at else "kuota sudah habis"
        )
        out.append(f"Voucher {facts.voucher.partner} tidak ditawarkan: {reason}.")
    out += facts.bill.notes
    return out


def render(facts: Facts) -> dict[str, Any]:
    """The pop's script and figures (pure)."""
    penalty = penalty_today(facts)
    filled = values(facts, penalty)
    available = facts.voucher.available(facts.now)
    holds = script_fit.conditions(
        today=penalty["today"],
        bill_month=facts.bill.bill_month,
        due_day=facts.penalty.due_day,
        minipack=penalty["minipack"],
        penalty=penalty["penalty"],
        channels=facts.bill.channels,
        address=facts.customer["address"],
    )
    steps = render_steps(facts.script, filled, available, holds)
    if facts.consent and steps:
        steps[0] = steps[0] | {"agent": f"{steps[0]['agent']}\n{facts.consent}"}
    return {
        "greeting": filled["greeting"],
        "local_time": facts.now.astimezone(zone_info(facts.customer["zone"])),
        "bill": facts.bill.to_json()
        | {"text": filled["bill_amount"], "month_text": filled["bill_month"]},
        "penalty": penalty,
        "voucher": facts.voucher.to_json(facts.now),
        "alerts": alerts(facts),
        "script": {
            "name": facts.script["name"],
            "title": facts.script["title"],
            "steps": steps,
        },
        "recorded": facts.consent is not None,
    }


# ------------------------------------------------------------------ from the database


@dataclass(frozen=True)
class CampaignView:
    """What pops need of a campaign's definition, read and checked once a version."""

    definition: dict[str, Any]
    penalty: Penalty
    transfers: list[dict[str, Any]]
    quota: int
    expires_at: datetime
    partner: str

    @classmethod
    def of(cls, definition: dict[str, Any]) -> CampaignView:
        voucher = definition["voucher"]
        return cls(
            definition=definition,
            penalty=Penalty.model_validate(definition["penalty"]),
            transfers=[
                {k: d[k] for k in ("key", "label", "category")}
                for d in definition.get("transfers", [])
            ],
            quota=int(voucher["quota"]),
            expires_at=datetime.fromisoformat(voucher["expires"]),
            partner=str(voucher.get("partner", "Bukalapak")),
        )


class Pops:
    """Builds pops on this node: the billing source, greeting hours and clock it uses,
    the scripts as applied (immutable by digest) and the campaigns' definitions (by
    version: a change makes a new one), each kept once read."""

    def __init__(
        self,
        billing: BillingSource,
        hours: bahasa.GreetingHours,
        clock: Clock,
        language: str = "id",
    ) -> None:
        self.billing = billing
        self.hours = hours
        self.clock = clock
        self.language = language
        self._scripts: dict[tuple[str, str], dict[str, Any]] = {}
        self._campaigns: dict[int, tuple[int, CampaignView]] = {}

    async def script(self, conn: Connection, name: str, digest: str) -> dict[str, Any]:
        key = (name, digest)
        if key not in self._scripts:
            row = await conn.fetchrow(q("get_script"), name, digest)
            if row is None:
                raise LookupError(f"script {name} ({digest}) is not stored")
            self._scripts[key] = row["definition"]
        return self._scripts[key]

    async def campaign(self, conn: Connection, campaign_id: int, version: int) -> CampaignView:
        """The campaign's definition at ``version`` or later (one that changed since the
        call's row was read is as good: the pop shows what holds now)."""
        kept = self._campaigns.get(campaign_id)
        if kept is not None and kept[0] >= version:
            return kept[1]
        row = await conn.fetchrow(q("campaign_version"), campaign_id)
        if row is None:
            raise LookupError(f"campaign {campaign_id} is not stored")
        view = CampaignView.of(row["definition"])
        self._campaigns[campaign_id] = (row["version"], view)
        return view

    async def build(self, conn: Connection, row: Any) -> dict[str, Any]:
        """The pop of one call row (``agent_call``)."""
        campaign = await self.campaign(conn, row["campaign_id"], row["version"])
        definition = campaign.definition
        now = self.clock()
        customer = Customer(
            campaign_id=row["campaign_id"],
            target_id=row["target_id"],
            indihome_number=row["indihome_number"],
            bill_month=row["bill_month"],
            bill_amount=row["bill_amount"],
            payment_channels=tuple(row["payment_channels"] or ()),
            list_as_of=row["list_as_of"],
        )
        facts = Facts(
            script=await self.script(conn, definition["script"], definition["script_digest"]),
            penalty=campaign.penalty,
            product=row["product"] or definition["product"],
            agent_name=row["agent_name"],
            customer={
                k: row[k]
                for k in ("name", "indihome_number", "msisdn", "wa_number", "address", "zone")
            },
            bill=await self.billing.bill(conn, customer, now),
            voucher=VoucherState(
                quota=campaign.quota,
                issued=int(row["vouchers_counted"]),
                expires_at=campaign.expires_at,
                partner=campaign.partner,
            ),
            greeting_hours=self.hours,
            now=now,
            consent=_consent(definition.get("voice") or {}),
            language=self.language,
        )
        return render(facts) | {"now": now, "transfers": campaign.transfers}


def _consent(voice: dict[str, Any]) -> str | None:
    """The consent line the opening gains when the campaign records its calls."""
    return str(voice.get("consent_line") or "") or None if voice.get("record") else None


POPS = web.AppKey("pops", Pops)
