"""The agent console in a real headless Chromium (Debian's, driven by Playwright): an
agent logs in, goes available, receives the pop of a simulated call with the filled
script, survives a reload, and records an outcome. Screenshots are kept in
``tests/artifacts/``."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import jwt
import pytest
from aiohttp.test_utils import TestClient, TestServer, unused_port
from playwright.async_api import Browser, Page, expect
from pydantic import SecretStr
from twilio.request_validator import RequestValidator

from dialer.agents import legs
from dialer.app import create_app
from dialer.auth import service as auth
from dialer.clock import FrozenClock
from dialer.db import Pool
from dialer.settings import Settings
from tests.browser.audit import audited
from tests.browser.conftest import shot
from tests.dialing import MONDAY_10_WIB, Node, phone_up, running_node
from tests.factories import Factory, assign_everywhere, row
from tests.fakes.twilio_api import FakeTwilio
from tests.integration.test_outcomes import TALKATIVE
from tests.integration.test_twilio_carrier import ACCOUNT, TOKEN


async def agent_user(conn: asyncpg.Connection, **fields: Any) -> auth.User:
    """An agent user, assigned to every campaign there is (a manager's doing)."""
    user = await auth.create_user(conn, **fields)
    await assign_everywhere(conn, user.id)
    return user


async def ani_takes_a_call(
    browser: Browser, node: Node, campaign: str, *, height: int
) -> tuple[Page, list[str]]:
    """Agent ``ani`` (password ``rahasia-ani``) logs in to the console, joins
    ``campaign``, goes available (which connects her phone) and takes the call the
    node's next tick places; the page, and the JavaScript errors it will collect."""
    base = str(node.client.make_url("")).rstrip("/")
    page = await browser.new_page(viewport={"width": 1366, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(base + "/agent")
    await page.fill("input[name=username]", "ani")
    await page.fill("input[name=password]", "rahasia-ani")
    await page.click("#login-form button[type=submit]")
    await expect(page.locator("#conn")).to_have_text("terhubung")
    await page.select_option("#campaign", campaign)
    await page.click("#join")
    await expect(page.locator("#state")).to_have_text("Istirahat")
    await page.click("#available")
    await expect(page.locator("#state")).to_have_text("Siap")
    # A free seat is an available agent whose phone is in their conference: wait for it
    # (under load the tick could come first and find no one).
    await expect(page.locator("#phone-state")).to_contain_text("tersambung")
    assert await node.tick() == {campaign: 1}
    await expect(page.locator("#state")).to_have_text("Dalam panggilan")
    return page, errors


async def test_caring_goes_on_with_the_script_to_a_ticket_and_the_voucher(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory, browser: Browser
) -> None:
    """Seed 001: a problem found at step 3 is cared for (a ticket), then the script goes
    on with step 4, and the customer takes the voucher: one call, both recorded."""
    created = await factory.running_campaign([row(2)], virtual_seats=0, name="caring")
    await agent_user(conn, username="ani", role="agent", password="rahasia-ani")
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(
        settings, pool, clock, choose=lambda c: "human", speed=10, profile=TALKATIVE
    ) as node:
        page, errors = await ani_takes_a_call(browser, node, created.name, height=900)

        # Step 3: a problem. Caring opens a ticket among the call's actions and offers to
        # go on with step 4; the disposition so far is has_problem.
        await page.locator("#step-usage .branches button").first.click()
        await expect(page.locator("#code")).to_have_value("has_problem")
        await expect(page.locator("#act-tickets .ticket")).to_have_count(1)
        await expect(page.locator("#resume")).to_contain_text("Lanjutkan skrip: Empati")
        await page.select_option("select[name=ticket_kind_1]", "existing")
        await page.fill("input[name=ticket_existing_1]", "IN12345678")
        await page.click("#resume")
        # Step 5: the customer will pay through Bukalapak — the call goes on to a voucher.
        await page.locator("#step-voucher_offer .branches button").first.click()
        await expect(page.locator("#code")).to_have_value("pays_via_bukalapak")
        await expect(page.locator("#act-tickets .ticket")).to_have_count(1)
        await page.click("#submit-outcome")
        await expect(page.locator("#outcome-done")).to_contain_text("Voucher")
        outcome: Any = await conn.fetchrow("SELECT * FROM outcomes")
        assert outcome["code"] == "pays_via_bukalapak"
        ticket = await conn.fetchrow("SELECT * FROM tickets")
        assert ticket["existing_ref"] == "IN12345678" and ticket["outcome_id"] == outcome["id"]
        assert await conn.fetchval("SELECT count(*) FROM vouchers") == 1
        assert errors == []
        await page.close()
        for sid in list(node.carrier.calls):
            await node.carrier.hangup(sid)
        await node.settle()


async def test_an_agent_logs_in_takes_a_call_and_records_its_outcome(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory, browser: Browser
) -> None:
    september = {"bill_month": "2022-09", "bill_amount": "350000"}
    created = await factory.running_campaign(
        [row(2, name="Siti Rahayu", **september)], virtual_seats=0, name="browser"
    )
    await agent_user(
        conn, username="ani", role="agent", password="rahasia-ani", display_name="Ani Lestari"
    )
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(
        settings, pool, clock, choose=lambda c: "human", speed=10, profile=TALKATIVE
    ) as node:
        base = str(node.client.make_url("")).rstrip("/")
        page = await browser.new_page(viewport={"width": 1366, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(base + "/")  # leads to /agent
        assert page.url.endswith("/agent")

        # A wrong password says so, in Indonesian; the right one opens the console.
        await page.fill("input[name=username]", "ani")
        await page.fill("input[name=password]", "salah-sandi")
        await page.click("#login-form button[type=submit]")
        await expect(page.locator("#login-error")).to_have_text(
            "nama pengguna atau kata sandi salah"
        )
        await page.fill("input[name=password]", "rahasia-ani")
        await page.click("#login-form button[type=submit]")
        await expect(page.locator("#agent-name")).to_have_text("Ani Lestari")
        await expect(page.locator("#conn")).to_have_text("terhubung")

        await page.select_option("#campaign", created.name)
        await page.click("#join")
        await expect(page.locator("#state")).to_have_text("Istirahat")
        await page.click("#available")
        await expect(page.locator("#state")).to_have_text("Siap")
        # A free seat is an available agent whose phone is in their conference.
        await expect(page.locator("#phone-state")).to_contain_text("tersambung")
        assert await node.tick() == {created.name: 1}

        # The pop: the filled script and the bill, as the agent reads them.
        opening = page.locator("#step-opening .say")
        await expect(opening).to_contain_text("Selamat pagi. Saya Ani Lestari dari PT Telkom.")
        await expect(opening).to_contain_text("Siti Rahayu, di no IndiHome 122000000002")
        await expect(page.locator("#step-due_date .say")).to_contain_text(
            "tagihan bulan September 2022 sejumlah Rp 350.000"
        )
        await expect(page.locator("#bill")).to_contain_text("Gratis minipack hari ini")
        await expect(page.locator("#customer")).to_contain_text("10.00 WIB")
        # When the figures were true, in the customer's zone, named, the Indonesian way.
        await expect(page.locator("#bill-source")).to_contain_text(
            re.compile(
                r" per \d{1,2} (Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus"
                r"|September|Oktober|November|Desember) \d{4} \d{2}\.\d{2} WIB"
            )
        )
        await expect(page.locator("#step-voucher_offer")).to_be_visible()
        await expect(page.locator("#voucher-badge")).to_have_text(
            "Voucher Bukalapak: sisa 50 dari 50"
        )
        await expect(page.locator("#state")).to_have_text("Dalam panggilan")
        number = page.locator("#customer dt:has-text('Percobaan ke') + dd")
        await expect(number).to_have_text("1")
        await shot(page, "agent-console-pop.png")

        # A reload restores the call on screen.
        attempt = await page.get_attribute("body", "data-attempt")
        await page.reload()
        await expect(page.locator("#step-opening .say")).to_contain_text("Siti Rahayu")
        assert await page.get_attribute("body", "data-attempt") == attempt

        # A form missing what the code needs is refused, with the field named, in the
        # agent's language.
        # The problem is said once, beside the field (outlined, described by it), with
        # the field's label and the outcome's: never the raw keys.
        await page.select_option("#code", "pays_other_channel")
        await page.click("#submit-outcome")
        channel = page.locator("select[name=channel]")
        await expect(channel).to_have_attribute("aria-invalid", "true")
        await expect(channel).to_have_attribute("aria-describedby", "error-channel")
        await expect(page.locator("#error-channel")).to_have_text(
            "Moda bayar: wajib untuk “Bayar via moda bayar lain”"
        )
        await expect(page.locator("#outcome-error")).to_have_text("Periksa kolom yang ditandai.")
        await expect(page.locator("#outcome-card")).not_to_contain_text("channel:")
        await expect(page.locator("#outcome-card")).not_to_contain_text("pays_other_channel")
        await expect(page.get_by_text("wajib untuk", exact=False)).to_have_count(1)
        # Completed, it is recorded; after-call work follows.
        await page.select_option("select[name=channel]", "indomaret")
        await page.select_option("select[name=address_valid]", "true")
        await page.select_option("select[name=myindihome]", "installed")
        await page.fill("textarea[name=notes]", "Akan bayar di Indomaret sore ini")
        await page.click("#submit-outcome")
        await expect(page.locator("#outcome-done")).to_contain_text("Hasil tersimpan")
        await expect(page.locator("#state")).to_have_text("Wrap-up")
        await shot(page, "agent-console-outcome.png")
        # The call ends and settles (its target counts one call more): on the card it is
        # still the first call.
        for sid in list(node.carrier.calls):
            await node.carrier.hangup(sid)
        await node.settle()
        await expect(page.locator("#call-status")).to_have_text("Pelanggan menutup telepon.")
        assert await conn.fetchval("SELECT attempts FROM targets") == 1
        await page.reload()
        await expect(page.locator("#state")).to_have_text("Wrap-up")
        await expect(number).to_have_text("1")

        outcome: Any = await conn.fetchrow("SELECT * FROM outcomes")
        assert outcome["code"] == "pays_other_channel"
        assert outcome["details"] == {"channel": "indomaret"}
        assert outcome["hub_penerima"] == "YANG BERSANGKUTAN"
        assert outcome["notes"] == "Akan bayar di Indomaret sore ini"
        assert outcome["wa_number"] == "+6281200000002"
        assert outcome["attempt_id"] == int(attempt or 0)
        assert errors == []
        await page.close()
        for sid in list(node.carrier.calls):
            await node.carrier.hangup(sid)
        await node.settle()


async def test_a_manager_is_told_the_console_is_for_agents(
    client: Any, conn: asyncpg.Connection, browser: Browser
) -> None:
    await auth.create_user(conn, username="mira", role="manager", password="rahasia-mira")
    base = str(client.make_url("")).rstrip("/")
    page = await browser.new_page()
    await page.goto(base + "/agent")
    await page.fill("input[name=username]", "mira")
    await page.fill("input[name=password]", "rahasia-mira")
    await page.click("#login-form button[type=submit]")
    await expect(page.locator("#login-error")).to_contain_text("Halaman ini untuk agen")
    await expect(page.locator("#console-view")).to_be_hidden()
    # And the agent API refuses them whatever the page does.
    resp = await page.request.get(base + "/api/agent/me")
    assert resp.status == 403
    await page.close()


async def test_the_console_speaks_english_when_asked(
    client: Any, conn: asyncpg.Connection, browser: Browser
) -> None:
    await agent_user(conn, username="ani", role="agent", password="rahasia-ani")
    base = str(client.make_url("")).rstrip("/")
    page = await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(base + "/agent?lang=en")
    await expect(page.locator("#login-form button[type=submit]")).to_have_text("Log in")
    # The server's errors come in the page's language too.
    await page.fill("input[name=username]", "ani")
    await page.fill("input[name=password]", "wrong-password")
    await page.click("#login-form button[type=submit]")
    await expect(page.locator("#login-error")).to_have_text("wrong username or password")
    await page.fill("input[name=password]", "rahasia-ani")
    await page.click("#login-form button[type=submit]")
    await expect(page.locator("h1")).to_have_text("Agent console")
    assert await page.title() == "Agent console — Dialer"
    await expect(page.locator("#available")).to_have_text("Ready for calls")
    await expect(page.locator("#conn")).to_have_text("connected")
    await expect(page.locator("#code option[value=pays_via_bukalapak]")).to_have_text(
        "9 · Pays via Bukalapak (voucher)"
    )
    await expect(page.locator("#idle")).to_contain_text("No call yet")
    assert errors == []
    await page.close()


async def test_an_unassigned_agent_is_told_and_a_disabled_ones_console_logs_out(
    client: Any, conn: asyncpg.Connection, factory: Factory, browser: Browser
) -> None:
    await auth.create_user(conn, username="ani", role="agent", password="rahasia-ani")
    await factory.running_campaign([row(2)], virtual_seats=0)  # not assigned to ani
    base = str(client.make_url("")).rstrip("/")
    page = await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(base + "/agent")
    await page.fill("input[name=username]", "ani")
    await page.fill("input[name=password]", "rahasia-ani")
    await page.click("#login-form button[type=submit]")
    await expect(page.locator("#conn")).to_have_text("terhubung")
    await expect(page.locator("#campaign")).to_contain_text("hubungi manajer Anda")
    await expect(page.locator("#join")).to_be_disabled()
    # Disabled by a manager: the console's next message ends its socket, and it logs out.
    assert (await auth.set_disabled(conn, "ani", True))["tokens_revoked"] == 1
    # (Its break button waits for a campaign joined: the message is sent as it would.)
    await expect(page.locator("#paused")).to_be_disabled()
    await page.evaluate("send({ type: 'state', state: 'paused' })")
    await expect(page.locator("#login-view")).to_be_visible()
    await expect(page.locator("#console-view")).to_be_hidden()
    assert errors == []
    await page.close()


async def test_the_console_connects_its_softphone_and_shows_the_call_live(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory, browser: Browser
) -> None:
    """On the simulator the console's softphone is the simulator's (no microphone): it
    dials in to the agent's conference like the Voice SDK would. The console shows the
    phone's state, the customer joining (talking, with a timer) and hanging up, and its
    buttons hang the phone up and connect it again."""
    created = await factory.running_campaign([row(2, name="Siti Rahayu")], virtual_seats=0)
    ani = await agent_user(conn, username="ani", role="agent", password="rahasia-ani")
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(
        settings, pool, clock, choose=lambda c: "human", speed=10, profile=TALKATIVE
    ) as node:
        base = str(node.client.make_url("")).rstrip("/")
        page = await browser.new_page(viewport={"width": 1366, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(base + "/agent")
        await page.fill("input[name=username]", "ani")
        await page.fill("input[name=password]", "rahasia-ani")
        await page.click("#login-form button[type=submit]")
        await expect(page.locator("#phone-state")).to_have_text("belum tersambung (simulasi)")
        await page.click("#phone-connect")
        await expect(page.locator("#phone-state")).to_have_text("tersambung (simulasi)")
        await expect(page.locator("#phone-hangup")).to_be_visible()
        leg = await conn.fetchval("SELECT call_sid FROM agent_legs WHERE user_id = $1", ani.id)
        assert node.carrier.switch.members(f"agent-{ani.id}") == [leg]

        await page.select_option("#campaign", created.name)
        await page.click("#join")
        await page.click("#available")
        await expect(page.locator("#state")).to_have_text("Siap")
        # A free seat is an available agent whose phone is in their conference.
        await expect(page.locator("#phone-state")).to_contain_text("tersambung")
        assert await node.tick() == {created.name: 1}
        await expect(page.locator("#call-status")).to_contain_text("Berbicara 00:")
        assert await page.get_attribute("body", "data-call") == "talking"
        await shot(page, "agent-console-talking.png")
        # Hold and resume: the screen follows the conference, not the click.
        await page.click("#call-hold")
        await expect(page.locator("#call-status")).to_have_text(
            "Pelanggan ditahan (mendengar pesan tunggu)."
        )
        await expect(page.locator("#call-resume")).to_be_visible()
        await page.click("#call-resume")
        await expect(page.locator("#call-status")).to_contain_text("Berbicara 00:")
        await page.click("#call-mute")
        await expect(page.locator("#call-status")).to_contain_text("mikrofon mati")
        await page.click("#call-unmute")
        await expect(page.locator("#call-status")).not_to_contain_text("mikrofon mati")
        # The agent hangs up: the customer's line goes down, the console says so at once.
        await page.click("#call-hangup")
        await expect(page.locator("#call-status")).to_have_text("Pelanggan menutup telepon.")
        await expect(page.locator("#call-hangup")).to_be_hidden()
        await node.settle()
        # The agent's phone stays in the conference for the next customer …
        assert node.carrier.switch.members(f"agent-{ani.id}") == [leg]
        # … until they hang it up; connected again, it is a new leg.
        await page.click("#phone-hangup")
        await expect(page.locator("#phone-state")).to_contain_text("terputus")
        await expect(page.locator("#phone-connect")).to_be_visible()
        await page.click("#phone-connect")
        await expect(page.locator("#phone-state")).to_have_text("tersambung (simulasi)")
        again = await conn.fetchval("SELECT call_sid FROM agent_legs WHERE user_id = $1", ani.id)
        assert again != leg and node.carrier.switch.members(f"agent-{ani.id}") == [again]
        assert errors == []
        await page.close()


async def test_a_supervisor_listens_then_whispers_then_leaves_from_the_managers_page(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory, browser: Browser
) -> None:
    created = await factory.running_campaign([row(2)], virtual_seats=0, name="supervisi")
    ani = await agent_user(conn, username="ani", role="agent", password="rahasia-ani")
    await auth.create_user(conn, username="mira", role="manager", password="rahasia-mira")
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(
        settings, pool, clock, choose=lambda c: "human", speed=10, profile=TALKATIVE
    ) as node:
        token, _ = await auth.issue_token(conn, ani.id, kind="api", label="test")
        agent_auth = {"Authorization": f"Bearer {token}"}
        await phone_up(node, agent_auth)
        joined = {"campaign": created.name, "state": "available"}
        assert (await node.client.post("/api/agent/state", json=joined, headers=agent_auth)).ok
        assert await node.tick() == {created.name: 1}
        for _ in range(500):
            if await conn.fetchval("SELECT joined_at FROM attempts") is not None:
                break
            await asyncio.sleep(0.02)
        base = str(node.client.make_url("")).rstrip("/")
        page = await browser.new_page(viewport={"width": 1366, "height": 900})
        try:
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            await page.goto(base + f"/manager#{created.name}")
            await page.fill("input[name=username]", "mira")
            await page.fill("input[name=password]", "rahasia-mira")
            await page.click("#login-form button[type=submit]")
            row_ = page.locator(f"#live-agents tr[data-agent='{ani.id}']")
            await expect(row_).to_contain_text("Dalam panggilan")
            await expect(row_).to_contain_text("tersambung")
            await row_.locator("button[data-action=listen]").click()
            await expect(row_).to_contain_text("mira: mendengarkan")
            watch = await conn.fetchval("SELECT call_sid FROM monitors")
            for _ in range(500):
                if watch in node.carrier.switch.members(f"agent-{ani.id}"):
                    break
                await asyncio.sleep(0.02)
            member = node.carrier.switch.conferences[f"agent-{ani.id}"].members[watch]
            assert member.muted
            await row_.locator("button[data-action=whisper]").click()
            await expect(row_).to_contain_text("mira: berbisik")
            assert member.coaching and not member.muted
            await shot(page, "manager-supervision.png")
            await row_.locator("button[data-action=leave]").click()
            # The page redraws once the monitoring ended (the listen button showed
            # already, in whisper mode: waiting for it proved nothing).
            await expect(row_.locator("button[data-action=leave]")).to_have_count(0)
            assert await conn.fetchval("SELECT state FROM monitors") == "ended"
            await expect(row_.locator("button[data-action=listen]")).to_be_visible()
            assert errors == []
        finally:
            await page.close()
        for sid in list(node.carrier.calls):
            await node.carrier.hangup(sid)
        await node.settle()


@asynccontextmanager
async def on_twilio(settings: Settings, pool: Pool) -> AsyncIterator[tuple[Any, FakeTwilio]]:
    """A node on Twilio (the local fake of its REST API), with the browser softphone's
    settings: its client and the fake."""
    fake = FakeTwilio(ACCOUNT, TOKEN)
    twilio_server = TestServer(fake.app())
    await twilio_server.start_server()
    port = unused_port()
    service = settings.amend(
        server={"public_url": f"http://127.0.0.1:{port}"},
        twilio={
            "account_sid": ACCOUNT,
            "auth_token": SecretStr(TOKEN),
            "from_number": "+622150000000",
            "api_base": str(twilio_server.make_url("")).rstrip("/"),
            "api_key": "SK" + "2" * 32,
            "api_secret": SecretStr(API_SECRET),
            "twiml_app_sid": "AP" + "3" * 32,
        },
    )
    app = create_app(service, pool=pool, clock=FrozenClock(MONDAY_10_WIB))
    try:
        async with TestClient(TestServer(app, host="127.0.0.1", port=port)) as client:
            yield client, fake
    finally:
        await twilio_server.close()


async def until_page(page: Any, expression: str) -> None:
    """Wait until ``expression`` is true in the page (the console's CSP forbids the
    eval that ``wait_for_function`` uses)."""
    for _ in range(500):
        if await page.evaluate(expression):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never true in the page: {expression}")


API_SECRET = "an API key secret of 32 bytes or more"

# The Voice SDK as the page sees it, for a machine that cannot reach Twilio: the test
# plays Twilio's side (its signed webhooks), the stub records what the page did.
SDK_STUB = """
window.Twilio = { Device: class {
  constructor(token, options) { window.sdk = { token, options, connects: 0, handlers: {} }; }
  on(event, handler) { window.sdk["on_" + event] = true; window.sdk.handlers[event] = handler; }
  async register() { window.sdk.registered = true; }
  async connect() { window.sdk.connects += 1; return { on() {} }; }
  disconnectAll() { window.sdk.disconnected = true; }
  destroy() {}
  updateToken(token) { window.sdk.renewed = token; }
} };
"""


async def test_on_twilio_the_console_dials_in_with_the_voice_sdk_and_its_own_token(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory, browser: Browser
) -> None:
    ani = await agent_user(conn, username="ani", role="agent", password="rahasia-ani")
    twilio = RequestValidator(TOKEN)

    async def as_twilio(client: Any, path: str, params: dict[str, str]) -> str:
        headers = {"X-Twilio-Signature": twilio.compute_signature(base + path, params)}
        resp = await client.post(path, data=params, headers=headers)
        assert resp.status == 200
        return str(await resp.text())

    async with on_twilio(settings, pool) as (client, _):
        base = str(client.make_url("")).rstrip("/")
        page = await browser.new_page()
        try:
            served = []

            async def stub(route: Any) -> None:
                served.append(route.request.url)
                await route.fulfill(body=SDK_STUB, content_type="text/javascript")

            await page.route("**/static/vendor/twilio-voice-sdk.min.js", stub)
            await page.goto(base + "/agent")
            await page.fill("input[name=username]", "ani")
            await page.fill("input[name=password]", "rahasia-ani")
            await page.click("#login-form button[type=submit]")
            await expect(page.locator("#phone-state")).to_have_text("belum tersambung")
            await page.click("#phone-connect")
            await until_page(page, "window.sdk && window.sdk.connects === 1")
            assert served == [base + "/static/vendor/twilio-voice-sdk.min.js"]
            token = await page.evaluate("window.sdk.token")
            claims = jwt.decode(token, API_SECRET, algorithms=["HS256"])
            assert claims["grants"]["identity"] == f"agent-{ani.id}"
            assert await page.evaluate("window.sdk.on_tokenWillExpire") is True
            # Twilio asks the TwiML App's voice URL for the browser's call …
            leg = "CA" + "7" * 32
            call = {"CallSid": leg, "From": f"client:agent-{ani.id}", "AccountSid": ACCOUNT}
            room = await as_twilio(client, "/carrier/voice/agent", call)
            assert f">agent-{ani.id}</Conference>" in room
            await expect(page.locator("#phone-state")).to_have_text("menyambungkan…")
            # … and its conference says the leg joined.
            joined = {
                "AccountSid": ACCOUNT,
                "ConferenceSid": "CF" + "7" * 32,
                "FriendlyName": f"agent-{ani.id}",
                "StatusCallbackEvent": "participant-join",
                "CallSid": leg,
            }
            await as_twilio(client, "/carrier/voice/conference", joined)
            await expect(page.locator("#phone-state")).to_contain_text("tersambung")
            # Hanging up ends the browser's call and the leg.
            await page.click("#phone-hangup")
            await until_page(page, "window.sdk.disconnected === true")
            await expect(page.locator("#phone-state")).to_contain_text("terputus")
        finally:
            await page.close()


async def test_on_twilio_a_supervisor_listens_in_the_browser(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory, browser: Browser
) -> None:
    """The manager's page registers the Voice SDK under the supervisor's identity,
    allowed to be called; the service calls that identity into the agent's conference
    and the page answers."""
    created = await factory.create_campaign(name="supervisi-twilio", virtual_seats=0)
    ani = await agent_user(conn, username="ani", role="agent", password=None)
    mira = await auth.create_user(conn, username="mira", role="manager", password="rahasia-mira")
    await legs.dialled_in(conn, ani.id, "CA" + "7" * 32, MONDAY_10_WIB)
    await legs.joined(conn, "CA" + "7" * 32, "CF" + "7" * 32, f"agent-{ani.id}", MONDAY_10_WIB)
    await conn.execute(
        "INSERT INTO agent_states (user_id, campaign_id, state, since, seen_at)"
        " VALUES ($1, $2, 'available', $3, $3)",
        ani.id,
        created.id,
        MONDAY_10_WIB,
    )
    async with on_twilio(settings, pool) as (client, fake):
        base = str(client.make_url("")).rstrip("/")
        page = await browser.new_page(viewport={"width": 1366, "height": 900})
        try:

            async def stub(route: Any) -> None:
                await route.fulfill(body=SDK_STUB, content_type="text/javascript")

            await page.route("**/static/vendor/twilio-voice-sdk.min.js", stub)
            await page.goto(base + f"/manager#{created.name}")
            await page.fill("input[name=username]", "mira")
            await page.fill("input[name=password]", "rahasia-mira")
            await page.click("#login-form button[type=submit]")
            row_ = page.locator(f"#live-agents tr[data-agent='{ani.id}']")
            await row_.locator("button[data-action=listen]").click()
            await expect(row_).to_contain_text("mira")
            assert await page.evaluate("window.sdk.registered") is True
            claims = jwt.decode(
                await page.evaluate("window.sdk.token"), API_SECRET, algorithms=["HS256"]
            )
            assert claims["grants"]["identity"] == f"supervisor-{mira.id}"
            assert claims["grants"]["voice"]["incoming"]["allow"] is True
            added = fake.requests[-1]
            assert added.path.endswith("/Conferences/CF" + "7" * 32 + "/Participants.json")
            assert added.form["To"] == [f"client:supervisor-{mira.id}"]
            assert added.form["Muted"] == ["true"]
            # The service's call rings the browser: the page answers it.
            await page.evaluate(
                "window.sdk.handlers.incoming({ accept() { window.sdk.accepted = true; } })"
            )
            assert await page.evaluate("window.sdk.accepted") is True
        finally:
            await page.close()


async def test_the_transfer_panel_shows_the_guides_line_and_asks_the_customers_consent(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory, browser: Browser
) -> None:
    """Seed 003 on the console: the agent picks the problem's category and reads the
    line to say, filled for the customer; an educate category is recorded as information
    given; a transfer waits for the customer's YA/Baik, then goes through the carrier."""
    created = await factory.running_campaign([row(2, name="Siti Rahayu")], virtual_seats=0)
    await agent_user(conn, username="ani", role="agent", password="rahasia-ani")
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(
        settings, pool, clock, choose=lambda c: "human", speed=10, profile=TALKATIVE
    ) as node:
        page, errors = await ani_takes_a_call(browser, node, created.name, height=1200)
        await expect(page.locator("#phone-state")).to_have_text("tersambung (simulasi)")
        await expect(page.locator("#call-status")).to_contain_text("Berbicara 00:")

        # An educate category: its line, then the information recorded, no transfer.
        await expect(page.locator("#transfer-box")).to_be_visible()
        await page.select_option("#transfer-category", "billing_info")
        say = page.locator("#transfer-say")
        await expect(say).to_contain_text("Baik Bapak/Ibu Siti Rahayu, terima kasih")
        await expect(page.locator("#transfer-go")).to_be_hidden()
        await page.click("#transfer-informed")
        await expect(page.locator("#transfer-informed-done")).to_have_text(
            "Tercatat tanpa transfer: ICONNET : INFO TAGIHAN, TELAH DIJELASKAN SESUAI"
            " KETENTUAN. PELANGGAN MENGETI"
        )
        assert await conn.fetchval("SELECT count(*) FROM transfers") == 0

        # Activation & trouble: the apology line, and no transfer before the consent.
        await page.select_option("#transfer-category", "activation_trouble")
        await page.select_option("#transfer-address", "ibu")
        await expect(say).to_contain_text(
            "Baik Ibu Siti Rahayu, mohon maaf saat ini Ibu terhubung dengan Contact Center"
            " PLN 123 Ketenagalistrikan"
        )
        await expect(say).to_contain_text("mohon ditunggu ya Bu ...?")
        await expect(page.locator("#transfer-to")).to_contain_text(
            "Contact Center ICONNET (contoh)"
        )
        await expect(page.locator("#transfer-log")).to_contain_text("ICONNET : TRANSFER CALL")
        consent = page.locator("#transfer-consent")
        await expect(consent.get_by_label("YA")).to_be_visible()
        await expect(consent.get_by_label("Baik")).to_be_visible()
        await expect(page.locator("#transfer")).to_be_disabled()
        await shot(page, "agent-console-transfer-guide.png")
        await consent.get_by_label("Baik").check()
        await expect(page.locator("#transfer")).to_be_enabled()
        await page.click("#transfer")
        await expect(page.locator("#outcome-done")).to_contain_text(
            "Panggilan ditransfer ke +620000000003 (activation_trouble)."
            " Catatan: ICONNET : TRANSFER CALL"
        )
        transfer = await conn.fetchrow("SELECT * FROM transfers")
        assert (transfer["consent"], transfer["log_text"]) == ("Baik", "ICONNET : TRANSFER CALL")
        assert errors == []
        await page.close()
        for sid in list(node.carrier.calls):
            await node.carrier.hangup(sid)
        await node.settle()


async def test_the_console_follows_the_deployments_language(
    client: Any,
    settings: Any,
    conn: asyncpg.Connection,
    browser: Browser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DIALER_UI__LANGUAGE=en: English from the login form on, without ?lang."""
    # The app holds this very object (shared by every Settings: put back after).
    monkeypatch.setitem(settings.ui.__dict__, "language", "en")
    await agent_user(conn, username="ani", role="agent", password="rahasia-ani")
    base = str(client.make_url("")).rstrip("/")
    page = await browser.new_page()
    await page.goto(base + "/agent")
    await expect(page.locator("#login-form button[type=submit]")).to_have_text("Log in")
    await page.fill("input[name=username]", "ani")
    await page.fill("input[name=password]", "wrong-password")
    await page.click("#login-form button[type=submit]")
    await expect(page.locator("#login-error")).to_have_text("wrong username or password")
    await page.fill("input[name=password]", "rahasia-ani")
    await page.click("#login-form button[type=submit]")
    await expect(page.locator("#available")).to_have_text("Ready for calls")
    await page.close()


DRAFTS = "Object.keys(localStorage).filter((k) => k.startsWith('dialer.agent.draft.'))"


async def test_a_busy_floors_console_alerts_keeps_the_draft_and_keeps_the_outcome_in_reach(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory, browser: Browser
) -> None:
    """The first-use guidance names Gabung before Siap (which waits for it); a new call
    beeps and says so in the title; digits choose the outcome (not while typing); what
    was typed survives a reload until saved; the call panel and the outcome stay in
    view at the script's end; each state passes the audit at 390 and 1366 px."""
    created = await factory.running_campaign(
        [row(2)], virtual_seats=0, name="floor", wrap_up_seconds=20
    )
    await agent_user(conn, username="ani", role="agent", password="rahasia-ani")
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(
        settings, pool, clock, choose=lambda c: "human", speed=10, profile=TALKATIVE
    ) as node:
        base = str(node.client.make_url("")).rstrip("/")
        page = await browser.new_page(viewport={"width": 1366, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(base + "/agent")
        await expect(page.locator("#login-form")).to_be_visible()
        await audited(page, "agent-login")
        await page.fill("input[name=username]", "ani")
        await page.fill("input[name=password]", "rahasia-ani")
        await page.click("#login-form button[type=submit]")
        await expect(page.locator("#conn")).to_have_text("terhubung")

        # Before joining: the guidance says Gabung first, Siap waits, no empty badge.
        await expect(page.locator("#idle")).to_contain_text(
            "Pilih kampanye, tekan “Gabung”, lalu “Siap menerima panggilan”."
        )
        await expect(page.locator("#available")).to_be_disabled()
        await expect(page.locator("#paused")).to_be_disabled()
        await expect(page.locator("#voucher-badge")).to_be_hidden()
        await expect(page.locator("#sound")).to_have_text("Suara: nyala")
        await expect(page.locator("#sound")).to_have_attribute("aria-pressed", "true")
        # Asked anyway (an old tab, say), the server says why in the page's language.
        await page.evaluate("send({ type: 'state', state: 'available' })")
        await expect(page.locator("#console-error")).to_have_text(
            "gabung ke kampanye dulu: belum ada kampanye untuk menerima panggilan"
        )

        await page.select_option("#campaign", created.name)
        await page.click("#join")
        await expect(page.locator("#state")).to_have_text("Istirahat")
        await expect(page.locator("#available")).to_be_enabled()
        await audited(page, "agent-idle")
        await page.click("#available")
        await expect(page.locator("#state")).to_have_text("Siap")
        await expect(page.locator("#phone-state")).to_contain_text("tersambung")
        assert await page.get_attribute("body", "data-beeps") is None
        assert await node.tick() == {created.name: 1}
        await expect(page.locator("#state")).to_have_text("Dalam panggilan")

        # A new call: one beep, and the title says so until the agent acts.
        await expect(page.locator("body")).to_have_attribute("data-beeps", "1")
        await expect(page).to_have_title(re.compile("Panggilan baru"))
        await expect(page.locator("#code option[value=customer_busy]")).to_have_text(
            "1 · Pelanggan SIBUK — telepon kembali"
        )

        # The outcome is within a few Tab presses of the page's top.
        await page.locator("h1").click()
        await expect(page).to_have_title("Konsol Agen — Dialer")
        presses = 0
        while not await page.evaluate("document.activeElement.id === 'code'"):
            assert presses < 20, "the outcome is 20 Tab presses away"
            await page.keyboard.press("Tab")
            presses += 1

        # Keys choose the outcome; a digit typed in a field is the field's.
        await page.locator("#steps").click()  # the agent reads the script
        await page.keyboard.press("0")
        await expect(page.locator("#code")).to_have_value("pays_other_channel")
        await expect(page.locator("#code")).to_be_focused()
        await page.fill("textarea[name=notes]", "")
        await page.locator("textarea[name=notes]").press_sequentially("Bayar tanggal 2")
        await expect(page.locator("#code")).to_have_value("pays_other_channel")
        await page.locator("#steps").click()
        await page.keyboard.press("h")
        await expect(page.locator("#code")).to_be_focused()
        await page.select_option("select[name=channel]", "indomaret")
        # A break after this call, for a meeting: the panel says what follows the call.
        await page.select_option("#pause-reason", "rapat")
        await page.check("#pause-after")
        await expect(page.locator("#state")).to_have_text(
            "Dalam panggilan — lalu istirahat (Rapat)"
        )

        # At the script's end the call's controls and the outcome are still in view.
        await page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        await expect(page.locator("#call-hangup")).to_be_in_viewport()
        await expect(page.locator("#call-status")).to_be_in_viewport()
        await expect(page.locator("#code")).to_be_in_viewport()
        # The script folds away.
        await page.click("#script-card summary")
        await expect(page.locator("#steps")).to_be_hidden()
        await page.click("#script-card summary")
        await expect(page.locator("#steps")).to_be_visible()

        # A reload brings back the call and what was typed for it, without a new alert.
        await page.reload()
        await expect(page.locator("#state")).to_have_text(
            "Dalam panggilan — lalu istirahat (Rapat)"
        )
        await expect(page.locator("#pause-after")).to_be_checked()
        await expect(page.locator("#code")).to_have_value("pays_other_channel")
        await expect(page.locator("select[name=channel]")).to_have_value("indomaret")
        await expect(page.locator("textarea[name=notes]")).to_have_value("Bayar tanggal 2")
        assert await page.get_attribute("body", "data-beeps") is None
        await audited(page, "agent-pop")

        # Saved, the draft is gone; wrap-up keeps the saved outcome on screen.
        await page.click("#submit-outcome")
        await expect(page.locator("#outcome-done")).to_contain_text("Hasil tersimpan")
        await expect(page.locator("#state")).to_have_text("Wrap-up — lalu istirahat (Rapat)")
        assert await page.evaluate(DRAFTS) == []
        outcome: Any = await conn.fetchrow("SELECT * FROM outcomes")
        assert outcome["details"] == {"channel": "indomaret"}
        assert outcome["notes"] == "Bayar tanggal 2"
        await audited(page, "agent-wrap-up")

        # A break taken during the after-call work (a meal, now) leaves the call and its
        # saved outcome on screen; the work ends in that break, not available.
        await page.select_option("#pause-reason", "makan")
        await page.click("#paused")
        await expect(page.locator("#state")).to_have_text("Wrap-up — lalu istirahat (Makan)")
        await expect(page.locator("#pause-after")).to_be_checked()
        await expect(page.locator("#outcome-done")).to_contain_text("Hasil tersimpan")
        await expect(page.locator("#call")).to_be_visible()
        clock.advance(seconds=30)  # past the 20 s of after-call work
        assert await node.tick() == {created.name: 0}
        await expect(page.locator("#state")).to_have_text("Istirahat (Makan)")
        await expect(page.locator("#call")).to_be_hidden()
        assert errors == []
        await page.close()
        for sid in list(node.carrier.calls):
            await node.carrier.hangup(sid)
        await node.settle()


async def test_a_muted_console_alerts_by_its_title_only_in_english(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory, browser: Browser
) -> None:
    """On a phone, in English: the mute is remembered across a reload; a muted console
    does not beep, its title still says a call came; the script starts folded with the
    outcome under it. The English page passes the audit too."""
    created = await factory.running_campaign([row(2)], virtual_seats=0, name="quiet")
    await agent_user(conn, username="ani", role="agent", password="rahasia-ani")
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(
        settings, pool, clock, choose=lambda c: "human", speed=10, profile=TALKATIVE
    ) as node:
        base = str(node.client.make_url("")).rstrip("/")
        page = await browser.new_page(viewport={"width": 390, "height": 844})  # a phone
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(base + "/agent?lang=en")
        await expect(page.locator("#login-form button[type=submit]")).to_have_text("Log in")
        await audited(page, "agent-login-en")
        await page.fill("input[name=username]", "ani")
        await page.fill("input[name=password]", "rahasia-ani")
        await page.click("#login-form button[type=submit]")
        await expect(page.locator("#conn")).to_have_text("connected")
        await expect(page.locator("#idle")).to_contain_text("press “Join”, then “Ready for calls”")
        await page.click("#sound")
        await expect(page.locator("#sound")).to_have_text("Sound: off")
        await page.reload()
        await expect(page.locator("#conn")).to_have_text("connected")
        await expect(page.locator("#sound")).to_have_text("Sound: off")
        await expect(page.locator("#sound")).to_have_attribute("aria-pressed", "false")
        await page.select_option("#campaign", created.name)
        await page.click("#join")
        await expect(page.locator("#state")).to_have_text("On a break")
        await audited(page, "agent-idle-en")
        await page.click("#available")
        await expect(page.locator("#state")).to_have_text("Ready")
        await expect(page.locator("#phone-state")).to_contain_text("connected")
        assert await node.tick() == {created.name: 1}
        await expect(page.locator("#state")).to_have_text("On a call")
        await expect(page).to_have_title(re.compile("New call"))
        assert await page.get_attribute("body", "data-beeps") is None
        # On a phone the script starts folded, the outcome right under it.
        await expect(page.locator("#script-card")).not_to_have_attribute("open", "")
        script = await page.locator("#script-card").bounding_box()
        outcome = await page.locator("#code").bounding_box()
        assert script is not None and outcome is not None
        assert script["height"] < 100 and 0 < outcome["y"] - script["y"] < 400
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        await audited(page, "agent-pop-en")
        assert errors == []
        await page.close()
        for sid in list(node.carrier.calls):
            await node.carrier.hangup(sid)
        await node.settle()
