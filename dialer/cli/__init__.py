"""The command line: ``dialer <command> [<action>] …``.

Each module here is one group of commands: it adds its parsers (``add``) and binds each
to its handler with ``set_defaults(func=…)``; a handler takes the parsed arguments and
the settings and returns the exit status. Settings are read once, here, from the
environment; an error the product reports (``DialerError``) exits 2 with its message.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Coroutine
from typing import Any

from dialer.cli import campaigns, forecast, lists, reports, server, users, vouchers
from dialer.cli.output import error
from dialer.errors import DialerError
from dialer.logs import setup_logging
from dialer.settings import Settings

GROUPS = (server, campaigns, lists, vouchers, users, reports, forecast)
# Commands that run the service log as it does; the others only warnings.
SERVICE = ("serve", "run")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dialer", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.add(sub)
    return parser


def _run(work: Coroutine[Any, Any, int]) -> int:
    """Run on uvloop where it is installed (a faster event loop for the service)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(work)
    return uvloop.run(work)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_environment()
    except ValueError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    quiet = args.command not in SERVICE
    setup_logging(
        "WARNING" if quiet else settings.server.log_level,
        "console" if sys.stderr.isatty() or quiet else settings.server.log_format,
    )
    try:
        status: int = _run(args.func(args, settings))
    except DialerError as exc:
        error(exc, as_json=getattr(args, "json", False), language=settings.ui.language)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`dialer config | head`): nothing more to say to it.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 — stdout is flushed at exit
        return 0
    return status
