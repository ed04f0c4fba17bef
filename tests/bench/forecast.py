"""Benchmark: the campaign forecast against what happened (issue 21).

Runs the demo machinery (``dialer/cli/demo.py``: the real service on a virtual clock,
bot agents, the simulated carrier) on the seed campaign with ``TARGETS`` generated
targets and ``SEATS`` bot agents at ``SPEED`` times real time, until every target is
finished. When 25 % and when 50 % of the targets are finished it takes the forecast's
inputs (``forecast/repo.observe``, at the virtual clock's now); after the run it
forecasts from each (the model is pure, so it runs after the demo and takes none of the
demo's CPU) and compares the predicted end of the list with the actual one — the end of
the last target's last call or outcome:

    error = |predicted − actual| / (actual − start) × 100

``start`` is the demo's start (the period's first calling hour). Beside each, the naive
reference measured in the same run: a straight line through the targets finished per
hour so far. Targets: at most 25 % at the 25 % point, 15 % at the 50 % point.

``python -m tests.bench.forecast [--pacing progressive|power|predictive] [--abandon-wait
2h]`` runs it alone on ``DATABASE_URL``'s server, the seed campaign paced as asked and
an abandoned customer redialled after the wait asked (not the 72 h window, which
otherwise decides when the list ends).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg

from dialer.campaigns.models import Campaign
from dialer.cli import seed
from dialer.cli.demo import SEED, DemoOptions, run_demo
from dialer.db import Pool, q
from dialer.forecast.models import Observed
from dialer.forecast.repo import observe
from dialer.forecast.service import forecast
from dialer.settings import Settings
from tests.bench.claim import fresh_database

BENCH_DB = "dialer_bench_forecast"
ROOT = Path(__file__).resolve().parents[2]
TARGETS = 1000  # generated rows; about two thirds are in the campaign's tiers
SEATS = 10
SPEED = 100.0
POINTS = (25, 50)
TARGET_PCT = {25: 25.0, 50: 15.0}


class Snapshots:
    """The forecast's inputs taken as the run passes 25 % and 50 % of targets finished."""

    def __init__(self) -> None:
        self.start: datetime | None = None
        self.taken: dict[int, tuple[Observed, float]] = {}

    async def __call__(self, pool: Pool, campaign: Campaign, now: datetime) -> None:
        if self.start is None:
            self.start = now
        if len(self.taken) == len(POINTS):
            return
        async with pool.acquire() as conn:
            totals = await conn.fetchrow(q("forecast_totals"), campaign.id)
            assert totals is not None
            share = totals["done"] / totals["total"] if totals["total"] else 0.0
            for point in POINTS:
                if point not in self.taken and share * 100 >= point:
                    self.taken[point] = (await observe(conn, campaign, now=now), share)


async def actual_end(url: str, campaign: str) -> datetime:
    """When the campaign's last target finished: its last call's end or outcome."""
    conn = await asyncpg.connect(url)
    try:
        found: datetime = await conn.fetchval(
            "SELECT greatest((SELECT max(a.ended_at) FROM attempts a WHERE a.campaign_id = c.id),"
            " (SELECT max(o.recorded_at) FROM outcomes o WHERE o.campaign_id = c.id))"
            " FROM campaigns c WHERE c.name = $1",
            campaign,
        )
        return found
    finally:
        await conn.close()


def campaigns_dir(home: Path, pacing_mode: str | None, abandon_wait: str | None) -> Path:
    """The campaigns the demo applies: the project's, or a copy of the seed campaign
    paced in ``pacing_mode`` and/or redialling an abandoned customer after
    ``abandon_wait`` (instead of the 72 h abandon-retry window)."""
    if pacing_mode is None and abandon_wait is None:
        return ROOT / "campaigns"
    folder = home / "campaigns"
    folder.mkdir()
    text = (ROOT / "campaigns" / SEED).read_text(encoding="utf-8")
    if pacing_mode is not None:
        text = re.sub(r'(?m)^pacing_mode = "\w+"', f'pacing_mode = "{pacing_mode}"', text)
    if abandon_wait is not None:
        text = re.sub(
            r'(?m)^abandoned = \{ delay = "\w+"',
            f'abandon_retry_window = "{abandon_wait}"\nabandoned = {{ delay = "{abandon_wait}"',
            text,
        )
    (folder / SEED).write_text(text, encoding="utf-8")
    return folder


