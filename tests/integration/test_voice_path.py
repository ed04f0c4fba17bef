"""The voice path end to end on the simulator, which follows the TwiML the service
sends as Twilio would: agents' legs in their own conferences, customers joined to them,
bridges that fail, hold limits, transfers confirmed by the carrier."""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import replace
from typing import Any

import asyncpg

from dialer.agents import legs
from dialer.auth import service as auth
from dialer.clock import FrozenClock
from dialer.db import Pool
from dialer.settings import Settings
from tests.dialing import FAST, MONDAY_10_WIB, Node, in_conference, leg_up, phone_up, running_node
from tests.factories import Factory, row
from tests.integration.test_agents import Console, agent
from tests.twiml_vocabulary import check

TALKATIVE = replace(FAST, talk_seconds=(600.0, 600.0))  # customers stay until told


def answering(settings: Settings, pool: Pool) -> Any:
    """A node whose every customer answers in person and stays until told."""
    return running_node(
        settings,
        pool,
        FrozenClock(MONDAY_10_WIB),
        choose=lambda c: "human",
        speed=5,
        profile=TALKATIVE,
    )


async def until(probe: Any, what: str, seconds: float = 10) -> Any:
    """Wait until ``probe()`` (awaited) is truthy; its value."""
    for _ in range(int(seconds / 0.02)):
        if value := await probe():
            return value
        await asyncio.sleep(0.02)
    raise AssertionError(f"never happened: {what}")


async def ready(
    node: Node, campaign: str, headers: dict[str, str], *, phone: bool = True
) -> Console:
    console = await Console.open(node, headers)
    if phone:
        await phone_up(node, headers)
    await console.say(type="join", campaign=campaign, state="available")
    await console.state("available")
    return console


def documents_valid(node: Node) -> None:
    """Every document the simulated calls ran is TwiML Twilio would run."""
    assert node.carrier.documents
    for _, document in node.carrier.documents:
        check(document)


async def test_a_customer_talks_with_their_agent_in_the_agents_conference(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(1)], virtual_seats=0)
    ani, ani_auth = await agent(conn, "ani")
    async with answering(settings, pool) as node:
        console = await ready(node, campaign.name, ani_auth)
        leg = await conn.fetchrow("SELECT * FROM agent_legs WHERE user_id = $1", ani)
        assert (leg["state"], leg["endpoint"]) == ("connected", "softphone")
        assert node.carrier.switch.members(f"agent-{ani}") == [leg["call_sid"]]
        assert await node.tick() == {campaign.name: 1}
        pop = await console.next("pop")
        sid = await conn.fetchval("SELECT call_sid FROM attempts WHERE id = $1", pop["attempt_id"])
        # Both legs in the agent's conference, and the service knows the customer joined
        # the very conference the agent's leg is in.
        assert sorted(await in_conference(node.carrier, ani, sid)) == sorted([sid, leg["call_sid"]])
        joined = await until(
            lambda: conn.fetchrow(
                "SELECT joined_at, conference_sid FROM attempts WHERE joined_at IS NOT NULL"
            ),
            "joined",
        )
        assert joined["conference_sid"] == leg["conference_sid"]
        talking = await until(lambda: _pop_with(console, "joined_at"), "the console shows talking")
        assert talking["call"]["left_at"] is None
        # The agent records the outcome and hangs up; the customer leaves, the agent's
        # leg stays in the conference for the next customer.
        await node.carrier.hangup(sid)
        await node.settle()
        assert node.carrier.switch.members(f"agent-{ani}") == [leg["call_sid"]]
        attempt = await conn.fetchrow("SELECT result, left_at FROM attempts")
        assert attempt["result"] == "contacted" and attempt["left_at"] is not None
        events = await conn.fetch(
            "SELECT kind, effect FROM carrier_events WHERE kind IN ('agent', 'conference', 'hold')"
        )
        effects = {(e["kind"], e["effect"]) for e in events}
        assert {("agent", "agent_room"), ("conference", "leg_connected")} <= effects
        assert {("conference", "customer_joined"), ("conference", "customer_left")} <= effects
        documents_valid(node)
        await console.ws.close()


