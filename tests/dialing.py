"""A running service with the simulated carrier, for tests of the dialer.

The service listens on a real loopback port and the simulator posts its signed
callbacks there, exactly as in production; time is a :class:`FrozenClock` the test
moves, and the simulator's delays are tiny (``speed``).
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer, unused_port

from dialer import runtime
from dialer.agents import legs
from dialer.app import create_app
from dialer.calls.applier import APPLIER
from dialer.calls.pacer import DIALER, Dialer
from dialer.clock import FrozenClock
from dialer.db import Pool
from dialer.providers.carrier import AgentLeg, OutboundCall
from dialer.providers.simulated_carrier import SimProfile, SimulatedCarrier, SimulatedSwitch
from dialer.settings import Settings

# Monday 5 September 2022, 10:00 WIB: inside the seed campaign's period and window.
MONDAY_10_WIB = datetime(2022, 9, 5, 3, 0, tzinfo=UTC)
FAST = SimProfile(
    ring_seconds=(1.0, 1.0),
    talk_seconds=(2.0, 2.0),
    amd_seconds=(1.0, 1.0),
    machine_seconds=(1.0, 1.0),
    no_answer_seconds=2.0,
)


@dataclass
class Node:
    """One service node: its app, client, dialer and simulated carrier."""

    app: web.Application
    client: TestClient[Any, Any]
    carrier: SimulatedCarrier
    settings: Settings

    @property
    def dialer(self) -> Dialer:
        return self.app[DIALER]

    async def tick(self) -> dict[str, int]:
        return await self.dialer.tick()

    async def settle(self) -> None:
        """Wait until every simulated call of this node has ended and its callbacks
        are applied."""
        await self.carrier.drain()
        await self.app[APPLIER].drain()

    async def reconcile(self) -> Any:
        return await runtime.reconcile(self.app)


@asynccontextmanager
async def running_node(
    settings: Settings,
    pool: Pool,
    clock: FrozenClock,
    *,
    choose: Callable[[OutboundCall], str] | None = None,
    name: str = "node-1",
    speed: float = 50.0,
    profile: SimProfile = FAST,
    switch: SimulatedSwitch | None = None,
    **sections: dict[str, Any],
) -> AsyncIterator[Node]:
    port = unused_port()
    server = {"public_url": f"http://127.0.0.1:{port}", "node_name": name}
    settings = settings.amend(**(sections | {"server": sections.get("server", {}) | server}))
    carrier = SimulatedCarrier(
        auth_token=settings.simulator.auth_token.get_secret_value(),
        clock=clock,
        calls_per_second=settings.simulator.calls_per_second,
        profile=profile,
        speed=speed,
        seed=7,
        choose=choose,
        switch=switch,
    )
    app = create_app(settings, pool=pool, clock=clock, carrier=carrier)
    server = TestServer(app, host="127.0.0.1", port=port)
    async with TestClient(server) as client:
        try:
            yield Node(app, client, carrier, settings)
        finally:
            await carrier.close()


def fate_by_number(fates: dict[str, str], default: str = "human") -> Callable[[OutboundCall], str]:
    """Choose each simulated call's fate by the number dialled."""
    return lambda call: fates.get(call.to, default)


class RecordingCarrier:
    """A carrier that places nothing and posts nothing: tests post the callbacks. It
    keeps every document a live call was given (``updates``)."""

    name = "simulated"
    calls_per_second = 1000.0
    caller_id = "+622150000000"
    calls_visible_to_all_nodes = False

    def __init__(self) -> None:
        self.sids: dict[int, str] = {}
        self.hung_up: list[str] = []
        self.updates: list[tuple[str, str]] = []
        self.legs: list[AgentLeg] = []

    async def place_call(self, call: OutboundCall) -> str:
        sid = f"CA{call.attempt_id:032x}"
        self.sids[call.attempt_id] = sid
        return sid

    async def hangup(self, sid: str) -> None:
        self.hung_up.append(sid)

    async def update(self, sid: str, twiml: str) -> None:
        self.updates.append((sid, twiml))

    async def connect(self, leg: AgentLeg) -> str | None:
        self.legs.append(leg)
        return None

    @property
    def bridged(self) -> dict[str, str]:
        """Call SID → the conference it was sent into (the agent's)."""
        return dict(_named(self.updates, "Dial/Conference"))

    @property
    def transferred(self) -> dict[str, str]:
        """Call SID → the number it was dialled through to."""
        return dict(_named(self.updates, "Dial/Number"))

    async def fetch_call(self, sid: str) -> dict[str, str] | None:
        return None

    async def close(self) -> None:
        return None


def _named(updates: list[tuple[str, str]], path: str) -> list[tuple[str, str]]:
    found = []
    for sid, document in updates:
        element = ET.fromstring(document).find(path)
        if element is not None:
            found.append((sid, (element.text or "").strip()))
    return found


async def leg_up(conn: asyncpg.Connection, user_id: int) -> None:
    """Agent ``user_id``'s softphone is in their conference, as its callbacks would say
    (for tests whose carrier runs no calls)."""
    sid = f"CA{user_id:016x}{'a' * 16}"
    async with conn.transaction():
        await legs.dialled_in(conn, user_id, sid, MONDAY_10_WIB)
        await legs.joined(conn, sid, f"CF{user_id:032x}", f"agent-{user_id}", MONDAY_10_WIB)


async def phone_up(node: Node, headers: dict[str, str]) -> dict[str, Any]:
    """The agent connects their softphone (the simulator's, dialling in) and it is in
    their conference: the phone as the API shows it."""
    response = await node.client.post("/api/agent/phone", json={}, headers=headers)
    assert response.status == 202, await response.text()
    for _ in range(500):
        found = await node.client.get("/api/agent/phone", headers=headers)
        phone = (await found.json())["phone"]
        if phone["state"] == "connected":
            return dict(phone)
        await asyncio.sleep(0.02)
    raise AssertionError(f"the phone never connected: {phone}")


async def in_conference(carrier: SimulatedCarrier, agent_id: int, sid: str) -> list[str]:
    """Wait until call ``sid`` is in agent ``agent_id``'s conference; its members."""
    for _ in range(1000):
        if sid in (members := carrier.switch.members(f"agent-{agent_id}")):
            return members
        await asyncio.sleep(0.01)
    raise AssertionError(f"call {sid} never joined agent {agent_id}'s conference")


def signed(settings: Settings, path_qs: str, params: dict[str, str]) -> dict[str, str]:
    """Headers with the X-Twilio-Signature the service expects for this request."""
    from twilio.request_validator import RequestValidator

    url = settings.server.public_url.rstrip("/") + path_qs
    validator = RequestValidator(settings.simulator.auth_token.get_secret_value())
    return {"X-Twilio-Signature": validator.compute_signature(url, params)}
