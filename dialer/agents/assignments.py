"""Which agents may join which campaign: a manager assigns them (the API, ``dialer
campaign assign``, the campaign's page), and an agent joins only a running campaign they
are assigned to — never a draft, a paused or a finished one (one already in a campaign
that is paused stays, and takes calls again when it resumes). Unassigned while
working the campaign, an agent without a call goes offline at once (one on a call
finishes it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dialer.agents import presence
from dialer.campaigns import service as campaigns
from dialer.campaigns.models import Campaign
from dialer.db import Connection, q
from dialer.errors import BadRequest, Forbidden, NotFound, ValidationFailed

JOINABLE_STATES = ("running",)


async def _agent_id(conn: Connection, username: str) -> int:
    record = await conn.fetchrow(q("agent_by_username"), username)
    if record is None:
        raise NotFound(f"no user {username!r}")
    role = record["role"]
    if role != "agent":
        raise ValidationFailed(
            f"user {username!r} is a {role}: only agents are assigned to campaigns"
        )
    return int(record["id"])


async def assign(conn: Connection, campaign_ref: str, username: str, *, actor: str) -> bool:
    """Agent ``username`` may join the campaign; True when newly assigned (False when
    they were already)."""
    campaign = await campaigns.get(conn, campaign_ref)
    if campaign.state == "finished":
        raise BadRequest(f"campaign {campaign.name} is finished")
    agent = await _agent_id(conn, username)
    return await conn.fetchval(q("assign_agent"), campaign.id, agent, actor) is not None


async def assign_ids(
    conn: Connection, campaign_id: int, user_ids: list[int], *, actor: str
) -> None:
    """Agents ``user_ids`` may join campaign ``campaign_id`` (the demo's and the bots')."""
    for user_id in user_ids:
        await conn.execute(q("assign_agent"), campaign_id, user_id, actor)


async def unassign(conn: Connection, campaign_ref: str, username: str, *, now: datetime) -> bool:
    """Agent ``username`` may no longer join the campaign (and leaves it, unless on a
    call); True when they were assigned."""
    campaign = await campaigns.get(conn, campaign_ref)
    agent = await _agent_id(conn, username)
    async with conn.transaction():
        removed = await conn.fetchval(q("unassign_agent"), campaign.id, agent) is not None
        if await conn.fetchval(q("unassigned_agent_offline"), agent, campaign.id, now):
            await presence.notify(conn, agent, "state")
    return removed


async def assigned(conn: Connection, campaign_ref: str) -> list[dict[str, Any]]:
    """The agents assigned to the campaign, with their state in it now."""
    campaign = await campaigns.get(conn, campaign_ref)
    return [dict(r) for r in await conn.fetch(q("campaign_assigned_agents"), campaign.id)]


async def check_may_join(conn: Connection, user_id: int, campaign: Campaign) -> None:
    """Refuse to let agent ``user_id`` join ``campaign`` unless it is running and they
    are assigned to it."""
    if campaign.state not in JOINABLE_STATES:
        raise BadRequest(
            f"campaign {campaign.name} is {campaign.state}: agents join running campaigns"
        )
    if not await conn.fetchval(q("agent_assigned"), campaign.id, user_id):
        raise Forbidden(
            f"you are not assigned to campaign {campaign.name}: a manager assigns its agents"
        )


async def joinable(conn: Connection, user_id: int) -> list[dict[str, Any]]:
    """The campaigns agent ``user_id`` may join: running, assigned to them."""
    return [dict(r) for r in await conn.fetch(q("joinable_campaigns"), user_id)]
