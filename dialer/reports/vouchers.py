"""The voucher redemption report: what the campaign exists for.

Per campaign and per day (the day in ``zone``, WIB unless asked otherwise): how many
customers heard the offer (an outcome that reached it while the quota had room and the
voucher had not expired) and accepted it, and how many vouchers were issued, sent,
delivered, read, failed, redeemed, expired and lapsed that day. Each voucher counts at
every step it reached, on the day it reached it (a read message was delivered and
sent). Then the totals, the vouchers by state now, the redemption rate (redeemed over
issued), the median time from the call to the redemption, the quota left, a page of
the customers with their voucher, and the redemptions the partner reported that were
not honoured (unknown code, second use, after the expiry, voided).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from dialer.campaigns.models import Campaign
from dialer.db import Connection, q

STEPS = (
    "offered",
    "accepted",
    "issued",
    "sent",
    "delivered",
    "read",
    "failed",
    "redeemed",
    "expired",
    "lapsed",
)
# Indonesia's zones keep no summer time: a day in each is a fixed span of UTC.
OFFSETS = {"WIB": 7 * 3600, "WITA": 8 * 3600, "WIT": 9 * 3600}
EPOCH = date(1970, 1, 1)
FLAGGED_LIMIT = 1000


@dataclass(frozen=True)
class Page:
    limit: int = 100
    offset: int = 0


async def voucher_report(
    conn: Connection,
    campaign: Campaign,
    *,
    now: datetime,
    zone: str = "WIB",
    customers: Page = Page(),
) -> dict[str, Any]:
    """The campaign's voucher redemption report (one read-only transaction: the
    figures agree with each other)."""
    definition = campaign.definition
    quota = int(definition["voucher"]["quota"])
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        counted = await conn.fetch(q("voucher_report_days"), campaign.id, OFFSETS[zone])
        states = await conn.fetchrow(q("voucher_report_states"), campaign.id)
        assert states is not None
        page = await conn.fetch(
            q("voucher_report_customers"), campaign.id, customers.limit, customers.offset
        )
        flagged = await conn.fetch(q("voucher_report_flagged"), campaign.id, FLAGGED_LIMIT)
    per_day: dict[int, dict[str, int]] = {}
    by_state: dict[str, int] = {}
    for day, step, n in counted:
        if day is None:
            by_state[step.removeprefix("state:")] = n
            continue
        per_day.setdefault(day, dict.fromkeys(STEPS, 0))[step] += n
    totals = {step: sum(d[step] for d in per_day.values()) for step in STEPS}
    days = [{"day": EPOCH + timedelta(days=d)} | per_day[d] for d in sorted(per_day)]
    issued = sum(by_state.values())
    median = states["median_seconds_to_redemption"]
    return {
        "campaign": campaign.name,
        "as_of": now,
        "zone": zone,
        "quota": {
            "quota": quota,
            "taken": states["taken"],
            "left": max(quota - states["taken"], 0),
        },
        "expires_at": definition["voucher"]["expires"],
        "totals": totals
        | {
            "redemption_rate": round(by_state.get("redeemed", 0) / issued, 4) if issued else None,
            "median_hours_to_redemption": None if median is None else round(median / 3600, 2),
        },
        "states": by_state,
        "days": days,
        "customers": {
            "total": issued,
            "limit": customers.limit,
            "offset": customers.offset,
            "items": [dict(r) for r in page],
        },
        "flagged": {
            "total": flagged[0]["total"] if flagged else 0,
            "items": [{k: v for k, v in dict(r).items() if k != "total"} for r in flagged],
        },
    }


async def voucher_funnel(conn: Connection, campaign_id: int) -> dict[str, int]:
    """Vouchers issued, then how far each got: the campaign's bottom line."""
    row = await conn.fetchrow(q("voucher_funnel"), campaign_id)
    assert row is not None
    return dict(row)
