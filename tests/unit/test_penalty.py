"""Late-payment penalties: the seed's schedule as data, checked against the rules of
DOMAIN.md written out a second time, independently, with Decimal rounding."""

from __future__ import annotations

import calendar
import itertools
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.campaigns.service import load_toml, parse_definition
from dialer.errors import BadRequest
from dialer.rules.penalty import (
    SEED_PENALTY,
    NoPenaltyRule,
    amount,
    lines,
    parse_bill_month,
    quote,
    resolve,
)

SEED = Path(__file__).resolve().parents[2] / "campaigns" / "001_obc_bukalapak_voucher.toml"
SEPTEMBER = date(2022, 9, 1)
totals = st.integers(min_value=0, max_value=50_000_000)
months = st.builds(date, st.integers(2000, 2060), st.integers(1, 12), st.just(1))
products = st.sampled_from(["internet", "telephone"])


def expected(product: str, total: int, month: date, paid: date) -> int | None:
    """DOMAIN.md's table, read literally; None where it defines nothing."""
    n = (month.year, month.month)
    n1 = ((month.year * 12 + month.month) // 12, (month.year * 12 + month.month) % 12 + 1)
    here = (paid.year, paid.month)

    def pct(p: int, minimum: int) -> int:
        raw = (Decimal(total) * p / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return max(int(raw), minimum)

    if here < n:
        return None
    if here == n:  # before the 5th: payable already, no penalty (DOMAIN.md)
        return 0 if paid.day <= 20 else pct(5, 5000)
    if here == n1:
        return pct(10, 10000)
    return pct(15, 15000) if product == "telephone" else None


@given(products, totals, months, st.integers(-40, 120))
def test_the_quote_follows_the_table(product: str, total: int, month: date, days: int) -> None:
    paid = month + timedelta(days=days)
    want = expected(product, total, month, paid)
    if want is None:
        with pytest.raises(NoPenaltyRule):
            quote(SEED_PENALTY, product, total, month, paid)
        return
    got = quote(SEED_PENALTY, product, total, month, paid)
    assert got.penalty == want and isinstance(got.penalty, int)
    # The free minipack: paid in the bill's month before the 15th (the 1st–4th too).
    assert got.minipack == ((paid.year, paid.month) == (month.year, month.month) and paid.day < 15)
    assert got.due == month.replace(day=20)


@given(products, totals, months)
def test_paying_later_never_costs_less(product: str, total: int, month: date) -> None:
    last = None
    day = month.replace(day=5)
    while day < month + timedelta(days=100):
        try:
            penalty = quote(SEED_PENALTY, product, total, month, day).penalty
        except NoPenaltyRule:
            assert product == "internet" and day >= resolve(month, "N+2/01")
            break
        assert last is None or penalty >= last
        last = penalty
        day += timedelta(days=1)


@given(products, totals, months)
def test_the_schedule_runs_without_gaps_and_agrees_with_the_quote(
    product: str, total: int, month: date
) -> None:
    found = lines(SEED_PENALTY, product, total, month)
    assert found[0].first == month.replace(day=5)
    for before, after in itertools.pairwise(found):
        assert before.last is not None and after.first == before.last + timedelta(days=1)
    for line in found:
        assert quote(SEED_PENALTY, product, total, month, line.first).penalty == line.penalty
        if line.last is not None:
            assert quote(SEED_PENALTY, product, total, month, line.last).penalty == line.penalty


@given(totals, st.integers(0, 100), st.integers(0, 100_000))
def test_percentages_round_half_up_to_the_rupiah(total: int, percent: int, minimum: int) -> None:
    exact = Decimal(total) * percent / 100
    rounded = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert amount(total, percent, minimum) == max(rounded, minimum)


def test_the_seed_examples() -> None:
    # Rp 350.000 for September 2022, paid on the 21st: 5% = Rp 17.500.
    late = quote(SEED_PENALTY, "internet", 350_000, SEPTEMBER, date(2022, 9, 21))
    assert (late.penalty, late.minipack) == (17_500, False)
    assert late.rule == (
        "5% dari Rp 350.000 (Rp 17.500, dibulatkan setengah ke atas), minimal Rp 5.000,"
        " untuk pembayaran 21–30 September 2022"
    )
    assert quote(SEED_PENALTY, "internet", 350_000, SEPTEMBER, date(2022, 9, 21), "en").rule == (
        "5% of Rp 350.000 (Rp 17.500, rounded half up), at least Rp 5.000,"
        " for a payment 21–30 September 2022"
    )
    # Small bills pay the minimum; 5% of Rp 90.010 is Rp 4.500,50 → at least Rp 5.000.
    assert quote(SEED_PENALTY, "telephone", 90_010, SEPTEMBER, date(2022, 9, 30)).penalty == 5000
    # Rounded half up: 10% of Rp 123.455 is Rp 12.345,5 → Rp 12.346.
    assert quote(SEED_PENALTY, "internet", 123_455, SEPTEMBER, date(2022, 10, 31)).penalty == 12346
    # Telephone from N+2: 15%, at least Rp 15.000.
    assert (
        quote(SEED_PENALTY, "telephone", 1_250_000, SEPTEMBER, date(2023, 1, 2)).penalty == 187_500
    )
    early = quote(SEED_PENALTY, "internet", 90_000, SEPTEMBER, date(2022, 9, 14))
    assert (early.penalty, early.minipack) == (0, True)
    assert not quote(SEED_PENALTY, "internet", 90_000, SEPTEMBER, date(2022, 9, 15)).minipack


def test_where_the_schedule_is_silent_it_says_so() -> None:
    with pytest.raises(NoPenaltyRule, match="not billed before 1 September 2022"):
        quote(SEED_PENALTY, "internet", 350_000, SEPTEMBER, date(2022, 8, 31))
    with pytest.raises(NoPenaltyRule, match=r"defines nothing .* after 31 October 2022") as exc:
        quote(SEED_PENALTY, "internet", 350_000, SEPTEMBER, date(2022, 11, 1))
    assert exc.value.rule_text() == (
        "tidak ada ketentuan: jadwal denda tidak mengatur pembayaran tanggal"
        " 1 November 2022 untuk tagihan September 2022"
    )
    assert exc.value.rule_text("en").startswith("no rule: the internet schedule defines nothing")
    # February: N/last is the 28th, N+1/01 the 1st of March.
    feb = lines(SEED_PENALTY, "internet", 100_000, date(2023, 2, 1))
    assert [line.last for line in feb] == [date(2023, 2, 20), date(2023, 2, 28), date(2023, 3, 31)]
    assert calendar.isleap(2024)
    assert lines(SEED_PENALTY, "internet", 1, date(2024, 2, 1))[1].last == date(2024, 2, 29)


def test_bad_input_is_refused_plainly() -> None:
    with pytest.raises(BadRequest, match="not a month like 2022-09"):
        parse_bill_month("2022-13")
    with pytest.raises(BadRequest, match="product 'mobile'"):
        quote(SEED_PENALTY, "mobile", 1, SEPTEMBER, date(2022, 9, 10))
    with pytest.raises(BadRequest, match="negative"):
        quote(SEED_PENALTY, "internet", -1, SEPTEMBER, date(2022, 9, 10))


def test_the_seed_campaign_carries_the_same_schedule() -> None:
    assert parse_definition(load_toml(SEED)).penalty == SEED_PENALTY


@pytest.mark.parametrize("day", [1, 2, 3, 4])
@pytest.mark.parametrize("product", ["internet", "telephone"])
def test_before_the_5th_there_is_no_penalty_and_the_minipack_applies(
    product: str, day: int
) -> None:
    # The bill "sudah bisa dibayarkan" from the 1st: no row of the seed charges anything
    # before the 21st, and a payment before the 15th earns the minipack.
    got = quote(SEED_PENALTY, product, 350_000, SEPTEMBER, date(2022, 9, day))
    assert (got.penalty, got.minipack, got.to_json()["to_pay"]) == (0, True, 350_000)
    assert got.rule == (
        "tanpa denda untuk pembayaran 1–4 September 2022 (tagihan sudah bisa dibayarkan;"
        " jadwal denda mulai 5 September 2022)"
    )
    english = quote(SEED_PENALTY, product, 350_000, SEPTEMBER, date(2022, 9, day), "en")
    assert english.rule == (
        "no penalty for a payment 1–4 September 2022 (the bill can already be paid;"
        " the schedule starts on 5 September 2022)"
    )


def test_every_rule_text_is_indonesian_by_default() -> None:
    texts = [line.rule(350_000) for line in lines(SEED_PENALTY, "telephone", 350_000, SEPTEMBER)]
    assert texts == [
        "tanpa denda untuk pembayaran 5–20 September 2022",
        "5% dari Rp 350.000 (Rp 17.500, dibulatkan setengah ke atas), minimal Rp 5.000,"
        " untuk pembayaran 21–30 September 2022",
        "10% dari Rp 350.000 (Rp 35.000, dibulatkan setengah ke atas), minimal Rp 10.000,"
        " untuk pembayaran 1–31 Oktober 2022",
        "15% dari Rp 350.000 (Rp 52.500, dibulatkan setengah ke atas), minimal Rp 15.000,"
        " untuk pembayaran mulai 1 November 2022",
    ]
    english = lines(SEED_PENALTY, "telephone", 350_000, SEPTEMBER)[2].rule(350_000, "en")
    assert english.endswith("for a payment 1–31 October 2022")
