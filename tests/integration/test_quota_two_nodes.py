"""The voucher quota is exact across two real service nodes.

A thousand agents, each on a call with a different customer, all record
``pays_via_bukalapak`` at once through the HTTP API — half on one ``dialer serve``
process, half on another, both on the same database. Exactly the quota's vouchers are
issued (each with its one code, event and WhatsApp message), every other outcome is
still recorded and its agent told plainly that no voucher was issued. Three rounds
(generated codes with the seed's quota of 50, the partner's pool, a quota of one), on
the same two nodes, so a race has three chances to show.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import unused_port

from dialer.auth import service as auth
from dialer.vouchers import ledger
from tests import node_secrets
from tests.factories import Factory, row
from tests.integration.test_outcomes import COMMON

ROOT = Path(__file__).resolve().parents[2]
AGENTS = 1_000
ROUNDS = [
    {"quota": 50, "codes": "generated"},
    {"quota": 50, "codes": "pool", "pool": 80},
    {"quota": 1, "codes": "generated"},
]


@asynccontextmanager
async def serving(
    name: str, home: Path, db_url: str, extra: dict[str, str] | None = None
) -> AsyncIterator[str]:
    """A ``dialer serve`` node on the test's database (its pacer and reconciler idle);
    ``extra``: more of its settings."""
    port = unused_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALER_")}
    env |= {
        "DATABASE_URL": db_url,
        "DIALER_HOME": str(home),
        "DIALER_SERVER__PUBLIC_URL": base,
        "DIALER_SERVER__NODE_NAME": name,
        "DIALER_PACING__TICK_SECONDS": "3600",
        "DIALER_PACING__RECONCILE_SECONDS": "3600",
        "DIALER_SERVER__LOG_LEVEL": "WARNING",
    } | node_secrets.ENVIRONMENT
    env |= extra or {}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "dialer",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(240):
                assert process.returncode is None, "the node exited at start"
                try:
                    async with http.get(base + "/readyz") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.25)
            else:
                raise AssertionError(f"node {name} not ready after 60 s")
        yield base
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


async def on_calls(
    conn: asyncpg.Connection, factory: Factory, agents: list[int], spec: dict[str, Any], n: int
) -> int:
    """A campaign with ``spec``'s voucher, and each agent on an answered call with a
    different customer of it."""
    now = datetime.now(UTC)
    voucher = {
        "quota": spec["quota"],
        "codes": spec["codes"],
        "expires": (now + timedelta(days=30)).isoformat(),
    }
    campaign = await factory.create_campaign(name=f"quota-{n}", voucher=voucher)
    await factory.create_targets(campaign, [row(n * AGENTS + i) for i in range(AGENTS)])
    if spec["codes"] == "pool":
        path = factory.tmp / f"codes-{n}.csv"
        path.write_text("".join(f"BLP{n}-{i:05d}\n" for i in range(spec["pool"])))
        await ledger.import_codes(conn, campaign.id, path, source="file", actor="t", now=now)
    await conn.execute(
        "WITH placed AS ("
        "  INSERT INTO attempts (campaign_id, target_id, number, carrier, node, state,"
        "   call_sid, place_tries, created_at, placed_at, ringing_at, answered_at,"
        "   updated_at, agent_id)"
        "  SELECT $1, t.id, t.msisdn, 'test', 'test-node', 'in-progress',"
        "   'CA' || md5(t.id::text || $1::text), 1, $2, $2, $2, $2, $2, a.agent"
        "  FROM (SELECT id, msisdn, row_number() OVER (ORDER BY id) AS n"
        "        FROM targets WHERE campaign_id = $1) t"
        "  JOIN (SELECT agent, row_number() OVER (ORDER BY agent) AS n"
        "        FROM unnest($3::bigint[]) agent) a USING (n)"
        "  RETURNING id, agent_id)"
        " INSERT INTO agent_states (user_id, campaign_id, state, since, attempt_id, node,"
        "  seen_at)"
        " SELECT agent_id, $1, 'on_call', $2, id, 'test-node', $2 FROM placed"
        " ON CONFLICT (user_id) DO UPDATE SET campaign_id = excluded.campaign_id,"
        "  state = 'on_call', since = $2, attempt_id = excluded.attempt_id,"
        "  wrap_up_until = NULL, seen_at = $2",
        campaign.id,
        now,
        agents,
    )
    return campaign.id


@pytest.mark.slow
async def test_a_thousand_agents_on_two_nodes_issue_exactly_the_quota(
    db_url: str, conn: asyncpg.Connection, factory: Factory, tmp_path: Path
) -> None:
    agents, tokens = [], {}
    for i in range(AGENTS):
        user = await auth.create_user(conn, username=f"agent{i:04d}", role="agent", password=None)
        tokens[user.id], _ = await auth.issue_token(conn, user.id, kind="api")
        agents.append(user.id)
    async with (
        serving("a", tmp_path / "a", db_url) as node_a,
        serving("b", tmp_path / "b", db_url) as node_b,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http,
    ):
        for n, spec in enumerate(ROUNDS):
            campaign_id = await on_calls(conn, factory, agents, spec, n)
            calls = await conn.fetch(
                "SELECT a.id, a.agent_id, a.number FROM attempts a"
                " WHERE campaign_id = $1 ORDER BY id",
                campaign_id,
            )

            async def record(i: int, call: Any) -> tuple[int, dict[str, Any]]:
                form = COMMON | {
                    "attempt_id": call["id"],
                    "code": "pays_via_bukalapak",
                    "wa_number": call["number"],
                }
                async with http.post(
                    (node_a, node_b)[i % 2] + "/api/agent/outcome",
                    json=form,
                    headers={"Authorization": f"Bearer {tokens[call['agent_id']]}"},
                ) as resp:
                    return resp.status, await resp.json()

            answers = await asyncio.gather(*(record(i, c) for i, c in enumerate(calls)))

            assert Counter(status for status, _ in answers) == {201: AGENTS}, answers[:3]
            vouchers = [body["voucher"] for _, body in answers]
            issued = [v["voucher"] for v in vouchers if v["issued"]]
            assert len(issued) == spec["quota"], spec
            assert all(v["new"] for v in vouchers if v["issued"])
            refused = {v["reason"] for v in vouchers if not v["issued"]}
            assert refused <= {"quota_used_up", "no_codes"}, refused
            assert all("tidak ada voucher" in v["message"] for v in vouchers if not v["issued"])
            stored = await conn.fetchrow(
                "SELECT (SELECT count(*) FROM outcomes WHERE campaign_id = $1) AS outcomes,"
                " (SELECT count(*) FROM vouchers WHERE campaign_id = $1) AS vouchers,"
                " (SELECT count(DISTINCT target_id) FROM vouchers"
                "  WHERE campaign_id = $1) AS customers,"
                " (SELECT count(*) FROM voucher_codes"
                "  WHERE campaign_id = $1 AND taken_at IS NOT NULL) AS codes_taken,"
                " (SELECT count(*) FROM voucher_events e JOIN vouchers v ON v.id = e.voucher_id"
                "  WHERE v.campaign_id = $1 AND e.event = 'issued') AS events,"
                " (SELECT count(*) FROM messages WHERE campaign_id = $1) AS messages,"
                " (SELECT counted FROM voucher_counts WHERE campaign_id = $1) AS counted",
                campaign_id,
            )
            quota = spec["quota"]
            assert dict(stored) == {
                "outcomes": AGENTS,
                "vouchers": quota,
                "customers": quota,
                "codes_taken": quota,
                "events": quota,
                "messages": quota,
                "counted": quota,
            }
            codes = {v["code"] for v in issued}
            assert codes == {
                r["code"]
                for r in await conn.fetch(
                    "SELECT code FROM vouchers WHERE campaign_id = $1", campaign_id
                )
            }
