"""The lists a campaign works from: ``dialer targets import | why``, ``dialer dnc add |
import``, ``dialer payments import``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from dialer.billing import payments
from dialer.calls.why import why_not_summary, why_target
from dialer.campaigns import service as campaigns
from dialer.cli.database import connection
from dialer.cli.output import actor, moment, out, out_json
from dialer.clock import system_clock
from dialer.dnc import service as dnc
from dialer.errors import BadRequest
from dialer.settings import Settings
from dialer.targets.service import ImportSummary, import_targets


def add(sub: Any) -> None:
    targets = sub.add_parser("targets", help="target lists").add_subparsers(
        dest="action", required=True
    )
    imp = targets.add_parser("import", help="import a CSV or XLSX list into a campaign")
    imp.add_argument("campaign")
    imp.add_argument("file", type=Path)
    imp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="HEADER=FIELD",
        help="map a column of the file to a field, e.g. 'No Pel=customer_id'",
    )
    imp.add_argument("--json", action="store_true", help="print only the JSON summary")
    imp.add_argument("--actor")
    imp.set_defaults(func=cmd_targets_import)
    why = targets.add_parser(
        "why", help="why a target is not dialled now (or, without a number, counts per reason)"
    )
    why.add_argument("campaign")
    why.add_argument(
        "indihome_number", nargs="?", help="the target's IndiHome number or mobile number"
    )
    why.add_argument("--at", help="ask about this moment (ISO 8601) instead of now")
    why.add_argument("--json", action="store_true")
    why.set_defaults(func=cmd_targets_why)

    lists = sub.add_parser("dnc", help="the do-not-call list").add_subparsers(
        dest="action", required=True
    )
    add_number = lists.add_parser("add", help="add a number")
    add_number.add_argument("msisdn")
    add_number.add_argument("--reason", default="")
    add_number.add_argument("--actor")
    add_number.set_defaults(func=cmd_dnc_add)
    dimp = lists.add_parser("import", help="add every number of a CSV file")
    dimp.add_argument("file", type=Path)
    dimp.add_argument("--actor")
    dimp.set_defaults(func=cmd_dnc_import)

    paid = sub.add_parser(
        "payments", help="payments billing reported (a bill paid after the list's upload)"
    ).add_subparsers(dest="action", required=True)
    pimp = paid.add_parser(
        "import",
        help="record the payments of a CSV file (reference, indihome_number, bill_month,"
        " amount, channel, paid_at); one bad line refuses the file",
    )
    pimp.add_argument("file", type=Path)
    pimp.add_argument("--actor")
    pimp.set_defaults(func=cmd_payments_import)


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        header, sep, field = pair.rpartition("=")
        if not sep or not header or not field:
            raise BadRequest(f"--map {pair!r}: write HEADER=FIELD, e.g. 'No Pel=customer_id'")
        mapping[header] = field
    return mapping


async def _import(
    settings: Settings,
    campaign_ref: str,
    path: Path,
    *,
    by: str,
    mapping: dict[str, str] | None,
    show_progress: bool,
) -> ImportSummary:
    if not path.is_file():
        raise BadRequest(f"{path}: no such file")
    async with connection(settings) as conn:
        campaign = await campaigns.get(conn, campaign_ref)
        with Progress(
            TextColumn("[bold]importing[/] {task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%  {task.fields[rows]:,} rows"),
            TimeElapsedColumn(),
            disable=not show_progress,
            transient=False,
        ) as bar:
            task = bar.add_task(path.name, total=1.0, rows=0)
            return await import_targets(
                conn,
                campaign_id=campaign.id,
                tiers=campaign.tiers,
                path=path,
                filename=path.name,
                actor=by,
                mapping=mapping,
                chunk_rows=settings.server.import_chunk_rows,
                progress=lambda rows, done: bar.update(task, completed=done, rows=rows),
                limits=settings.imports,
            )


async def cmd_targets_import(args: argparse.Namespace, settings: Settings) -> int:
    summary = await _import(
        settings,
        args.campaign,
        args.file,
        by=actor(args),
        mapping=_mapping(args.map),
        show_progress=sys.stderr.isatty(),
    )
    if args.json:
        out_json(summary.to_json())
        return 0
    out(
        f"{args.file.name}: {summary.rows:,} rows — accepted {summary.accepted:,},"
        f" duplicates {summary.duplicates:,}, dnc {summary.dnc:,},"
        f" out of tier {summary.out_of_tier:,}, rejected {summary.rejected_rows:,}"
    )
    for item in summary.rejected[:20]:
        out(f"  line {item['line']}: {item['field']} {item['reason']}")
    if summary.reasons_total > 20:
        out(
            f"  … {summary.reasons_total - 20} more;"
            f" GET /api/imports/{summary.import_id}/rejected.csv"
        )
    return 0


async def cmd_targets_why(args: argparse.Namespace, settings: Settings) -> int:
    now = moment(args.at, "--at")
    async with connection(settings) as conn:
        campaign = await campaigns.get(conn, args.campaign)
        language = settings.ui.language
        if args.indihome_number:
            data = await why_target(
                conn, campaign, args.indihome_number, now=now, language=language
            )
        else:
            data = await why_not_summary(conn, campaign, now=now, language=language)
    if args.json:
        out_json(data)
    elif args.indihome_number:
        _print_target(data, language)
    else:
        _print_summary(data, language)
    return 0


def _print_target(data: dict[str, Any], language: str) -> None:
    en = language == "en"
    attempts = "attempts" if en else "percobaan"
    out(
        f"{data['indihome_number']} ({data['name']}, {data['tier']}, {data['province']},"
        f" {data['local_time']}): {data['state']}, {data['attempts']}/{data['max_attempts']}"
        f" {attempts}"
    )
    if data["dialable"]:
        out("dialable now" if en else "dapat ditelepon sekarang")
    for reason in data["reasons"]:
        out(f"  {'not now' if en else 'belum sekarang'} — {reason['message']}")


def _print_summary(data: dict[str, Any], language: str) -> None:
    en = language == "en"
    targets, dialable = (
        ("targets", "dialable now") if en else ("target", "dapat ditelepon sekarang")
    )
    out(
        f"{data['campaign']} ({data['state']}): {data['targets']:,} {targets},"
        f" {data['dialable_now']:,} {dialable}"
    )
    for zone, window in data["zones"].items():
        out(f"  {zone}: {window['message']}")
    for code, n in data["reasons"].items():
        label = data["labels"].get(code)
        out(f"  {n:>9,}  {code}" + (f" ({label})" if label else ""))
    latest = "latest payment" if en else "pembayaran terakhir"
    for source in data["paid_per_billing"]:
        out(
            f"  {source['targets']:>9,}  {data['labels']['already_paid_billing']}:"
            f" {source['source']}, {latest} {source['last_paid_at']:%Y-%m-%d %H:%M} UTC"
        )


async def cmd_dnc_add(args: argparse.Namespace, settings: Settings) -> int:
    async with connection(settings) as conn:
        number, new = await dnc.add(
            conn, args.msisdn, reason=args.reason, source="cli", actor=actor(args)
        )
    out(f"{number}: {'added' if new else 'already on the list'}")
    return 0


async def cmd_dnc_import(args: argparse.Namespace, settings: Settings) -> int:
    async with connection(settings) as conn:
        summary = await dnc.import_file(
            conn, args.file, source=f"file:{args.file.name}", actor=actor(args)
        )
    out_json(summary)
    return 0


async def cmd_payments_import(args: argparse.Namespace, settings: Settings) -> int:
    async with connection(settings) as conn:
        summary = await payments.import_file(
            conn,
            args.file,
            source=f"file:{args.file.name}",
            actor=actor(args),
            now=system_clock(),
        )
    out_json(summary)
    return 0
