"""The outcome report and the agent report of a campaign.

Outcomes: by code (the call's final disposition), the actions taken during calls by
kind (tickets, vouchers, follow-ups…: a call may hold several), and each code by the customer's tier, zone, province and the hour of
the customer's local day; the calls placed by local hour with their results; how many
targets were called how many times; the contact rate (calls that reached a person
taken by an agent, of the calls that ended) and the abandon rate (answered calls that
found no agent, of those answered by a person).

Agents: per agent, the time paused per reason given (from their state changes), the
calls bridged to them, talk time (bridged to ended), outcomes
by code, vouchers issued on their calls, and after-call work: the time from a call's
end to its outcome, plus the campaign's wrap-up timer after each outcome.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from dialer.campaigns.models import Campaign
from dialer.db import Connection, q
from dialer.rules.vocabulary import RESULT_CODES


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def outcome_report(conn: Connection, campaign: Campaign, *, now: datetime) -> dict[str, Any]:
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        cube = await conn.fetch(q("outcome_report_outcomes"), campaign.id)
        acted = await conn.fetch(q("outcome_report_actions"), campaign.id)
        calls = await conn.fetch(q("outcome_report_calls"), campaign.id)
        per_target = await conn.fetch(q("outcome_report_attempts_per_target"), campaign.id)
    by_code: Counter[str] = Counter()
    folds: dict[str, defaultdict[Any, Counter[str]]] = {
        k: defaultdict(Counter) for k in ("tier", "zone", "province", "hour")
    }
    for r in cube:
        by_code[r["code"]] += r["n"]
        for key, fold in folds.items():
            fold[r[key]][r["code"]] += r["n"]
    by_result: Counter[str] = Counter()
    hours: defaultdict[int, Counter[str]] = defaultdict(Counter)
    for r in calls:
        by_result[r["result"]] += r["n"]
        hours[r["hour"]][r["result"]] += r["n"]
    ended = sum(by_result[r] for r in RESULT_CODES)
    human = by_result["contacted"] + by_result["abandoned"]

    def folded(fold: defaultdict[Any, Counter[str]]) -> list[dict[str, Any]]:
        return [
            {"key": key, "total": sum(codes.values()), "codes": dict(codes)}
            for key, codes in sorted(fold.items(), key=lambda kv: str(kv[0]))
        ]

    return {
        "campaign": campaign.name,
        "as_of": now,
        "outcomes": {
            "total": sum(by_code.values()),
            "by_code": dict(by_code.most_common()),
            "by_tier": folded(folds["tier"]),
            "by_zone": folded(folds["zone"]),
            "by_province": folded(folds["province"]),
            "by_local_hour": folded(folds["hour"]),
        },
        # One call holds one disposition (above) and any number of actions.
        "actions": {
            "total": sum(r["n"] for r in acted),
            "by_kind": {r["kind"]: r["n"] for r in acted},
        },
        "calls": {
            "placed": sum(by_result.values()),
            "by_result": dict(by_result.most_common()),
            "contact_rate": _rate(by_result["contacted"], ended),
            "abandon_rate": _rate(by_result["abandoned"], human),
            "by_local_hour": [
                {
                    "hour": hour,
                    "calls": sum(results.values()),
                    "contacted": results["contacted"],
                    "abandoned": results["abandoned"],
                }
                for hour, results in sorted(hours.items())
            ],
        },
        "attempts_per_target": [
            {"attempts": r["attempts"], "targets": r["targets"]} for r in per_target
        ],
    }


async def agent_report(conn: Connection, campaign: Campaign, *, now: datetime) -> dict[str, Any]:
    wrap_up = campaign.spec().wrap_up_seconds
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        rows = await conn.fetch(q("agent_report"), campaign.id)
        codes = await conn.fetch(q("agent_report_codes"), campaign.id)
        pauses = await conn.fetch(q("agent_report_pauses"), campaign.id, now)
    per_agent: defaultdict[int, dict[str, int]] = defaultdict(dict)
    for r in codes:
        per_agent[r["agent_id"]][r["code"]] = r["n"]
    agents = {
        r["agent_id"]: {
            "username": r["username"],
            "name": r["display_name"],
            "calls": r["calls"],
            "talk_seconds": r["talk_seconds"],
            "after_call_work_seconds": r["seconds_to_outcome"] + wrap_up * r["outcomes"],
            "outcomes": r["outcomes"],
            "by_code": per_agent.get(r["agent_id"], {}),
            "vouchers": r["vouchers"],
            "paused_seconds": 0,
            "paused_by_reason": {},
        }
        for r in rows
    }
    # Time on a break, per reason given ("" for none): an agent who only took breaks
    # is listed too.
    for p in pauses:
        found = agents.setdefault(p["agent_id"], idle_agent(p["username"], p["display_name"]))
        found["paused_by_reason"][p["reason"] or ""] = p["seconds"]
        found["paused_seconds"] += p["seconds"]
    listed = sorted(agents.values(), key=lambda a: str(a["username"]))
    return {"campaign": campaign.name, "as_of": now, "wrap_up_seconds": wrap_up, "agents": listed}


def idle_agent(username: str, name: str) -> dict[str, Any]:
    """An agent of the report who took no call."""
    return {
        "username": username,
        "name": name,
        "calls": 0,
        "talk_seconds": 0,
        "after_call_work_seconds": 0,
        "outcomes": 0,
        "by_code": {},
        "vouchers": 0,
        "paused_seconds": 0,
        "paused_by_reason": {},
    }


async def outcome_counts(conn: Connection, campaign_id: int) -> dict[str, int]:
    """The outcomes recorded for the campaign, by code, most frequent first."""
    return {r["code"]: r["n"] for r in await conn.fetch(q("outcomes_by_code"), campaign_id)}
