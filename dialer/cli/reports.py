"""What the command line reads out: ``dialer report``, ``dialer export attempts |
vouchers | crm`` and ``dialer penalty``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from dialer.calls.export import export_attempts
from dialer.calls.progress import campaign_progress
from dialer.campaigns import service as campaigns
from dialer.cli.database import connection
from dialer.cli.output import out, out_json
from dialer.clock import system_clock
from dialer.db import Connection
from dialer.errors import BadRequest
from dialer.reports import calls, crm, vouchers
from dialer.rules.money import AmountError, format_rupiah, parse_rupiah
from dialer.rules.penalty import SEED_PENALTY, parse_bill_month, quote
from dialer.rules.zones import ZONE_NAMES
from dialer.settings import Settings
from dialer.vouchers.export import export_vouchers

Export = Callable[[Connection, int], AsyncIterator[str]]
EXPORTS: dict[str, tuple[str, Export]] = {
    "attempts": ("every attempt of a campaign as CSV", export_attempts),
    "vouchers": ("every voucher of a campaign as CSV", export_vouchers),
    "crm": ("every call that reached an agent, with what they recorded, as CSV", crm.export_crm),
}


def add(sub: Any) -> None:
    report = sub.add_parser(
        "report", help="a campaign's report: progress, outcomes, agents, vouchers"
    )
    report.add_argument("campaign")
    report.add_argument("--zone", default="WIB", choices=ZONE_NAMES)
    report.add_argument("--customers", type=int, default=100, help="customers listed (JSON)")
    report.add_argument("--json", action="store_true")
    report.set_defaults(func=cmd_report)

    export = sub.add_parser("export", help="CSV exports").add_subparsers(
        dest="action", required=True
    )
    for name, (what, chunks) in EXPORTS.items():
        p = export.add_parser(name, help=what)
        p.add_argument("campaign")
        p.add_argument("--output", "-o", type=Path, help="a file (default: standard output)")
        p.set_defaults(func=cmd_export, chunks=chunks)

    penalty = sub.add_parser(
        "penalty", help="the late-payment penalty for paying a bill on a given day"
    )
    penalty.add_argument("--product", required=True, help="internet or telephone")
    penalty.add_argument("--total", required=True, help="the bill total in rupiah: 350000")
    penalty.add_argument("--bill-month", required=True, help="the bill's month: 2022-09")
    penalty.add_argument("--paid-on", required=True, help="the local payment date: 2022-09-21")
    penalty.add_argument(
        "--campaign", help="use this campaign's schedule (default: the seed's, no database)"
    )
    penalty.add_argument("--json", action="store_true")
    penalty.set_defaults(func=cmd_penalty)


async def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    now = system_clock()
    async with connection(settings) as conn:
        campaign = await campaigns.get(conn, args.campaign)
        progress = await campaign_progress(
            conn,
            campaign,
            now=now,
            abandon_window=timedelta(minutes=settings.pacing.abandon_window_minutes),
        )
        report = await vouchers.voucher_report(
            conn,
            campaign,
            now=now,
            zone=args.zone,
            customers=vouchers.Page(limit=max(args.customers, 0)),
        )
        outcomes = await calls.outcome_report(conn, campaign, now=now)
        agents = await calls.agent_report(conn, campaign, now=now)
    if args.json:
        out_json({"campaign": progress, "vouchers": report, "outcomes": outcomes, "agents": agents})
        return 0
    _print_report(
        campaign.name, campaign.state, progress, report, outcomes, agents, settings.ui.language
    )
    return 0


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


# The report's words: Indonesian by default, English with DIALER_UI__LANGUAGE=en.
WORDS = {
    "id": {
        "head": "{name} ({state}): {targets} target, {calls} panggilan",
        "contact_rate": "tingkat kontak",
        "abandon_rate": "tingkat ditinggalkan",
        "outcomes": "hasil",
        "actions": "tindakan selama panggilan",
        "quota": "voucher {taken} dari {quota} terpakai, sisa {left}",
        "redemption": "tingkat penukaran {rate}, median {hours} jam dari panggilan ke penukaran",
        "flagged": "{n} penukaran ditandai (--json mencantumkannya)",
        "agent": (
            "agen {username}: {calls} panggilan, {minutes} menit bicara, {outcomes} hasil,"
            " {vouchers} voucher"
        ),
    },
    "en": {
        "head": "{name} ({state}): {targets} targets, {calls} calls",
        "contact_rate": "contact rate",
        "abandon_rate": "abandon rate",
        "outcomes": "outcomes",
        "actions": "actions during calls",
        "quota": "vouchers {taken} of {quota} taken, {left} left",
        "redemption": "redemption rate {rate}, median {hours} h from the call to redemption",
        "flagged": "{n} redemptions flagged (--json lists them)",
        "agent": (
            "agent {username}: {calls} calls, {minutes} min talking, {outcomes} outcomes,"
            " {vouchers} vouchers"
        ),
    },
}


def _print_report(
    name: str,
    state: str,
    progress: dict[str, Any],
    report: dict[str, Any],
    outcomes: dict[str, Any],
    agents: dict[str, Any],
    language: str,
) -> None:
    words = WORDS["en" if language == "en" else "id"]
    totals, quota = report["totals"], report["quota"]
    targets, attempts = progress["targets"], progress["attempts"]
    out(
        words["head"].format(
            name=name, state=state, targets=targets["total"], calls=attempts["total"]
        )
    )
    rates = (
        (words["contact_rate"], outcomes["calls"]["contact_rate"]),
        (words["abandon_rate"], outcomes["calls"]["abandon_rate"]),
    )
    out("  " + ", ".join(f"{n} {_rate(r)}" for n, r in rates))
    by_code = outcomes["outcomes"]["by_code"]
    if by_code:
        out(f"  {words['outcomes']}: " + ", ".join(f"{code} {n}" for code, n in by_code.items()))
    by_kind = outcomes["actions"]["by_kind"]
    if by_kind:
        out(f"  {words['actions']}: " + ", ".join(f"{kind} {n}" for kind, n in by_kind.items()))
    out("  " + words["quota"].format(**quota))
    out("  " + ", ".join(f"{step} {totals[step]}" for step in vouchers.STEPS))
    hours = totals["median_hours_to_redemption"] or "-"
    out("  " + words["redemption"].format(rate=_rate(totals["redemption_rate"]), hours=hours))
    for day in report["days"]:
        out(f"  {day['day']}: " + ", ".join(f"{s} {day[s]}" for s in vouchers.STEPS if day[s]))
    if report["flagged"]["total"]:
        out("  " + words["flagged"].format(n=report["flagged"]["total"]))
    for agent in agents["agents"]:
        line = words["agent"].format(
            username=agent["username"],
            calls=agent["calls"],
            minutes=agent["talk_seconds"] // 60,
            outcomes=agent["outcomes"],
            vouchers=agent["vouchers"],
        )
        out(f"  {line}")


async def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write a campaign's CSV export to ``--output`` or standard output."""
    chunks: Export = args.chunks
    async with connection(settings) as conn:
        campaign = await campaigns.get(conn, args.campaign)
        output = args.output.open("w", encoding="utf-8", newline="") if args.output else sys.stdout
        try:
            async for chunk in chunks(conn, campaign.id):
                output.write(chunk)
        finally:
            if args.output:
                output.close()
    return 0


