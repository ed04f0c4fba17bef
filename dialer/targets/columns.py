"""The columns of a target list, their aliases, and a file's header mapped onto them.

Header names match case- and space-insensitively (``No. IndiHome`` = ``no_indihome``),
common Indonesian headers are aliases, and a caller may give an explicit mapping
``{"header in the file": "field"}`` that wins over the aliases.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dialer.errors import ValidationFailed

FIELDS: tuple[str, ...] = (
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
REQUIRED: frozenset[str] = frozenset(
    {
        "name",
        "indihome_number",
        "msisdn",
        "tier",
        "product",
        "province",
        "bill_month",
        "bill_amount",
    }
)

ALIASES: dict[str, tuple[str, ...]] = {
    "customer_id": ("id_pelanggan", "idpel", "cust_id", "customer", "no_pelanggan"),
    "name": ("nama", "nama_pelanggan", "customer_name", "nama_customer", "full_name"),
    "indihome_number": (
        "no_indihome",
        "nomor_indihome",
        "indihome",
        "nd",
        "no_internet",
        "nomor_internet",
        "no_jastel",
        "jastel",
        "service_number",
    ),
    "msisdn": (
        "no_hp",
        "nomor_hp",
        "hp",
        "handphone",
        "no_handphone",
        "no_gsm",
        "gsm",
        "mobile",
        "phone",
        "no_telepon_seluler",
        "ponsel",
    ),
    "wa_number": ("no_wa", "nomor_wa", "wa", "whatsapp", "no_whatsapp", "nomor_whatsapp"),
    "tier": ("kelas", "segmen", "class", "kategori_pelanggan"),
    "product": ("produk", "layanan", "jenis_layanan", "service"),
    "address": ("alamat", "alamat_pelanggan"),
    "province": ("provinsi", "propinsi", "prov"),
    "bill_month": ("bulan_tagihan", "periode", "periode_tagihan", "bulan"),
    "bill_amount": (
        "tagihan",
        "jumlah_tagihan",
        "nominal_tagihan",
        "total_tagihan",
        "amount",
        "nominal",
    ),
    "payment_channels": (
        "channel_bayar",
        "channel_pembayaran",
        "riwayat_bayar",
        "moda_bayar",
        "kanal_pembayaran",
        "payment_history",
    ),
}

_NON_WORD = re.compile(r"[^a-z0-9]+")


def header_key(name: str) -> str:
    """``" No. IndiHome "`` → ``"no_indihome"``; a BOM or odd spacing is ignored."""
    return _NON_WORD.sub("_", name.replace("\ufeff", "").strip().lower()).strip("_")


_BY_KEY: dict[str, str] = {}
for _field in FIELDS:
    for _alias in (_field, *ALIASES.get(_field, ())):
        _BY_KEY[header_key(_alias)] = _field


@dataclass(frozen=True)
class HeaderMap:
    """Which column of the file holds each field; ``ignored`` lists the unused headers."""

    index: Mapping[str, int]
    ignored: tuple[str, ...]
    width: int


def map_header(header: Sequence[str], mapping: Mapping[str, str] | None = None) -> HeaderMap:
    """Map a header row onto the fields, or say exactly what is missing or ambiguous."""
    explicit = {header_key(k): v for k, v in (mapping or {}).items()}
    problems: list[dict[str, str]] = []
    for source, target in explicit.items():
        if target not in FIELDS:
            problems.append(
                {"field": target, "reason": f"mapping for {source!r} names an unknown field"}
            )
    index: dict[str, int] = {}
    ignored: list[str] = []
    for position, raw in enumerate(header):
        key = header_key(raw)
        field = explicit.get(key) or _BY_KEY.get(key)
        if field is None or field not in FIELDS:
            if raw.strip():
                ignored.append(raw.strip())
            continue
        if field in index:
            problems.append(
                {
                    "field": field,
                    "reason": f"columns {index[field] + 1} and {position + 1} both map to it",
                }
            )
            continue
        index[field] = position
    for field in sorted(REQUIRED - index.keys()):
        looked_for = ", ".join((field, *ALIASES.get(field, ())))
        problems.append({"field": field, "reason": f"no column for it (looked for: {looked_for})"})
    if problems:
        raise ValidationFailed(
            "the file's header does not give every required column", details=problems
        )
    return HeaderMap(index=index, ignored=tuple(ignored), width=len(header))
