"""Benchmark: the pacer's claim of 100 due targets, with 1,000,000 targets and 10,000.

Two started campaigns (the seed definition under another name) in one database, their
lists loaded through the real importer: 1,000,000 targets (a generated list of
1,500,000 rows, a third of them out of tier) and 10,000 targets (other numbers). Each
claim is ``claim_targets`` exactly as ``Dialer.dial_campaign`` sends it, in a
transaction of its own (BEGIN, claim 100, COMMIT) on one connection, at a moment when
every zone's calling window is open. Claimed targets stay ``dialing``, so each claim
takes the next ones; the small list would run dry, so every 50 claims (untimed) its
calls are ended and its targets made ready again. The reference, measured in the same
run, is a bare ``SELECT id ... ORDER BY id LIMIT 100`` of ready targets.
"""

from __future__ import annotations

import asyncio
import csv
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from dialer.campaigns import service as campaigns
from dialer.db import Connection, connect, migrate, q
from dialer.rules.window import Calendar, open_zones
from dialer.targets.service import import_targets
from tests.bench.gen import HEADER, rows
from tests.bench.ingest import sample_file

ROOT = Path(__file__).resolve().parents[2]
CLAIM_DB = "dialer_bench_claim"
SEED = ROOT / "campaigns" / "001_obc_bukalapak_voucher.toml"
# Monday 5 September 2022, 10:00 WIB (11:00 WITA, 12:00 WIT): every zone may be called.
NOW = datetime(2022, 9, 5, 3, 0, tzinfo=UTC)
BATCH = 100
WARMUP = 20
CLAIMS = 300
RECYCLE_EVERY = 50  # claims; the 10,000-target list is used again after 5,000 targets
CARRIER, NODE = "bench", "bench-node"
REFERENCE_SQL = (
    "SELECT id FROM targets WHERE campaign_id = $1 AND state = 'ready' ORDER BY id LIMIT 100"
)
LIVE = "('queued', 'dialing', 'ringing', 'in-progress')"


def small_file(targets: int, start: int) -> Path:
    """A list whose numbers start at row ``start`` of the generator (so they differ from
    the big list's), ``targets`` of them in tier; cached under .dialer/bench."""
    n = targets * 3 // 2
    path = ROOT / ".dialer" / "bench" / f"targets-{n}-from-{start}.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(HEADER)
            writer.writerows(rows(n, seed=2, start=start))
        tmp.rename(path)
    return path


async def fresh_database(admin_url: str, name: str, url: str) -> None:
    """Drop and create the benchmark's own database, migrated."""
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    conn = await connect(url)
    try:
        await migrate(conn)
    finally:
        await conn.close()


async def load_campaign(conn: Connection, name: str, path: Path) -> tuple[int, int]:
    """A started campaign (the seed definition, renamed) with the list at ``path``;
    returns (campaign id, targets accepted)."""
    data = campaigns.load_toml(SEED) | {"name": name}
    campaign, _, _ = await campaigns.apply(
        conn, data, actor="bench", source="bench", scripts_dir=ROOT / "scripts"
    )
    summary = await import_targets(
        conn,
        campaign_id=campaign.id,
        tiers=campaign.tiers,
        path=path,
        filename=path.name,
        actor="bench",
    )
    await campaigns.transition(conn, campaign.id, "start", actor="bench")
    return campaign.id, summary.accepted


def zones_open(definition: dict[str, object]) -> list[str]:
    """The zones the pacer would claim for at NOW (all three)."""
    from dialer.campaigns.models import STORED_EXTRAS
    from dialer.campaigns.schemas import CampaignDefinition

    spec = CampaignDefinition.model_validate(
        {k: v for k, v in definition.items() if k not in STORED_EXTRAS}
    )
    return sorted(open_zones(Calendar.from_definition(spec), NOW))


async def recycle(conn: Connection, campaign_id: int) -> None:
    """End the campaign's live calls and make its claimed targets ready again."""
    async with conn.transaction():
        await conn.execute(
            "UPDATE attempts SET state = 'no-answer', result = 'no_answer', ended_at = $2,"
            f" updated_at = $2 WHERE campaign_id = $1 AND state IN {LIVE}",
            campaign_id,
            NOW,
        )
        await conn.execute(
            "UPDATE targets SET state = 'ready' WHERE campaign_id = $1 AND state = 'dialing'",
            campaign_id,
        )


