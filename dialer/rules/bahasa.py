"""What the agent reads aloud, in Indonesian: greetings, dates, months, amounts.

Pure functions. The greeting is the **customer's** (their local time, WIB/WITA/WIT);
its hours are settings (DOMAIN.md: pagi before 11:00, siang to 14:59, sore to 18:29,
malam after). Month and day names are spelled out here, never taken from the C
library's locale, so every node says the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from dialer.rules.zones import zone_info

MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


@dataclass(frozen=True)
class GreetingHours:
    """Where siang, sore and malam begin, local time; pagi is before siang."""

    siang: time = time(11, 0)
    sore: time = time(15, 0)
    malam: time = time(18, 30)

    @classmethod
    def parse(cls, siang: str, sore: str, malam: str) -> GreetingHours:
        """From ``"HH:MM"`` settings; ValueError says which one is wrong."""
        values = []
        for name, text in (("siang", siang), ("sore", sore), ("malam", malam)):
            try:
                values.append(time.fromisoformat(text))
            except ValueError:
                raise ValueError(f"greeting hour for {name}: {text!r} is not HH:MM") from None
        if not values[0] < values[1] < values[2]:
            raise ValueError(
                f"greeting hours must increase: siang {siang}, sore {sore}, malam {malam}"
            )
        return cls(*values)


def greeting_at(local: time, hours: GreetingHours = GreetingHours()) -> str:
    """``pagi``, ``siang``, ``sore`` or ``malam`` for a local time of day."""
    if local < hours.siang:
        return "pagi"
    if local < hours.sore:
        return "siang"
    if local < hours.malam:
        return "sore"
    return "malam"


def greeting(now: datetime, zone: str, hours: GreetingHours = GreetingHours()) -> str:
    """The greeting for a customer in ``zone`` (WIB/WITA/WIT) at the instant ``now``."""
    return greeting_at(now.astimezone(zone_info(zone)).time(), hours)


def month(day: date) -> str:
    """``September 2022``."""
    return f"{MONTHS[day.month - 1]} {day.year}"


def tanggal(day: date) -> str:
    """``20 September 2022``."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def stated_date(at: datetime) -> str:
    """``30 September 2022``: the calendar date of an instant as the campaign wrote it
    (in the offset it was written with), never converted into the customer's zone. A
    voucher valid until 2022-09-30T23:59:59+07:00 is "30 September 2022" to a WIT
    customer too, for whom that instant is already 1 October."""
    return tanggal(at.date())


def day_range(first: date, last: date | None) -> str:
    """``21–30 September 2022``, ``1–31 Oktober 2022``, ``mulai 1 November 2022``."""
    if last is None:
        return f"mulai {tanggal(first)}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {month(last)}"
    return f"{tanggal(first)} – {tanggal(last)}"


def moment(at: datetime, zone: str) -> str:
    """``Senin, 12 September 2022 09.15 WIB``: an instant in a customer's zone, named
    (the hour written with a dot, as Indonesian does)."""
    local = at.astimezone(zone_info(zone))
    return f"{DAYS[local.weekday()]}, {tanggal(local.date())} {jam(local.time())} {zone}"


def jam(at: time) -> str:
    """``23.59``: a time of day as Indonesian writes it."""
    return f"{at:%H.%M}"


def phone(e164: str) -> str:
    """``+6281234567890`` → ``0812-3456-7890``, as an Indonesian agent reads a number."""
    if not e164.startswith("+62"):
        return e164
    national = "0" + e164[3:]
    head, rest = national[:4], national[4:]
    groups = [rest[i : i + 4] for i in range(0, len(rest), 4)]
    if len(groups) > 1 and len(groups[-1]) < 3:
        groups[-2:] = [groups[-2] + groups[-1]]
    return "-".join([head, *groups])
