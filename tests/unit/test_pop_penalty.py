"""The pop's penalty figures before the 5th of the bill's month, and in the pages'
language: the bill can already be paid then, no penalty, the minipack applies."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from dialer.agents.screen_pop import render
from dialer.rules.zones import zone_info
from tests.unit.test_screen_pop import facts, step


def on(day: int, zone: str = "WIB") -> datetime:
    return datetime(2022, 9, day, 10, 0, tzinfo=zone_info(zone))


def test_before_the_5th_the_pop_shows_no_penalty_and_the_minipack() -> None:
    for day in (1, 4):
        pop = render(facts(on(day)))
        penalty = pop["penalty"]
        assert (penalty["penalty"], penalty["to_pay"], penalty["minipack"]) == (0, 350_000, True)
        assert penalty["rule"].startswith("tanpa denda untuk pembayaran 1–4 September 2022")
        notes = "\n".join(step(pop, "due_date")["notes"])
        assert "Denda jika dibayar hari ini: Rp 0 (tanpa denda" in notes
        assert "tidak ada ketentuan" not in notes


def test_the_rule_texts_follow_the_pages_language() -> None:
    late = facts(on(25))
    pop = render(late)
    assert pop["penalty"]["rule"].endswith("untuk pembayaran 21–30 September 2022")
    assert pop["penalty"]["schedule"][2]["rule"].endswith("untuk pembayaran 1–31 Oktober 2022")
    english = render(dataclasses.replace(late, language="en"))
    assert english["penalty"]["rule"].endswith("for a payment 21–30 September 2022")
    assert english["penalty"]["schedule"][2]["rule"].endswith("for a payment 1–31 October 2022")
    # The script the agent reads stays in the script's language (Indonesian).
    notes = "\n".join(step(english, "due_date")["notes"])
    assert "(5% dari Rp 350.000" in notes and "1–31 Oktober 2022: denda Rp 35.000" in notes
