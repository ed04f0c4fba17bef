"""One row of a target list: validated and normalised, or every reason it is not.

This runs a million times per large upload, so lookups of values that repeat (tiers,
products, provinces, months) are cached per validator and the common cases take the
short way; the rules themselves live in ``dialer.rules``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dialer.rules.money import AmountError, parse_rupiah
from dialer.rules.phones import normalize_mobile
from dialer.rules.zones import province_zone
from dialer.targets.columns import HeaderMap

TIERS = ("Diamond", "Platinum", "Gold", "Silver")
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

# A staged row: the values the stage table takes, in its column order.
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


@dataclass
class RowValidator:
    """Validates rows of one file against its header map."""

    header: HeaderMap
    _tiers: dict[str, str | None] = field(default_factory=dict)
    _products: dict[str, str | None] = field(default_factory=dict)
    _provinces: dict[str, tuple[str, str] | None] = field(default_factory=dict)
    _months: dict[str, date | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ix = self.header.index
        self._width = self.header.width
        # An absent column reads the empty cell appended after the last one.
        self._ix: tuple[int, ...] = tuple(
            ix.get(name, self._width)
            for name in (
                "customer_id",
                "name",
                "indihome_number",
                "msisdn",
                "wa_number",
                "tier",
                "product",
                "address",
                "province",
                "bill_month",
                "bill_amount",
                "payment_channels",
            )
        )

    def validate(self, line: int, values: list[str]) -> tuple[Staged | None, list[Reason]]:
        """``(staged row, [])`` for a valid row, ``(None, reasons)`` otherwise.

        ``values`` are the row's cells as text; the list is padded in place.
        """
        width = self._width
        if len(values) != width:
            del values[width:]
            values.extend([""] * (width - len(values)))
        values.append("")
        (
            i_cust,
            i_name,
            i_ih,
            i_msisdn,
            i_wa,
            i_tier,
            i_product,
            i_addr,
            i_prov,
            i_month,
            i_amount,
            i_channels,
        ) = self._ix
        reasons: list[Reason] = []

        name = values[i_name].strip()
        if not name:
            reasons.append(("name", "is missing"))
        elif len(name) > MAX_TEXT:
            reasons.append(("name", f"is longer than {MAX_TEXT} characters"))

        ih = values[i_ih].strip()
        if not ih.isdigit():
            ih = ih.replace(" ", "").replace("-", "")
            if not ih:
                reasons.append(("indihome_number", "is missing"))
            elif not ih.isdigit():
                reasons.append(
                    ("indihome_number", "must be digits only (spaces and dashes allowed)")
                )
        if ih.isdigit() and not (9 <= len(ih) <= 15 and ih.isascii()):
            reasons.append(("indihome_number", f"must have 9 to 15 digits, has {len(ih)}"))

        raw_msisdn = values[i_msisdn].strip()
        msisdn = normalize_mobile(raw_msisdn) if raw_msisdn else None
        if not raw_msisdn:
            reasons.append(("msisdn", "is missing"))
        elif msisdn is None:
            reasons.append(("msisdn", "is not a valid Indonesian mobile number"))

        raw_wa = values[i_wa].strip()
        wa = normalize_mobile(raw_wa) if raw_wa else None
        if raw_wa and wa is None:
            reasons.append(("wa_number", "is not a valid Indonesian mobile number"))

        raw_tier = values[i_tier].strip()
        tier = self._tiers.get(raw_tier, "?")
        if tier == "?":
            tier = self._tiers[raw_tier] = _TIER.get(raw_tier.lower())
        if tier is None:
            reasons.append(
                (
                    "tier",
                    "is missing" if not raw_tier else "must be Diamond, Platinum, Gold or Silver",
                )
            )

        raw_product = values[i_product].strip()
        product = self._products.get(raw_product, "?")
        if product == "?":
            product = self._products[raw_product] = PRODUCT_ALIASES.get(
                " ".join(_WORDS.sub(" ", raw_product.lower()).split())
            )
        if product is None:
            reasons.append(
                ("product", "is missing" if not raw_product else "must be internet or telephone")
            )

        raw_prov = values[i_prov].strip()
        if raw_prov in self._provinces:
            prov = self._provinces[raw_prov]
        else:
            prov = self._provinces[raw_prov] = province_zone(raw_prov) if raw_prov else None
        if prov is None:
            reasons.append(
                ("province", "is missing" if not raw_prov else "is not an Indonesian province")
            )

        raw_month = values[i_month].strip()
        if raw_month in self._months:
            month = self._months[raw_month]
        else:
            month = self._months[raw_month] = _parse_month(raw_month)
        if month is None:
            reasons.append(
                ("bill_month", "is missing" if not raw_month else "must be YYYY-MM (e.g. 2022-08)")
            )

        raw_amount = values[i_amount].strip()
        amount = 0
        if not raw_amount:
            reasons.append(("bill_amount", "is missing"))
        else:
            try:
                amount = parse_rupiah(raw_amount)
            except AmountError as exc:
                reasons.append(("bill_amount", str(exc)))

        if reasons:
            return None, reasons
        assert msisdn is not None and tier is not None and product is not None
        assert prov is not None and month is not None
        address = values[i_addr].strip()[:MAX_TEXT] or None
        channels_raw = values[i_channels].strip()
        channels = [c for c in _CHANNEL_SPLIT.split(channels_raw) if c] if channels_raw else []
        return (
            line,
            values[i_cust].strip() or None,
            name,
            ih,
            msisdn,
            wa,
            tier,
            product,
            address,
            prov[0],
            prov[1],
            month,
            amount,
            channels,
        ), reasons


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
