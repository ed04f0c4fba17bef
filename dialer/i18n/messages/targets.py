"""Target lists: files, columns, rows (``dialer/targets``)."""

MESSAGES = {
    "the file's header lacks the required columns: {names}": (
        "header berkas tidak memuat kolom wajib: {names}"
    ),
    "mapping for {source} names an unknown field": "pemetaan untuk {source} menyebut kolom tidak dikenal",
    "columns {index[field] + 1} and {position + 1} both map to it": (
        "kolom {index[field] + 1} dan {position + 1} sama-sama dipetakan ke sini"
    ),
    "no column for it (looked for: {looked_for})": "tidak ada kolom untuknya (dicari: {looked_for})",
    "the file's header does not give every required column": (
        "header berkas tidak memuat semua kolom yang wajib"
    ),
    "no import {import_id}": "tidak ada impor {import_id}",
    "the file is not valid UTF-8 at line {bad_line}; save it as CSV UTF-8": (
        "berkas bukan UTF-8 yang valid pada baris {bad_line}; simpan sebagai CSV UTF-8"
    ),
    "the file is not valid CSV at line {bad}: {exc}": "berkas bukan CSV yang valid pada baris {bad}: {exc}",
    "the file is empty: its first line should be the header": (
        "berkas kosong: baris pertamanya seharusnya header"
    ),
    "the file is not a readable XLSX workbook: {exc}": "berkas bukan buku kerja XLSX yang terbaca: {exc}",
    "the workbook's first sheet is empty: it should start with a header": (
        "lembar pertama buku kerja kosong: seharusnya diawali header"
    ),
    "the workbook is damaged near row {self.line}: {exc}": (
        "buku kerja rusak di sekitar baris {self.line}: {exc}"
    ),
    "the file is not a readable XLSX workbook: it has no sheet": (
        "berkas bukan buku kerja XLSX yang terbaca: tidak ada lembarnya"
    ),
    "row number {ref} is not a number": "nomor baris {ref} bukan angka",
    "cell reference {ref} names no column": "rujukan sel {ref} tidak menyebut kolom",
    "{stripped} is not a number": "{stripped} bukan angka",
    "a cell refers to text number {index}, of {count}": (
        "sebuah sel merujuk teks nomor {index}, dari {count}"
    ),
    "the workbook unpacks to more than {limit} bytes (DIALER_IMPORTS__XLSX_MAX_UNPACKED_BYTES);"
    " nothing was imported": (
        "buku kerja berukuran lebih dari {limit} byte setelah dibuka"
        " (DIALER_IMPORTS__XLSX_MAX_UNPACKED_BYTES); tidak ada yang diimpor"
    ),
    "the workbook holds more than {limit} distinct texts"
    " (DIALER_IMPORTS__XLSX_MAX_SHARED_STRINGS); nothing was imported": (
        "buku kerja memuat lebih dari {limit} teks berbeda"
        " (DIALER_IMPORTS__XLSX_MAX_SHARED_STRINGS); tidak ada yang diimpor"
    ),
    "the sheet has more than {max_rows} rows (DIALER_IMPORTS__XLSX_MAX_ROWS); nothing was"
    " imported": (
        "lembar kerja memiliki lebih dari {max_rows} baris (DIALER_IMPORTS__XLSX_MAX_ROWS);"
        " tidak ada yang diimpor"
    ),
    "the sheet has a value in {ref}, beyond its first {max_columns} columns"
    " (DIALER_IMPORTS__XLSX_MAX_COLUMNS); nothing was imported": (
        "lembar kerja memiliki nilai di {ref}, melewati {max_columns} kolom pertamanya"
        " (DIALER_IMPORTS__XLSX_MAX_COLUMNS); tidak ada yang diimpor"
    ),
    "the workbook's XML declares a document type, which no workbook does; nothing was imported": (
        "XML buku kerja menyatakan tipe dokumen, yang tidak pernah dilakukan buku kerja;"
        " tidak ada yang diimpor"
    ),
    "{filename or path.name} is named .xlsx but is not an XLSX file": (
        "{filename or path.name} bernama .xlsx tetapi bukan berkas XLSX"
    ),
    "is missing": "tidak ada",
    "is longer than {MAX_TEXT} characters": "lebih dari {MAX_TEXT} karakter",
    "must be digits only (spaces and dashes allowed)": (
        "harus berupa angka saja (spasi dan tanda hubung boleh)"
    ),
    "must have 9 to 15 digits, has {len(ih)}": "harus 9 sampai 15 digit, ada {len(ih)}",
    "must be Diamond, Platinum, Gold or Silver": "harus Diamond, Platinum, Gold atau Silver",
    "must be internet or telephone": "harus internet atau telephone",
    "is not an Indonesian province": "bukan provinsi di Indonesia",
    "must be YYYY-MM (e.g. 2022-08)": "harus YYYY-MM (mis. 2022-08)",
    "{filename} has a header but no rows; nothing was imported": (
        "{filename} memiliki header tetapi tanpa baris; tidak ada yang diimpor"
    ),
    "no valid row in {filename}: all {summary.rows} rows were rejected; nothing was imported": (
        "tidak ada baris yang valid di {filename}: semua {summary.rows} baris ditolak;"
        " tidak ada yang diimpor"
    ),
}