async def _pop_with(console: Console, field: str) -> dict[str, Any] | None:
    message = await console.next("pop")
    return message if message["call"][field] else None


async def test_an_agent_whose_leg_is_gone_loses_the_call_to_one_who_can_hear(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    """Ani's leg is connected as far as the database knows, but her conference is gone
    (its leave never arrived). The customer handed to her joins an empty conference: the
    bridge failed; her leg is dropped and the customer goes to Budi, who can hear."""
    campaign = await factory.running_campaign([row(1)], virtual_seats=0, max_hold_seconds=30)
    ani, ani_auth = await agent(conn, "ani")
    budi, budi_auth = await agent(conn, "budi")
    async with answering(settings, pool) as node:
        await leg_up(conn, ani)  # a stale leg: nothing on the simulated network
        first = await ready(node, campaign.name, ani_auth, phone=False)
        await asyncio.sleep(0.05)  # Ani has waited longest: she is chosen first
        second = await ready(node, campaign.name, budi_auth)
        assert await node.tick() == {campaign.name: 1}
        await first.next("pop")
        pop = await second.next("pop")
        attempt = await until(
            lambda: conn.fetchrow(
                "SELECT * FROM attempts WHERE agent_id = $1 AND joined_at IS NOT NULL", budi
            ),
            "the customer reaches Budi",
        )
        assert attempt["id"] == pop["attempt_id"] and attempt["bridge_failures"] == 1
        assert len(await in_conference(node.carrier, budi, attempt["call_sid"])) == 2
        leg = await conn.fetchrow("SELECT state, reason FROM agent_legs WHERE user_id = $1", ani)
        assert (leg["state"], leg["reason"]) == ("dropped", "not_in_conference")
        assert (
            await conn.fetchval("SELECT state FROM agent_states WHERE user_id = $1", ani)
            == "paused"
        )
        effects = await conn.fetch("SELECT effect FROM carrier_events WHERE kind = 'conference'")
        assert "bridge_failed:not_agents_conference:agent" in {e["effect"] for e in effects}
        for sid in list(node.carrier.calls):
            await node.carrier.hangup(sid)
        await node.settle()
        documents_valid(node)
        await first.ws.close()
        await second.ws.close()


async def test_with_nobody_who_can_hear_the_customer_hears_the_apology_and_is_abandoned(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(1)], virtual_seats=0, max_hold_seconds=5)
    ani, ani_auth = await agent(conn, "ani")
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(
        settings, pool, clock, choose=lambda c: "human", speed=5, profile=TALKATIVE
    ) as node:
        await leg_up(conn, ani)
        console = await ready(node, campaign.name, ani_auth, phone=False)
        assert await node.tick() == {campaign.name: 1}
        await console.next("pop")
        await until(
            lambda: conn.fetchval(
                "SELECT bridge_failures FROM attempts WHERE waiting_since IS NOT NULL"
            ),
            "back on hold",
        )
        clock.advance(seconds=6)  # past the hold limit, from the answer
        await node.tick()
        await node.settle()
        attempt = await conn.fetchrow("SELECT result, abandoned, joined_at FROM attempts")
        assert (attempt["result"], attempt["abandoned"], attempt["joined_at"]) == (
            "abandoned",
            True,
            None,
        )
        said = [d for _, d in node.carrier.documents if "Hangup" in d]
        assert said and "Mohon maaf" in said[-1]
        assert (
            await conn.fetchval("SELECT count(*) FROM targets WHERE done_reason = 'contacted'") == 0
        )
        documents_valid(node)
        await console.ws.close()


