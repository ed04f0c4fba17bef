"""The voucher redemption report: each voucher counted at every step it reached, on the
day (in the zone asked) it reached it; totals, states, rate, median time to
redemption, the quota left, the customers, the flagged redemptions — from the API and
the command line."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import openpyxl
from aiohttp.test_utils import TestClient, TestServer

from dialer.app import create_app
from dialer.auth import service as auth
from dialer.campaigns import service as campaigns
from dialer.db import Pool, create_pool
from dialer.reports import vouchers
from dialer.reports.live import LIVE
from dialer.settings import Settings
from dialer.vouchers import expiry, outbox, redemptions
from tests.factories import Factory, row
from tests.integration.test_embedded_and_cli import dialer
from tests.integration.test_vouchers import MESSAGE, VOUCHER, issue

T1 = datetime(2022, 9, 5, 3, 0, tzinfo=UTC)  # Monday 5 September, 10:00 WIB
T2 = datetime(2022, 9, 6, 16, 30, tzinfo=UTC)  # 23:30 WIB on the 6th; 01:30 WIT on the 7th
T3 = datetime(2022, 9, 7, 5, 0, tzinfo=UTC)  # 12:00 WIB on the 7th


async def outcome(
    conn: asyncpg.Connection, campaign_id: int, target: int, agent: int, code: str, at: datetime
) -> int:
    offered = code in ("pays_via_bukalapak", "pays_other_channel")
    found: int = await conn.fetchval(
        "INSERT INTO outcomes (attempt_id, campaign_id, target_id, agent_id, code,"
        " hub_penerima, wa_number, recorded_at, voucher_offered)"
        " VALUES ($1, $2, $1, $3, $4, 'YANG BERSANGKUTAN', '+6281200000001', $5, $6)"
        " RETURNING id",
        target,
        campaign_id,
        agent,
        code,
        at,
        offered,
    )
    return found


async def status(conn: asyncpg.Connection, voucher_id: int, state: str, at: datetime) -> str:
    message_id = await conn.fetchval("SELECT id FROM messages WHERE voucher_id = $1", voucher_id)
    params = {"MessageSid": f"SM{message_id}", "MessageStatus": state}
    async with conn.transaction():
        return await outbox.apply_status(conn, message_id, params, at)


async def redeem(conn: asyncpg.Connection, reference: str, code: str, at: datetime) -> str:
    async with conn.transaction():
        found = await redemptions.redeem(
            conn,
            reference=reference,
            code=code,
            redeemed_at=at,
            amount=None,
            source="callback",
            now=at,
        )
    return str(found["result"])


async def test_the_voucher_report_counts_each_step_on_its_day(
    settings: Settings,
    db_url: str,
    pool: Pool,
    conn: asyncpg.Connection,
    factory: Factory,
    tmp_path: Any,
) -> None:
    voucher = VOUCHER | {"quota": 3}
    campaign = await factory.create_campaign(voucher=voucher, name="report")
    await factory.create_targets(campaign, [row(i) for i in range(1, 5)])
    targets = [r["id"] for r in await conn.fetch("SELECT id FROM targets ORDER BY id")]
    agent = await auth.create_user(conn, username="ani", role="agent", password=None)
    a = await outcome(conn, campaign.id, targets[0], agent.id, "pays_via_bukalapak", T1)
    await outcome(conn, campaign.id, targets[1], agent.id, "pays_other_channel", T1)
    await outcome(conn, campaign.id, targets[2], agent.id, "already_paid", T1)
    d = await outcome(conn, campaign.id, targets[3], agent.id, "pays_via_bukalapak", T2)
    got_a = await issue(pool, campaign.id, voucher, targets[0], a, agent.id, T1, MESSAGE)
    got_d = await issue(pool, campaign.id, voucher, targets[3], d, agent.id, T2, MESSAGE)
    assert got_a.voucher and got_d.voucher
    va, vd = got_a.voucher, got_d.voucher
    minute = timedelta(minutes=1)
    # Read comes first: it was sent and delivered too; delivered, late, changes nothing.
    assert await status(conn, va["id"], "read", T1 + minute) == "applied"
    assert await status(conn, va["id"], "delivered", T1 + 2 * minute) == "no_change"
    assert await status(conn, vd["id"], "delivered", T2 + 10 * minute) == "applied"
    assert await redeem(conn, "R-1", va["code"], T3) == "redeemed"
    assert await redeem(conn, "R-2", va["code"], T3) == "second_use"
    assert await redeem(conn, "R-3", "BLNOSUCHCODE", T3) == "unknown_code"

    boss = await auth.create_user(conn, username="mira", role="manager", password=None)
    headers = {"Authorization": f"Bearer {(await auth.issue_token(conn, boss.id, kind='api'))[0]}"}
    url = "/api/campaigns/report/reports/vouchers"
    # The service starts once the messages are read (its outbox has nothing to send).
    async with TestClient(TestServer(create_app(settings, pool=pool))) as client:
        await _through_the_api(client, url, headers, conn, agent.id, va, vd)
    await _through_the_command_line(db_url, tmp_path)
    # The offer expires at the end of 30 September (WIB): the voucher not redeemed
    # expires, on that day.
    assert await expiry.sweep(pool, datetime(2022, 10, 1, 1, 0, tzinfo=UTC)) == {
        "expired": 1,
        "lapsed": 0,
    }
    async with pool.acquire() as c:
        campaign = await campaigns.get(c, "report")
        report = await vouchers.voucher_report(c, campaign, now=T3)
    assert report["days"][-1] == ZERO | {"day": date(2022, 9, 30), "expired": 1}
    assert report["states"] == {"redeemed": 1, "expired": 1}
    # The hourly counts agree with the vouchers and outcomes themselves.
    assert await conn.fetchval(CONSISTENT) is True


CONSISTENT = """
SELECT count(*) = 0  -- no hour counted in one and not the other, or otherwise
FROM voucher_hours h
FULL JOIN (
    SELECT campaign_id, date_trunc('hour', at, 'UTC') AS hour, step, count(*) AS n
    FROM (SELECT campaign_id, recorded_at AS at, 'offered' AS step
          FROM outcomes WHERE voucher_offered
          UNION ALL
          SELECT campaign_id, recorded_at, 'accepted'
          FROM outcomes WHERE voucher_offered AND code = 'pays_via_bukalapak'
          UNION ALL
          SELECT v.campaign_id, x.at, x.step
          FROM vouchers v,
               LATERAL (VALUES (v.issued_at, 'issued'), (v.sent_at, 'sent'),
                               (v.delivered_at, 'delivered'), (v.read_at, 'read'),
                               (v.failed_at, 'failed'), (v.redeemed_at, 'redeemed'),
                               (CASE WHEN v.state = 'expired' THEN v.expires_at END, 'expired'),
                               (CASE WHEN v.state = 'lapsed' THEN v.lapses_at END, 'lapsed')
               ) AS x (at, step)
          WHERE x.at IS NOT NULL) steps
    GROUP BY 1, 2, 3
) s ON (h.campaign_id, h.hour, h.step, h.n) = (s.campaign_id, s.hour, s.step, s.n)
WHERE h.campaign_id IS NULL OR s.campaign_id IS NULL
"""

ZERO = dict.fromkeys(vouchers.STEPS, 0)


async def _through_the_api(
    client: Any,
    url: str,
    headers: dict[str, str],
    conn: asyncpg.Connection,
    agent_id: int,
    va: dict[str, Any],
    vd: dict[str, Any],
) -> None:
    zero = ZERO
    resp = await client.get(url, headers=headers)
    assert resp.status == 200, await resp.text()
    report = await resp.json()
    assert report["days"] == [
        zero
        | {
            "day": "2022-09-05",
            "offered": 2,
            "accepted": 1,
            "issued": 1,
            "sent": 1,
            "delivered": 1,
            "read": 1,
        },
        zero
        | {
            "day": "2022-09-06",
            "offered": 1,
            "accepted": 1,
            "issued": 1,
            "sent": 1,
            "delivered": 1,
        },
        zero | {"day": "2022-09-07", "redeemed": 1},
    ]
    assert report["totals"] == zero | {
        "offered": 3,
        "accepted": 2,
        "issued": 2,
        "sent": 2,
        "delivered": 2,
        "read": 1,
        "redeemed": 1,
        "redemption_rate": 0.5,
        "median_hours_to_redemption": 50.0,
    }
    assert report["states"] == {"redeemed": 1, "delivered": 1}
    assert report["quota"] == {"quota": 3, "taken": 2, "left": 1}
    customers = report["customers"]
    assert customers["total"] == 2
    assert [c["code"] for c in customers["items"]] == [va["code"], vd["code"]]
    assert customers["items"][0]["state"] == "redeemed" and customers["items"][0]["agent"] == "ani"
    assert customers["items"][0]["indihome_number"] == row(1)["indihome_number"]
    assert report["flagged"]["total"] == 2
    assert [f["result"] for f in report["flagged"]["items"]] == ["second_use", "unknown_code"]

    # In WIT the 23:30 WIB call falls on the 7th.
    resp = await client.get(url + "?zone=wit&limit=1&offset=1", headers=headers)
    wit = await resp.json()
    assert [d["day"] for d in wit["days"]] == ["2022-09-05", "2022-09-07"]
    assert wit["days"][1] == zero | {
        "day": "2022-09-07",
        "offered": 1,
        "accepted": 1,
        "issued": 1,
        "sent": 1,
        "delivered": 1,
        "redeemed": 1,
    }
    assert [c["code"] for c in wit["customers"]["items"]] == [vd["code"]]
    # Bad input is named; agents are refused.
    resp = await client.get(url + "?zone=PST", headers=headers)
    assert resp.status == 400 and "zona 'PST'" in await resp.text()
    resp = await client.get(url + "?limit=many", headers=headers)
    assert resp.status == 400 and "limit" in await resp.text()
    token, _ = await auth.issue_token(conn, agent_id, kind="api")
    resp = await client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 403
    resp = await client.get("/api/campaigns/nope/reports/vouchers", headers=headers)
    assert resp.status == 404

    await _downloads(client, url, headers, report, va)


async def _downloads(
    client: Any, url: str, headers: dict[str, str], report: dict[str, Any], va: dict[str, Any]
) -> None:
    resp = await client.get(url + ".csv", headers=headers)
    assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/csv")
    days = list(csv.DictReader(io.StringIO(await resp.text())))
    assert [d["day"] for d in days] == ["2022-09-05", "2022-09-06", "2022-09-07", "total"]
    assert days[-1]["offered"] == "3" and days[-1]["redeemed"] == "1"
    resp = await client.get(url + ".csv?table=customers", headers=headers)
    customers = list(csv.DictReader(io.StringIO(await resp.text())))
    assert [c["code"] for c in customers] == [c["code"] for c in report["customers"]["items"]]
    assert customers[0]["issued_at"] == "2022-09-05T03:00:00+00:00"
    resp = await client.get(url + ".csv?table=flagged", headers=headers)
    flagged = list(csv.DictReader(io.StringIO(await resp.text())))
    assert [f["result"] for f in flagged] == ["second_use", "unknown_code"]
    resp = await client.get(url + ".csv?table=agents", headers=headers)
    assert resp.status == 400 and "tabel 'agents'" in await resp.text()
    resp = await client.get(url + ".xlsx?zone=WITA", headers=headers)
    assert resp.status == 200
    book = openpyxl.load_workbook(io.BytesIO(await resp.read()), read_only=True)
    assert book.sheetnames == ["Ringkasan", "Per hari", "Pelanggan", "Penukaran ditandai"]
    sheet = list(book["Pelanggan"].iter_rows(values_only=True))
    assert sheet[0][8] == "Waktu terbit (WITA)"
    assert sheet[1][0] == va["code"] and sheet[1][8] == datetime(2022, 9, 5, 11, 0)
    summary = {r[0]: r[1] for r in book["Ringkasan"].iter_rows(values_only=True) if r}
    assert summary["Sisa kuota"] == 1 and summary["Tingkat penukaran"] == 0.5


async def _through_the_command_line(db_url: str, tmp_path: Any) -> None:
    done = dialer("report", "report", "--json", home=tmp_path, env_db=db_url)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert set(printed) == {"campaign", "vouchers", "outcomes", "agents"}
    days = printed["vouchers"]["days"]
    assert [d["day"] for d in days] == ["2022-09-05", "2022-09-06", "2022-09-07"]
    assert printed["vouchers"]["totals"]["redemption_rate"] == 0.5
    assert printed["outcomes"]["outcomes"]["total"] == 4
    text = dialer("report", "report", home=tmp_path, env_db=db_url)
    assert text.returncode == 0, text.stderr
    assert "voucher 2 dari 3 terpakai, sisa 1" in text.stdout
    assert "tingkat penukaran 50.0%" in text.stdout and "2 penukaran ditandai" in text.stdout
    assert date(2022, 9, 7).isoformat() in text.stdout
    english = dialer("report", "report", home=tmp_path, env_db=db_url, language="en")
    assert "vouchers 2 of 3 taken, 1 left" in english.stdout
    assert "redemption rate 50.0%" in english.stdout and "2 redemptions flagged" in english.stdout


async def call(
    conn: asyncpg.Connection,
    campaign_id: int,
    target: int,
    result: str,
    placed: datetime,
    *,
    agent: int | None = None,
    talk: int = 0,
) -> int:
    bridged = placed + timedelta(seconds=20) if agent else None
    ended = placed + timedelta(seconds=20 + talk)
    found: int = await conn.fetchval(
        "INSERT INTO attempts (campaign_id, target_id, number, carrier, node, state, result,"
        " created_at, placed_at, answered_at, bridged_at, ended_at, updated_at, agent_id,"
        " abandoned)"
        " SELECT $1, $2, msisdn, 'test', 'test', 'completed', $3, $4, $4, $5, $6, $7, $7, $8,"
        " $3 = 'abandoned' FROM targets WHERE campaign_id = $1 AND id = $2 RETURNING id",
        campaign_id,
        target,
        result,
        placed,
        placed + timedelta(seconds=15) if result in ("contacted", "abandoned") else None,
        bridged,
        ended,
        agent,
    )
    await conn.execute(
        "UPDATE targets SET attempts = attempts + 1 WHERE campaign_id = $1 AND id = $2",
        campaign_id,
        target,
    )
    return found


async def test_the_outcome_and_agent_reports(
    client: Any, conn: asyncpg.Connection, factory: Factory, db_url: str, tmp_path: Any
) -> None:
    campaign = await factory.create_campaign(name="calls", wrap_up_seconds=30)
    rows = [
        row(1, province="Jawa Barat"),  # Gold, WIB
        row(2, province="Bali"),  # Platinum, WITA
        row(3, province="Papua"),  # Gold, WIT
        row(4, province="Jawa Timur"),  # Platinum, WIB
    ]
    await factory.create_targets(campaign, rows)
    t = {r["indihome_number"]: r["id"] for r in await conn.fetch("SELECT * FROM targets")}
    t1, t2, t3, t4 = (t[r["indihome_number"]] for r in rows)
    ani = await auth.create_user(conn, username="ani", role="agent", password=None)
    budi = await auth.create_user(conn, username="budi", role="agent", password=None)
    # 09:00 WIB = 10:00 WITA = 11:00 WIT.
    nine = datetime(2022, 9, 5, 2, 0, tzinfo=UTC)
    await call(conn, campaign.id, t1, "busy_line", nine)
    a1 = await call(
        conn, campaign.id, t1, "contacted", nine + timedelta(hours=2), agent=ani.id, talk=120
    )
    a2 = await call(conn, campaign.id, t2, "contacted", nine, agent=ani.id, talk=60)
    await call(conn, campaign.id, t3, "abandoned", nine)
    a3 = await call(conn, campaign.id, t3, "contacted", nine, agent=budi.id, talk=300)
    await call(conn, campaign.id, t4, "no_answer", nine)
    for attempt, target, agent_id, code, minutes in (
        (a1, t1, ani.id, "pays_via_bukalapak", 125),
        (a2, t2, ani.id, "already_paid", 2),
        (a3, t3, budi.id, "customer_busy", 6),
    ):
        await conn.execute(
            "INSERT INTO outcomes (attempt_id, campaign_id, target_id, agent_id, code,"
            " hub_penerima, recorded_at) VALUES ($1, $2, $3, $4, $5, 'YANG BERSANGKUTAN', $6)",
            attempt,
            campaign.id,
            target,
            agent_id,
            code,
            nine + timedelta(minutes=minutes),
        )
    boss = await auth.create_user(conn, username="mira", role="manager", password=None)
    headers = {"Authorization": f"Bearer {(await auth.issue_token(conn, boss.id, kind='api'))[0]}"}

    resp = await client.get("/api/campaigns/calls/reports/outcomes", headers=headers)
    assert resp.status == 200, await resp.text()
    report = await resp.json()
    outcomes = report["outcomes"]
    assert outcomes["total"] == 3
    assert outcomes["by_code"] == {"pays_via_bukalapak": 1, "already_paid": 1, "customer_busy": 1}
    by_zone = {z["key"]: z for z in outcomes["by_zone"]}
    assert by_zone["WIB"]["codes"] == {"pays_via_bukalapak": 1}
    assert by_zone["WITA"]["codes"] == {"already_paid": 1}
    assert by_zone["WIT"]["codes"] == {"customer_busy": 1}
    by_tier = {z["key"]: z["total"] for z in outcomes["by_tier"]}
    assert by_tier == {"Gold": 2, "Platinum": 1}
    assert {p["key"] for p in outcomes["by_province"]} == {"Jawa Barat", "Bali", "Papua"}
    # Recorded at 11:05 WIB, 10:02 WITA, 11:06 WIT: the customer's own hour.
    assert {h["key"]: h["total"] for h in outcomes["by_local_hour"]} == {10: 1, 11: 2}
    calls = report["calls"]
    assert calls["placed"] == 6
    assert calls["by_result"] == {
        "contacted": 3,
        "busy_line": 1,
        "abandoned": 1,
        "no_answer": 1,
    }
    assert calls["contact_rate"] == 0.5 and calls["abandon_rate"] == 0.25
    assert calls["by_local_hour"] == [
        {"hour": 9, "calls": 2, "contacted": 0, "abandoned": 0},  # t1 busy, t4 no answer
        {"hour": 10, "calls": 1, "contacted": 1, "abandoned": 0},  # t2 in WITA
        {"hour": 11, "calls": 3, "contacted": 2, "abandoned": 1},  # t1 again, t3 twice
    ]
    assert report["attempts_per_target"] == [
        {"attempts": 1, "targets": 2},
        {"attempts": 2, "targets": 2},
    ]

    resp = await client.get("/api/campaigns/calls/reports/agents", headers=headers)
    agents = {a["username"]: a for a in (await resp.json())["agents"]}
    assert agents["ani"] == {
        "username": "ani",
        "name": "ani",
        "calls": 2,
        "talk_seconds": 180,
        # Recorded 160 s and 40 s after the calls ended, then the 30 s timer each.
        "after_call_work_seconds": 160 + 40 + 2 * 30,
        "outcomes": 2,
        "by_code": {"pays_via_bukalapak": 1, "already_paid": 1},
        "vouchers": 0,
        "paused_seconds": 0,  # no break taken
        "paused_by_reason": {},
    }
    assert agents["budi"]["calls"] == 1 and agents["budi"]["talk_seconds"] == 300
    # The same as files.
    resp = await client.get(
        "/api/campaigns/calls/reports/outcomes.csv?table=by_zone", headers=headers
    )
    assert resp.status == 200, await resp.text()
    zones = list(csv.DictReader(io.StringIO(await resp.text())))
    assert [(z["zone"], z["total"], z["already_paid"]) for z in zones] == [
        ("WIB", "1", "0"),
        ("WIT", "1", "0"),
        ("WITA", "1", "1"),
    ]
    resp = await client.get("/api/campaigns/calls/reports/outcomes.csv?table=nope", headers=headers)
    assert resp.status == 400 and "by_code" in await resp.text()
    resp = await client.get("/api/campaigns/calls/reports/agents.xlsx", headers=headers)
    book = openpyxl.load_workbook(io.BytesIO(await resp.read()), read_only=True)
    sheet = list(book["Agen"].iter_rows(values_only=True))
    assert sheet[0][:4] == ("Nama pengguna", "Nama", "Panggilan", "Waktu bicara (detik)")
    assert sheet[1][:5] == ("ani", "ani", 2, 180, 260)
    resp = await client.get("/api/campaigns/calls/reports/outcomes.xlsx", headers=headers)
    book = openpyxl.load_workbook(io.BytesIO(await resp.read()), read_only=True)
    assert "Panggilan per jam" in book.sheetnames and "Percobaan per pelanggan" in book.sheetnames

    # The CRM export: one row per call that reached an agent, with what they recorded.
    await conn.execute(
        "INSERT INTO tickets (outcome_id, campaign_id, target_id, existing_ref, tier, opened_at)"
        " SELECT id, campaign_id, target_id, 'MYCX-123', 'Gold', recorded_at FROM outcomes"
        " WHERE attempt_id = $1",
        a3,
    )
    resp = await client.get("/api/campaigns/calls/crm.csv", headers=headers)
    assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/csv")
    crm = list(csv.DictReader(io.StringIO(await resp.text())))
    assert [(r["attempt_id"], r["agent"], r["outcome"]) for r in crm] == [
        (str(a1), "ani", "pays_via_bukalapak"),
        (str(a2), "ani", "already_paid"),
        (str(a3), "budi", "customer_busy"),
    ]
    assert crm[0]["talk_seconds"] == "120" and crm[0]["hub_penerima"] == "YANG BERSANGKUTAN"
    assert crm[0]["indihome_number"] == rows[0]["indihome_number"]
    assert crm[2]["ticket"] == "MYCX-123" and crm[1]["ticket"] == ""
    assert crm[0]["recorded_at"] == (nine + timedelta(minutes=125)).isoformat()
    done = dialer("export", "crm", "calls", home=tmp_path, env_db=db_url)
    assert done.returncode == 0, done.stderr
    assert list(csv.DictReader(io.StringIO(done.stdout))) == crm
    token, _ = await auth.issue_token(conn, ani.id, kind="api")
    resp = await client.get(
        "/api/campaigns/calls/crm.csv", headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status == 403
    for path in ("outcomes", "agents"):
        resp = await client.get(
            f"/api/campaigns/calls/reports/{path}", headers={"Authorization": f"Bearer {token}"}
        )
        assert resp.status == 403


async def test_live_numbers_one_reader_for_every_manager_on_every_node(
    settings: Settings, db_url: str, conn: asyncpg.Connection, factory: Factory
) -> None:
    """Managers on two nodes watch one campaign: one node reads (one statement a
    second), every manager gets its figures; when that node's managers leave, or the
    node goes, the other node reads within two seconds and nobody misses a beat."""
    campaign = await factory.create_campaign(name="live")
    await factory.create_targets(campaign, [row(i) for i in range(1, 4)])
    boss = await auth.create_user(conn, username="mira", role="manager", password=None)
    headers = {"Authorization": f"Bearer {(await auth.issue_token(conn, boss.id, kind='api'))[0]}"}
    pools = [await create_pool(db_url, min_size=1, max_size=4) for _ in range(2)]
    apps = [create_app(settings, pool=p) for p in pools]
    clients = [TestClient(TestServer(app)) for app in apps]
    for client in clients:
        await client.start_server()

    async def next_progress(resp: Any) -> dict[str, Any]:
        while True:
            event = await asyncio.wait_for(resp.content.readuntil(b"\n\n"), 10)
            if event.startswith(b"event: progress\ndata: "):
                data: dict[str, Any] = json.loads(event.split(b"data: ", 1)[1])
                return data

    try:
        streams = [
            await clients[n].get("/api/campaigns/live/live", headers=headers)
            for n in (0, 0, 0, 1, 1)
        ]
        for resp in streams:
            assert resp.status == 200
            assert resp.headers["Content-Type"].startswith("text/event-stream")
            data = await next_progress(resp)
            assert data["campaign"] == "live" and data["targets"] == {"total": 3, "ready": 3}
        lives = [app[LIVE] for app in apps]
        reads = [live.reads for live in lives]
        await asyncio.sleep(3.2)
        # One node reads for both, once a second.
        assert sorted(len(live.reading) for live in lives) == [0, 1]
        made = sum(live.reads for live in lives) - sum(reads)
        assert 2 <= made <= 5, made
        # A change shows on both nodes' streams.
        await conn.execute(
            "UPDATE targets SET state = 'done', done_reason = 'already_paid'"
            " WHERE campaign_id = $1 AND line = 2",
            campaign.id,
        )
        for resp in (streams[0], streams[4]):
            for _ in range(15):  # past the figures buffered while the test slept
                data = await next_progress(resp)
                if data["targets"].get("done"):
                    break
            assert data["targets"] == {"total": 3, "ready": 2, "done": 1}
            assert data["finished"] == {"already_paid": 1}
        # The reading node's managers leave: the other node takes over.
        reader = 0 if lives[0].reading else 1
        other = 1 - reader
        for n, resp in enumerate(streams):
            if (n < 3) == (reader == 0):
                resp.close()
        for _ in range(60):
            if lives[other].reading:
                break
            await asyncio.sleep(0.1)
        assert lives[other].reading == {campaign.id}
        assert not lives[reader].reading  # and it let the lock go
        survivors = [resp for n, resp in enumerate(streams) if (n < 3) != (reader == 0)]
        for resp in survivors:
            await next_progress(resp)
        # Managers come back to the first node; then the reading node goes away.
        comeback = await clients[reader].get("/api/campaigns/live/live", headers=headers)
        assert (await next_progress(comeback))["targets"]["done"] == 1  # at once: the last
        await clients[other].close()
        for _ in range(60):
            if lives[reader].reading:
                break
            await asyncio.sleep(0.1)
        assert lives[reader].reading == {campaign.id}
        await next_progress(comeback)
        comeback.close()
    finally:
        for client in clients:
            await client.close()
        for p in pools:
            await p.close()
