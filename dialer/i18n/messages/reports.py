"""Reports and downloads (``dialer/reports``)."""

MESSAGES = {
    "table {table} is not one of {', '.join(tables)}": (
        "tabel {table} bukan salah satu dari {', '.join(tables)}"
    ),
    "zone {zone} is not one of WIB, WITA, WIT": "zona {zone} bukan salah satu dari WIB, WITA, WIT",
    "table {table} is not one of {', '.join(downloads.TABLES)}": (
        "tabel {table} bukan salah satu dari {', '.join(downloads.TABLES)}"
    ),
    "query parameter 'agents' must be a whole number from 0 to {forecast.MAX_AGENTS}, not {raw}": (
        "parameter kueri 'agents' harus bilangan bulat dari 0 sampai {forecast.MAX_AGENTS},"
        " bukan {raw}"
    ),
}
