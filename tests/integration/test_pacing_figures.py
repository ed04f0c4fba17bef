"""The pacing figures (``reports/pacing.py``) from hand-made attempts and agent state
changes: occupancy over logged-in time, abandons over calls a person answered, the
worst rolling hour, talk and calls per agent hour, the time to connect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from dialer.auth import service as auth
from dialer.reports.pacing import pacing_figures
from tests.factories import Factory, row

NINE = datetime(2022, 9, 5, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB
ELEVEN = NINE + timedelta(hours=2)


def at(hh_mm_ss: str) -> datetime:
    """A time of that morning (WIB)."""
    h, m, s = (int(x) for x in (hh_mm_ss + ":00")[:8].split(":"))
    return NINE + timedelta(hours=h - 9, minutes=m, seconds=s)


async def change(conn: asyncpg.Connection, user: int, campaign: int, state: str, when: str) -> None:
    await conn.execute(
        "INSERT INTO agent_state_changes (user_id, campaign_id, state, at) VALUES ($1, $2, $3, $4)",
        user,
        campaign,
        state,
        at(when),
    )


async def attempt(
    conn: asyncpg.Connection,
    campaign: int,
    target: int,
    result: str,
    created: str,
    ended: str,
    *,
    answered: str | None = None,
    amd: str | None = None,
    bridged: str | None = None,
    joined: str | None = None,
    agent: int | None = None,
    abandoned: bool = False,
) -> int:
    found: int = await conn.fetchval(
        "INSERT INTO attempts (campaign_id, target_id, number, carrier, node, state, result,"
        " answered_by, created_at, placed_at, answered_at, bridged_at, joined_at, ended_at,"
        " updated_at, agent_id, abandoned)"
        " SELECT $1, $2, msisdn, 'test', 'test', 'completed', $3, $4, $5, $5, $6, $7, $8, $9,"
        " $9, $10, $11 FROM targets WHERE campaign_id = $1 AND id = $2 RETURNING id",
        campaign,
        target,
        result,
        "machine_start" if result == "machine" else ("human" if answered else None),
        at(created),
        at(answered) if answered else None,
        at(bridged) if bridged else None,
        at(joined) if joined else None,
        at(ended),
        agent,
        abandoned,
    )
    if amd is not None:
        await conn.execute(
            "INSERT INTO carrier_events (received_at, kind, attempt_id, params, applied_at)"
            " VALUES ($1, 'amd', $2, '{}', $1)",
            at(amd),
            found,
        )
    return found


async def test_the_pacing_figures_of_two_hours(conn: asyncpg.Connection, factory: Factory) -> None:
    campaign = await factory.create_campaign(name="paced")
    other = await factory.create_campaign(name="elsewhere")
    await factory.create_targets(campaign, [row(i) for i in range(8)])
    targets = [r["id"] for r in await conn.fetch("SELECT id FROM targets ORDER BY id")]
    ani = (await auth.create_user(conn, username="ani", role="agent", password=None)).id
    budi = (await auth.create_user(conn, username="budi", role="agent", password=None)).id
    c = campaign.id

    # Ani: logged in 09:00-10:50 (110 min): on a call 09:10-09:20 and 10:40-10:45, after-
    # call work 09:20-09:25 and 10:45-10:46: 21 min busy.
    for state, when in [
        ("available", "09:00"),
        ("on_call", "09:10"),
        ("wrap_up", "09:20"),
        ("available", "09:25"),
        ("on_call", "10:40"),
        ("wrap_up", "10:45"),
        ("available", "10:46"),
        ("offline", "10:50"),
    ]:
        await change(conn, ani, c, state, when)
    # Budi: available since before the interval (counted from 09:00), a break at 10:00,
    # then another campaign from 10:15: 75 min logged in here, never busy.
    await change(conn, budi, c, "available", "08:50")
    await change(conn, budi, c, "paused", "10:00")
    await change(conn, budi, other.id, "available", "10:15")

    # A call before the interval: counted nowhere.
    await attempt(
        conn, c, targets[0], "contacted", "08:55", "08:58",
        answered="08:55:30", bridged="08:56", agent=budi,
    )  # fmt: skip
    # 8 min talk; 2 s from the verdict to the join.
    await attempt(
        conn, c, targets[1], "contacted", "09:09", "09:18",
        answered="09:09:30", amd="09:10", bridged="09:10", joined="09:10:02", agent=ani,
    )  # fmt: skip
    await attempt(
        conn, c, targets[2], "abandoned", "09:30", "09:30:40",
        answered="09:30:20", abandoned=True,
    )  # fmt: skip
    await attempt(conn, c, targets[3], "no_answer", "09:40", "09:40:30")
    # 5 min talk; 1 s to join.
    await attempt(
        conn, c, targets[4], "contacted", "10:39:30", "10:45",
        answered="10:39:50", amd="10:40", bridged="10:40", joined="10:40:01", agent=ani,
    )  # fmt: skip
    await attempt(conn, c, targets[5], "machine", "10:55", "10:55:20", answered="10:55:10")
    # Talks past the end: 2 of its 7 minutes are inside.
    await attempt(
        conn, c, targets[6], "contacted", "10:57:30", "11:05",
        answered="10:57:50", bridged="10:58", agent=ani,
    )  # fmt: skip

    f = await pacing_figures(conn, c, since=NINE, until=ELEVEN)

    assert f.agents == 2
    minutes = {"available": 149, "paused": 15, "on_call": 15, "wrap_up": 6}
    assert f.seconds_by_state == {state: m * 60.0 for state, m in minutes.items()}
    assert f.logged_in_hours == pytest.approx(185 / 60)
    assert f.occupancy_pct == pytest.approx(100 * 21 / 185)
    assert (f.dialled, f.human_answered, f.abandoned, f.handled) == (6, 4, 1, 3)
    assert f.abandon_pct == pytest.approx(25.0)
    assert f.human_answer_pct == pytest.approx(100 * 4 / 6)
    assert f.talk_min_per_agent_hour == pytest.approx(15 / (185 / 60))
    assert f.talk_pct == pytest.approx(100 * 15 / 185)
    assert f.calls_per_agent_hour == pytest.approx(3 / (185 / 60))
    assert f.dials_per_agent_hour == pytest.approx(6 / (185 / 60))
    # The worst hour: from the abandoned call at 09:30:20 on, nothing else was answered.
    assert f.max_rolling_abandon_pct == pytest.approx(100.0)
    assert f.connect_p50_s == pytest.approx(1.5)
    assert f.connect_max_s == pytest.approx(2.0)
    assert f.join_p50_s == pytest.approx(1.5)

    # A window longer than the interval fits nowhere: no rolling figure.
    longer = await pacing_figures(conn, c, since=NINE, until=ELEVEN, window=timedelta(hours=3))
    assert longer.max_rolling_abandon_pct is None
    # The first hour alone: Budi and Ani all of it, the abandoned call one of two.
    first = await pacing_figures(conn, c, since=NINE, until=NINE + timedelta(hours=1))
    assert first.logged_in_hours == pytest.approx(2.0)
    assert first.abandon_pct == pytest.approx(50.0)
    assert first.max_rolling_abandon_pct is None


async def test_a_campaign_without_agents_or_calls_has_zero_figures(
    conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.create_campaign(name="quiet")
    f = await pacing_figures(conn, campaign.id, since=NINE, until=ELEVEN)
    assert (f.agents, f.logged_in_hours, f.occupancy_pct, f.abandon_pct) == (0, 0.0, 0.0, 0.0)
    assert f.max_rolling_abandon_pct is None and f.connect_p50_s is None
