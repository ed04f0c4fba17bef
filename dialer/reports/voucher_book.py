"""The voucher redemption report as a workbook a manager can hand on: a sheet for the
summary, the days, the customers (streamed from a cursor, in chunks) and the flagged
redemptions — headings in the reader's language, times in the report's zone (named in
each time's heading), money, dates and rates in their formats (``workbook.py``).

The summary and the days count the same thing: each voucher at every step it reached,
on the day it reached it (a read WhatsApp was sent and delivered too). The summary's
step figures are the days' totals, and both sheets say so in a note row. (The vouchers
by their state *now* are the customers sheet's Status column.)
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from dialer.campaigns.models import Campaign
from dialer.db import Connection
from dialer.reports import labels, vouchers
from dialer.reports.downloads import CUSTOMER_HEADER, FLAGGED_HEADER, customer_chunks, day_rows
from dialer.reports.workbook import (
    DATE,
    DATETIME,
    DECIMAL,
    INTEGER,
    MONEY,
    PERCENT,
    TEXT,
    Column,
    Sheet,
)
from dialer.rules.zones import zone_info

# The columns holding codes (shown as their words) and the kinds of the rest.
CODED = frozenset({"state", "result"})
KINDS = {"amount": MONEY}


def _local(value: Any, tz: ZoneInfo) -> Any:
    """A cell: times in the report's zone, without the zone (Excel has none)."""
    if isinstance(value, datetime):
        return value.astimezone(tz).replace(tzinfo=None)
    return value


def _columns(header: Sequence[str], language: str, zone: str) -> list[Column]:
    return [
        Column(
            labels.heading(h, language, zone),
            DATETIME if h.endswith("_at") else KINDS.get(h, TEXT),
        )
        for h in header
    ]


def _values(record: Any, header: Sequence[str], tz: ZoneInfo, language: str) -> list[Any]:
    return [
        labels.value(record[h], language) if h in CODED else _local(record[h], tz) for h in header
    ]


def _summary(
    book: Workbook,
    campaign: Campaign,
    report: dict[str, Any],
    now: datetime,
    zone: str,
    language: str,
) -> None:
    def say(key: str) -> str:
        return labels.summary(key, language)

    quota, totals = report["quota"], report["totals"]
    rows: list[tuple[str, Any, str]] = [
        (say("campaign"), campaign.name, TEXT),
        (f"{say('as_of')} ({zone})", _local(now, zone_info(zone)), DATETIME),
        (say("quota"), quota["quota"], INTEGER),
        (say("taken"), quota["taken"], INTEGER),
        (say("left"), quota["left"], INTEGER),
        (say("redemption_rate"), totals["redemption_rate"], PERCENT),
        (say("median_hours"), totals["median_hours_to_redemption"], DECIMAL),
        *((labels.heading(step, language), totals[step], INTEGER) for step in vouchers.STEPS),
        (say("flagged"), report["flagged"]["total"], INTEGER),
    ]
    columns = [Column(say("item")), Column(say("value"))]
    sheet = Sheet(book, labels.sheet_name("summary", language), columns, [r[:2] for r in rows])
    for label, value, kind in rows:
        sheet.append([label, value], [TEXT, kind])
    sheet.append([])
    sheet.append([say("note"), say("counting")])


def _days(book: Workbook, report: dict[str, Any], language: str) -> None:
    rows = [list(r) for r in day_rows(report)]
    rows[-1][0] = labels.summary("total", language)  # the totals row
    columns = [
        Column(labels.heading(h, language), DATE if h == "day" else INTEGER)
        for h in ("day", *vouchers.STEPS)
    ]
    sheet = Sheet(book, labels.sheet_name("days", language), columns, rows)
    sheet.extend(rows[:-1])
    sheet.append(rows[-1], [TEXT])
    sheet.append([])
    sheet.append([labels.summary("counting", language)], [TEXT])


async def voucher_report_xlsx(
    conn: Connection, campaign: Campaign, *, now: datetime, zone: str, language: str
) -> bytes:
    """The voucher report as a workbook for people reading ``language``: a sheet for
    the summary, the days, the customers and the flagged redemptions."""
    tz = zone_info(zone)
    book = Workbook(write_only=True)
    report = await vouchers.voucher_report(
        conn, campaign, now=now, zone=zone, customers=vouchers.Page(limit=0)
    )
    _summary(book, campaign, report, now, zone, language)
    _days(book, report, language)
    columns = _columns(CUSTOMER_HEADER, language, zone)
    sheet: Sheet | None = None
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        async for chunk in customer_chunks(conn, campaign.id):
            rows = [_values(r, CUSTOMER_HEADER, tz, language) for r in chunk]
            if sheet is None:  # the widths from the first chunk: a bounded sample
                sheet = Sheet(book, labels.sheet_name("customers", language), columns, rows)
            await asyncio.to_thread(sheet.extend, rows)
    if sheet is None:
        Sheet(book, labels.sheet_name("customers", language), columns)
    flagged = [_values(r, FLAGGED_HEADER, tz, language) for r in report["flagged"]["items"]]
    name = labels.sheet_name("flagged", language)
    Sheet(book, name, _columns(FLAGGED_HEADER, language, zone), flagged).extend(flagged)
    out = io.BytesIO()
    await asyncio.to_thread(book.save, out)
    return out.getvalue()
