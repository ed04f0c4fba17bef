"""Benchmark: the pacer's claim of 100 due targets, with 1,000,000 targets and 10,000.

Two started campaigns (the seed definition under other names) in one database of their
own, their lists loaded through the real importer: 1,000,000 targets (a generated list
of 1,500,000 rows, a third of them out of tier) and 10,000 targets (other numbers). A
claim is ``claim_targets`` exactly as ``Dialer.dial_campaign`` sends it (asyncpg's
cached prepared statement), in a transaction of its own — BEGIN, claim 100, COMMIT —
at a moment every zone's calling window is open. Claimed targets are on a live call,
which the claim skips, so each claim takes the next ones. Between claims, untimed, the calls of the claim before
last end unanswered (their targets wait for a retry), so about 200 calls are live, as
on a running campaign; when the small list has fewer than 100 ready targets left, its
retries come due (``promote_due``). The two campaigns and the reference — a bare
``SELECT id ... ORDER BY id LIMIT 100`` of ready targets — are measured in the same
run, interleaved in blocks of ten.
"""

from __future__ import annotations

import asyncio
import csv
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from dialer.campaigns import service as campaigns
from dialer.campaigns.models import calendar_of
from dialer.db import Connection, connect, migrate, q
from dialer.rules.window import open_zones
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
BLOCK = 10  # claims on one campaign in a row
LIVE_CLAIMS = 2  # a claim's calls end (unanswered) two claims later
RETRY_AFTER = timedelta(hours=2)  # the seed campaign's no_answer delay
CARRIER, NODE = "bench", "bench-node"
REFERENCE_SQL = (
    "SELECT id FROM targets WHERE campaign_id = $1 AND state = 'ready' ORDER BY id LIMIT 100"
)


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


async def load_campaign(
    conn: Connection, name: str, path: Path, *, start: bool = True
) -> tuple[int, int]:
    """A campaign (the seed definition, renamed), started unless ``start`` is false,
    with the list at ``path``; returns (campaign id, targets accepted)."""
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
    if start:
        await campaigns.transition(conn, campaign.id, "start", actor="bench")
    return campaign.id, summary.accepted


def zones_open(definition: dict[str, object]) -> list[str]:
    """The zones the pacer would claim for at NOW (all three)."""
    from dialer.campaigns.models import STORED_EXTRAS
    from dialer.campaigns.schemas import CampaignDefinition

    spec = CampaignDefinition.model_validate(
        {k: v for k, v in definition.items() if k not in STORED_EXTRAS}
    )
    return sorted(open_zones(calendar_of(spec), NOW))


@dataclass
class Dialling:
    """One campaign being dialled: its calls in flight and its ready targets."""

    campaign_id: int
    targets: int
    zones: list[str]
    ready: int = -1
    live: deque[list[asyncpg.Record]] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self.ready = self.targets if self.ready < 0 else self.ready


async def end_calls(conn: Connection, campaign_id: int, claimed: list[asyncpg.Record]) -> None:
    """The calls of one claim end unanswered: attempts closed, targets retried later."""
    async with conn.transaction():
        await conn.execute(
            "UPDATE attempts SET state = 'no-answer', result = 'no_answer', ended_at = $2,"
            " updated_at = $2 WHERE id = ANY($1::bigint[])",
            [r["id"] for r in claimed],
            NOW,
        )
        await conn.execute(
            "UPDATE targets SET state = 'scheduled', next_attempt_at = $3,"
            " last_result = 'no_answer', attempts = attempts + 1"
            " WHERE campaign_id = $1 AND id = ANY($2::bigint[]) AND state = 'ready'",
            campaign_id,
            [r["target_id"] for r in claimed],
            NOW + RETRY_AFTER,
        )


async def promote(conn: Connection, campaign_id: int) -> int:
    """Every retry comes due (as hours later): ``promote_due``, as the pacer runs it."""
    promoted = 0
    while True:
        status = await conn.execute(q("promote_due"), campaign_id, NOW + 2 * RETRY_AFTER)
        done = int(status.split()[-1])
        promoted += done
        if done < 10_000:
            return promoted


