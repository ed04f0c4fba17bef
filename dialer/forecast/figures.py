"""Each figure of the forecast as JSON — the list exhausted, the quota used up, the
chance of finishing, the agents needed — and the inputs it used."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from dialer.forecast.estimates import PRIOR_RESULTS
from dialer.forecast.models import Observed
from dialer.forecast.runner import AGENTS_RANGE, AGENTS_RULE, Forecaster, quantiles, wilson
from dialer.forecast.simulation import Run
from dialer.rules.window import Calendar, holiday_name, next_opening
from dialer.rules.zones import ZONE_NAMES, zone_info


def finished(
    seen: Observed, work: Forecaster, used: int, source: str, period_end: datetime | None
) -> dict[str, Any]:
    """A finished campaign with targets left: nobody is called any more."""
    finished = {"status": "campaign_finished"}
    voucher = seen.definition.voucher
    return {
        "campaign": seen.campaign,
        "as_of": seen.now,
        "method": {"kind": "none", "runs": 0, "agents_rule": AGENTS_RULE},
        "exhausted": finished,
        "quota": finished
        | {
            "quota": voucher.quota,
            "taken": seen.vouchers_taken,
            "left": max(0, voucher.quota - seen.vouchers_taken),
            "expires": voucher.expires,
        },
        "finish_probability": {
            "value": 0.0,
            "low": 0.0,
            "high": 0.0,
            "reason": "campaign_finished",
        },
        "agents_needed": finished,
        "inputs": inputs(seen, work, used, source, period_end),
    }


def exhausted(
    left: int, agents: int, runs: list[Run], period_end: datetime | None
) -> dict[str, Any]:
    if not left:
        return {"status": "done"}
    if not agents:
        return {"status": "never", "reason": "no_agents"}
    low, mid, high = quantiles([r.finished_at for r in runs])
    unfinished = [r.left for r in runs if r.finished_at is None]
    status = "by_end" if mid is not None else "after_end"
    out: dict[str, Any] = {"status": status, "at": mid, "low": low, "high": high}
    out["period_end"] = period_end
    if unfinished:
        out["left_at_end"] = {
            "median": int(median(unfinished)),
            "low": min(unfinished),
            "high": max(unfinished),
            "runs": len(unfinished),
        }
    return out


def quota(seen: Observed, work: Forecaster, agents: int, runs: list[Run]) -> dict[str, Any]:
    voucher = seen.definition.voucher
    out: dict[str, Any] = {
        "quota": voucher.quota,
        "taken": seen.vouchers_taken,
        "left": max(0, voucher.quota - seen.vouchers_taken),
        "expires": voucher.expires,
    }
    if seen.vouchers_taken >= voucher.quota:
        return out | {"status": "used_up", "at": seen.last_voucher_at}
    if seen.now >= voucher.expires:
        return out | {"status": "expired"}
    if not work.plan.remaining:
        return out | {"status": "list_done"}
    if not agents:
        return out | {"status": "never", "reason": "no_agents"}
    low, mid, high = quantiles([r.quota_at for r in runs])
    hits = sum(r.quota_at is not None for r in runs)
    probability_low, probability_high = wilson(hits, len(runs))
    return out | {
        "status": "forecast" if mid is not None else "not_used_up",
        "at": mid,
        "low": low,
        "high": high,
        "probability": round(hits / len(runs), 3),
        "probability_low": round(probability_low, 3),
        "probability_high": round(probability_high, 3),
    }


def probability(left: int, agents: int, runs: list[Run]) -> dict[str, Any]:
    if not left:
        return {"value": 1.0, "low": 1.0, "high": 1.0}
    if not agents:
        return {"value": 0.0, "low": 0.0, "high": 0.0, "reason": "no_agents"}
    hits = sum(r.finished_at is not None for r in runs)
    low, high = wilson(hits, len(runs))
    return {"value": round(hits / len(runs), 3), "low": round(low, 3), "high": round(high, 3)}


def agents_needed(work: Forecaster, left: int, agents: int) -> dict[str, Any]:
    """The fewest agents with which ``AGENTS_RULE`` of the runs finish inside the
    period, and the numbers for the shares of ``AGENTS_RANGE``: quantiles of each search
    run's own fewest (a run no number finishes ranks last)."""
    rule = {"share": AGENTS_RULE, "low_share": AGENTS_RANGE[0], "high_share": AGENTS_RANGE[1]}
    if not left:
        return {"status": "done"} | rule
    each = work.needed(max(1, agents))
    ranked = sorted(each, key=lambda n: (n is None, n or 0))

    def share_of(q: float) -> int | None:
        return ranked[min(len(ranked) - 1, math.ceil(q * len(ranked)) - 1)]

    needed = share_of(AGENTS_RULE)
    if needed is None:
        finishing = sum(n is not None for n in each) / len(each)
        return {"status": "none_suffice", "unlimited_probability": round(finishing, 3)} | rule
    return {
        "status": "found",
        "agents": needed,
        "low": share_of(AGENTS_RANGE[0]),
        "high": share_of(AGENTS_RANGE[1]),
        "probability": round(sum(n is not None and n <= needed for n in each) / len(each), 3),
        "runs": len(each),
    } | rule


