"""The vouchers' clock: past its expiry an unredeemed voucher is ``expired``; with a
hold (``voucher.hold_days``), past ``lapses_at`` it is ``lapsed`` and its place returns
to the quota (the consoles of the campaign are told: the offer may come back).

A scheduled job on every node; one at a time across nodes (a transaction advisory lock:
a node that finds it taken skips the round). Each change is a ``voucher_events`` row.
"""

from __future__ import annotations

import logging
from datetime import datetime

from dialer.db import Pool, q
from dialer.vouchers.ledger import announce

log = logging.getLogger(__name__)
EXPIRY_LOCK = (0x7663, 1)  # "vc"


async def sweep(pool: Pool, now: datetime) -> dict[str, int]:
    """Expire and lapse what is due; how many of each (zeros when another node runs)."""
    async with pool.acquire() as conn, conn.transaction():
        if not await conn.fetchval(q("try_xact_lock"), *EXPIRY_LOCK):
            return {"expired": 0, "lapsed": 0}
        expired = await conn.fetch(q("expire_vouchers"), now)
        lapsed = await conn.fetch(q("lapse_vouchers"), now)
        events = [(r["id"], "expired") for r in expired] + [(r["id"], "lapsed") for r in lapsed]
        if events:
            await conn.executemany(
                q("insert_voucher_event"),
                [(voucher_id, event, "system", now, {}) for voucher_id, event in events],
            )
        for campaign_id in sorted({r["campaign_id"] for r in lapsed}):
            returned = sum(1 for r in lapsed if r["campaign_id"] == campaign_id)
            await conn.execute(q("return_voucher_places"), campaign_id, returned)
            await announce(conn, campaign_id)
    if events:
        log.info(
            "vouchers expired or lapsed", extra={"expired": len(expired), "lapsed": len(lapsed)}
        )
    return {"expired": len(expired), "lapsed": len(lapsed)}
