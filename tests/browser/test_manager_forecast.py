"""The campaign page's forecast panel in a real headless Chromium: each figure with its
range and the inputs used, in the page's language and the zone it shows, with the
agents logged in or a number asked; audited at a phone's width and a laptop's."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from playwright.async_api import Browser, expect

from dialer.app import create_app
from dialer.auth import service as auth
from dialer.clock import FrozenClock
from dialer.db import Pool
from dialer.settings import Settings
from tests.browser.audit import audited
from tests.factories import Factory
from tests.integration.test_forecast import NOW, a_campaign_under_way


@pytest.fixture
async def at_now(settings: Settings, pool: Pool) -> AsyncIterator[TestClient[Any, Any]]:
    """The service with its clock at Monday 5 September 2022, 11:00 WIB."""
    app = create_app(settings, pool=pool, clock=FrozenClock(NOW))
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def test_the_forecast_panel_shows_each_figure_its_range_and_inputs(
    at_now: TestClient[Any, Any],
    conn: asyncpg.Connection,
    pool: Pool,
    factory: Factory,
    browser: Browser,
) -> None:
    await a_campaign_under_way(conn, pool, factory)
    await auth.create_user(
        conn, username="mira", role="manager", password="rahasia-mira", display_name="Mira"
    )
    base = str(at_now.make_url("")).rstrip("/")
    page = await browser.new_page(viewport={"width": 1366, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(base + "/manager#ramalan")
    await page.fill("input[name=username]", "mira")
    await page.fill("input[name=password]", "rahasia-mira")
    await page.click("#login-form button[type=submit]")

    card = page.locator("#forecast-card")
    await expect(card.locator("h2")).to_have_text("Perkiraan")
    status = page.locator("#forecast-status")
    await expect(status).to_have_text("Per 5 September 2022 11.00 WIB, dengan 1 agen (yang masuk).")
    rows = page.locator("#forecast tbody tr")
    await expect(rows).to_have_count(4)
    exhausted = rows.locator("xpath=self::*[@data-figure='exhausted']")
    await expect(exhausted.locator("th")).to_have_text("Daftar target habis")
    # A time in the manager's zone, and its range from one time to another.
    await expect(exhausted.locator("td.figure")).to_have_text(re.compile(r"2022 \d\d\.\d\d WIB$"))
    await expect(exhausted.locator("td").nth(1)).to_have_text(
        re.compile(r"^\d+ \w+ 2022 \d\d\.\d\d WIB – \d+ \w+ 2022 \d\d\.\d\d WIB$")
    )
    finish = rows.locator("xpath=self::*[@data-figure='finish']")
    await expect(finish.locator("th")).to_have_text(
        "Peluang selesai sebelum akhir kampanye (30 September 2022 18.00 WIB)"
    )
    await expect(finish.locator("td.figure")).to_have_text(re.compile(r"^\d+(,\d)?%$"))
    agents = rows.locator("xpath=self::*[@data-figure='agents']")
    await expect(agents.locator("td").nth(1)).to_contain_text("(peluang 95%)")
    inputs = page.locator("#forecast-inputs")
    await inputs.locator("summary").click()
    await expect(inputs).to_contain_text("4 target tersisa dari 6: 3 siap, 1 terjadwal")
    await expect(inputs).to_contain_text("Peluang kontak")
    await expect(inputs).to_contain_text("WIT")
    await expect(inputs).to_contain_text("kuota 50, terpakai 1")
    await expect(inputs).to_contain_text("Percobaan ulang: paling banyak 6 per target")
    await expect(page.locator("#forecast-method")).to_contain_text("Monte Carlo 200 kali")
    await audited(page, "manager-forecast")

    # Another zone: the same figures, their times in it.
    await page.select_option("#zone", "WIT")
    await expect(status).to_have_text("Per 5 September 2022 13.00 WIT, dengan 1 agen (yang masuk).")
    await expect(exhausted.locator("td.figure")).to_have_text(re.compile(r"WIT$"))
    await page.select_option("#zone", "WIB")
    # A number of agents asked: none, and the page says never, plainly.
    await page.fill("#forecast-form input[name=agents]", "0")
    await page.click("#forecast-form button[type=submit]")
    await expect(status).to_contain_text("dengan 0 agen (diminta)")
    await expect(exhausted.locator("td.figure")).to_have_text("Tidak pernah: tidak ada agen")
    await expect(page.locator("#forecast-error")).to_be_empty()

    # In English, wholly.
    await page.goto(base + "/manager?lang=en#ramalan")
    await expect(card.locator("h2")).to_have_text("Forecast")
    await expect(status).to_have_text(
        "As of 5 September 2022 11:00 WIB, with 1 agents (logged in)."
    )
    await expect(exhausted.locator("th")).to_have_text("Target list exhausted")
    await expect(page.locator("#forecast-form input[name=agents]")).to_have_attribute(
        "placeholder", "logged in"
    )
    await audited(page, "manager-forecast-en")
    assert errors == []
    await page.close()
