"""The screen-pop's script, filled in for one customer: the seed campaign and script,
rendered at chosen instants (pure: no database)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.agents.screen_pop import Facts, VoucherState, render
from dialer.billing.source import Bill, Payment
from dialer.campaigns.scripts import PLACEHOLDERS, load_file
from dialer.campaigns.service import load_toml, parse_definition
from dialer.rules import bahasa

ROOT = Path(__file__).resolve().parents[2]
SEED = parse_definition(load_toml(ROOT / "campaigns" / "001_obc_bukalapak_voucher.toml"))
SCRIPT = load_file(ROOT / "scripts" / "001_obc_bukalapak.yaml").definition
SEPTEMBER = date(2022, 9, 1)
EXPIRY = datetime.fromisoformat("2022-09-30T23:59:59+07:00")


def facts(now: datetime, *, zone: str = "WITA", issued: int = 0, **bill: Any) -> Facts:
    return Facts(
        script=SCRIPT,
        penalty=SEED.penalty,
        product="internet",
        agent_name="Rina",
        customer={
            "name": "Budi Santoso",
            "indihome_number": "131234567890",
            "msisdn": "+6281234567890",
            "wa_number": "+6285712345678",
            "address": "Jl. Merdeka No. 1, Makassar",
            "zone": zone,
        },
        bill=Bill(
            bill_month=bill.get("bill_month", SEPTEMBER),
            amount=bill.get("amount", 350_000),
            paid=bill.get("paid"),
            channels=bill.get("channels", ("Bukalapak", "Indomaret")),
            source="list",
            as_of=datetime(2022, 9, 1, tzinfo=UTC),
        ),
        voucher=VoucherState(quota=50, issued=issued, expires_at=EXPIRY, partner="Bukalapak"),
        greeting_hours=bahasa.GreetingHours(),
        now=now,
    )


def step(pop: dict[str, Any], key: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in pop["script"]["steps"] if s["key"] == key)
    return found


def all_text(pop: dict[str, Any]) -> str:
    parts = []
    for s in pop["script"]["steps"]:
        parts += [s["agent"], *s["notes"], *(b["say"] or "" for b in s["branches"])]
    return "\n".join(parts)


def test_every_placeholder_of_the_script_is_filled() -> None:
    pop = render(facts(datetime(2022, 9, 12, 2, 0, tzinfo=UTC)))
    text = all_text(pop)
    assert not re.search(r"\{[a-z_]+\}", text), "a placeholder was left unfilled"
    used = {n for n in PLACEHOLDERS if "{" + n + "}" in str(SCRIPT)}
    assert used == PLACEHOLDERS, "the seed script uses every placeholder"


def test_the_opening_and_due_date_read_as_the_agent_says_them() -> None:
    # 02:00 UTC is 10:00 WITA: pagi for a customer in Makassar.
    pop = render(facts(datetime(2022, 9, 12, 2, 0, tzinfo=UTC)))
    opening = step(pop, "opening")["agent"]
    assert opening.startswith("Selamat pagi. Saya Rina dari PT Telkom.")
    assert "Budi Santoso, di no IndiHome 131234567890" in opening
    assert "Jl. Merdeka No. 1, Makassar" in opening
    due = step(pop, "due_date")
    assert "tagihan bulan September 2022 sejumlah Rp 350.000" in due["agent"]
    notes = "\n".join(due["notes"])
    assert "Batas pembayaran tagihan ini: 20 September 2022" in notes
    assert "sebelum 15 September 2022" in notes
    assert "Denda jika dibayar hari ini: Rp 0" in notes
    assert (
        "5–20 September 2022: tanpa denda; 21–30 September 2022: denda Rp 17.500;"
        " 1–31 Oktober 2022: denda Rp 35.000" in notes
    )
    assert pop["penalty"]["minipack"] is True
    assert "Nomor WA tercatat: 0857-1234-5678" in "\n".join(step(pop, "wa_number")["notes"])
    assert "(0812-3456-7890)" in step(pop, "wa_number")["agent"]
    assert "Bukalapak, Indomaret" in step(pop, "payment_channels")["agent"]
    # The campaign's date as written, not the instant in the customer's zone (WITA).
    assert "1 Oktober 2022 pukul" not in all_text(pop)
    assert "Masa berlaku kode voucher 30 September 2022" in step(pop, "voucher_offer")["notes"]


@pytest.mark.parametrize(
    ("utc", "zone", "greeting"),
    [
        (time(3, 59), "WIB", "pagi"),  # 10:59 WIB
        (time(4, 0), "WIB", "siang"),  # 11:00 WIB
        (time(3, 0), "WIT", "siang"),  # 12:00 WIT, while it is 10:00 in Jakarta
        (time(7, 59), "WIB", "siang"),  # 14:59 WIB
        (time(8, 0), "WIB", "sore"),  # 15:00 WIB
        (time(11, 30), "WIB", "malam"),  # 18:30 WIB
        (time(10, 30), "WITA", "malam"),  # 18:30 WITA, 17:30 in Jakarta
    ],
)
def test_the_greeting_is_the_customers_local_time(utc: time, zone: str, greeting: str) -> None:
    pop = render(facts(datetime.combine(date(2022, 9, 12), utc, tzinfo=UTC), zone=zone))
    assert pop["greeting"] == greeting
    assert step(pop, "opening")["agent"].startswith(f"Selamat {greeting}.")
    assert step(pop, "closing")["agent"].endswith(f"Selamat {greeting}.")


@given(st.times())
def test_the_greeting_hours_follow_the_convention(at: time) -> None:
    minutes = at.hour * 60 + at.minute
    want = (
        "pagi"
        if minutes < 11 * 60
        else "siang"
        if minutes < 15 * 60
        else "sore"
        if minutes < 18 * 60 + 30
        else "malam"
    )
    assert bahasa.greeting_at(at) == want


def test_a_late_payment_shows_its_penalty_and_no_minipack() -> None:
    # 25 September, 10:00 WIB: 5% of 350.000 = 17.500.
    pop = render(facts(datetime(2022, 9, 25, 3, 0, tzinfo=UTC), zone="WIB"))
    assert pop["penalty"]["penalty"] == 17_500 and pop["penalty"]["to_pay"] == 367_500
    assert pop["penalty"]["minipack"] is False
    assert "Denda jika dibayar hari ini: Rp 17.500 (5% dari Rp 350.000 (Rp 17.500," in (
        "\n".join(step(pop, "due_date")["notes"])
    )


def test_where_the_schedule_defines_nothing_the_pop_says_so() -> None:
    # An internet bill of July paid in September (N+2): the seed defines nothing.
    pop = render(facts(datetime(2022, 9, 12, 3, 0, tzinfo=UTC), bill_month=date(2022, 7, 1)))
    assert pop["penalty"]["penalty"] is None
    assert "Denda jika dibayar hari ini: tidak ada ketentuan" in "\n".join(
        step(pop, "due_date")["notes"]
    )


def test_the_voucher_steps_hide_when_the_quota_is_used_up_or_expired() -> None:
    before = datetime(2022, 9, 30, 16, 0, tzinfo=UTC)  # 23:00 WIB on the last day
    pop = render(facts(before, issued=49))
    assert step(pop, "voucher_offer")["shown"] and step(pop, "voucher_delivery")["shown"]
    assert pop["voucher"]["left"] == 1 and pop["voucher"]["available"]
    assert "Sisa kuota voucher: 1" in step(pop, "voucher_offer")["notes"]

    used_up = render(facts(before, issued=50))
    assert not step(used_up, "voucher_offer")["shown"]
    assert not step(used_up, "voucher_delivery")["shown"]
    assert used_up["voucher"]["reason"] == "quota_used_up"
    assert any("kuota sudah habis" in a for a in used_up["alerts"])
    assert step(used_up, "payment_channels")["shown"]

    expired = render(facts(EXPIRY.replace(second=59, microsecond=1), issued=3))
    assert not step(expired, "voucher_offer")["shown"]
    assert expired["voucher"]["reason"] == "expired"
    assert any("kedaluwarsa" in a for a in expired["alerts"])


def test_a_bill_paid_after_the_upload_shows_as_paid() -> None:
    paid = Payment(
        "PAY-1", SEPTEMBER, 350_000, "Bukalapak", datetime(2022, 9, 11, 3, 15, tzinfo=UTC), "api"
    )
    pop = render(facts(datetime(2022, 9, 12, 2, 0, tzinfo=UTC), paid=paid))
    assert pop["bill"]["paid"] is True
    assert pop["alerts"][0] == (
        "Tagihan September 2022 SUDAH DIBAYAR Minggu, 11 September 2022 11.15 WITA"
        " via Bukalapak (Rp 350.000)."
    )


def test_indonesian_dates_and_numbers() -> None:
    assert bahasa.tanggal(date(2022, 8, 17)) == "17 Agustus 2022"
    assert bahasa.month(date(2023, 5, 1)) == "Mei 2023"
    assert bahasa.day_range(date(2022, 9, 21), date(2022, 9, 30)) == "21–30 September 2022"
    assert bahasa.day_range(date(2022, 11, 1), None) == "mulai 1 November 2022"
    assert bahasa.phone("+628123456789") == "0812-3456-789"
    assert bahasa.phone("+6281234567890") == "0812-3456-7890"
    assert bahasa.phone("+62812345678901") == "0812-3456-78901"
    with pytest.raises(ValueError, match="must increase"):
        bahasa.GreetingHours.parse("15:00", "11:00", "18:30")
    with pytest.raises(ValueError, match="siang"):
        bahasa.GreetingHours.parse("jam 11", "15:00", "18:30")
