"""Command-line handlers of the dialer: ``targets why``, ``export attempts``, ``demo``,
``penalty``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime
from typing import Any

from dialer.calls.api import export_attempts
from dialer.calls.why import why_not_summary, why_target
from dialer.campaigns import service as campaigns
from dialer.cli_db import connection
from dialer.clock import system_clock
from dialer.commands import _json, _out
from dialer.db import Connection
from dialer.errors import BadRequest
from dialer.rules.money import AmountError, format_rupiah, parse_rupiah
from dialer.rules.penalty import SEED_PENALTY, parse_bill_month, quote
from dialer.settings import Settings


def _moment(text: str | None) -> datetime:
    if not text:
        return system_clock()
    try:
        at = datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadRequest(f"--at {text!r} is not an ISO 8601 time: {exc}") from exc
    if at.tzinfo is None:
        raise BadRequest(f"--at {text!r} needs a zone, e.g. 2022-09-05T08:00:00+07:00")
    return at


async def cmd_targets_why(args: argparse.Namespace, settings: Settings) -> int:
    now = _moment(args.at)
    async with connection(settings) as conn:
        campaign = await campaigns.get(conn, args.campaign)
        if args.indihome_number:
            data = await why_target(conn, campaign, args.indihome_number, now=now)
        else:
            data = await why_not_summary(conn, campaign, now=now)
    if args.json:
        _json(data)
    elif args.indihome_number:
        _print_target(data)
    else:
        _print_summary(data)
    return 0


def _print_target(data: dict[str, Any]) -> None:
    _out(
        f"{data['indihome_number']} ({data['name']}, {data['tier']}, {data['province']},"
        f" {data['local_time']}): {data['state']}, {data['attempts']}/{data['max_attempts']} attempts"
    )
    if data["dialable"]:
        _out("dialable now")
    for reason in data["reasons"]:
        _out(f"  not now — {reason['message']}")


def _print_summary(data: dict[str, Any]) -> None:
    _out(
        f"{data['campaign']} ({data['state']}): {data['targets']:,} targets,"
        f" {data['dialable_now']:,} dialable now"
    )
    for zone, window in data["zones"].items():
        _out(f"  {zone}: {window['message']}")
    for code, n in data["reasons"].items():
        _out(f"  {n:>9,}  {code}")


async def _export(
    args: argparse.Namespace,
    settings: Settings,
    chunks: Callable[[Connection, int], AsyncIterator[str]],
) -> int:
    """Write a campaign's CSV export to ``--output`` or standard output."""
    async with connection(settings) as conn:
        campaign = await campaigns.get(conn, args.campaign)
        out = args.output.open("w", encoding="utf-8", newline="") if args.output else sys.stdout
        try:
            async for chunk in chunks(conn, campaign.id):
                out.write(chunk)
        finally:
            if args.output:
                out.close()
    return 0


async def cmd_export_attempts(args: argparse.Namespace, settings: Settings) -> int:
    return await _export(args, settings, export_attempts)


async def cmd_export_vouchers(args: argparse.Namespace, settings: Settings) -> int:
    from dialer.vouchers.export import export_vouchers

    return await _export(args, settings, export_vouchers)


async def cmd_export_crm(args: argparse.Namespace, settings: Settings) -> int:
    from dialer.reports.crm import export_crm

    return await _export(args, settings, export_crm)


async def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from dialer.cli_db import database_url
    from dialer.demo import DemoOptions, run_demo

    options = DemoOptions(
        targets=args.targets,
        seats=args.seats,
        speed=args.speed,
        until_done=args.until_done,
        hours=args.hours,
        start=_moment(args.start) if args.start else None,
        max_seconds=args.max_seconds,
    )
    if options.targets < 1 or options.seats < 1 or options.speed <= 0:
        raise BadRequest("--targets and --seats must be at least 1, --speed above 0")
    async with database_url(settings) as url:
        result = await run_demo(settings, url, options)
    if args.json:
        _json(result)
        return 0
    demo, summary = result["demo"], result["summary"]
    _out(
        f"{demo['campaign']}: {demo['virtual_hours']} virtual hours in {demo['real_seconds']} s"
        f" ({demo['finished_because']})"
    )
    if demo["shifted"]:
        _out(f"  shifted: {demo['shifted']['why']}")
    _out(f"  targets:  {summary['targets']}")
    _out(f"  finished: {summary['finished']}")
    _out(f"  attempts: {summary['attempts']}")
    _out(f"  contact rate {summary['contact_rate']}, abandon rate {summary['abandon_rate']}")
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
    found = quote(schedule, args.product, total, parse_bill_month(args.bill_month), paid_on)
    if args.json:
        _json({"penalty": found.penalty, "rule": found.rule, "minipack": found.minipack})
    else:
        _out(f"penalty: {format_rupiah(found.penalty)} ({found.rule})")
        _out(f"to pay: {format_rupiah(found.total + found.penalty)}")
        _out(f"free minipack: {'yes' if found.minipack else 'no'}")
    return 0
