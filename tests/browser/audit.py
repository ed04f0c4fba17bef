"""What every page state shown in the browser tests must pass, at a phone's width and a
laptop's: a screenshot of each into ``tests/artifacts/``, no horizontal scroll, and
axe-core (bundled by ``axe-playwright-python``: nothing from a CDN) finding no serious
or critical accessibility violation.

``await audited(page, "agent-pop")`` checks the page as it is now at 390 px and 1366 px
wide, then gives it back at the width it had."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page

from tests.browser.conftest import ARTIFACTS

WIDTHS = {"phone": (390, 844), "desktop": (1366, 900)}
SERIOUS = ("serious", "critical")
_axe = Axe()


async def audited(page: Page, state: str) -> None:
    """Screenshots of ``state`` at each width; it scrolls only down, and axe finds no
    serious or critical violation."""
    before = page.viewport_size
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    try:
        for width_name, (width, height) in WIDTHS.items():
            await page.set_viewport_size({"width": width, "height": height})
            await page.wait_for_timeout(50)  # a layout pass at the new width
            await page.screenshot(path=str(ARTIFACTS / f"{state}-{width_name}.png"), full_page=True)
            wide = await page.evaluate("document.documentElement.scrollWidth")
            if wide > width:
                problems.append(f"{state} at {width} px: the page is {wide} px wide")
            problems += [f"{state} at {width} px: {v}" for v in await violations(page)]
    finally:
        if before is not None:
            await page.set_viewport_size(before)
    assert not problems, "\n".join(problems)


async def violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page: rule, impact, and the
    elements (their selectors) that break it."""
    results = await _axe.run(page)
    found: list[dict[str, Any]] = results.response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + ", ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in found
        if v["impact"] in SERIOUS
    ]
