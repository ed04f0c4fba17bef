""" "Why was this customer not called?" — for one target, and counted for a campaign.

The reasons are the claim's own rules, evaluated for ``now``: the campaign's state, the
calling window in the target's zone (hours, day, holiday, period), the DNC list as it
is now, a number an agent found is not this customer's (in any campaign), the target's
own state (finished and why, waiting for a retry or a callback, a call in progress),
and a live call to the same number in another campaign.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from dialer.campaigns.models import Campaign, calendar_of
from dialer.db import Connection, q
from dialer.errors import NotFound
from dialer.rules.window import ZONE_NAMES, window_state, zone_info

DONE = {
    "contacted": "already reached: the customer answered",
    "transferred": "the call was transferred to another contact center",
    "wrong_number": "an agent found this number is not the customer's",
    "attempts_used": "every attempt the campaign allows was used",
}


def _local(at: datetime, zone: str) -> str:
    return f"{at.astimezone(zone_info(zone)):%a %d %b %Y %H:%M} {zone}"


def _done_message(reason: str | None, attempts: int, counts: dict[str, Any]) -> str:
    if reason and reason.endswith("_limit"):
        result = reason.removesuffix("_limit")
        return f"finished: {counts.get(result, 0)} {result.replace('_', ' ')} results, the policy's limit"
    return f"finished: {DONE.get(reason or '', reason or 'done')} ({attempts} attempts)"


async def why_target(
    conn: Connection, campaign: Campaign, indihome_number: str, *, now: datetime
) -> dict[str, Any]:
    """Whether one target may be dialled now, and otherwise every reason why not."""
    number = "".join(ch for ch in indihome_number if ch.isdigit())
    t = await conn.fetchrow(q("target_for_why"), campaign.id, number)
    if t is None:
        raise NotFound(
            f"campaign {campaign.name} has no target with IndiHome number {indihome_number!r}"
        )
    definition = campaign.spec()
    reasons: list[dict[str, Any]] = []

    def reason(code: str, message: str, until: datetime | None = None) -> None:
        reasons.append({"code": code, "message": message, "until": until})

    if campaign.state != "running":
        reason(f"campaign_{campaign.state}", f"the campaign is {campaign.state}, not running")
    window = window_state(calendar_of(definition), t["zone"], now)
    if not window.open:
        reason(window.reason or "outside_window", window.message, window.next_open)
    if t["dnc_reason"] is not None:
        reason(
            "dnc",
            f"the number is on the do-not-call list since {_local(t['dnc_added_at'], t['zone'])}"
            + (f" ({t['dnc_reason']})" if t["dnc_reason"] else ""),
        )
    if t["wrong_number_at"] is not None and t["done_reason"] != "wrong_number":
        reason(
            "wrong_number",
            "an agent found this number is not the customer's"
            f" ({t['wrong_number_campaign']}, {_local(t['wrong_number_at'], t['zone'])}):"
            " it is never dialled for them again",
        )
    counts = dict(t["result_counts"])
    # A target keeps its state during a call; a live call of this campaign to its
    # number is its own (one target per number in a campaign).
    dialing = t["live_campaign"] == campaign.id
    if dialing:
        reason("dialing", f"a call to this customer is in progress (attempt {t['live_attempt']})")
    elif t["state"] == "done":
        reason(f"done_{t['done_reason']}", _done_message(t["done_reason"], t["attempts"], counts))
    elif t["state"] == "scheduled" and t["next_attempt_at"] > now:
        when = _local(t["next_attempt_at"], t["zone"])
        if t["callback"]:
            reason(
                "callback", f"the customer asked to be called back at {when}", t["next_attempt_at"]
            )
        else:
            last = (t["last_result"] or "").replace("_", " ")
            reason("retry_later", f"next attempt at {when} (after {last})", t["next_attempt_at"])
    if not dialing and t["live_campaign"] is not None:
        reason("number_in_call", "the number is on a call of another campaign right now")
    return {
        "campaign": campaign.name,
        "indihome_number": t["indihome_number"],
        "name": t["name"],
        "msisdn": t["msisdn"],
        "tier": t["tier"],
        "province": t["province"],
        "zone": t["zone"],
        "local_time": _local(now, t["zone"]),
        "state": "dialing" if dialing else t["state"],
        "attempts": t["attempts"],
        "max_attempts": definition.retry.max_attempts,
        "result_counts": counts,
        "last_result": t["last_result"],
        "last_attempt_at": t["last_attempt_at"],
        "dialable": not reasons,
        "reasons": reasons,
        "now": now,
    }


async def why_not_summary(conn: Connection, campaign: Campaign, *, now: datetime) -> dict[str, Any]:
    """Targets of a campaign counted per reason they cannot be dialled now.

    A target counts once under every reason that holds for it (a finished target in a
    closed zone counts under both); ``dialable_now`` counts those with none."""
    definition = campaign.spec()
    calendar = calendar_of(definition)
    zones = {z: window_state(calendar, z, now) for z in ZONE_NAMES}
    reasons: Counter[str] = Counter()
    total = dialable = 0
    for g in await conn.fetch(q("why_not_groups"), campaign.id, now):
        n = int(g["targets"])
        total += n
        codes = []
        if campaign.state != "running":
            codes.append(f"campaign_{campaign.state}")
        window = zones[g["zone"]]
        if not window.open:
            codes.append(window.reason or "outside_window")
        if g["dnc"]:
            codes.append("dnc")
        if g["wrong_number"] and g["done_reason"] != "wrong_number":
            codes.append("wrong_number")
        if g["dialing"]:
            codes.append("dialing")
        elif g["state"] == "done":
            codes.append(f"done_{g['done_reason']}")
        elif g["waiting"]:
            codes.append("callback" if g["callback"] else "retry_later")
        for code in codes:
            reasons[code] += n
        if not codes:
            dialable += n
    return {
        "campaign": campaign.name,
        "state": campaign.state,
        "now": now,
        "targets": total,
        "dialable_now": dialable,
        "reasons": dict(reasons.most_common()),
        "zones": {
            z: {"open": w.open, "reason": w.reason, "message": w.message, "next_open": w.next_open}
            for z, w in zones.items()
        },
    }