async def test_an_agent_whose_leg_drops_mid_call_leaves_the_customer_a_message(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(1)], virtual_seats=0)
    ani, ani_auth = await agent(conn, "ani")
    async with answering(settings, pool) as node:
        console = await ready(node, campaign.name, ani_auth)
        assert await node.tick() == {campaign.name: 1}
        pop = await console.next("pop")
        sid = await conn.fetchval("SELECT call_sid FROM attempts WHERE id = $1", pop["attempt_id"])
        await in_conference(node.carrier, ani, sid)
        await until(lambda: conn.fetchval("SELECT joined_at FROM attempts"), "joined")
        node.carrier.switch.unregister(f"agent-{ani}")  # the browser closed
        await node.settle()
        leg = await conn.fetchrow("SELECT state, reason FROM agent_legs WHERE user_id = $1", ani)
        assert leg["state"] == "dropped"
        said = [d for s, d in node.carrier.documents if s == sid and "Hangup" in d]
        assert said and "terputus" in said[-1]
        # The customer was heard: contacted; the agent still holds the call to record it.
        assert await conn.fetchval("SELECT result FROM attempts") == "contacted"
        assert (
            await conn.fetchval("SELECT state FROM agent_states WHERE user_id = $1", ani)
            == "on_call"
        )
        documents_valid(node)
        await console.ws.close()


async def test_an_agent_hangs_up_their_phone_and_connects_it_again(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(1)], virtual_seats=0)
    ani, ani_auth = await agent(conn, "ani")
    async with running_node(settings, pool, FrozenClock(MONDAY_10_WIB), speed=5) as node:
        console = await ready(node, campaign.name, ani_auth)
        first = await conn.fetchval("SELECT call_sid FROM agent_legs WHERE user_id = $1", ani)
        gone = await node.client.delete("/api/agent/phone", headers=ani_auth)
        assert (await gone.json())["phone"]["state"] == "dropped"
        await until(lambda: _empty(node, ani), "the leg left its conference")
        assert await node.tick() == {campaign.name: 0}  # no phone: no call for Ani
        again = await phone_up(node, ani_auth)
        assert again["state"] == "connected"
        second = await conn.fetchval("SELECT call_sid FROM agent_legs WHERE user_id = $1", ani)
        assert second != first and node.carrier.switch.members(f"agent-{ani}") == [second]
        assert await node.tick() == {campaign.name: 1}
        await console.ws.close()
        for sid in list(node.carrier.calls):
            await node.carrier.hangup(sid)
        await node.settle()


async def _empty(node: Node, agent_id: int) -> bool:
    return not node.carrier.switch.members(f"agent-{agent_id}")


