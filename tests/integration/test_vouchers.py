"""The voucher ledger: codes imported with bad lines reported, and vouchers issued one
per customer, never over the quota — under concurrent issuers — nor after the expiry."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiohttp import FormData

from dialer.auth import service as auth
from dialer.db import Pool, create_pool
from dialer.vouchers import ledger, redemptions
from tests.factories import Factory
from tests.integration.test_embedded_and_cli import dialer

NOW = datetime(2022, 9, 5, 3, 0, tzinfo=UTC)
VOUCHER = {"quota": 50, "expires": "2022-09-30T23:59:59+07:00", "codes": "generated"}


async def outcomes_for(conn: asyncpg.Connection, campaign_id: int, n: int) -> tuple[int, list[int]]:
    """An agent and ``n`` pays_via_bukalapak outcomes, one per (made-up) target."""
    user = await auth.create_user(conn, username="ani", role="agent", password=None)
    ids = [
        await conn.fetchval(
            "INSERT INTO outcomes (attempt_id, campaign_id, target_id, agent_id, code,"
            " hub_penerima, wa_number, recorded_at)"
            " VALUES ($1, $2, $1, $3, 'pays_via_bukalapak', 'YANG BERSANGKUTAN',"
            " '+6281200000001', $4) RETURNING id",
            i,
            campaign_id,
            user.id,
            NOW,
        )
        for i in range(1, n + 1)
    ]
    return user.id, ids


async def issue(
    pool: Pool,
    campaign_id: int,
    voucher: dict[str, Any],
    target: int,
    outcome: int,
    agent: int,
    now: datetime = NOW,
    message: dict[str, Any] | None = None,
) -> ledger.Issue:
    async with pool.acquire() as c, c.transaction():
        return await ledger.issue(
            c,
            campaign_id=campaign_id,
            voucher=voucher,
            target_id=target,
            outcome_id=outcome,
            agent_id=agent,
            wa_number="+6281200000001",
            now=now,
            message=message,
        )


MESSAGE = {
    "sender": "whatsapp:+6281100000001",
    "content_sid": "HX" + "0" * 32,
    "variables": {"1": "Budi", "3": "30 September 2022"},
    "code_keys": ["2"],
}


async def test_concurrent_issuers_issue_exactly_the_quota_one_per_customer(
    db_url: str, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.create_campaign(voucher=VOUCHER)
    agent, outcome_ids = await outcomes_for(conn, campaign.id, 200)
    pool = await create_pool(db_url, min_size=10, max_size=10)
    try:
        results = await asyncio.gather(
            *(issue(pool, campaign.id, VOUCHER, n, o, agent) for n, o in enumerate(outcome_ids, 1))
        )
    finally:
        await pool.close()
    issued = [r for r in results if r.issued]
    assert len(issued) == 50
    assert {r.reason for r in results if not r.issued} == {"quota_used_up"}
    assert await conn.fetchval("SELECT count(*) FROM vouchers") == 50
    assert await conn.fetchval("SELECT counted FROM voucher_counts") == 50
    codes = [r.voucher["code"] for r in issued if r.voucher]
    assert len(set(codes)) == 50 and all(c.startswith("BL") and len(c) == 12 for c in codes)
    assert await conn.fetchval("SELECT count(*) FROM voucher_events WHERE event = 'issued'") == 50
    # A customer who has one gets the same one again, never a second.
    first = issued[0].voucher
    assert first is not None
    pool = await create_pool(db_url, min_size=1, max_size=1)
    try:
        again = await issue(
            pool, campaign.id, VOUCHER, first["target_id"], first["outcome_id"], agent
        )
    finally:
        await pool.close()
    assert again.issued and again.new is False
    assert again.voucher and again.voucher["code"] == first["code"]
    assert await conn.fetchval("SELECT count(*) FROM vouchers") == 50


async def test_no_place_left_writes_nothing_not_even_the_code_or_the_message(
    pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    voucher = VOUCHER | {"quota": 1}
    campaign = await factory.create_campaign(voucher=voucher)
    agent, (first, second) = await outcomes_for(conn, campaign.id, 2)
    got = await issue(pool, campaign.id, voucher, 1, first, agent, message=MESSAGE)
    assert got.new and got.voucher is not None
    message = await conn.fetchrow("SELECT * FROM messages")
    assert message["variables"] == MESSAGE["variables"] | {"2": got.voucher["code"]}
    assert message["idempotency_key"] == f"voucher-{got.voucher['id']}-1"
    assert (message["state"], message["to_number"]) == ("pending", "+6281200000001")
    late = await issue(pool, campaign.id, voucher, 2, second, agent, message=MESSAGE)
    assert (late.issued, late.reason) == (False, "quota_used_up")
    for table in ("voucher_codes", "vouchers", "voucher_events", "messages"):
        assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 1, table
    # Nor is it counted for the report (its hour's count is undone with it).
    assert await conn.fetchval("SELECT sum(n) FROM voucher_hours WHERE step = 'issued'") == 1
    assert await conn.fetchval("SELECT counted FROM voucher_counts") == 1


async def test_a_generated_code_already_taken_is_drawn_again(
    pool: Pool, conn: asyncpg.Connection, factory: Factory, monkeypatch: Any
) -> None:
    campaign = await factory.create_campaign(voucher=VOUCHER)
    other = await factory.create_campaign(voucher=VOUCHER, name="other")
    agent, (outcome,) = await outcomes_for(conn, campaign.id, 1)
    await conn.execute(
        "INSERT INTO voucher_codes (campaign_id, code, source, added_by, added_at)"
        " VALUES ($1, 'BLAAAAAAAAAA', 'file:old.csv', 'mira', $2)",
        other.id,
        NOW,
    )
    letters = iter("A" * 10 + "B" * 40)
    monkeypatch.setattr(ledger.secrets, "choice", lambda _: next(letters))
    got = await issue(pool, campaign.id, VOUCHER, 1, outcome, agent)
    assert got.new and got.voucher is not None and got.voucher["code"] == "BLBBBBBBBBBB"
    assert await conn.fetchval("SELECT count(*) FROM voucher_codes") == 2


async def test_none_after_the_expiry_and_none_beyond_the_pool(
    pool: Pool, conn: asyncpg.Connection, factory: Factory, tmp_path: Any
) -> None:
    voucher = VOUCHER | {"codes": "pool", "quota": 5}
    campaign = await factory.create_campaign(voucher=voucher)
    agent, outcome_ids = await outcomes_for(conn, campaign.id, 5)
    path = tmp_path / "codes.csv"
    path.write_text("code\nBLA-0001\nBLA-0002\nBLA-0003\n")
    summary = await ledger.import_codes(
        conn, campaign.id, path, source="file:codes.csv", actor="mira", now=NOW
    )
    assert summary["added"] == 3
    late = datetime(2022, 9, 30, 17, 0, tzinfo=UTC)  # 00:00 WIB on 1 October
    expired = await issue(pool, campaign.id, voucher, 1, outcome_ids[0], agent, now=late)
    assert (expired.issued, expired.reason) == (False, "expired")
    got = [
        await issue(pool, campaign.id, voucher, n, o, agent) for n, o in enumerate(outcome_ids, 1)
    ]
    assert [g.voucher["code"] for g in got[:3] if g.voucher] == ["BLA-0001", "BLA-0002", "BLA-0003"]
    assert [(g.issued, g.reason) for g in got[3:]] == [(False, "no_codes")] * 2
    assert "Stok kode voucher habis" in got[3].to_json()["message"]
    # The count is the vouchers issued: two places are still free for new codes.
    assert await conn.fetchval("SELECT counted FROM voucher_counts") == 3


async def test_the_partners_file_is_imported_with_bad_lines_reported(
    client: Any, conn: asyncpg.Connection, factory: Factory
) -> None:
    first = await factory.create_campaign(voucher=VOUCHER | {"codes": "pool"})
    other = await factory.create_campaign(voucher=VOUCHER | {"codes": "pool"})
    user = await auth.create_user(conn, username="mira", role="manager", password=None)
    token, _ = await auth.issue_token(conn, user.id, kind="api", label="test")
    boss = {"Authorization": f"Bearer {token}"}

    async def upload(campaign: str, text: str, headers: dict[str, str] = boss) -> Any:
        form = FormData()
        form.add_field("file", text.encode(), filename="codes.csv", content_type="text/csv")
        resp = await client.post(
            f"/api/campaigns/{campaign}/vouchers/import", data=form, headers=headers
        )
        return resp.status, await resp.json()

    status, body = await upload(
        first.name, "Kode Voucher\nbl-aaaa-1\nBL-AAAA-2\nBL AAAA\n\nBL-AAAA-2\n"
    )
    assert status == 201
    assert (body["rows"], body["added"]) == (4, 2)
    assert body["rejected"] == [
        {
            "line": 4,
            "code": "BL AAAA",
            "reason": "format salah: 4-40 huruf, angka, dan tanda hubung",
        },
        {"line": 6, "code": "BL-AAAA-2", "reason": "mengulang baris 3"},
    ]
    # Known to another campaign's pool: refused, by line; a bare list needs no header.
    status, body = await upload(other.name, "BL-AAAA-1\nBL-BBBB-1\n")
    assert status == 201 and body["added"] == 1
    assert body["rejected"] == [
        {"line": 1, "code": "BL-AAAA-1", "reason": "sudah ada di pool (kampanye ini atau lainnya)"}
    ]
    status, body = await upload(other.name, "???\n")
    assert status == 422 and "tidak ada yang ditambahkan" in body["error"]["message"]
    resp = await client.get(f"/api/campaigns/{first.name}/vouchers", headers=boss)
    listed = await resp.json()
    assert listed["pool"] == {"codes": 2, "free": 2} and listed["left"] == 50
    agent = await auth.create_user(conn, username="ani", role="agent", password=None)
    token, _ = await auth.issue_token(conn, agent.id, kind="api", label="test")
    assert (await upload(first.name, "BL-CCCC-1\n", {"Authorization": f"Bearer {token}"}))[0] == 403


async def test_vouchers_expire_and_held_ones_lapse_returning_their_place(
    pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    from datetime import timedelta

    from dialer.vouchers import expiry

    held = VOUCHER | {"quota": 2, "hold_days": 3}
    campaign = await factory.create_campaign(voucher=held)
    agent, outcome_ids = await outcomes_for(conn, campaign.id, 3)
    first = await issue(pool, campaign.id, held, 1, outcome_ids[0], agent)
    second = await issue(
        pool, campaign.id, held, 2, outcome_ids[1], agent, now=NOW + timedelta(days=2)
    )
    assert first.issued and second.issued
    assert not (await issue(pool, campaign.id, held, 3, outcome_ids[2], agent)).issued

    # Three days on, the first (unredeemed) lapses: its place returns to the quota.
    assert await expiry.sweep(pool, NOW + timedelta(days=3, seconds=1)) == {
        "expired": 0,
        "lapsed": 1,
    }
    assert await conn.fetchval("SELECT counted FROM voucher_counts") == 1
    third = await issue(
        pool, campaign.id, held, 3, outcome_ids[2], agent, now=NOW + timedelta(days=3, hours=1)
    )
    assert third.issued and third.new
    # Past the expiry the others expire; nothing happens twice.
    after = datetime(2022, 10, 1, tzinfo=UTC)
    assert await expiry.sweep(pool, after) == {"expired": 2, "lapsed": 0}
    assert await expiry.sweep(pool, after) == {"expired": 0, "lapsed": 0}
    events = await conn.fetch(
        "SELECT v.target_id, e.event, e.actor FROM voucher_events e JOIN vouchers v ON v.id = e.voucher_id ORDER BY e.id"
    )
    pairs = [(e["target_id"], e["event"]) for e in events]
    assert pairs[:4] == [(1, "issued"), (2, "issued"), (1, "lapsed"), (3, "issued")]
    assert sorted(pairs[4:]) == [(2, "expired"), (3, "expired")]
    assert {e["actor"] for e in events if e["event"] != "issued"} == {"system"}


async def test_export_vouchers_writes_every_voucher_as_csv(
    pool: Pool, conn: asyncpg.Connection, factory: Factory, db_url: str, tmp_path: Any
) -> None:
    import csv

    from tests.factories import row
    from tests.integration.test_embedded_and_cli import dialer

    campaign = await factory.create_campaign(voucher=VOUCHER)
    await factory.create_targets(campaign, [row(1, name="Siti"), row(2)])
    targets = [r["id"] for r in await conn.fetch("SELECT id FROM targets ORDER BY id")]
    agent, outcome_ids = await outcomes_for(conn, campaign.id, 2)
    for target, outcome in zip(targets, outcome_ids, strict=True):
        assert (await issue(pool, campaign.id, VOUCHER, target, outcome, agent)).issued
    out = tmp_path / "vouchers.csv"
    done = dialer("export", "vouchers", campaign.name, "-o", str(out), home=tmp_path, env_db=db_url)
    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["indihome_number"], r["customer_name"], r["state"], r["agent"]) for r in rows] == [
        ("122000000001", "Siti", "issued", "ani"),
        ("122000000002", "Pelanggan 2", "issued", "ani"),
    ]
    assert all(r["code"].startswith("BL") and r["wa_number"] == "+6281200000001" for r in rows)
    assert rows[0]["issued_at"] == NOW.isoformat() and rows[0]["sent_at"] == ""


async def test_a_voided_voucher_gives_its_place_back_and_its_message_is_not_sent(
    pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    voucher = VOUCHER | {"quota": 1}
    campaign = await factory.create_campaign(voucher=voucher)
    agent, (first, second) = await outcomes_for(conn, campaign.id, 2)
    got = await issue(pool, campaign.id, voucher, 1, first, agent, message=MESSAGE)
    assert got.voucher is not None
    full = await issue(pool, campaign.id, voucher, 2, second, agent)
    assert full.reason == "quota_used_up"
    for _ in range(2):  # voiding twice is one voiding
        async with conn.transaction():
            row = await conn.fetchrow(
                "SELECT * FROM vouchers WHERE id = $1 FOR UPDATE", got.voucher["id"]
            )
            voided = await ledger.void(conn, row, reason="wrong customer", actor="mira", now=NOW)
        assert voided["state"] == "voided"
    assert await conn.fetchval("SELECT counted FROM voucher_counts") == 0
    assert await conn.fetchrow("SELECT state, error FROM messages") == ("failed", "voucher voided")
    events = await conn.fetch("SELECT event, actor, details FROM voucher_events ORDER BY id")
    assert [(e["event"], e["actor"]) for e in events] == [
        ("issued", f"agent:{agent}"),
        ("voided", "mira"),
    ]
    assert events[1]["details"] == {"reason": "wrong customer", "messages_held": 1}
    # The place is free again: the next customer who agrees gets it.
    again = await issue(pool, campaign.id, voucher, 2, second, agent)
    assert again.new and again.voucher and again.voucher["code"] != got.voucher["code"]
    # The partner can't redeem the voided code.
    async with conn.transaction():
        redeemed = await redemptions.redeem(
            conn,
            reference="R-1",
            code=got.voucher["code"],
            redeemed_at=NOW,
            amount=None,
            source="callback",
            now=NOW,
        )
    assert redeemed["result"] == "voided"
    assert (
        await conn.fetchval("SELECT state FROM vouchers WHERE id = $1", got.voucher["id"])
        == "voided"
    )


async def test_managers_void_through_the_api_and_the_command_line(
    client: Any, db_url: str, pool: Pool, conn: asyncpg.Connection, factory: Factory, tmp_path: Any
) -> None:
    campaign = await factory.create_campaign(voucher=VOUCHER)
    agent, outcome_ids = await outcomes_for(conn, campaign.id, 3)
    vouchers = []
    for n, outcome in enumerate(outcome_ids, 1):
        issued = await issue(pool, campaign.id, VOUCHER, n, outcome, agent)
        assert issued.voucher is not None
        vouchers.append(issued.voucher)
    mira = await auth.create_user(conn, username="mira", role="manager", password=None)
    boss = {"Authorization": f"Bearer {(await auth.issue_token(conn, mira.id, kind='api'))[0]}"}
    token, _ = await auth.issue_token(conn, agent, kind="api")
    url = f"/api/vouchers/{vouchers[0]['id']}/void"
    resp = await client.post(
        url, json={"reason": "fraud"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status == 403
    resp = await client.post(url, json={}, headers=boss)
    assert resp.status == 422 and "reason" in await resp.text()
    resp = await client.post("/api/vouchers/999999/void", json={"reason": "fraud"}, headers=boss)
    assert resp.status == 404
    assert await conn.fetchval("SELECT count(*) FROM vouchers WHERE state = 'voided'") == 0
    resp = await client.post(url, json={"reason": "fraud"}, headers=boss)
    assert resp.status == 200 and (await resp.json())["voucher"]["state"] == "voided"
    await conn.execute("UPDATE vouchers SET state = 'redeemed' WHERE id = $1", vouchers[1]["id"])
    resp = await client.post(
        f"/api/vouchers/{vouchers[1]['id']}/void", json={"reason": "fraud"}, headers=boss
    )
    assert resp.status == 409 and "redeemed" in await resp.text()
    # From the command line, by code.
    done = dialer(
        "vouchers",
        "void",
        vouchers[2]["code"].lower(),
        "--reason",
        "asked by the partner",
        home=tmp_path,
        env_db=db_url,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["state"] == "voided"
    unknown = dialer(
        "vouchers", "void", "NOPE-0000", "--reason", "x y z", home=tmp_path, env_db=db_url
    )
    assert unknown.returncode != 0 and "tidak ada voucher dengan kode" in unknown.stderr
    assert await conn.fetchval("SELECT counted FROM voucher_counts") == 1
    voided = await conn.fetch("SELECT actor FROM voucher_events WHERE event = 'voided' ORDER BY id")
    actors = [v["actor"] for v in voided]
    assert len(actors) == 2 and actors[0] == "mira" and actors[1].startswith("cli:")


async def test_a_campaign_that_generates_its_codes_refuses_the_partners_file(
    client: Any, db_url: str, conn: asyncpg.Connection, factory: Factory, tmp_path: Any
) -> None:
    # The seed campaign's [voucher] says codes = "generated": a partner's file would sit
    # in the pool unused, so it is refused — over HTTP and from the command line alike.
    campaign = await factory.create_campaign()
    assert campaign.spec().voucher.codes == "generated"
    user = await auth.create_user(conn, username="mira", role="manager", password=None)
    token, _ = await auth.issue_token(conn, user.id, kind="api", label="test")
    form = FormData()
    form.add_field("file", b"code\nBL-PART-0001\n", filename="codes.csv", content_type="text/csv")
    resp = await client.post(
        f"/api/campaigns/{campaign.name}/vouchers/import",
        data=form,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status == 409
    error = (await resp.json())["error"]
    assert error["id"] == "conflict"
    assert campaign.name in error["message"]
    assert "membuat sendiri kode vouchernya" in error["message"]
    assert 'codes = "pool"' in error["message"]
    assert error["details"] == [
        {"campaign": campaign.name, "field": "voucher.codes", "value": "generated"}
    ]
    path = tmp_path / "codes.csv"
    path.write_text("code\nBL-PART-0002\n")
    done = dialer("vouchers", "import", campaign.name, str(path), home=tmp_path, env_db=db_url)
    assert done.returncode == 2, done.stdout
    assert "membuat sendiri kode vouchernya" in done.stderr and 'codes = "pool"' in done.stderr
    assert await conn.fetchval("SELECT count(*) FROM voucher_codes") == 0
