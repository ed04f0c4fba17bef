"""Rupiah amounts: whole rupiah as ``int``, never floats."""

from __future__ import annotations

import re

# 350000 | 350.000 | 1.250.000 | Rp 350.000 | Rp. 350.000,00 | IDR 350000
_AMOUNT = re.compile(
    r"^(?:(?:rp|idr)\.?\s*)?(?P<int>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<dec>\d{1,2}))?$",
    re.IGNORECASE,
)


_NEGATIVE = re.compile(r"^(?:rp|idr)\.?\s*-", re.IGNORECASE)


class AmountError(ValueError):
    """An amount that is not a whole, non-negative number of rupiah."""


def parse_rupiah(raw: str) -> int:
    """``"Rp 350.000"`` → ``350000``. Dots group thousands, a comma starts the sen.

    Sen other than zero, negative amounts and ambiguous forms (``350,000``) are refused
    with a reason that says which form is expected.
    """
    text = raw.strip()
    if len(text) > 40:
        raise AmountError(f"is too long to be an amount ({len(text)} characters)")
    if text.isdigit() and text.isascii():
        return _bounded(int(text))
    if text.startswith("-") or _NEGATIVE.match(text):
        raise AmountError("must not be negative")
    match = _AMOUNT.match(text)
    if match is None:
        raise AmountError("is not an amount in rupiah (e.g. 350000, 350.000 or Rp 350.000)")
    dec = match.group("dec")
    if dec is not None and int(dec) != 0:
        raise AmountError("must be whole rupiah (no sen)")
    return _bounded(int(match.group("int").replace(".", "")))


MAX_RUPIAH = 10**15  # a thousand trillion: far beyond any bill, well inside bigint


def _bounded(amount: int) -> int:
    if amount > MAX_RUPIAH:
        raise AmountError(f"is too large (at most {format_rupiah(MAX_RUPIAH)})")
    return amount


def format_rupiah(amount: int) -> str:
    """``350000`` → ``"Rp 350.000"`` (Indonesian grouping)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {abs(amount):,}".replace(",", ".")
