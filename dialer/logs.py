"""Structured logs: one JSON object a line, with phone numbers masked.

Every message and every extra field passes through :func:`mask_phones`, so a number
that slips into a log line (an MSISDN in an error, a raw callback) is never written
whole. Masking keeps the country prefix and the last two digits, enough to tell two
numbers apart while debugging.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

# Eight or more digits, optionally led by '+', possibly split by spaces or dashes —
# but not a date (2026-11-23, 2026-11-23 00:50): those stay readable.
_PHONE = re.compile(r"(?<![\w])(?!\d{4}-\d{2}-\d{2}(?!\d))\+?\d(?:[ -]?\d){7,}(?![\w])")
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def _mask_match(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    lead = "+" if match.group(0).startswith("+") else ""
    return f"{lead}{digits[:4]}{'*' * (len(digits) - 6)}{digits[-2:]}"


def mask_phones(text: str) -> str:
    """Mask every phone-like number in ``text``: ``6281234567890`` → ``6281*******90``."""
    return _PHONE.sub(_mask_match, text)


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_phones(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**7:
        return mask_phones(str(value))
    if isinstance(value, dict):
        return {k: _mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_value(v) for v in value]
    return value


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON line; fields given with ``extra=`` are kept."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": mask_phones(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = _mask_value(value)
        if record.exc_info:
            entry["exc"] = mask_phones(self.formatException(record.exc_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


class ConsoleFormatter(logging.Formatter):
    """A human line for a terminal, masked the same way."""

    def format(self, record: logging.LogRecord) -> str:
        extras = {
            k: _mask_value(v)
            for k, v in vars(record).items()
            if k not in _STANDARD and not k.startswith("_")
        }
        tail = " ".join(f"{k}={v}" for k, v in extras.items())
        line = f"{record.levelname:<7} {record.name}: {mask_phones(record.getMessage())}"
        if record.exc_info:
            line += "\n" + mask_phones(self.formatException(record.exc_info))
        return f"{line} {tail}".rstrip()


def setup_logging(level: str = "INFO", fmt: str = "json") -> None:
    """Configure the root logger once, writing to stderr (stdout is for results)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else ConsoleFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    # APScheduler logs every run of the one-second tick at INFO: noise, not news.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
