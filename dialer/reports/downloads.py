"""Reports as files: CSV (one table) and XLSX (every table, a sheet each).

The voucher redemption report's tables: ``days`` (one row a day, then the totals),
``customers`` (every customer with a voucher, streamed from a cursor: no page limit)
and ``flagged`` (the redemptions not honoured). CSV keeps times as ISO 8601 in UTC, for
machines; XLSX shows them in the report's zone (named in the column's heading), as a
spreadsheet has no time zones.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from dialer.campaigns.models import Campaign
from dialer.db import Connection, q
from dialer.reports import vouchers
from dialer.rules.zones import zone_info
from dialer.uploads import FORMULA_STARTS, formula_safe

TABLES = ("days", "customers", "flagged")
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


class _Sheet:
    """A write-only sheet whose texts stay texts: a cell starting with ``=`` is never a
    formula (the CSV-injection rule, for workbooks: stored as text, nothing runs)."""

    def __init__(self, book: Workbook, name: str) -> None:
        self.sheet = book.create_sheet(name)

    def append(self, values: Iterable[Any]) -> None:
        self.sheet.append([self._text(v) for v in values])

    def _text(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.data_type = "s"
            return cell
        return value


def _day_rows(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = [
        (day["day"], *(day[step] for step in vouchers.STEPS)) for day in report["days"]
    ]
    totals = report["totals"]
    rows.append(("total", *(totals[step] for step in vouchers.STEPS)))
    return rows


async def _customers(conn: Connection, campaign_id: int) -> AsyncIterator[list[Any]]:
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
            async for chunk in _customers(conn, campaign.id):
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
        writer.writerows([_csv(v) for v in row] for row in _day_rows(report))
    else:
        writer.writerow(FLAGGED_HEADER)
        writer.writerows(
            [_csv(item[h]) for h in FLAGGED_HEADER] for item in report["flagged"]["items"]
        )
    yield buffer.getvalue()


def _local(value: Any, tz: ZoneInfo) -> Any:
    """A cell: times in the report's zone, without the zone (Excel has none)."""
    if isinstance(value, datetime):
        return value.astimezone(tz).replace(tzinfo=None)
    return value


def _heading(header: Sequence[str], zone: str) -> list[str]:
    return [f"{h} ({zone})" if h.endswith("_at") else h for h in header]


async def voucher_report_xlsx(
    conn: Connection, campaign: Campaign, *, now: datetime, zone: str
) -> bytes:
    """The voucher report as a workbook: a sheet for the summary, the days, the
    customers and the flagged redemptions."""
    tz = zone_info(zone)
    book = Workbook(write_only=True)
    report = await vouchers.voucher_report(
        conn, campaign, now=now, zone=zone, customers=vouchers.Page(limit=0)
    )
    summary = _Sheet(book, "summary")
    quota, totals = report["quota"], report["totals"]
    for row in (
        ("campaign", campaign.name),
        (f"as of ({zone})", _local(now, tz)),
        ("quota", quota["quota"]),
        ("quota taken", quota["taken"]),
        ("quota left", quota["left"]),
        ("redemption rate", totals["redemption_rate"]),
        ("median hours from the call to redemption", totals["median_hours_to_redemption"]),
        *((f"vouchers {state}", n) for state, n in sorted(report["states"].items())),
        ("flagged redemptions", report["flagged"]["total"]),
    ):
        summary.append(list(row))
    days = _Sheet(book, "days")
    days.append(list(DAY_HEADER))
    for row in _day_rows(report):
        days.append(list(row))
    customers = _Sheet(book, "customers")
    customers.append(_heading(CUSTOMER_HEADER, zone))
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        async for chunk in _customers(conn, campaign.id):
            await asyncio.to_thread(_append, customers, chunk, CUSTOMER_HEADER, tz)
    flagged = _Sheet(book, "flagged")
    flagged.append(_heading(FLAGGED_HEADER, zone))
    _append(flagged, report["flagged"]["items"], FLAGGED_HEADER, tz)
    out = io.BytesIO()
    await asyncio.to_thread(book.save, out)
    return out.getvalue()


def _append(sheet: Any, rows: Iterable[Any], header: Sequence[str], tz: ZoneInfo) -> None:
    for r in rows:
        sheet.append([_local(r[h], tz) for h in header])


# ------------------------------------------------ the outcome and agent reports as files

Table = tuple[list[str], list[list[Any]]]


def outcome_tables(report: dict[str, Any]) -> dict[str, Table]:
    """The outcome report's tables: each fold of the outcomes (a column a code), the
    actions taken during calls by kind, the calls by the customer's local hour, and the
    attempts per target."""
    codes = list(report["outcomes"]["by_code"])
    tables: dict[str, Table] = {
        "by_code": (
            ["code", "outcomes"],
            [[c, n] for c, n in report["outcomes"]["by_code"].items()],
        )
    }
    for fold in ("by_tier", "by_zone", "by_province", "by_local_hour"):
        tables[fold] = (
            [fold.removeprefix("by_"), "total", *codes],
            [
                [row["key"], row["total"], *(row["codes"].get(c, 0) for c in codes)]
                for row in report["outcomes"][fold]
            ],
        )
    tables["actions"] = (
        ["action", "calls"],
        [[k, n] for k, n in report["actions"]["by_kind"].items()],
    )
    tables["calls_by_local_hour"] = (
        ["hour", "calls", "contacted", "abandoned"],
        [
            [h["hour"], h["calls"], h["contacted"], h["abandoned"]]
            for h in report["calls"]["by_local_hour"]
        ],
    )
    tables["attempts_per_target"] = (
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
    return {"agents": (header, rows)}


def tables_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([_csv(h) for h in table[0]])
    writer.writerows([_csv(v) for v in row] for row in table[1])
    return buffer.getvalue()


def tables_xlsx(tables: dict[str, Table]) -> bytes:
    book = Workbook(write_only=True)
    for name, (header, rows) in tables.items():
        sheet = _Sheet(book, name[:31])  # Excel's limit on a sheet's name
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
