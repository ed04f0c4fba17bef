"""Adding to, removing from and importing the do-not-call list."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path
from typing import Any

from dialer.db import Connection, q
from dialer.errors import NotFound, ValidationFailed
from dialer.rules.phones import mobile_number, normalize_mobile
from dialer.rules.vocabulary import COLUMN_ALIASES
from dialer.uploads import Problems, header_key, read_head

_MSISDN_HEADERS = {header_key(h) for h in ("msisdn", *COLUMN_ALIASES["msisdn"], "number", "nomor")}
_REASON_HEADERS = {"reason", "alasan", "keterangan", "note", "notes"}


async def add(
    conn: Connection, raw: str, *, reason: str, source: str, actor: str
) -> tuple[str, bool]:
    """Put a number on the list; returns (E.164, whether it was new)."""
    number = mobile_number(raw)
    added = await conn.fetchval(q("add_dnc"), number, reason, source, actor)
    return number, added is not None


async def entry(conn: Connection, number: str) -> dict[str, Any] | None:
    """The list's entry for an E.164 ``number``, or None when it is not listed."""
    found = await conn.fetchrow(q("get_dnc"), number)
    return dict(found) if found is not None else None


async def page(conn: Connection, *, after: str, limit: int) -> dict[str, Any]:
    """A page of the list in number order after ``after``; how many numbers it holds;
    where the next page starts (None on the last)."""
    items = [dict(r) for r in await conn.fetch(q("list_dnc"), after, limit)]
    return {
        "total": await conn.fetchval(q("count_dnc")),
        "entries": items,
        "next_after": items[-1]["msisdn"] if len(items) == limit else None,
    }


async def remove(conn: Connection, raw: str) -> str:
    number = mobile_number(raw)
    if await conn.fetchval(q("remove_dnc"), number) is None:
        raise NotFound(f"{number} is not on the do-not-call list")
    return number


def _read(path: Path) -> tuple[list[tuple[str, str]], Problems, int]:
    entries: list[tuple[str, str]] = []
    rejected = Problems()
    with path.open(encoding="utf-8-sig", newline="") as f:
        first, delimiter, header = read_head(f)
        number_col = next((i for i, h in enumerate(header) if h in _MSISDN_HEADERS), None)
        reason_col = next((i for i, h in enumerate(header) if h in _REASON_HEADERS), None)
        start = 2
        if number_col is None:
            # No header: a bare list of numbers, one a line.
            if normalize_mobile(first.strip().split(delimiter)[0]) is None:
                raise ValidationFailed(
                    "the DNC file needs a column 'msisdn' (or no_hp, nomor_hp, …)"
                    " or one number per line"
                )
            f.seek(0)
            f.read(1) if first.startswith("\ufeff") else None
            number_col, start = 0, 1
        rows = 0
        for line, values in enumerate(csv.reader(f, delimiter=delimiter), start=start):
            if not values or not any(v.strip() for v in values):
                continue
            rows += 1
            raw = values[number_col] if number_col < len(values) else ""
            number = normalize_mobile(raw)
            if number is None:
                rejected.append(
                    {
                        "line": line,
                        "field": "msisdn",
                        "reason": "is not a valid Indonesian mobile number",
                    }
                )
                continue
            reason = (
                values[reason_col].strip()
                if reason_col is not None and reason_col < len(values)
                else ""
            )
            entries.append((number, reason))
    return entries, rejected, rows


async def import_file(conn: Connection, path: Path, *, source: str, actor: str) -> dict[str, Any]:
    """Add every number of a CSV file, atomically; bad lines are reported by line."""
    entries, rejected, rows = await asyncio.to_thread(_read, path)
    if not entries:
        raise ValidationFailed(
            "no valid number in the file; nothing was added", details=rejected.kept
        )
    async with conn.transaction():
        await conn.execute(q("create_dnc_stage"))
        await conn.copy_records_to_table("dnc_stage", records=entries, columns=("msisdn", "reason"))
        added = await conn.fetchval(q("merge_dnc_stage"), source, actor)
    return {
        "rows": rows,
        "added": added,
        "already_listed": len(entries) - added,
        "rejected": rejected.kept,
        "rejected_rows": len(rejected),
    }
