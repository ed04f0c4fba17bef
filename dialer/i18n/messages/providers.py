"""The carrier and WhatsApp, real and simulated (``dialer/providers``). Twilio's own
words (``_describe``) stay as Twilio wrote them."""

MESSAGES = {
    "the request's X-Twilio-Signature is missing or does not match": (
        "X-Twilio-Signature pada permintaan tidak ada atau tidak cocok"
    ),
    "a number answers one of {ANSWERING}, not {behaviour}": (
        "sebuah nomor menjawab salah satu dari {ANSWERING}, bukan {behaviour}"
    ),
    "simulated carrier unavailable": "operator simulasi tidak tersedia",
    "call {sid} is not in progress": "panggilan {sid} tidak sedang berlangsung",
    "call {call_sid} is not in conference {conference_sid}": (
        "panggilan {call_sid} tidak berada di konferensi {conference_sid}"
    ),
    "no call {coach} to coach": "tidak ada panggilan {coach} untuk dibimbing",
    "conference {conference_sid} is not live": "konferensi {conference_sid} tidak sedang berlangsung",
    "no call {joiner.coach} to coach": "tidak ada panggilan {joiner.coach} untuk dibimbing",
    "unknown simulated fate {name.strip()}; one of {FATES}": (
        "nasib simulasi {name.strip()} tidak dikenal; salah satu dari {FATES}"
    ),
    "simulated odds must not all be zero": "peluang simulasi tidak boleh nol semua",
    "simulated WhatsApp unavailable": "WhatsApp simulasi tidak tersedia",
    "Twilio needs DIALER_TWILIO__ACCOUNT_SID and DIALER_TWILIO__AUTH_TOKEN": (
        "Twilio memerlukan DIALER_TWILIO__ACCOUNT_SID dan DIALER_TWILIO__AUTH_TOKEN"
    ),
    "Twilio {what} failed and may have been done: {_describe(exc)}": (
        "Twilio {what} gagal dan mungkin sudah terlaksana: {_describe(exc)}"
    ),
    "Twilio {what} failed {tries} times: {_describe(exc)}": (
        "Twilio {what} gagal {tries} kali: {_describe(exc)}"
    ),
    "Twilio {what}: retry after {delay} s: {_describe(exc)}": (
        "Twilio {what}: coba lagi setelah {delay} dtk: {_describe(exc)}"
    ),
    "the softphone is not configured (API key and secret)": (
        "softphone belum dikonfigurasi (API key dan secret)"
    ),
}
