"""Agents take the calls: the pacer dials for free agents, a human-answered call goes to
exactly one of them and pops on their WebSocket (on any node), waits on hold when none
is free, and is abandoned past the hold limit."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import aiohttp
import asyncpg
import pytest

from dialer.auth import service as auth
from dialer.clock import FrozenClock
from dialer.db import Pool
from dialer.providers.simulated_carrier import SimulatedSwitch
from dialer.settings import Settings
from tests.dialing import FAST, MONDAY_10_WIB, Node, in_conference, phone_up, running_node
from tests.factories import Factory, assign_everywhere, row

LIVE = "('queued', 'dialing', 'ringing', 'in-progress')"


async def agent(conn: asyncpg.Connection, name: str) -> tuple[int, dict[str, str]]:
    """An agent user, assigned to every campaign there is, and the header that
    authenticates them."""
    user = await auth.create_user(conn, username=name, role="agent", password=None)
    await assign_everywhere(conn, user.id)
    token, _ = await auth.issue_token(conn, user.id, kind="api", label="test")
    return user.id, {"Authorization": f"Bearer {token}"}


class Console:
    """An agent's WebSocket, collecting what it is sent."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.got: list[dict[str, Any]] = []

    @classmethod
    async def open(cls, node: Node, headers: dict[str, str]) -> Console:
        ws = await node.client.ws_connect("/api/agent/ws", headers=headers)
        console = cls(ws)
        await console.next("hello")
        return console

    async def next(self, kind: str) -> dict[str, Any]:
        """The next message of ``kind`` (earlier ones of other kinds are kept)."""
        async with asyncio.timeout(10):
            while True:
                message = await self.ws.receive_json()
                self.got.append(message)
                if message["type"] == kind:
                    return message

    async def say(self, **message: Any) -> None:
        await self.ws.send_json(message)

    async def state(self, want: str) -> dict[str, Any]:
        while True:
            message = await self.next("state")
            if message["state"] == want:
                return message


async def live(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval(f"SELECT count(*) FROM attempts WHERE state IN {LIVE}"))


