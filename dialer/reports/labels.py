"""What a person reads in a report's workbook: sheet names, column headings and the
words for the codes in its cells, in Indonesian (the default) and English.

The CSV downloads keep their machine keys (``indihome_number``, ``issued_at``): they
are read by programs and imported elsewhere, and a header that changed with the
reader's language would break them. A workbook is handed from person to person, so
its headings are words (``Nomor IndiHome``, ``Waktu terbit (WIB)``).
"""

from __future__ import annotations

from typing import Final

from dialer.rules.vocabulary import CALL_RESULTS, OUTCOMES, Term


def _terms(*entries: tuple[str, str, str]) -> dict[str, Term]:
    return {code: Term(code, id_, en) for code, id_, en in entries}


SHEETS: Final = _terms(
    ("summary", "Ringkasan", "Summary"),
    ("days", "Per hari", "By day"),
    ("customers", "Pelanggan", "Customers"),
    ("flagged", "Penukaran ditandai", "Flagged redemptions"),
    ("by_code", "Per hasil", "By outcome"),
    ("by_tier", "Per kelas", "By tier"),
    ("by_zone", "Per zona", "By zone"),
    ("by_province", "Per provinsi", "By province"),
    ("by_local_hour", "Per jam pelanggan", "By customer's hour"),
    ("actions", "Tindakan", "Actions"),
    ("calls_by_local_hour", "Panggilan per jam", "Calls by hour"),
    ("attempts_per_target", "Percobaan per pelanggan", "Attempts per customer"),
    ("agents", "Agen", "Agents"),
)

HEADINGS: Final = _terms(
    # the voucher report's days: each step a voucher reached
    ("day", "Tanggal", "Day"),
    ("offered", "Ditawari", "Offered"),
    ("accepted", "Menerima", "Accepted"),
    ("issued", "Voucher terbit", "Vouchers issued"),
    ("sent", "WA terkirim", "WhatsApp sent"),
    ("delivered", "WA sampai", "WhatsApp delivered"),
    ("read", "WA dibaca", "WhatsApp read"),
    ("failed", "WA gagal", "WhatsApp failed"),
    ("redeemed", "Ditukar", "Redeemed"),
    ("expired", "Kedaluwarsa", "Expired"),
    ("lapsed", "Gugur", "Lapsed"),
    # its customers and flagged redemptions
    ("code", "Kode voucher", "Voucher code"),
    ("state", "Status", "State"),
    ("indihome_number", "Nomor IndiHome", "IndiHome number"),
    ("name", "Nama", "Name"),
    ("tier", "Kelas", "Tier"),
    ("zone", "Zona", "Zone"),
    ("wa_number", "Nomor WhatsApp", "WhatsApp number"),
    ("agent", "Agen", "Agent"),
    ("issued_at", "Waktu terbit", "Issued"),
    ("sent_at", "Waktu terkirim", "Sent"),
    ("delivered_at", "Waktu sampai", "Delivered"),
    ("read_at", "Waktu dibaca", "Read"),
    ("failed_at", "Waktu gagal", "Failed"),
    ("redeemed_at", "Tanggal bayar", "Paid"),
    ("expires_at", "Berlaku sampai", "Valid until"),
    ("reference", "Referensi", "Reference"),
    ("result", "Hasil", "Result"),
    ("received_at", "Waktu diterima", "Received"),
    ("source", "Sumber", "Source"),
    ("amount", "Jumlah bayar", "Amount paid"),
    # the outcome report
    ("outcome", "Hasil panggilan", "Outcome"),
    ("outcomes", "Hasil dicatat", "Outcomes recorded"),
    ("total", "Jumlah", "Total"),
    ("province", "Provinsi", "Province"),
    ("local_hour", "Jam pelanggan", "Customer's hour"),
    ("action", "Tindakan", "Action"),
    ("hour", "Jam pelanggan", "Customer's hour"),
    ("calls", "Panggilan", "Calls"),
    ("calls_placed", "Panggilan dilakukan", "Calls placed"),
    ("contacted", "Terhubung", "Contacted"),
    ("abandoned", "Ditinggalkan", "Abandoned"),
    ("attempts", "Percobaan", "Attempts"),
    ("contact_rate", "Tingkat terhubung", "Contact rate"),
    ("abandon_rate", "Tingkat ditinggalkan", "Abandon rate"),
    ("actions_taken", "Tindakan diambil", "Actions taken"),
    ("targets", "Pelanggan", "Customers"),
    # the agent report
    ("username", "Nama pengguna", "Username"),
    ("talk_seconds", "Waktu bicara (detik)", "Talk time (seconds)"),
    ("after_call_work_seconds", "Kerja setelah panggilan (detik)", "After-call work (seconds)"),
    ("paused_seconds", "Istirahat (detik)", "Not ready (seconds)"),
    ("vouchers", "Voucher terbit", "Vouchers issued"),
)

