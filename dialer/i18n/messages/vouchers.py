"""Vouchers, their codes, messages and redemptions (``dialer/vouchers``)."""

MESSAGES = {
    "malformed: 4-40 letters, digits and dashes": "format salah: 4-40 huruf, angka, dan tanda hubung",
    "repeats line {seen[code]}": "mengulang baris {seen[code]}",
    "no valid voucher code in the file; nothing was added": (
        "tidak ada kode voucher yang valid dalam berkas; tidak ada yang ditambahkan"
    ),
    "already in a pool (this or another campaign)": "sudah ada di pool (kampanye ini atau lainnya)",
    "codes were added meanwhile; import again: {exc}": (
        "kode telah ditambahkan sementara itu; impor lagi: {exc}"
    ),
    "voucher {voucher['code']} is {voucher['state']}: it can't be voided": (
        "voucher {voucher['code']} berstatus {voucher['state']}: tidak dapat dibatalkan"
    ),
    "no voucher {voucher_id}": "tidak ada voucher {voucher_id}",
    "no voucher with the code {code}": "tidak ada voucher dengan kode {code}",
    "voucher {voucher_id} is {voucher['state']}: nothing to resend": (
        "voucher {voucher_id} berstatus {voucher['state']}: tidak ada yang dikirim ulang"
    ),
    "the report lacks the column(s) {', '.join(missing)}": (
        "laporan tidak memiliki kolom {', '.join(missing)}"
    ),
    "reference and code are required": "reference dan code wajib diisi",
    "{len(problems)} bad line(s) in the report; nothing was recorded": (
        "{len(problems)} baris salah dalam laporan; tidak ada yang dicatat"
    ),
    "{field} {raw} is not a date and time (ISO 8601 with its offset)": (
        "{field} {raw} bukan tanggal dan waktu (ISO 8601 dengan selisih zonanya)"
    ),
    "{field} {raw} needs its offset, e.g. +07:00": "{field} {raw} perlu selisih zonanya, mis. +07:00",
    "needs its offset, e.g. 2022-09-12T10:00:00+07:00": (
        "perlu selisih zonanya, mis. 2022-09-12T10:00:00+07:00"
    ),
    "redemption refused: {refused}": "penukaran ditolak: {refused}",
    "the body is not JSON: {exc}": "isi permintaan bukan JSON: {exc}",
    "the body's JSON is nested too deeply": "JSON isi permintaan bersarang terlalu dalam",
    # the ledger (ledger.py)
    "no campaign {campaign_id}": "tidak ada kampanye {campaign_id}",
    'campaign {campaign.name} generates its voucher codes ([voucher] codes = "{codes}"),'
    " so a partner's codes file would never be used; nothing was imported. To issue the"
    " partner's codes, set codes = \"pool\" in the campaign's [voucher] section and apply"
    " it, then import the file again.": (
        'kampanye {campaign.name} membuat sendiri kode vouchernya ([voucher] codes = "{codes}"),'
        " sehingga berkas kode dari mitra tidak akan pernah dipakai; tidak ada yang diimpor."
        ' Untuk menerbitkan kode dari mitra, atur codes = "pool" di bagian [voucher] kampanye'
        " lalu terapkan, kemudian impor berkasnya lagi."
    ),
}
