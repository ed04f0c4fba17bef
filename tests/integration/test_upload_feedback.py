"""What a target list upload tells the manager (issue 20): a template to start from, in
the caller's language, that imports as it is; a file that is not a list refused with its
missing columns named in the caller's language; each rejected field under the file's
own header."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from dialer.rules.vocabulary import COLUMN_HEADERS, CUSTOMER_COLUMNS
from dialer.targets.columns import map_header
from tests.api.test_api import login
from tests.factories import Factory, row

Client = TestClient[Any, Any]


@pytest.fixture
async def manager(client: Client, factory: Factory) -> dict[str, str]:
    return await login(client, factory, "mgr", "manager")


async def send(client: Client, manager: dict[str, str], body: str, **headers: str) -> Any:
    form = FormData()
    form.add_field("file", body.encode(), filename="list.csv")
    return await client.post("/api/campaigns/unggah/targets", data=form, headers=manager | headers)


@pytest.mark.parametrize("language", ["id", "en"])
def test_each_template_header_is_one_the_upload_reads(language: str) -> None:
    header = [t.label(language) for t in COLUMN_HEADERS]
    mapped = map_header(header)
    assert dict(mapped.index) == {column: i for i, column in enumerate(CUSTOMER_COLUMNS)}


async def test_the_template_is_in_the_callers_language_and_imports_as_it_is(
    client: Client, manager: dict[str, str], factory: Factory
) -> None:
    await factory.create_campaign(name="unggah")
    texts = {}
    for language in ("id", "en"):
        resp = await client.get(f"/api/targets/template.csv?lang={language}", headers=manager)
        assert resp.status == 200
        assert resp.content_type == "text/csv"
        assert "attachment" in resp.headers["Content-Disposition"]
        texts[language] = await resp.text()
    header_id, example = list(csv.reader(io.StringIO(texts["id"])))
    header_en, _ = list(csv.reader(io.StringIO(texts["en"])))
    assert header_id[:4] == ["ID Pelanggan", "Nama", "No IndiHome", "No HP"]
    assert header_en[:4] == ["Customer ID", "Name", "IndiHome Number", "Mobile"]
    assert len(example) == len(header_id) == len(CUSTOMER_COLUMNS)
    resp = await send(client, manager, texts["id"])
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["accepted"] == 1


async def test_a_file_that_is_not_a_list_names_the_missing_columns(
    client: Client, manager: dict[str, str], factory: Factory
) -> None:
    await factory.create_campaign(name="unggah")
    body = "tanggal,No HP,jumlah\n2022-09-01,081200000001,5\n"
    resp = await send(client, manager, body, **{"X-Dialer-Language": "id"})
    assert resp.status == 422
    error = (await resp.json())["error"]
    assert error["message"] == (
        "header berkas tidak memuat kolom wajib: Nama, No IndiHome,"
        " Kelas, Produk, Provinsi, Bulan Tagihan, Tagihan"
    )
    assert [d["field"] for d in error["details"]][:2] == ["name", "indihome_number"]
    resp = await send(client, manager, body, **{"X-Dialer-Language": "en"})
    assert (await resp.json())["error"]["message"] == (
        "the file's header lacks the required columns: Name, IndiHome"
        " Number, Tier, Product, Province, Bill Month, Bill Amount"
    )


async def test_rejected_fields_carry_the_files_own_headers(
    client: Client, manager: dict[str, str], factory: Factory
) -> None:
    await factory.create_campaign(name="unggah")
    own = ["Nama", "No Indihome", "Handphone", "Kelas", "Produk", "Provinsi", "Periode", "Tagihan"]
    keys = ["name", "indihome_number", "msisdn", "tier", "product", "province", "bill_month",
            "bill_amount"]  # fmt: skip
    rows = [row(1), row(2, msisdn="12ab", bill_month="bulan lalu")]
    body = "\n".join([",".join(own)] + [",".join(r[k] for k in keys) for r in rows]) + "\n"
    resp = await send(client, manager, body)
    assert resp.status == 201, await resp.text()
    summary = await resp.json()
    expected = [(3, "msisdn", "Handphone"), (3, "bill_month", "Periode")]
    assert [(r["line"], r["field"], r["column"]) for r in summary["rejected"]] == expected
    # Read back later: the import's summary and its CSV of rejected rows say the same.
    again = await (await client.get(f"/api/imports/{summary['import_id']}", headers=manager)).json()
    assert [(r["line"], r["field"], r["column"]) for r in again["rejected"]] == expected
    listing = await client.get(summary["rejected_csv"] + "?lang=en", headers=manager)
    rows = list(csv.reader(io.StringIO(await listing.text())))
    assert rows[0][:3] == ["line", "errors", "Nama"]
    assert rows[1][1].startswith("Handphone: is not a valid Indonesian mobile number; Periode:")