async def test_a_phone_connected_while_its_old_conference_is_ending_is_in_a_new_one(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    """The new leg dials in while the old conference is still sending its last
    callbacks: as on Twilio, it starts a new conference of that name, not one that ends
    under it (seen as a phone 'connected' in no conference at all)."""
    campaign = await factory.running_campaign([row(1)], virtual_seats=0)
    ani, ani_auth = await agent(conn, "ani")
    async with running_node(settings, pool, FrozenClock(MONDAY_10_WIB), speed=5) as node:
        console = await ready(node, campaign.name, ani_auth)
        send = node.carrier._event

        async def slow_leave(conference: Any, event: str, name: str, *a: Any, **k: Any) -> None:
            if name == "participant-leave":
                await asyncio.sleep(0.5)  # the old conference is still there meanwhile
            await send(conference, event, name, *a, **k)

        node.carrier._event = slow_leave  # type: ignore[method-assign]
        await node.client.delete("/api/agent/phone", headers=ani_auth)
        await until(lambda: _empty(node, ani), "the leg left its conference")
        await phone_up(node, ani_auth)
        second = await conn.fetchval("SELECT call_sid FROM agent_legs WHERE user_id = $1", ani)
        assert await until(lambda: _in(node, ani, second), "the new leg in a live conference")
        assert await node.tick() == {campaign.name: 1}
        await console.ws.close()
        for sid in list(node.carrier.calls):
            await node.carrier.hangup(sid)
        await node.settle()


async def _in(node: Node, agent_id: int, sid: str) -> bool:
    return node.carrier.switch.members(f"agent-{agent_id}") == [sid]


async def test_the_agent_holds_resumes_mutes_and_hangs_up_through_the_conference(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(1)], virtual_seats=0)
    ani, ani_auth = await agent(conn, "ani")
    _, budi_auth = await agent(conn, "budi")
    async with answering(settings, pool) as node:
        console = await ready(node, campaign.name, ani_auth)
        assert await node.tick() == {campaign.name: 1}
        pop = await console.next("pop")
        attempt = pop["attempt_id"]
        await until(lambda: conn.fetchval("SELECT joined_at FROM attempts"), "joined")

        async def control(action: str, headers: dict[str, str] = ani_auth) -> tuple[int, Any]:
            body = {"attempt_id": attempt, "action": action}
            resp = await node.client.post("/api/agent/call", json=body, headers=headers)
            return resp.status, await resp.json()

        assert (await control("hold", budi_auth))[0] == 403  # not Budi's call
        assert (await control("explode"))[0] == 422
        assert (await control("hold"))[0] == 202
        held = await until(lambda: _pop_with(console, "on_hold"), "the console shows the hold")
        assert held["call"]["on_hold"] is True
        assert (await control("hold"))[0] == 409  # on hold already: said so, nothing done
        # On hold the customer hears the campaign's held message, asked of the service.
        sid = await conn.fetchval("SELECT call_sid FROM attempts")
        music = [d for s, d in node.carrier.documents if s == sid and "segera kembali" in d]
        assert music and "/carrier/voice/music?attempt=" in music[-1]
        assert (await control("resume"))[0] == 202
        await until(
            lambda: conn.fetchval("SELECT NOT on_hold FROM attempts WHERE id = $1", attempt),
            "resumed",
        )
        assert (await control("mute"))[0] == 202
        await until(
            lambda: conn.fetchval("SELECT muted FROM agent_legs WHERE user_id = $1", ani), "muted"
        )
        assert (await control("unmute"))[0] == 202
        await until(
            lambda: conn.fetchval("SELECT NOT muted FROM agent_legs WHERE user_id = $1", ani),
            "unmuted",
        )
        assert (await control("unmute"))[0] == 409  # not muted
        assert (await control("hangup"))[0] == 202
        await node.settle()
        assert await conn.fetchval("SELECT left_at IS NOT NULL FROM attempts") is True
        status, body = await control("hold")
        assert status == 409 and body["error"]["message"] == "pelanggan sudah tidak tersambung"
        effects = {e["effect"] for e in await conn.fetch("SELECT effect FROM carrier_events")}
        assert {"customer_hold", "customer_unhold", "leg_mute", "leg_unmute"} <= effects
        documents_valid(node)
        await console.ws.close()


async def test_a_recorded_campaign_says_so_and_keeps_each_calls_recording(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(1)], virtual_seats=0, voice={"record": True})
    _, ani_auth = await agent(conn, "ani")
    async with answering(settings, pool) as node:
        console = await ready(node, campaign.name, ani_auth)
        assert await node.tick() == {campaign.name: 1}
        pop = await console.next("pop")
        opening = pop["script"]["steps"][0]["agent"]
        assert pop["recorded"] is True
        assert opening.endswith("panggilan ini direkam untuk menjaga kualitas layanan kami.")
        await until(lambda: conn.fetchval("SELECT joined_at FROM attempts"), "joined")
        sid = await conn.fetchval("SELECT call_sid FROM attempts")
        await until(lambda: _recording(node, sid), "recording started")
        await node.carrier.hangup(sid)
        await node.settle()
        recorded = await until(
            lambda: conn.fetchrow(
                "SELECT recording_sid, recording_url, recording_seconds FROM attempts"
                " WHERE recording_url IS NOT NULL"
            ),
            "the recording's status stored",
        )
        assert recorded["recording_sid"].startswith("RE")
        assert recorded["recording_url"].endswith(recorded["recording_sid"])
        manager = await factory.create_user("mira", "manager", password="rahasia-mira")
        token, _ = await auth.issue_token(conn, manager.id, kind="api", label="test")
        resp = await node.client.get(
            f"/api/campaigns/{campaign.name}/crm.csv", headers={"Authorization": f"Bearer {token}"}
        )
        crm = list(csv.DictReader(io.StringIO(await resp.text())))
        assert crm[0]["recording_url"] == recorded["recording_url"]
        await console.ws.close()


