"""The campaign manager's pages in a real headless Chromium: the campaigns, one
campaign's live numbers (server-sent events), its controls, the voucher funnel and the
other charts drawn by the page, in Indonesian or English. Screenshots are kept in
``tests/artifacts/``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
from playwright.async_api import Browser, expect

from dialer.auth import service as auth
from dialer.db import Pool
from tests.browser.conftest import shot
from tests.factories import Factory, row
from tests.integration.test_reports import T1, T2, call, outcome, status
from tests.integration.test_vouchers import MESSAGE, VOUCHER, issue


async def test_a_manager_watches_a_campaign_and_pauses_it(
    client: Any, pool: Pool, conn: asyncpg.Connection, factory: Factory, browser: Browser
) -> None:
    campaign = await factory.create_campaign(name="laporan", voucher=VOUCHER | {"codes": "pool"})
    await factory.create_targets(campaign, [row(i) for i in range(1, 5)])
    targets = [r["id"] for r in await conn.fetch("SELECT id FROM targets ORDER BY id")]
    ani = await auth.create_user(conn, username="ani", role="agent", password="rahasia-ani")
    await auth.create_user(
        conn, username="mira", role="manager", password="rahasia-mira", display_name="Mira"
    )
    for target in targets[:2]:
        await call(conn, campaign.id, target, "contacted", T1, agent=ani.id, talk=90)
    await call(conn, campaign.id, targets[2], "busy_line", T1)
    taken = await outcome(conn, campaign.id, targets[0], ani.id, "pays_via_bukalapak", T1)
    await outcome(conn, campaign.id, targets[1], ani.id, "pays_other_channel", T1)
    got = await issue(pool, campaign.id, VOUCHER, targets[0], taken, ani.id, T1, MESSAGE)
    assert got.voucher is not None
    assert await status(conn, got.voucher["id"], "delivered", T1 + timedelta(minutes=1)) == (
        "applied"
    )
    # The partner reported a code nobody was given, late on the 6th (WIB).
    await conn.execute(
        "INSERT INTO redemptions (reference, code, redeemed_at, amount, source, result,"
        " received_at) VALUES ('R-9', 'NOPE-1', $1, 150000, 'callback', 'unknown_code', $1)",
        T2,
    )

    base = str(client.make_url("")).rstrip("/")
    page = await browser.new_page(viewport={"width": 1366, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(base + "/manager")
    await page.fill("input[name=username]", "mira")
    await page.fill("input[name=password]", "rahasia-mira")
    await page.click("#login-form button[type=submit]")
    await expect(page.locator("#user-name")).to_have_text("Mira")
    # The do-not-call list: a number added by hand is listed; a bad one is refused.
    await page.fill("#dnc-form input[name=msisdn]", "0812-9999-0001")
    await page.fill("#dnc-form input[name=reason]", "minta tidak ditelepon")
    async with page.expect_request("**/api/dnc") as sent:
        await page.click("#dnc-form button[type=submit]")
    # The page proves it is the page: the session's CSRF token (a cookie it can read).
    headers = await (await sent.value).all_headers()
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    assert headers["x-csrf-token"] == cookies["dialer_csrf"]
    await expect(page.locator("#dnc-result")).to_have_text("+6281299990001 ditambahkan")
    await expect(page.locator("#dnc tbody")).to_contain_text("minta tidak ditelepon")
    await page.fill("#dnc-form input[name=msisdn]", "12")
    await page.click("#dnc-form button[type=submit]")
    await expect(page.locator("#dnc-result")).not_to_contain_text("ditambahkan")
    assert await conn.fetchval("SELECT count(*) FROM dnc") == 1
    row_of = page.locator("#campaigns tbody tr", has_text="laporan")
    await expect(row_of).to_contain_text("draf")
    await row_of.locator("a").click()

    # Live numbers arrive by themselves; the charts are drawn from the reports.
    await expect(page.locator("#live-badge")).to_have_text("langsung")
    await expect(page.locator(".tile[data-key=targets] .value")).to_have_text("4")
    await expect(page.locator(".tile[data-key=calls] .value")).to_have_text("3")
    await expect(page.locator(".tile[data-key=quota_left] .value")).to_have_text("49")
    await expect(page.locator("#funnel rect")).to_have_count(7)
    await expect(page.locator("#funnel")).to_contain_text("Ditawarkan")
    await expect(page.locator("#days tbody")).to_contain_text("5 September 2022")
    await expect(page.locator("#outcome-chart rect")).to_have_count(2)
    await expect(page.locator("#agents tbody")).to_contain_text("ani")
    await expect(page.locator("#dl-xlsx")).to_have_attribute(
        "href", "/api/campaigns/laporan/reports/vouchers.xlsx?zone=WIB"
    )
    # Amounts as Rp 1.250.000, times in the Indonesian form with the zone named.
    flagged = page.locator("#flagged tbody tr")
    await expect(flagged).to_have_count(1)
    await expect(flagged).to_contain_text("kode tidak dikenal")
    await expect(flagged).to_contain_text("Rp 150.000")
    await expect(flagged).to_contain_text("6 September 2022 23.30 WIB")
    # Read in another zone: the times, the days and the downloads follow.
    await page.select_option("#zone", "WIT")
    await expect(flagged).to_contain_text("7 September 2022 01.30 WIT")
    await expect(page.locator("#dl-xlsx")).to_have_attribute(
        "href", "/api/campaigns/laporan/reports/vouchers.xlsx?zone=WIT"
    )
    await page.select_option("#zone", "WIB")
    await expect(flagged).to_contain_text("6 September 2022 23.30 WIB")
    customers = page.locator("#customers tbody tr")
    await expect(customers).to_have_count(1)
    await expect(customers).to_contain_text(got.voucher["code"])
    await expect(customers).to_contain_text("sampai")  # delivered
    await expect(page.locator("#customers-page")).to_have_text("1–1 dari 1")
    await expect(page.locator("#customers-next")).to_be_disabled()
    await shot(page, "manager-campaign.png")
    # Who may join it: nobody yet; the manager assigns ani from the card, then unassigns her.
    assigned = page.locator("#assigned tbody")
    await expect(assigned).to_have_text("Tidak ada.")
    await page.select_option("#assign-agent", "ani")
    await page.click("#assign-form button[type=submit]")
    await expect(assigned.locator("tr[data-agent=ani]")).to_contain_text("ani")
    assert await conn.fetchval("SELECT count(*) FROM campaign_agents") == 1
    await assigned.locator("tr[data-agent=ani] button").click()
    await expect(assigned).to_have_text("Tidak ada.")
    assert await conn.fetchval("SELECT count(*) FROM campaign_agents") == 0

    # An overdue ticket from a call is flagged.
    await conn.execute(
        "INSERT INTO tickets (outcome_id, campaign_id, target_id, guide, category, tier,"
        " opened_at, due_at) SELECT id, campaign_id, target_id, '000', 'Gangguan', 'Gold',"
        " $1, $2 FROM outcomes WHERE id = $3",
        T1,
        T1 + timedelta(hours=24),
        taken,
    )
    # A customer who says the service is cancelled but keeps the modem: a follow-up.
    await conn.execute(
        "INSERT INTO follow_ups (outcome_id, campaign_id, target_id, reason, arrears_paid,"
        " modem_returned, created_at, due_at) SELECT id, campaign_id, target_id,"
        " 'claims_cancelled_unsettled', true, false, $1, $2 FROM outcomes WHERE id = $3",
        T1,
        T1 + timedelta(hours=72),
        taken,
    )
    # Seed 003: a call transferred and information given, with the guide's log texts.
    for insert in (
        "INSERT INTO transfers (attempt_id, campaign_id, target_id, agent_id, destination,"
        " number, category, state, requested_at, done_at, guide, consent, log_text)"
        " SELECT attempt_id, campaign_id, target_id, agent_id, 'cc-iconnet', '+620000000003',"
        " 'activation_trouble', 'done', $1, $1, 'direct-transfer-iconnet', 'YA',"
        " 'ICONNET : TRANSFER CALL' FROM outcomes WHERE id = $2",
        "INSERT INTO informed (attempt_id, campaign_id, target_id, agent_id, guide, category,"
        " log_text, recorded_at) SELECT attempt_id, campaign_id, target_id, agent_id,"
        " 'direct-transfer-iconnet', 'billing_info', 'ICONNET : INFO TAGIHAN', $1"
        " FROM outcomes WHERE id = $2",
    ):
        await conn.execute(insert, T1, taken)
    # A list upload: its progress, what was accepted, and the rejected rows by line.
    listing = factory.write_csv([row(7), row(8, msisdn="12ab"), row(9)], name="more.csv")
    await page.set_input_files("#targets-form input[type=file]", str(listing))
    await page.click("#targets-form button[type=submit]")
    await expect(page.locator("#targets-result")).to_have_text(
        "3 baris: 2 diterima, 0 duplikat, 0 DNC, 0 di luar tier, 1 ditolak"
    )
    await expect(page.locator("#rejected tbody")).to_contain_text("msisdn")
    await expect(page.locator("#rejected-csv")).to_be_visible()
    assert await page.locator("#targets-progress").get_attribute("value") == "100"
    codes = factory.tmp / "codes.csv"
    codes.write_text("code\nBLX-0001\nBLX-0002\nbad code\n")
    await page.set_input_files("#codes-form input[type=file]", str(codes))
    await page.click("#codes-form button[type=submit]")
    await expect(page.locator("#codes-result")).to_have_text(
        "3 baris: 2 kode ditambahkan, 1 ditolak"
    )
    await page.reload()
    await expect(page.locator("#tickets tbody tr.overdue")).to_contain_text("TERLAMBAT")
    follow_up = page.locator("#follow-ups tbody tr")
    await expect(follow_up).to_contain_text("modem belum dikembalikan")
    await follow_up.locator("input").fill("Modem dijemput teknisi 8 Sep")
    await follow_up.locator("button").click()
    await expect(page.locator("#follow-ups-summary")).to_have_text(
        "0 tindak lanjut terbuka, 0 terlambat"
    )
    closed = await conn.fetchrow("SELECT resolution, closed_by FROM follow_ups")
    assert closed["resolution"] == "Modem dijemput teknisi 8 Sep" and closed["closed_by"]
    handled = page.locator("#transfers tbody tr")
    await expect(handled).to_have_count(2)
    await expect(handled.filter(has_text="activation_trouble")).to_contain_text(
        "transfer selesai → cc-iconnet"
    )
    await expect(handled.filter(has_text="activation_trouble")).to_contain_text(
        "ICONNET : TRANSFER CALL"
    )
    await expect(handled.filter(has_text="billing_info")).to_contain_text(
        "diinformasikan, tanpa transfer"
    )
    await expect(page.locator(".tile[data-key=targets] .value")).to_have_text("6")
    await shot(page, "manager-campaign-uploads.png")

    # The controls: start, then pause; the page and the database agree.
    await page.click("#start")
    await expect(page.locator("#campaign-state")).to_have_text("berjalan")
    await page.click("#pause")
    await expect(page.locator("#campaign-state")).to_have_text("dijeda")
    assert await conn.fetchval("SELECT state FROM campaigns WHERE name = 'laporan'") == "paused"
    await expect(page.locator("#pause")).to_be_disabled()

    # In English, as a setting or asked for.
    await page.goto(base + "/manager?lang=en#laporan")
    await expect(page.locator("h1")).to_have_text("Campaigns")
    await expect(page.locator(".tile[data-key=targets] .label")).to_have_text("Targets")
    await expect(page.locator("#campaign-state")).to_have_text("paused")
    await shot(page, "manager-campaign-en.png")
    assert errors == []
    await page.close()

    # An agent is told the pages are for managers, and the API refuses them.
    page = await browser.new_page()
    await page.goto(base + "/manager")
    await page.fill("input[name=username]", "ani")
    await page.fill("input[name=password]", "rahasia-ani")
    await page.click("#login-form button[type=submit]")
    await expect(page.locator("#login-error")).to_contain_text("untuk manajer")
    resp = await page.request.get(base + "/api/campaigns/laporan/live")
    assert resp.status == 403
    await page.close()
