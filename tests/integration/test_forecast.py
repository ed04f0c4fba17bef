"""The forecast's inputs read from a real campaign (``db/queries/forecast.sql``), the
figures built from them, and ``dialer forecast`` on the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from dialer.auth import service as auth
from dialer.campaigns.models import Campaign
from dialer.db import Pool
from dialer.forecast.repo import observe
from dialer.forecast.service import campaign_forecast
from tests.factories import Factory, row
from tests.integration.test_embedded_and_cli import dialer
from tests.integration.test_reports import T1, call
from tests.integration.test_vouchers import MESSAGE, VOUCHER, issue

NOW = T1 + timedelta(hours=1)  # Monday 5 September 2022, 11:00 WIB
RETRY_AT = T1 + timedelta(hours=2, seconds=42)


async def a_campaign_under_way(
    conn: asyncpg.Connection, pool: Pool, factory: Factory
) -> tuple[Campaign, list[int], int]:
    """A running campaign, six targets (two a zone): two called and contacted by ani (one took the voucher,
    one asked to be called back in two hours), one busy and due again, one finished as
    already paid, two never called; ani is logged in."""
    campaign = await factory.create_campaign(name="ramalan", virtual_seats=0)
    provinces = ["Jawa Barat", "Jawa Barat", "Bali", "Bali", "Papua", "Papua"]
    await factory.create_targets(campaign, [row(i, province=p) for i, p in enumerate(provinces)])
    campaign = await factory.start(campaign)
    ids = [r["id"] for r in await conn.fetch("SELECT id FROM targets ORDER BY id")]
    ani = await auth.create_user(conn, username="ani", role="agent", password=None)
    await call(conn, campaign.id, ids[0], "contacted", T1, agent=ani.id, talk=90)
    await call(conn, campaign.id, ids[1], "contacted", T1 + timedelta(minutes=3), agent=ani.id)
    await call(conn, campaign.id, ids[2], "busy_line", T1)
    taken: int = await conn.fetchval(
        "INSERT INTO outcomes (attempt_id, campaign_id, target_id, agent_id, code,"
        " hub_penerima, wa_number, recorded_at, voucher_offered)"
        " SELECT id, campaign_id, target_id, agent_id, 'pays_via_bukalapak',"
        " 'YANG BERSANGKUTAN', '+6281200000001', ended_at, true FROM attempts"
        " WHERE target_id = $1 RETURNING id",
        ids[0],
    )
    await conn.execute(
        "INSERT INTO outcomes (attempt_id, campaign_id, target_id, agent_id, code,"
        " hub_penerima, details, recorded_at)"
        " SELECT id, campaign_id, target_id, agent_id, 'customer_busy', 'YANG BERSANGKUTAN',"
        " jsonb_build_object('callback_at', ended_at + interval '2 hours'), ended_at"
        " FROM attempts WHERE target_id = $1",
        ids[1],
    )
    got = await issue(pool, campaign.id, VOUCHER, ids[0], taken, ani.id, T1, MESSAGE)
    assert got.voucher is not None
    await conn.execute(
        "UPDATE targets SET state = 'done', done_reason = 'pays_via_bukalapak',"
        " result_counts = '{\"contacted\": 1}' WHERE id = $1",
        ids[0],
    )
    await conn.execute(
        "UPDATE targets SET state = 'scheduled', callback = true, next_attempt_at = $2,"
        " result_counts = '{\"contacted\": 1}' WHERE id = $1",
        ids[1],
        RETRY_AT,
    )
    await conn.execute(
        "UPDATE targets SET state = 'scheduled', next_attempt_at = $2,"
        " result_counts = '{\"busy_line\": 1}' WHERE id = $1",
        ids[2],
        T1 + timedelta(minutes=15),
    )
    await conn.execute(
        "UPDATE targets SET state = 'done', done_reason = 'already_paid' WHERE id = $1", ids[3]
    )
    await conn.execute(
        "INSERT INTO agent_states (user_id, campaign_id, state, since, seen_at)"
        " VALUES ($1, $2, 'available', $3, $3)",
        ani.id,
        campaign.id,
        T1,
    )
    return campaign, ids, ani.id


async def test_the_inputs_come_from_the_campaigns_rows_and_counts(
    conn: asyncpg.Connection, pool: Pool, factory: Factory
) -> None:
    campaign, _, ani = await a_campaign_under_way(conn, pool, factory)
    seen = await observe(conn, campaign, now=NOW)
    assert (seen.total, seen.done, seen.dialing) == (6, 2, 0)
    assert seen.agents_logged_in == 1
    assert seen.vouchers_taken == 1
    assert seen.last_voucher_at == T1
    # The targets left, counted alike: the busy one's retry is due already (ready), the
    # callback is due in an hour (to the minute), two were never called.
    # (Platinum: tier rank 2, Gold: 3; row(i) alternates them.)
    alike = {(c.zone, c.tier_rank, c.due, c.callback, c.counts): c.n for c in seen.cohorts}
    assert alike == {
        ("WIB", 3, RETRY_AT.replace(second=0), True, (("contacted", 1),)): 1,
        ("WITA", 2, None, False, (("busy_line", 1),)): 1,
        ("WIT", 2, None, False, ()): 1,
        ("WIT", 3, None, False, ()): 1,
    }
    # Calls by zone and the customer's local hour: 10:00 WIB, 11:00 WITA.
    assert sorted(seen.results) == [
        ("WIB", 10, "contacted", 2),
        ("WITA", 11, "busy_line", 1),
    ]
    assert dict(seen.outcomes) == {"pays_via_bukalapak": 1, "customer_busy": 1}
    assert seen.callback_delays == (7200.0,)
    assert [(c.agent, c.bridged_at) for c in seen.calls] == [
        (ani, T1 + timedelta(minutes=3, seconds=20)),
        (ani, T1 + timedelta(seconds=20)),
    ]
    # Nothing after the moment asked is read.
    assert (await observe(conn, campaign, now=T1)).calls == ()


async def test_the_figures_from_a_campaign_under_way(
    conn: asyncpg.Connection, pool: Pool, factory: Factory
) -> None:
    campaign, _, _ = await a_campaign_under_way(conn, pool, factory)
    figures = await campaign_forecast(conn, campaign, now=NOW, runs=40, search_runs=20)
    assert figures["exhausted"]["status"] == "by_end"
    assert NOW < figures["exhausted"]["low"] <= figures["exhausted"]["high"]
    assert figures["inputs"]["agents"] == {"used": 1, "source": "logged_in", "logged_in": 1}
    assert figures["inputs"]["targets"]["left"] == 4
    assert figures["quota"]["taken"] == 1
    assert 0.0 <= figures["finish_probability"]["value"] <= 1.0
    assert figures["agents_needed"]["status"] == "found"


async def test_the_command_line_says_the_forecast_in_words_or_as_json(
    conn: asyncpg.Connection, pool: Pool, factory: Factory, db_url: str, tmp_path: Path
) -> None:
    await a_campaign_under_way(conn, pool, factory)
    at = NOW.isoformat()
    words = dialer("forecast", "ramalan", "--at", at, home=tmp_path, env_db=db_url)
    assert words.returncode == 0, words.stderr
    assert "ramalan: perkiraan per Senin, 5 September 2022 11.00 WIB dengan 1 agen" in words.stdout
    assert "daftar habis: " in words.stdout
    assert "peluang kontak" in words.stdout
    english = dialer(
        "forecast", "ramalan", "--at", at, "--agents", "4", "--zone", "WIT",
        home=tmp_path, env_db=db_url, language="en",
    )  # fmt: skip
    assert english.returncode == 0, english.stderr
    assert "forecast as of Mon 5 Sep 2022 13:00 WIT with 4 agents (asked)" in english.stdout
    as_json = dialer(
        "forecast", "ramalan", "--at", at, "--agents", "0", "--json", home=tmp_path, env_db=db_url
    )
    assert as_json.returncode == 0, as_json.stderr
    figures = json.loads(as_json.stdout)
    assert figures["exhausted"] == {"status": "never", "reason": "no_agents"}
    assert datetime.fromisoformat(figures["as_of"]) == NOW.astimezone(UTC)
    refused = dialer("forecast", "ramalan", "--agents", "-3", home=tmp_path, env_db=db_url)
    assert refused.returncode == 2
    assert "--agents harus bilangan bulat dari 0 sampai 10000" in refused.stderr
