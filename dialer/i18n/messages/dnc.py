"""The do-not-call list (``dialer/dnc``)."""

MESSAGES = {
    # The reason an agent's do_not_call outcome lists a number with (agents/outcomes.py).
    "asked on a call": "diminta saat panggilan",
    "no valid number in the file; nothing was added": (
        "tidak ada nomor yang valid dalam berkas; tidak ada yang ditambahkan"
    ),
    "{number} is not on the do-not-call list": "{number} tidak ada dalam daftar jangan-dihubungi",
    "the DNC file needs a column 'msisdn' (or no_hp, nomor_hp, …) or one number per line": (
        "berkas DNC memerlukan kolom 'msisdn' (atau no_hp, nomor_hp, …) atau satu nomor per baris"
    ),
    "is not a valid Indonesian mobile number": "bukan nomor ponsel Indonesia yang valid",
    "say why the number comes off the do-not-call list": (
        "sebutkan alasan nomor ini dikeluarkan dari daftar jangan-dihubungi"
    ),
    "query parameter 'before' must be a page's next_before, not {token[:80]}": (
        "parameter kueri 'before' harus next_before dari sebuah halaman, bukan {token[:80]}"
    ),
    "query parameter 'q' is longer than {QUERY_MAX} characters": (
        "parameter kueri 'q' lebih panjang dari {QUERY_MAX} karakter"
    ),
    "query parameter 'q' holds a control character": (
        "parameter kueri 'q' berisi karakter kontrol"
    ),
}
