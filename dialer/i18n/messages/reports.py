"""Reports and downloads (``dialer/reports``)."""

MESSAGES = {
    "table {table} is not one of {', '.join(tables)}": (
        "tabel {table} bukan salah satu dari {', '.join(tables)}"
    ),
    "zone {zone} is not one of WIB, WITA, WIT": "zona {zone} bukan salah satu dari WIB, WITA, WIT",
    "table {table} is not one of {', '.join(downloads.TABLES)}": (
        "tabel {table} bukan salah satu dari {', '.join(downloads.TABLES)}"
    ),
}
