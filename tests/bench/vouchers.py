"""Benchmark: vouchers issued a second, with the WhatsApp outbox write, under the quota.

What a ``pays_via_bukalapak`` outcome does for its voucher, in one transaction each:
``ledger.issue`` with the ``outbox.draft`` of its WhatsApp message (the customer's
voucher looked up, a generated code made unique, the voucher, its event and the message
inserted, the campaign's count raised below the quota — the row lock every issuer
queues on). The customer's name, bill and zone are read beforehand, as the outcome's
own query reads them with the call. ``CONCURRENCY`` issuers on as many connections,
``ISSUES`` distinct customers, a quota larger than that (``voucher_issue_per_s``).

The reference, in the same run, same concurrency: a bare transaction doing what exact
counting cannot do without — the same counter raised on the same row, and two rows
inserted (``voucher_vs_bare_ratio``).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from dialer.db import connect, create_pool
from dialer.vouchers import ledger, outbox
from tests.bench.claim import fresh_database, load_campaign, small_file

BENCH_DB = "dialer_bench_vouchers"
ISSUES = 5_000
CONCURRENCY = 16
NOW = datetime(2022, 9, 12, 3, 0, tzinfo=UTC)
VOUCHER = {
    "quota": 1_000_000,
    "expires": (NOW + timedelta(days=30)).isoformat(),
    "codes": "generated",
    "code_prefix": "BL",
    "code_length": 10,
}
WHATSAPP = {
    "sender": "whatsapp:+6281100000001",
    "content_sid": "HX" + "0" * 31 + "1",
    "variables": {"1": "customer_name", "2": "voucher_code", "3": "voucher_expiry"},
}
BARE = """
CREATE TABLE bare_counter (id int PRIMARY KEY, n bigint NOT NULL);
INSERT INTO bare_counter VALUES (1, 0);
CREATE TABLE bare_vouchers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                            target_id bigint UNIQUE, code text UNIQUE, at timestamptz);
CREATE TABLE bare_messages (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                            voucher_id bigint, body jsonb, at timestamptz);
"""


Work = list[tuple[int, int, int, dict[str, Any]]]


async def prepare(admin_url: str, url: str) -> tuple[int, Work]:
    """A campaign with its list; ``ISSUES`` pays_via_bukalapak outcomes (target, outcome,
    agent) waiting for their vouchers."""
    await fresh_database(admin_url, BENCH_DB, url)
    conn = await connect(url)
    try:
        await conn.execute(BARE)
        campaign_id, _ = await load_campaign(conn, "bench-vouchers", small_file(ISSUES, start=0))
        agent = await conn.fetchval(
            "INSERT INTO users (username, display_name, role) VALUES ('bench', 'Bench', 'agent')"
            " RETURNING id"
        )
        rows = await conn.fetch(
            "INSERT INTO outcomes (attempt_id, campaign_id, target_id, agent_id, code,"
            " hub_penerima, wa_number, recorded_at)"
            " SELECT id, campaign_id, id, $2, 'pays_via_bukalapak', 'YANG BERSANGKUTAN',"
            " msisdn, $3 FROM targets WHERE campaign_id = $1 ORDER BY id LIMIT $4"
            " RETURNING target_id, id, (SELECT row(name, bill_amount, zone) FROM targets t"
            "  WHERE t.id = target_id) AS customer",
            campaign_id,
            agent,
            NOW,
            ISSUES,
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return campaign_id, [
        (
            r["target_id"],
            r["id"],
            agent,
            dict(zip(("name", "bill_amount", "zone"), r["customer"], strict=True)),
        )
        for r in rows
    ]


async def issue_all(url: str, campaign_id: int, work: Work) -> float:
    pool = await create_pool(url, min_size=CONCURRENCY, max_size=CONCURRENCY)
    queue: asyncio.Queue[tuple[int, int, int, dict[str, Any]]] = asyncio.Queue()
    expires = datetime.fromisoformat(str(VOUCHER["expires"]))
    for item in work:
        queue.put_nowait(item)

    async def worker() -> None:
        async with pool.acquire() as conn:
            while not queue.empty():
                target, outcome, agent, customer = queue.get_nowait()
                async with conn.transaction():
                    issued = await ledger.issue(
                        conn,
                        campaign_id=campaign_id,
                        voucher=VOUCHER,
                        target_id=target,
                        outcome_id=outcome,
                        agent_id=agent,
                        wa_number="+6281200000001",
                        now=NOW,
                        message=outbox.draft(WHATSAPP, customer, expires),
                    )
                    assert issued.new

    try:
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return time.perf_counter() - started
    finally:
        await pool.close()


async def bare_all(url: str, work: Work) -> float:
    pool = await create_pool(url, min_size=CONCURRENCY, max_size=CONCURRENCY)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for target, *_ in work:
        queue.put_nowait(target)

    async def worker() -> None:
        async with pool.acquire() as conn:
            while not queue.empty():
                target = queue.get_nowait()
                async with conn.transaction():
                    await conn.execute("UPDATE bare_counter SET n = n + 1 WHERE id = 1")
                    voucher = await conn.fetchval(
                        "INSERT INTO bare_vouchers (target_id, code, at) VALUES ($1, $2, $3)"
                        " RETURNING id",
                        target,
                        f"BARE{target}",
                        NOW,
                    )
                    await conn.execute(
                        "INSERT INTO bare_messages (voucher_id, body, at) VALUES ($1, $2, $3)",
                        voucher,
                        '{"code": "x"}',
                        NOW,
                    )

    try:
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return time.perf_counter() - started
    finally:
        await pool.close()


async def check(url: str) -> dict[str, Any]:
    conn: asyncpg.Connection = await connect(url)
    try:
        return {
            "vouchers": await conn.fetchval("SELECT count(*) FROM vouchers"),
            "codes": await conn.fetchval("SELECT count(DISTINCT code) FROM vouchers"),
            "messages": await conn.fetchval("SELECT count(*) FROM messages"),
            "counted": await conn.fetchval("SELECT max(counted) FROM voucher_counts"),
        }
    finally:
        await conn.close()


def bench(admin_url: str, url: str) -> list[str]:
    campaign_id, work = asyncio.run(prepare(admin_url, url))
    seconds = asyncio.run(issue_all(url, campaign_id, work))
    found = asyncio.run(check(url))
    bare = asyncio.run(bare_all(url, work))
    rate, bare_rate = len(work) / seconds, len(work) / bare
    return [
        f"voucher_issue_per_s: {rate:.0f} vouchers/s ({len(work)} customers, {CONCURRENCY}"
        " concurrent issuers, each: voucher issued under the quota + WhatsApp message queued,"
        " one transaction; target >= 500/s)",
        f"voucher_check: {found['vouchers']} vouchers, {found['codes']} distinct codes,"
        f" {found['messages']} messages, counted {found['counted']}",
        f"bare_issue_per_s: {bare_rate:.0f} transactions/s (reference: one counter raised on"
        " one row + two rows inserted, same concurrency)",
        f"voucher_vs_bare_ratio: {rate / bare_rate:.2f} x",
    ]
