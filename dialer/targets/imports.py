"""A campaign's target-list imports as managers read them back: the list of imports,
one import's summary with its first rejected lines, and every rejected row as CSV."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from dialer.db import Connection, q
from dialer.errors import NotFound
from dialer.i18n import translate
from dialer.targets.columns import file_columns
from dialer.uploads import csv_chunks

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
    columns = file_columns(found["header"] or [], found["mapping"])
    return found | {
        "rejected": [
            {"line": r["line"], **reason, "column": columns.get(reason.get("field") or "")}
            for r in rejected
            for reason in r["reasons"]
        ],
        "rejected_csv": f"/api/imports/{import_id}/rejected.csv",
    }


async def rejected_csv(
    conn: Connection,
    header: list[str],
    import_id: int,
    *,
    chunk_bytes: int = 1 << 16,
    language: str = "id",
    mapping: dict[str, str] | None = None,
) -> AsyncIterator[str]:
    """Every rejected row as it came (under the file's ``header``), with its line and
    reasons (in ``language``, each field named by the file's own header), as CSV text
    in chunks."""
    said: dict[str, str] = {}  # the same reason recurs on many rows: translated once
    own = file_columns(header, mapping)

    def reason(text: str) -> str:
        if text not in said:
            said[text] = translate(text, language)
        return said[text]

    async def rows() -> AsyncIterator[list[Any]]:
        after = 0
        while page := await conn.fetch(q("import_rejections"), import_id, after, PAGE):
            for row in page:
                errors = "; ".join(
                    f"{own.get(r['field'] or '', r['field'])}: {reason(r['reason'])}"
                    for r in row["reasons"]
                )
                yield [row["line"], errors, *row["raw"]]
            after = page[-1]["line"]

    # The rows as the list had them, so with the line ends spreadsheets write.
    columns = ["line", "errors", *header]
    async for chunk in csv_chunks(columns, rows(), chunk_bytes=chunk_bytes, line_end="\r\n"):
        yield chunk


async def targets_page(
    conn: Connection, campaign_id: int, *, after: int, limit: int
) -> dict[str, Any]:
    """A page of the campaign's targets in id order after ``after``, and where the next
    page starts (None on the last)."""
    items = [dict(r) for r in await conn.fetch(q("list_targets"), campaign_id, after, limit)]
    return {"targets": items, "next_after": items[-1]["id"] if len(items) == limit else None}