async def cmd_penalty(args: argparse.Namespace, settings: Settings) -> int:
    """The penalty for paying a bill on a day, by the seed's schedule or a campaign's."""
    try:
        total = parse_rupiah(args.total)
    except AmountError as exc:
        raise BadRequest(f"--total {args.total!r} {exc}") from exc
    try:
        paid_on = date.fromisoformat(args.paid_on)
    except ValueError as exc:
        raise BadRequest(f"--paid-on {args.paid_on!r} is not a date like 2022-09-21") from exc
    schedule = SEED_PENALTY
    if args.campaign:
        async with connection(settings) as conn:
            schedule = (await campaigns.get(conn, args.campaign)).spec().penalty
    language = settings.ui.language  # the rule and the labels: Indonesian unless en
    bill_month = parse_bill_month(args.bill_month)
    found = quote(schedule, args.product, total, bill_month, paid_on, language)
    if args.json:
        out_json({"penalty": found.penalty, "rule": found.rule, "minipack": found.minipack})
    else:
        label = PENALTY_LABELS[language]
        out(f"{label['penalty']}: {format_rupiah(found.penalty)} ({found.rule})")
        out(f"{label['to_pay']}: {format_rupiah(found.total + found.penalty)}")
        out(f"{label['minipack']}: {label['yes'] if found.minipack else label['no']}")
    return 0


PENALTY_LABELS = {
    "id": {
        "penalty": "denda",
        "to_pay": "total bayar",
        "minipack": "gratis minipack",
        "yes": "ya",
        "no": "tidak",
    },
    "en": {
        "penalty": "penalty",
        "to_pay": "to pay",
        "minipack": "free minipack",
        "yes": "yes",
        "no": "no",
    },
}
