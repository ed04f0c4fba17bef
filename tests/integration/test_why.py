""" "Why was this customer not called?" — per target and per campaign, API and CLI."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient

from dialer.calls.why import why_not_summary, why_target
from dialer.clock import FrozenClock
from dialer.db import Pool
from dialer.dnc import service as dnc
from dialer.settings import Settings
from tests.dialing import MONDAY_10_WIB, running_node
from tests.factories import Factory, row


def codes(data: dict[str, Any]) -> list[str]:
    return [r["code"] for r in data["reasons"]]


async def test_every_reason_is_named(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.create_campaign(virtual_seats=4)
    await factory.create_targets(
        campaign, [row(1), row(2, province="Bali"), row(3), row(4, province="Papua")]
    )
    # A draft campaign: nothing is dialable, and it says so.
    draft = await why_target(conn, campaign, "122000000001", now=MONDAY_10_WIB)
    assert codes(draft) == ["campaign_draft"] and not draft["dialable"]
    campaign = await factory.start(campaign)
    ok = await why_target(conn, campaign, "1220-0000-0001", now=MONDAY_10_WIB)
    assert ok["dialable"] and ok["reasons"] == []
    # 07:30 WIB on a Monday: 08:30 in Bali (WITA) is open, Java (WIB) is not yet.
    early = MONDAY_10_WIB - timedelta(hours=2, minutes=30)
    java = await why_target(conn, campaign, "122000000001", now=early)
    assert codes(java) == ["outside_hours"]
    assert "sampai 08.00 WIB (Senin 5 September 2022)" in java["reasons"][0]["message"]
    english = await why_target(conn, campaign, "122000000001", now=early, language="en")
    assert "until 08:00 WIB (Mon 5 Sep 2022)" in english["reasons"][0]["message"]
    assert java["reasons"][0]["until"] == MONDAY_10_WIB - timedelta(hours=2)
    assert (await why_target(conn, campaign, "122000000002", now=early))["dialable"]
    # Sunday, and the DNC list as it is now.
    await dnc.add(conn, "+6281200000003", reason="asked", source="test", actor="test")
    sunday = await why_target(conn, campaign, "122000000003", now=MONDAY_10_WIB - timedelta(days=1))
    assert codes(sunday) == ["closed_day", "dnc"]
    assert sunday["reasons"][0]["message"] == (
        "tidak ada panggilan pada hari Minggu sampai 08.00 WIB (Senin 5 September 2022)"
    )
    assert sunday["reasons"][1]["message"].startswith(
        "nomor ada di daftar jangan ditelepon (DNC) sejak"
    )
    # A busy line: retried at 10:15 WIB, which is 12:15 WIT for the Papua customer.
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(settings, pool, clock, choose=lambda c: "busy") as node:
        await node.tick()
        await node.settle()
    papua = await why_target(conn, campaign, "122000000004", now=MONDAY_10_WIB)
    assert codes(papua) == ["retry_later"]
    assert papua["reasons"][0]["message"] == (
        "percobaan berikutnya pada Senin, 5 September 2022 12.15 WIT (setelah nada sibuk)"
    )
    english = await why_target(conn, campaign, "122000000004", now=MONDAY_10_WIB, language="en")
    assert english["reasons"][0]["message"] == (
        "next attempt at Mon 05 Sep 2022 12:15 WIT (after busy line)"
    )
    # After the period: the campaign ended.
    late = await why_target(conn, campaign, "122000000002", now=MONDAY_10_WIB + timedelta(days=60))
    assert codes(late) == ["after_period"]


async def test_a_holiday_is_named(conn: asyncpg.Connection, factory: Factory) -> None:
    campaign = await factory.create_campaign(period={"starts": "2022-08-01", "ends": "2022-09-30"})
    await factory.create_targets(campaign, [row(1)])
    campaign = await factory.start(campaign)
    independence_day = MONDAY_10_WIB.replace(month=8, day=17)
    data = await why_target(conn, campaign, "122000000001", now=independence_day)
    assert codes(data) == ["holiday"]
    assert (
        "Kemerdekaan" in data["reasons"][0]["message"]
        or "Independence" in data["reasons"][0]["message"]
    )
    allowed = await factory.create_campaign(
        name="holidays-allowed",
        period={"starts": "2022-08-01", "ends": "2022-09-30"},
        holidays="allow",
    )
    await factory.create_targets(allowed, [row(1)], name="b.csv")
    allowed = await factory.start(allowed)
    assert (await why_target(conn, allowed, "122000000001", now=independence_day))["dialable"]


async def test_the_campaign_summary_counts_targets_per_reason(
    conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.create_campaign()
    rows = [row(i) for i in range(1, 7)] + [row(i, province="Maluku") for i in range(7, 10)]
    await factory.create_targets(campaign, rows)
    campaign = await factory.start(campaign)
    await dnc.add(conn, "+6281200000001", reason="", source="test", actor="test")
    await dnc.add(conn, "+6281200000007", reason="", source="test", actor="test")
    early = MONDAY_10_WIB - timedelta(hours=2, minutes=30)  # WIB closed; Maluku (WIT) open
    summary = await why_not_summary(conn, campaign, now=early)
    assert summary["targets"] == 9
    assert summary["reasons"] == {"outside_hours": 6, "dnc": 2}
    assert summary["dialable_now"] == 2
    assert summary["zones"]["WIB"]["open"] is False and summary["zones"]["WIT"]["open"] is True
    # Each reason named for the manager, Indonesian by default, English when asked.
    assert summary["labels"] == {
        "outside_hours": "di luar jam panggilan",
        "dnc": "ada di daftar jangan ditelepon (DNC)",
    }
    assert summary["zones"]["WIB"]["message"].startswith("di luar jam panggilan sampai 08.00 WIB")
    await conn.execute(
        "UPDATE targets SET state = 'done', done_reason = 'pays_via_bukalapak'"
        " WHERE msisdn = '+6281200000002'"
    )
    await conn.execute(
        "UPDATE targets SET state = 'done', done_reason = 'no_answer_limit'"
        " WHERE msisdn = '+6281200000003'"
    )
    english = await why_not_summary(conn, campaign, now=early, language="en")
    assert english["labels"]["done_pays_via_bukalapak"] == (
        "finished: Pays via Bukalapak (voucher)"
    )
    assert english["labels"]["done_no_answer_limit"] == "finished: no answer (the policy's limit)"
    indonesian = await why_not_summary(conn, campaign, now=early)
    assert indonesian["labels"]["done_pays_via_bukalapak"] == (
        "selesai: Bayar via Bukalapak (voucher)"
    )
    assert indonesian["labels"]["done_no_answer_limit"] == (
        "selesai: tidak diangkat (batas kebijakan)"
    )


async def test_the_api_answers_managers_only(
    client: TestClient[Any, Any], conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.create_campaign()
    await factory.create_targets(campaign, [row(1)])
    await factory.create_user("boss", "manager")
    await factory.create_user("agent", "agent")
    paths = [
        f"/api/campaigns/{campaign.name}/why-not",
        f"/api/campaigns/{campaign.name}/targets/122000000001/why",
        f"/api/campaigns/{campaign.name}/progress",
        f"/api/campaigns/{campaign.name}/attempts.csv",
    ]
    for path in paths:
        assert (await client.get(path)).status == 401
    tokens = {}
    for user in ("boss", "agent"):
        login = await client.post(
            "/api/auth/login", json={"username": user, "password": "secret-pass"}
        )
        tokens[user] = (await login.json())["token"]
    for path in paths:
        agent = await client.get(path, headers={"Authorization": f"Bearer {tokens['agent']}"})
        assert agent.status == 403
        boss = await client.get(path, headers={"Authorization": f"Bearer {tokens['boss']}"})
        assert boss.status == 200, path
    missing = await client.get(
        f"/api/campaigns/{campaign.name}/targets/999/why",
        headers={"Authorization": f"Bearer {tokens['boss']}"},
    )
    assert missing.status == 404
    assert "999" in (await missing.json())["error"]["message"]
