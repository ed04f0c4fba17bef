"""The manager's lists in a real headless Chromium (issue 20): the login pages in the
language asked for, the do-not-call list paged, searched and pruned with a reason, the
uploads with their format, their template and their rejected lines as the file names
them, the partner's codes with a reason per line. Each state is audited
(``tests/browser/audit.py``): screenshots at 390 and 1366 px, no horizontal scroll, no
serious accessibility violation."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from playwright.async_api import Browser, Page, Response, expect

from dialer.auth import service as auth
from tests.browser.audit import audited
from tests.factories import Factory, row
from tests.integration.test_vouchers import VOUCHER

T0 = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)


def watch(page: Page) -> tuple[list[str], list[str]]:
    """The page's JavaScript errors, and every answer it got that was 4xx/5xx other
    than the API's own refusals (a missing file, a missing icon)."""
    errors: list[str] = []
    missing: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def answered(resp: Response) -> None:
        if resp.status >= 400 and "/api/" not in resp.url:
            missing.append(f"{resp.status} {resp.url}")

    page.on("response", answered)
    return errors, missing


async def log_in(page: Page, username: str, password: str) -> None:
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("#login-form button[type=submit]")


async def test_the_login_pages_follow_the_language_asked_for(
    client: Any, conn: asyncpg.Connection, browser: Browser
) -> None:
    await auth.create_user(conn, username="mira", role="manager", password="rahasia-mira")
    base = str(client.make_url("")).rstrip("/")
    page = await browser.new_page()
    errors, missing = watch(page)
    icons: list[str] = []
    page.on("request", lambda r: icons.append(r.url) if "favicon" in r.url else None)

    await page.goto(base + "/manager")
    await expect(page.locator("#login-form button[type=submit]")).to_have_text("Masuk")
    await audited(page, "lists-manager-login")
    await page.goto(base + "/manager?lang=en")
    form = page.locator("#login-form")
    await expect(form.locator("button[type=submit]")).to_have_text("Log in")
    await expect(form).to_contain_text("Username")
    await expect(form).to_contain_text("Password")
    assert await page.get_attribute("html", "lang") == "en"
    assert await page.title() == "Campaigns — Dialer"
    await log_in(page, "mira", "wrong-password")
    await expect(page.locator("#login-error")).to_have_text("wrong username or password")
    await audited(page, "lists-manager-login-en-error")
    # No answer at all: said in the page's language too, not the browser's words.
    await page.route("**/api/auth/login", lambda route: route.abort())
    await page.click("#login-form button[type=submit]")
    await expect(page.locator("#login-error")).to_have_text(
        "the server cannot be reached; check the network and try again"
    )
    await page.unroute("**/api/auth/login")

    # The agent's login too, also when reached through / with the language asked for.
    await page.goto(base + "/?lang=en")
    assert page.url.endswith("/agent?lang=en")
    await expect(page.locator("#login-form button[type=submit]")).to_have_text("Log in")
    await log_in(page, "mira", "wrong-password")
    await expect(page.locator("#login-error")).to_have_text("wrong username or password")

    # Both pages link their icon, which is there; nothing they ask for is missing.
    assert any(u.endswith("/static/favicon.svg") for u in icons), icons
    assert not any(u.endswith("/favicon.ico") for u in icons), icons
    icon = await page.request.get(base + "/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert missing == [] and errors == []
    await page.close()


async def listed(conn: asyncpg.Connection, count: int, agent_id: int) -> None:
    """``count`` numbers on the list, a minute apart; the newest was an agent's outcome."""
    await conn.executemany(
        "INSERT INTO dnc (msisdn, reason, source, added_by, added_at)"
        " VALUES ($1, $2, 'api', 'mira', $3)",
        [
            (
                f"+62812900{i:05d}",
                "pindah rumah" if i % 100 == 7 else "minta tidak ditelepon",
                T0 + timedelta(minutes=i),
            )
            for i in range(count - 1)
        ],
    )
    await conn.execute(
        "INSERT INTO dnc (msisdn, reason, source, added_by, added_at)"
        " VALUES ('+6281377770000', 'asked on a call', 'outcome', $1, $2)",
        f"agent:{agent_id}",
        T0 + timedelta(days=30),
    )


async def test_the_dnc_list_pages_searches_and_removes_with_a_reason(
    client: Any, conn: asyncpg.Connection, browser: Browser, tmp_path: Path
) -> None:
    await auth.create_user(
        conn, username="mira", role="manager", password="rahasia-mira", display_name="Mira"
    )
    dewi = await auth.create_user(
        conn, username="dewi", role="agent", password="rahasia-dewi", display_name="Dewi Lestari"
    )
    await listed(conn, 1207, dewi.id)
    base = str(client.make_url("")).rstrip("/")
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    errors, missing = watch(page)
    await page.goto(base + "/manager")
    await log_in(page, "mira", "rahasia-mira")

    # The count is formatted once, as Indonesian writes it; the newest entry first, with
    # the agent's name, not agent:<id>.
    await expect(page.locator("#dnc-total")).to_have_text("1.207 nomor di daftar")
    rows = page.locator("#dnc tbody tr")
    await expect(rows).to_have_count(50)
    await expect(rows.first).to_contain_text("+6281377770000")
    await expect(rows.first).to_contain_text("Dewi Lestari")
    await expect(rows.first).to_contain_text("diminta saat panggilan")  # asked on a call
    await expect(rows.first).not_to_contain_text("agent:")
    await expect(rows.first).to_contain_text("31 Maret 2026 08.00 WIB")
    await expect(page.locator("#dnc-page")).to_have_text("1–50")
    await expect(page.locator("#dnc-prev")).to_be_disabled()
    await audited(page, "lists-dnc")
    # Older entries a page at a time, and back.
    await page.click("#dnc-next")
    await expect(page.locator("#dnc-page")).to_have_text("51–100")
    await expect(rows.first).to_contain_text("+6281290001156")
    await page.click("#dnc-prev")
    await expect(rows.first).to_contain_text("+6281377770000")

    # A search by a number as it is written locally, and by words of the reason.
    await page.fill("#dnc-search input[name=q]", "0812-9000-0107")
    await page.click("#dnc-search button[type=submit]")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("+6281290000107")
    await expect(page.locator("#dnc-total")).to_have_text(
        "1 dari 1.207 nomor cocok dengan “0812-9000-0107”"
    )
    await page.fill("#dnc-search input[name=q]", "pindah")
    await page.click("#dnc-search button[type=submit]")
    await expect(rows).to_have_count(12)  # 7, 107, … 1107

    # Removing asks first; cancelled, nothing changes; confirmed, it needs a reason.
    target = rows.filter(has_text="+6281290000107")
    await target.locator("button").click()
    dialog = page.locator("#dnc-remove")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text("Hapus +6281290000107 dari daftar jangan ditelepon?")
    await audited(page, "lists-dnc-remove")
    await page.click("#dnc-remove-cancel")
    await expect(dialog).to_be_hidden()
    assert await conn.fetchval("SELECT count(*) FROM dnc") == 1207
    await target.locator("button").click()
    await page.click("#dnc-remove-confirm")  # no reason: the form does not send
    await expect(dialog).to_be_visible()
    await page.fill("#dnc-remove input[name=reason]", "pelanggan minta ditelepon lagi")
    await page.click("#dnc-remove-confirm")
    await expect(dialog).to_be_hidden()
    await expect(page.locator("#dnc-result")).to_have_text("+6281290000107 dihapus dari daftar")
    await expect(rows).to_have_count(11)
    assert await conn.fetchval("SELECT count(*) FROM dnc") == 1206
    event = await conn.fetchrow("SELECT action, reason, actor FROM dnc_events")
    assert dict(event) == {
        "action": "removed",
        "reason": "pelanggan minta ditelepon lagi",
        "actor": "mira",
    }

    # In English the count is a number too.
    await page.goto(base + "/manager?lang=en")
    await expect(page.locator("#dnc-total")).to_have_text("1,206 numbers listed")
    await expect(page.locator("#dnc thead")).to_contain_text("By")
    # A number added while reading an older page: back to the newest, it on top, by name.
    await page.click("#dnc-next")
    await expect(page.locator("#dnc-page")).to_have_text("51–100")
    await page.fill("#dnc-form input[name=msisdn]", "0812-7777-1234")
    await page.click("#dnc-form button[type=submit]")
    await expect(page.locator("#dnc-page")).to_have_text("1–50")
    await expect(rows.first).to_contain_text("+6281277771234")
    await expect(rows.first).to_contain_text("Mira")

    # A file of numbers: the lines it refused are listed — the line, what it held, why;
    # the next upload starts clean.
    numbers = tmp_path / "nomor.csv"
    numbers.write_text("msisdn,reason\n0812-5555-0001,minta\n12ab,x\n0812,y\n")
    await page.set_input_files("#dnc-import input[type=file]", str(numbers))
    await page.click("#dnc-import button[type=submit]")
    await expect(page.locator("#dnc-result")).to_have_text(
        "3 rows: 1 added, 0 listed already, 2 rejected"
    )
    refused = page.locator("#dnc-rejected tbody tr")
    await expect(refused).to_have_count(2)
    await expect(refused.nth(0)).to_contain_text("12ab")
    await expect(refused.nth(1)).to_contain_text("0812")
    await expect(refused.nth(0)).to_contain_text("is not a valid Indonesian mobile number")
    await expect(page.locator("#dnc-rejected thead")).to_contain_text("What it held")
    await audited(page, "lists-dnc-file-rejected-en")
    numbers.write_text("0812-5555-0002\n")
    await page.set_input_files("#dnc-import input[type=file]", str(numbers))
    await page.click("#dnc-import button[type=submit]")
    await expect(page.locator("#dnc-result")).to_have_text(
        "1 rows: 1 added, 0 listed already, 0 rejected"
    )
    await expect(page.locator("#dnc-rejected")).to_be_hidden()
    assert errors == [] and missing == []
    await page.close()


async def test_uploads_say_what_they_expect_and_what_they_refused(
    client: Any, conn: asyncpg.Connection, factory: Factory, browser: Browser
) -> None:
    await auth.create_user(conn, username="mira", role="manager", password="rahasia-mira")
    await factory.create_campaign(name="unggah", voucher=VOUCHER | {"codes": "pool"})
    base = str(client.make_url("")).rstrip("/")
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    errors, missing = watch(page)
    await page.goto(base + "/manager#unggah")
    await log_in(page, "mira", "rahasia-mira")
    await expect(page.locator("#targets-columns")).to_contain_text("Nama, No IndiHome, No HP")
    # Every file input is labelled.
    for form in ("#dnc-import", "#targets-form", "#codes-form"):
        label = page.locator(f"{form} label", has=page.locator("input[type=file]"))
        await expect(label).not_to_have_text("")

    # The template, in the page's language, imports as it is.
    async with page.expect_download() as got:
        await page.click("#targets-template")
    template = (await (await got.value).path()).read_text(encoding="utf-8")
    header, _example = list(csv.reader(io.StringIO(template)))
    assert header[:4] == ["ID Pelanggan", "Nama", "No IndiHome", "No HP"]
    path = factory.tmp / "templat.csv"
    path.write_text(template, encoding="utf-8")
    await page.set_input_files("#targets-form input[type=file]", str(path))
    await page.click("#targets-form button[type=submit]")
    await expect(page.locator("#targets-result")).to_have_text(
        "1 baris: 1 diterima, 0 duplikat, 0 DNC, 0 di luar tier, 0 ditolak"
    )
    await expect(page.locator("#rejected")).to_be_hidden()

    # The uploader's own headers: a rejected field is named as the file names it.
    own = ["Nama", "No Indihome", "Handphone", "Kelas", "Produk", "Provinsi", "Periode", "Tagihan"]
    keys = ["name", "indihome_number", "msisdn", "tier", "product", "province", "bill_month",
            "bill_amount"]  # fmt: skip
    rows = [row(3), row(4, msisdn="12ab"), row(5, bill_month="bulan lalu")]
    path = factory.tmp / "sendiri.csv"
    path.write_text(
        "\n".join([",".join(own)] + [",".join(r[k] for k in keys) for r in rows]) + "\n"
    )
    mapping = page.locator("#targets-form input[type=file]")
    await mapping.set_input_files(str(path))
    await page.click("#targets-form button[type=submit]")
    result = page.locator("#targets-result")
    await expect(result).to_have_text(
        "3 baris: 1 diterima, 0 duplikat, 0 DNC, 0 di luar tier, 2 ditolak"
    )
    rejected = page.locator("#rejected tbody")
    await expect(rejected).to_contain_text("Handphone")
    await expect(rejected).to_contain_text("Periode")
    await expect(rejected).not_to_contain_text("msisdn")
    await expect(rejected).not_to_contain_text("bill_month")
    await audited(page, "lists-uploads-rejected")

    # A file that is not a list: its missing columns named, in the page's language, and
    # the previous upload's rejected rows gone.
    other = factory.tmp / "bukan.csv"
    other.write_text("tanggal,jumlah\n2022-09-01,5\n")
    await mapping.set_input_files(str(other))
    await page.click("#targets-form button[type=submit]")
    await expect(result).to_have_text(
        "header berkas tidak memuat kolom wajib: Nama, No IndiHome,"
        " No HP, Kelas, Produk, Provinsi, Bulan Tagihan, Tagihan"
    )
    await expect(result).to_have_class("error")
    await expect(page.locator("#rejected")).to_be_hidden()
    await expect(page.locator("#rejected-csv")).to_be_hidden()

    # The partner's codes: each refused line with its code and why.
    codes = factory.tmp / "codes.csv"
    codes.write_text("code\nBLX-0001\nbad code\nBLX-0001\n")
    await page.set_input_files("#codes-form input[type=file]", str(codes))
    await page.click("#codes-form button[type=submit]")
    await expect(page.locator("#codes-result")).to_have_text(
        "3 baris: 1 kode ditambahkan, 2 ditolak"
    )
    refused = page.locator("#codes-rejected tbody tr")
    await expect(refused).to_have_count(2)
    await expect(refused.nth(0)).to_contain_text("3")
    await expect(refused.nth(0)).to_contain_text("BAD CODE")
    await expect(refused.nth(1)).to_contain_text("mengulang baris 2")
    await page.set_input_files("#codes-form input[type=file]", str(codes))
    await page.click("#codes-form button[type=submit]")  # every code known now
    await expect(page.locator("#codes-result")).to_have_text(
        "3 baris: 0 kode ditambahkan, 3 ditolak"
    )
    await expect(refused).to_have_count(3)
    await expect(refused.nth(0)).to_contain_text("BLX-0001")
    await audited(page, "lists-uploads-codes")
    # A file of nothing but bad codes is refused whole (422): in red, each line still said.
    bad = factory.tmp / "bad.csv"
    bad.write_text("code\nx\ny y\n")
    await page.set_input_files("#codes-form input[type=file]", str(bad))
    await page.click("#codes-form button[type=submit]")
    await expect(page.locator("#codes-result")).to_have_class("error")
    await expect(refused).to_have_count(2)
    await expect(refused.nth(1)).to_contain_text("Y Y")

    # In English the template's headers and the errors are English.
    await page.goto(base + "/manager?lang=en#unggah")
    await expect(page.locator("#targets-columns")).to_contain_text("Name, IndiHome Number, Mobile")
    async with page.expect_download() as got:
        await page.click("#targets-template")
    template = (await (await got.value).path()).read_text(encoding="utf-8")
    assert template.startswith("Customer ID,Name,IndiHome Number,Mobile,")
    await mapping.set_input_files(str(other))
    await page.click("#targets-form button[type=submit]")
    await expect(result).to_have_text(
        "the file's header lacks the required columns: Name, IndiHome"
        " Number, Mobile, Tier, Product, Province, Bill Month, Bill Amount"
    )
    assert errors == [] and missing == []
    await page.close()
