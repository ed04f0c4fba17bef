"""The voucher's expiry instant, to the microsecond.

The offer is open strictly before ``expires``: issuing at that instant gives nothing
(``expired``), one microsecond before gives a voucher. The expiry sweep expires a voucher
at that instant (``expires_at <= now``), not a microsecond before. The partner's
redemption is late only strictly after it (``redeemed_at > expires_at``): used at that
instant it is honoured — even once our sweep has expired it — and one microsecond later
it is flagged ``after_expiry``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiohttp import FormData

from dialer.auth import service as auth
from dialer.db import Pool
from dialer.settings import Settings
from dialer.vouchers import expiry
from tests.factories import Factory
from tests.integration.test_redemptions import post, two_vouchers
from tests.integration.test_vouchers import VOUCHER, issue, outcomes_for

# VOUCHER["expires"] is 2022-09-30T23:59:59+07:00.
EXPIRES = datetime(2022, 9, 30, 16, 59, 59, tzinfo=UTC)
US = timedelta(microseconds=1)
AT_EXPIRY = "2022-09-30T23:59:59+07:00"
JUST_AFTER = "2022-09-30T23:59:59.000001+07:00"


async def states(conn: asyncpg.Connection) -> dict[str, str]:
    return {r["code"]: r["state"] for r in await conn.fetch("SELECT code, state FROM vouchers")}


async def test_issuing_at_the_expiry_instant_gives_nothing_a_microsecond_before_gives_one(
    pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    assert datetime.fromisoformat(VOUCHER["expires"]) == EXPIRES
    campaign = await factory.create_campaign(voucher=VOUCHER)
    agent, (first, second) = await outcomes_for(conn, campaign.id, 2)

    late = await issue(pool, campaign.id, VOUCHER, 1, first, agent, now=EXPIRES)
    assert (late.issued, late.reason, late.voucher) == (False, "expired", None)
    assert late.to_json()["message"].startswith("Voucher sudah kedaluwarsa")
    for table in ("vouchers", "voucher_events", "voucher_codes"):
        assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 0, table
    assert not await conn.fetchval("SELECT coalesce(sum(counted), 0) FROM voucher_counts")

    # The same customer, a microsecond earlier: the offer is still open.
    got = await issue(pool, campaign.id, VOUCHER, 1, first, agent, now=EXPIRES - US)
    assert (got.issued, got.new, got.reason) == (True, True, None)
    voucher = await conn.fetchrow("SELECT * FROM vouchers")
    assert (voucher["target_id"], voucher["state"]) == (1, "issued")
    assert (voucher["issued_at"], voucher["expires_at"]) == (EXPIRES - US, EXPIRES)
    assert await conn.fetchval("SELECT counted FROM voucher_counts") == 1

    # Another customer at the instant itself: still nothing, and nothing counted.
    again = await issue(pool, campaign.id, VOUCHER, 2, second, agent, now=EXPIRES)
    assert (again.issued, again.reason) == (False, "expired")
    assert await conn.fetchval("SELECT count(*) FROM vouchers") == 1
    assert await conn.fetchval("SELECT counted FROM voucher_counts") == 1


async def test_a_redemption_at_the_expiry_instant_is_honoured_a_microsecond_later_flagged(
    client: Any, settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    first, second = await two_vouchers(pool, conn, factory)
    on_time = {"reference": "BL-TRX-ON-TIME", "code": first, "redeemed_at": AT_EXPIRY}
    status, body = await post(client, settings, on_time)
    assert (status, body["result"], body["repeat"]) == (200, "redeemed", False)
    late = {"reference": "BL-TRX-LATE", "code": second, "redeemed_at": JUST_AFTER}
    status, body = await post(client, settings, late)
    assert (status, body["result"]) == (200, "after_expiry")

    assert await states(conn) == {first: "redeemed", second: "issued"}
    assert await conn.fetchval("SELECT redeemed_at FROM vouchers WHERE code = $1", first) == (
        EXPIRES
    )
    stored = {
        r["reference"]: (r["code"], r["result"], r["redeemed_at"])
        for r in await conn.fetch("SELECT reference, code, result, redeemed_at FROM redemptions")
    }
    assert stored == {
        "BL-TRX-ON-TIME": (first, "redeemed", EXPIRES),
        "BL-TRX-LATE": (second, "after_expiry", EXPIRES + US),
    }
    redeemed = await conn.fetch("SELECT actor FROM voucher_events WHERE event = 'redeemed'")
    assert [r["actor"] for r in redeemed] == ["partner"]


async def test_the_sweep_expires_at_the_instant_and_a_redemption_then_is_still_honoured(
    client: Any, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    first, second = await two_vouchers(pool, conn, factory)
    # A microsecond before: nothing is due.
    assert await expiry.sweep(pool, EXPIRES - US) == {"expired": 0, "lapsed": 0}
    assert await states(conn) == {first: "issued", second: "issued"}
    assert await conn.fetchval("SELECT count(*) FROM voucher_events WHERE event = 'expired'") == 0
    # At the instant: both expire, once, by the system, at that time.
    assert await expiry.sweep(pool, EXPIRES) == {"expired": 2, "lapsed": 0}
    assert await expiry.sweep(pool, EXPIRES) == {"expired": 0, "lapsed": 0}
    assert await states(conn) == {first: "expired", second: "expired"}
    events = await conn.fetch(
        "SELECT event, actor, at FROM voucher_events WHERE event = 'expired' ORDER BY id"
    )
    assert [(e["actor"], e["at"]) for e in events] == [("system", EXPIRES)] * 2

    # The partner's report: used at the instant (our sweep had expired it) → honoured;
    # a microsecond later → flagged, the voucher stays expired.
    user = await auth.create_user(conn, username="mira", role="manager", password=None)
    token, _ = await auth.issue_token(conn, user.id, kind="api", label="test")
    report = (
        f"reference,code,redeemed_at\nR-ON-TIME,{first},{AT_EXPIRY}\nR-LATE,{second},{JUST_AFTER}\n"
    )
    form = FormData()
    form.add_field("file", report.encode(), filename="report.csv", content_type="text/csv")
    resp = await client.post(
        "/api/redemptions/import", data=form, headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status == 201
    assert await resp.json() == {"lines": 2, "repeats": 0, "redeemed": 1, "after_expiry": 1}
    assert await states(conn) == {first: "redeemed", second: "expired"}
    results = dict(await conn.fetch("SELECT reference, result FROM redemptions"))
    assert results == {"R-ON-TIME": "redeemed", "R-LATE": "after_expiry"}
