"""Late-payment penalties (seed 001, step 2) as pure functions of a campaign's schedule.

A bill for month N becomes payable on ``payable_from_day`` of N and is due on
``due_day``; a payment before ``minipack_before_day`` earns the free IndiHome TV
minipack. Each row of a product's schedule covers bill-relative days (``N/21`` to
``N/last``, ``N+1/01`` to ``N+1/last``, or open-ended) and charges
``max(percent of the total, minimum)``, the percentage rounded half up to the rupiah.
Dates are the customer's local dates. Before ``payable_from_day`` of month N the bill
can already be paid (the script says "sudah bisa dibayarkan"): no penalty, and the
minipack applies. Where the schedule defines nothing (before month N, or past its last
row) there is no quote: :class:`NoPenaltyRule` says so, and no figure is invented.

The rule texts are Indonesian by default and English with ``language="en"`` (the
``ui.language`` setting).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dialer.errors import InvalidValue, NotApplicable
from dialer.rules import bahasa
from dialer.rules.money import format_rupiah
from dialer.rules.vocabulary import PRODUCTS

_OFFSET = re.compile(r"^N(?:\+([0-9]))?/(\d{1,2}|last)$")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_BILL_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PenaltyRow(_Strict):
    """From day ``start`` to ``end`` (``N/21``, ``N+1/last``; no end = open), the
    penalty is ``max(percent of the total, minimum)``."""

    start: str
    end: str | None = None
    percent: Annotated[int, Field(ge=0, le=100)]
    minimum: Annotated[int, Field(ge=0)]

    @field_validator("start", "end")
    @classmethod
    def _offset(cls, value: str | None) -> str | None:
        if value is not None:
            parse_offset(value)
        return value


def parse_offset(text: str) -> tuple[int, int | None]:
    """``"N+1/05"`` → ``(1, 5)``; ``"N/last"`` → ``(0, None)``."""
    match = _OFFSET.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a bill-relative day like N/05, N/last or N+1/01")
    months = int(match.group(1) or 0)
    day = None if match.group(2) == "last" else int(match.group(2))
    if day is not None and not 1 <= day <= 31:
        raise ValueError(f"{text!r}: day {day} is not a day of a month")
    return months, day


def _next_day(offset: tuple[int, int | None]) -> tuple[int, int]:
    months, day = offset
    return (months + 1, 1) if day is None else (months, day + 1)


class Penalty(_Strict):
    """The penalty schedule per product (DOMAIN.md, seed 001 step 2)."""

    payable_from_day: Annotated[int, Field(ge=1, le=28)] = 5
    due_day: Annotated[int, Field(ge=1, le=28)] = 20
    minipack_before_day: Annotated[int, Field(ge=1, le=28)] | None = 15
    rounding: Literal["half_up"] = "half_up"
    internet: list[PenaltyRow] = Field(default_factory=list)
    telephone: list[PenaltyRow] = Field(default_factory=list)

    @model_validator(mode="after")
    def _contiguous(self) -> Penalty:
        for product in ("internet", "telephone"):
            rows: list[PenaltyRow] = getattr(self, product)
            expected: tuple[int, int] = (0, self.payable_from_day)
            for i, row in enumerate(rows):
                start = parse_offset(row.start)
                if (start[0], start[1]) != expected:
                    raise ValueError(
                        f"{product}[{i}] starts at {row.start}; the schedule must run without"
                        f" gaps from N/{self.payable_from_day:02d}"
                    )
                if row.end is None:
                    if i != len(rows) - 1:
                        raise ValueError(f"{product}[{i}] has no end but is not the last row")
                    break
                end = parse_offset(row.end)
                if (end[0], end[1] if end[1] is not None else 99) < (start[0], start[1] or 0):
                    raise ValueError(f"{product}[{i}] ends at {row.end}, before it starts")
                expected = _next_day(end)
        return self


# The seed's schedule (DOMAIN.md, "Money and penalties"): the default where no campaign
# is named. The seed campaign's TOML carries the same rows (a test keeps them equal).
SEED_PENALTY = Penalty.model_validate(
    {
        "payable_from_day": 5,
        "due_day": 20,
        "minipack_before_day": 15,
        "internet": [
            {"start": "N/05", "end": "N/20", "percent": 0, "minimum": 0},
            {"start": "N/21", "end": "N/last", "percent": 5, "minimum": 5000},
            {"start": "N+1/01", "end": "N+1/last", "percent": 10, "minimum": 10000},
        ],
        "telephone": [
            {"start": "N/05", "end": "N/20", "percent": 0, "minimum": 0},
            {"start": "N/21", "end": "N/last", "percent": 5, "minimum": 5000},
            {"start": "N+1/01", "end": "N+1/last", "percent": 10, "minimum": 10000},
            {"start": "N+2/01", "percent": 15, "minimum": 15000},
        ],
    }
)


class NoPenaltyRule(NotApplicable):
    """The schedule defines no penalty for that payment date; ``rule`` says so by
    language (``id``, ``en``) for where a rule text is shown."""

    error_id = "no_penalty_rule"

    def __init__(self, message: str, *, rule: dict[str, str]) -> None:
        super().__init__(message)
        self.rule = rule

    def rule_text(self, language: str = "id") -> str:
        return self.rule.get(language, self.rule["id"])


def parse_bill_month(text: str) -> date:
    """``"2022-09"`` → 1 September 2022."""
    match = _BILL_MONTH.match(text.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise InvalidValue(f"bill month {text!r} is not a month like 2022-09")
    if not 1900 <= int(match.group(1)) <= 9000:
        raise InvalidValue(f"bill month {text!r} is not a month between 1900 and 9000")
    return date(int(match.group(1)), int(match.group(2)), 1)


def month_name(month: date) -> str:
    return f"{MONTHS[month.month - 1]} {month.year}"


def _shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _last_day(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def resolve(bill_month: date, offset: str) -> date:
    """A bill-relative day as a date: ``N+1/05`` of September 2022 → 5 October 2022. A
    day past the month's end (``N/31`` in a 30-day month) is its last day."""
    months, day = parse_offset(offset)
    month = _shift(bill_month, months)
    last = _last_day(month)
    return last if day is None else month.replace(day=min(day, last.day))