def inputs(
    seen: Observed, work: Forecaster, agents: int, source: str, period_end: datetime | None
) -> dict[str, Any]:
    model, spec = work.model, seen.definition
    by_state: Counter[str] = Counter()
    by_zone: defaultdict[str, Counter[str]] = defaultdict(Counter)
    retries = 0
    for c in seen.cohorts:
        state = "ready" if c.due is None or c.due <= seen.now else "scheduled"
        by_state[state] += c.n
        by_zone[c.zone][state] += c.n
        retries += c.n * max(0, spec.retry.max_attempts - c.attempts)
    odds = model.odds
    hours = sorted({(zone, hour) for zone, hour, _, _ in seen.results})
    callback_mean = model.callback[0] / sum(model.callback)
    voucher_mean = model.voucher[0] / sum(model.voucher)
    return {
        "campaign_state": seen.state,
        "agents": {"used": agents, "source": source, "logged_in": seen.agents_logged_in},
        "targets": {
            "total": seen.total,
            "done": seen.done,
            "left": work.plan.remaining,
            "ready": by_state["ready"],
            "scheduled": by_state["scheduled"],
            "dialing": seen.dialing,
            "attempts_left_at_most": retries,
            "by_zone": {z: dict(by_zone[z]) for z in ZONE_NAMES if by_zone[z]},
        },
        "contact_odds": {
            "campaign": odds.contact().to_json(),
            "by_zone": {z: odds.contact(z).to_json() for z in ZONE_NAMES},
            "by_local_hour": [
                {"zone": z, "hour": h} | odds.contact(z, h).to_json() for z, h in hours
            ],
            "calls": odds.calls,
            "prior": PRIOR_RESULTS["contacted"],
        },
        "seconds_per_contact": model.cycle.to_json(1),
        "callbacks": {
            "share": round(callback_mean, 4),
            "delay_minutes": round(model.callback_delay.total_seconds() / 60),
            "delay_prior": not seen.callback_delays,
            "contacts": model.contacts,
        },
        "vouchers": {"share": round(voucher_mean, 4), "contacts": model.contacts},
        "retry": spec.retry.model_dump(),
        "calendar": {
            "period": [spec.period.starts, spec.period.ends],
            "ends_at": period_end,
            "windows": {
                d: [f"{w.start:%H:%M}", f"{w.end:%H:%M}"] for d, w in spec.calling_window.items()
            },
            "holidays": spec.holidays,
            "holidays_left": _holidays_left(work.calendar, seen.now),
            "next_opening": {z: next_opening(work.calendar, z, seen.now) for z in ZONE_NAMES},
        },
    }


def _holidays_left(calendar: Calendar, now: datetime) -> list[dict[str, Any]]:
    """The public holidays between now and the period's end that the campaign skips
    (from today in WIB, the zone whose day comes last)."""
    if not calendar.skip_holidays:
        return []
    found = []
    day = max(now.astimezone(zone_info("WIB")).date(), calendar.period_start)
    while day <= calendar.period_end:
        name = holiday_name(day)
        if name is not None and day.weekday() in calendar.windows:
            found.append({"date": day, "name": name})
        day += timedelta(days=1)
    return found
