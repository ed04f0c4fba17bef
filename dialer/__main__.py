"""The command line: ``dialer serve | run | migrate | campaign | targets | dnc | payments | users | tokens | …``."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from dialer.errors import DialerError
from dialer.logs import setup_logging
from dialer.settings import Settings


def _actor(args: argparse.Namespace) -> str:
    return str(args.actor or f"cli:{getpass.getuser()}")


def _json_default(value: Any) -> Any:
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if callable(isoformat) else str(value)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2) + "\n")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dialer", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the service (one node per worker process)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument(
        "--workers",
        type=int,
        help="processes sharing the port, each a node (default: $DIALER_WORKERS, else 1)",
    )
    serve.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)

    run = sub.add_parser("run", help="the product on its embedded defaults, with sample data")
    run.add_argument("--sample-rows", type=int, default=500)
    run.add_argument("--no-serve", action="store_true", help="prepare, print and exit")
    run.add_argument("--speed", type=float, default=10.0, help="virtual clock, x real time")
    run.add_argument("--real-clock", action="store_true", help="run on the real time")
    run.add_argument(
        "--bots", type=int, default=5, help="bot agents taking the calls beside people (0: none)"
    )

    sub.add_parser("migrate", help="apply pending database migrations")

    campaign = sub.add_parser("campaign", help="campaign definitions").add_subparsers(
        dest="action", required=True
    )
    apply = campaign.add_parser("apply", help="create or update a campaign from a TOML file")
    apply.add_argument("file", type=Path)
    apply.add_argument("--actor")
    apply.add_argument("--json", action="store_true")
    campaign.add_parser("list", help="list campaigns")
    for action in ("start", "pause", "finish"):
        p = campaign.add_parser(action, help=f"{action} a campaign")
        p.add_argument("campaign")
        p.add_argument("--actor")

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

    dnc = sub.add_parser("dnc", help="the do-not-call list").add_subparsers(
        dest="action", required=True
    )
    add = dnc.add_parser("add", help="add a number")
    add.add_argument("msisdn")
    add.add_argument("--reason", default="")
    add.add_argument("--actor")
    dimp = dnc.add_parser("import", help="add every number of a CSV file")
    dimp.add_argument("file", type=Path)
    dimp.add_argument("--actor")

    payments = sub.add_parser(
        "payments", help="payments billing reported (a bill paid after the list's upload)"
    ).add_subparsers(dest="action", required=True)
    pimp = payments.add_parser(
        "import",
        help="record the payments of a CSV file (reference, indihome_number, bill_month,"
        " amount, channel, paid_at); one bad line refuses the file",
    )
    pimp.add_argument("file", type=Path)
    pimp.add_argument("--actor")

    vouchers = sub.add_parser("vouchers", help="a campaign's voucher codes").add_subparsers(
        dest="action", required=True
    )
    vimp = vouchers.add_parser(
        "import", help="add the partner's codes (one a line, or a 'code' column) to the pool"
    )
    vimp.add_argument("campaign")
    vimp.add_argument("file", type=Path)
    vimp.add_argument("--actor")
    vred = vouchers.add_parser(
        "redemptions", help="apply the partner's report (reference, code, redeemed_at[, amount])"
    )
    vred.add_argument("file", type=Path)
    vvoid = vouchers.add_parser(
        "void", help="void a voucher by its code: not redeemable, its place back in the quota"
    )
    vvoid.add_argument("code")
    vvoid.add_argument("--reason", required=True)
    vvoid.add_argument("--actor")

    users = sub.add_parser("users", help="managers and agents").add_subparsers(
        dest="action", required=True
    )
    create = users.add_parser("create", help="create a user")
    create.add_argument("username")
    create.add_argument("--role", choices=("manager", "agent"), required=True)
    create.add_argument("--name", default="")
    create.add_argument("--password", help="default: $DIALER_NEW_PASSWORD, else asked")

    tokens = sub.add_parser("tokens", help="API tokens").add_subparsers(
        dest="action", required=True
    )
    tok = tokens.add_parser("create", help="issue an API token for a user")
    tok.add_argument("username")
    tok.add_argument("--label", default="cli")

    why = targets.add_parser(
        "why", help="why a target is not dialled now (or, without a number, counts per reason)"
    )
    why.add_argument("campaign")
    why.add_argument("indihome_number", nargs="?")
    why.add_argument("--at", help="ask about this moment (ISO 8601) instead of now")
    why.add_argument("--json", action="store_true")

    demo = sub.add_parser(
        "demo", help="the seed campaign on generated targets and the simulators, headless"
    )
    demo.add_argument("--targets", type=int, default=200, help="generated targets")
    demo.add_argument("--seats", type=int, default=10, help="agent seats, staffed by bot agents")
    demo.add_argument("--speed", type=float, default=60.0, help="times faster than real time")
    demo.add_argument(
        "--until-done", action="store_true", help="run until every target is finished"
    )
    demo.add_argument(
        "--hours", type=float, default=10.0, help="virtual hours without --until-done"
    )
    demo.add_argument(
        "--start", help="virtual start (ISO 8601 with zone); default: the period's first opening"
    )
    demo.add_argument("--max-seconds", type=float, default=600.0, help="real seconds at most")
    demo.add_argument("--json", action="store_true", help="print only the JSON summary")

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

    report = sub.add_parser(
        "report", help="a campaign's report: progress, outcomes, agents, vouchers"
    )
    report.add_argument("campaign")
    report.add_argument("--zone", default="WIB", choices=("WIB", "WITA", "WIT"))
    report.add_argument("--customers", type=int, default=100, help="customers listed (JSON)")
    report.add_argument("--json", action="store_true")

    export = sub.add_parser("export", help="CSV exports").add_subparsers(
        dest="action", required=True
    )
    exp = export.add_parser("attempts", help="every attempt of a campaign as CSV")
    exp.add_argument("campaign")
    exp.add_argument("--output", "-o", type=Path, help="a file (default: standard output)")
    vexp = export.add_parser("vouchers", help="every voucher of a campaign as CSV")
    vexp.add_argument("campaign")
    vexp.add_argument("--output", "-o", type=Path, help="a file (default: standard output)")
    cexp = export.add_parser(
        "crm", help="every call that reached an agent, with what they recorded, as CSV"
    )
    cexp.add_argument("campaign")
    cexp.add_argument("--output", "-o", type=Path, help="a file (default: standard output)")
    return parser


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from dialer import commands, commands_dialer

    name = f"cmd_{args.command}_{getattr(args, 'action', '')}".rstrip("_")
    handler = getattr(commands, name, None) or getattr(commands_dialer, name)
    result: int = await handler(args, settings)
    return result


def _run(work: Coroutine[Any, Any, int]) -> int:
    """Run on uvloop where it is installed (a faster event loop for the service)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(work)
    return uvloop.run(work)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    quiet = args.command not in ("serve", "run")
    setup_logging(
        "WARNING" if quiet else settings.log_level,
        "console" if sys.stderr.isatty() or quiet else settings.log_format,
    )
    try:
        return _run(_dispatch(args, settings))
    except DialerError as exc:
        if getattr(args, "json", False):
            _print_json(exc.to_json())
        else:
            sys.stderr.write(f"error: {exc.message}\n")
            for item in exc.details if isinstance(exc.details, list) else []:
                where = " ".join(f"{k} {v}" for k, v in item.items() if k != "reason")
                sys.stderr.write(f"  {where}: {item.get('reason', '')}\n")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
