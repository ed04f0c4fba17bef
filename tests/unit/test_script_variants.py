"""The script fits the customer: the due-date line by the customer's local date against
the bill's month N (seed 001 step 2), the minipack sentence only while it applies, no
penalty invented where the seed defines none, step 6 a sentence with or without a
payment history and no channel named twice; unknown conditions refused at apply time."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from dialer.agents.screen_pop import render
from dialer.campaigns.scripts import load_file
from dialer.errors import ValidationFailed
from dialer.rules.zones import zone_info
from tests.unit.test_screen_pop import facts, step
from tests.unit.test_scripts import seed_script, write

MINIPACK = "Khusus pembayaran sebelum tanggal 15 mendapatkan GRATIS minipack IndiHome TV."


def at(day: str, zone: str = "WIB", hour: int = 10, minute: int = 0) -> datetime:
    """``day`` (2022-09-21) at ``hour``:``minute`` local time in ``zone``."""
    y, m, d = map(int, day.split("-"))
    return datetime(y, m, d, hour, minute, tzinfo=zone_info(zone))


def due_line(now: datetime, zone: str = "WIB", product: str = "internet") -> dict[str, Any]:
    pop = render(dataclasses.replace(facts(now, zone=zone), product=product))
    return step(pop, "due_date")


@pytest.mark.parametrize(
    ("day", "product", "variant", "says", "never"),
    [
        ("2022-09-01", "internet", "minipack", ["sudah bisa dibayarkan", MINIPACK], ["denda"]),
        ("2022-09-04", "internet", "minipack", ["sudah bisa dibayarkan", MINIPACK], ["denda"]),
        ("2022-09-14", "telephone", "minipack", ["Batas pembayaran tanggal 20", MINIPACK], []),
        ("2022-09-15", "internet", "until_due", ["sudah bisa dibayarkan"], ["minipack", "denda"]),
        ("2022-09-20", "internet", "until_due", ["Batas pembayaran tanggal 20"], ["minipack"]),
        (
            "2022-09-21",
            "internet",
            "overdue",
            ["denda Rp 17.500", "total pembayaran menjadi Rp 367.500"],
            ["minipack", "sudah bisa dibayarkan"],
        ),
        ("2022-09-30", "telephone", "overdue", ["denda Rp 17.500"], ["minipack"]),
        ("2022-10-01", "internet", "next_month", ["denda Rp 35.000", "Rp 385.000"], ["minipack"]),
        ("2022-10-31", "telephone", "next_month", ["denda Rp 35.000"], []),
        # Internet from N+2: the seed defines no rule, the line names no penalty.
        ("2022-11-01", "internet", "later+no_penalty_rule", ["belum dibayarkan"], ["denda", "—"]),
        ("2023-01-10", "internet", "later+no_penalty_rule", ["segera"], ["denda"]),
        # Telephone from N+2: 15%, at least Rp 15.000.
        ("2022-11-01", "telephone", "later", ["denda Rp 52.500", "Rp 402.500"], ["minipack"]),
    ],
)
def test_the_due_date_line_fits_the_customers_date(
    day: str, product: str, variant: str, says: list[str], never: list[str]
) -> None:
    line = due_line(at(day), product=product)
    assert line["variant"] == variant
    for text in says:
        assert text in line["agent"]
    for text in never:
        assert text not in line["agent"]
    assert "{" not in line["agent"] and "(" not in line["agent"]


@pytest.mark.parametrize(
    ("wib", "wit"),
    [
        # 23.30 WIB on the 14th is 01.30 WIT on the 15th: the minipack is over in Papua.
        ("minipack", "until_due"),
    ],
)
def test_the_band_is_the_customers_local_date(wib: str, wit: str) -> None:
    instant = at("2022-09-14", "WIB", 23, 30)
    assert due_line(instant, "WIB")["variant"] == wib
    assert due_line(instant, "WIT")["variant"] == wit
    assert MINIPACK in due_line(instant, "WIB")["agent"]
    assert MINIPACK not in due_line(instant, "WIT")["agent"]
    # 23.30 WIB on the 20th is already the 21st in WIT: overdue there, with its penalty.
    last = at("2022-09-20", "WIB", 23, 30)
    assert due_line(last, "WIB")["variant"] == "until_due"
    overdue = due_line(last, "WIT")
    assert overdue["variant"] == "overdue" and "denda Rp 17.500" in overdue["agent"]
    # 23.30 WIB on 31 October is 1 November in WIT: internet has no rule there.
    end = at("2022-10-31", "WIB", 23, 30)
    assert due_line(end, "WIB")["variant"] == "next_month"
    assert due_line(end, "WIT")["variant"] == "later+no_penalty_rule"


def test_step_6_is_a_sentence_with_or_without_a_payment_history() -> None:
    now = at("2022-09-12")
    none = step(render(facts(now, channels=())), "payment_channels")
    assert none["variant"] == "no_payment_history"
    assert none["agent"] == (
        "Pembayaran tagihan Bp / Ibu bisa melalui Autodebet, myIndiHome, Link Aja maupun"
        " Channel E-Commerce lainnya."
    )
    assert (
        "Riwayat pembayaran 3 bulan terakhir (e-payment): belum ada riwayat pembayaran."
        in (none["notes"])
    )
    # A customer who pays with myIndiHome and LinkAja hears each channel once.
    used = step(render(facts(now, channels=("myIndiHome", "LinkAja"))), "payment_channels")
    assert used["variant"] is None
    assert used["agent"] == (
        "Pembayaran Bp / Ibu biasanya di myIndiHome, LinkAja, bisa juga melalui Autodebet"
        " maupun Channel E-Commerce lainnya."
    )
    assert used["agent"].count("myIndiHome") == 1


def test_no_address_on_file_is_asked_not_read_as_a_placeholder() -> None:
    pop = render(facts(at("2022-09-12")))
    assert "Apakah alamat Jl. Merdeka No. 1, Makassar masih valid?" in step(pop, "opening")["agent"]
    bare = facts(at("2022-09-12"))
    bare = dataclasses.replace(bare, customer=bare.customer | {"address": None})
    opening = step(render(bare), "opening")
    assert opening["variant"] == "no_address"
    assert "Boleh kami konfirmasi alamat Bp / Ibu saat ini?" in opening["agent"]
    assert "(" not in opening["agent"]


@pytest.mark.parametrize(
    ("variant", "reason"),
    [
        ({"when": "someday", "agent": "Halo."}, "unknown condition 'someday'"),
        ({"when": ["later", "rainy"], "agent": "Halo."}, "unknown condition 'rainy'"),
        ({"when": "overdue", "agent": "Denda {penalti}."}, "unknown placeholder {penalti}"),
        ({"when": [], "agent": "Halo."}, "when names no condition"),
    ],
)
def test_a_bad_variant_is_refused_when_the_script_is_applied(
    tmp_path: Path, variant: dict[str, Any], reason: str
) -> None:
    data = seed_script()
    data["steps"][1]["variants"].append(variant)
    with pytest.raises(ValidationFailed) as err:
        load_file(write(tmp_path, data))
    reasons = " ".join(d["reason"] for d in err.value.details)
    assert "step 2 (due_date)" in reasons and reason in reasons
