"""The large-file import: a CSV at least ``feed.SPLIT_MIN_BYTES`` big is cut at a record
boundary (``find_split``) and read by two worker processes at once. Its result must be
the small path's, exactly: the same accepted rows in the same order, the same rejections
on the same physical lines on both sides of the cut, duplicates found across the halves.

The threshold is lowered for the test (a few hundred rows, not 16 MiB), and the test
checks that the cut really happened and that the second worker's chunks were used.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from dialer.dnc import service as dnc
from dialer.targets import feed
from dialer.targets.reader import find_split
from tests.factories import HEADER, Factory, import_file, row

ROWS = 600
PROVINCE = "Jawa Barat"
NOT_A_PROVINCE = "Jawa Bxrat"  # the same length: the file's cut does not move


@dataclass
class Record:
    values: dict[str, str]
    first_line: int = 0
    last_line: int = 0
    text: str = ""
    flags: set[str] = field(default_factory=set)

    def render(self) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow([self.values[h] for h in HEADER])
        return out.getvalue()


def _records() -> list[Record]:
    records = []
    for i in range(ROWS):
        values = row(i)
        r = Record(values)
        if i % 9 == 4:  # a quoted address over two physical lines
            values["address"] = f'Jl. Melati {i}\nRT 01/RW 02, "Blok" C'
        if i % 13 == 6:
            values["province"] = "Atlantis"
        if i % 17 == 3:
            values["tier"] = "Silver"  # the seed campaign dials Platinum and Gold
        records.append(r)
    # Near the end of the file (the second half): numbers of rows near its start.
    for k, i in enumerate(range(ROWS - 20, ROWS - 10)):
        records[i].values["indihome_number"] = row(2 * k + 1)["indihome_number"]
    for k, i in enumerate(range(ROWS - 10, ROWS)):
        records[i].values["msisdn"] = row(2 * k + 2)["msisdn"]
    return records


def _layout(records: list[Record]) -> str:
    line = 1  # the header
    for r in records:
        r.text = r.render()
        r.first_line = line + 1
        line += r.text.count("\n")
        r.last_line = line
    return ",".join(HEADER) + "\n" + "".join(r.text for r in records)


def _eligible(r: Record) -> bool:
    return r.values["province"] == PROVINCE and r.values["tier"] != "Silver"


@dataclass
class Expected:
    accepted: list[int]  # lines, in file order
    rejected: list[int]
    duplicates: list[int]
    dnc: list[int]
    out_of_tier: int


def _expected(records: list[Record], dnc_msisdns: set[str]) -> Expected:
    """What the import must do, worked out again from the rules."""
    accepted, rejected, duplicates, on_dnc = [], [], [], []
    out_of_tier = 0
    indihome: set[str] = set()
    msisdn: set[str] = set()
    for r in records:
        v = r.values
        if v["province"] != PROVINCE:
            rejected.append(r.last_line)  # a record is reported on its last line
        elif v["tier"] == "Silver":
            out_of_tier += 1
        elif v["msisdn"] in dnc_msisdns:
            on_dnc.append(r.last_line)
        elif v["indihome_number"] in indihome or v["msisdn"] in msisdn:
            duplicates.append(r.last_line)
        else:
            indihome.add(v["indihome_number"])
            msisdn.add(v["msisdn"])
            accepted.append(r.last_line)
    return Expected(accepted, rejected, duplicates, on_dnc, out_of_tier)


def _build(tmp: Path) -> tuple[Path, list[Record], tuple[int, int], dict[str, Any]]:
    """The list, its cut, and which records sit at the cut.

    Written once to find the cut, then the records around it changed in place, byte
    for byte the same length, so the cut stays where it was: the last record of the
    first half and the first of the second are rejected, and the next eligible record
    after the cut repeats the numbers of the last eligible ones before it.
    """
    records = _records()
    path = tmp / "big.csv"
    path.write_text(_layout(records), encoding="utf-8")
    split = find_split(path)
    assert split is not None
    _, lines_before = split
    last_first = next(r for r in records if r.last_line == lines_before)
    first_second = next(r for r in records if r.first_line == lines_before + 1)
    for r in (last_first, first_second):
        r.values["province"] = NOT_A_PROVINCE
    before = [r for r in records if r.last_line < lines_before and _eligible(r)]
    after = [r for r in records if r.first_line > lines_before + 1 and _eligible(r)]
    after[0].values["indihome_number"] = before[-1].values["indihome_number"]
    after[1].values["msisdn"] = before[-2].values["msisdn"]
    text = _layout(records)
    path.write_text(text, encoding="utf-8")
    assert find_split(path) == split, "the edits moved the cut"
    # One number of each half on the do-not-call list.
    dnc_rows = [before[-3], after[2]]
    marks = {
        "cut": lines_before,
        "dup_of": [before[-1].last_line, before[-2].last_line],
        "dups": [after[0].last_line, after[1].last_line],
        "dnc": [r.values["msisdn"] for r in dnc_rows],
    }
    return path, records, split, marks


async def _import(conn: asyncpg.Connection, campaign: Any, path: Path, **kw: Any) -> Any:
    # Several chunks per half, none ending at the cut.
    return await import_file(conn, campaign, path, chunk_rows=37, **kw)


async def _stored(conn: asyncpg.Connection, campaign_id: int, import_id: int) -> Any:
    targets = await conn.fetch(
        "SELECT line, customer_id, name, indihome_number, msisdn, wa_number, tier, product,"
        " address, province, zone, bill_month, bill_amount, payment_channels"
        " FROM targets WHERE campaign_id = $1 ORDER BY id",
        campaign_id,
    )
    rejections = await conn.fetch(
        "SELECT line, reasons, raw FROM import_rejections WHERE import_id = $1 ORDER BY line",
        import_id,
    )
    return [tuple(r) for r in targets], [tuple(r) for r in rejections]


async def test_a_large_file_read_by_two_processes_imports_as_the_small_path_does(
    conn: asyncpg.Connection, factory: Factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, records, split, marks = _build(tmp_path)
    for number in marks["dnc"]:
        await dnc.add(conn, number, reason="asked", source="test", actor="t")
    want = _expected(records, set(marks["dnc"]))
    cut = marks["cut"]
    # The oracle's own premises: every duplicate is in the second half, of a row in
    # the first; rejections on both sides of the cut.
    assert all(line > cut for line in want.duplicates)
    assert set(marks["dups"]) <= set(want.duplicates)
    assert min(want.rejected) < cut < max(want.rejected)

    # The small path: one worker thread.
    small_campaign = await factory.create_campaign(name="small-path")
    small = await _import(conn, small_campaign, path, use_process=False)

    # The large path, the threshold lowered: spy on the cut and on the second half.
    cuts: list[tuple[int, int] | None] = []
    from_second: list[str] = []

    def spying_split(p: Path) -> tuple[int, int] | None:
        found = find_split(p)
        cuts.append(found)
        return found

    receive = feed._Spill.receive

    def spying_receive(self: Any) -> tuple[Any, ...]:
        message = receive(self)
        from_second.append(message[0])
        return message

    monkeypatch.setattr(feed, "SPLIT_MIN_BYTES", 1)
    monkeypatch.setattr(feed, "find_split", spying_split)
    monkeypatch.setattr(feed._Spill, "receive", spying_receive)
    large_campaign = await factory.create_campaign(name="large-path")
    large = await _import(conn, large_campaign, path, use_process=True)

    assert cuts == [split]
    assert from_second.count("chunk") >= 2 and from_second[-1] == "done"

    # The same summary…
    assert large.to_json() | {"import_id": 0} == small.to_json() | {"import_id": 0}
    assert (large.rows, large.accepted, large.out_of_tier) == (
        ROWS,
        len(want.accepted),
        want.out_of_tier,
    )
    assert (large.duplicates, large.dnc, large.rejected_rows) == (
        len(want.duplicates),
        len(want.dnc),
        len(want.rejected),
    )
    assert sorted({r["line"] for r in large.rejected}) == want.rejected
    # …the same rows stored, in the same order, and the same rejections.
    small_rows, small_rejections = await _stored(conn, small_campaign.id, small.import_id)
    large_rows, large_rejections = await _stored(conn, large_campaign.id, large.import_id)
    assert large_rows == small_rows
    assert large_rejections == small_rejections
    assert [r[0] for r in large_rows] == want.accepted
    assert [r[0] for r in large_rejections] == want.rejected

    # At the cut: the last record of the first half and the first of the second are
    # rejected on their own lines; the repeats just after it are duplicates of rows
    # accepted just before it.
    first_second = next(r for r in records if r.first_line == cut + 1)
    assert cut in want.rejected and first_second.last_line in want.rejected
    reasons = {r["line"]: r for r in large.rejected}
    for line in (cut, first_second.last_line):
        assert reasons[line] == {
            "line": line,
            "field": "province",
            "reason": "is not an Indonesian province",
            "column": "province",  # the file's own header of the field
        }
    stored_lines = {r[0] for r in large_rows}
    assert set(marks["dup_of"]) <= stored_lines
    assert not set(marks["dups"]) & stored_lines
    # A multi-line record on each side of the cut keeps the physical line numbers.
    multi = [r for r in records if r.first_line != r.last_line and _eligible(r)]
    assert any(r.last_line < cut for r in multi) and any(r.first_line > cut for r in multi)
    by_line = {r[0]: r for r in large_rows}
    for r in multi:
        if r.last_line in by_line:
            assert by_line[r.last_line][8] == r.values["address"]
            assert by_line[r.last_line][1] == r.values["customer_id"]
