"""Not-ready reasons and "pause after this call": an agent's break has a reason from
the configured list, a break asked on a call or in its after-call work starts when the
after-call work ends (the call stays on screen until then), and the agent report gives
the time paused per reason."""

from __future__ import annotations

import csv
import io

import asyncpg
import openpyxl

from dialer.auth import service as auth
from dialer.db import Pool
from dialer.settings import Settings
from tests.factories import Factory
from tests.integration.test_outcomes import on_a_call


async def state_of(conn: asyncpg.Connection, user_id: int) -> asyncpg.Record:
    return await conn.fetchrow("SELECT * FROM agent_states WHERE user_id = $1", user_id)


async def test_a_break_after_the_call_has_its_reason_and_is_reported(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    await auth.create_user(conn, username="mira", role="manager", password=None)
    mira = await conn.fetchval("SELECT id FROM users WHERE username = 'mira'")
    token, _ = await auth.issue_token(conn, mira, kind="api", label="test")
    manager = {"Authorization": f"Bearer {token}"}
    async with on_a_call(settings, pool, conn, factory, wrap_up_seconds=20) as call:
        client = call.node.client

        # The reasons, labelled in the page's language (Indonesian first).
        resp = await client.get("/api/agent/pause-reasons", headers=call.headers)
        reasons = (await resp.json())["reasons"]
        assert [r["code"] for r in reasons] == [
            "istirahat",
            "makan",
            "rapat",
            "pelatihan",
            "toilet",
        ]
        assert reasons[1]["label"] == "Makan"
        resp = await client.get("/api/agent/pause-reasons?lang=en", headers=call.headers)
        assert (await resp.json())["reasons"][1]["label"] == "Meal"

        # A reason not on the list is refused, in the agent's language; nothing changes.
        resp = await client.post(
            "/api/agent/state", json={"state": "paused", "reason": "tidur"}, headers=call.headers
        )
        assert resp.status == 400
        assert "alasan istirahat tidak dikenal 'tidur'" in (await resp.json())["error"]["message"]
        assert (await state_of(conn, call.agent_id))["state"] == "on_call"

        # On the call: pause after it, for a meal.
        resp = await client.post(
            "/api/agent/state",
            json={"pause_after_call": True, "reason": "makan"},
            headers=call.headers,
        )
        assert resp.status == 200, await resp.text()
        assert (await resp.json())["then_pause"] == "makan"
        status, _ = await call.post(code="pays_other_channel", channel="Indomaret")
        assert status == 201
        wrap_up = await state_of(conn, call.agent_id)
        assert (wrap_up["state"], wrap_up["then_pause"]) == ("wrap_up", "makan")

        # A break asked during the after-call work (a meeting, now) keeps the call on
        # screen: it starts when the after-call work ends.
        resp = await client.post(
            "/api/agent/state", json={"state": "paused", "reason": "rapat"}, headers=call.headers
        )
        assert resp.status == 200
        during = await state_of(conn, call.agent_id)
        assert (during["state"], during["attempt_id"], during["then_pause"]) == (
            "wrap_up",
            call.attempt_id,
            "rapat",
        )
        me = await (await client.get("/api/agent/me", headers=call.headers)).json()
        assert me["call"]["attempt_id"] == call.attempt_id

        # The after-call work ends in the break, not available: nothing is dialled.
        call.clock.advance(seconds=20)
        assert await call.node.tick() == {call.campaign.name: 0}
        paused = await state_of(conn, call.agent_id)
        assert (paused["state"], paused["pause_reason"], paused["attempt_id"]) == (
            "paused",
            "rapat",
            None,
        )

        # Ten minutes in the meeting, reported as such (JSON and CSV).
        call.clock.advance(seconds=600)
        resp = await client.get(
            f"/api/campaigns/{call.campaign.name}/reports/agents", headers=manager
        )
        ani = (await resp.json())["agents"][0]
        assert (ani["paused_seconds"], ani["paused_by_reason"]) == (600, {"rapat": 600})
        resp = await client.get(
            f"/api/campaigns/{call.campaign.name}/reports/agents.csv", headers=manager
        )
        row = next(csv.DictReader(io.StringIO(await resp.text())))
        assert (row["paused_seconds"], row["paused_seconds:rapat"]) == ("600", "600")
        resp = await client.get(
            f"/api/campaigns/{call.campaign.name}/reports/agents.xlsx", headers=manager
        )
        sheet = openpyxl.load_workbook(io.BytesIO(await resp.read()))["Agen"]
        header, first = ([c.value for c in r] for r in sheet.iter_rows(max_row=2))
        paused = dict(zip(header, first, strict=True))
        assert (paused["Istirahat (detik)"], paused["Istirahat (detik): Rapat"]) == (600, 600)

        # Back to work: the break ends, and the next call comes.
        resp = await client.post(
            "/api/agent/state", json={"state": "available"}, headers=call.headers
        )
        assert resp.status == 200
        assert (await state_of(conn, call.agent_id))["pause_reason"] is None
        assert await call.node.tick() == {call.campaign.name: 1}
        for sid in list(call.node.carrier.calls):
            await call.node.carrier.hangup(sid)
        await call.node.settle()
