"""Importing a target list: parse, validate, normalise, deduplicate, scrub, store.

The rules, in order: **rejected** (a required field missing or invalid; every reason is
kept), **out_of_tier**, **dnc** (its MSISDN on the do-not-call list), **duplicate** (its
IndiHome number or MSISDN already accepted, earlier in the file or in an earlier
upload), otherwise **accepted**.

The whole import is one transaction, so a crash, a cancelled upload or a broken file
leaves nothing behind. Imports to one campaign queue on an advisory lock; inside it the
campaign's accepted numbers and the DNC list are read into memory, rows are checked
against them in line order, and accepted rows stream to PostgreSQL in one COPY while
the next chunk is being validated (see ``feed.py``). A campaign's first list is loaded into a
fresh partition whose indexes are built once, when it is attached.
"""

from __future__ import annotations

import logging
import pickle
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from dialer.db import Connection, q
from dialer.errors import ValidationFailed
from dialer.rules.vocabulary import CUSTOMER_COLUMNS
from dialer.settings import ImportSettings
from dialer.targets.feed import Feed, Rejection
from dialer.targets.reader import sha256_file

# The targets table's columns a COPY fills, in the order of a staged row (``rows.py``):
# the customer's columns with the zone worked out from the province after it.
_ZONE_AFTER = CUSTOMER_COLUMNS.index("province") + 1
TARGET_COLUMNS = (
    "campaign_id",
    "import_id",
    "line",
    *CUSTOMER_COLUMNS[:_ZONE_AFTER],
    "zone",
    *CUSTOMER_COLUMNS[_ZONE_AFTER:],
)
log = logging.getLogger(__name__)
REJECTED_IN_SUMMARY = 1000
IMPORT_LOCK_NAMESPACE = 0x7467  # "tg": pg_advisory_xact_lock(namespace, campaign id)
PROCESS_THRESHOLD_BYTES = 4 * 1024 * 1024

Progress = Callable[[int, float], None]


@dataclass
class ImportSummary:
    """What an import did. ``rejected`` lists the first reasons (each with its line, the
    field, and ``column``: the file's own header of that field); the CSV has them all."""

    import_id: int
    accepted: int = 0
    duplicates: int = 0
    dnc: int = 0
    out_of_tier: int = 0
    rows: int = 0
    rejected_rows: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    reasons_total: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "import_id": self.import_id,
            "rows": self.rows,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "dnc": self.dnc,
            "out_of_tier": self.out_of_tier,
            "rejected_rows": self.rejected_rows,
            "rejected": self.rejected,
            "rejected_truncated": len(self.rejected) < self.reasons_total,
            "ignored_columns": self.ignored_columns,
        }


@dataclass
class _Seen:
    """Numbers already accepted for the campaign, and the DNC list, as ints (compact)."""

    indihome: set[int]
    msisdn: set[int]
    dnc: set[int]


async def import_targets(
    conn: Connection,
    *,
    campaign_id: int,
    tiers: Sequence[str],
    path: Path,
    filename: str,
    actor: str,
    mapping: Mapping[str, str] | None = None,
    chunk_rows: int = 5000,
    progress: Progress | None = None,
    use_process: bool | None = None,
    limits: ImportSettings | None = None,
) -> ImportSummary:
    """Import the list at ``path`` into a campaign, atomically; see the module doc. An
    XLSX file is read within ``limits`` (``DIALER_IMPORTS__XLSX_*``)."""
    if use_process is None:
        use_process = path.stat().st_size > PROCESS_THRESHOLD_BYTES
    feed = Feed(
        path,
        filename,
        mapping,
        frozenset(tiers),
        chunk_rows,
        use_process=use_process,
        limits=limits,
    )
    await feed.start()
    try:
        async with conn.transaction():
            await conn.execute(q("import_lock"), IMPORT_LOCK_NAMESPACE, campaign_id)
            digest = sha256_file(path)
            record = await conn.fetchrow(
                q("insert_import"),
                campaign_id,
                filename,
                feed.format,
                digest,
                dict(mapping or {}),
                actor,
                feed.header,
            )
            assert record is not None
            summary = ImportSummary(import_id=record["id"], ignored_columns=list(feed.ignored))
            partition = await conn.fetchval(q("targets_partition"), campaign_id)
            fresh = partition is None
            if fresh:
                partition = await conn.fetchval(q("create_targets_partition"), campaign_id)
            seen = await _load_seen(conn, campaign_id, fresh=fresh)
            with _RejectionSpool() as spool:
                accepted = _accepted(feed, campaign_id, summary, seen, spool, progress)
                await conn.copy_records_to_table(
                    partition, records=accepted, columns=TARGET_COLUMNS
                )
                _refuse_empty(summary, filename)
                if spool.count:
                    await conn.copy_records_to_table(
                        "import_rejections",
                        records=spool.records(summary.import_id),
                        columns=("import_id", "line", "reasons", "raw"),
                    )
            if fresh:
                await conn.execute(q("attach_targets_partition"), campaign_id)
            await conn.execute(
                q("finish_import"),
                summary.import_id,
                summary.rows,
                summary.accepted,
                summary.duplicates,
                summary.dnc,
                summary.out_of_tier,
                summary.rejected_rows,
            )
            # The COPY into the partition fires no counting trigger (migration 0014).
            await conn.execute(q("count_imported_targets"), campaign_id, summary.accepted)
        await conn.execute(q("analyze_targets"), campaign_id)
        log.info(
            "targets imported",
            extra={"campaign_id": campaign_id, "file": filename, "actor": actor}
            | {k: v for k, v in summary.to_json().items() if k != "rejected"},
        )
        return summary
    finally:
        feed.close()


