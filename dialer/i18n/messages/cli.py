"""The command line (``dialer/cli``)."""

MESSAGES = {
    "{failed} simulated calls failed (their tracebacks are in the log)": (
        "{failed} panggilan simulasi gagal (jejak galatnya ada di log)"
    ),
    "nothing progressed: no call reached a result": (
        "tidak ada kemajuan: tidak ada panggilan yang mencapai hasil"
    ),
    "the campaign's period has no calling hours": "periode kampanye tidak memiliki jam panggilan",
    "--targets and --seats must be at least 1, --speed above 0": (
        "--targets dan --seats minimal 1, --speed di atas 0"
    ),
    "--map {pair}: write HEADER=FIELD, e.g. 'No Pel=customer_id'": (
        "--map {pair}: tulis HEADER=FIELD, mis. 'No Pel=customer_id'"
    ),
    "{path}: no such file": "{path}: berkas tidak ada",
    "{option} {text} is not an ISO 8601 time: {exc}": "{option} {text} bukan waktu ISO 8601: {exc}",
    "{option} {text} needs a zone, e.g. 2022-09-05T08:00:00+07:00": (
        "{option} {text} perlu zona waktu, mis. 2022-09-05T08:00:00+07:00"
    ),
    "--total {args.total} {exc}": "--total {args.total} {exc}",
    "--paid-on {args.paid_on} is not a date like 2022-09-21": (
        "--paid-on {args.paid_on} bukan tanggal seperti 2022-09-21"
    ),
    "no campaign definitions in {settings.campaigns_dir}": (
        "tidak ada definisi kampanye di {settings.campaigns_dir}"
    ),
    "this configuration cannot work; nothing was started": (
        "konfigurasi ini tidak dapat berjalan; tidak ada yang dijalankan"
    ),
    "--workers must be 1 or more": "--workers minimal 1",
    "--speed must be above 0": "--speed harus di atas 0",
    "--bots must be 0 or more": "--bots minimal 0",
    "not set: {names}. `dialer serve` has no default secrets (anyone can read those): set"
    " them, or try the product with `dialer run`": (
        "belum diatur: {names}. `dialer serve` tidak punya rahasia bawaan (siapa pun dapat"
        " membacanya): atur, atau coba produknya dengan `dialer run`"
    ),
    "DIALER_PARTNER__SECRET (the voucher partner's signing secret)": (
        "DIALER_PARTNER__SECRET (rahasia penanda tangan mitra voucher)"
    ),
    "DIALER_TWILIO__ACCOUNT_SID and DIALER_TWILIO__AUTH_TOKEN (or, to run on the simulators,"
    " DIALER_SIMULATOR__AUTH_TOKEN)": (
        "DIALER_TWILIO__ACCOUNT_SID dan DIALER_TWILIO__AUTH_TOKEN (atau, untuk berjalan di"
        " simulator, DIALER_SIMULATOR__AUTH_TOKEN)"
    ),
    "DATABASE_URL names a dialer database not marked as a demo's: the demo would add its"
    " users, with public passwords, to it, nothing was changed. Unset DATABASE_URL for the"
    " embedded database, or name an empty one": (
        "DATABASE_URL menunjuk basis data dialer yang tidak ditandai sebagai demo: demo akan"
        " menambahkan penggunanya, dengan kata sandi publik, ke sana, tidak ada yang diubah."
        " Kosongkan DATABASE_URL untuk basis data tersemat, atau tunjuk basis data kosong"
    ),
    "cannot listen on {host}:{port}: {reason} (another `dialer run` or `dialer serve` there?"
    " set --port or DIALER_SERVER__PORT), nothing was started": (
        "tidak dapat mendengarkan di {host}:{port}: {reason} (ada `dialer run` atau `dialer"
        " serve` lain di sana? atur --port atau DIALER_SERVER__PORT), tidak ada yang dijalankan"
    ),
    "{why}: the service stopped with it, start it again": (
        "{why}: layanan ikut berhenti, jalankan lagi"
    ),
    "the embedded PostgreSQL died": "PostgreSQL tersemat mati",
    "--agents must be a whole number from 0 to {MAX_AGENTS}": (
        "--agents harus bilangan bulat dari 0 sampai {MAX_AGENTS}"
    ),
}
