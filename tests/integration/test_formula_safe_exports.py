"""Every download is formula-safe (OWASP's CSV-injection rule): a customer named
``=cmd|' /C calc'!A0``, notes starting with ``@`` or ``-``, a rejected row starting
with ``+`` — no CSV cell starts a formula (a leading apostrophe makes it text; plain
numbers such as +62… stay as they are), and no workbook cell is a formula. The test
visits every download the service has (a new one fails it until it is listed here)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime
from typing import Any

import asyncpg

from dialer.auth import service as auth
from dialer.db import Pool
from dialer.uploads import FORMULA_STARTS, formula_safe
from tests.factories import Factory, row
from tests.integration.test_reports import call, outcome
from tests.integration.test_vouchers import MESSAGE, VOUCHER, issue

EVIL = "=cmd|' /C calc'!A0"
T1 = datetime(2022, 9, 5, 3, 0, tzinfo=UTC)
JSONLESS = {"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def test_a_formula_is_written_as_text_and_a_number_as_it_is() -> None:
    assert formula_safe(EVIL) == "'" + EVIL
    for risky in ("+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=1"):
        assert formula_safe(risky) == "'" + risky
    for plain in ("+6281200000001", "-5000", "350.000", "Siti", "", 12, None):
        assert formula_safe(plain) == plain


def _unsafe_csv(text: str) -> list[str]:
    return [
        cell
        for line in csv.reader(io.StringIO(text))
        for cell in line
        if cell.startswith(FORMULA_STARTS) and formula_safe(cell) != cell
    ]


async def test_every_download_is_formula_safe(
    client: Any, conn: asyncpg.Connection, pool: Pool, factory: Factory
) -> None:
    campaign = await factory.create_campaign(name="safe", voucher=VOUCHER)
    await factory.create_targets(campaign, [row(1, name=EVIL, province="Jawa Barat")])
    target = await conn.fetchval("SELECT id FROM targets")
    ani = await auth.create_user(conn, username="ani", role="agent", password=None)
    attempt = await call(conn, campaign.id, target, "contacted", T1, agent=ani.id, talk=60)
    made = await outcome(conn, campaign.id, target, ani.id, "pays_via_bukalapak", T1)
    await conn.execute(
        "UPDATE outcomes SET attempt_id = $1, notes = '@SUM(1+1)*cmd',"
        " hub_penerima = '-2+3' WHERE id = $2",
        attempt,
        made,
    )
    got = await issue(pool, campaign.id, VOUCHER, target, made, ani.id, T1, MESSAGE)
    assert got.issued
    boss = await auth.create_user(conn, username="mira", role="manager", password=None)
    token, _ = await auth.issue_token(conn, boss.id, kind="api")
    headers = {"Authorization": f"Bearer {token}"}
    # An upload whose rejected row starts a formula.
    listing = factory.write_csv([row(2), row(3, customer_id="+SUM(1)", msisdn="12")])
    with listing.open("rb") as f:
        resp = await client.post("/api/campaigns/safe/targets", data={"file": f}, headers=headers)
    assert resp.status == 201, await resp.text()
    import_id = (await resp.json())["import_id"]

    downloads = {
        "/api/campaigns/{name}/attempts.csv": ["/api/campaigns/safe/attempts.csv"],
        "/api/campaigns/{name}/crm.csv": ["/api/campaigns/safe/crm.csv"],
        "/api/campaigns/{name}/reports/vouchers.csv": [
            f"/api/campaigns/safe/reports/vouchers.csv?table={t}"
            for t in ("days", "customers", "flagged")
        ],
        "/api/campaigns/{name}/reports/vouchers.xlsx": [
            "/api/campaigns/safe/reports/vouchers.xlsx",
            "/api/campaigns/safe/reports/vouchers.xlsx?lang=en&zone=WIT",
        ],
        "/api/campaigns/{name}/reports/{report}.{kind}": [
            *(
                f"/api/campaigns/safe/reports/outcomes.csv?table={t}"
                for t in ("summary", "by_code", "by_province", "actions", "attempts_per_target")
            ),
            "/api/campaigns/safe/reports/agents.csv",
            "/api/campaigns/safe/reports/outcomes.xlsx",
            "/api/campaigns/safe/reports/agents.xlsx",
        ],
        "/api/imports/{id}/rejected.csv": [f"/api/imports/{import_id}/rejected.csv"],
        "/api/targets/template.csv": ["/api/targets/template.csv"],
    }
    # Every download the service has is visited here.
    served = {
        route.resource.canonical
        for route in client.app.router.routes()
        if route.method == "GET"
        and (doc := getattr(route.handler, "__dict__", {}).get("openapi")) is not None
        and doc.produces in JSONLESS
    }
    assert served == set(downloads)

    seen_evil = 0
    for path in (p for paths in downloads.values() for p in paths):
        resp = await client.get(path, headers=headers)
        assert resp.status == 200, (path, await resp.text())
        if path.endswith(".xlsx") or ".xlsx?" in path:
            book = zipfile.ZipFile(io.BytesIO(await resp.read()))
            for name in book.namelist():
                if name.startswith("xl/worksheets/"):
                    sheet = book.read(name).decode()
                    assert "<f>" not in sheet, (path, name)
                    seen_evil += EVIL.replace("'", "&apos;") in sheet or EVIL in sheet
            continue
        text = await resp.text()
        assert _unsafe_csv(text) == [], path
        seen_evil += ("'" + EVIL) in text
    # The customer's name went out (as text) in the CRM export, the voucher customers'
    # table and its workbook; the notes and HUB PENERIMA as text in the CRM export.
    assert seen_evil >= 3
    crm = await (await client.get("/api/campaigns/safe/crm.csv", headers=headers)).text()
    assert "'@SUM(1+1)*cmd" in crm and "'-2+3" in crm
    rejected = await (
        await client.get(f"/api/imports/{import_id}/rejected.csv", headers=headers)
    ).text()
    assert "'+SUM(1)" in rejected
