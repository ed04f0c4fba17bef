"""Payments billing reports: validated, then stored all together or not at all.

From the API (a JSON list) or a CSV file with the columns ``reference``,
``indihome_number``, ``bill_month`` (``2022-09``), ``amount`` (``350000``, ``350.000``
or ``Rp 350.000``), ``channel`` and ``paid_at`` (ISO 8601 with its offset,
``2022-09-12T10:15:00+07:00``). One bad row refuses the whole batch with every problem
by line and field; a reference already stored is skipped, so a re-sent batch adds
nothing. A bill paid ends its targets as ``already_paid`` (``paid.py``); the summary
says how many (``targets_finished``).
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dialer.billing import paid
from dialer.db import Connection, q
from dialer.errors import BadRequest, ValidationFailed
from dialer.rules.money import AmountError, parse_rupiah
from dialer.rules.penalty import parse_bill_month
from dialer.uploads import Problems, read_head

COLUMNS = ("reference", "indihome_number", "bill_month", "amount", "channel", "paid_at")
MAX_PROBLEMS = 1000

Row = tuple[str, str, date, int, str, datetime]


def parse_row(raw: Mapping[str, Any]) -> tuple[Row | None, list[dict[str, str]]]:
    """One payment from text fields, or the problems with it (field and reason)."""
    problems: list[dict[str, str]] = []

    def text(name: str) -> str:
        value = raw.get(name)
        if value is None or not str(value).strip():
            problems.append({"field": name, "reason": "is required"})
            return ""
        return str(value).strip()

    reference, number, month_text = text("reference"), text("indihome_number"), text("bill_month")
    amount_text, channel, paid_text = (
        str(raw.get("amount", "")).strip(),
        text("channel"),
        text("paid_at"),
    )
    if number and not number.isdigit():
        problems.append({"field": "indihome_number", "reason": f"{number!r} is not digits"})
    month = None
    if month_text:
        try:
            month = parse_bill_month(month_text)
        except BadRequest:
            problems.append(
                {"field": "bill_month", "reason": f"{month_text!r} is not a month like 2022-09"}
            )
    amount = None
    if not amount_text:
        problems.append({"field": "amount", "reason": "is required"})
    else:
        try:
            amount = parse_rupiah(amount_text)
        except AmountError as exc:
            problems.append({"field": "amount", "reason": f"{amount_text!r} {exc}"})
    paid_at = None
    if paid_text:
        try:
            paid_at = datetime.fromisoformat(paid_text)
        except ValueError:
            problems.append(
                {"field": "paid_at", "reason": f"{paid_text!r} is not a date and time (ISO 8601)"}
            )
        else:
            if paid_at.tzinfo is None:
                problems.append(
                    {
                        "field": "paid_at",
                        "reason": f"{paid_text!r} needs its offset, e.g. +07:00 (WIB)",
                    }
                )
                paid_at = None
    if problems or month is None or amount is None or paid_at is None:
        return None, problems
    return (reference, number, month, amount, channel, paid_at), []


def parse_rows(rows: Iterable[tuple[int, Mapping[str, Any]]], where: str) -> list[Row]:
    """Every row, or ValidationFailed naming each bad one (``where``: line or item)."""
    good: list[Row] = []
    problems = Problems(MAX_PROBLEMS)
    references: dict[str, int] = {}
    for at, raw in rows:
        row, found = parse_row(raw)
        problems.extend({where: at, **p} for p in found)
        if row is None:
            continue
        first = references.setdefault(row[0], at)
        if first != at:
            problems.append(
                {where: at, "field": "reference", "reason": f"{row[0]!r} repeats {where} {first}"}
            )
            continue
        good.append(row)
    if problems:
        raise ValidationFailed(
            f"{len(problems)} problem(s) in the payments; nothing was recorded",
            details=problems.kept,
        )
    if not good:
        raise ValidationFailed("no payment given; nothing was recorded")
    return good


def read_csv(path: Path) -> list[Row]:
    """The payments of a CSV file (comma or semicolon), refused whole if a line is bad."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        _, delimiter, header = read_head(f)
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise ValidationFailed(
                f"the payments file lacks the column(s) {', '.join(missing)}"
                f" (needs {', '.join(COLUMNS)})"
            )
        lines = (
            (line, dict(zip(header, values, strict=False)))
            for line, values in enumerate(csv.reader(f, delimiter=delimiter), start=2)
            if any(v.strip() for v in values)
        )
        return parse_rows(lines, "line")


async def record(
    conn: Connection, rows: list[Row], *, source: str, actor: str, now: datetime
) -> dict[str, int]:
    """Store ``rows`` in one transaction; references already known are skipped. In the
    same transaction every target for a bill now paid ends as ``already_paid``
    (``paid.settle``: in every campaign, not one on a call, whose agent is told)."""
    async with conn.transaction():
        await conn.execute(q("create_payments_stage"))
        await conn.copy_records_to_table("payments_stage", records=rows, columns=COLUMNS)
        added: int = await conn.fetchval(q("merge_payments_stage"), source, actor, now)
        finished = await paid.settle(conn, ((r[1], r[2]) for r in rows))
    return {
        "payments": len(rows),
        "added": added,
        "already_recorded": len(rows) - added,
        "targets_finished": finished,
    }


async def import_file(
    conn: Connection, path: Path, *, source: str, actor: str, now: datetime
) -> dict[str, int]:
    rows = await asyncio.to_thread(read_csv, path)
    return await record(conn, rows, source=source, actor=actor, now=now)
