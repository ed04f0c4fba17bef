import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.rules.money import AmountError, format_rupiah, parse_rupiah
from dialer.rules.zones import PROVINCES, province_zone


@pytest.mark.parametrize(
    ("raw", "amount"),
    [
        ("350000", 350000),
        ("350.000", 350000),
        ("Rp 350.000", 350000),
        ("Rp350.000", 350000),
        ("Rp. 1.250.000", 1250000),
        ("IDR 5000", 5000),
        ("350.000,00", 350000),
        ("0", 0),
    ],
)
def test_amount_forms(raw: str, amount: int) -> None:
    assert parse_rupiah(raw) == amount


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("-5000", "negative"),
        ("Rp -5.000", "negative"),
        ("350.000,50", "whole"),
        ("350,000", "not an amount"),
        ("35.00", "not an amount"),
        ("abc", "not an amount"),
        ("", "not an amount"),
        ("3.5e5", "not an amount"),
        # Found by schemathesis: a 5,000-digit amount made int() raise a plain ValueError.
        ("9" * 5000, "too long"),
        ("1" + "0" * 16, "too large"),
        ("Rp 10.000.000.000.000.001", "too large"),
    ],
)
def test_bad_amounts_say_why(raw: str, why: str) -> None:
    with pytest.raises(AmountError, match=why):
        parse_rupiah(raw)


@given(st.integers(min_value=0, max_value=10**12))
def test_format_and_parse_round_trip(amount: int) -> None:
    assert parse_rupiah(format_rupiah(amount)) == amount


def test_format_uses_indonesian_grouping() -> None:
    assert format_rupiah(1250000) == "Rp 1.250.000"


def test_all_38_provinces_map_to_their_zone() -> None:
    assert len(PROVINCES) == 38
    counts = {"WIB": 0, "WITA": 0, "WIT": 0}
    for name, (zone, _) in PROVINCES.items():
        assert province_zone(name) == (name, zone)
        counts[zone] += 1
    assert counts == {"WIB": 18, "WITA": 12, "WIT": 8}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("prov. jawa barat", ("Jawa Barat", "WIB")),
        ("DKI", ("DKI Jakarta", "WIB")),
        ("N.T.T.", ("Nusa Tenggara Timur", "WITA")),
        ("  bali ", ("Bali", "WITA")),
        ("Papua Barat Daya", ("Papua Barat Daya", "WIT")),
        ("Provinsi Maluku Utara", ("Maluku Utara", "WIT")),
    ],
)
def test_province_aliases(raw: str, expected: tuple[str, str]) -> None:
    assert province_zone(raw) == expected


@pytest.mark.parametrize("raw", ["Atlantis", "Jawa", "Papua Utara", "", "Kalimantan"])
def test_unknown_provinces_are_not_guessed(raw: str) -> None:
    assert province_zone(raw) is None