def amount(total: int, percent: int, minimum: int) -> int:
    """``max(percent of total, minimum)``, the percentage rounded half up to the rupiah."""
    return max((total * percent + 50) // 100, minimum)


@dataclass(frozen=True)
class Line:
    """One row of the schedule for one bill: its dates and what it costs."""

    first: date
    last: date | None  # None: open-ended
    percent: int
    minimum: int
    penalty: int

    def covers(self, day: date) -> bool:
        return self.first <= day and (self.last is None or day <= self.last)

    def dates(self, language: str = "id") -> str:
        """``21–30 September 2022``, ``mulai 1 November 2022`` (``from …`` in English)."""
        first, last = self.first, self.last
        if language == "id":
            return bahasa.day_range(first, last)
        if last is None:
            return f"from {first.day} {month_name(first)}"
        if (first.year, first.month) == (last.year, last.month):
            return f"{first.day}–{last.day} {month_name(last)}"
        return f"{first.day} {month_name(first)} – {last.day} {month_name(last)}"

    def rule(self, total: int, language: str = "id") -> str:
        """What the row charges, in words, with the rounded percentage."""
        dates = self.dates(language)
        rounded = format_rupiah((total * self.percent + 50) // 100)
        if language == "id":
            if self.percent == 0 and self.minimum == 0:
                return f"tanpa denda untuk pembayaran {dates}"
            return (
                f"{self.percent}% dari {format_rupiah(total)}"
                f" ({rounded}, dibulatkan setengah ke atas),"
                f" minimal {format_rupiah(self.minimum)}, untuk pembayaran {dates}"
            )
        if self.percent == 0 and self.minimum == 0:
            return f"no penalty for a payment {dates}"
        return (
            f"{self.percent}% of {format_rupiah(total)} ({rounded}, rounded half up),"
            f" at least {format_rupiah(self.minimum)}, for a payment {dates}"
        )

    def to_json(self, total: int, language: str = "id") -> dict[str, Any]:
        return {
            "from": self.first,
            "to": self.last,
            "percent": self.percent,
            "minimum": self.minimum,
            "penalty": self.penalty,
            "rule": self.rule(total, language),
        }


def _rows(schedule: Penalty, product: str) -> list[PenaltyRow]:
    if product not in PRODUCTS:
        raise InvalidValue(f"product {product!r} is not one of {', '.join(PRODUCTS)}")
    rows: list[PenaltyRow] = getattr(schedule, product)
    return rows


def _check_total(total: int) -> None:
    if total < 0:
        raise InvalidValue(f"the bill total {total} is negative: amounts are whole rupiah, ≥ 0")


def lines(schedule: Penalty, product: str, total: int, bill_month: date) -> list[Line]:
    """The whole schedule for one bill, by date (what the screen-pop shows)."""
    _check_total(total)
    return [
        Line(
            first=resolve(bill_month, row.start),
            last=None if row.end is None else resolve(bill_month, row.end),
            percent=row.percent,
            minimum=row.minimum,
            penalty=amount(total, row.percent, row.minimum),
        )
        for row in _rows(schedule, product)
    ]


@dataclass(frozen=True)
class Quote:
    """The penalty for paying a bill on one day, and why."""

    product: str
    total: int
    bill_month: date
    paid_on: date
    penalty: int
    rule: str
    minipack: bool
    payable_from: date
    due: date
    line: Line

    def to_json(self) -> dict[str, Any]:
        return {
            "penalty": self.penalty,
            "rule": self.rule,
            "minipack": self.minipack,
            "product": self.product,
            "total": self.total,
            "to_pay": self.total + self.penalty,
            "bill_month": f"{self.bill_month:%Y-%m}",
            "paid_on": self.paid_on,
            "payable_from": self.payable_from,
            "due": self.due,
        }


def minipack(schedule: Penalty, bill_month: date, paid_on: date) -> bool:
    """Paid in month N before ``minipack_before_day`` (the 1st–4th included: the bill can
    already be paid then)."""
    if schedule.minipack_before_day is None:
        return False
    return bill_month <= paid_on < bill_month.replace(day=schedule.minipack_before_day)


def _early_rule(line: Line, payable: date, language: str) -> str:
    """The rule before the schedule's first day: no penalty, and why."""
    if language == "id":
        return (
            f"tanpa denda untuk pembayaran {line.dates('id')} (tagihan sudah bisa dibayarkan;"
            f" jadwal denda mulai {bahasa.tanggal(payable)})"
        )
    return (
        f"no penalty for a payment {line.dates('en')} (the bill can already be paid;"
        f" the schedule starts on {payable.day} {month_name(payable)})"
    )


def _silent(message: str, id_text: str, en_text: str) -> NoPenaltyRule:
    return NoPenaltyRule(
        message,
        rule={"id": f"tidak ada ketentuan: {id_text}", "en": f"no rule: {en_text}"},
    )


def quote(
    schedule: Penalty,
    product: str,
    total: int,
    bill_month: date,
    paid_on: date,
    language: str = "id",
) -> Quote:
    """The penalty for paying ``total`` for ``bill_month`` on the local date ``paid_on``,
    its rule in ``language`` (``id`` or ``en``)."""
    found = lines(schedule, product, total, bill_month)
    payable = bill_month.replace(day=schedule.payable_from_day)
    if paid_on < bill_month:
        raise _silent(
            f"the {month_name(bill_month)} bill is not billed before 1 {month_name(bill_month)}:"
            f" the schedule has no quote for {paid_on.isoformat()}",
            f"tagihan {bahasa.month(bill_month)} belum terbit pada {bahasa.tanggal(paid_on)}",
            f"the {month_name(bill_month)} bill is not out on {paid_on.isoformat()}",
        )
    if paid_on < payable:
        # Before the schedule's first row: payable already, no row charges anything.
        line = Line(bill_month, payable - timedelta(days=1), 0, 0, 0)
        rule = _early_rule(line, payable, language)
    else:
        match = next((x for x in found if x.covers(paid_on)), None)
        if match is None:
            last = found[-1].last if found else None
            since = f" after {last.day} {month_name(last)}" if last else ""
            raise _silent(
                f"the {product} penalty schedule defines nothing for a payment on"
                f" {paid_on.isoformat()}{since} (bill of {month_name(bill_month)}): no figure"
                " can be quoted",
                f"jadwal denda tidak mengatur pembayaran tanggal {bahasa.tanggal(paid_on)}"
                f" untuk tagihan {bahasa.month(bill_month)}",
                f"the {product} schedule defines nothing for a payment on"
                f" {paid_on.isoformat()} (bill of {month_name(bill_month)})",
            )
        line = match
        rule = line.rule(total, language)
    return Quote(
        product=product,
        total=total,
        bill_month=bill_month,
        paid_on=paid_on,
        penalty=line.penalty,
        rule=rule,
        minipack=minipack(schedule, bill_month, paid_on),
        payable_from=payable,
        due=bill_month.replace(day=schedule.due_day),
        line=line,
    )
