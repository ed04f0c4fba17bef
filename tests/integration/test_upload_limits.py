"""Upload limits that hold (issue 19, point 3): hostile XLSX files built here — a bomb of
shared strings, a dimension that lies, too many rows, a value far right, a bomb of
unpacked bytes, a document type — are refused with a translated message that names
the limit and nothing imported, or read at the cost of what they hold; an oversize body
is refused; an import past its time budget, or whose client went away, is stopped and
leaves nothing. A workbook written the way Excel writes it reads as openpyxl reads it."""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import threading
import tracemalloc
import zipfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import openpyxl
import pytest
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient, TestServer

from dialer.app import create_app
from dialer.auth import service as auth
from dialer.campaigns.models import Campaign
from dialer.db import Pool
from dialer.errors import PayloadTooLarge
from dialer.settings import ImportSettings, Settings
from dialer.targets.reader import open_rows
from dialer.targets.rows import cell_text
from dialer.targets.service import IMPORT_LOCK_NAMESPACE, PROCESS_THRESHOLD_BYTES
from dialer.targets.xlsx import Stopped, Workbook
from tests.factories import HEADER, Factory, import_file, row

Client = TestClient[Any, Any]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
VOUCHER = {"quota": 50, "expires": "2022-09-30T23:59:59+07:00", "codes": "pool"}
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"


# ---------------------------------------------------------------- workbooks, by hand


def excel_workbook(
    rows: list[list[Any]],
    *,
    dimension: str | None = None,
    extra_strings: int = 0,
    declare_count: bool = True,
    doctype: str = "",
    sheet_tail: str = "",
    first_row: int = 1,
) -> bytes:
    """An XLSX file as Excel writes one: every text in the shared strings (``extra``
    more, never used, after them), numbers as numbers; ``dimension`` as given."""
    strings: dict[str, int] = {}
    xml_rows = []
    for r, values in enumerate(rows, start=first_row):
        cells = []
        for c, value in enumerate(values):
            ref = f"{_letters(c + 1)}{r}"
            if value is None or value == "":
                continue
            if isinstance(value, str):
                index = strings.setdefault(value, len(strings))
                cells.append(f'<c r="{ref}" t="s"><v>{index}</v></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        xml_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    dim = dimension or f"A1:{_letters(max(len(v) for v in rows))}{len(rows)}"
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}'
        f'<worksheet xmlns="{MAIN}" xmlns:r="{RELS}"><dimension ref="{dim}"/>'
        f"<sheetData>{''.join(xml_rows)}{sheet_tail}</sheetData></worksheet>"
    )
    count = len(strings) + extra_strings
    counts = f' count="{count}" uniqueCount="{count}"' if declare_count else ""
    sst = io.BytesIO()
    sst.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}"{counts}>'.encode())
    for text in strings:
        sst.write(f"<si><t>{text}</t></si>".encode())
    sst.write(b"<si><t/></si>" * extra_strings)
    sst.write(b"</sst>")
    return _package(sheet.encode(), sst.getvalue())


def _package(sheet: bytes, sst: bytes | None, styles: bytes | None = None, pr: str = "") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxml'
            'formats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
            'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings'
            '.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" Type='
            f'"{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{RELS}">{pr}<sheets>'
            '<sheet name="Daftar" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{PACKAGE}">'
            f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{RELS}/styles" Target="/xl/styles.xml"/>'
            "</Relationships>",
        )
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        z.writestr("xl/sharedStrings.xml", sst or f'<sst xmlns="{MAIN}"/>'.encode())
        z.writestr(
            "xl/styles.xml",
            styles
            or (
                f'<styleSheet xmlns="{MAIN}"><cellXfs count="1"><xf numFmtId="0"/></cellXfs>'
                "</styleSheet>"
            ).encode(),
        )
    return out.getvalue()


def openpyxl_styles(tmp_path: Path) -> bytes:
    """The styles part of a workbook whose style 1 is the date format ``yyyy-mm``."""
    book = openpyxl.Workbook()
    book.active["A1"] = 1
    book.active["A1"].number_format = "yyyy-mm"
    book.save(tmp_path / "styles.xlsx")
    with zipfile.ZipFile(tmp_path / "styles.xlsx") as z:
        assert '<c r="A1" s="1"' in z.read("xl/worksheets/sheet1.xml").decode()
        return z.read("xl/styles.xml")