SUMMARY: Final = _terms(
    ("item", "Keterangan", "Item"),
    ("value", "Nilai", "Value"),
    ("campaign", "Kampanye", "Campaign"),
    ("as_of", "Per waktu", "As of"),
    ("quota", "Kuota voucher", "Voucher quota"),
    ("taken", "Kuota terpakai", "Quota taken"),
    ("left", "Sisa kuota", "Quota left"),
    ("redemption_rate", "Tingkat penukaran", "Redemption rate"),
    (
        "median_hours",
        "Median waktu panggilan ke penukaran (jam)",
        "Median call to redemption (hours)",
    ),
    ("flagged", "Penukaran ditandai", "Flagged redemptions"),
    ("total", "Jumlah", "Total"),
    ("note", "Catatan", "Note"),
    (
        "counting",
        "Setiap voucher dihitung di setiap langkah yang dicapainya, pada hari ia mencapainya"
        " (WA yang dibaca juga terhitung terkirim dan sampai); lembar Per hari menghitung"
        " dengan cara yang sama, dan jumlah harinya sama dengan angka di sini.",
        "Each voucher counts at every step it reached, on the day it reached it (a WhatsApp"
        " read counts as sent and delivered too); the By day sheet counts the same way, and"
        " its days add up to the figures here.",
    ),
)

# The codes in the cells: what a voucher's state, a redemption's result, an outcome
# code or a call result is called.
VALUES: Final = (
    _terms(
        ("issued", "terbit", "issued"),
        ("sent", "WA terkirim", "WhatsApp sent"),
        ("delivered", "WA sampai", "WhatsApp delivered"),
        ("read", "WA dibaca", "WhatsApp read"),
        ("failed", "WA gagal", "WhatsApp failed"),
        ("redeemed", "ditukar", "redeemed"),
        ("expired", "kedaluwarsa", "expired"),
        ("lapsed", "gugur", "lapsed"),
        ("voided", "dibatalkan", "voided"),
        ("unknown_code", "kode tidak dikenal", "unknown code"),
        ("second_use", "dipakai kedua kali", "second use"),
        ("after_expiry", "setelah kedaluwarsa", "after expiry"),
        # the actions taken during calls (migration 0018)
        ("ticket", "tiket gangguan", "trouble ticket"),
        ("closure_request", "permintaan cabut", "closure request"),
        ("follow_up", "tindak lanjut", "follow-up"),
        ("retained", "batal cabut", "retained"),
        ("claim_checked", "klaim diperiksa", "claim checked"),
        ("voucher", "voucher", "voucher"),
        ("address_update", "alamat diperbarui", "address updated"),
        ("wa_number", "nomor WhatsApp dicatat", "WhatsApp number recorded"),
        ("myindihome", "myIndiHome", "myIndiHome"),
        ("transfer", "dialihkan", "transferred"),
        ("informed", "informasi diberikan", "information given"),
    )
    | {t.code: t for t in CALL_RESULTS}
    | {t.code: t for t in OUTCOMES}
)


def _label(table: dict[str, Term], key: str, language: str) -> str:
    term = table.get(key)
    return key if term is None else term.label(language)


def sheet_name(key: str, language: str) -> str:
    return _label(SHEETS, key, language)


def heading(key: str, language: str, zone: str | None = None) -> str:
    """A column's heading; a time's names the zone it is shown in ("Waktu terbit (WIB)").
    An outcome code's column is headed by the outcome's label."""
    if key.startswith("paused_seconds:"):  # the time paused for one reason
        reason = key.removeprefix("paused_seconds:") or (
            "tanpa alasan" if language == "id" else "no reason"
        )
        return f"{heading('paused_seconds', language)}: {reason}"
    words = _label(HEADINGS | {t.code: t for t in OUTCOMES}, key, language)
    return f"{words} ({zone})" if zone and key.endswith("_at") else words


def summary(key: str, language: str) -> str:
    return _label(SUMMARY, key, language)


def value(code: str | None, language: str) -> str | None:
    """What ``code`` (a state, a result, an outcome) is called; other texts unchanged."""
    return code if code is None else _label(VALUES, code, language)
