"""The campaign manager's pages in a real headless Chromium: the campaigns, one
campaign's live numbers (server-sent events), its controls, the voucher funnel and the
other charts drawn by the page, in Indonesian or English. Screenshots are kept in
``tests/artifacts/``."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import asyncpg
from playwright.async_api import Browser, expect

from dialer.auth import service as auth
from dialer.calls import pacing
from dialer.db import Pool
from tests.browser.audit import audited
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
        "href", "/api/campaigns/laporan/reports/vouchers.xlsx?zone=WIB&lang=id"
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
        "href", "/api/campaigns/laporan/reports/vouchers.xlsx?zone=WIT&lang=id"
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


async def _manager_page(browser: Browser, base: str, path: str = "/manager") -> Any:
    page = await browser.new_page(viewport={"width": 1366, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(base + path)
    await page.fill("input[name=username]", "mira")
    await page.fill("input[name=password]", "rahasia-mira")
    await page.click("#login-form button[type=submit]")
    await expect(page.locator("#user-name")).to_be_visible()
    return page, errors


async def test_a_manager_confirms_what_cannot_be_undone_and_acts_on_vouchers_and_tickets(
    client: Any, pool: Pool, conn: asyncpg.Connection, factory: Factory, browser: Browser
) -> None:
    campaign = await factory.create_campaign(
        name="laporan", title="Voucher Bukalapak September", voucher=VOUCHER | {"codes": "pool"}
    )
    await factory.create_targets(campaign, [row(i) for i in range(1, 5)])
    targets = [r["id"] for r in await conn.fetch("SELECT id FROM targets ORDER BY id")]
    bot = await auth.create_user(
        conn, username="bot-3", role="agent", password="rahasia-bot", display_name="Bot 3"
    )
    await auth.create_user(
        conn, username="mira", role="manager", password="rahasia-mira", display_name="Mira"
    )
    for target in targets[:2]:
        await call(conn, campaign.id, target, "contacted", T1, agent=bot.id, talk=90)
    await conn.execute(
        "UPDATE targets SET state = 'done', done_reason = 'contacted' WHERE id = $1", targets[1]
    )
    taken = await outcome(conn, campaign.id, targets[0], bot.id, "pays_via_bukalapak", T1)
    got = await issue(pool, campaign.id, VOUCHER, targets[0], taken, bot.id, T1, MESSAGE)
    assert got.voucher is not None
    assert await status(conn, got.voucher["id"], "delivered", T1 + timedelta(minutes=1)) == (
        "applied"
    )
    await conn.execute(
        "INSERT INTO tickets (outcome_id, campaign_id, target_id, guide, category, tier,"
        " opened_at, due_at) SELECT id, campaign_id, target_id, '000', 'Gangguan', 'Gold',"
        " $1, $2 FROM outcomes WHERE id = $3",
        T1,
        T1 + timedelta(hours=24),
        taken,
    )
    # Bot 3 took a 10-minute meal break and a 2-minute one without a reason.
    await conn.executemany(
        "INSERT INTO agent_state_changes (user_id, campaign_id, state, reason, at)"
        " VALUES ($1, $2, $3, $4, $5)",
        [
            (bot.id, campaign.id, "paused", "makan", T1),
            (bot.id, campaign.id, "available", None, T1 + timedelta(minutes=10)),
            (bot.id, campaign.id, "paused", None, T1 + timedelta(minutes=20)),
            (bot.id, campaign.id, "available", None, T1 + timedelta(minutes=22)),
        ],
    )
    base = str(client.make_url("")).rstrip("/")
    page, errors = await _manager_page(browser, base)

    # The list: each campaign by its title, its state, progress and the quota left; no
    # live badge (there is no stream on this page to lose).
    listed = page.locator("#campaigns tbody tr[data-campaign=laporan]")
    await expect(listed).to_contain_text("Voucher Bukalapak September")
    await expect(listed).to_contain_text("draf")
    await expect(listed).to_contain_text("1 dari 4 selesai")
    await expect(listed.locator("td[data-key=quota]")).to_have_text("49 / 50")
    await expect(page.locator("#live-badge")).to_be_hidden()
    await audited(page, "manager-list")

    await listed.locator("a").click()
    await expect(page.locator("#live-badge")).to_have_text("langsung")
    await expect(page).to_have_title("Voucher Bukalapak September — Kampanye — Dialer")
    # Ending the campaign is asked first, saying what it does; cancelled, nothing changes.
    await expect(page.locator("#finish")).to_have_text("Akhiri kampanye")
    await page.click("#finish")
    dialog = page.locator("#confirm")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text("tidak dapat diurungkan")
    await page.click("#confirm-cancel")
    await expect(dialog).to_be_hidden()
    assert await conn.fetchval("SELECT state FROM campaigns WHERE name = 'laporan'") == "draft"

    # Agents are named the same way in every table.
    customers = page.locator("#customers tbody tr")
    await expect(customers).to_contain_text("Bot 3")
    await expect(page.locator("#agents tbody")).to_contain_text("Bot 3")
    # Their breaks: minutes in all, then by the reason in words.
    await expect(page.locator("#agents thead")).to_contain_text("Istirahat (menit)")
    await expect(page.locator("#agents tbody")).to_contain_text("12 (Makan 10, tanpa alasan 2)")
    await expect(page.locator("#tickets tbody")).to_contain_text("Bot 3")
    for table in ("#customers", "#agents", "#tickets"):
        await expect(page.locator(table)).not_to_contain_text("bot-3")
    # "median … " with its unit; the charts named, each bar and hour with its figures.
    await expect(page.locator("#voucher-summary")).to_contain_text(
        "median dari panggilan ke penukaran: —"
    )
    await expect(page.locator("#funnel")).to_have_attribute(
        "aria-label", re.compile("Ditawarkan 1")
    )
    await expect(page.locator("#funnel-data tbody")).to_contain_text("Ditawarkan")
    hour_chart = page.locator("#hour-chart")
    await expect(hour_chart).to_have_attribute("role", "img")
    await expect(hour_chart.locator("g.hour title").nth(10)).to_have_text(
        "10.00–11.00: 2 panggilan, 2 kontak"
    )
    await expect(hour_chart.locator("text.chart-value")).to_have_count(3)  # 0, the half, the top
    await expect(page.locator("#hour-data tbody")).to_contain_text("10.00")
    await audited(page, "manager-campaign-data")

    # The voucher's message sent again, then the voucher voided after saying why.
    voucher_id = got.voucher["id"]
    sent_before = await conn.fetchval(
        "SELECT count(*) FROM messages WHERE voucher_id = $1", voucher_id
    )
    await customers.locator("button[data-action=resend]").click()
    await expect(page.locator("#customers-result")).to_have_text(
        f"Pesan voucher {got.voucher['code']} dikirim ulang."
    )
    assert (
        await conn.fetchval("SELECT count(*) FROM messages WHERE voucher_id = $1", voucher_id)
        == sent_before + 1
    )
    await customers.locator("button[data-action=void]").click()
    await expect(dialog).to_contain_text(got.voucher["code"])
    await audited(page, "manager-confirm-void")
    await page.click("#confirm-ok")  # no reason: refused, the dialog stays
    await expect(page.locator("#confirm-error")).to_have_text(
        "Tulis alasannya (paling sedikit 3 huruf)."
    )
    assert await conn.fetchval("SELECT state FROM vouchers WHERE id = $1", voucher_id) != "voided"
    await page.fill("#confirm-input", "salah kirim")
    await page.click("#confirm-ok")
    await expect(dialog).to_be_hidden()
    await expect(customers).to_contain_text("dibatalkan")
    await expect(customers.locator("button")).to_have_count(0)
    assert await conn.fetchval("SELECT state FROM vouchers WHERE id = $1", voucher_id) == "voided"
    await expect(page.locator(".tile[data-key=quota_left] .value")).to_have_text("50")

    # A ticket closed with a note: gone from the open tickets, the note and who kept.
    ticket = page.locator("#tickets tbody tr").first
    await ticket.locator("input").fill("Sudah ditangani teknisi")
    await ticket.locator("button[data-action=close]").click()
    await expect(page.locator("#tickets-result")).to_contain_text("ditutup")
    await expect(page.locator("#tickets tbody")).to_have_text("Tidak ada.")
    closed = await conn.fetchrow(
        "SELECT k.close_note, u.username FROM tickets k JOIN users u ON u.id = k.closed_by"
    )
    assert closed["close_note"] == "Sudah ditangani teknisi" and closed["username"] == "mira"

    # Confirmed, the campaign ends.
    await page.click("#finish")
    await page.click("#confirm-ok")
    await expect(page.locator("#campaign-state")).to_have_text("selesai")
    assert await conn.fetchval("SELECT state FROM campaigns WHERE name = 'laporan'") == "finished"

    # Wholly English when asked: the tab's title, the zone picker, the badge's tooltip.
    await page.goto(base + "/manager?lang=en#laporan")
    await expect(page.locator("#campaign-state")).to_have_text("finished")
    await expect(page).to_have_title("Voucher Bukalapak September — Campaigns — Dialer")
    await expect(page.locator("label.zone-pick")).to_contain_text("Time zone")
    await expect(page.locator("#live-badge")).to_have_attribute(
        "title", re.compile("^Live figures")
    )
    await expect(page.locator("#finish")).to_have_text("End campaign")
    await expect(page.locator("#voucher-summary")).to_contain_text(
        "median from the call to redemption"
    )
    await audited(page, "manager-campaign-en")
    assert errors == []
    await page.close()


async def test_the_agent_board_readiness_and_one_number_looked_up(
    client: Any, conn: asyncpg.Connection, factory: Factory, browser: Browser
) -> None:
    campaign = await factory.create_campaign(name="papan")
    await factory.create_targets(
        campaign, [row(1), row(2, province="Bali"), row(3, name="Budi Santoso")]
    )
    targets = [r["id"] for r in await conn.fetch("SELECT id FROM targets ORDER BY id")]
    await conn.execute(
        "UPDATE targets SET state = 'done', done_reason = 'contacted' WHERE id = $1", targets[0]
    )
    ani = await auth.create_user(
        conn, username="ani", role="agent", password="rahasia-ani", display_name="Ani"
    )
    eko = await auth.create_user(conn, username="eko", role="agent", password="rahasia-eko")
    await auth.create_user(
        conn, username="mira", role="manager", password="rahasia-mira", display_name="Mira"
    )
    # Ani talks to Budi Santoso for a minute already; Eko is on a break.
    attempt = await conn.fetchval(
        "INSERT INTO attempts (campaign_id, target_id, number, carrier, node, state,"
        " created_at, placed_at, answered_at, bridged_at, updated_at, agent_id)"
        " SELECT $1, $2, msisdn, 'test', 'test', 'in-progress', now() - interval '70 s',"
        " now() - interval '70 s', now() - interval '65 s', now() - interval '65 s', now(), $3"
        " FROM targets WHERE id = $2 RETURNING id",
        campaign.id,
        targets[2],
        ani.id,
    )
    await conn.execute(
        "INSERT INTO agent_states (user_id, campaign_id, state, since, attempt_id, seen_at)"
        " VALUES ($1, $2, 'on_call', now() - interval '65 s', $3, now()),"
        " ($4, $2, 'paused', now() - interval '10 s', NULL, now())",
        ani.id,
        campaign.id,
        attempt,
        eko.id,
    )
    base = str(client.make_url("")).rstrip("/")
    page, errors = await _manager_page(browser, base, "/manager#papan")

    board = page.locator("#live-agents tbody")
    talking = board.locator(f"tr[data-agent='{ani.id}']")
    await expect(talking).to_contain_text("Dalam panggilan")
    await expect(talking.locator("td.customer")).to_have_text("Budi Santoso · 122000000003")
    timer = talking.locator("td.timer")
    await expect(timer).to_have_text(re.compile(r"^1:\d\d$"))
    first = await timer.text_content()
    await expect(timer).not_to_have_text(first or "")  # it ticks by itself
    await expect(board.locator(f"tr[data-agent='{eko.id}']")).to_contain_text("Istirahat")
    await expect(page.locator("#board-summary")).to_have_text(
        "1 dalam panggilan · 0 wrap-up · 1 istirahat · 0 siap"
    )
    # The agent's call ends: the board follows without a reload.
    await conn.execute(
        "UPDATE agent_states SET state = 'wrap_up', wrap_up_until = now() + interval '1 min',"
        " since = now() WHERE user_id = $1",
        ani.id,
    )
    await expect(talking).to_contain_text("Wrap-up")

    # Ready and dialable now, explained once; each zone's window in words.
    await expect(page.locator("#readiness")).to_contain_text("dapat ditelepon sekarang")
    await expect(page.locator("#zones li")).to_have_count(3)
    await expect(page.locator("#zones li[data-zone=WITA]")).to_contain_text(
        re.compile(r"^WITA: 1 siap, 0 dapat ditelepon sekarang — ")
    )
    # Why not, in words; the finished apart from the waiting, no raw key anywhere.
    await expect(page.locator("#why-not tbody")).to_contain_text("kampanye masih draf")
    done = page.locator("#why-done tbody tr[data-reason=done_contacted]")
    await expect(done).to_contain_text("sudah terhubung: pelanggan menjawab")
    await expect(page.locator("#why-card")).not_to_contain_text("done_contacted")
    await expect(page.locator("#why-not tbody")).not_to_contain_text("sudah terhubung")

    # One number looked up on the page, by the mobile number; an unknown one said in red.
    await page.fill("#lookup-form input[name=number]", "0812-0000-0002")
    await page.click("#lookup-form button[type=submit]")
    found = page.locator("#lookup-result")
    await expect(found).to_contain_text("Pelanggan 2 · 122000000002")
    await expect(found).to_contain_text("belum sekarang — kampanye masih draf, tidak berjalan")
    await page.fill("#lookup-form input[name=number]", "0899")
    await page.click("#lookup-form button[type=submit]")
    await expect(found.locator("p.error")).to_contain_text("0899")
    await audited(page, "manager-campaign-board")
    # A link to a campaign that is not there: the list, saying so in red.
    await page.goto(base + "/manager#nope")
    await expect(page.locator("#list-error")).to_contain_text("nope")
    await expect(page.locator("#campaigns tbody tr[data-campaign=papan]")).to_be_visible()
    assert errors == []
    await page.close()


async def test_the_campaign_page_says_how_it_is_paced_and_when_it_slowed_down(
    client: Any, conn: asyncpg.Connection, factory: Factory, browser: Browser
) -> None:
    campaign = await factory.create_campaign(name="prediktif", pacing_mode="predictive")
    await factory.create_targets(campaign, [row(1)])
    await auth.create_user(
        conn, username="mira", role="manager", password="rahasia-mira", display_name="Mira"
    )
    # As the pacer left it: predictive, its 3 % target lowered to 1.2 % in force, the
    # day's abandon rate near the limit.
    slowed = pacing.Paced(
        "predictive",
        3.0,
        1.2,
        {
            "human_percent": 35.2,
            "talk_seconds": 96.0,
            "window_rate_percent": 1.1,
            "day_rate_percent": 2.4,
            "guard": False,
        },
    )
    await pacing.save(conn, campaign.id, slowed, T1)
    base = str(client.make_url("")).rstrip("/")
    page, errors = await _manager_page(browser, base, "/manager#prediktif")
    note = page.locator("#pacing-note")
    await expect(note).to_contain_text("Pacing: prediktif")
    await expect(note).to_contain_text("target abandon 3%, berlaku 1,2%")
    await expect(note).to_contain_text("peluang orang menjawab 35,2%, rata-rata bicara 96 detik")
    await expect(note).to_contain_text("24 jam 2,4%")
    await expect(note.locator("strong")).to_have_text(
        re.compile(r"^Melambat sejak 5 September 2022 .* WIB: tingkat abandon mendekati batas$")
    )
    await audited(page, "manager-campaign-pacing")
    # In English, wholly; once the rate is back, no warning.
    await pacing.save(conn, campaign.id, pacing.Paced("predictive", 3.0, 3.0, {}), T2)
    await page.goto(base + "/manager?lang=en#prediktif")
    await expect(note).to_contain_text("Pacing: predictive · abandon target 3%, in force 3%")
    await expect(note.locator("strong")).to_have_count(0)
    events = await conn.fetch(
        "SELECT action FROM campaign_events WHERE campaign_id = $1 AND actor = 'dialer'"
        " ORDER BY id",
        campaign.id,
    )
    assert [e["action"] for e in events] == ["pacing_slowed", "pacing_resumed"]
    assert errors == []
    await page.close()
