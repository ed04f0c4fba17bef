"""The lists the product knows, each defined once: customer tiers, products, the columns
of a customer's record, the outcome codes an agent records, the dialer's call results,
the payment channels. Everything else derives them — the validation, the SQL the code
builds, the reports — and the pages get them from ``GET /api/vocabulary``
(``vocabulary()``), labels in the user's language included.

The database checks some of them too (migrations are history: a test keeps each
check constraint equal to its list here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema


@dataclass(frozen=True)
class Term:
    """One entry of a list: its code, and what a person reads (Indonesian, English)."""

    code: str
    id: str
    en: str

    def label(self, language: str) -> str:
        return self.en if language == "en" else self.id


TIERS: tuple[str, ...] = ("Diamond", "Platinum", "Gold", "Silver")
PRODUCTS: tuple[str, ...] = ("internet", "telephone")

# The columns of a customer's record in a target list, in their canonical order.
CUSTOMER_COLUMNS: tuple[str, ...] = (
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
REQUIRED_COLUMNS: frozenset[str] = frozenset(
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
# Other headers a file may give each column under (compared by ``uploads.header_key``).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
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

# The header a list's column is written under in the template a manager downloads, and
# named by in the page's messages: each is also one of the column's accepted headers.
COLUMN_HEADERS: tuple[Term, ...] = (
    Term("customer_id", "ID Pelanggan", "Customer ID"),
    Term("name", "Nama", "Name"),
    Term("indihome_number", "No IndiHome", "IndiHome Number"),
    Term("msisdn", "No HP", "Mobile"),
    Term("wa_number", "No WA", "WA Number"),
    Term("tier", "Kelas", "Tier"),
    Term("product", "Produk", "Product"),
    Term("address", "Alamat", "Address"),
    Term("province", "Provinsi", "Province"),
    Term("bill_month", "Bulan Tagihan", "Bill Month"),
    Term("bill_amount", "Tagihan", "Bill Amount"),
    Term("payment_channels", "Channel Bayar", "Payment Channels"),
)
# The template's one example row, in CUSTOMER_COLUMNS' order.
EXAMPLE_ROW: tuple[str, ...] = (
    "C000001",
    "Budi Santoso",
    "122000000001",
    "081234567890",
    "081234567890",
    "Platinum",
    "internet",
    "Jl. Melati 1",
    "Jawa Barat",
    "2022-08",
    "350000",
    "Bukalapak|Indomaret",
)


def column_header(column: str, language: str) -> str:
    """The header ``column`` is written under in ``language`` (the template's)."""
    return next((t.label(language) for t in COLUMN_HEADERS if t.code == column), column)


# What the agent records for a call (seed 001's outcomes), in the form's order.
OUTCOMES: tuple[Term, ...] = (
    Term("customer_busy", "Pelanggan SIBUK — telepon kembali", "Customer busy — call back"),
    Term("already_paid", "SUDAH LUNAS", "Already paid"),
    Term("do_not_call", "TIDAK MAU DI CALL", "Does not want to be called"),
    Term("not_subscriber", "TIDAK MERASA PASANG", "Says they never subscribed"),
    Term("claims_cancelled", "SUDAH MERASA CABUT", "Says the service was cancelled"),
    Term("wants_cancellation", "MINTA CABUT", "Wants to cancel"),
    Term("wrong_number", "SALAH SAMBUNG", "Wrong number"),
    Term("has_problem", "Ada KENDALA", "Has a problem"),
    Term("pays_via_bukalapak", "Bayar via Bukalapak (voucher)", "Pays via Bukalapak (voucher)"),
    Term("pays_other_channel", "Bayar via moda bayar lain", "Pays another way"),
)
OUTCOME_CODES: tuple[str, ...] = tuple(t.code for t in OUTCOMES)

# The dialer's result of a call that ended; it drives the retry policy.
CALL_RESULTS: tuple[Term, ...] = (
    Term("contacted", "terhubung", "contacted"),
    Term("busy_line", "nada sibuk", "busy line"),
    Term("no_answer", "tidak diangkat", "no answer"),
    Term("failed", "gagal", "failed"),
    Term("machine", "mesin penjawab", "answering machine"),
    Term("abandoned", "ditinggalkan", "abandoned"),
    Term("canceled", "dibatalkan", "canceled"),
)
RESULT_CODES: tuple[str, ...] = tuple(t.code for t in CALL_RESULTS)
# The results a campaign's retry policy sets a delay and a limit for.
RETRIED_RESULTS: tuple[str, ...] = tuple(r for r in RESULT_CODES if r != "contacted")

# How a customer says they pay, when not through Bukalapak.
PAYMENT_CHANNELS: tuple[Term, ...] = (
    Term("autodebit", "Autodebet", "Autodebit"),
    Term("myindihome", "myIndiHome", "myIndiHome"),
    Term("linkaja", "LinkAja", "LinkAja"),
    Term("e-commerce", "E-commerce", "E-commerce"),
    Term("indomaret", "Indomaret", "Indomaret"),
    Term("alfamart", "Alfamart", "Alfamart"),
    Term("bank", "Bank", "Bank"),
    Term("post office", "Kantor Pos", "Post office"),
    Term("plasa telkom", "Plasa Telkom", "Plasa Telkom"),
    Term("other", "Lainnya", "Other"),
)
CHANNEL_CODES: tuple[str, ...] = tuple(t.code for t in PAYMENT_CHANNELS)


@dataclass(frozen=True)
class OneOf:
    """A field's value must be one of ``codes`` (``Annotated[str, OneOf(PRODUCTS,
    "a product")]``); the OpenAPI schema lists them as its enum."""

    codes: tuple[str, ...]
    what: str

    def check(self, value: str) -> str:
        if value not in self.codes:
            raise ValueError(f"{value!r} is not {self.what} ({', '.join(self.codes)})")
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return handler(schema) | {"enum": list(self.codes)}


def vocabulary(language: str) -> dict[str, Any]:
    """Every list, with labels in ``language`` (id or en): what the pages build their
    forms, filters and charts from."""

    def terms(items: tuple[Term, ...]) -> list[dict[str, str]]:
        return [{"code": t.code, "label": t.label(language)} for t in items]

    return {
        "language": language,
        "tiers": list(TIERS),
        "products": list(PRODUCTS),
        "customer_columns": list(CUSTOMER_COLUMNS),
        "column_headers": terms(COLUMN_HEADERS),
        "required_columns": [c for c in CUSTOMER_COLUMNS if c in REQUIRED_COLUMNS],
        "outcomes": terms(OUTCOMES),
        "call_results": terms(CALL_RESULTS),
        "payment_channels": terms(PAYMENT_CHANNELS),
    }
