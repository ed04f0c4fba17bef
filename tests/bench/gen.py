"""Generate realistic target lists for benchmarks, demos and tests."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from pathlib import Path

from dialer.cli.sample import CHANNELS, FIRST, LAST, PROVINCES, TIERS
from dialer.rules.vocabulary import CUSTOMER_COLUMNS as FIELDS

HEADER = list(FIELDS)


def rows(n: int, *, seed: int = 1, start: int = 0) -> Iterator[list[str]]:
    """``n`` distinct, valid rows in the usual mix of forms."""
    rnd = random.Random(seed)
    for i in range(start, start + n):
        mobile = f"81{i:09d}"  # distinct, valid Indonesian mobile numbers
        form = i % 3
        msisdn = ("0" + mobile, "+62 " + mobile[:3] + "-" + mobile[3:], "62" + mobile)[form]
        amount = rnd.randrange(150, 2500) * 1000
        yield [
            f"C{i:08d}",
            f"{rnd.choice(FIRST)} {rnd.choice(LAST)}",
            f"1{i:011d}",
            msisdn,
            "" if i % 4 else "0" + mobile,
            TIERS[i % len(TIERS)],
            "internet" if i % 5 else "telepon",
            f"Jl. Merdeka No. {i % 300 + 1}",
            PROVINCES[i % len(PROVINCES)],
            "2022-08",
            f"Rp {amount:,}".replace(",", ".") if i % 2 else str(amount),
            "|".join(rnd.sample(CHANNELS, 2)),
        ]


def write_csv(path: Path, n: int, *, seed: int = 1, delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(HEADER)
        writer.writerows(rows(n, seed=seed))
    return path
