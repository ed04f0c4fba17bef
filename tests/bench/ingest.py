"""Benchmark: a generated 1,000,000-row CSV imported end to end, beside psql ``\\copy``.

Run through ``make bench`` (``python -m tests.bench``). The import runs in a child
process so its peak memory is measured alone (the child's own peak and that of its
worker processes, whichever is larger). The reference, measured in the same run on the
same server, is psql ``\\copy`` of the same file into a bare table of text columns.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import asyncpg

from dialer.db import connect, migrate
from tests.bench.gen import HEADER, write_csv

ROOT = Path(__file__).resolve().parents[2]
BENCH_DB = "dialer_bench"


def sample_file(rows: int) -> Path:
    """The generated list, cached under .dialer/bench by row count."""
    path = ROOT / ".dialer" / "bench" / f"targets-{rows}.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        write_csv(tmp, rows)
        tmp.rename(path)
    return path


async def fresh_database(admin_url: str, url: str) -> None:
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{BENCH_DB}"')
    finally:
        await admin.close()
    conn = await connect(url)
    try:
        await migrate(conn)
        await conn.execute(
            "CREATE TABLE copy_reference (" + ", ".join(f"{h} text" for h in HEADER) + ")"
        )
    finally:
        await conn.close()


def copy_reference(url: str, path: Path) -> float:
    """Seconds for psql to ``\\copy`` the file into the bare table."""
    started = time.perf_counter()
    subprocess.run(
        [
            "psql",
            url,
            "-v",
            "ON_ERROR_STOP=1",
            "-qc",
            f"\\copy copy_reference FROM '{path}' WITH (FORMAT csv, HEADER true)",
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def run_import(url: str, path: Path) -> dict[str, float]:
    """Run the import in a child process; its JSON report on stdout."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.ingest_child", url, str(path)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    report: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def bench(admin_url: str, url: str, rows: int) -> list[str]:
    path = sample_file(rows)
    asyncio.run(fresh_database(admin_url, url))
    reference = copy_reference(url, path)
    report = run_import(url, path)
    seconds = report["seconds"]
    return [
        f"ingest_rows: {rows} rows ({report['accepted']:.0f} accepted, the rest out of tier)",
        f"ingest_seconds: {seconds:.2f} s (target <= 10 s for 1,000,000 rows)",
        f"ingest_rows_per_s: {rows / seconds:.0f} rows/s",
        f"copy_reference_seconds: {reference:.2f} s (psql \\copy of the same file into a bare table)",
        f"ingest_vs_copy_ratio: {seconds / reference:.2f} x",
        f"ingest_peak_rss_mb: {report['peak_rss_mb']:.0f} MB (importing process or its worker,"
        " whichever is larger; target <= 300 MB)",
    ]
