"""Redemptions from the partner: a signed, fresh callback or a report file; each
reference once; unknown codes, second uses and late uses flagged, never honoured."""

from __future__ import annotations

import json
import time
from typing import Any

import asyncpg
from aiohttp import FormData

from dialer.auth import service as auth
from dialer.db import Pool
from dialer.providers.signing import partner_signature as sign
from dialer.settings import Settings
from tests.factories import Factory
from tests.integration.test_vouchers import VOUCHER, issue, outcomes_for


async def two_vouchers(pool: Pool, conn: asyncpg.Connection, factory: Factory) -> list[str]:
    campaign = await factory.create_campaign(voucher=VOUCHER)
    agent, outcome_ids = await outcomes_for(conn, campaign.id, 2)
    codes = []
    for n, outcome in enumerate(outcome_ids, 1):
        issued = await issue(pool, campaign.id, VOUCHER, n, outcome, agent)
        assert issued.voucher is not None
        codes.append(issued.voucher["code"])
    return codes


async def post(client: Any, settings: Settings, item: dict[str, Any], **headers: str) -> Any:
    body = json.dumps(item).encode()
    stamp = str(int(time.time()))
    secret = settings.partner.secret.get_secret_value()
    signed = {
        "X-Partner-Timestamp": stamp,
        "X-Partner-Signature": sign(secret, stamp, body),
        "Content-Type": "application/json",
    } | headers
    resp = await client.post("/partner/redemptions", data=body, headers=signed)
    return resp.status, await resp.json()


async def test_signed_redemptions_are_matched_once_and_the_rest_flagged(
    client: Any, settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    first, second = await two_vouchers(pool, conn, factory)
    item = {
        "reference": "BL-TRX-1",
        "code": first.lower(),
        "redeemed_at": "2022-09-12T10:00:00+07:00",
    }
    assert await post(client, settings, item) == (
        200,
        {"result": "redeemed", "repeat": False, "id": 1},
    )
    assert (await post(client, settings, item))[1] | {"id": 0} == {
        "result": "redeemed",
        "repeat": True,
        "id": 0,
    }
    again = item | {"reference": "BL-TRX-2"}
    assert (await post(client, settings, again))[1]["result"] == "second_use"
    unknown = item | {"reference": "BL-TRX-3", "code": "BLNOTOURS123"}
    assert (await post(client, settings, unknown))[1]["result"] == "unknown_code"
    late = {"reference": "BL-TRX-4", "code": second, "redeemed_at": "2022-10-01T00:00:01+07:00"}
    assert (await post(client, settings, late))[1]["result"] == "after_expiry"
    states = dict(await conn.fetch("SELECT code, state FROM vouchers"))
    assert states == {first: "redeemed", second: "issued"}
    events = await conn.fetch("SELECT event, actor FROM voucher_events WHERE event = 'redeemed'")
    assert [(e["event"], e["actor"]) for e in events] == [("redeemed", "partner")]

    # Forged, unsigned or replayed: 403, nothing stored.
    count = await conn.fetchval("SELECT count(*) FROM redemptions")
    fresh = item | {"reference": "BL-TRX-5"}
    assert (await post(client, settings, fresh, **{"X-Partner-Signature": "00" * 32}))[0] == 403
    old = str(int(time.time()) - 3600)
    body = json.dumps(fresh).encode()
    replay = {
        "X-Partner-Timestamp": old,
        "X-Partner-Signature": sign(settings.partner.secret.get_secret_value(), old, body),
    }
    status, answer = await post(client, settings, fresh, **replay)
    assert status == 403 and "too old" in answer["error"]["message"]
    resp = await client.post("/partner/redemptions", json=fresh)
    assert resp.status == 403
    assert await conn.fetchval("SELECT count(*) FROM redemptions") == count

    # The campaign's redemptions, and what was flagged, for the report.
    user = await auth.create_user(conn, username="mira", role="manager", password=None)
    token, _ = await auth.issue_token(conn, user.id, kind="api", label="test")
    name = await conn.fetchval("SELECT name FROM campaigns")
    resp = await client.get(
        f"/api/campaigns/{name}/redemptions", headers={"Authorization": f"Bearer {token}"}
    )
    listed = await resp.json()
    assert [r["result"] for r in listed["flagged"]] == [
        "second_use",
        "unknown_code",
        "after_expiry",
    ]


async def test_the_partners_report_is_applied_whole_or_refused_whole(
    client: Any, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    first, second = await two_vouchers(pool, conn, factory)
    user = await auth.create_user(conn, username="mira", role="manager", password=None)
    token, _ = await auth.issue_token(conn, user.id, kind="api", label="test")
    boss = {"Authorization": f"Bearer {token}"}

    async def upload(text: str) -> Any:
        form = FormData()
        form.add_field("file", text.encode(), filename="report.csv", content_type="text/csv")
        resp = await client.post("/api/redemptions/import", data=form, headers=boss)
        return resp.status, await resp.json()

    header = "reference;code;redeemed_at;amount\n"
    good = (
        f"R1;{first};2022-09-12T10:00:00+07:00;Rp 350.000\nR2;{second};2022-09-13T09:00:00+07:00;\n"
    )
    status, body = await upload(header + good + "R3;XYZ;yesterday;\n")
    assert status == 422
    assert body["error"]["details"] == [
        {
            "line": 4,
            "reason": "redeemed_at 'yesterday' bukan tanggal dan waktu"
            " (ISO 8601 dengan selisih zonanya)",
        }
    ]
    assert await conn.fetchval("SELECT count(*) FROM redemptions") == 0
    status, body = await upload(header + good)
    assert (status, body) == (201, {"lines": 2, "repeats": 0, "redeemed": 2})
    status, body = await upload(header + good)
    assert body == {"lines": 2, "repeats": 2}
    assert await conn.fetchval("SELECT amount FROM redemptions WHERE reference = 'R1'") == 350_000
