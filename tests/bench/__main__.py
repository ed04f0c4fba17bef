"""``make bench``: the speed and memory figures, one ``name: value unit`` a line.

Uses DATABASE_URL when set (it only creates and drops its own ``dialer_bench*``
databases there), the embedded server otherwise. Figures, never pass/fail. Runs the
ingest benchmark, then the claim, the status-callback, the screen-pop, the bridge and
the voucher ones, the report, the graceful stop, the failover (two nodes, one
killed), a tick's pacing, the pacing modes on a simulated campaign day (about 90
minutes; ``--quick``: two virtual hours, about 18) and the forecast (the demo run to
its end, forecast at 25 % and 50 %); ``--only`` runs one.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tests.bench import (
    bridge,
    callbacks,
    claim,
    failover,
    forecast,
    ingest,
    pacing,
    pacing_tick,
    pop,
    report,
    stop,
    vouchers,
)

BENCHES = (
    "ingest",
    "claim",
    "callbacks",
    "pop",
    "bridge",
    "vouchers",
    "report",
    "stop",
    "failover",
    "pacing_tick",
    "forecast",
    "pacing",
)

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument("--rows", type=int, default=1_000_000, help="ingest: rows of the list")
    parser.add_argument("--only", choices=BENCHES, help="run this benchmark alone")
    parser.add_argument(
        "--explain", action="store_true", help="claim: print the plan of one claim, as # lines"
    )
    parser.add_argument(
        "--quick", action="store_true", help="pacing: two virtual hours (09:00-11:00) a run"
    )
    parser.add_argument(
        "--agents", help="pacing: agent counts, comma-separated (default 10,50)", default="10,50"
    )
    parser.add_argument(
        "--modes",
        help="pacing: modes, comma-separated (default progressive,power,predictive)",
        default=",".join(pacing.MODES),
    )
    parser.add_argument(
        "--speed", type=float, help="pacing: virtual seconds a real second (default per agents)"
    )
    parser.add_argument(
        "--profile", type=Path, default=pacing.PROFILE, help="pacing: the customers (TOML)"
    )
    args = parser.parse_args()
    from tests.conftest import with_database

    url = os.environ.get("DATABASE_URL")
    server = None
    if url:
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
        for name in [args.only] if args.only else BENCHES:
            print(f"# {name}, load average {os.getloadavg()[0]:.2f}", flush=True)
            if name == "ingest":
                lines = ingest.bench(admin_url, bench_url, args.rows)
            elif name == "claim":
                claim_url = with_database(bench_url, claim.CLAIM_DB)
                lines = claim.bench(admin_url, claim_url, explain=args.explain)
            elif name == "callbacks":
                lines = callbacks.bench(admin_url, with_database(bench_url, callbacks.BENCH_DB))
            elif name == "pop":
                lines = pop.bench(admin_url, with_database(bench_url, pop.BENCH_DB))
            elif name == "bridge":
                lines = bridge.bench(admin_url, with_database(bench_url, bridge.BENCH_DB))
            elif name == "vouchers":
                lines = vouchers.bench(admin_url, with_database(bench_url, vouchers.BENCH_DB))
            elif name == "stop":
                lines = stop.bench(admin_url, with_database(bench_url, stop.BENCH_DB))
            elif name == "report":
                lines = report.bench(admin_url, with_database(bench_url, report.BENCH_DB))
            elif name == "pacing_tick":
                lines = pacing_tick.bench(admin_url, with_database(bench_url, pacing_tick.BENCH_DB))
            elif name == "forecast":
                lines = forecast.bench(admin_url, with_database(bench_url, forecast.BENCH_DB))
            elif name == "pacing":
                lines = pacing.bench(
                    admin_url,
                    with_database(bench_url, pacing.BENCH_DB),
                    quick=args.quick,
                    agents=tuple(int(n) for n in args.agents.split(",")),
                    modes=tuple(m.strip() for m in args.modes.split(",")),
                    speed=args.speed,
                    profile=args.profile,
                )
            else:
                lines = failover.bench(admin_url, with_database(bench_url, failover.BENCH_DB))
            for line in lines:
                print(line, flush=True)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
