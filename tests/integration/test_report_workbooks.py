"""The report workbooks are ones a manager can hand on, read back with openpyxl:
headings in the reader's language (Indonesian unless ``lang=en``), the header row bold
and frozen, every column wide enough for its heading and values (no ``#####``) within a
cap, money as numbers in ``"Rp" #,##0``, times as real dates in the zone the heading
names, rates as percentages; and the summary counts what the days count."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import openpyxl
from aiohttp.test_utils import TestClient, TestServer
from openpyxl.worksheet.worksheet import Worksheet

from dialer.app import create_app
from dialer.auth import service as auth
from dialer.db import Pool
from dialer.reports import labels
from dialer.reports.workbook import FORMATS, INTEGER, MAX_WIDTH, shown_length
from dialer.settings import Settings
from dialer.vouchers import redemptions
from tests.factories import Factory, row
from tests.integration.test_reports import T1, T2, T3, call, outcome, redeem, status
from tests.integration.test_vouchers import MESSAGE, VOUCHER, issue

KIND_OF = {number_format: kind for kind, number_format in FORMATS.items()}
CUSTOMERS_ID = (
    "Kode voucher",
    "Status",
    "Nomor IndiHome",
    "Nama",
    "Kelas",
    "Zona",
    "Nomor WhatsApp",
    "Agen",
    "Waktu terbit (WITA)",
    "Waktu terkirim (WITA)",
    "Waktu sampai (WITA)",
    "Waktu dibaca (WITA)",
    "Waktu gagal (WITA)",
    "Tanggal bayar (WITA)",
    "Berlaku sampai (WITA)",
)


async def _vouchers(conn: asyncpg.Connection, pool: Pool, factory: Factory) -> dict[str, str]:
    """Two vouchers: one read (so sent and delivered too) and redeemed, one delivered;
    a second use of the first, and an unknown code paid Rp 2,067,000. A manager's
    bearer header."""
    campaign = await factory.create_campaign(voucher=VOUCHER | {"quota": 3}, name="buku")
    await factory.create_targets(campaign, [row(1), row(2)])
    t1, t2 = [r["id"] for r in await conn.fetch("SELECT id FROM targets ORDER BY id")]
    agent = await auth.create_user(conn, username="ani", role="agent", password=None)
    a = await outcome(conn, campaign.id, t1, agent.id, "pays_via_bukalapak", T1)
    d = await outcome(conn, campaign.id, t2, agent.id, "pays_via_bukalapak", T2)
    va = (await issue(pool, campaign.id, VOUCHER, t1, a, agent.id, T1, MESSAGE)).voucher
    vd = (await issue(pool, campaign.id, VOUCHER, t2, d, agent.id, T2, MESSAGE)).voucher
    assert va and vd
    assert await status(conn, va["id"], "read", T1 + timedelta(minutes=1)) == "applied"
    assert await status(conn, vd["id"], "delivered", T2 + timedelta(minutes=9)) == "applied"
    assert await redeem(conn, "R-1", va["code"], T3) == "redeemed"
    assert await redeem(conn, "R-2", va["code"], T3) == "second_use"
    async with conn.transaction():
        await redemptions.redeem(
            conn,
            reference="R-3",
            code="BLNOSUCHCODE",
            redeemed_at=T3,
            amount=2_067_000,
            source="callback",
            now=T3,
        )
    boss = await auth.create_user(conn, username="mira", role="manager", password=None)
    return {"Authorization": f"Bearer {(await auth.issue_token(conn, boss.id, kind='api'))[0]}"}


async def _book(client: Any, path: str, headers: dict[str, str]) -> Any:
    resp = await client.get(path, headers=headers)
    assert resp.status == 200, await resp.text()
    return openpyxl.load_workbook(io.BytesIO(await resp.read()))


def _rows(sheet: Worksheet) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(values_only=True))


def _handed_on(sheet: Worksheet) -> None:
    """The header row bold and frozen; each column fitted to what it shows, capped."""
    assert sheet.freeze_panes == "A2", sheet.title
    assert all(cell.font.b for cell in sheet[1]), sheet.title
    rows = list(sheet.iter_rows())
    for i, heading in enumerate(rows[0]):
        letter = heading.column_letter
        width = sheet.column_dimensions[letter].width
        assert width <= MAX_WIDTH, (sheet.title, letter)
        assert width >= len(str(heading.value)), (sheet.title, heading.value, width)
        for r in rows[1:]:
            cell = r[i] if i < len(r) else None
            if cell is None or cell.value is None or cell.data_type == "s":
                continue  # a text may run on into the empty cell beside it
            # A number or a date too wide for its column shows #####.
            kind = KIND_OF.get(cell.number_format, INTEGER)
            shown = shown_length(cell.value, kind)
            assert width >= shown, (sheet.title, letter, cell.value, width)


def _column(rows: list[tuple[Any, ...]], heading: str) -> Iterator[Any]:
    i = rows[0].index(heading)
    return (r[i] for r in rows[1:])


async def test_the_voucher_workbook_is_in_the_readers_words_and_formats(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    headers = await _vouchers(conn, pool, factory)
    url = "/api/campaigns/buku/reports/vouchers.xlsx"
    async with TestClient(TestServer(create_app(settings, pool=pool))) as client:
        book = await _book(client, url + "?zone=WITA", headers)
        english = await _book(client, url + "?lang=en", headers)

    assert book.sheetnames == ["Ringkasan", "Per hari", "Pelanggan", "Penukaran ditandai"]
    for sheet in book.worksheets:
        _handed_on(sheet)
    customers = book["Pelanggan"]
    assert _rows(customers)[0] == CUSTOMERS_ID
    first = customers[2]
    # 03:00 UTC is 11:00 WITA: a real date, shown day first.
    assert first[8].value == datetime(2022, 9, 5, 11, 0) and first[8].is_date
    assert first[8].number_format == "dd/mm/yyyy hh:mm"
    assert first[1].value == "ditukar" and first[2].value == row(1)["indihome_number"]
    # Dates fit: the default width (13) would show 16 characters as #####.
    assert customers.column_dimensions["I"].width >= 16
    flagged = book["Penukaran ditandai"]
    rows = _rows(flagged)
    assert rows[0] == (
        "Referensi",
        "Kode voucher",
        "Hasil",
        "Tanggal bayar (WITA)",
        "Waktu diterima (WITA)",
        "Sumber",
        "Jumlah bayar",
    )
    assert [r[2] for r in rows[1:]] == ["dipakai kedua kali", "kode tidak dikenal"]
    amount = flagged["G3"]
    assert amount.value == 2_067_000 and amount.data_type == "n"
    assert amount.number_format == '"Rp" #,##0'
    summary = {r[0].value: r[1] for r in book["Ringkasan"].iter_rows(min_row=2) if r[0].value}
    rate = summary["Tingkat penukaran"]
    assert rate.value == 0.5 and rate.number_format == "0.0%"
    assert summary["Per waktu (WITA)"].is_date
    days = book["Per hari"]
    assert days["A2"].is_date and days["A2"].number_format == "dd/mm/yyyy"

    assert english.sheetnames == ["Summary", "By day", "Customers", "Flagged redemptions"]
    heading = _rows(english["Customers"])[0]
    assert heading[:3] == ("Voucher code", "State", "IndiHome number")
    assert heading[8] == "Issued (WIB)" and heading[13] == "Paid (WIB)"
    assert english["Customers"]["B2"].value == "redeemed"
    assert english["Customers"]["I2"].value == datetime(2022, 9, 5, 10, 0)
    assert _rows(english["By day"])[0][:3] == ("Day", "Offered", "Accepted")


async def test_the_summary_counts_what_the_days_count(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    headers = await _vouchers(conn, pool, factory)
    async with TestClient(TestServer(create_app(settings, pool=pool))) as client:
        book = await _book(client, "/api/campaigns/buku/reports/vouchers.xlsx", headers)
    days = _rows(book["Per hari"])
    dated = [r for r in days[1:] if isinstance(r[0], datetime)]
    assert len(dated) == 3  # the 5th, the 6th and the 7th (WIB)
    total = next(r for r in days if r[0] == "Jumlah")
    summary = dict(r[:2] for r in _rows(book["Ringkasan"])[1:] if r[0])
    for i, heading in enumerate(days[0][1:], start=1):
        assert sum(r[i] for r in dated) == total[i] == summary[heading], heading
    # Steps reached, not states now: the read voucher was delivered too, so two were
    # delivered (by state now, one is redeemed and one delivered).
    assert summary["WA sampai"] == 2 and summary["WA dibaca"] == 1
    assert summary["WA terkirim"] == 2 and summary["Ditukar"] == 1
    # Both sheets say how they count.
    note = labels.summary("counting", "id")
    assert summary["Catatan"] == note and any(r[0] == note for r in days)


async def test_the_outcome_and_agent_workbooks_are_in_the_readers_words(
    client: Any, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.create_campaign(name="kerja")
    await factory.create_targets(campaign, [row(1, name="Siti Rahmawati Kusumadewi")])
    target = await conn.fetchval("SELECT id FROM targets")
    ani = await auth.create_user(conn, username="ani", role="agent", password=None)
    placed = datetime(2022, 9, 5, 2, 0, tzinfo=UTC)
    attempt = await call(conn, campaign.id, target, "contacted", placed, agent=ani.id, talk=95)
    await conn.execute(
        "INSERT INTO outcomes (attempt_id, campaign_id, target_id, agent_id, code,"
        " hub_penerima, recorded_at) VALUES ($1, $2, $3, $4, 'already_paid',"
        " 'YANG BERSANGKUTAN', $5)",
        attempt,
        campaign.id,
        target,
        ani.id,
        placed + timedelta(minutes=3),
    )
    await conn.execute(
        "INSERT INTO call_actions (attempt_id, campaign_id, target_id, kind, recorded_at)"
        " VALUES ($1, $2, $3, 'ticket', $4)",
        attempt,
        campaign.id,
        target,
        placed + timedelta(minutes=3),
    )
    boss = await auth.create_user(conn, username="mira", role="manager", password=None)
    headers = {"Authorization": f"Bearer {(await auth.issue_token(conn, boss.id, kind='api'))[0]}"}
    base = "/api/campaigns/kerja/reports"

    agents = await _book(client, f"{base}/agents.xlsx", headers)
    assert agents.sheetnames == ["Agen"]
    _handed_on(agents["Agen"])
    rows = _rows(agents["Agen"])
    assert rows[0] == (
        "Nama pengguna",
        "Nama",
        "Panggilan",
        "Waktu bicara (detik)",
        "Kerja setelah panggilan (detik)",
        "Hasil dicatat",
        "Voucher terbit",
        "SUDAH LUNAS",
        "Istirahat (detik)",
    )
    assert rows[1][:4] == ("ani", "ani", 1, 95) and rows[1][7] == 1
    outcomes = await _book(client, f"{base}/outcomes.xlsx", headers)
    assert outcomes.sheetnames[:3] == ["Ringkasan", "Per hasil", "Per kelas"]
    for sheet in outcomes.worksheets:
        _handed_on(sheet)
    assert _rows(outcomes["Per hasil"]) == [
        ("Hasil panggilan", "Hasil dicatat"),
        ("SUDAH LUNAS", 1),
    ]
    assert _rows(outcomes["Ringkasan"]) == [
        (
            "Panggilan dilakukan",
            "Tingkat terhubung",
            "Tingkat ditinggalkan",
            "Hasil dicatat",
            "Tindakan diambil",
        ),
        (1, 1, 0, 1, 1),
    ]
    assert outcomes["Ringkasan"]["B2"].number_format == "0.0%"  # 100.0%, not 1
    assert _rows(outcomes["Tindakan"]) == [("Tindakan", "Panggilan"), ("tiket gangguan", 1)]
    assert _rows(outcomes["Panggilan per jam"])[0] == (
        "Jam pelanggan",
        "Panggilan",
        "Terhubung",
        "Ditinggalkan",
    )
    english = await _book(client, f"{base}/outcomes.xlsx?lang=en", headers)
    assert _rows(english["By outcome"]) == [("Outcome", "Outcomes recorded"), ("Already paid", 1)]
    assert _rows(english["By tier"])[0] == ("Tier", "Total", "Already paid")
    # The CSV keeps its machine header and codes, for programs.
    resp = await client.get(f"{base}/outcomes.csv?table=by_code", headers=headers)
    assert (await resp.text()).splitlines() == ["code,outcomes", "already_paid,1"]
