"""Bot agents as the pacing bench runs them: the customer ends the conversation (the
simulated customer's talk time), the bot takes its form time to record the outcome,
then the campaign's after-call work before the next call."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any

import asyncpg

from dialer.agents.bots import BotPlan, Bots
from dialer.clock import FrozenClock
from dialer.db import Pool
from dialer.providers.behaviour import Fixed
from dialer.settings import Settings
from tests.dialing import FAST, MONDAY_10_WIB, running_node
from tests.factories import Factory, row


async def until(probe: Any, what: str, seconds: float = 15) -> Any:
    for _ in range(int(seconds / 0.02)):
        if value := await probe():
            return value
        await asyncio.sleep(0.02)
    raise AssertionError(f"never happened: {what}")


async def test_a_bot_waits_for_the_hang_up_fills_the_form_then_wraps_up(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(1)], virtual_seats=0, wrap_up_seconds=20)
    clock = FrozenClock(MONDAY_10_WIB)
    customers = replace(FAST, talk_seconds=Fixed(3.0))  # the customer talks 3 s, then hangs up
    async with running_node(
        settings, pool, clock, choose=lambda c: "human", speed=20, profile=customers
    ) as node:
        plan = BotPlan(
            campaign.name,
            1,
            {"already_paid": 1},
            talk_seconds=Fixed(3600.0),  # the bot would never end the call itself
            seed=3,
            wait_for_hangup=True,
            form_seconds=Fixed(7.0),
        )
        public_url = node.settings.server.public_url
        bots = Bots(pool, clock, node.carrier, plan, settings.scripts_dir, "node-1", public_url)
        await bots.start()
        try:

            async def free() -> bool:
                state = await conn.fetchrow(
                    "SELECT s.state, l.state AS leg FROM agent_states s"
                    " JOIN agent_legs l USING (user_id) WHERE s.user_id = $1",
                    bots.ids[0],
                )
                return state is not None and tuple(state) == ("available", "connected")

            await until(free, "the bot free, its phone connected")
            assert await node.tick() == {campaign.name: 1}
            ended = await until(
                lambda: conn.fetchval("SELECT ended_at FROM attempts WHERE agent_id IS NOT NULL"),
                "the customer hanging up",
            )
            await asyncio.sleep(0.5)  # the bot looks every 0.1 s: it is filling the form
            state = await conn.fetchval(
                "SELECT state FROM agent_states WHERE user_id = $1", bots.ids[0]
            )
            assert state == "on_call" and bots.recorded == 0
            clock.advance(seconds=7)  # the form is done

            async def recorded() -> bool:
                return bots.recorded == 1

            await until(recorded, "the outcome recorded")
            outcome = await conn.fetchrow("SELECT code, recorded_at FROM outcomes")
            assert outcome["code"] == "already_paid"
            assert outcome["recorded_at"] - ended == timedelta(seconds=7)
            after = await conn.fetchrow(
                "SELECT state, since, wrap_up_until FROM agent_states WHERE user_id = $1",
                bots.ids[0],
            )
            # The campaign's after-call work, as for a person.
            assert after["state"] == "wrap_up"
            assert after["wrap_up_until"] - after["since"] == timedelta(seconds=20)
        finally:
            await bots.stop()
            await node.settle()