def _refuse_empty(summary: ImportSummary, filename: str) -> None:
    if summary.rows == 0:
        raise ValidationFailed(f"{filename} has a header but no rows; nothing was imported")
    if summary.rows == summary.rejected_rows:
        raise ValidationFailed(
            f"no valid row in {filename}: all {summary.rows} rows were rejected;"
            " nothing was imported",
            details=summary.rejected,
        )


async def _load_seen(conn: Connection, campaign_id: int, *, fresh: bool) -> _Seen:
    seen = _Seen(set(), set(), set())
    async for record in conn.cursor(q("dnc_numbers"), prefetch=20000):
        seen.dnc.add(int(record[0]))
    if not fresh:
        async for record in conn.cursor(q("campaign_numbers"), campaign_id, prefetch=20000):
            seen.indihome.add(int(record[0]))
            seen.msisdn.add(int(record[1]))
    return seen


async def _accepted(
    feed: Feed,
    campaign_id: int,
    summary: ImportSummary,
    seen: _Seen,
    spool: _RejectionSpool,
    progress: Progress | None,
) -> AsyncIterator[tuple[Any, ...]]:
    """The accepted rows of the whole file, as one stream for one COPY.

    One COPY for the whole import lets PostgreSQL store one chunk while this process
    checks the next (a COPY per chunk would wait for each to finish). Rejections cannot
    join the stream, so they are spooled to disk and copied afterwards.
    """
    dnc, indihome_seen, msisdn_seen = seen.dnc, seen.indihome, seen.msisdn
    prefix = (campaign_id, summary.import_id)
    while (chunk := await feed.next()) is not None:
        summary.rows += chunk.rows
        summary.out_of_tier += chunk.out_of_tier
        if chunk.rejections:
            summary.rejected_rows += len(chunk.rejections)
            spool.add(chunk.rejections)
            for line, reasons, _raw in chunk.rejections:
                for reason in reasons:
                    summary.reasons_total += 1
                    if len(summary.rejected) < REJECTED_IN_SUMMARY:
                        column = feed.columns.get(reason.get("field") or "")
                        summary.rejected.append({"line": line, **reason, "column": column})
        accepted = []
        for row in chunk.staged:
            msisdn = int(row[4][1:])  # "+62812…" → 62812…
            if msisdn in dnc:
                summary.dnc += 1
                continue
            indihome = int(row[3])
            if indihome in indihome_seen or msisdn in msisdn_seen:
                summary.duplicates += 1
                continue
            indihome_seen.add(indihome)
            msisdn_seen.add(msisdn)
            accepted.append(prefix + row)
        summary.accepted += len(accepted)
        if progress is not None:
            progress(summary.rows, chunk.progress)
        for record in accepted:
            yield record


class _RejectionSpool:
    """Rejected rows kept on disk until the targets' COPY is done (memory stays flat)."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile(prefix="dialer-rejected-")  # noqa: SIM115 (closed by __exit__)
        self.count = 0

    def __enter__(self) -> _RejectionSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()

    def add(self, rejections: list[Rejection]) -> None:
        pickle.dump(rejections, self.file, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += len(rejections)

    async def records(self, import_id: int) -> AsyncIterator[tuple[Any, ...]]:
        self.file.seek(0)
        while True:
            try:
                rejections: list[Rejection] = pickle.load(self.file)
            except EOFError:
                return
            for line, reasons, raw in rejections:
                yield (import_id, line, reasons, raw)
