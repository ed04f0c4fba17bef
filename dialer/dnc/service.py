"""Adding to, removing from and importing the do-not-call list."""

from __future__ import annotations

import asyncio
import csv
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from dialer.db import Connection, q
from dialer.errors import BadRequest, NotFound, ValidationFailed
from dialer.rules.phones import mobile_number, normalize_mobile
from dialer.rules.vocabulary import COLUMN_ALIASES
from dialer.uploads import Problems, header_key, read_head

_MSISDN_HEADERS = {header_key(h) for h in ("msisdn", *COLUMN_ALIASES["msisdn"], "number", "nomor")}
_REASON_HEADERS = {"reason", "alasan", "keterangan", "note", "notes"}
_E164 = re.compile(r"\+[1-9][0-9]{7,14}")
# A search that is a number (or part of one): digits with the separators people write.
_NUMBERISH = re.compile(r"\+?[0-9][0-9 ()./-]*")


# How a page of the list is asked for: at most this many entries, a search this long.
PAGE_MAX = 200
QUERY_MAX = 100


@dataclass(frozen=True)
class Cursor:
    """Where a newest-first page starts: just before this entry (its time and number)."""

    added_at: datetime
    msisdn: str

    def token(self) -> str:
        return f"{self.added_at.isoformat()}~{self.msisdn}"

    @classmethod
    def parse(cls, token: str) -> Cursor:
        """The cursor a page's ``next_before`` gave, or a 400 that says so."""
        when, sep, number = token.partition("~")
        try:
            added_at = datetime.fromisoformat(when) if sep else None
        except ValueError:
            added_at = None
        if added_at is None or added_at.tzinfo is None or not _E164.fullmatch(number):
            raise BadRequest(
                f"query parameter 'before' must be a page's next_before, not {token[:80]!r}"
            )
        return cls(added_at, number)


def search_patterns(query: str) -> tuple[str | None, str | None]:
    """LIKE patterns for a search: on the number's digits (a local 08… is +628…, so a
    number typed either way is found) and on the reason; (None, None) for no search."""
    text = query.strip()
    if not text:
        return None, None
    if len(text) > QUERY_MAX:
        raise BadRequest(f"query parameter 'q' is longer than {QUERY_MAX} characters")
    if any(ord(c) < 32 for c in text):
        raise BadRequest("query parameter 'q' holds a control character")
    digits = None
    if _NUMBERISH.fullmatch(text):
        digits = re.sub(r"\D", "", text)
        if digits.startswith("08"):
            digits = "62" + digits[1:]
    number = f"%{digits}%" if digits else None
    return number, f"%{_like_escape(text)}%"


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def add(
    conn: Connection, raw: str, *, reason: str, source: str, actor: str
) -> tuple[str, bool]:
    """Put a number on the list; returns (E.164, whether it was new). A number added by
    hand (not by a file) is audited: who and why."""
    number = mobile_number(raw)
    async with conn.transaction():
        added = await conn.fetchval(q("add_dnc"), number, reason, source, actor)
        if added is not None:
            details = {"source": source}
            await conn.execute(q("insert_dnc_event"), number, "added", reason, actor, details)
    return number, added is not None


async def entry(conn: Connection, number: str) -> dict[str, Any] | None:
    """The list's entry for an E.164 ``number``, or None when it is not listed."""
    found = await conn.fetchrow(q("get_dnc"), number)
    return dict(found) if found is not None else None


async def history(conn: Connection, number: str) -> list[dict[str, Any]]:
    """What was done to ``number`` on the list (added, removed), oldest first."""
    return [dict(r) for r in await conn.fetch(q("dnc_history"), number)]


async def page(
    conn: Connection, *, query: str = "", before: Cursor | None = None, limit: int = 50
) -> dict[str, Any]:
    """A page of the list, newest first, before ``before``, matching ``query`` (a number
    or part of one, or words of the reason); how many numbers the list holds and how
    many match; where the next page starts (None on the last)."""
    number, reason = search_patterns(query)
    items = [
        dict(r)
        for r in await conn.fetch(
            q("list_dnc"),
            number,
            reason,
            before.added_at if before else None,
            before.msisdn if before else None,
            limit,
        )
    ]
    total = await conn.fetchval(q("count_dnc"))
    matching = (
        total if reason is None else await conn.fetchval(q("count_dnc_matching"), number, reason)
    )
    last = items[-1] if len(items) == limit else None
    return {
        "total": total,
        "matching": matching,
        "entries": items,
        "next_before": Cursor(last["added_at"], last["msisdn"]).token() if last else None,
    }


async def remove(conn: Connection, raw: str, *, reason: str, actor: str) -> str:
    """Take a number off the list, audited: who, why, and the entry as it was."""
    number = mobile_number(raw)
    why = reason.strip()
    if not why:
        raise ValidationFailed(
            "say why the number comes off the do-not-call list",
            details=[{"field": "reason", "reason": "is missing"}],
        )
    async with conn.transaction():
        was = await conn.fetchrow(q("remove_dnc"), number)
        if was is None:
            raise NotFound(f"{number} is not on the do-not-call list")
        details = {
            "listed_reason": was["reason"],
            "listed_source": was["source"],
            "listed_by": was["added_by"],
            "listed_at": was["added_at"].isoformat(),
        }
        await conn.execute(q("insert_dnc_event"), number, "removed", why, actor, details)
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
                        "value": raw.strip()[:40],  # what the line had, to find it by
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
