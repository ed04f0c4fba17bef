"""A campaign's dialling progress: targets by state, attempts by result, live calls,
the abandon guard — what the demo prints and the campaign page will show."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dialer.calls.states import RESULTS
from dialer.campaigns.models import Campaign
from dialer.db import Connection, q


async def campaign_progress(
    conn: Connection, campaign: Campaign, *, now: datetime, abandon_window: timedelta
) -> dict[str, Any]:
    targets: dict[str, int] = {}
    done: dict[str, int] = {}
    for r in await conn.fetch(q("targets_by_state"), campaign.id):
        targets[r["state"]] = targets.get(r["state"], 0) + r["n"]
        if r["state"] == "done":
            done[r["reason"]] = r["n"]
    results = {r["result"]: r["n"] for r in await conn.fetch(q("attempts_by_result"), campaign.id)}
    live = await conn.fetchrow(q("live_counts"), campaign.id)
    window = await conn.fetchrow(q("abandon_stats"), campaign.id, now - abandon_window)
    pacing = await conn.fetchrow(q("get_pacing"), campaign.id)
    assert live is not None and window is not None
    ended = sum(n for r, n in results.items() if r in RESULTS)
    quota = int(campaign.definition["voucher"]["quota"])
    taken = int(await conn.fetchval(q("vouchers_taken"), campaign.id))
    answered = results.get("contacted", 0) + results.get("abandoned", 0)
    return {
        "campaign": campaign.name,
        "state": campaign.state,
        "now": now,
        "targets": {"total": sum(targets.values()), **targets},
        "finished": done,
        "attempts": {"total": sum(results.values()), **results},
        "live": {"on_seat": live["bridged"], "in_flight": live["in_flight"]},
        "seats": campaign.definition.get("virtual_seats", 0),
        "contact_rate": round(results.get("contacted", 0) / ended, 4) if ended else None,
        "abandon_rate": round(results.get("abandoned", 0) / answered, 4) if answered else None,
        "agents": {r["state"]: r["n"] for r in await conn.fetch(q("agents_by_state"), campaign.id)},
        "vouchers": {"quota": quota, "left": max(quota - taken, 0)},
        "abandon_guard": {
            "active": bool(pacing["guard_active"]) if pacing else False,
            "since": pacing["changed_at"] if pacing and pacing["guard_active"] else None,
            "window_minutes": abandon_window.total_seconds() / 60,
            "answered": window["answered"],
            "abandoned": window["abandoned"],
            "limit_percent": campaign.definition.get("abandon_limit_percent"),
        },
    }
