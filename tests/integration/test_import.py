"""Target-list import against a real PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import openpyxl
import pytest

from dialer.dnc import service as dnc
from dialer.errors import ValidationFailed
from tests.factories import HEADER, Factory, import_file, row

run = import_file


async def count(conn: asyncpg.Connection, campaign_id: int) -> int:
    return int(
        await conn.fetchval("SELECT count(*) FROM targets WHERE campaign_id = $1", campaign_id)
    )


async def test_rules_apply_in_order(conn: asyncpg.Connection, factory: Factory) -> None:
    campaign = await factory.create_campaign()
    await dnc.add(conn, "081200000003", reason="asked", source="test", actor="t")
    rows = [
        row(0),  # accepted
        row(1, tier="Silver"),  # out_of_tier
        row(2, tier="Silver", msisdn="0812-0000-0003"),  # out_of_tier beats dnc
        row(3),  # dnc
        row(4, indihome_number=row(0)["indihome_number"]),  # duplicate (IndiHome)
        row(5, msisdn="+62 812 0000 0000"),  # duplicate (MSISDN of row 0)
        row(6, name="", province="Atlantis"),  # rejected, two reasons
    ]
    summary = await run(conn, campaign, factory.write_csv(rows))
    assert (summary.accepted, summary.out_of_tier, summary.dnc, summary.duplicates) == (1, 2, 1, 2)
    assert summary.rejected == [
        {"line": 8, "field": "name", "reason": "is missing", "column": "name"},
        {
            "line": 8,
            "field": "province",
            "reason": "is not an Indonesian province",
            "column": "province",
        },
    ]
    assert await count(conn, campaign.id) == 1


async def test_a_duplicate_of_a_rejected_or_duplicate_row_is_not_a_duplicate(
    conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.create_campaign()
    a = row(0)
    b = row(1, msisdn=a["msisdn"])  # duplicate of a (msisdn): not accepted
    c = row(2, indihome_number=b["indihome_number"])  # b was never accepted → accepted
    summary = await run(conn, campaign, factory.write_csv([a, b, c]))
    assert (summary.accepted, summary.duplicates) == (2, 1)


async def test_uploading_the_same_file_again_accepts_nothing_new(
    conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.create_campaign()
    path = factory.write_csv([row(i) for i in range(20)])
    first = await run(conn, campaign, path)
    second = await run(conn, campaign, path)
    assert first.accepted == 20
    assert (second.accepted, second.duplicates) == (0, 20)
    assert await count(conn, campaign.id) == 20
    more = factory.write_csv([row(i) for i in range(15, 30)], name="more.csv")
    third = await run(conn, campaign, more)
    assert (third.accepted, third.duplicates) == (10, 5)


async def test_campaigns_do_not_share_duplicates(
    conn: asyncpg.Connection, factory: Factory
) -> None:
    one, two = await factory.create_campaign(), await factory.create_campaign()
    path = factory.write_csv([row(i) for i in range(5)])
    assert (await run(conn, one, path)).accepted == 5
    assert (await run(conn, two, path)).accepted == 5


@pytest.mark.parametrize(
    ("delimiter", "encoding", "newline"),
    [
        (",", "utf-8", "\n"),
        (";", "utf-8-sig", "\r\n"),
        (";", "utf-8", "\n"),
        (",", "utf-8-sig", "\r\n"),
    ],
)
async def test_csv_dialects(
    conn: asyncpg.Connection, factory: Factory, delimiter: str, encoding: str, newline: str
) -> None:
    campaign = await factory.create_campaign()
    rows = [row(i, address=f"Jl. A, No. {i}") for i in range(4)]
    path = factory.write_csv(rows, delimiter=delimiter, encoding=encoding, newline=newline)
    summary = await run(conn, campaign, path)
    assert summary.accepted == 4, summary.to_json()
    stored = await conn.fetchval(
        "SELECT address FROM targets WHERE line = 2 AND campaign_id = $1", campaign.id
    )
    assert stored == "Jl. A, No. 0"


async def test_xlsx_with_indonesian_headers(
    conn: asyncpg.Connection, factory: Factory, tmp_path: Path
) -> None:
    campaign = await factory.create_campaign()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "ID Pelanggan",
            "Nama",
            "No IndiHome",
            "No HP",
            "No WA",
            "Kelas",
            "Produk",
            "Alamat",
            "Provinsi",
            "Bulan Tagihan",
            "Tagihan",
            "Channel Bayar",
        ]
    )
    sheet.append(
        [
            "C1",
            "Siti",
            122000000001,
            81200000001,
            None,
            "Gold",
            "Telepon",
            "Jl. B",
            "Sulawesi Selatan",
            "2022-08",
            350000,
            "Indomaret",
        ]
    )
    sheet.append(
        [
            "C2",
            "Budi",
            "1220 0000 0002",
            "0812-0000-0002",
            None,
            "Platinum",
            "Internet",
            "Jl. C",
            "Papua",
            "2022-08",
            "Rp 1.250.000",
            "",
        ]
    )
    path = tmp_path / "list.xlsx"
    book.save(path)
    summary = await run(conn, campaign, path)
    assert summary.accepted == 2, summary.to_json()
    records = await conn.fetch(
        "SELECT msisdn, zone, product, bill_amount FROM targets WHERE campaign_id = $1 ORDER BY line",
        campaign.id,
    )
    assert [tuple(r) for r in records] == [
        ("+6281200000001", "WITA", "telephone", 350000),
        ("+6281200000002", "WIT", "internet", 1250000),
    ]


async def test_a_mapping_names_unusual_headers(conn: asyncpg.Connection, factory: Factory) -> None:
    campaign = await factory.create_campaign()
    header = list(HEADER)
    header[3] = "Kontak Utama"
    path = factory.write_csv([list(row(0).values())], header=header)
    with pytest.raises(ValidationFailed, match="header"):
        await run(conn, campaign, path)
    summary = await run(conn, campaign, path, mapping={"Kontak Utama": "msisdn"})
    assert summary.accepted == 1


async def test_a_file_with_no_valid_row_imports_nothing(
    conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.create_campaign()
    path = factory.write_csv([row(i, msisdn="bad") for i in range(3)])
    with pytest.raises(ValidationFailed, match="no valid row") as err:
        await run(conn, campaign, path)
    assert len(err.value.details) == 3
    assert await conn.fetchval("SELECT count(*) FROM target_imports") == 0
    assert await conn.fetchval("SELECT count(*) FROM import_rejections") == 0


async def test_a_file_broken_midway_leaves_nothing(
    conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.create_campaign()
    path = factory.write_csv([row(i) for i in range(3000)])
    with path.open("ab") as f:
        f.write(b"C9,\xff\xfe broken,1,2,3\n")
    with pytest.raises(ValidationFailed, match="not valid UTF-8 at line 3002"):
        await run(conn, campaign, path, chunk_rows=500)
    assert await count(conn, campaign.id) == 0
    assert await conn.fetchval("SELECT count(*) FROM target_imports") == 0
    # The campaign's first list can still be imported afterwards.
    ok = factory.write_csv([row(i) for i in range(10)], name="ok.csv")
    assert (await run(conn, campaign, ok)).accepted == 10


async def test_a_cancelled_import_leaves_nothing(
    conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.create_campaign()
    path = factory.write_csv([row(i) for i in range(20000)])
    stored: list[int] = []

    def progress(rows: int, done: float) -> None:
        stored.append(rows)
        if rows >= 3000:  # several chunks are in the table: cancel mid-way
            task.cancel()

    task = asyncio.ensure_future(run(conn, campaign, path, chunk_rows=1000, progress=progress))
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stored and max(stored) < 20000
    assert await count(conn, campaign.id) == 0
    assert await conn.fetchval("SELECT count(*) FROM target_imports") == 0


async def test_the_worker_process_path_gives_the_same_result(
    conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.create_campaign()
    rows = [row(i) for i in range(3000)] + [row(1), row(9000, msisdn="x")]
    path = factory.write_csv(rows)
    summary = await run(conn, campaign, path, use_process=True, chunk_rows=700)
    assert (summary.accepted, summary.duplicates, summary.rejected_rows) == (3000, 1, 1)
    assert summary.rejected[0]["line"] == 3003


async def test_concurrent_imports_to_one_campaign_never_double_accept(
    db_url: str, conn: asyncpg.Connection, factory: Factory
) -> None:
    from dialer.db import connect

    campaign = await factory.create_campaign()
    path = factory.write_csv([row(i) for i in range(2000)])
    conns = [await connect(db_url) for _ in range(3)]
    try:
        results = await asyncio.gather(*(run(c, campaign, path) for c in conns))
    finally:
        for c in conns:
            await c.close()
    assert sorted(r.accepted for r in results) == [0, 0, 2000]
    assert await count(conn, campaign.id) == 2000