def _letters(column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def list_rows(count: int, start: int = 0) -> list[list[Any]]:
    rows: list[list[Any]] = [list(HEADER)]
    for i in range(start, start + count):
        values: list[Any] = list(row(i).values())
        values[HEADER.index("bill_amount")] = 350000
        rows.append(values)
    return rows


# ---------------------------------------------------------------- the service


@pytest.fixture
def node(settings: Settings, pool: Pool, factory: Factory) -> Callable[..., Any]:
    """The service with some limits changed, and a manager's headers."""

    @asynccontextmanager
    async def start(**sections: dict[str, Any]) -> AsyncIterator[tuple[Client, dict[str, str]]]:
        app = create_app(settings.amend(**sections), pool=pool)
        async with TestClient(TestServer(app)) as client:
            yield client, await manager_headers(factory)

    return start


async def manager_headers(factory: Factory) -> dict[str, str]:
    user = await factory.create_user(f"mgr{id(factory) % 10_000}", "manager")
    token, _ = await auth.issue_token(factory.conn, user.id, kind="api")
    return {"Authorization": f"Bearer {token}", "X-Dialer-Language": "en"}


async def upload(
    client: Client, headers: dict[str, str], campaign: Campaign, data: bytes, name: str
) -> tuple[int, dict[str, Any]]:
    form = FormData()
    form.add_field("file", io.BytesIO(data), filename=name, content_type="application/octet-stream")
    resp = await client.post(f"/api/campaigns/{campaign.name}/targets", data=form, headers=headers)
    return resp.status, await resp.json()


async def nothing_imported(conn: asyncpg.Connection) -> bool:
    return bool(
        await conn.fetchval("SELECT count(*) FROM targets") == 0
        and await conn.fetchval("SELECT count(*) FROM target_imports") == 0
    )


# ---------------------------------------------------------------- the tests


def test_a_workbook_written_as_excel_writes_it_reads_as_openpyxl_reads_it(tmp_path: Path) -> None:
    """Shared strings with rich runs and phonetic runs, inline strings, booleans,
    formulas' cached values, dates (in a date format) and numbers, cells without
    references, rows with gaps."""
    sheet = (
        f'<worksheet xmlns="{MAIN}"><sheetData>'
        '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="C2" t="s"><v>1</v></c>'
        '<c r="D2" t="inlineStr"><is><t>Jl. </t><r><t>Melati</t></r></is></c></row>'
        '<row r="5"><c t="b"><v>1</v></c><c><v>12.50</v></c><c s="1"><v>44805</v></c>'
        '<c t="str"><f>A1&amp;"x"</f><v>hasil</v></c><c><v>81200000001</v></c>'
        '<c t="e"><v>#N/A</v></c></row>'
        "<row><c><v>7</v></c></row>"
        "</sheetData></worksheet>"
    ).encode()
    sst = (
        f'<sst xmlns="{MAIN}"><si><t xml:space="preserve"> Siti </t></si>'
        "<si><r><t>Bu</t></r><r><rPr><b/></rPr><t>di</t></r><rPh sb='0' eb='2'><t>ブ</t></rPh></si></sst>"
    ).encode()
    styles = openpyxl_styles(tmp_path)
    path = tmp_path / "excel.xlsx"
    path.write_bytes(_package(sheet, sst, styles))

    def ours() -> list[tuple[int, list[str]]]:
        source = open_rows(path)
        try:
            return [(1, source.header), *source.rows]
        finally:
            source.close()

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    theirs = []
    for values in book.worksheets[0].iter_rows(values_only=True):
        if any(v not in (None, "") for v in values):
            cells = ["" if v is None else cell_text(v) for v in values]
            while cells and cells[-1] == "":
                cells.pop()
            theirs.append(cells)
    book.close()
    read = ours()
    header = [v.strip() for v in read[0][1]]  # the header as str(), the rows as cell_text
    assert [header] + [cells for _, cells in read[1:]] == theirs
    assert [line for line, _ in read[1:]] == [5, 6]
    assert read[1][1][2] == "2022-09"  # 44805 in yyyy-mm: a date, as its month


async def test_a_lying_dimension_costs_nothing(
    node: Callable[..., Any], conn: asyncpg.Connection, factory: Factory
) -> None:
    """2 KB claiming every row and column of a sheet (A1:XFD1048576): openpyxl padded
    every claimed row to every claimed column (20,000 rows: 43 s; this one: hours)."""
    campaign = await factory.create_campaign(name="dimension")
    data = excel_workbook(list_rows(3), dimension="A1:XFD1048576")
    assert len(data) < 4096
    async with node() as (client, headers):
        status, body = await upload(client, headers, campaign, data, "list.xlsx")
    assert (status, body["accepted"], body["rows"]) == (201, 3, 3), body
    lines = await conn.fetch("SELECT line FROM targets ORDER BY line")
    assert [r["line"] for r in lines] == [2, 3, 4]


async def test_a_bomb_of_shared_strings_is_refused_without_reading_it_whole(
    node: Callable[..., Any], conn: asyncpg.Connection, factory: Factory, tmp_path: Path
) -> None:
    """126 KB holding 3 million texts cost 72 CPU-seconds and +280 MB through openpyxl."""
    campaign = await factory.create_campaign(name="bomb")
    data = excel_workbook(list_rows(2), extra_strings=3_000_000, declare_count=False)
    assert len(data) < 200_000
    async with node() as (client, headers):
        status, body = await upload(client, headers, campaign, data, "list.xlsx")
        assert status == 413, body
        assert "(DIALER_IMPORTS__XLSX_MAX_SHARED_STRINGS)" in body["error"]["message"]
        assert "more than 1000000 distinct texts" in body["error"]["message"]
        # Declaring its count, it is refused before a text is read; in Indonesian too.
        declared = excel_workbook(list_rows(2), extra_strings=3_000_000)
        status, body = await upload(
            client, headers | {"X-Dialer-Language": "id"}, campaign, declared, "list.xlsx"
        )
        assert status == 413
        assert body["error"]["message"] == (
            "buku kerja memuat lebih dari 1000000 teks berbeda"
            " (DIALER_IMPORTS__XLSX_MAX_SHARED_STRINGS); tidak ada yang diimpor"
        )
    assert await nothing_imported(conn)
    # What reading it costs: the texts up to the limit, kept compactly.
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(data)
    tracemalloc.start()
    try:
        with pytest.raises(PayloadTooLarge):
            open_rows(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024, f"{peak / 2**20:.0f} MiB"


async def test_rows_columns_unpacked_size_and_a_doctype_are_refused_naming_the_limit(
    node: Callable[..., Any], conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.create_campaign(name="limits")
    async with node(imports={"xlsx_max_rows": 10, "xlsx_max_unpacked_bytes": 60_000}) as (
        client,
        headers,
    ):
        status, body = await upload(
            client, headers, campaign, excel_workbook(list_rows(10)), "a.xlsx"
        )
        assert status == 413 and "(DIALER_IMPORTS__XLSX_MAX_ROWS)" in body["error"]["message"]
        # The sheet's row numbers count, not only the rows there are.
        far = excel_workbook(list_rows(2), first_row=11)
        status, body = await upload(client, headers, campaign, far, "b.xlsx")
        assert status == 413 and "more than 10 rows" in body["error"]["message"]
        # A value in column XFD (16,384): past the 1,000 columns a sheet may reach.
        wide = excel_workbook(list_rows(2), sheet_tail='<row r="4"><c r="XFD4"><v>1</v></c></row>')
        status, body = await upload(client, headers, campaign, wide, "c.xlsx")
        assert status == 413, body
        assert body["error"]["message"].startswith("the sheet has a value in XFD4, beyond its")
        assert "(DIALER_IMPORTS__XLSX_MAX_COLUMNS)" in body["error"]["message"]
        # Empty rows by the thousand: nothing to see, but bytes to unpack.
        padded = excel_workbook(
            list_rows(2), sheet_tail="".join(f'<row r="{4 + i % 5}"/>' for i in range(5000))
        )
        status, body = await upload(client, headers, campaign, padded, "d.xlsx")
        assert status == 413, body
        assert "(DIALER_IMPORTS__XLSX_MAX_UNPACKED_BYTES)" in body["error"]["message"]
        # Entities (the "billion laughs"): no workbook declares a document type.
        laughs = '<!DOCTYPE worksheet [<!ENTITY lol "lol">]>'
        status, body = await upload(
            client, headers, campaign, excel_workbook(list_rows(2), doctype=laughs), "e.xlsx"
        )
        assert status == 422 and "document type" in body["error"]["message"]
        # Within the limits: taken.
        status, body = await upload(
            client, headers, campaign, excel_workbook(list_rows(8)), "f.xlsx"
        )
        assert (status, body.get("accepted")) == (201, 8), body
    assert await conn.fetchval("SELECT count(*) FROM target_imports") == 1


async def test_a_limit_met_in_a_worker_process_is_the_same_413(
    conn: asyncpg.Connection, factory: Factory, tmp_path: Path
) -> None:
    campaign = await factory.create_campaign(name="worker")
    path = tmp_path / "list.xlsx"
    path.write_bytes(excel_workbook(list_rows(30)))
    limits = ImportSettings(xlsx_max_rows=10)
    with pytest.raises(PayloadTooLarge, match="DIALER_IMPORTS__XLSX_MAX_ROWS"):
        await import_file(conn, campaign, path, use_process=True, limits=limits, chunk_rows=4)
    assert await nothing_imported(conn)
    # Within the limits, the worker reads it all, in sheet order.
    summary = await import_file(conn, campaign, path, use_process=True, chunk_rows=4)
    assert summary.accepted == 30
    lines = await conn.fetch("SELECT line FROM targets ORDER BY line")
    assert [r["line"] for r in lines] == list(range(2, 32))


async def test_a_body_over_the_upload_limit_is_refused(
    node: Callable[..., Any], conn: asyncpg.Connection, factory: Factory
) -> None:
    assert Settings().server.max_upload_bytes == 200 * 1024 * 1024  # the default
    campaign = await factory.create_campaign(name="big")
    data = excel_workbook(list_rows(300))
    async with node(server={"max_upload_bytes": len(data) - 1}) as (client, headers):
        status, body = await upload(client, headers, campaign, data, "list.xlsx")
        assert status == 413, body
        assert body["error"]["message"].endswith("MB; nothing was imported")
        # A body whose length says it is over (by more than a form's parts): refused unread.
        status, body = await upload(client, headers, campaign, data * 120, "list.xlsx")
        assert status == 413, body
    assert await nothing_imported(conn)


@asynccontextmanager
async def campaign_locked(db_url: str, campaign: Campaign) -> AsyncIterator[asyncpg.Connection]:
    """Another import of the campaign under way: the next one waits for its lock."""
    holder = await asyncpg.connect(db_url)
    try:
        await holder.execute("SELECT pg_advisory_lock($1, $2)", IMPORT_LOCK_NAMESPACE, campaign.id)
        yield holder
    finally:
        await holder.close()


async def waiting_for_the_lock(conn: asyncpg.Connection) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
    )


async def eventually(conn: asyncpg.Connection, *, waiting: int) -> bool:
    """Whether as many imports wait for a lock within 10 s (a condition awaited, not a
    time measured)."""
    for _ in range(200):
        if await waiting_for_the_lock(conn) == waiting:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_an_import_over_its_time_budget_is_stopped_and_leaves_nothing(
    node: Callable[..., Any], conn: asyncpg.Connection, factory: Factory, db_url: str
) -> None:
    campaign = await factory.create_campaign(name="slow")
    data = excel_workbook(list_rows(3))
    async with (
        node(imports={"max_seconds": 0.5}) as (client, headers),
        campaign_locked(db_url, campaign),
    ):
        status, body = await upload(client, headers, campaign, data, "list.xlsx")
        assert status == 413, body
        assert body["error"]["message"] == (
            "the import took longer than 0.5 seconds (DIALER_IMPORTS__MAX_SECONDS) and was"
            " stopped; nothing was imported"
        )
        assert await waiting_for_the_lock(conn) == 0  # not waiting on behind the answer
    assert await nothing_imported(conn)


async def test_an_import_whose_client_went_away_stops(
    settings: Settings,
    pool: Pool,
    conn: asyncpg.Connection,
    factory: Factory,
    db_url: str,
) -> None:
    """As `dialer serve` runs (aiohttp does not cancel a handler whose client left)."""
    campaign = await factory.create_campaign(name="gone")
    headers = await manager_headers(factory)
    runner = web.AppRunner(create_app(settings, pool=pool), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    form = FormData()
    form.add_field("file", excel_workbook(list_rows(3)), filename="list.xlsx")
    try:
        async with campaign_locked(db_url, campaign):
            async with aiohttp.ClientSession() as session:
                sent = asyncio.ensure_future(
                    session.post(
                        f"http://127.0.0.1:{port}/api/campaigns/{campaign.name}/targets",
                        data=form,
                        headers=headers,
                    )
                )
                assert await eventually(conn, waiting=1), "the import never reached its lock"
                sent.cancel()  # the manager gives up: the connection is closed
                with pytest.raises(asyncio.CancelledError):
                    await sent
            # Its import stops waiting (within a few checks), and nothing is kept. (Not
            # asserted: the "client went away" line — under load aiohttp itself may cancel
            # the handler first; without the check, the import waits on.)
            assert await eventually(conn, waiting=0), "the import is still waiting"
    finally:
        await runner.cleanup()
    assert await nothing_imported(conn)


async def test_a_large_import_over_its_budget_stops_its_worker_processes(
    node: Callable[..., Any], conn: asyncpg.Connection, factory: Factory, db_url: str
) -> None:
    """A file over 4 MB is read by worker processes: stopped with the import."""
    campaign = await factory.create_campaign(name="large")
    path = factory.write_csv([row(i) for i in range(45_000)], name="large.csv")
    assert path.stat().st_size > PROCESS_THRESHOLD_BYTES
    async with (
        node(imports={"max_seconds": 0.5}) as (client, headers),
        campaign_locked(db_url, campaign),
    ):
        status, body = await upload(client, headers, campaign, path.read_bytes(), "large.csv")
        assert status == 413, body
        assert "(DIALER_IMPORTS__MAX_SECONDS)" in body["error"]["message"]
        assert multiprocessing.active_children() == []
    assert await nothing_imported(conn)


def test_a_workbook_read_in_a_thread_stops_when_told(tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    path.write_bytes(excel_workbook(list_rows(3)))
    stop = threading.Event()
    book = Workbook(path, ImportSettings(), stop)
    try:
        stop.set()  # the import was cancelled while this thread was reading
        with pytest.raises(Stopped):
            next(book.rows())
    finally:
        book.close()


async def test_a_file_of_bad_lines_keeps_a_thousand_of_them_not_every_one(
    node: Callable[..., Any], conn: asyncpg.Connection, factory: Factory
) -> None:
    """Partner codes and DNC numbers: each bad line counted, the first thousand kept (a
    200 MB file of bad lines was ten million dicts in memory)."""
    campaign = await factory.create_campaign(voucher=VOUCHER)
    lines = 200_000
    codes = "code\n" + "x\n" * (lines - 1) + "BL-GOOD-0001\n"
    numbers = "msisdn\n" + "x\n" * (lines - 1) + "081200000001\n"
    async with node() as (client, headers):
        tracemalloc.start()
        try:
            form = FormData()
            form.add_field("file", io.BytesIO(codes.encode()), filename="codes.csv")
            resp = await client.post(
                f"/api/campaigns/{campaign.name}/vouchers/import", data=form, headers=headers
            )
            body = await resp.json()
            assert resp.status == 201, body
            assert (body["added"], body["rejected_rows"]) == (1, lines - 1)
            assert [p["line"] for p in body["rejected"]] == list(range(2, 1002))
            form = FormData()
            form.add_field("file", io.BytesIO(numbers.encode()), filename="dnc.csv")
            resp = await client.post("/api/dnc/import", data=form, headers=headers)
            body = await resp.json()
            assert resp.status == 201, body
            assert (body["added"], body["rejected_rows"]) == (1, lines - 1)
            assert len(body["rejected"]) == 1000
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 24 * 1024 * 1024, f"{peak / 2**20:.0f} MiB"