async def _recording(node: Node, sid: str) -> bool:
    call = node.carrier.calls.get(sid)
    return call is not None and call.recording is not None


async def test_a_supervisor_listens_whispers_barges_and_leaves_through_the_conference(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(1)], virtual_seats=0)
    ani, ani_auth = await agent(conn, "ani")
    budi, _ = await agent(conn, "budi")  # no phone
    mira = await factory.create_user("mira", "manager")
    token, _ = await auth.issue_token(conn, mira.id, kind="api", label="test")
    boss = {"Authorization": f"Bearer {token}"}
    async with answering(settings, pool) as node:
        console = await ready(node, campaign.name, ani_auth)
        assert await node.tick() == {campaign.name: 1}
        await console.next("pop")
        await until(lambda: conn.fetchval("SELECT joined_at FROM attempts"), "joined")
        sid = await conn.fetchval("SELECT call_sid FROM attempts")
        leg = await conn.fetchval("SELECT call_sid FROM agent_legs WHERE user_id = $1", ani)
        client = node.client

        async def monitor(body: dict[str, Any], headers: dict[str, str] = boss) -> tuple[int, Any]:
            resp = await client.post("/api/supervisor/monitors", json=body, headers=headers)
            return resp.status, await resp.json()

        assert (await monitor({"agent_id": ani}, ani_auth))[0] == 403  # agents may not
        status, body = await monitor({"agent_id": budi})
        assert status == 409 and "belum tersambung" in body["error"]["message"]
        status, body = await monitor({"agent_id": ani, "mode": "listen"})
        assert status == 202, body
        watch = body["monitor"]
        assert (await monitor({"agent_id": ani}))[0] == 409  # one at a time

        def member(call: str) -> Any:
            return node.carrier.switch.conferences[f"agent-{ani}"].members.get(call)

        await until(
            lambda: conn.fetchval("SELECT state = 'connected' FROM monitors"), "supervisor in"
        )
        members = node.carrier.switch.members(f"agent-{ani}")
        assert sorted(members) == sorted([sid, leg, watch["call_sid"]])
        assert member(watch["call_sid"]).muted  # listening: nobody hears the supervisor
        live = await client.get(f"/api/campaigns/{campaign.name}/agents/live", headers=boss)
        row_ = next(a for a in (await live.json())["agents"] if a["user_id"] == ani)
        assert row_["monitors"] == [
            {"id": watch["id"], "supervisor": "mira", "mode": "listen", "state": "connected"}
        ]

        path = f"/api/supervisor/monitors/{watch['id']}"
        resp = await client.post(path + "/mode", json={"mode": "whisper"}, headers=boss)
        assert resp.status == 200
        whisper = member(watch["call_sid"])
        assert (whisper.muted, whisper.coaching, whisper.coached) == (False, True, leg)
        resp = await client.post(path + "/mode", json={"mode": "barge"}, headers=boss)
        barge = member(watch["call_sid"])
        assert resp.status == 200 and (barge.muted, barge.coaching) == (False, False)

        resp = await client.delete(path, headers=boss)
        assert resp.status == 200 and (await resp.json())["monitor"]["state"] == "ended"
        await until(lambda: _gone(node, ani, watch["call_sid"]), "the supervisor left")
        # The call goes on: the customer is still with the agent.
        assert sorted(node.carrier.switch.members(f"agent-{ani}")) == sorted([sid, leg])
        await until(
            lambda: conn.fetchval("SELECT true FROM carrier_events WHERE effect = 'monitor_left'"),
            "the conference said the supervisor left",
        )
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM carrier_events WHERE effect = 'monitor_joined'"
            )
            == 1
        )
        await node.carrier.hangup(sid)
        await node.settle()
        await console.ws.close()


