"""Bills, payments and penalty quotes (``dialer/billing``)."""

MESSAGES = {
    "{len(problems)} problem(s) in the payments; nothing was recorded": (
        "{len(problems)} masalah dalam data pembayaran; tidak ada yang dicatat"
    ),
    "no payment given; nothing was recorded": "tidak ada pembayaran; tidak ada yang dicatat",
    "the payments file lacks the column(s) {', '.join(missing)} (needs {', '.join(COLUMNS)})": (
        "berkas pembayaran tidak memiliki kolom {', '.join(missing)}"
        " (diperlukan {', '.join(COLUMNS)})"
    ),
    "is required": "wajib diisi",
    "{number} is not digits": "{number} bukan angka",
    "{month_text} is not a month like 2022-09": "{month_text} bukan bulan seperti 2022-09",
    "{paid_text} is not a date and time (ISO 8601)": (
        "{paid_text} bukan tanggal dan waktu (ISO 8601)"
    ),
    "{paid_text} needs its offset, e.g. +07:00 (WIB)": (
        "{paid_text} perlu selisih zona waktunya, mis. +07:00 (WIB)"
    ),
    'the body must be {{"payments": [{{...}}, ...]}}': (
        'isi permintaan harus {{"payments": [{{...}}, ...]}}'
    ),
    "query parameter {name} is required": "parameter kueri {name} wajib diisi",
    "zone {zone} is not one of {', '.join(ZONE_NAMES)}": (
        "zona {zone} bukan salah satu dari {', '.join(ZONE_NAMES)}"
    ),
    "paid_on {request.query['paid_on']} is not a date like 2022-09-21": (
        "paid_on {request.query['paid_on']} bukan tanggal seperti 2022-09-21"
    ),
    "total {raw_total} {exc}": "total {raw_total} {exc}",
    "the answer is not a JSON object": "jawabannya bukan objek JSON",
    "amount {amount} is not whole rupiah": "jumlah {amount} bukan rupiah bulat",
    "paid_at has no time zone offset": "paid_at tidak memiliki selisih zona waktu",
    "channels is not a list": "channels bukan daftar",
    "HTTP {response.status}": "HTTP {response.status}",
    "{row[0]} repeats {where} {first}": "{row[0]} mengulang {where} {first}",
    # a value and the reason it is refused: the reason translated
    "{amount_text} {exc}": "{amount_text} {exc}",
    # paid announcements (paid.py)
    "not a list of numbers": "bukan daftar nomor",
}