async def time_claims(
    conn: Connection, dialling: Dialling, count: int, *, sql: str | None = None
) -> list[float]:
    """Seconds of each of ``count`` claims, each BEGIN / claim 100 / COMMIT. Between
    claims (untimed) the calls of the claim before last end, and when fewer than a
    batch of targets is ready the retries come due."""
    sql = sql or q("claim_targets")
    seconds: list[float] = []
    for _ in range(count):
        if len(dialling.live) >= LIVE_CLAIMS:
            await end_calls(conn, dialling.campaign_id, dialling.live.popleft())
        if dialling.ready < BATCH:
            dialling.ready += await promote(conn, dialling.campaign_id)
        started = time.perf_counter()
        async with conn.transaction():
            claimed = await conn.fetch(
                sql, dialling.campaign_id, dialling.zones, BATCH, NOW, CARRIER, NODE
            )
        seconds.append(time.perf_counter() - started)
        if len(claimed) != BATCH:
            raise RuntimeError(f"a claim got {len(claimed)} targets, not {BATCH}")
        dialling.live.append(claimed)
        dialling.ready -= len(claimed)
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


async def prepare(admin_url: str, url: str, big: int, small: int) -> tuple[Dialling, Dialling]:
    """A fresh database with both campaigns loaded and analysed."""
    big_path = sample_file(big * 3 // 2)
    small_path = small_file(small, start=big * 3 // 2)
    await fresh_database(admin_url, CLAIM_DB, url)
    conn = await connect(url)
    try:
        big_id, big_accepted = await load_campaign(conn, "bench-claim-1m", big_path)
        small_id, small_accepted = await load_campaign(conn, "bench-claim-10k", small_path)
        await conn.execute("ANALYZE targets")
        # The load's dirty pages written now, not during the measurement.
        await conn.execute("CHECKPOINT")
        zones = zones_open(await conn.fetchval(q("campaign_definition"), big_id))
    finally:
        await conn.close()
    return Dialling(big_id, big_accepted, zones), Dialling(small_id, small_accepted, zones)


async def measure(
    url: str, big: Dialling, small: Dialling, plan: list[str] | None = None
) -> dict[str, list[float]]:
    """Claims on both campaigns and the reference, interleaved in blocks of ten so that
    a noisy neighbour on the machine weighs on all three alike; with ``plan``, the
    EXPLAIN (ANALYZE, BUFFERS) of one more claim on the big campaign goes there."""
    conn = await connect(url)
    try:
        await time_claims(conn, big, WARMUP)
        await time_claims(conn, small, WARMUP)
        await time_reference(conn, big.campaign_id, WARMUP)
        # What autovacuum would have done by now on a running system.
        await conn.execute("ANALYZE targets, attempts")
        times: dict[str, list[float]] = {"big": [], "small": [], "reference": []}
        for _ in range(CLAIMS // BLOCK):
            times["big"] += await time_claims(conn, big, BLOCK)
            times["small"] += await time_claims(conn, small, BLOCK)
            times["reference"] += await time_reference(conn, big.campaign_id, BLOCK)
        if plan is not None:
            plan += await explain(conn, big.campaign_id, big.zones)
    finally:
        await conn.close()
    return times


def bench(
    admin_url: str, url: str, big: int = 1_000_000, small: int = 10_000, *, explain: bool = False
) -> list[str]:
    big_dialling, small_dialling = asyncio.run(prepare(admin_url, url, big, small))
    plan: list[str] | None = [] if explain else None
    times = asyncio.run(measure(url, big_dialling, small_dialling, plan))
    p99_big, p99_small = percentile(times["big"], 99), percentile(times["small"], 99)
    p99_ref = percentile(times["reference"], 99)
    return [
        f"claim_targets: {big_dialling.targets} and {small_dialling.targets} targets (two"
        f" running campaigns, one database; {CLAIMS} claims of {BATCH} on each after"
        f" {WARMUP} warm-up, each BEGIN / claim_targets / COMMIT)",
        f"claim_p50_ms_1m: {percentile(times['big'], 50):.2f} ms",
        f"claim_p99_ms_1m: {p99_big:.2f} ms (target <= 10 ms)",
        f"claim_p50_ms_10k: {percentile(times['small'], 50):.2f} ms",
        f"claim_p99_ms_10k: {p99_small:.2f} ms",
        f"claim_growth_ratio: {p99_big / p99_small:.2f} x (p99 with 1,000,000 targets over"
        " p99 with 10,000; target <= 2)",
        f"claim_reference_p99_ms: {p99_ref:.2f} ms (bare SELECT id of 100 ready targets"
        " ORDER BY id, same campaign, same run)",
        f"claim_vs_select_ratio: {p99_big / p99_ref:.2f} x",
        *(f"# {line}" for line in plan or []),
    ]
