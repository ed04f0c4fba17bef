"""A generated sample target list, with the problems a real CRM export has."""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from pathlib import Path

from dialer.campaigns.models import Campaign
from dialer.db import Connection
from dialer.rules.phones import normalize_mobile
from dialer.rules.zones import province_zone
from dialer.targets.service import ImportSummary, import_targets

FIRST = (
    "Budi",
    "Siti",
    "Agus",
    "Dewi",
    "Rudi",
    "Ani",
    "Joko",
    "Sri",
    "Andi",
    "Rina",
    "Made",
    "Wayan",
)
LAST = ("Santoso", "Wijaya", "Saputra", "Lestari", "Hidayat", "Pratama", "Kusuma", "Nugroho")
PROVINCES = (
    "DKI Jakarta",
    "Jawa Barat",
    "Jawa Tengah",
    "Jawa Timur",
    "Banten",
    "Bali",
    "Sulawesi Selatan",
    "Kalimantan Timur",
    "Papua",
    "Maluku",
    "Sumatera Utara",
    "NTB",
)
TIERS = ("Platinum", "Gold", "Platinum", "Gold", "Silver", "Diamond")
CHANNELS = ("Bukalapak", "Tokopedia", "Indomaret", "Alfamart", "LinkAja", "Autodebet", "myIndiHome")
HEADER = [
    "ID Pelanggan",
    "Nama Pelanggan",
    "No IndiHome",
    "No HP",
    "No WA",
    "Tier",
    "Produk",
    "Alamat",
    "Provinsi",
    "Bulan Tagihan",
    "Jumlah Tagihan",
    "Channel Bayar",
]
# Numbers the sample puts on the DNC list, so the scrub shows.
SAMPLE_DNC = ("081100000007", "081100000013")


def sample_rows(
    n: int,
    *,
    seed: int = 7,
    provinces: Sequence[str] = PROVINCES,
    tiers: Sequence[str] = TIERS,
) -> list[list[str]]:
    """``n`` customers (and, from 20, the flaws a real export has), their provinces and
    tiers taken in turn from ``provinces`` and ``tiers``."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        mobile = f"811{i:08d}"
        rows.append(
            [
                f"P{i:07d}",
                f"{rnd.choice(FIRST)} {rnd.choice(LAST)}",
                f"1220{i:08d}",
                ("0" + mobile, f"+62 {mobile[:3]}-{mobile[3:7]}-{mobile[7:]}", "62" + mobile)[
                    i % 3
                ],
                "" if i % 4 else "0" + mobile,
                tiers[i % len(tiers)],
                "Internet" if i % 5 else "Telepon",
                f"Jl. Merdeka No. {i % 300 + 1}, Kel. Sukamaju",
                provinces[i % len(provinces)],
                "2022-08",
                f"Rp {rnd.randrange(150, 2500) * 1000:,}".replace(",", "."),
                ", ".join(rnd.sample(CHANNELS, 2)),
            ]
        )
    # What real exports contain: a repeated customer, a bad number, an unknown province.
    if n >= 20:
        rows.append(list(rows[3]))
        rows.append([*rows[5][:3], "0812-ABC", *rows[5][4:]])
        rows.append([*rows[6][:8], "Atlantis", *rows[6][9:]])
        rows.append([*rows[8][:10], "-5000", *rows[8][11:]])
    return rows


def customer_zones(rows: Sequence[Sequence[str]]) -> dict[str, str]:
    """Each generated customer's mobile number (E.164) → the zone they live in (WIB,
    WITA, WIT), by the province of their row: what the simulated world knows of its
    customers (the simulated carrier's ``zone_of``), not what the service stored."""
    zones = {}
    for row in rows:
        number, found = normalize_mobile(row[3]), province_zone(row[8])
        if number is not None and found is not None:
            zones[number] = found[1]
    return zones


def write_sample(path: Path, n: int, rows: Sequence[Sequence[str]] | None = None) -> Path:
    """The sample list of ``n`` customers (or ``rows``) as the CRM exports it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(sample_rows(n) if rows is None else rows)
    return path


async def import_sample(
    conn: Connection,
    campaign: Campaign,
    path: Path,
    rows: int,
    customers: Sequence[Sequence[str]] | None = None,
) -> tuple[Path, ImportSummary]:
    """Write a sample list of ``rows`` customers (or the ``customers`` rows given) at
    ``path`` and import it into ``campaign`` (``dialer run`` and ``dialer demo``)."""
    sample = write_sample(path, rows, customers)
    summary = await import_targets(
        conn,
        campaign_id=campaign.id,
        tiers=campaign.tiers,
        path=sample,
        filename=sample.name,
        actor="demo",
    )
    return sample, summary
