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
    # The simulated customers' profile (behaviour.py).
    "{what}: {value} is not a time": "{what}: {value} bukan sebuah waktu",
    "{what}: a range is [low, high], not {value}": (
        "{what}: rentang ditulis [bawah, atas], bukan {value}"
    ),
    "{what}: {value} is not a time (a number, [low, high] or a table)": (
        "{what}: {value} bukan sebuah waktu (sebuah angka, [bawah, atas] atau sebuah tabel)"
    ),
    "{what}: kind {kind} is not one of {', '.join(KINDS)}": (
        "{what}: jenis {kind} bukan salah satu dari {', '.join(KINDS)}"
    ),
    "{what}: {kind} takes {', '.join(allowed)}, not {', '.join(unknown)}": (
        "{what}: {kind} menerima {', '.join(allowed)}, bukan {', '.join(unknown)}"
    ),
    "{what}: {kind} needs {', '.join(missing)}": "{what}: {kind} memerlukan {', '.join(missing)}",
    "{what}: low {low} is above high {high}": "{what}: batas bawah {low} di atas batas atas {high}",
    "{what}: lognormal needs median above 0 and spread of at least 1": (
        "{what}: lognormal memerlukan median di atas 0 dan sebaran minimal 1"
    ),
    "{what}: gamma needs mean and shape above 0": (
        "{what}: gamma memerlukan rata-rata dan bentuk di atas 0"
    ),
    "{what}: {value} is not a number of seconds": "{what}: {value} bukan jumlah detik",
    "{what}: {value} seconds must be finite and not negative": (
        "{what}: {value} detik harus terhingga dan tidak negatif"
    ),
    "{what}: {part} is not fate=weight": "{what}: {part} bukan nasib=bobot",
    "{what}: {name.strip()} weight {number} is not a number": (
        "{what}: bobot {name.strip()} {number} bukan angka"
    ),
    "{what}: {value} is not odds (a table or fate=weight,…)": (
        "{what}: {value} bukan peluang (sebuah tabel atau nasib=bobot,…)"
    ),
    "{what}: unknown simulated fate {name}; one of {FATES}": (
        "{what}: nasib simulasi {name} tidak dikenal; salah satu dari {FATES}"
    ),
    "{what}: {name} weight {weight} is not a number": "{what}: bobot {name} {weight} bukan angka",
    "{what}: {name} weight {weight} must be finite, not negative": (
        "{what}: bobot {name} {weight} harus terhingga, tidak negatif"
    ),
    "{what}: simulated odds must not all be zero": (
        "{what}: peluang simulasi tidak boleh nol semua"
    ),
    "hours: {value} is not a table of hour = odds": ("hours: {value} bukan tabel jam = peluang"),
    "hours: {key} is not an hour (0-23) or hours (9-11)": (
        "hours: {key} bukan sebuah jam (0-23) atau rentang jam (9-11)"
    ),
    "hours: hour {hour} is given twice": "hours: jam {hour} diberikan dua kali",
    "unknown profile keys {', '.join(unknown)}: zone, odds, hours, seconds": (
        "kunci profil tidak dikenal {', '.join(unknown)}: zone, odds, hours, seconds"
    ),
    "zone: {zone} is not one of {', '.join(ZONE_NAMES)}": (
        "zone: {zone} bukan salah satu dari {', '.join(ZONE_NAMES)}"
    ),
    "seconds: {seconds} is not a table": "seconds: {seconds} bukan sebuah tabel",
    "seconds: unknown {', '.join(unknown)}; one of {', '.join(names)}": (
        "seconds: {', '.join(unknown)} tidak dikenal; salah satu dari {', '.join(names)}"
    ),
    "simulator profile {path}: {exc}": "profil simulator {path}: {exc}",
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
