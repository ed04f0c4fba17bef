"""``/metrics``: after a simulated call loop, every figure equals what a scan of the
database says; the exposition parses as Prometheus text; a scrape without the metrics
token is refused."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from dialer.auth import service as auth
from dialer.calls.applier import APPLIER
from dialer.clock import FrozenClock
from dialer.db import Pool, create_pool
from dialer.settings import Settings
from tests.dialing import FAST, MONDAY_10_WIB, fate_by_number, running_node
from tests.factories import Factory, row
from tests.integration.test_reports import call, outcome
from tests.integration.test_vouchers import MESSAGE, VOUCHER, issue

TOKEN = "scrape-me-please"
T1 = datetime(2022, 9, 5, 3, 0, tzinfo=UTC)
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TALKATIVE = replace(FAST, talk_seconds=(600.0, 600.0))  # humans stay on the line
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def e164(i: int) -> str:
    return f"+62812{i:08d}"


def parse(text: str) -> Samples:
    """Every sample of the exposition by name and labels (the parser rejects bad text)."""
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def of(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def named(samples: Samples, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {labels: value for (n, labels), value in samples.items() if n == name and value}


async def scrape(client: Any) -> Samples:
    response = await client.get("/metrics", headers=AUTH)
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return parse(await response.text())


async def _settled(conn: asyncpg.Connection, campaign_id: int) -> None:
    """Wait until every call has ended but the humans', who talk on (bridged)."""
    for _ in range(400):
        live = await conn.fetchval(
            "SELECT count(*) FROM attempts WHERE campaign_id = $1"
            " AND (result IS NULL AND NOT (state = 'in-progress' AND bridged_at IS NOT NULL))",
            campaign_id,
        )
        if live == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the simulated calls did not settle")


