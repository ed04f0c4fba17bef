"""The agents' hub on a real PostgreSQL: its LISTEN connection lost and listened again
(every console here told its state afresh), payloads that are not ours, a message that
cannot be built, sockets closed or failing mid-send, voucher news for one campaign's
agents on this node only, and the presence marks going on after one fails.

The hub is built with a fake ``build`` (it records each event and answers with messages
naming it) and fake sockets (``closed``, ``send_json``, ``close``), so what each console
would receive is visible."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from dialer.agents import hub as hub_module
from dialer.agents import presence
from dialer.agents.hub import Hub
from dialer.db import Pool
from dialer.vouchers import ledger
from tests.factories import Factory

T0 = datetime(2022, 9, 5, 3, 0, tzinfo=UTC)
BOUND = 10.0  # seconds any wait may take at most


async def until(check: Callable[[], Awaitable[bool] | bool], what: str) -> None:
    """Poll ``check`` until it holds, for at most BOUND seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BOUND
    while True:
        found = check()
        if not isinstance(found, bool):
            found = await found
        if found:
            return
        if loop.time() > deadline:
            raise AssertionError(f"not within {BOUND} s: {what}")
        await asyncio.sleep(0.02)


class FakeSocket:
    """What the hub uses of a WebSocket; ``fail`` makes ``send_json`` raise it."""

    def __init__(self, *, closed: bool = False, fail: BaseException | None = None) -> None:
        self.closed = closed
        self.fail = fail
        self.sent: list[dict[str, Any]] = []
        self.attempts = 0

    async def send_json(self, message: dict[str, Any], *, dumps: Callable[[Any], str]) -> None:
        self.attempts += 1
        if self.fail is not None:
            raise self.fail
        self.sent.append(json.loads(dumps(message)))

    async def close(self) -> None:
        self.closed = True


class Builder:
    """A fake ``build``: records each (user, event); raises for events of kind "boom"."""

    def __init__(self, messages: int = 1) -> None:
        self.calls: list[tuple[int, dict[str, Any]]] = []
        self.messages = messages

    async def __call__(self, user_id: int, event: dict[str, Any]) -> list[dict[str, Any]]:
        self.calls.append((user_id, event))
        if event.get("kind") == "boom":
            raise RuntimeError("the database said no")
        return [{"to": user_id, "kind": event.get("kind"), "part": i} for i in range(self.messages)]

    def kinds(self, user_id: int) -> list[str]:
        return [e.get("kind") for u, e in self.calls if u == user_id]


@pytest.fixture
async def started(pool: Pool, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Hub]:
    """A started hub (no clock: no presence marks) with a recording ``build``."""
    monkeypatch.setattr(hub_module, "RETRY_SECONDS", 0.05)
    hub = Hub(pool, Builder())
    await hub.start()
    yield hub
    await hub.stop()


def builder(hub: Hub) -> Builder:
    assert isinstance(hub.build, Builder)
    return hub.build


async def notify(conn: asyncpg.Connection, channel: str, payload: str) -> None:
    await conn.execute("SELECT pg_notify($1, $2)", channel, payload)


async def listener_pids(conn: asyncpg.Connection) -> list[int]:
    """The backends of this database whose last statement was a LISTEN: the hub's."""
    rows = await conn.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND query ILIKE 'LISTEN%'"
    )
    return [r["pid"] for r in rows]


