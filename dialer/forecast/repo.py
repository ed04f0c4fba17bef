"""What the forecast reads: the campaign's targets left (counted alike), its calls by
zone, local hour and result, its outcomes, its agents' latest calls, its agents logged
in and its voucher places — six statements in one read-only snapshot
(``db/queries/forecast.sql``)."""

from __future__ import annotations

from datetime import datetime

from dialer.campaigns.models import Campaign
from dialer.db import Connection, q
from dialer.forecast.models import Cohort, Handled, Observed

# The latest calls the agents' pace is read from, and the latest callbacks' delays.
CALLS_READ = 2000
CALLBACKS_READ = 200


async def observe(conn: Connection, campaign: Campaign, *, now: datetime) -> Observed:
    """The forecast's inputs for ``campaign`` as they are at ``now``."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        groups = await conn.fetch(q("forecast_targets"), campaign.id, now)
        totals = await conn.fetchrow(q("forecast_totals"), campaign.id)
        results = await conn.fetch(q("forecast_results"), campaign.id)
        outcomes = await conn.fetch(q("forecast_outcomes"), campaign.id)
        delays = await conn.fetch(q("forecast_callback_delays"), campaign.id, CALLBACKS_READ)
        calls = await conn.fetch(q("forecast_calls"), campaign.id, now, CALLS_READ)
    assert totals is not None
    return Observed(
        campaign=campaign.name,
        now=now,
        definition=campaign.spec(),
        cohorts=tuple(
            Cohort(
                zone=g["zone"],
                tier_rank=g["tier_rank"],
                callback=g["callback"],
                attempts=g["attempts"],
                counts=tuple(sorted((k, int(v)) for k, v in dict(g["result_counts"]).items())),
                due=g["due"],
                n=g["n"],
            )
            for g in groups
        ),
        total=totals["total"],
        done=totals["done"],
        dialing=totals["dialing"],
        results=tuple((r["zone"], r["hour"], r["result"], r["n"]) for r in results),
        outcomes={r["code"]: r["n"] for r in outcomes},
        callback_delays=tuple(d["seconds"] for d in delays if d["seconds"] and d["seconds"] > 0),
        calls=tuple(Handled(c["agent_id"], c["bridged_at"], c["free_at"]) for c in calls),
        agents_logged_in=totals["agents"],
        vouchers_taken=totals["taken"],
        last_voucher_at=totals["last_voucher_at"],
        state=campaign.state,
    )