async def test_a_human_answered_call_pops_on_the_free_agents_socket(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign(
        [row(1, name="Siti Rahayu", tier="Platinum"), row(2, tier="Gold")], virtual_seats=0
    )
    ani, ani_auth = await agent(conn, "ani")
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(settings, pool, clock, choose=lambda c: "human", speed=5) as node:
        # No agent free: nothing is dialled.
        assert await node.tick() == {campaign.name: 0}
        console = await Console.open(node, ani_auth)
        await console.say(type="join", campaign=campaign.name)
        assert (await console.state("paused"))["campaign"] == campaign.name
        assert await node.tick() == {campaign.name: 0}  # paused is not free
        await console.say(type="state", state="available")
        await console.state("available")
        # Available without a phone: nobody could hear the customer, nothing is dialled.
        assert await node.tick() == {campaign.name: 0}
        phone = await phone_up(node, ani_auth)
        assert phone["endpoint"] == "softphone"
        # One free agent, ratio 1: one call.
        assert await node.tick() == {campaign.name: 1}
        pop = await console.next("pop")
        assert pop["customer"]["name"] == "Siti Rahayu"
        assert pop["customer"]["msisdn"] == "+6281200000001"
        assert pop["campaign"] == campaign.name
        attempt = await conn.fetchrow("SELECT * FROM attempts WHERE id = $1", pop["attempt_id"])
        assert attempt["agent_id"] == ani and attempt["bridged_at"] is not None
        # The customer is in the agent's conference, with the agent's leg.
        members = await in_conference(node.carrier, ani, attempt["call_sid"])
        assert len(members) == 2
        on_call = await conn.fetchrow("SELECT * FROM agent_states WHERE user_id = $1", ani)
        assert (on_call["state"], on_call["attempt_id"]) == ("on_call", pop["attempt_id"])
        # The agent holds the call: no one is free, nothing more is dialled.
        assert await node.tick() == {campaign.name: 0}
        # A reload restores the call on screen.
        await console.ws.close()
        again = await Console.open(node, ani_auth)
        restored = await again.next("pop")
        assert restored["attempt_id"] == pop["attempt_id"]
        assert [m["type"] for m in again.got] == ["hello", "state", "pop"]
        await again.ws.close()
        await node.settle()


async def test_no_free_agent_the_call_waits_on_hold_then_is_abandoned(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign(
        [row(i) for i in range(1, 5)], virtual_seats=0, pacing_ratio=3.0, max_hold_seconds=5
    )
    ani, ani_auth = await agent(conn, "ani")
    budi, budi_auth = await agent(conn, "budi")
    clock = FrozenClock(MONDAY_10_WIB)
    talkative = replace(FAST, talk_seconds=(60.0, 60.0))  # no one hangs up by themselves
    async with running_node(
        settings, pool, clock, choose=lambda c: "human", speed=5, profile=talkative
    ) as node:
        consoles = []
        for headers in (ani_auth, budi_auth):
            console = await Console.open(node, headers)
            await phone_up(node, headers)
            await console.say(type="join", campaign=campaign.name)
            await console.say(type="state", state="available")
            await console.state("available")
            consoles.append(console)
        # Two free agents × ratio 3: four calls (the whole list), all answered.
        assert await node.tick() == {campaign.name: 4}
        pops = [await c.next("pop") for c in consoles]
        assert len({p["attempt_id"] for p in pops}) == 2  # one call each, never the same
        await asyncio.sleep(0.5)
        rows_ = await conn.fetch(
            "SELECT id, agent_id, waiting_since, abandoned FROM attempts ORDER BY id"
        )
        assert sorted(r["agent_id"] for r in rows_ if r["agent_id"]) == sorted([ani, budi])
        waiting = [r for r in rows_ if r["agent_id"] is None]
        assert len(waiting) == 2 and all(r["waiting_since"] is not None for r in waiting)
        assert not any(r["abandoned"] for r in rows_)
        # Within the connect limit (2 s from the verdict that a person answered)
        # nothing is abandoned; past it, both are, and hear who called and why before
        # the line goes down.
        clock.advance(seconds=1.5)
        await node.tick()
        assert await conn.fetchval("SELECT count(*) FROM attempts WHERE abandoned") == 0
        clock.advance(seconds=1)
        await node.tick()
        abandoned = await conn.fetch("SELECT call_sid FROM attempts WHERE abandoned")
        assert len(abandoned) == 2
        for sid in (r["call_sid"] for r in abandoned):
            for _ in range(500):
                said = [d for s, d in node.carrier.documents if s == sid and "Hangup" in d]
                if said:
                    break
                await asyncio.sleep(0.02)
            assert "Mohon maaf" in said[-1] and 'voice="Google.id-ID-Standard-A"' in said[-1]
            assert "Panggilan ini dari PT Telkom Indonesia mengenai tagihan IndiHome" in said[-1]
        for sid in list(node.carrier.calls):  # the agents' customers hang up too
            await node.carrier.hangup(sid)
        await node.settle()
        results = await conn.fetch("SELECT result, count(*) FROM attempts GROUP BY 1")
        assert {r["result"]: r["count"] for r in results} == {"contacted": 2, "abandoned": 2}
        for console in consoles:
            await console.ws.close()


async def test_an_agent_who_becomes_free_takes_the_call_waiting_on_hold(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign(
        [row(1), row(2)],
        virtual_seats=0,
        pacing_ratio=2.0,
        max_hold_seconds=30,
        connect_limit_seconds=30,  # a campaign that lets a person wait that long
    )
    _ani, ani_auth = await agent(conn, "ani")
    budi, budi_auth = await agent(conn, "budi")
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(settings, pool, clock, choose=lambda c: "human", speed=5) as node:
        first = await Console.open(node, ani_auth)
        await phone_up(node, ani_auth)
        await first.say(type="join", campaign=campaign.name)
        await first.say(type="state", state="available")
        await first.state("available")
        assert await node.tick() == {campaign.name: 2}
        await first.next("pop")
        for _ in range(100):  # the other call is answered and waits on hold
            if await conn.fetchval("SELECT count(*) FROM attempts WHERE waiting_since IS NOT NULL"):
                break
            await asyncio.sleep(0.05)
        waiting = await conn.fetchval(
            "SELECT id FROM attempts WHERE agent_id IS NULL AND waiting_since IS NOT NULL"
        )
        assert waiting is not None
        clock.advance(seconds=10)
        second = await Console.open(node, budi_auth)
        await phone_up(node, budi_auth)
        await second.say(type="join", campaign=campaign.name)
        await second.say(type="state", state="available")
        pop = await second.next("pop")
        assert pop["attempt_id"] == waiting
        assert await conn.fetchval("SELECT agent_id FROM attempts WHERE id = $1", waiting) == budi
        sid = await conn.fetchval("SELECT call_sid FROM attempts WHERE id = $1", waiting)
        assert len(await in_conference(node.carrier, budi, sid)) == 2
        await first.ws.close()
        await second.ws.close()
        await node.settle()
    assert await conn.fetchval("SELECT count(*) FROM attempts WHERE abandoned") == 0


async def test_the_pop_reaches_an_agent_whose_socket_is_on_another_node(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(1)], virtual_seats=0)
    _ani, ani_auth = await agent(conn, "ani")
    _, budi_auth = await agent(conn, "budi")
    clock = FrozenClock(MONDAY_10_WIB)
    switch = SimulatedSwitch()  # one simulated network for both nodes, as Twilio is
    human = {"choose": lambda c: "human", "speed": 5, "switch": switch}
    async with (
        running_node(settings, pool, clock, name="a", **human) as a,  # type: ignore[arg-type]
        running_node(settings, pool, clock, name="b", **human) as b,  # type: ignore[arg-type]
    ):
        # Ani's console and phone are on node a; another agent watches on node a too,
        # never free.
        console = await Console.open(a, ani_auth)
        await phone_up(a, ani_auth)
        other = await Console.open(a, budi_auth)
        await console.say(type="join", campaign=campaign.name)
        await console.say(type="state", state="available")
        await console.state("available")
        # Node b dials: its simulator posts the call's callbacks to node b.
        assert await b.tick() == {campaign.name: 1}
        pop = await console.next("pop")
        assert pop["customer"]["indihome_number"] == "122000000001"
        # Bridged by the node that took the callback, into ani's conference.
        sid = await conn.fetchval("SELECT call_sid FROM attempts WHERE id = $1", pop["attempt_id"])
        assert len(await in_conference(b.carrier, _ani, sid)) == 2
        # The other agent saw nothing of it.
        await other.say(type="ping")
        await other.next("pong")
        assert [m["type"] for m in other.got if m["type"] == "pop"] == []
        await console.ws.close()
        await other.ws.close()
        await b.settle()


async def test_the_console_refuses_the_wrong_people_and_bad_requests(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(1)], virtual_seats=0)
    _, ani_auth = await agent(conn, "ani")
    manager = await auth.create_user(conn, username="mgr", role="manager", password=None)
    token, _ = await auth.issue_token(conn, manager.id, kind="api", label="test")
    async with running_node(settings, pool, FrozenClock(MONDAY_10_WIB)) as node:
        client = node.client
        assert (await client.get("/api/agent/me")).status == 401
        mgr = {"Authorization": f"Bearer {token}"}
        assert (await client.get("/api/agent/me", headers=mgr)).status == 403
        refused = await client.post("/api/agent/state", json={"state": "on_call"}, headers=ani_auth)
        assert refused.status == 422
        nothing = await client.post("/api/agent/state", json={}, headers=ani_auth)
        assert nothing.status == 400
        unjoined = await client.post(
            "/api/agent/state", json={"state": "available"}, headers=ani_auth
        )
        assert unjoined.status == 404
        joined = await client.post(
            "/api/agent/state",
            json={"campaign": campaign.name, "state": "available"},
            headers=ani_auth,
        )
        assert joined.status == 200 and (await joined.json())["state"] == "available"
        me = await (await client.get("/api/agent/me", headers=ani_auth)).json()
        assert me["state"]["campaign"] == campaign.name and me["call"] is None
        console = await Console.open(node, ani_auth)
        await console.say(type="dance")
        error = await console.next("error")
        assert error["message"] == "jenis pesan 'dance' tidak dikenal: join, state atau ping"
        await console.ws.send_str("not json")
        assert (await console.next("error"))["message"] == "pesan harus berupa JSON"
        await console.ws.close()


async def test_a_silent_console_goes_offline(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(1)], virtual_seats=0)
    ani, ani_auth = await agent(conn, "ani")
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(settings, pool, clock) as node:
        await node.client.post(
            "/api/agent/state",
            json={"campaign": campaign.name, "state": "available"},
            headers=ani_auth,
        )
        clock.advance(seconds=50)
        assert await node.tick() == {campaign.name: 0}  # gone: not counted as free
    assert await conn.fetchval("SELECT state FROM agent_states WHERE user_id = $1", ani) == (
        "offline"
    )


