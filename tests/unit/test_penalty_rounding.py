"""Half a rupiah, exactly: the penalty's percentage is rounded half UP (DOMAIN.md, the
seed's ``rounding = "half_up"``), never to even (Python's ``round``) nor down — and the
minimum still wins when it is more.

Each case names what banker's rounding would give, so the table is checked to hold
cases where the two differ in both directions (the rupiah below the half even, and odd).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from dialer.rules.penalty import SEED_PENALTY, amount, quote
from tests.api.test_api import login
from tests.factories import Factory

SEPTEMBER = date(2022, 9, 1)

# (total, percent, minimum, half up, banker's): every exact product ends in .5 rupiah.
HALVES = [
    (10_010, 5, 0, 501, 500),  # 500.5: the rupiah below is even → banker's goes down
    (10_030, 5, 0, 502, 502),  # 501.5: odd below → both go up
    (10_050, 5, 0, 503, 502),  # 502.5
    (10_070, 5, 0, 504, 504),  # 503.5
    (100_005, 10, 0, 10_001, 10_000),  # 10,000.5
    (100_015, 10, 0, 10_002, 10_002),  # 10,001.5
    (100_010, 15, 0, 15_002, 15_002),  # 15,001.5
    (100_030, 15, 0, 15_005, 15_004),  # 15,004.5
    (1, 50, 0, 1, 0),  # half a rupiah on its own
    (3, 50, 0, 2, 2),  # 1.5
    (999_999_999, 50, 0, 500_000_000, 500_000_000),  # 499,999,999.5
    (999_999_997, 50, 0, 499_999_999, 499_999_998),  # 499,999,998.5
]


def _rounded(total: int, percent: int, mode: str) -> int:
    return int((Decimal(total) * percent / 100).quantize(Decimal(1), rounding=mode))


def test_the_table_holds_exact_halves_where_the_two_roundings_differ_both_ways() -> None:
    for total, percent, _, up, even in HALVES:
        assert (total * percent) % 100 == 50, total
        assert (up, even) == (
            _rounded(total, percent, ROUND_HALF_UP),
            _rounded(total, percent, ROUND_HALF_EVEN),
        )
    differ = [(up, even) for *_, up, even in HALVES if up != even]
    assert len(differ) >= 4 and all(up == even + 1 for up, even in differ)
    same = [up for *_, up, even in HALVES if up == even]
    assert len(same) >= 4


@pytest.mark.parametrize(("total", "percent", "minimum", "half_up", "bankers"), HALVES)
def test_an_exact_half_rupiah_rounds_up(
    total: int, percent: int, minimum: int, half_up: int, bankers: int
) -> None:
    assert amount(total, percent, minimum) == half_up


@pytest.mark.parametrize(
    ("total", "percent", "expected"),
    [
        (10_009, 5, 500),  # 500.45: below the half, down
        (10_011, 5, 501),  # 500.55: above the half, up
        (100_004, 10, 10_000),  # 10,000.4
        (100_006, 10, 10_001),  # 10,000.6
        (10_000, 5, 500),  # exact
    ],
)
def test_either_side_of_the_half(total: int, percent: int, expected: int) -> None:
    assert amount(total, percent, 0) == expected


@pytest.mark.parametrize(
    ("total", "percent", "minimum", "expected"),
    [
        (10_010, 5, 5_000, 5_000),  # 500.5 → 501, far under the minimum
        (99_990, 5, 5_000, 5_000),  # 4,999.5 → 5,000: equal to the minimum
        (100_010, 5, 5_000, 5_001),  # 5,000.5 → 5,001: one rupiah over the minimum
        (100_010, 5, 5_001, 5_001),
        (100_010, 5, 5_002, 5_002),  # the minimum by one rupiah
        (100_005, 10, 10_000, 10_001),  # 10,000.5 → 10,001 (to even: the minimum)
        (0, 5, 5_000, 5_000),
        (0, 0, 0, 0),
    ],
)
def test_the_minimum_takes_over_only_when_it_is_more(
    total: int, percent: int, minimum: int, expected: int
) -> None:
    assert amount(total, percent, minimum) == expected


@pytest.mark.parametrize(
    ("product", "total", "paid_on", "penalty", "rounded"),
    [
        # 5% from the 21st of month N, at least Rp 5.000.
        ("internet", 100_010, date(2022, 9, 21), 5_001, "Rp 5.001"),  # 5,000.5
        ("internet", 100_050, date(2022, 9, 30), 5_003, "Rp 5.003"),  # 5,002.5
        ("internet", 100_030, date(2022, 9, 25), 5_002, "Rp 5.002"),  # 5,001.5
        ("internet", 99_990, date(2022, 9, 21), 5_000, "Rp 5.000"),  # 4,999.5
        ("internet", 10_010, date(2022, 9, 21), 5_000, "Rp 501"),  # the minimum
        # 10% through month N+1, at least Rp 10.000.
        ("internet", 100_005, date(2022, 10, 3), 10_001, "Rp 10.001"),  # 10,000.5
        ("telephone", 100_025, date(2022, 10, 31), 10_003, "Rp 10.003"),  # 10,002.5
        # Telephone only: 15% from N+2, at least Rp 15.000.
        ("telephone", 100_030, date(2022, 11, 2), 15_005, "Rp 15.005"),  # 15,004.5
        ("telephone", 100_010, date(2023, 1, 1), 15_002, "Rp 15.002"),  # 15,001.5
    ],
)
def test_the_quote_rounds_the_half_up_and_says_so(
    product: str, total: int, paid_on: date, penalty: int, rounded: str
) -> None:
    got = quote(SEED_PENALTY, product, total, SEPTEMBER, paid_on)
    assert got.penalty == penalty
    assert got.to_json()["to_pay"] == total + penalty
    # The rule shown to the agent names the rounded percentage, before the minimum
    # (Indonesian by default, English with the pages' language en).
    assert f"({rounded}, dibulatkan setengah ke atas)" in got.rule
    english = quote(SEED_PENALTY, product, total, SEPTEMBER, paid_on, "en")
    assert f"({rounded}, rounded half up)" in english.rule


async def test_the_api_quotes_a_half_rupiah_rounded_up(
    client: TestClient[Any, Any], factory: Factory
) -> None:
    agent = await login(client, factory, "ani", "agent")
    resp = await client.get(
        "/api/penalty?product=telephone&total=100030&bill_month=2022-09&paid_on=2022-11-02",
        headers=agent,
    )
    assert resp.status == 200
    body = await resp.json()
    assert (body["penalty"], body["to_pay"]) == (15_005, 115_035)  # 15,004.5 → 15,005
    assert "(Rp 15.005, dibulatkan setengah ke atas)" in body["rule"]
    # The whole schedule for that bill, each row rounded the same way.
    assert [line["penalty"] for line in body["schedule"]] == [0, 5_002, 10_003, 15_005]
