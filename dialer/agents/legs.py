"""Each agent's own leg of the voice path, in ``agent_legs``.

An agent hears customers through one endpoint, chosen per agent: the browser
**softphone** (Twilio's Voice SDK, registered under the agent's identity), a **SIP**
address (a desk phone or a softphone app) or a **phone** number. When they start work
the leg connects once and joins the agent's own conference, where it stays (a
*nailed-up* leg); each answered customer is joined to that conference and heard at
once. The leg is ``connecting`` until the conference says it joined (``connected``),
and ``dropped`` when it left, with the reason. A call is handed only to an agent whose
leg is connected (``reserve_agent``).

Every change is told to the agent's console (``presence.notify``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from dialer.agents import presence
from dialer.db import Connection, Pool, q
from dialer.providers import twiml
from dialer.providers.carrier import AgentLeg, Carrier
from dialer.providers.errors import ProviderError

_SIP = re.compile(r"^sip:[A-Za-z0-9._~+-]+@[A-Za-z0-9.-]+(:\d{1,5})?(;transport=(udp|tcp|tls))?$")
_PHONE = re.compile(r"^\+[1-9]\d{6,14}$")
_CLIENT = re.compile(r"^client:agent-([1-9]\d{0,17})$")


class Endpoint(BaseModel):
    """The endpoint an agent connects: a softphone (no address), a SIP address
    (``sip:user@host``) or a phone number (E.164)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    endpoint: Literal["softphone", "sip", "phone"] = "softphone"
    address: str | None = None

    @model_validator(mode="after")
    def _address_fits(self) -> Endpoint:
        if self.endpoint == "softphone":
            if self.address:
                raise ValueError("a softphone has no address")
            self.address = None  # "" says the same
        elif self.endpoint == "sip":
            if not self.address or not _SIP.match(self.address):
                raise ValueError("a SIP endpoint needs an address like sip:agent7@pbx.example.com")
        elif not self.address or not _PHONE.match(self.address):
            raise ValueError("a phone endpoint needs a number in E.164, like +6281234567890")
        return self


def agent_of_client(caller: str) -> int | None:
    """The agent a softphone's call comes from (``From=client:agent-N``), if any."""
    match = _CLIENT.match(caller)
    return int(match.group(1)) if match else None


async def choose(conn: Connection, user_id: int, endpoint: Endpoint, now: datetime) -> str | None:
    """The agent connects ``endpoint``: connecting. Returns the call of a leg it
    replaces that is still up (to hang up after the commit)."""
    replaced = await conn.fetchval(q("agent_leg_for_update"), user_id)
    await conn.execute(q("choose_leg"), user_id, endpoint.endpoint, endpoint.address, now)
    await presence.notify(conn, user_id, "state")
    return str(replaced) if replaced else None


async def placed(conn: Connection, user_id: int, call_sid: str) -> bool:
    """The service placed the agent's leg as ``call_sid``."""
    return bool(await conn.fetchval(q("leg_placed"), user_id, call_sid))


async def dialled_in(conn: Connection, user_id: int, call_sid: str, now: datetime) -> str | None:
    """The agent's softphone dialled in as ``call_sid``: their leg. Returns the call of a
    leg it replaces that is still up."""
    replaced = await conn.fetchval(q("agent_leg_for_update"), user_id)
    if await conn.fetchval(q("leg_dialled_in"), user_id, call_sid, now) is None:
        return None  # this very call again
    await presence.notify(conn, user_id, "state")
    return str(replaced) if replaced and replaced != call_sid else None


async def joined(
    conn: Connection, call_sid: str, conference_sid: str, name: str, now: datetime
) -> int | None:
    """A call joined a conference: if it is an agent's leg into their own conference,
    the leg is connected; the agent, or None."""
    user_id = await conn.fetchval(q("leg_joined"), call_sid, conference_sid, name, now)
    if user_id is not None:
        await presence.notify(conn, user_id, "state")
    return int(user_id) if user_id is not None else None


async def left(conn: Connection, call_sid: str, reason: str, now: datetime) -> int | None:
    """An agent's leg is gone (left the conference, or its call ended): dropped; the
    agent, or None when ``call_sid`` is no live leg."""
    user_id = await conn.fetchval(q("leg_left"), call_sid, reason[:200], now)
    if user_id is not None:
        await presence.notify(conn, user_id, "state")
    return int(user_id) if user_id is not None else None


async def drop(conn: Connection, user_id: int, now: datetime) -> str | None:
    """The agent hangs their leg up (or their console went away): dropped; the call to
    end after the commit."""
    sid = await conn.fetchval(q("drop_leg"), user_id, now)
    await presence.notify(conn, user_id, "state")
    return str(sid) if sid else None


async def drop_every(conn: Connection, now: datetime, reason: str) -> int:
    """Every leg still up is gone (a simulated floor starting again: its phones lived in
    the process that ended); how many."""
    dropped = await conn.fetch(q("drop_every_leg"), now, reason)
    for row in dropped:
        await presence.notify(conn, row["user_id"], "state")
    return len(dropped)


async def connect(
    pool: Pool, carrier: Carrier, base: str, user_id: int, endpoint: Endpoint, now: datetime
) -> None:
    """Connect the agent's leg through ``carrier``: the service calls a SIP address or
    phone number into the agent's conference; a softphone dials in by itself (the
    browser, or the simulator's softphone). A leg it replaces is hung up. A carrier that
    fails leaves the leg dropped, with the reason."""
    async with pool.acquire() as conn, conn.transaction():
        replaced = await choose(conn, user_id, endpoint, now)
    if replaced:
        await carrier.hangup(replaced)
    leg = AgentLeg(
        agent_id=user_id,
        endpoint=endpoint.endpoint,
        address=endpoint.address,
        from_=carrier.caller_id,
        answer_url=twiml.url(base, "/carrier/voice/agent", agent=user_id)
        if endpoint.endpoint != "softphone"
        else twiml.url(base, "/carrier/voice/agent"),
        status_url=twiml.url(base, "/carrier/voice/agent-status", agent=user_id),
    )
    try:
        sid = await carrier.connect(leg)
    except ProviderError as exc:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(q("leg_refused"), user_id, str(exc)[:200] or "refused", now)
            await presence.notify(conn, user_id, "state")
        raise
    if sid is not None and endpoint.endpoint != "softphone":
        async with pool.acquire() as conn:
            await placed(conn, user_id, sid)