async def test_an_open_console_stays_present_whatever_the_clock(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    """A socket held open is a console that is there, even on a virtual clock that runs
    faster than its pings; an agent with no socket falls silent and goes offline."""
    campaign = await factory.running_campaign([row(1)], virtual_seats=0)
    ani, ani_auth = await agent(conn, "ani")
    budi, budi_auth = await agent(conn, "budi")
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(settings, pool, clock) as node:
        console = await Console.open(node, ani_auth)
        await phone_up(node, ani_auth)
        await phone_up(node, budi_auth)
        await console.say(type="join", campaign=campaign.name, state="available")
        await console.state("available")
        resp = await node.client.post(
            "/api/agent/state",
            json={"campaign": campaign.name, "state": "available"},
            headers=budi_auth,
        )
        assert resp.status == 200
        clock.advance(seconds=50)  # no ping from anyone meanwhile
        await asyncio.sleep(1.5)  # the node marks its consoles present every second
        assert await node.tick() == {campaign.name: 1}  # one free agent: Ani
        await console.next("pop")
        states = dict(await conn.fetch("SELECT user_id, state FROM agent_states"))
        assert states == {ani: "on_call", budi: "offline"}
        await console.ws.close()
        for sid in list(node.carrier.calls):
            await node.carrier.hangup(sid)
        await node.settle()


async def test_a_call_put_on_hold_while_the_free_agent_was_busy_in_the_database_goes_to_them(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    """Found by the pop benchmark: an answered call came while the free agent's row was
    locked by another transaction (then, every agent's presence mark), found no one and
    waited on hold; an agent already free never took it, and it was abandoned."""
    campaign = await factory.running_campaign([row(1)], virtual_seats=0, max_hold_seconds=30)
    ani, ani_auth = await agent(conn, "ani")
    clock = FrozenClock(MONDAY_10_WIB)
    talkative = replace(FAST, talk_seconds=(60.0, 60.0))
    async with running_node(
        settings, pool, clock, choose=lambda c: "human", speed=5, profile=talkative
    ) as node:
        console = await Console.open(node, ani_auth)
        await phone_up(node, ani_auth)
        await console.say(type="join", campaign=campaign.name, state="available")
        await console.state("available")
        # Ani's row is held by another transaction while her call is answered.
        async with pool.acquire() as locker:
            lock = locker.transaction()
            await lock.start()
            await locker.execute("SELECT 1 FROM agent_states WHERE user_id = $1 FOR UPDATE", ani)
            try:
                assert await node.tick() == {campaign.name: 1}
                for _ in range(200):
                    if await conn.fetchval("SELECT waiting_since FROM attempts") is not None:
                        break
                    await asyncio.sleep(0.02)
                assert await conn.fetchval("SELECT agent_id FROM attempts") is None  # on hold
            finally:
                await lock.rollback()
        # The next tick gives the call to the agent who is free.
        clock.advance(seconds=1)
        await node.tick()
        pop = await console.next("pop")
        attempt = await conn.fetchrow("SELECT * FROM attempts")
        assert (pop["attempt_id"], attempt["agent_id"]) == (attempt["id"], ani)
        assert not attempt["abandoned"]
        assert len(await in_conference(node.carrier, ani, attempt["call_sid"])) == 2
        await console.ws.close()
        for sid in list(node.carrier.calls):
            await node.carrier.hangup(sid)
        await node.settle()


async def test_hello_comes_first_even_when_news_arrive_while_the_socket_opens(
    settings: Settings,
    pool: Pool,
    conn: asyncpg.Connection,
    factory: Factory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """News for the agent that arrive while a new socket reads the agent's state (the
    customer's join announced on a slow machine) reach the console after hello."""
    from dialer.agents import console as console_module
    from dialer.agents.hub import HUB

    await factory.running_campaign([row(1)], virtual_seats=0)
    ani, ani_auth = await agent(conn, "ani")
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(settings, pool, clock, choose=lambda c: "human") as node:
        read_state = console_module.connected

        async def news_meanwhile(*args: Any, **kwargs: Any) -> Any:
            await node.app[HUB].send(ani, [{"type": "state", "state": "news"}])
            return await read_state(*args, **kwargs)

        monkeypatch.setattr(console_module, "connected", news_meanwhile)
        ws = await node.client.ws_connect("/api/agent/ws", headers=ani_auth)
        first, second = await ws.receive_json(), await ws.receive_json()
        assert (first["type"], second) == ("hello", {"type": "state", "state": "news"})
        await ws.close()
        await node.settle()
