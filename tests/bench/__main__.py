"""``make bench``: the speed and memory figures, one ``name: value unit`` a line.

Uses DATABASE_URL when set (it only creates and drops its own ``dialer_bench``
database there), the embedded server otherwise. Figures, never pass/fail.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tests.bench import ingest

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    server = None
    if url:
        from tests.conftest import with_database

        admin_url, bench_url = url, with_database(url, ingest.BENCH_DB)
        where = "DATABASE_URL"
    else:
        from dialer.embedded_pg import EmbeddedPostgres

        server = EmbeddedPostgres(ROOT / ".dialer")
        server.start()
        admin_url, bench_url = server.url("postgres"), server.url(ingest.BENCH_DB)
        where = "embedded PostgreSQL"
    try:
        print(f"# server: {where}", flush=True)
        for line in ingest.bench(admin_url, bench_url, args.rows):
            print(line, flush=True)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