async def measure(
    admin_url: str, url: str, pacing_mode: str | None = None, abandon_wait: str | None = None
) -> dict[str, Any]:
    await fresh_database(admin_url, BENCH_DB, url)
    marking = await asyncpg.connect(url)  # the demo works only on a demo's database
    try:
        await marking.execute(q("mark_demo_database"))
    finally:
        await marking.close()
    snapshots = Snapshots()
    with tempfile.TemporaryDirectory() as home:
        settings = seed.with_demo_secrets(
            Settings(
                database={"url": url},
                home=Path(home),
                campaigns_dir=campaigns_dir(Path(home), pacing_mode, abandon_wait),
                scripts_dir=ROOT / "scripts",
            )
        )
        began = time.monotonic()
        result = await run_demo(
            settings,
            url,
            DemoOptions(targets=TARGETS, seats=SEATS, speed=SPEED, until_done=True),
            observe=snapshots,
        )
        real = time.monotonic() - began
    demo = result["demo"]
    end = await actual_end(url, demo["campaign"])
    return {"demo": demo, "end": end, "snapshots": snapshots, "real_seconds": real}


def bench(
    admin_url: str, url: str, pacing_mode: str | None = None, abandon_wait: str | None = None
) -> list[str]:
    found = asyncio.run(measure(admin_url, url, pacing_mode, abandon_wait))
    demo, end, snapshots = found["demo"], found["end"], found["snapshots"]
    start: datetime = demo["started_at"]
    span = (end - start).total_seconds()
    lines = [
        f"forecast_demo: {demo['targets']} generated targets, {demo['seats']} bot agents,"
        f" pacing {pacing_mode or 'as the seed campaign says'},"
        f" abandoned redialled after {abandon_wait or '72h'},"
        f" {demo['speed']:g}x; {demo['finished_because']}; started {start:%Y-%m-%d %H:%M},"
        f" last target finished {end:%Y-%m-%d %H:%M} UTC ({span / 3600:.1f} virtual h,"
        f" {found['real_seconds']:.0f} real s)"
    ]
    for point in POINTS:
        if point not in snapshots.taken:
            lines.append(f"forecast_error_pct_at_{point}: - (the run never reached {point} %)")
            continue
        seen, share = snapshots.taken[point]
        began = time.monotonic()
        figures = forecast(seen)
        took = time.monotonic() - began
        exhausted = figures["exhausted"]
        predicted: datetime | None = exhausted.get("at")
        elapsed = (seen.now - start).total_seconds()
        naive = start.timestamp() + elapsed / share  # the finished share, a straight line
        naive_error = abs(naive - end.timestamp()) / span * 100
        if predicted is None:
            lines.append(
                f"forecast_error_pct_at_{point}: - (forecast: {exhausted['status']}; naive"
                f" straight line {naive_error:.1f} %)"
            )
            continue
        error = abs((predicted - end).total_seconds()) / span * 100
        low, high = exhausted["low"], exhausted["high"]
        inside = low is not None and low <= end and (high is None or end <= high)
        lines.append(
            f"forecast_error_pct_at_{point}: {error:.1f} % (predicted {predicted:%m-%d %H:%M},"
            f" range {low:%m-%d %H:%M} – {_at(high)}, actual inside: {'yes' if inside else 'no'};"
            f" taken at {seen.now:%m-%d %H:%M}, {share:.0%} finished; naive straight line"
            f" {naive_error:.1f} %; target <= {TARGET_PCT[point]:.0f} %; model {took:.1f} s)"
        )
    return lines


def _at(moment: datetime | None) -> str:
    return "after the end" if moment is None else f"{moment:%m-%d %H:%M}"


if __name__ == "__main__":
    from tests.conftest import with_database

    parser = argparse.ArgumentParser(prog="python -m tests.bench.forecast")
    parser.add_argument("--pacing", choices=("progressive", "power", "predictive"))
    parser.add_argument("--abandon-wait", help="redial an abandoned customer after this (2h)")
    args = parser.parse_args()
    admin = os.environ["DATABASE_URL"]
    for line in bench(admin, with_database(admin, BENCH_DB), args.pacing, args.abandon_wait):
        print(line, flush=True)
