"""A campaign's dialling progress: targets by state, calls by result, live calls, agents
by state, the voucher quota left, the abandon guard — what the campaign page shows live,
the demo prints and ``GET /api/campaigns/{c}/progress`` answers.

The numbers come from one statement (``live_numbers``) that reads the running counts
(migration 0014), never the campaign's rows: its cost does not grow with the campaign.
:func:`shape` turns its JSON into the progress; the live stream (``reports/live.py``)
shapes on every node what one node read and announced.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from dialer.campaigns.models import Campaign
from dialer.db import Connection, Pool, q
from dialer.rules.vocabulary import RESULT_CODES

COMPACT_LOCK = (0x6363, 1)  # "cc"
COMPACT_SECONDS = 10


async def compact(pool: Pool) -> int:
    """Fold the running counts' appended rows (migration 0014); one node at a time (a
    node that finds the lock taken skips the round). How many rows were folded."""
    async with pool.acquire() as conn, conn.transaction():
        if not await conn.fetchval(q("try_xact_lock"), *COMPACT_LOCK):
            return 0
        return int(await conn.fetchval(q("compact_counts")))


async def campaign_progress(
    conn: Connection, campaign: Campaign, *, now: datetime, abandon_window: timedelta
) -> dict[str, Any]:
    row = await conn.fetchrow(q("live_numbers"), campaign.id, now, abandon_window, False)
    assert row is not None
    return shape(row["numbers"])


def shape(numbers: dict[str, Any]) -> dict[str, Any]:
    """The progress from ``live_numbers``' JSON. A target on a live call counts as
    'dialing' (in the table it keeps its state while it is called)."""
    targets: Counter[str] = Counter()
    done: Counter[str] = Counter()
    for state, reason, n in numbers["targets"]:
        targets[state] += n
        if state == "done":
            done[reason] += n
    results: Counter[str] = Counter({result: n for result, n in numbers["results"]})
    for target_state, reason, n in numbers["live_targets"]:
        targets[target_state] -= n
        targets["dialing"] += n
        if target_state == "done":
            done[reason] -= n
    # A live call whose result is set (rare) is in the counts already.
    results.update(numbers["live_calls"])
    ended = sum(n for r, n in results.items() if r in RESULT_CODES)
    answered = results["contacted"] + results["abandoned"]
    quota = int(numbers["quota"])
    guard = numbers["guard"] or {}
    window = numbers["window"]
    pacing = numbers.get("pacing") or {}
    return {
        "campaign": numbers["name"],
        "state": numbers["state"],
        "now": numbers["now"],
        "targets": {"total": sum(targets.values()), **{k: v for k, v in targets.items() if v}},
        "finished": {k: v for k, v in done.items() if v},
        "attempts": {"total": sum(results.values()), **{k: v for k, v in results.items() if v}},
        "live": {"on_seat": numbers["on_seat"], "in_flight": numbers["in_flight"]},
        "seats": numbers["seats"],
        "contact_rate": round(results["contacted"] / ended, 4) if ended else None,
        "abandon_rate": round(results["abandoned"] / answered, 4) if answered else None,
        "agents": numbers["agents"],
        "vouchers": {"quota": quota, "left": max(quota - int(numbers["taken"]), 0)},
        "abandon_guard": {
            "active": bool(guard.get("active", False)),
            "since": guard.get("since") if guard.get("active") else None,
            "window_minutes": numbers["window_seconds"] / 60,
            "answered": window["answered"],
            "abandoned": window["abandoned"],
            "limit_percent": numbers["abandon_limit_percent"],
        },
        # How the pacer sized the last batch (``calls/pacing.py``): the mode, the target
        # and the target in force (lower while the abandon rate nears the limit), and the
        # estimates it used; null before the campaign was first paced.
        "pacing": {
            "mode": pacing.get("mode"),
            "target_percent": pacing.get("target_percent"),
            "in_force_percent": pacing.get("in_force_percent"),
            "slowed": bool(pacing.get("slowed", False)),
            "slowed_since": pacing.get("slowed_since"),
            "at": pacing.get("at"),
            "estimates": pacing.get("estimates"),
        }
        if pacing.get("mode")
        else None,
    }
