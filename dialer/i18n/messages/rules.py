"""The pure rules: money, penalties, phones, windows, greetings, vocabulary
(``dialer/rules``)."""

MESSAGES = {
    "greeting hour for {name}: {text} is not HH:MM": "jam salam untuk {name}: {text} bukan HH:MM",
    "greeting hours must increase: siang {siang}, sore {sore}, malam {malam}": (
        "jam salam harus berurutan naik: siang {siang}, sore {sore}, malam {malam}"
    ),
    "is too long to be an amount ({len(text)} characters)": (
        "terlalu panjang untuk sebuah jumlah ({len(text)} karakter)"
    ),
    "must not be negative": "tidak boleh negatif",
    "is not an amount in rupiah (e.g. 350000, 350.000 or Rp 350.000)": (
        "bukan jumlah dalam rupiah (mis. 350000, 350.000 atau Rp 350.000)"
    ),
    "must be whole rupiah (no sen)": "harus rupiah bulat (tanpa sen)",
    "is too large (at most {format_rupiah(MAX_RUPIAH)})": (
        "terlalu besar (paling banyak {format_rupiah(MAX_RUPIAH)})"
    ),
    "{product}[{i}] starts at {row.start}; the schedule must run without gaps"
    " from N/{self.payable_from_day}": (
        "{product}[{i}] dimulai pada {row.start}; jadwal harus berjalan tanpa celah"
        " sejak N/{self.payable_from_day}"
    ),
    "{product}[{i}] has no end but is not the last row": (
        "{product}[{i}] tidak memiliki akhir padahal bukan baris terakhir"
    ),
    "{product}[{i}] ends at {row.end}, before it starts": (
        "{product}[{i}] berakhir pada {row.end}, sebelum dimulai"
    ),
    "bill month {text} is not a month like 2022-09": "bulan tagihan {text} bukan bulan seperti 2022-09",
    "bill month {text} is not a month between 1900 and 9000": (
        "bulan tagihan {text} bukan bulan antara 1900 dan 9000"
    ),
    "product {product} is not one of {', '.join(PRODUCTS)}": (
        "produk {product} bukan salah satu dari {', '.join(PRODUCTS)}"
    ),
    "the bill total {total} is negative: amounts are whole rupiah, ≥ 0": (
        "total tagihan {total} negatif: jumlah adalah rupiah bulat, ≥ 0"
    ),
    "the {month_name(bill_month)} bill is not billed before 1 {month_name(bill_month)}:"
    " the schedule has no quote for {paid_on.isoformat()}": (
        "tagihan {month_name(bill_month)} belum ditagih sebelum 1 {month_name(bill_month)}:"
        " jadwal tidak memiliki angka untuk {paid_on.isoformat()}"
    ),
    "the {product} penalty schedule defines nothing for a payment on"
    " {paid_on.isoformat()}{since} (bill of {month_name(bill_month)}): no figure can be quoted": (
        "jadwal denda {product} tidak mengatur pembayaran pada {paid_on.isoformat()}{since}"
        " (tagihan {month_name(bill_month)}): tidak ada angka yang dapat disebutkan"
    ),
    "{text} is not a bill-relative day like N/05, N/last or N+1/01": (
        "{text} bukan hari relatif tagihan seperti N/05, N/last atau N+1/01"
    ),
    "{text}: day {day} is not a day of a month": "{text}: hari {day} bukan tanggal dalam bulan",
    "{raw} is not a valid Indonesian mobile number": "{raw} bukan nomor ponsel Indonesia yang valid",
    "{value} is not {self.what} ({', '.join(self.codes)})": (
        "{value} bukan {self.what} ({', '.join(self.codes)})"
    ),
    "the calling window needs an aware datetime, not {moment.isoformat()}": (
        "jendela panggilan memerlukan waktu dengan zona, bukan {moment.isoformat()}"
    ),
    "unknown zone {zone}; one of {', '.join(ZONE_NAMES)}": (
        "zona {zone} tidak dikenal; salah satu dari {', '.join(ZONE_NAMES)}"
    ),
    "weekday {weekday} is not 0 (Monday) to 6 (Sunday)": (
        "hari {weekday} bukan 0 (Senin) sampai 6 (Minggu)"
    ),
    "{_DAY_NAMES[weekday]}: calling hours take no UTC offset": (
        "{_DAY_NAMES[weekday]}: jam panggilan tanpa selisih UTC"
    ),
    "{_DAY_NAMES[weekday]}: the calling hours end before they start": (
        "{_DAY_NAMES[weekday]}: jam panggilan berakhir sebelum dimulai"
    ),
    # rules/window.py: WindowState.describe("en"), when a rule's error quotes it (the
    # callback that falls after the campaign)
    "the campaign period ended on {day}": "periode kampanye berakhir {day}",
    "outside the calling window": "di luar jam panggilan",
    "before the campaign period (starts {day})": "sebelum periode kampanye (mulai {day})",
    "public holiday: {name} ({day})": "hari libur nasional: {name} ({day})",
    "no calling on {weekday}s": "tidak ada panggilan pada hari {weekday}",
    "no calling hours are left before the period ends on {day}": (
        "tidak ada lagi jam panggilan sebelum periode berakhir {day}"
    ),
}
