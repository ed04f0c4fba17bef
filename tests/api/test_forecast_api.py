"""``GET /api/campaigns/{c}/forecast``: managers only, a strict ``agents``, the figures'
shape, on the service's clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from dialer.app import create_app
from dialer.clock import FrozenClock
from dialer.db import Pool
from dialer.forecast import service
from dialer.settings import Settings
from tests.api.test_api import login
from tests.factories import Factory
from tests.integration.test_forecast import NOW, a_campaign_under_way

URL = "/api/campaigns/ramalan/forecast"


@pytest.fixture
async def at_now(settings: Settings, pool: Pool) -> AsyncIterator[TestClient[Any, Any]]:
    """The service with its clock at Monday 5 September 2022, 11:00 WIB."""
    app = create_app(settings, pool=pool, clock=FrozenClock(NOW))
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def test_only_managers_read_the_forecast(
    at_now: TestClient[Any, Any], conn: asyncpg.Connection, pool: Pool, factory: Factory
) -> None:
    await a_campaign_under_way(conn, pool, factory)
    assert (await at_now.get(URL)).status == 401
    agent = await login(at_now, factory, "budi", "agent")
    assert (await at_now.get(URL, headers=agent)).status == 403
    boss = await login(at_now, factory, "mira", "manager")
    assert (await at_now.get("/api/campaigns/nope/forecast", headers=boss)).status == 404


@pytest.mark.parametrize("bad", ["abc", "-1", "1.5", "10001", "", " 3", "٣", "99999999999999"])
async def test_a_bad_agents_is_a_400_naming_it_in_the_readers_language(
    at_now: TestClient[Any, Any], conn: asyncpg.Connection, pool: Pool, factory: Factory, bad: str
) -> None:
    await a_campaign_under_way(conn, pool, factory)
    boss = await login(at_now, factory, "mira", "manager")
    resp = await at_now.get(URL, params={"agents": bad}, headers=boss)
    assert resp.status == 400
    error = (await resp.json())["error"]
    assert error["message"].startswith(
        "parameter kueri 'agents' harus bilangan bulat dari 0 sampai 10000"
    )
    english = await at_now.get(URL, params={"agents": bad, "lang": "en"}, headers=boss)
    assert (await english.json())["error"]["message"].startswith(
        "query parameter 'agents' must be a whole number from 0 to 10000"
    )


async def test_the_forecast_says_each_figure_with_its_range_and_inputs(
    at_now: TestClient[Any, Any], conn: asyncpg.Connection, pool: Pool, factory: Factory
) -> None:
    await a_campaign_under_way(conn, pool, factory)
    boss = await login(at_now, factory, "mira", "manager")
    resp = await at_now.get(URL, headers=boss)
    assert resp.status == 200
    body = await resp.json()
    assert datetime.fromisoformat(body["as_of"]) == NOW
    assert set(body) == {
        "campaign",
        "as_of",
        "method",
        "exhausted",
        "quota",
        "finish_probability",
        "agents_needed",
        "inputs",
    }
    assert body["method"]["kind"] == "monte_carlo"
    assert body["method"]["agents_rule"] == 0.8
    exhausted = body["exhausted"]
    assert exhausted["status"] == "by_end"
    low, at, high = (datetime.fromisoformat(exhausted[k]) for k in ("low", "at", "high"))
    assert NOW < low <= at <= high
    assert body["quota"]["status"] in ("forecast", "not_used_up")
    assert set(body["quota"]) >= {"quota", "taken", "left", "expires", "probability"}
    probability = body["finish_probability"]
    assert probability["low"] <= probability["value"] <= probability["high"]
    needed = body["agents_needed"]
    assert needed["status"] == "found" and needed["agents"] >= 1
    inputs = body["inputs"]
    assert set(inputs) == {
        "campaign_state",
        "agents",
        "targets",
        "contact_odds",
        "seconds_per_contact",
        "callbacks",
        "vouchers",
        "retry",
        "calendar",
    }
    assert inputs["agents"] == {"used": 1, "source": "logged_in", "logged_in": 1}
    assert inputs["targets"]["left"] == 4
    assert inputs["contact_odds"]["by_zone"]["WIB"]["n"] == 2
    assert inputs["retry"]["max_attempts"] == 6
    assert inputs["calendar"]["period"] == ["2022-09-01", "2022-09-30"]
    asked = await (await at_now.get(URL, params={"agents": "7"}, headers=boss)).json()
    assert asked["inputs"]["agents"] == {"used": 7, "source": "asked", "logged_in": 1}
    none = await (await at_now.get(URL, params={"agents": "0"}, headers=boss)).json()
    assert none["exhausted"] == {"status": "never", "reason": "no_agents"}


async def test_managers_asking_at_once_share_one_computation(
    at_now: TestClient[Any, Any],
    conn: asyncpg.Connection,
    pool: Pool,
    factory: Factory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await a_campaign_under_way(conn, pool, factory)
    boss = await login(at_now, factory, "mira", "manager")
    worked: list[int | None] = []
    model = service.forecast

    def counted(seen: Any, *, agents: int | None = None) -> dict[str, Any]:
        worked.append(agents)
        return model(seen, agents=agents, runs=30, search_runs=10)

    monkeypatch.setattr(service, "forecast", counted)
    first, second, other = await asyncio.gather(
        at_now.get(URL, headers=boss),
        at_now.get(URL, headers=boss),
        at_now.get(URL, params={"agents": "3"}, headers=boss),
    )
    assert [r.status for r in (first, second, other)] == [200, 200, 200]
    assert await first.json() == await second.json()
    assert sorted(worked, key=str) == [3, None]  # once each: the same asked twice, once
    # Done, it is not kept: the next request works it out afresh.
    assert (await at_now.get(URL, headers=boss)).status == 200
    assert len(worked) == 3
