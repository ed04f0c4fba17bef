from datetime import date

import pytest

from dialer.errors import ValidationFailed
from dialer.targets.columns import map_header
from dialer.targets.rows import RowValidator
from dialer.uploads import header_key
from tests.factories import HEADER, row


def validator(header: list[str] = HEADER) -> RowValidator:
    return RowValidator(map_header(header))


def cells(r: dict[str, str]) -> list[str]:
    return [r[h] for h in HEADER]


def test_a_valid_row_is_normalised() -> None:
    staged, reasons = validator().validate(
        2,
        cells(
            row(
                1,
                msisdn="+62 812-0000-0001",
                tier=" gold ",
                product="IndiHome",
                province="prov. bali",
                bill_amount="Rp 1.250.000",
                indihome_number="1220 0000-0001",
                payment_channels="Bukalapak, LinkAja",
            )
        ),
    )
    assert reasons == []
    assert staged is not None
    line, _cust, name, ih, msisdn, wa, tier, product, _addr, prov, zone, month, amount, ch = staged
    assert (line, name, ih, msisdn, wa) == (
        2,
        "Pelanggan 1",
        "122000000001",
        "+6281200000001",
        None,
    )
    assert (tier, product, prov, zone) == ("Gold", "internet", "Bali", "WITA")
    assert (month, amount, ch) == (date(2022, 8, 1), 1250000, ["Bukalapak", "LinkAja"])


def test_every_reason_of_a_bad_row_is_listed() -> None:
    bad = row(
        0,
        name=" ",
        indihome_number="12-ab",
        msisdn="0812",
        wa_number="021555",
        tier="Bronze",
        product="tv",
        province="Atlantis",
        bill_month="08/2022",
        bill_amount="-1",
    )
    staged, reasons = validator().validate(7, cells(bad))
    assert staged is None
    assert [f for f, _ in reasons] == [
        "name",
        "indihome_number",
        "msisdn",
        "wa_number",
        "tier",
        "product",
        "province",
        "bill_month",
        "bill_amount",
    ]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("indihome_number", "12345678", "9 to 15 digits"),
        ("indihome_number", "1234567890123456", "9 to 15 digits"),
        # Digits to str.isdigit, not to a billing system: "١٢٢…" (Arabic-Indic), "²".
        ("indihome_number", "١٢٢٠٠٠٠٠٠٠٠١", "digits only"),
        ("indihome_number", "12200000000²", "digits only"),
        ("bill_month", "2022-13", "YYYY-MM"),
        ("msisdn", "", "missing"),
        ("wa_number", "0812", "mobile"),
    ],
)
def test_single_field_rules(field: str, value: str, reason: str) -> None:
    staged, reasons = validator().validate(2, cells(row(0, **{field: value})))
    assert staged is None
    assert [(f, reason in r) for f, r in reasons] == [(field, True)]


def test_short_rows_read_missing_cells_as_empty() -> None:
    staged, reasons = validator().validate(3, cells(row(0))[:9])
    assert staged is None
    assert {f for f, _ in reasons} == {"bill_month", "bill_amount"}


def test_headers_match_case_space_and_indonesian_aliases() -> None:
    header = [
        "ID Pelanggan",
        " NAMA ",
        "No. IndiHome",
        "No HP",
        "No WA",
        "Kelas",
        "Produk",
        "Alamat",
        "Provinsi",
        "Bulan Tagihan",
        "Jumlah Tagihan",
        "Channel Bayar",
    ]
    mapped = map_header(header)
    assert mapped.index["indihome_number"] == 2
    assert mapped.index["msisdn"] == 3
    assert mapped.index["bill_amount"] == 10
    assert header_key("\ufeffNo. IndiHome ") == "no_indihome"


def test_an_explicit_mapping_wins_and_unused_columns_are_reported() -> None:
    header = [*HEADER[:3], "Kontak", *HEADER[4:], "Catatan"]
    header[3] = "Kontak"
    mapped = map_header(header, {"Kontak": "msisdn"})
    assert mapped.index["msisdn"] == 3
    assert mapped.ignored == ("Catatan",)


def test_missing_columns_are_named_before_any_row() -> None:
    with pytest.raises(ValidationFailed) as err:
        map_header(["name", "msisdn"])
    fields = {d["field"] for d in err.value.details}
    assert fields == {"indihome_number", "tier", "product", "province", "bill_month", "bill_amount"}


def test_two_columns_for_one_field_is_an_error() -> None:
    with pytest.raises(ValidationFailed, match="header"):
        map_header([*HEADER, "No HP"])