async def test_a_lost_listening_connection_is_listened_again_and_every_console_refreshed(
    started: Hub, conn: asyncpg.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    hub, build = started, builder(started)
    a1, a2, b = FakeSocket(), FakeSocket(), FakeSocket()
    hub.add(1, a1)  # type: ignore[arg-type]
    hub.add(1, a2)  # type: ignore[arg-type]
    hub.add(2, b)  # type: ignore[arg-type]

    # Listening: an agent's event reaches both of its sockets, not the other agent's.
    await notify(conn, presence.CHANNEL, json.dumps({"user": 1, "kind": "call"}))
    await until(lambda: len(a1.sent) == len(a2.sent) == 1, "the call event delivered")
    assert a1.sent == a2.sent == [{"to": 1, "kind": "call", "part": 0}]
    assert b.sent == []

    (before,) = await listener_pids(conn)
    with caplog.at_level(logging.INFO, logger=hub_module.__name__):
        assert await conn.fetchval("SELECT pg_terminate_backend($1)", before)
        # Every console here is told its state afresh, once the hub listens again.
        await until(
            lambda: build.kinds(1) == ["call", "state"] and build.kinds(2) == ["state"],
            "every console sent its state after the connection came back",
        )
    assert a1.sent[-1] == a2.sent[-1] == {"to": 1, "kind": "state", "part": 0}
    assert b.sent == [{"to": 2, "kind": "state", "part": 0}]
    assert "agents' channel listening again" in caplog.messages

    # On another connection, and what is announced now reaches the consoles again.
    async def listening_elsewhere() -> bool:
        pids = await listener_pids(conn)
        return len(pids) == 1 and pids[0] != before

    await until(listening_elsewhere, "one listening connection, a new one")
    await notify(conn, presence.CHANNEL, json.dumps({"user": 2, "kind": "pop"}))
    await until(lambda: len(b.sent) == 2, "an event after the reconnection delivered")
    assert b.sent[-1] == {"to": 2, "kind": "pop", "part": 0}


async def test_a_payload_that_is_not_ours_is_logged_and_ignored(
    started: Hub, conn: asyncpg.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    hub, build = started, builder(started)
    ws = FakeSocket()
    hub.add(7, ws)  # type: ignore[arg-type]
    bad = ["<bad>", '{"kind": "state"}', "[7]", '{"user": "seven"}']
    with caplog.at_level(logging.WARNING, logger=hub_module.__name__):
        for payload in bad:
            await notify(conn, presence.CHANNEL, payload)
        # The hub goes on: a good event after the bad ones is delivered (NOTIFYs arrive
        # in order, so the bad ones were handled by then).
        await notify(conn, presence.CHANNEL, json.dumps({"user": 7, "kind": "state"}))
        await until(lambda: len(ws.sent) == 1, "the good event delivered")
    assert ws.sent == [{"to": 7, "kind": "state", "part": 0}]
    assert build.calls == [(7, {"user": 7, "kind": "state"})]
    warned = [
        r.payload  # type: ignore[attr-defined]
        for r in caplog.records
        if r.getMessage() == "agents' channel: a payload that is not ours"
    ]
    assert warned == bad


async def test_an_event_for_an_agent_with_no_socket_here_is_not_built(
    started: Hub, conn: asyncpg.Connection
) -> None:
    hub, build = started, builder(started)
    ws = FakeSocket()
    hub.add(3, ws)  # type: ignore[arg-type]
    await notify(conn, presence.CHANNEL, json.dumps({"user": 4, "kind": "call"}))
    await notify(conn, presence.CHANNEL, json.dumps({"user": 3, "kind": "call"}))
    await until(lambda: len(ws.sent) == 1, "agent 3's event delivered")
    assert build.calls == [(3, {"user": 3, "kind": "call"})]


async def test_a_message_that_cannot_be_built_is_logged_and_the_hub_goes_on(
    started: Hub, conn: asyncpg.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    hub = started
    ws = FakeSocket()
    hub.add(5, ws)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger=hub_module.__name__):
        await notify(conn, presence.CHANNEL, json.dumps({"user": 5, "kind": "boom"}))
        await notify(conn, presence.CHANNEL, json.dumps({"user": 5, "kind": "state"}))
        await until(lambda: len(ws.sent) == 1, "the event after the failed one delivered")
    # Nothing of the failed message was sent; the next one of the same agent was.
    assert ws.sent == [{"to": 5, "kind": "state", "part": 0}]
    (failed,) = [r for r in caplog.records if r.getMessage() == "agent message failed"]
    assert failed.agent_id == 5  # type: ignore[attr-defined]
    assert failed.exc_info is not None and "the database said no" in str(failed.exc_info[1])


async def test_a_closed_or_failing_socket_does_not_stop_the_others(pool: Pool) -> None:
    hub = Hub(pool, Builder())  # not started: send() alone
    good, closed = FakeSocket(), FakeSocket(closed=True)
    reset = FakeSocket(fail=ConnectionResetError("peer went away"))
    broken = FakeSocket(fail=RuntimeError("closing transport"))
    for ws in (good, closed, reset, broken):
        hub.add(9, ws)  # type: ignore[arg-type]
    messages = [{"n": 1}, {"n": 2}, {"n": 3}]
    await hub.send(9, messages)  # raises nothing
    assert good.sent == messages
    assert closed.attempts == 0  # a closed socket is not written to
    # A socket that failed is given up for the rest of the batch.
    assert (reset.attempts, broken.attempts) == (1, 1)
    # A socket that closes midway gets nothing more.
    closing = FakeSocket()
    original = closing.send_json

    async def send_then_close(message: dict[str, Any], *, dumps: Callable[[Any], str]) -> None:
        await original(message, dumps=dumps)
        closing.closed = True

    closing.send_json = send_then_close  # type: ignore[method-assign]
    hub.add(10, closing)  # type: ignore[arg-type]
    await hub.send(10, messages)
    assert closing.sent == messages[:1]
    # An agent with no socket here: nothing to do, and no error.
    await hub.send(11, messages)


async def agent_in(
    conn: asyncpg.Connection, factory: Factory, name: str, campaign_id: int, state: str
) -> int:
    """An agent of the campaign in ``state``, last seen at T0 (written directly: no
    notification of it reaches the hub)."""
    user = await factory.create_user(name, "agent")
    await conn.execute(
        "INSERT INTO agent_states (user_id, campaign_id, state, since, node, seen_at)"
        " VALUES ($1, $2, $3, $4, 'node-1', $4)",
        user.id,
        campaign_id,
        state,
        T0,
    )
    return user.id


async def test_voucher_news_reaches_the_campaigns_agents_on_this_node_only(
    started: Hub, conn: asyncpg.Connection, factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    hub, build = started, builder(started)
    campaign = await factory.create_campaign()
    other = await factory.create_campaign()
    available = await agent_in(conn, factory, "ani", campaign.id, "available")
    paused = await agent_in(conn, factory, "budi", campaign.id, "paused")
    offline = await agent_in(conn, factory, "cici", campaign.id, "offline")
    elsewhere = await agent_in(conn, factory, "dedi", other.id, "available")
    await agent_in(conn, factory, "eka", campaign.id, "available")  # no socket here
    sockets = {u: FakeSocket() for u in (available, paused, offline, elsewhere)}
    for user_id, ws in sockets.items():
        hub.add(user_id, ws)  # type: ignore[arg-type]

    with caplog.at_level(logging.WARNING, logger=hub_module.__name__):
        await notify(conn, ledger.CHANNEL, "<bad>")
        await notify(conn, ledger.CHANNEL, str(campaign.id))
        await until(
            lambda: len(sockets[available].sent) == len(sockets[paused].sent) == 1,
            "the campaign's agents told",
        )
    assert sockets[available].sent == [{"to": available, "kind": "voucher", "part": 0}]
    assert sockets[paused].sent == [{"to": paused, "kind": "voucher", "part": 0}]
    assert sockets[offline].sent == sockets[elsewhere].sent == []
    assert sorted(u for u, _ in build.calls) == sorted([available, paused])
    assert [r.payload for r in caplog.records if r.getMessage().startswith("vouchers'")] == [  # type: ignore[attr-defined]
        "<bad>"
    ]

    # The other campaign's news reaches its agent alone.
    await notify(conn, ledger.CHANNEL, str(other.id))
    await until(lambda: len(sockets[elsewhere].sent) == 1, "the other campaign's agent told")
    assert sockets[available].sent == [{"to": available, "kind": "voucher", "part": 0}]


async def test_voucher_news_that_cannot_be_looked_up_is_logged_and_the_hub_goes_on(
    started: Hub, conn: asyncpg.Connection, factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    hub = started
    campaign = await factory.create_campaign()
    agent = await agent_in(conn, factory, "ani", campaign.id, "available")
    ws = FakeSocket()
    hub.add(agent, ws)  # type: ignore[arg-type]
    # The lookup of the campaign's agents fails (their table is not there for now).
    await conn.execute("ALTER TABLE agent_states RENAME TO agent_states_away")
    with caplog.at_level(logging.WARNING, logger=hub_module.__name__):
        await notify(conn, ledger.CHANNEL, str(campaign.id))
        await until(lambda: "voucher news not passed on" in caplog.messages, "the failure logged")
    (failed,) = [r for r in caplog.records if r.getMessage() == "voucher news not passed on"]
    assert "agent_states" in failed.error  # type: ignore[attr-defined]
    assert ws.sent == []
    await conn.execute("ALTER TABLE agent_states_away RENAME TO agent_states")
    await notify(conn, ledger.CHANNEL, str(campaign.id))
    await until(lambda: len(ws.sent) == 1, "the next news delivered")
    assert ws.sent == [{"to": agent, "kind": "voucher", "part": 0}]


async def test_consoles_are_marked_present_and_a_failed_mark_does_not_stop_the_marks(
    pool: Pool,
    conn: asyncpg.Connection,
    factory: Factory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(hub_module, "PRESENT_SECONDS", 0.02)
    campaign = await factory.create_campaign()
    here = await agent_in(conn, factory, "ani", campaign.id, "available")
    away = await agent_in(conn, factory, "budi", campaign.id, "available")
    later = T0 + timedelta(minutes=5)
    # The clock gives something that is no time until the test says otherwise.
    now: list[Any] = ["not a time"]
    hub = Hub(pool, Builder(), clock=lambda: now[0])
    await hub.start()
    try:

        async def seen(user_id: int) -> datetime:
            found: datetime = await conn.fetchval(
                "SELECT seen_at FROM agent_states WHERE user_id = $1", user_id
            )
            return found

        with caplog.at_level(logging.WARNING, logger=hub_module.__name__):
            hub.add(here, FakeSocket())  # type: ignore[arg-type]
            await until(
                lambda: "marking consoles present failed" in caplog.messages,
                "the failed mark logged",
            )
        assert await seen(here) == T0
        now[0] = later
        await until(lambda: _eq(seen(here), later), "the console marked present")
        assert await seen(away) == T0  # no socket here: not marked
    finally:
        await hub.stop()


async def _eq(value: Awaitable[Any], expected: Any) -> bool:
    return bool(await value == expected)
