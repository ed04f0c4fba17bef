"""The HTTP plumbing every room shares: bodies, parameters, uploads (``dialer/web.py``,
``dialer/uploads.py``)."""

MESSAGES = {
    "the upload is not valid multipart/form-data: {exc}": (
        "unggahan bukan multipart/form-data yang valid: {exc}"
    ),
    "the upload has two parts named 'file'; send one file": (
        "unggahan memiliki dua bagian bernama 'file'; kirim satu berkas"
    ),
    "the import took longer than {max_seconds} seconds (DIALER_IMPORTS__MAX_SECONDS) and was"
    " stopped; nothing was imported": (
        "impor berjalan lebih dari {max_seconds} detik (DIALER_IMPORTS__MAX_SECONDS) dan"
        " dihentikan; tidak ada yang diimpor"
    ),
    "the file is larger than {max_bytes // (1024 * 1024)} MB; nothing was imported": (
        "berkas lebih besar dari {max_bytes // (1024 * 1024)} MB; tidak ada yang diimpor"
    ),
    "form field {part.name} cannot be read: {exc}": "kolom formulir {part.name} tidak dapat dibaca: {exc}",
    "the upload has no part named 'file'": "unggahan tidak memiliki bagian bernama 'file'",
    "form field {name} is not valid JSON: {exc}": "kolom formulir {name} bukan JSON yang valid: {exc}",
    'form field {name} must be an object like {{"Header": "field"}}': (
        'kolom formulir {name} harus berupa objek seperti {{"Header": "field"}}'
    ),
    "upload the list as multipart/form-data with a part named 'file'": (
        "unggah daftar sebagai multipart/form-data dengan bagian bernama 'file'"
    ),
    "a value in the request cannot be stored or looked up: {exc}": (
        "sebuah nilai dalam permintaan tidak dapat disimpan atau dicari: {exc}"
    ),
    "the body is not valid JSON: {exc}": "isi permintaan bukan JSON yang valid: {exc}",
    "the body's JSON is nested too deeply": "JSON isi permintaan bersarang terlalu dalam",
    "the body has {problem} in its text": "isi permintaan memuat {problem} dalam teksnya",
    "the request is invalid": "permintaan tidak valid",
    "{what} id {raw} is not a number (1 to {BIGINT_MAX})": (
        "id {what} {raw} bukan angka (1 sampai {BIGINT_MAX})"
    ),
    "query parameter {name} must be an integer, not {raw}": (
        "parameter kueri {name} harus bilangan bulat, bukan {raw}"
    ),
    "query parameter {name} is too large: {raw}": "parameter kueri {name} terlalu besar: {raw}",
    "query parameter {name} must be at least {minimum}, not {raw}": (
        "parameter kueri {name} minimal {minimum}, bukan {raw}"
    ),
    # what the middleware says itself
    "internal error": "kesalahan internal",
    "the database is unreachable, try again shortly": (
        "basis data tidak dapat dihubungi, coba lagi sebentar lagi"
    ),
    "Not Found": "Tidak ditemukan",
    "Method Not Allowed": "Metode tidak diizinkan",
    "Request Entity Too Large": "Permintaan terlalu besar",
}
MESSAGES |= {
    # {problem} of "the body has {problem} in its text"
    "a NUL character (\\u0000)": "karakter NUL (\\u0000)",
    "half a UTF-16 surrogate pair (not Unicode)": "separuh pasangan surrogate UTF-16 (bukan Unicode)",
}