async def time_claims(
    conn: Connection,
    campaign_id: int,
    zones: Sequence[str],
    count: int,
    *,
    sql: str | None = None,
    recycle_every: int = 0,
) -> list[float]:
    """Seconds of each of ``count`` claims, each BEGIN / claim 100 / COMMIT."""
    sql = sql or q("claim_targets")
    seconds: list[float] = []
    for i in range(count):
        if recycle_every and i and i % recycle_every == 0:
            await recycle(conn, campaign_id)
        started = time.perf_counter()
        async with conn.transaction():
            claimed = await conn.fetch(sql, campaign_id, zones, BATCH, NOW, CARRIER, NODE)
        seconds.append(time.perf_counter() - started)
        if len(claimed) != BATCH:
            raise RuntimeError(f"claim {i} of campaign {campaign_id} got {len(claimed)} targets")
    return seconds


async def time_reference(conn: Connection, campaign_id: int, count: int) -> list[float]:
    seconds: list[float] = []
    for _ in range(count):
        started = time.perf_counter()
        found = await conn.fetch(REFERENCE_SQL, campaign_id)
        seconds.append(time.perf_counter() - started)
        assert len(found) == BATCH
    return seconds


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank), in milliseconds."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank] * 1000


async def explain(
    conn: Connection,
    campaign_id: int,
    zones: Sequence[str],
    *,
    sql: str | None = None,
    generic: bool = False,
) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of one claim, rolled back; ``generic`` plans it as a
    prepared statement does after five runs (PostgreSQL's generic plan)."""
    tx = conn.transaction()
    await tx.start()
    try:
        if generic:
            await conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        plan = await conn.fetch(
            "EXPLAIN (ANALYZE, BUFFERS) " + (sql or q("claim_targets")),
            campaign_id,
            list(zones),
            BATCH,
            NOW,
            CARRIER,
            NODE,
        )
    finally:
        await tx.rollback()
    return [r[0] for r in plan]


async def run(admin_url: str, url: str, big: int, small: int) -> dict[str, object]:
    big_path = sample_file(big * 3 // 2)
    small_path = small_file(small, start=big * 3 // 2)
    await fresh_database(admin_url, CLAIM_DB, url)
    conn = await connect(url)
    try:
        big_id, big_accepted = await load_campaign(conn, "bench-claim-1m", big_path)
        small_id, small_accepted = await load_campaign(conn, "bench-claim-10k", small_path)
        await conn.execute("ANALYZE targets")
        await conn.execute("ANALYZE attempts")
        definition = await conn.fetchval(q("campaign_definition"), big_id)
        zones = zones_open(definition)

        await time_claims(conn, big_id, zones, WARMUP)
        big_times = await time_claims(conn, big_id, zones, CLAIMS)
        await time_claims(conn, small_id, zones, WARMUP)
        await recycle(conn, small_id)
        small_times = await time_claims(conn, small_id, zones, CLAIMS, recycle_every=RECYCLE_EVERY)
        await time_reference(conn, big_id, WARMUP)
        reference = await time_reference(conn, big_id, CLAIMS)
    finally:
        await conn.close()
    return {
        "big": big_accepted,
        "small": small_accepted,
        "big_times": big_times,
        "small_times": small_times,
        "reference": reference,
    }


def bench(admin_url: str, url: str, big: int = 1_000_000, small: int = 10_000) -> list[str]:
    r = asyncio.run(run(admin_url, url, big, small))
    big_times, small_times, reference = r["big_times"], r["small_times"], r["reference"]
    assert isinstance(big_times, list) and isinstance(small_times, list)
    assert isinstance(reference, list)
    p99_big, p99_small = percentile(big_times, 99), percentile(small_times, 99)
    p99_ref = percentile(reference, 99)
    return [
        f"claim_targets: {r['big']} and {r['small']} targets (two running campaigns, one"
        f" database; {CLAIMS} claims of {BATCH} each after {WARMUP} warm-up,"
        " each BEGIN / claim_targets / COMMIT)",
        f"claim_p50_ms_1m: {percentile(big_times, 50):.2f} ms",
        f"claim_p99_ms_1m: {p99_big:.2f} ms (target <= 10 ms)",
        f"claim_p50_ms_10k: {percentile(small_times, 50):.2f} ms",
        f"claim_p99_ms_10k: {p99_small:.2f} ms",
        f"claim_growth_ratio: {p99_big / p99_small:.2f} x (p99 with 1,000,000 targets over"
        " p99 with 10,000; target <= 2)",
        f"claim_reference_p99_ms: {p99_ref:.2f} ms (bare SELECT id of 100 ready targets"
        " ORDER BY id, 1,000,000-target campaign)",
        f"claim_vs_select_ratio: {p99_big / p99_ref:.2f} x",
    ]
