"""Indonesia's provinces and their time zones (WIB, WITA, WIT).

An unknown province is rejected, never guessed: a wrong zone would put a call outside
the customer's calling window.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

ZONES: dict[str, ZoneInfo] = {
    "WIB": ZoneInfo("Asia/Jakarta"),
    "WITA": ZoneInfo("Asia/Makassar"),
    "WIT": ZoneInfo("Asia/Jayapura"),
}
ZONE_NAMES: tuple[str, ...] = ("WIB", "WITA", "WIT")


def zone_info(zone: str) -> ZoneInfo:
    """The IANA zone of ``"WIB"``, ``"WITA"`` or ``"WIT"``; ValueError for anything else."""
    try:
        return ZONES[zone]
    except KeyError:
        raise ValueError(f"unknown zone {zone!r}; one of {', '.join(ZONE_NAMES)}") from None


# The 38 provinces, by official name, with common short forms and older names.
PROVINCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Aceh": ("WIB", ("nanggroe aceh darussalam", "nad", "di aceh")),
    "Sumatera Utara": ("WIB", ("sumut", "north sumatra", "sumatra utara")),
    "Sumatera Barat": ("WIB", ("sumbar", "west sumatra", "sumatra barat")),
    "Riau": ("WIB", ()),
    "Kepulauan Riau": ("WIB", ("kepri", "riau islands")),
    "Jambi": ("WIB", ()),
    "Sumatera Selatan": ("WIB", ("sumsel", "south sumatra", "sumatra selatan")),
    "Kepulauan Bangka Belitung": ("WIB", ("babel", "bangka belitung", "bangka-belitung")),
    "Bengkulu": ("WIB", ()),
    "Lampung": ("WIB", ()),
    "DKI Jakarta": ("WIB", ("jakarta", "dki", "jakarta raya", "daerah khusus jakarta")),
    "Jawa Barat": ("WIB", ("jabar", "west java")),
    "Banten": ("WIB", ()),
    "Jawa Tengah": ("WIB", ("jateng", "central java")),
    "DI Yogyakarta": (
        "WIB",
        ("yogyakarta", "diy", "jogja", "jogjakarta", "daerah istimewa yogyakarta"),
    ),
    "Jawa Timur": ("WIB", ("jatim", "east java")),
    "Kalimantan Barat": ("WIB", ("kalbar", "west kalimantan")),
    "Kalimantan Tengah": ("WIB", ("kalteng", "central kalimantan")),
    "Bali": ("WITA", ()),
    "Nusa Tenggara Barat": ("WITA", ("ntb", "west nusa tenggara")),
    "Nusa Tenggara Timur": ("WITA", ("ntt", "east nusa tenggara")),
    "Kalimantan Selatan": ("WITA", ("kalsel", "south kalimantan")),
    "Kalimantan Timur": ("WITA", ("kaltim", "east kalimantan")),
    "Kalimantan Utara": ("WITA", ("kaltara", "north kalimantan")),
    "Sulawesi Utara": ("WITA", ("sulut", "north sulawesi")),
    "Gorontalo": ("WITA", ()),
    "Sulawesi Tengah": ("WITA", ("sulteng", "central sulawesi")),
    "Sulawesi Barat": ("WITA", ("sulbar", "west sulawesi")),
    "Sulawesi Selatan": ("WITA", ("sulsel", "south sulawesi")),
    "Sulawesi Tenggara": ("WITA", ("sultra", "southeast sulawesi")),
    "Maluku": ("WIT", ()),
    "Maluku Utara": ("WIT", ("malut", "north maluku")),
    "Papua": ("WIT", ()),
    "Papua Barat": ("WIT", ("west papua", "irian jaya barat")),
    "Papua Selatan": ("WIT", ("south papua",)),
    "Papua Tengah": ("WIT", ("central papua",)),
    "Papua Pegunungan": ("WIT", ("highland papua",)),
    "Papua Barat Daya": ("WIT", ("southwest papua",)),
}

_PREFIX = re.compile(r"^(?:provinsi|propinsi|prov)\b\.?\s*")
_NOISE = re.compile(r"[^a-z0-9]+")


def _key(text: str) -> str:
    text = _PREFIX.sub("", text.strip().lower())
    parts = _NOISE.sub(" ", text).split()
    if len(parts) > 1 and all(len(part) == 1 for part in parts):
        return "".join(parts)  # "N.T.T." → "ntt"
    return " ".join(parts)


_LOOKUP: dict[str, tuple[str, str]] = {}
for _name, (_zone, _aliases) in PROVINCES.items():
    for _alias in (_name, *_aliases):
        _LOOKUP[_key(_alias)] = (_name, _zone)


def province_zone(raw: str) -> tuple[str, str] | None:
    """``(official name, zone)`` for a province as written in a list, or None."""
    return _LOOKUP.get(_key(raw))
