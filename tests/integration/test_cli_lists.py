"""The lists a manager feeds from the command line — the do-not-call list, billing's
payments, the partner's voucher codes and redemption report — each checked in the
database afterwards; and a bare DNC file (no header) through the HTTP API too."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from dialer.db import Pool
from tests.api.test_api import login
from tests.factories import Factory
from tests.integration.test_embedded_and_cli import dialer
from tests.integration.test_vouchers import VOUCHER, issue, outcomes_for

BAD_NUMBER = "is not a valid Indonesian mobile number"


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


async def dnc_rows(conn: asyncpg.Connection) -> dict[str, tuple[str, str, str]]:
    rows = await conn.fetch("SELECT msisdn, reason, source, added_by FROM dnc")
    return {r["msisdn"]: (r["reason"], r["source"], r["added_by"]) for r in rows}


async def test_dnc_add_prints_the_normalised_number_once_and_refuses_a_bad_one(
    conn: asyncpg.Connection, db_url: str, tmp_path: Path
) -> None:
    added = dialer(
        "dnc",
        "add",
        "0812-3456-7890",
        "--reason",
        "asked on the phone",
        "--actor",
        "mira",
        home=tmp_path,
        env_db=db_url,
    )
    assert (added.returncode, added.stdout) == (0, "+6281234567890: added\n"), added.stderr
    assert await dnc_rows(conn) == {"+6281234567890": ("asked on the phone", "cli", "mira")}

    # The same number written another way: already there, left as it was.
    again = dialer(
        "dnc", "add", "+62 812 3456 7890", "--reason", "again", home=tmp_path, env_db=db_url
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout == "+6281234567890: already on the list\n"
    assert await dnc_rows(conn) == {"+6281234567890": ("asked on the phone", "cli", "mira")}

    bad = dialer("dnc", "add", "021-555", home=tmp_path, env_db=db_url, language="en")
    assert (bad.returncode, bad.stdout) == (2, "")
    assert f"error: '021-555' {BAD_NUMBER}" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert await conn.fetchval("SELECT count(*) FROM dnc") == 1


async def test_dnc_import_with_a_header_and_without_one(
    conn: asyncpg.Connection, db_url: str, tmp_path: Path
) -> None:
    with_header = write(
        tmp_path,
        "dnc-header.csv",
        "No HP;Alasan\n081200000001;minta berhenti\nnonsense;x\n6281200000002;\n",
    )
    done = dialer(
        "dnc", "import", str(with_header), "--actor", "mira", home=tmp_path, env_db=db_url
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "rows": 3,
        "added": 2,
        "already_listed": 0,
        "rejected": [{"line": 3, "field": "msisdn", "value": "nonsense", "reason": BAD_NUMBER}],
        "rejected_rows": 1,
    }
    assert await dnc_rows(conn) == {
        "+6281200000001": ("minta berhenti", "file:dnc-header.csv", "mira"),
        "+6281200000002": ("", "file:dnc-header.csv", "mira"),
    }

    # A bare list, one number a line: its first line is a number, not a header, and
    # line numbers count from it. A blank line is skipped; a repeat is already listed.
    bare = write(
        tmp_path,
        "dnc-bare.csv",
        "081200000011\n0812-0000-0012\n\n12345\n+62 812 0000 0001\n081200000013\n",
    )
    done = dialer("dnc", "import", str(bare), "--actor", "mira", home=tmp_path, env_db=db_url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "rows": 5,
        "added": 3,
        "already_listed": 1,
        "rejected": [{"line": 4, "field": "msisdn", "value": "12345", "reason": BAD_NUMBER}],
        "rejected_rows": 1,
    }
    listed = await dnc_rows(conn)
    assert {n for n, (_, source, _) in listed.items() if source == "file:dnc-bare.csv"} == {
        "+6281200000011",
        "+6281200000012",
        "+6281200000013",
    }
    assert listed["+6281200000001"][1] == "file:dnc-header.csv"  # the repeat changed nothing
    assert len(listed) == 5


async def test_payments_import_records_a_good_file_and_refuses_a_file_with_a_bad_line(
    conn: asyncpg.Connection, db_url: str, tmp_path: Path
) -> None:
    header = "reference,indihome_number,bill_month,amount,channel,paid_at\n"
    good = write(
        tmp_path,
        "payments.csv",
        header + "PAY-1,122000000001,2022-09,Rp 350.000,Bukalapak,2022-09-12T10:15:00+07:00\n"
        "PAY-2,122000000002,2022-08,127500,Indomaret,2022-09-13T08:00:00+08:00\n",
    )
    done = dialer(
        "payments", "import", str(good), "--actor", "billing", home=tmp_path, env_db=db_url
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "payments": 2,
        "added": 2,
        "already_recorded": 0,
        "targets_finished": 0,
    }
    rows = await conn.fetch(
        "SELECT reference, indihome_number, bill_month, amount, channel, paid_at, source,"
        " recorded_by FROM payments ORDER BY reference"
    )
    assert [tuple(r) for r in rows] == [
        (
            "PAY-1",
            "122000000001",
            date(2022, 9, 1),
            350_000,
            "Bukalapak",
            datetime(2022, 9, 12, 3, 15, tzinfo=UTC),
            "file:payments.csv",
            "billing",
        ),
        (
            "PAY-2",
            "122000000002",
            date(2022, 8, 1),
            127_500,
            "Indomaret",
            datetime(2022, 9, 13, 0, 0, tzinfo=UTC),
            "file:payments.csv",
            "billing",
        ),
    ]

    # One bad line (line 3): the whole file is refused, its good lines too.
    bad = write(
        tmp_path,
        "payments-bad.csv",
        header + "PAY-3,122000000003,2022-09,350000,Bukalapak,2022-09-14T10:00:00+07:00\n"
        "PAY-4,122000000004,2022-09,banyak,Bukalapak,2022-09-14T11:00:00+07:00\n"
        "PAY-5,122000000005,2022-09,1000,Bukalapak,2022-09-14T12:00:00+07:00\n",
    )
    refused = dialer("payments", "import", str(bad), home=tmp_path, env_db=db_url)
    assert (refused.returncode, refused.stdout) == (2, "")
    assert "tidak ada yang dicatat" in refused.stderr  # Indonesian by default
    problems = [line for line in refused.stderr.splitlines() if line.startswith("  ")]
    assert len(problems) == 1 and problems[0].startswith("  line 3 field amount: 'banyak'")
    assert await conn.fetchval("SELECT count(*) FROM payments") == 2
    assert (
        await conn.fetchval("SELECT count(*) FROM payments WHERE reference IN ('PAY-3', 'PAY-5')")
        == 0
    )


async def test_voucher_codes_and_the_partners_redemption_report(
    pool: Pool, conn: asyncpg.Connection, factory: Factory, db_url: str, tmp_path: Path
) -> None:
    voucher = VOUCHER | {"codes": "pool"}
    campaign = await factory.create_campaign(voucher=voucher)
    other = await factory.create_campaign(voucher=voucher)
    await conn.execute(
        "INSERT INTO voucher_codes (campaign_id, code, source, added_by, added_at)"
        " VALUES ($1, 'BLA-9999', 'file:old.csv', 'mira', now())",
        other.id,
    )
    codes = write(
        tmp_path,
        "codes.csv",
        "Kode Voucher\nbla-0001\nBLA-0002\nBL A\nBLA-0001\n\nBLA-9999\nBLA-0003\n",
    )
    done = dialer(
        "vouchers",
        "import",
        campaign.name,
        str(codes),
        "--actor",
        "mira",
        home=tmp_path,
        env_db=db_url,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "rows": 6,
        "added": 3,
        "rejected": [
            {"line": 4, "code": "BL A", "reason": "malformed: 4-40 letters, digits and dashes"},
            {"line": 5, "code": "BLA-0001", "reason": "repeats line 2"},
            {
                "line": 7,
                "code": "BLA-9999",
                "reason": "already in a pool (this or another campaign)",
            },
        ],
        "rejected_rows": 3,
    }
    pool_rows = await conn.fetch(
        "SELECT code, source, added_by, taken_at FROM voucher_codes WHERE campaign_id = $1"
        " ORDER BY id",
        campaign.id,
    )
    assert [(r["code"], r["source"], r["added_by"], r["taken_at"]) for r in pool_rows] == [
        ("BLA-0001", "file:codes.csv", "mira", None),
        ("BLA-0002", "file:codes.csv", "mira", None),
        ("BLA-0003", "file:codes.csv", "mira", None),
    ]

    # A customer is given the pool's first code; the partner reports it used, with a
    # code nobody issued.
    agent, (outcome,) = await outcomes_for(conn, campaign.id, 1)
    given = await issue(pool, campaign.id, voucher, 1, outcome, agent)
    assert given.voucher is not None and given.voucher["code"] == "BLA-0001"
    report = write(
        tmp_path,
        "report.csv",
        "reference;code;redeemed_at;amount\n"
        "BL-TRX-1;bla-0001;2022-09-12T10:00:00+07:00;Rp 350.000\n"
        "BL-TRX-2;BLNOTOURS123;2022-09-12T11:00:00+07:00;\n",
    )
    done = dialer("vouchers", "redemptions", str(report), home=tmp_path, env_db=db_url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "lines": 2,
        "repeats": 0,
        "redeemed": 1,
        "unknown_code": 1,
    }
    stored = {
        r["reference"]: (r["code"], r["result"], r["voucher_id"], r["amount"], r["source"])
        for r in await conn.fetch("SELECT * FROM redemptions")
    }
    voucher_id = given.voucher["id"]
    assert stored == {
        "BL-TRX-1": ("BLA-0001", "redeemed", voucher_id, 350_000, "file:report.csv"),
        "BL-TRX-2": ("BLNOTOURS123", "unknown_code", None, None, "file:report.csv"),
    }
    state = await conn.fetchrow("SELECT state, redeemed_at FROM vouchers WHERE id = $1", voucher_id)
    assert (state["state"], state["redeemed_at"]) == (
        "redeemed",
        datetime(2022, 9, 12, 3, 0, tzinfo=UTC),
    )


async def test_the_api_imports_a_dnc_file_without_a_header(
    client: TestClient[Any, Any], conn: asyncpg.Connection, factory: Factory
) -> None:
    manager = await login(client, factory, "mira", "manager")
    # As a spreadsheet saves it: a byte-order mark, CRLF line ends, a blank line.
    text = "\ufeff081200000021\r\n0812-0000-0022\r\nrubbish\r\n\r\n+62 812 0000 0021\r\n"
    form = FormData()
    form.add_field("file", text.encode(), filename="dnc.csv", content_type="text/csv")
    resp = await client.post("/api/dnc/import", data=form, headers=manager)
    assert resp.status == 201, await resp.text()
    assert await resp.json() == {
        "rows": 4,
        "added": 2,
        "already_listed": 1,
        # What the manager's page shows: the reason in Indonesian, the default.
        "rejected": [
            {
                "line": 3,
                "field": "msisdn",
                "value": "rubbish",
                "reason": "bukan nomor ponsel Indonesia yang valid",
            }
        ],
        "rejected_rows": 1,
    }
    assert await dnc_rows(conn) == {
        "+6281200000021": ("", "file:dnc.csv", "mira"),
        "+6281200000022": ("", "file:dnc.csv", "mira"),
    }
    # A first line that is neither a header nor a number: refused, nothing added.
    form = FormData()
    form.add_field(
        "file", b"Daftar DNC\n081200000031\n", filename="dnc2.csv", content_type="text/csv"
    )
    resp = await client.post("/api/dnc/import", data=form, headers=manager)
    assert resp.status == 422
    assert "satu nomor per baris" in (await resp.json())["error"]["message"]
    assert await conn.fetchval("SELECT count(*) FROM dnc") == 2
