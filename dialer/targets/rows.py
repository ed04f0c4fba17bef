"""One row of a target list: validated and normalised, or every reason it is not.

This runs a million times per large upload, so values that repeat (tiers, products,
provinces, months, amounts, payment channels) are looked up once per validator, keyed
by the raw cell, and a row whose every cell passes takes the short way; any other row
goes through :meth:`RowValidator.reasons`, which lists every reason. The rules
themselves live in ``dialer.rules``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import Any

from dialer.rules.money import AmountError, parse_rupiah
from dialer.rules.phones import normalize_mobile
from dialer.rules.vocabulary import CUSTOMER_COLUMNS, TIERS
from dialer.rules.zones import province_zone
from dialer.targets.columns import HeaderMap

_TIER = {t.lower(): t for t in TIERS}
PRODUCT_ALIASES = {
    "internet": "internet",
    "indihome": "internet",
    "inet": "internet",
    "fiber": "internet",
    "internet indihome": "internet",
    "indihome internet": "internet",
    "broadband": "internet",
    "telephone": "telephone",
    "telepon": "telephone",
    "telp": "telephone",
    "phone": "telephone",
    "pots": "telephone",
    "telepon rumah": "telephone",
    "fixed line": "telephone",
}
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_CHANNEL_SPLIT = re.compile(r"\s*[|;,/]\s*")
_WORDS = re.compile(r"[^a-z]+")
MAX_TEXT = 500
# Distinct raw values remembered per lookup; past that, values are worked out each time.
CACHE_LIMIT = 20000

# A staged row: the values the stage table takes, in its column order. Rows with the
# same payment channels share one list: treat it as read-only.
Staged = tuple[
    int,
    str | None,
    str,
    str,
    str,
    str | None,
    str,
    str,
    str | None,
    str,
    str,
    date,
    int,
    list[str],
]
Reason = tuple[str, str]


def _tier(text: str) -> str | None:
    return _TIER.get(text.lower())


def _product(text: str) -> str | None:
    return PRODUCT_ALIASES.get(" ".join(_WORDS.sub(" ", text.lower()).split()))


def _province(text: str) -> tuple[str, str] | None:
    return province_zone(text) if text else None


def _amount(text: str) -> int | str:
    """The amount, or the reason it is not one."""
    if not text:
        return "is missing"
    try:
        return parse_rupiah(text)
    except AmountError as exc:
        return str(exc)


def _amount_or_none(text: str) -> int | None:
    amount = _amount(text)
    return amount if isinstance(amount, int) else None


def _channels(text: str) -> list[str]:
    return [c for c in _CHANNEL_SPLIT.split(text) if c] if text else []


class _Memo(dict[str, Any]):
    """``memo[raw]`` is ``rule(raw.strip())``, worked out once per distinct raw cell."""

    def __init__(self, rule: Any) -> None:
        super().__init__()
        self.rule = rule

    def __missing__(self, raw: str) -> Any:
        value = self.rule(raw.strip())
        if len(self) < CACHE_LIMIT:
            self[raw] = value
        return value


@dataclass
class RowValidator:
    """Validates rows of one file against its header map."""

    header: HeaderMap
    _tiers: _Memo = field(default_factory=lambda: _Memo(_tier))
    _products: _Memo = field(default_factory=lambda: _Memo(_product))
    _provinces: _Memo = field(default_factory=lambda: _Memo(_province))
    _months: _Memo = field(default_factory=lambda: _Memo(_parse_month))
    _amounts: _Memo = field(default_factory=lambda: _Memo(_amount_or_none))
    _channel_lists: _Memo = field(default_factory=lambda: _Memo(_channels))

    def __post_init__(self) -> None:
        ix = self.header.index
        self._width = self.header.width
        # An absent column reads the empty cell appended after the last one.
        self._ix: tuple[int, ...] = tuple(ix.get(name, self._width) for name in CUSTOMER_COLUMNS)
        self._pad = any(i == self._width for i in self._ix)
        self._cells = itemgetter(*self._ix)
        # The usual layout, every column in its place: the cells are the row itself.
        self._in_order = (
            self._ix == tuple(range(len(CUSTOMER_COLUMNS))) == tuple(range(self._width))
        )

    def validate(self, line: int, values: list[str]) -> tuple[Staged | None, list[Reason]]:
        """``(staged row, [])`` for a valid row, ``(None, reasons)`` otherwise.

        ``values`` are the row's cells as text; the list is padded in place.
        """
        width = self._width
        if len(values) != width:
            del values[width:]
            values.extend([""] * (width - len(values)))
        if self._pad:
            values.append("")
        (
            cust,
            name,
            ih,
            msisdn,
            wa,
            raw_tier,
            raw_product,
            address,
            raw_prov,
            raw_month,
            raw_amount,
            raw_channels,
        ) = values if self._in_order else self._cells(values)
        tier = self._tiers[raw_tier]
        product = self._products[raw_product]
        prov = self._provinces[raw_prov]
        month = self._months[raw_month]
        amount = self._amounts[raw_amount]
        name = name.strip()
        ih = ih.strip()
        ih_digits = ih.isascii() and ih.isdigit()
        if not ih_digits:
            ih = ih.replace(" ", "").replace("-", "")
            ih_digits = ih.isascii() and ih.isdigit()
        msisdn = msisdn.strip()
        msisdn = normalize_mobile(msisdn) if msisdn else None
        raw_wa = wa.strip()
        wa = normalize_mobile(raw_wa) if raw_wa else None
        if (
            msisdn is None
            or (wa is None and raw_wa)
            or tier is None
            or product is None
            or prov is None
            or month is None
            or amount is None
            or not name
            or len(name) > MAX_TEXT
            or not ih_digits
            or not 9 <= len(ih) <= 15
            or not ih.isascii()
        ):
            return None, self.reasons(values)
        return (
            line,
            cust.strip() or None,
            name,
            ih,
            msisdn,
            wa,
            tier,
            product,
            address.strip()[:MAX_TEXT] or None,
            prov[0],
            prov[1],
            month,
            amount,
            self._channel_lists[raw_channels],
        ), []

    def reasons(self, values: list[str]) -> list[Reason]:
        """Every reason a row (already padded by :meth:`validate`) is not valid."""
        (
            _cust,
            raw_name,
            raw_ih,
            raw_msisdn,
            raw_wa,
            raw_tier,
            raw_product,
            _address,
            raw_prov,
            raw_month,
            raw_amount,
            _channels,
        ) = self._cells(values)
        reasons: list[Reason] = []

        name = raw_name.strip()
        if not name:
            reasons.append(("name", "is missing"))
        elif len(name) > MAX_TEXT:
            reasons.append(("name", f"is longer than {MAX_TEXT} characters"))

        ih = raw_ih.strip()
        if not (ih.isascii() and ih.isdigit()):
            ih = ih.replace(" ", "").replace("-", "")
            if not ih:
                reasons.append(("indihome_number", "is missing"))
            elif not (ih.isascii() and ih.isdigit()):
                reasons.append(
                    ("indihome_number", "must be digits only (spaces and dashes allowed)")
                )
        if ih.isascii() and ih.isdigit() and not 9 <= len(ih) <= 15:
            reasons.append(("indihome_number", f"must have 9 to 15 digits, has {len(ih)}"))

        raw_msisdn = raw_msisdn.strip()
        if not raw_msisdn:
            reasons.append(("msisdn", "is missing"))
        elif normalize_mobile(raw_msisdn) is None:
            reasons.append(("msisdn", "is not a valid Indonesian mobile number"))

        raw_wa = raw_wa.strip()
        if raw_wa and normalize_mobile(raw_wa) is None:
            reasons.append(("wa_number", "is not a valid Indonesian mobile number"))

        if _tier(raw_tier.strip()) is None:
            reasons.append(
                (
                    "tier",
                    "is missing"
                    if not raw_tier.strip()
                    else "must be Diamond, Platinum, Gold or Silver",
                )
            )
        if _product(raw_product.strip()) is None:
            reasons.append(
                (
                    "product",
                    "is missing" if not raw_product.strip() else "must be internet or telephone",
                )
            )
        if _province(raw_prov.strip()) is None:
            reasons.append(
                (
                    "province",
                    "is missing" if not raw_prov.strip() else "is not an Indonesian province",
                )
            )
        if _parse_month(raw_month.strip()) is None:
            reasons.append(
                (
                    "bill_month",
                    "is missing" if not raw_month.strip() else "must be YYYY-MM (e.g. 2022-08)",
                )
            )
        amount = _amount(raw_amount.strip())
        if amount.__class__ is not int:
            reasons.append(("bill_amount", str(amount)))
        return reasons


def _parse_month(raw: str) -> date | None:
    match = _MONTH.match(raw)
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        return None
    return date(year, month, 1)


def cell_text(value: Any) -> str:
    """An XLSX cell as text: whole floats lose their ``.0``, dates become YYYY-MM."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}"
    return str(value).strip()