async def _gone(node: Node, agent_id: int, sid: str) -> bool:
    return sid not in node.carrier.switch.members(f"agent-{agent_id}")


async def test_a_sip_phone_is_called_into_the_conference_only_if_it_exists(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    _, ani_auth = await agent(conn, "ani")
    ani = await conn.fetchval("SELECT id FROM users WHERE username = 'ani'")
    async with running_node(settings, pool, FrozenClock(MONDAY_10_WIB), speed=5) as node:
        desk = "sip:ani@pbx.example.com"

        async def connect(body: dict[str, str]) -> Any:
            resp = await node.client.post("/api/agent/phone", json=body, headers=ani_auth)
            assert resp.status == 202, await resp.text()
            for _ in range(500):
                phone = await conn.fetchrow("SELECT * FROM agent_legs WHERE user_id = $1", ani)
                if phone["state"] != "connecting":
                    return phone
                await asyncio.sleep(0.02)
            raise AssertionError("the phone stayed connecting")

        # Nobody registered that address: the call fails, the leg is dropped, said why.
        phone = await connect({"endpoint": "sip", "address": desk})
        assert (phone["state"], phone["reason"]) == ("dropped", "failed")
        # The desk phone is on the network: called, answered, in the agent's conference.
        node.carrier.switch.register(desk)
        phone = await connect({"endpoint": "sip", "address": desk})
        assert (phone["state"], phone["endpoint"], phone["address"]) == ("connected", "sip", desk)
        assert node.carrier.switch.members(f"agent-{ani}") == [phone["call_sid"]]
        # A mobile number answers as the public network would.
        mobile = await connect({"endpoint": "phone", "address": "+6281299990000"})
        assert mobile["state"] == "connected" and mobile["call_sid"] != phone["call_sid"]
        for _ in range(500):  # the desk phone it replaced was hung up
            if node.carrier.switch.members(f"agent-{ani}") == [mobile["call_sid"]]:
                break
            await asyncio.sleep(0.02)
        assert node.carrier.switch.members(f"agent-{ani}") == [mobile["call_sid"]]
        kinds = {e["kind"] for e in await conn.fetch("SELECT kind FROM carrier_events")}
        assert {"agent", "agent_status", "conference"} <= kinds


async def test_a_softphone_dialling_in_again_replaces_its_leg_once(
    conn: asyncpg.Connection, factory: Factory
) -> None:
    """Twilio may repeat a webhook; a browser may reconnect without asking first. The
    same call again changes nothing; a new call replaces the old one, which is then hung
    up (found when a replaced leg stayed in the conference: the old value was read after
    the upsert had changed it)."""
    ani, _ = await agent(conn, "ani")
    first, second = "CA" + "1" * 32, "CA" + "2" * 32
    async with conn.transaction():
        assert await legs.dialled_in(conn, ani, first, MONDAY_10_WIB) is None
        await legs.joined(conn, first, "CF" + "1" * 32, f"agent-{ani}", MONDAY_10_WIB)
        assert await legs.dialled_in(conn, ani, first, MONDAY_10_WIB) is None  # repeated
        leg = await conn.fetchrow("SELECT state, call_sid FROM agent_legs WHERE user_id = $1", ani)
        assert (leg["state"], leg["call_sid"]) == ("connected", first)
        assert await legs.dialled_in(conn, ani, second, MONDAY_10_WIB) == first
        replaced = await legs.choose(conn, ani, legs.Endpoint(), MONDAY_10_WIB)
        assert replaced == second
