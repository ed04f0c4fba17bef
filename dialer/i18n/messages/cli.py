"""The command line (``dialer/cli``)."""

MESSAGES = {
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
}
