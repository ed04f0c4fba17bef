"""Reconciling with the carrier: a placed call with no news for ``stale_attempt_seconds``
is asked of the carrier, and the answer decides — ended (closed by that result, the target
settled by the retry policy), unknown (closed, the target requeued without counting the
attempt), still live (touched, left live), or no answer at all (left as it is)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from dialer.calls.pacer import Dialer
from dialer.calls.recovery import Reconciled, reconcile
from dialer.clock import FrozenClock
from dialer.db import Pool
from dialer.providers.errors import ProviderError as CarrierError
from dialer.settings import Settings
from tests.dialing import MONDAY_10_WIB, RecordingCarrier
from tests.factories import Factory, row

NODE = "node-1"
LIVE = ("queued", "dialing", "ringing", "in-progress")
Answer = dict[str, str] | None | Exception


class ScriptedCarrier(RecordingCarrier):
    """Places nothing, posts nothing; ``fetch_call`` answers what the test scripts."""

    name = "twilio"
    calls_visible_to_all_nodes = True  # the asking path, whichever node placed the call

    def __init__(self) -> None:
        super().__init__()
        self.answer: Answer | Callable[[str], Answer] = None
        self.asked: list[str] = []

    async def fetch_call(self, sid: str) -> dict[str, str] | None:
        self.asked.append(sid)
        answer = self.answer(sid) if callable(self.answer) else self.answer
        if isinstance(answer, Exception):
            raise answer
        return answer


class World:
    """One running campaign with one target, dialled once through ``carrier``."""

    def __init__(self, pool: Pool, conn: asyncpg.Connection, settings: Settings) -> None:
        self.pool, self.conn = pool, conn
        self.settings = settings
        self.clock = FrozenClock(MONDAY_10_WIB)
        self.carrier = ScriptedCarrier()
        self.dialer = Dialer(
            pool,
            settings.pacing,
            self.clock,
            self.carrier,
            node=NODE,
            public_url=settings.server.public_url,
        )

    @property
    def stale(self) -> timedelta:
        return timedelta(seconds=self.settings.pacing.stale_attempt_seconds)

    async def reconcile(self) -> Reconciled:
        return await reconcile(
            self.pool, self.carrier, self.clock, stale_after=self.stale, node=NODE
        )

    async def attempt(self) -> asyncpg.Record:
        record = await self.conn.fetchrow("SELECT * FROM attempts")
        assert record is not None
        return record

    async def target(self) -> asyncpg.Record:
        record = await self.conn.fetchrow(
            "SELECT state, attempts, result_counts, next_attempt_at, done_reason, last_result"
            " FROM targets"
        )
        assert record is not None
        return record


@pytest.fixture
async def world(
    pool: Pool, conn: asyncpg.Connection, settings: Settings, factory: Factory
) -> World:
    campaign = await factory.running_campaign([row(1)], virtual_seats=1)
    w = World(pool, conn, settings)
    assert await w.dialer.tick() == {campaign.name: 1}
    attempt = await w.attempt()
    assert (attempt["state"], attempt["carrier"]) == ("dialing", "twilio")
    assert attempt["call_sid"] == w.carrier.sids[attempt["id"]]
    assert attempt["updated_at"] == w.clock.now
    # Not stale yet: the carrier is not asked.
    w.carrier.answer = {"CallStatus": "completed", "CallDuration": "42"}
    assert (await w.reconcile()).to_json() == Reconciled().to_json()
    w.clock.advance(seconds=w.settings.pacing.stale_attempt_seconds - 1)
    assert (await w.reconcile()).to_json() == Reconciled().to_json()
    assert w.carrier.asked == []
    w.clock.advance(seconds=2)  # now stale
    return w


def final(sid: str, status: str, **more: str) -> dict[str, str]:
    return {"CallSid": sid, "CallStatus": status} | more


async def test_a_call_the_carrier_says_completed_is_closed_and_its_target_done(
    world: World,
) -> None:
    sid = (await world.attempt())["call_sid"]
    world.carrier.answer = final(sid, "completed", CallDuration="42")
    done = await world.reconcile()
    assert (done.closed, done.requeued, done.still_live) == (1, 0, 0)
    assert world.carrier.asked == [sid]
    attempt = await world.attempt()
    assert (attempt["state"], attempt["result"], attempt["duration_seconds"]) == (
        "completed",
        "contacted",
        42,
    )
    assert attempt["ended_at"] == world.clock.now
    target = await world.target()
    assert (target["state"], target["done_reason"], target["attempts"]) == (
        "done",
        "contacted",
        1,
    )
    assert target["result_counts"] == {"contacted": 1}
    # The answer is kept as a callback of its own.
    event = await world.conn.fetchrow("SELECT kind, params, applied_at FROM carrier_events")
    assert event["kind"] == "reconcile" and event["params"]["CallStatus"] == "completed"
    assert event["applied_at"] == world.clock.now
    # Closed: never asked again.
    world.clock.advance(hours=1)
    assert (await world.reconcile()).closed == 0 and world.carrier.asked == [sid]


async def test_a_call_the_carrier_says_busy_counts_and_is_retried_by_the_policy(
    world: World,
) -> None:
    sid = (await world.attempt())["call_sid"]
    world.carrier.answer = final(sid, "busy")
    assert (await world.reconcile()).closed == 1
    attempt = await world.attempt()
    assert (attempt["state"], attempt["result"]) == ("busy", "busy_line")
    target = await world.target()
    # The seed's policy: a busy line is dialled again in 15 minutes, and it counts.
    assert (target["state"], target["attempts"], target["last_result"]) == (
        "scheduled",
        1,
        "busy_line",
    )
    assert target["result_counts"] == {"busy_line": 1}
    assert target["next_attempt_at"] == world.clock.now + timedelta(minutes=15)


async def test_a_call_the_carrier_does_not_know_is_requeued_without_counting_it(
    world: World,
) -> None:
    sid = (await world.attempt())["call_sid"]
    world.carrier.answer = None
    done = await world.reconcile()
    assert (done.closed, done.requeued, done.still_live) == (0, 1, 0)
    assert world.carrier.asked == [sid]
    attempt = await world.attempt()
    assert (attempt["state"], attempt["result"], attempt["error"]) == (
        "canceled",
        "canceled",
        "unknown to the carrier",
    )
    target = await world.target()
    assert (target["state"], target["attempts"], target["result_counts"]) == ("scheduled", 0, {})
    assert target["next_attempt_at"] > world.clock.now
    # Dialled again once it is due, as a fresh first attempt.
    world.clock.now = target["next_attempt_at"]
    assert sum((await world.dialer.tick()).values()) == 1
    assert await world.conn.fetchval("SELECT count(*) FROM attempts") == 2


@pytest.mark.parametrize("status", ["ringing", "in-progress"])
async def test_a_call_the_carrier_says_live_is_touched_and_left_live(
    world: World, status: str
) -> None:
    before = await world.attempt()
    target_before = await world.target()
    sid = before["call_sid"]
    world.carrier.answer = final(sid, status)
    done = await world.reconcile()
    assert (done.closed, done.requeued, done.still_live) == (0, 0, 1)
    after = await world.attempt()
    assert before["state"] == "dialing" and after["state"] in LIVE
    assert after["ended_at"] is None and after["result"] is None
    assert after["updated_at"] == world.clock.now > before["updated_at"]
    assert await world.target() == target_before
    # Fresh again: not asked until it is stale once more, counted from the touch.
    touched = world.clock.now
    world.clock.advance(seconds=world.settings.pacing.stale_attempt_seconds - 1)
    assert (await world.reconcile()).still_live == 0
    assert world.carrier.asked == [sid]
    world.clock.now = touched + world.stale + timedelta(seconds=1)
    world.carrier.answer = final(sid, "completed", CallDuration="300")
    assert (await world.reconcile()).closed == 1
    assert world.carrier.asked == [sid, sid]
    assert (await world.attempt())["result"] == "contacted"


async def test_a_carrier_error_leaves_the_call_as_it_is_for_the_next_round(
    world: World,
) -> None:
    before = await world.attempt()
    target_before = await world.target()
    sid = before["call_sid"]
    world.carrier.answer = CarrierError("Twilio answered 503")
    done = await world.reconcile()
    assert done.to_json() == Reconciled().to_json()
    assert world.carrier.asked == [sid]
    assert dict(await world.attempt()) == dict(before)  # not even touched
    assert await world.target() == target_before
    assert await world.conn.fetchval("SELECT count(*) FROM carrier_events") == 0
    # Still stale, so the next round asks again; this time the carrier answers.
    world.clock.advance(seconds=30)
    world.carrier.answer = final(sid, "no-answer")
    assert (await world.reconcile()).closed == 1
    assert world.carrier.asked == [sid, sid]
    attempt = await world.attempt()
    assert (attempt["state"], attempt["result"]) == ("no-answer", "no_answer")


async def test_each_stale_call_gets_its_own_answer(
    pool: Pool, conn: asyncpg.Connection, settings: Settings, factory: Factory
) -> None:
    """Four calls stale at once, four different answers, one pass."""
    campaign = await factory.running_campaign([row(i) for i in range(1, 5)], virtual_seats=4)
    w = World(pool, conn, settings)
    assert await w.dialer.tick() == {campaign.name: 4}
    records = await conn.fetch("SELECT id, call_sid, target_id FROM attempts ORDER BY id")
    sids = [r["call_sid"] for r in records]
    answers: dict[str, Any] = {
        sids[0]: final(sids[0], "completed", CallDuration="61"),
        sids[1]: None,
        sids[2]: final(sids[2], "ringing"),
        sids[3]: CarrierError("timeout"),
    }
    w.carrier.answer = answers.__getitem__
    w.clock.advance(seconds=w.settings.pacing.stale_attempt_seconds + 1)
    done = await w.reconcile()
    assert (done.closed, done.requeued, done.still_live) == (1, 1, 1)
    assert sorted(w.carrier.asked) == sorted(sids)
    states = {
        r["call_sid"]: (
            "live" if r["state"] in LIVE else r["state"],
            r["result"],
            r["updated_at"] == w.clock.now,
        )
        for r in await conn.fetch("SELECT call_sid, state, result, updated_at FROM attempts")
    }
    assert states == {
        sids[0]: ("completed", "contacted", True),
        sids[1]: ("canceled", "canceled", True),
        sids[2]: ("live", None, True),
        sids[3]: ("live", None, False),
    }
    targets = {
        r["id"]: (r["state"], r["attempts"])
        for r in await conn.fetch("SELECT id, state, attempts FROM targets")
    }
    by_sid = {r["call_sid"]: r["target_id"] for r in records}
    assert targets[by_sid[sids[0]]] == ("done", 1)
    assert targets[by_sid[sids[1]]] == ("scheduled", 0)
    assert targets[by_sid[sids[2]]] == ("ready", 0)
    assert targets[by_sid[sids[3]]] == ("ready", 0)


class LosingTheDatabase(ScriptedCarrier):
    """While it is asked, every session of the pool is ended (the database restarting,
    or dying); then it cannot answer."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        super().__init__()
        self.conn = conn

    async def fetch_call(self, sid: str) -> dict[str, str] | None:
        self.asked.append(sid)
        await self.conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        await asyncio.sleep(0.3)  # the pool's connections learn they are gone
        raise CarrierError("no answer")


async def test_a_pass_whose_lock_connection_died_ends_without_an_error_of_its_own(
    world: World,
) -> None:
    """The reconciler's session lock went with its connection: there is nothing to let
    go of, and the pass must not fail on letting go (it logged a traceback, not the
    database's outage, when the embedded PostgreSQL died under a node)."""
    world.carrier = LosingTheDatabase(world.conn)
    done = await world.reconcile()
    assert (done.closed, done.requeued) == (0, 0)
    assert len(world.carrier.asked) == 1
    # The next pass takes the lock again: it was not left held.
    world.carrier = ScriptedCarrier()
    sid = (await world.attempt())["call_sid"]
    world.carrier.answer = final(sid, "completed", CallDuration="42")
    assert (await world.reconcile()).closed == 1
