"""The campaign forecast: when the list will be exhausted, when the voucher quota will
be used up, the probability of finishing by the campaign's end, and the agents needed
to finish by then — each with a range, and the inputs it used.

:func:`forecast` is pure: :class:`Observed` (what ``repo.py`` read from the campaign's
rows and running counts at ``now``) in, a JSON-ready dict out; :func:`campaign_forecast`
reads, then runs it off the event loop. The model (docs/forecast.md):

- **Parameters with their uncertainty.** Contact odds — the chance of each call result
  — by zone and the customer's local hour, as a Dirichlet posterior drawn in three
  levels (the campaign, its zone, the hour) from a prior worth a few calls, so a cell
  with few calls leans on its zone and a campaign with none on the prior. The agents'
  seconds per contact (bridge to next bridge while busy) from their latest calls, a
  callback's share and delay, and the voucher's share of contacts, each with a prior.
- **Monte Carlo.** ``RUNS`` simulated futures (``simulation.py``) with a fixed seed,
  each with its own draw of the parameters: the targets left dialled in the dialler's
  order as far as the agents' time goes, inside the calling windows of each zone and
  the holidays, retried by the campaign's policy, until the list is exhausted or the
  period's calling hours run out. A figure's range is the 10th to the 90th percentile
  of the runs; a probability's is its 90 % Wilson interval over the runs.
- **Agents needed**: the fewest agents with which at least ``AGENTS_RULE`` (80 %) of the
  runs finish inside the period — a quantile of each search run's own fewest; its range,
  the numbers for 50 % and 95 %.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from dialer.campaigns.models import Campaign
from dialer.db import Connection, Pool
from dialer.forecast import figures
from dialer.forecast.estimates import SEED
from dialer.forecast.models import Observed
from dialer.forecast.repo import observe
from dialer.forecast.runner import AGENTS_RULE, RUNS, SEARCH_RUNS, Forecaster, ends_at


def agents_in_use(seen: Observed, asked: int | None) -> tuple[int, str]:
    """The agents the forecast assumes, and where that number came from."""
    if asked is not None:
        return asked, "asked"
    if seen.agents_logged_in:
        return seen.agents_logged_in, "logged_in"
    if seen.definition.virtual_seats:
        return seen.definition.virtual_seats, "virtual_seats"
    return 0, "logged_in"


def forecast(
    seen: Observed, *, agents: int | None = None, runs: int = RUNS, search_runs: int = SEARCH_RUNS
) -> dict[str, Any]:
    """The forecast as JSON-ready figures and the inputs they used (see the module)."""
    used, source = agents_in_use(seen, agents)
    work = Forecaster(seen, used, runs=runs, search_runs=search_runs)
    now, left = seen.now, work.plan.remaining
    period_end = ends_at(work.calendar, now)
    if seen.state == "finished" and left:
        return figures.finished(seen, work, used, source, period_end)
    simulated = work.simulate(used, work.runs) if left and used else []
    return {
        "campaign": seen.campaign,
        "as_of": now,
        "method": {
            "kind": "monte_carlo",
            "runs": work.runs,
            "search_runs": work.search_runs,
            "seed": SEED,
            "step_minutes": int(work.step.total_seconds() // 60),
            "range": "p10-p90",
            "probability_range": "wilson-90",
            "agents_rule": AGENTS_RULE,
        },
        "exhausted": figures.exhausted(left, used, simulated, period_end),
        "quota": figures.quota(seen, work, used, simulated),
        "finish_probability": figures.probability(left, used, simulated),
        "agents_needed": figures.agents_needed(work, left, used),
        "inputs": figures.inputs(seen, work, used, source, period_end),
    }


async def campaign_forecast(
    conn: Connection,
    campaign: Campaign,
    *,
    now: datetime,
    agents: int | None = None,
    runs: int = RUNS,
    search_runs: int = SEARCH_RUNS,
) -> dict[str, Any]:
    """The forecast of ``campaign`` at ``now`` with ``agents`` (None: those logged in):
    the inputs read here, the model run in a worker thread (it is seconds of arithmetic
    at most, and the event loop has calls to answer meanwhile)."""
    seen = await observe(conn, campaign, now=now)
    return await asyncio.to_thread(
        forecast, seen, agents=agents, runs=runs, search_runs=search_runs
    )


# Forecasts being worked out in this process, by campaign and agents asked: a second
# request for the same (two managers opening the page) waits for the first rather
# than running the model again beside it. Each leaves when done.
_BUSY: dict[tuple[int, int | None], asyncio.Task[dict[str, Any]]] = {}


async def shared_forecast(
    pool: Pool, campaign: Campaign, *, now: datetime, agents: int | None = None
) -> dict[str, Any]:
    """:func:`campaign_forecast`, shared by the requests for the same campaign and
    agents while it is worked out (they all get the first one's, as of its ``now``)."""
    key = (campaign.id, agents)
    task = _BUSY.get(key)
    if task is None or task.get_loop() is not asyncio.get_running_loop():

        async def work() -> dict[str, Any]:
            async with pool.acquire() as conn:
                seen = await observe(conn, campaign, now=now)
            return await asyncio.to_thread(forecast, seen, agents=agents)

        task = _BUSY[key] = asyncio.ensure_future(work())
        task.add_done_callback(lambda done: _BUSY.pop(key) if _BUSY.get(key) is done else None)
    # The request that started it may go away; the others still want the answer.
    return await asyncio.shield(task)
