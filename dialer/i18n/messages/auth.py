"""Users, logins and roles (``dialer/auth``)."""

MESSAGES = {
    "log in or send an API token (Authorization: Bearer …)": (
        "masuk dulu atau kirim token API (Authorization: Bearer …)"
    ),
    "this needs the {' or '.join(roles)} role; you are {user.role}": (
        "ini memerlukan peran {' or '.join(roles)}; peran Anda {user.role}"
    ),
    "no user {username}": "tidak ada pengguna {username}",
    "role must be manager or agent, not {role}": "peran harus manager atau agent, bukan {role}",
    "the password needs at least {MIN_LENGTH} characters": (
        "kata sandi minimal {MIN_LENGTH} karakter"
    ),
    "user {username} exists already": "pengguna {username} sudah ada",
    "a username is 2-63 lowercase letters, digits, dots, dashes or underscores": (
        "nama pengguna terdiri dari 2-63 huruf kecil, angka, titik, tanda hubung atau garis bawah"
    ),
    "wrong username or password": "nama pengguna atau kata sandi salah",
    "a WebSocket from origin {origin} is refused: open it from this service's pages": (
        "WebSocket dari origin {origin} ditolak: bukalah dari halaman layanan ini"
    ),
    "a {request.method} with the session cookie needs the page's {CSRF_HEADER} header or an"
    " Origin of this service (server.public_url): refused as a possible cross-site request": (
        "{request.method} dengan cookie sesi memerlukan header {CSRF_HEADER} dari halaman atau"
        " Origin layanan ini (server.public_url): ditolak karena mungkin permintaan lintas situs"
    ),
    "a token lives 1 to {max_days} days (DIALER_SERVER__API_TOKEN_TTL_DAYS), not {days}": (
        "masa berlaku token 1 sampai {max_days} hari (DIALER_SERVER__API_TOKEN_TTL_DAYS),"
        " bukan {days}"
    ),
    "no token {token_id}": "tidak ada token {token_id}",
    "you cannot disable yourself: another manager or the command line can": (
        "Anda tidak dapat menonaktifkan diri sendiri: manajer lain atau baris perintah dapat"
    ),
    "too many failed logins for this username or from this address: try again in {retry} seconds": (
        "terlalu banyak login gagal untuk nama pengguna ini atau dari alamat ini: coba lagi"
        " dalam {retry} detik"
    ),
}
