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
    "too many failed logins for this username or from this address: try again in {retry} seconds": (
        "terlalu banyak login gagal untuk nama pengguna ini atau dari alamat ini: coba lagi"
        " dalam {retry} detik"
    ),
}