async def test_the_figures_equal_a_scan_of_the_database_after_a_call_loop(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    rows = [row(i) for i in range(1, 11)]
    campaign = await factory.running_campaign(
        [*rows, row(1)],
        virtual_seats=10,
        pacing_ratio=1.0,  # one duplicate line
    )
    agent = await factory.create_user("agent-m", "agent")
    idle = await factory.create_user("agent-n", "agent")
    await conn.execute(
        "INSERT INTO agent_states (user_id, campaign_id, state, since, seen_at)"
        " VALUES ($1, $3, 'available', $4, $4), ($2, $3, 'paused', $4, $4)",
        agent.id,
        idle.id,
        campaign.id,
        MONDAY_10_WIB,
    )
    await conn.execute("INSERT INTO voucher_counts VALUES ($1, 7)", campaign.id)
    fates = fate_by_number(
        {e164(1): "human", e164(2): "human", e164(3): "machine", e164(4): "busy"},
        default="no_answer",
    )
    clock = FrozenClock(MONDAY_10_WIB)
    settings = settings.amend(metrics={"token": SecretStr(TOKEN)})
    async with running_node(
        settings, pool, clock, choose=fates, speed=10, profile=TALKATIVE
    ) as node:
        before = await scrape(node.client)
        assert await node.tick() == {campaign.name: 10}
        await _settled(conn, campaign.id)
        await node.app[APPLIER].drain()
        # One more answered call, abandoned for want of a seat (as the hold loop marks
        # one), so the rate is not a trivial 0.
        await conn.execute(
            "UPDATE attempts SET answered_at = $2, abandoned = true WHERE id ="
            " (SELECT min(id) FROM attempts WHERE campaign_id = $1 AND result = 'no_answer')",
            campaign.id,
            clock.now,
        )
        after = await scrape(node.client)

        # Calls in flight: the two humans on their seats.
        live = await conn.fetchval(
            "SELECT count(*) FROM attempts WHERE campaign_id = $1"
            " AND state IN ('queued', 'dialing', 'ringing', 'in-progress')",
            campaign.id,
        )
        assert live == 2
        assert of(after, "dialer_calls_in_flight", campaign=campaign.name) == live
        # Ended calls by result, against the attempts themselves.
        scanned = {
            r["result"]: r["n"]
            for r in await conn.fetch(
                "SELECT result, count(*) AS n FROM attempts WHERE campaign_id = $1"
                " AND result IS NOT NULL GROUP BY result",
                campaign.id,
            )
        }
        assert scanned == {"machine": 1, "busy_line": 1, "no_answer": 6}
        assert named(after, "dialer_attempts_total") == {
            (("campaign", campaign.name), ("result", result)): float(n)
            for result, n in scanned.items()
        }
        # Abandon rate over the guard's window: three answered, one abandoned.
        window = clock.now - timedelta(minutes=settings.pacing.abandon_window_minutes)
        stats = await conn.fetchrow(
            "SELECT count(*) FILTER (WHERE bridged_at IS NOT NULL OR abandoned) AS answered,"
            " count(*) FILTER (WHERE abandoned) AS abandoned FROM attempts"
            " WHERE campaign_id = $1 AND answered_at >= $2",
            campaign.id,
            window,
        )
        assert (stats["answered"], stats["abandoned"]) == (3, 1)
        assert of(after, "dialer_answered_calls_window", campaign=campaign.name) == 3
        assert of(after, "dialer_abandon_rate", campaign=campaign.name) == pytest.approx(1 / 3)
        # The appliers' backlog: what is stored and not applied, then none once drained.
        unapplied = await conn.fetchval(
            "SELECT count(*) FROM carrier_events WHERE applied_at IS NULL"
        )
        assert of(after, "dialer_callbacks_unapplied") == unapplied == 0
        # Agents by state.
        assert named(after, "dialer_agents") == {
            (("campaign", campaign.name), ("state", "available")): 1.0,
            (("campaign", campaign.name), ("state", "paused")): 1.0,
        }
        # Voucher quota left.
        quota = await conn.fetchval(
            "SELECT voucher_quota FROM campaigns WHERE id = $1", campaign.id
        )
        assert of(after, "dialer_voucher_quota_left", campaign=campaign.name) == quota - 7
        # Import rows: 11 lines, 10 accepted, 1 duplicate — as the targets say.
        targets = await conn.fetchval(
            "SELECT count(*) FROM targets WHERE campaign_id = $1", campaign.id
        )
        assert (
            of(after, "dialer_import_rows_total", campaign=campaign.name, kind="accepted")
            == targets
            == 10
        )
        assert of(after, "dialer_import_rows_total", campaign=campaign.name, kind="total") == 11
        assert of(after, "dialer_import_rows_total", campaign=campaign.name, kind="duplicates") == 1
        # The histograms count what this node did: one claim for the tick, one
        # observation per status callback the carrier posted.
        claims = of(after, "dialer_claim_seconds_count") - of(before, "dialer_claim_seconds_count")
        assert claims == 1
        statuses = await conn.fetchval("SELECT count(*) FROM carrier_events WHERE kind = 'status'")
        route = "/carrier/voice/status"
        posted = of(after, "dialer_callback_seconds_count", route=route) - of(
            before, "dialer_callback_seconds_count", route=route
        )
        assert statuses > 0 and posted == statuses
        assert of(after, "dialer_callback_seconds_bucket", route=route, le="+Inf") >= posted


async def test_messages_and_quota_equal_the_outbox_and_ledger(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.create_campaign(name="vouchered", voucher=VOUCHER)
    await factory.create_targets(campaign, [row(1), row(2)])
    ani = await auth.create_user(conn, username="ani", role="agent", password=None)
    for target in await conn.fetch("SELECT id FROM targets ORDER BY id"):
        attempt = await call(conn, campaign.id, target["id"], "contacted", T1, agent=ani.id)
        made = await outcome(conn, campaign.id, target["id"], ani.id, "pays_via_bukalapak", T1)
        await conn.execute("UPDATE outcomes SET attempt_id = $1 WHERE id = $2", attempt, made)
        assert (
            await issue(pool, campaign.id, VOUCHER, target["id"], made, ani.id, T1, MESSAGE)
        ).issued
    await conn.execute(
        "UPDATE messages SET state = 'delivered' WHERE id = (SELECT min(id) FROM messages)"
    )
    settings = settings.amend(metrics={"token": SecretStr(TOKEN)})
    async with running_node(settings, pool, FrozenClock(MONDAY_10_WIB)) as node:
        samples = await scrape(node.client)
    states = {
        (("campaign", r["name"]), ("state", r["state"])): float(r["n"])
        for r in await conn.fetch(
            "SELECT c.name, m.state, count(*) AS n FROM messages m"
            " JOIN campaigns c ON c.id = m.campaign_id GROUP BY 1, 2"
        )
    }
    assert sum(states.values()) == 2 and len(states) == 2
    assert named(samples, "dialer_messages") == states
    issued = await conn.fetchval(
        "SELECT count(*) FROM vouchers WHERE campaign_id = $1", campaign.id
    )
    quota = await conn.fetchval("SELECT voucher_quota FROM campaigns WHERE id = $1", campaign.id)
    assert issued == 2
    assert of(samples, "dialer_voucher_quota_left", campaign="vouchered") == quota - issued


async def test_a_scrape_without_the_metrics_token_is_refused(
    settings: Settings, pool: Pool, factory: Factory
) -> None:
    await factory.create_user("boss", "manager", "long-enough-pass")
    async with running_node(settings, pool, FrozenClock(MONDAY_10_WIB)) as node:
        # No token configured: refused to everyone, the right-looking one included.
        response = await node.client.get("/metrics", headers=AUTH)
        assert response.status == 403
        assert "DIALER_METRICS__TOKEN" in (await response.json())["error"]["message"]
    settings = settings.amend(metrics={"token": SecretStr(TOKEN)})
    async with running_node(settings, pool, FrozenClock(MONDAY_10_WIB)) as node:
        login = await node.client.post(
            "/api/auth/login", json={"username": "boss", "password": "long-enough-pass"}
        )
        assert login.status == 200
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            response = await node.client.get("/metrics", headers=headers)
            assert response.status == 403, headers
            assert "dialer_" not in await response.text()
        # A manager's session is not the metrics token either.
        response = await node.client.get("/metrics")
        assert response.status == 403
        assert (await node.client.get("/metrics", headers=AUTH)).status == 200


async def test_a_scrape_during_a_database_outage_says_so_and_is_no_error(
    settings: Settings, db_url: str
) -> None:
    own = await create_pool(db_url, min_size=1, max_size=2)
    settings = settings.amend(metrics={"token": SecretStr(TOKEN)})
    async with running_node(settings, own, FrozenClock(MONDAY_10_WIB)) as node:
        up = await scrape(node.client)
        assert of(up, "dialer_database_up") == 1
        assert named(up, "dialer_voucher_quota_left") == {}  # no campaign yet
        own.terminate()  # every connection gone at once, as in an outage
        down = await scrape(node.client)
    assert of(down, "dialer_database_up") == 0
    assert not [key for key in down if key[0].startswith("dialer_calls_in_flight")]
    assert ("dialer_claim_seconds_count", ()) in down  # the process's own figures stay
