"""What every command prints (lines of text, JSON, errors) and reads alike (who acted, a
moment given as an option)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import UTC, datetime
from typing import Any

from dialer.clock import system_clock
from dialer.errors import BadRequest, DialerError


def out(text: str = "") -> None:
    """One line on standard output."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def out_json(data: Any) -> None:
    """``data`` as indented JSON on standard output (and nothing else there)."""
    sys.stdout.write(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2) + "\n")


def _json_default(value: Any) -> Any:
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if callable(isoformat) else str(value)


def error(exc: DialerError, *, as_json: bool, language: str = "en") -> None:
    """An error as the command's answer, in ``language``: JSON on standard output with
    ``--json``, else its message and each detail on standard error."""
    rendered = exc.to_json(language)
    if as_json:
        out_json(rendered)
        return
    sys.stderr.write(f"error: {rendered['error']['message']}\n")
    details = rendered["error"]["details"]
    for item in details if isinstance(details, list) else []:
        where = " ".join(f"{k} {v}" for k, v in item.items() if k != "reason")
        sys.stderr.write(f"  {where}: {item.get('reason', '')}\n")


def actor(args: argparse.Namespace) -> str:
    """Who did it, for the records: ``--actor``, else ``cli:<the login name>``."""
    return str(getattr(args, "actor", None) or f"cli:{getpass.getuser()}")


def moment(text: str | None, option: str) -> datetime:
    """A moment given as ``option`` (ISO 8601 with its zone); now when not given."""
    if not text:
        return system_clock()
    try:
        at = datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadRequest(f"{option} {text!r} is not an ISO 8601 time: {exc}") from exc
    if at.tzinfo is None:
        raise BadRequest(f"{option} {text!r} needs a zone, e.g. 2022-09-05T08:00:00+07:00")
    return at.astimezone(UTC)  # times are kept in UTC inside, whatever zone was written
