"""A campaign's target-list imports as managers read them back: the list of imports,
one import's summary with its first rejected lines, and every rejected row as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

from dialer.db import Connection, q
from dialer.errors import NotFound

PAGE = 1000


async def of_campaign(conn: Connection, campaign_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(q("list_imports"), campaign_id)]


async def get(conn: Connection, import_id: int) -> dict[str, Any]:
    """One import's summary; :class:`NotFound` when there is no such import."""
    record = await conn.fetchrow(q("get_import"), import_id)
    if record is None:
        raise NotFound(f"no import {import_id}")
    return dict(record)


async def summary(conn: Connection, import_id: int) -> dict[str, Any]:
    """The import, its first ``PAGE`` rejected lines with each reason, and where the
    CSV of all of them is."""
    found = await get(conn, import_id)
    rejected = await conn.fetch(q("import_rejections"), import_id, 0, PAGE)
    return found | {
        "rejected": [{"line": r["line"], **reason} for r in rejected for reason in r["reasons"]],
        "rejected_csv": f"/api/imports/{import_id}/rejected.csv",
    }


async def rejected_csv(conn: Connection, header: list[str], import_id: int) -> AsyncIterator[str]:
    """Every rejected row as it came (under the file's ``header``), with its line and
    reasons, as CSV text in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["line", "errors", *header])
    after = 0
    while rows := await conn.fetch(q("import_rejections"), import_id, after, PAGE):
        for row in rows:
            errors = "; ".join(f"{r['field']}: {r['reason']}" for r in row["reasons"])
            writer.writerow([row["line"], errors, *row["raw"]])
        after = rows[-1]["line"]
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


async def targets_page(
    conn: Connection, campaign_id: int, *, after: int, limit: int
) -> dict[str, Any]:
    """A page of the campaign's targets in id order after ``after``, and where the next
    page starts (None on the last)."""
    items = [dict(r) for r in await conn.fetch(q("list_targets"), campaign_id, after, limit)]
    return {"targets": items, "next_after": items[-1]["id"] if len(items) == limit else None}
