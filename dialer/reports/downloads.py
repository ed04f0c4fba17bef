"""Reports as files: CSV (one table) and XLSX (every table, a sheet each).

The voucher redemption report's tables: ``days`` (one row a day, then the totals),
``customers`` (every customer with a voucher, streamed from a cursor: no page limit)
and ``flagged`` (the redemptions not honoured); its workbook is ``voucher_book.py``.
The outcome and agent reports' tables (:class:`Table`) go to either.

CSV is for machines: its header is the columns' stable keys (``indihome_number``,
``issued_at``), times are ISO 8601 in UTC, codes stay codes. XLSX is for people
(``workbook.py``): headings and codes in the reader's language (``labels.py``), times
in a zone the heading names, numbers, money, dates and rates in their formats.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook

from dialer.campaigns.models import Campaign
from dialer.db import Connection, q
from dialer.reports import labels, vouchers
from dialer.reports.workbook import INTEGER, PERCENT, TEXT, Column, Sheet
from dialer.uploads import formula_safe

TABLES = ("days", "customers", "flagged")
# The table a report's CSV gives when none is asked.
FIRST_TABLE = {"outcomes": "by_code", "agents": "agents"}
DAY_HEADER = ("day", *vouchers.STEPS)
CUSTOMER_HEADER = (
    "code",
    "state",
    "indihome_number",
    "name",
    "tier",
    "zone",
    "wa_number",
    "agent",
    "issued_at",
    "sent_at",
    "delivered_at",
    "read_at",
    "failed_at",
    "redeemed_at",
    "expires_at",
)
FLAGGED_HEADER = ("reference", "code", "result", "redeemed_at", "received_at", "source", "amount")
CHUNK = 2000


def _csv(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return formula_safe(value)


def day_rows(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = [
        (day["day"], *(day[step] for step in vouchers.STEPS)) for day in report["days"]
    ]
    totals = report["totals"]
    rows.append(("total", *(totals[step] for step in vouchers.STEPS)))
    return rows


async def customer_chunks(conn: Connection, campaign_id: int) -> AsyncIterator[list[Any]]:
    """Every customer with a voucher, in chunks (the caller holds a transaction)."""
    chunk: list[Any] = []
    async for r in conn.cursor(q("voucher_report_customers"), campaign_id, None, 0, prefetch=CHUNK):
        chunk.append(r)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def voucher_report_csv(
    conn: Connection, campaign: Campaign, table: str, *, now: datetime, zone: str
) -> AsyncIterator[str]:
    """One table of the voucher report as CSV text, in chunks (header first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if table == "customers":
        writer.writerow(CUSTOMER_HEADER)
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            async for chunk in customer_chunks(conn, campaign.id):
                writer.writerows([_csv(r[h]) for h in CUSTOMER_HEADER] for r in chunk)
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()
        return
    report = await vouchers.voucher_report(
        conn, campaign, now=now, zone=zone, customers=vouchers.Page(limit=0)
    )
    if table == "days":
        writer.writerow(DAY_HEADER)
        writer.writerows([_csv(v) for v in row] for row in day_rows(report))
    else:
        writer.writerow(FLAGGED_HEADER)
        writer.writerows(
            [_csv(item[h]) for h in FLAGGED_HEADER] for item in report["flagged"]["items"]
        )
    yield buffer.getvalue()


# ------------------------------------------------ the outcome and agent reports as files


@dataclass(frozen=True)
class Table:
    """A table of a report: its columns' keys (the CSV's header), its rows, and for a
    workbook each column's kind (a count unless named), the columns holding codes
    (shown as their words) and the headings named by another key than the column's."""

    keys: list[str]
    rows: list[list[Any]]
    kinds: Mapping[str, str] = field(default_factory=dict)
    coded: frozenset[str] = frozenset()
    names: Mapping[str, str] = field(default_factory=dict)


def outcome_tables(report: dict[str, Any]) -> dict[str, Table]:
    """The outcome report's tables: its summary (calls placed, contact and abandon
    rates, outcomes and actions recorded), each fold of the outcomes (a column a code),
    the actions taken during calls by kind, the calls by the customer's local hour, and
    the attempts per target."""
    codes = list(report["outcomes"]["by_code"])
    calls = report["calls"]
    tables = {
        "summary": Table(
            ["calls", "contact_rate", "abandon_rate", "outcomes", "actions_taken"],
            [
                [
                    calls["placed"],
                    calls["contact_rate"],
                    calls["abandon_rate"],
                    report["outcomes"]["total"],
                    report["actions"]["total"],
                ]
            ],
            {"contact_rate": PERCENT, "abandon_rate": PERCENT},
            names={"calls": "calls_placed"},
        ),
        "by_code": Table(
            ["code", "outcomes"],
            [[c, n] for c, n in report["outcomes"]["by_code"].items()],
            {"code": TEXT},
            frozenset({"code"}),
            {"code": "outcome"},
        ),
    }
    for fold in ("by_tier", "by_zone", "by_province", "by_local_hour"):
        key = fold.removeprefix("by_")
        tables[fold] = Table(
            [key, "total", *codes],
            [
                [row["key"], row["total"], *(row["codes"].get(c, 0) for c in codes)]
                for row in report["outcomes"][fold]
            ],
            {} if key == "local_hour" else {key: TEXT},
        )
    tables["actions"] = Table(
        ["action", "calls"],
        [[k, n] for k, n in report["actions"]["by_kind"].items()],
        {"action": TEXT},
        frozenset({"action"}),
    )
    tables["calls_by_local_hour"] = Table(
        ["hour", "calls", "contacted", "abandoned"],
        [
            [h["hour"], h["calls"], h["contacted"], h["abandoned"]]
            for h in report["calls"]["by_local_hour"]
        ],
    )
    tables["attempts_per_target"] = Table(
        ["attempts", "targets"],
        [[r["attempts"], r["targets"]] for r in report["attempts_per_target"]],
    )
    return tables


def agent_tables(report: dict[str, Any]) -> dict[str, Table]:
    codes = sorted({c for a in report["agents"] for c in a["by_code"]})
    # The time paused per reason given: a column each (paused_seconds:makan, …;
    # "paused_seconds:" for a break without a reason).
    reasons = sorted({r for a in report["agents"] for r in a.get("paused_by_reason", {})})
    header = [
        "username",
        "name",
        "calls",
        "talk_seconds",
        "after_call_work_seconds",
        "outcomes",
        "vouchers",
        *codes,
        "paused_seconds",
        *(f"paused_seconds:{r}" for r in reasons),
    ]
    rows = [
        [
            a["username"],
            a["name"],
            a["calls"],
            a["talk_seconds"],
            a["after_call_work_seconds"],
            a["outcomes"],
            a["vouchers"],
            *(a["by_code"].get(c, 0) for c in codes),
            a.get("paused_seconds", 0),
            *(a.get("paused_by_reason", {}).get(r, 0) for r in reasons),
        ]
        for a in report["agents"]
    ]
    # A workbook heads a reason's column with its words when the report has them.
    words = report.get("pause_reasons", {})
    named = {f"paused_seconds:{r}": f"paused_seconds:{words[r]}" for r in reasons if r in words}
    return {"agents": Table(header, rows, {"username": TEXT, "name": TEXT}, names=named)}


def tables_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([_csv(h) for h in table.keys])
    writer.writerows([_csv(v) for v in row] for row in table.rows)
    return buffer.getvalue()


def tables_xlsx(tables: dict[str, Table], language: str) -> bytes:
    """The tables as a workbook, a sheet each, for people reading ``language``."""
    book = Workbook(write_only=True)
    for name, table in tables.items():
        coded = [i for i, k in enumerate(table.keys) if k in table.coded]
        rows = [list(row) for row in table.rows]
        for row in rows:
            for i in coded:
                row[i] = labels.value(row[i], language)
        columns = [
            Column(labels.heading(table.names.get(k, k), language), table.kinds.get(k, INTEGER))
            for k in table.keys
        ]
        Sheet(book, labels.sheet_name(name, language), columns, rows).extend(rows)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
