"""Target list files at the edges of what the reader takes: files refused with a message
that says why (not UTF-8, empty, a header alone, named .xlsx but not one, an empty
first sheet, a damaged workbook, a field over the CSV limit) and nothing imported; and
files read right whatever their shape (a header below blank rows, no newline at the
end, old Mac line ends, a CRLF cut by the reader's block, a bad byte far into a big
file named on its own line)."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import asyncpg
import openpyxl
import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from dialer.campaigns.models import Campaign
from dialer.errors import ValidationFailed
from dialer.targets import reader
from dialer.targets.service import ImportSummary
from tests.api.test_api import login
from tests.factories import HEADER, Factory, import_file, row

SHEET = "xl/worksheets/sheet1.xml"


async def run(conn: asyncpg.Connection, campaign: Campaign, path: Path) -> ImportSummary:
    return await import_file(conn, campaign, path, use_process=False)


async def nothing_imported(conn: asyncpg.Connection) -> bool:
    return bool(
        await conn.fetchval("SELECT count(*) FROM targets") == 0
        and await conn.fetchval("SELECT count(*) FROM target_imports") == 0
    )


async def lines_stored(conn: asyncpg.Connection, campaign: Campaign) -> list[tuple[int, str]]:
    found = await conn.fetch(
        "SELECT line, customer_id FROM targets WHERE campaign_id = $1 ORDER BY line",
        campaign.id,
    )
    return [(r["line"], r["customer_id"]) for r in found]


def csv_text(rows: list[dict[str, str]], newline: str = "\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(HEADER)
    for r in rows:
        writer.writerow([r[h] for h in HEADER])
    return buffer.getvalue()


async def upload(
    client: TestClient[Any, Any], headers: dict[str, str], ref: str, data: bytes, filename: str
) -> tuple[int, dict[str, Any]]:
    form = FormData()
    form.add_field("file", data, filename=filename, content_type="application/octet-stream")
    resp = await client.post(f"/api/campaigns/{ref}/targets", data=form, headers=headers)
    return resp.status, await resp.json()


async def test_uploads_refused_with_the_reason(
    client: TestClient[Any, Any], conn: asyncpg.Connection, factory: Factory
) -> None:
    manager = await login(client, factory, "mira", "manager")
    campaign = await factory.create_campaign(name="uploads")
    good = csv_text([row(1), row(2), row(3)])

    # Saved as Latin-1 ("CSV" in an old spreadsheet): refused, naming the line of the
    # first byte that is not UTF-8 — though the reader meets it reading the header.
    latin1 = csv_text([row(1), row(2), row(3, name="Andrés")]).encode("latin-1")
    status, body = await upload(client, manager, campaign.name, latin1, "list.csv")
    assert status == 422, body
    assert body["error"]["message"] == (
        "berkas bukan UTF-8 yang valid pada baris 4; simpan sebagai CSV UTF-8"
    )
    assert [d["line"] for d in body["error"]["details"]] == [4]

    cases = [
        (b"", "list.csv", "the file is empty: its first line should be the header"),
        (
            b"\n" + good.encode(),
            "list.csv",
            "the file is empty: its first line should be the header",
        ),
        (
            good.split("\n", 1)[0].encode() + b"\n",
            "header.csv",
            "header.csv has a header but no rows; nothing was imported",
        ),
        (good.encode(), "list.xlsx", "list.xlsx is named .xlsx but is not an XLSX file"),
        (b"PK\x03\x04 not a zip at all", "list.xlsx", "the file is not a readable XLSX workbook"),
    ]
    english = {**manager, "X-Dialer-Language": "en"}  # the manager's page set to English
    for data, filename, message in cases:
        status, body = await upload(client, english, campaign.name, data, filename)
        assert status == 422, (filename, body)
        assert body["error"]["message"].startswith(message), body
    assert await nothing_imported(conn)

    # The same rows as UTF-8: taken.
    status, body = await upload(client, manager, campaign.name, good.encode(), "list.csv")
    assert (status, body["accepted"]) == (201, 3), body


def workbook(path: Path, rows: list[list[Any]], *, first_sheet_empty: bool = False) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    if first_sheet_empty:
        sheet = book.create_sheet("Data")
    for values in rows:
        sheet.append(values)
    book.save(path)
    return path


def xlsx_row(i: int, **overrides: Any) -> list[Any]:
    values: list[Any] = list(row(i, **overrides).values())
    values[HEADER.index("bill_amount")] = 350000  # a number cell
    return values


async def test_a_header_below_blank_rows_is_found_and_lines_are_the_sheets_rows(
    conn: asyncpg.Connection, factory: Factory, tmp_path: Path
) -> None:
    campaign = await factory.create_campaign()
    rows = [[], [None, ""], HEADER, xlsx_row(1), [], xlsx_row(2, msisdn="x"), xlsx_row(3)]
    summary = await run(conn, campaign, workbook(tmp_path / "list.xlsx", rows))
    assert (summary.rows, summary.accepted, summary.rejected_rows) == (3, 2, 1)
    assert summary.rejected == [
        {
            "line": 6,
            "field": "msisdn",
            "reason": "is not a valid Indonesian mobile number",
            "column": "msisdn",
        }
    ]
    assert await lines_stored(conn, campaign) == [(4, "C000001"), (7, "C000003")]


async def test_a_workbook_whose_first_sheet_is_empty_is_refused(
    conn: asyncpg.Connection, factory: Factory, tmp_path: Path
) -> None:
    campaign = await factory.create_campaign()
    path = workbook(tmp_path / "list.xlsx", [HEADER, xlsx_row(1)], first_sheet_empty=True)
    with pytest.raises(ValidationFailed) as refused:
        await run(conn, campaign, path)
    assert refused.value.message == (
        "the workbook's first sheet is empty: it should start with a header"
    )
    assert await nothing_imported(conn)


async def test_a_workbook_damaged_past_its_first_rows_is_refused_and_nothing_kept(
    conn: asyncpg.Connection, factory: Factory, tmp_path: Path
) -> None:
    campaign = await factory.create_campaign()
    whole = workbook(tmp_path / "whole.xlsx", [HEADER] + [xlsx_row(i) for i in range(1500)])
    # The sheet stored uncompressed, one digit of a late cell changed: its checksum no
    # longer matches, which shows when the reading reaches the sheet's end.
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(whole) as src, zipfile.ZipFile(damaged, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == SHEET:
                dst.writestr(SHEET, data, compress_type=zipfile.ZIP_STORED)
            else:
                dst.writestr(info, data)
    raw = bytearray(damaged.read_bytes())
    at = raw.rfind(b"<v>350000</v>")
    assert at > 0
    raw[at + 3] = ord("4")
    damaged.write_bytes(bytes(raw))
    with pytest.raises(ValidationFailed, match=r"^the workbook is damaged near row \d+: Bad CRC"):
        await run(conn, campaign, damaged)
    assert await nothing_imported(conn)


@pytest.mark.parametrize(
    ("newline", "trailing"),
    [("\n", False), ("\r", True), ("\r", False)],
    ids=["no-newline-at-the-end", "old-mac-line-ends", "old-mac-no-newline-at-the-end"],
)
async def test_line_ends_every_row_read_on_its_line(
    conn: asyncpg.Connection, factory: Factory, tmp_path: Path, newline: str, trailing: bool
) -> None:
    campaign = await factory.create_campaign()
    text = csv_text([row(i) for i in range(1, 5)], newline=newline)
    if not trailing:
        text = text.removesuffix(newline)
    path = tmp_path / "list.csv"
    path.write_bytes(text.encode())
    summary = await run(conn, campaign, path)
    assert (summary.rows, summary.accepted) == (4, 4), summary.to_json()
    assert await lines_stored(conn, campaign) == [(i + 1, f"C{i:06d}") for i in range(1, 5)]
    stored = await conn.fetch("SELECT payment_channels FROM targets")
    assert all("\r" not in str(r["payment_channels"]) for r in stored)


async def test_a_crlf_cut_by_the_readers_block_is_one_line_end(
    conn: asyncpg.Connection, factory: Factory, tmp_path: Path
) -> None:
    """The reader takes the text after the header in blocks of ``reader._TEXT_BLOCK``
    characters; a line whose CR ends one block and whose LF starts the next is one
    line, not a line and a blank one."""
    campaign = await factory.create_campaign()
    rows = csv_text([row(i) for i in range(1, 15_000)], newline="\r\n").split("\r\n")[1:-1]
    lines = [line + "\r\n" for line in rows]
    block, total, cut = reader._TEXT_BLOCK, 0, 0
    for i, line in enumerate(lines):
        if total + len(line) + 600 > block:
            # Pad this line's address so that its CR is the block's last character.
            short = block + 1 - total - len(line)
            address = row(i + 1)["address"]
            lines[i] = line.replace(address, address + "x" * short, 1)
            assert total + len(lines[i]) == block + 1 and lines[i][-2] == "\r"
            cut = i
            break
        total += len(line)
    assert cut > 0
    lines = lines[: cut + 3]
    path = tmp_path / "list.csv"
    path.write_bytes((",".join(HEADER) + "\r\n" + "".join(lines)).encode())
    summary = await run(conn, campaign, path)
    assert (summary.rows, summary.accepted) == (len(lines), len(lines)), summary.to_json()
    stored = await lines_stored(conn, campaign)
    assert stored[cut - 1 : cut + 3] == [(n + 1, f"C{n:06d}") for n in range(cut, cut + 4)]
    assert stored[-1] == (len(lines) + 1, f"C{len(lines):06d}")


async def test_a_field_over_the_csv_limit_is_refused_naming_its_line(
    conn: asyncpg.Connection, factory: Factory, tmp_path: Path
) -> None:
    campaign = await factory.create_campaign()
    limit = csv.field_size_limit()
    rows = [row(1), row(2, address="x" * (limit + 10)), row(3)]
    path = tmp_path / "list.csv"
    path.write_text(csv_text(rows))
    with pytest.raises(ValidationFailed) as refused:
        await run(conn, campaign, path)
    assert refused.value.message == (
        f"the file is not valid CSV at line 3: field larger than field limit ({limit})"
    )
    assert refused.value.details == [
        {"line": 3, "field": None, "reason": f"field larger than field limit ({limit})"}
    ]
    assert await nothing_imported(conn)


async def test_a_bad_byte_far_into_a_big_file_is_named_on_its_line(
    conn: asyncpg.Connection, factory: Factory, tmp_path: Path
) -> None:
    """Past the first block the search for the bad byte reads (4 MiB), lines are still
    counted: the line named is the bad byte's."""
    campaign = await factory.create_campaign()
    long = 50_000  # an address well under the CSV field limit; stored cut to 500
    rows = [row(i, address="y" * long) for i in range(1, 101)]  # about 5 MB
    text = csv_text(rows).encode()
    assert len(text) > 4 * (1 << 20)
    path = tmp_path / "big.csv"
    path.write_bytes(text + csv_text([row(101, name="Andrés")]).split("\n", 1)[1].encode("latin-1"))
    with pytest.raises(ValidationFailed) as refused:
        await run(conn, campaign, path)
    assert refused.value.message == (
        "the file is not valid UTF-8 at line 102; save it as CSV UTF-8"
    )
    assert await nothing_imported(conn)
