"""How well a campaign was paced over an interval: the figures a dialler is judged on.

- ``occupancy_pct``: the agents' time on a call (talking, then the outcome form) and
  in after-call work, over their logged-in time (every state but offline: available,
  paused, on a call, after-call work), from ``agent_state_changes``;
- ``abandon_pct``: calls abandoned (a person answered and no agent came in time) over
  the calls a person answered (those that reached an agent, and those abandoned) — the
  abandon guard's own count;
- ``max_rolling_abandon_pct``: the worst ``window`` (60 minutes) of that rate inside
  the interval, over the windows starting or ending at each answered call;
- ``talk_min_per_agent_hour`` (bridge to hang-up, clipped to the interval) and
  ``calls_per_agent_hour`` (calls taken by an agent), per logged-in agent hour; also
  ``dials_per_agent_hour`` (calls placed) and the share of dials a person answered;
- ``connect_p50_s`` / ``connect_p99_s``: from the answering-machine verdict (a person)
  to the customer joining the agent: the wait for a free agent and the bridge;
  ``join_p50_s`` / ``join_p99_s``, from the bridge to the join alone — on the simulator
  a measure of how promptly the service and the carrier act, no waiting in it.

Times are the node's clock (virtual in the demo and the pacing bench).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from dialer.db import Connection, q

ROLLING = timedelta(minutes=60)
BUSY_STATES = ("on_call", "wrap_up")


@dataclass(frozen=True)
class PacingFigures:
    agents: int  # agents logged in at some point of the interval
    logged_in_hours: float
    occupancy_pct: float
    talk_pct: float  # the share of logged-in time talking (bridge to hang-up)
    abandon_pct: float
    max_rolling_abandon_pct: float | None  # None: the interval is shorter than a window
    talk_min_per_agent_hour: float
    calls_per_agent_hour: float
    dials_per_agent_hour: float
    human_answer_pct: float  # a person answered, of the calls placed
    dialled: int
    human_answered: int
    abandoned: int
    handled: int
    seconds_by_state: dict[str, float]
    connect_p50_s: float | None
    connect_p99_s: float | None
    connect_max_s: float | None
    join_p50_s: float | None
    join_p99_s: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _share(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else 0.0


async def pacing_figures(
    conn: Connection,
    campaign_id: int,
    *,
    since: datetime,
    until: datetime,
    window: timedelta = ROLLING,
) -> PacingFigures:
    """Campaign ``campaign_id``'s pacing between ``since`` and ``until``."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        states = await conn.fetch(q("pacing_agent_seconds"), campaign_id, since, until)
        calls = await conn.fetchrow(q("pacing_calls"), campaign_id, since, until)
        rolling = await conn.fetchrow(
            q("pacing_rolling_abandon"), campaign_id, since, until, window
        )
        connect = await conn.fetchrow(q("pacing_connect_seconds"), campaign_id, since, until)
    assert calls is not None and rolling is not None and connect is not None
    seconds = {r["state"]: float(r["seconds"]) for r in states if r["state"] is not None}
    agents = next((r["agents"] for r in states if r["state"] is None), 0)
    logged_in = sum(seconds.values())
    hours = logged_in / 3600
    busy = sum(seconds.get(state, 0.0) for state in BUSY_STATES)
    talk = float(calls["talk_seconds"])
    worst = rolling["worst_percent"]
    return PacingFigures(
        agents=agents,
        logged_in_hours=hours,
        occupancy_pct=_share(busy, logged_in),
        talk_pct=_share(talk, logged_in),
        abandon_pct=_share(calls["abandoned"], calls["human_answered"]),
        max_rolling_abandon_pct=None if worst is None else float(worst),
        talk_min_per_agent_hour=talk / 60 / hours if hours else 0.0,
        calls_per_agent_hour=calls["handled"] / hours if hours else 0.0,
        dials_per_agent_hour=calls["dialled"] / hours if hours else 0.0,
        human_answer_pct=_share(calls["human_answered"], calls["dialled"]),
        dialled=calls["dialled"],
        human_answered=calls["human_answered"],
        abandoned=calls["abandoned"],
        handled=calls["handled"],
        seconds_by_state=seconds,
        connect_p50_s=connect["p50"],
        connect_p99_s=connect["p99"],
        connect_max_s=connect["longest"],
        join_p50_s=connect["join_p50"],
        join_p99_s=connect["join_p99"],
    )
