"""Status callbacks are stored in groups (one INSERT, one commit), each answered only
once its group is committed; a callback the database refuses is refused alone, its
neighbours in the group stored."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg

from dialer.calls.applier import APPLIER
from dialer.calls.inbox import INBOX, Inbox
from dialer.calls.pacer import DIALER
from dialer.db import Pool
from dialer.errors import BadRequest
from dialer.settings import Settings
from tests.factories import Factory, row
from tests.integration.test_callbacks import _service, post


async def wait_for_lock_waiters(conn: asyncpg.Connection, n: int) -> None:
    for _ in range(500):
        waiting = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND datname = current_database()"
        )
        if waiting >= n:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no one waits on the lock")


async def test_concurrent_callbacks_are_stored_once_each_in_fewer_writes(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    await factory.running_campaign([row(i) for i in range(1, 41)], virtual_seats=40)
    client, settings, carrier = await _service(settings, pool)
    try:
        await client.app[DIALER].tick()  # type: ignore[index]
        assert len(carrier.sids) == 40
        posts = []
        for attempt_id, sid in carrier.sids.items():
            for status in ("initiated", "ringing", "busy"):
                params = {"CallSid": sid, "CallStatus": status}
                posts.append(post(client, settings, attempt_id, "status", params))
        statuses = await asyncio.gather(*posts)
        assert statuses == [200] * 120
        inbox: Inbox = client.app[INBOX]  # type: ignore[index]
        assert inbox.groups < 120  # grouped: fewer writes than callbacks
        await client.app[APPLIER].drain()  # type: ignore[index]
    finally:
        await client.close()
    assert await conn.fetchval("SELECT count(*) FROM carrier_events") == 120
    assert await conn.fetchval("SELECT count(*) FROM carrier_events WHERE applied_at IS NULL") == 0
    assert await conn.fetchval("SELECT count(*) FROM attempts WHERE state = 'busy'") == 40


async def test_a_callback_the_database_refuses_is_refused_alone_and_its_group_stored(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory, db_url: str
) -> None:
    await factory.running_campaign([row(i) for i in range(1, 6)], virtual_seats=5)
    client, settings, carrier = await _service(settings, pool)
    # Callbacks whose CallSid says "refuse me" break a constraint; a NUL character cannot
    # be stored in JSON: two values the database refuses, inside one group.
    await conn.execute(
        "ALTER TABLE carrier_events ADD CONSTRAINT refuse CHECK (call_sid <> 'CArefuse')"
    )
    blocker = await asyncpg.connect(db_url)
    try:
        await client.app[DIALER].tick()  # type: ignore[index]
        calls = sorted(carrier.sids.items())
        tx = blocker.transaction()
        await tx.start()
        await blocker.execute("LOCK TABLE carrier_events IN EXCLUSIVE MODE")
        # The first callback's write waits on the lock; the next ones gather meanwhile
        # and are written together, after it.
        first = asyncio.create_task(
            post(
                client,
                settings,
                calls[0][0],
                "status",
                {"CallSid": calls[0][1], "CallStatus": "ringing"},
            )
        )
        await wait_for_lock_waiters(conn, 1)
        rest = [
            post(client, settings, a, "status", {"CallSid": sid, "CallStatus": "ringing"})
            for a, sid in calls[1:]
        ]
        bad = [
            {"CallSid": "CArefuse", "CallStatus": "busy"},
            {"CallSid": calls[2][1], "CallStatus": "busy", "Caller": "+62\x00"},
        ]
        rest[1:1] = [post(client, settings, calls[1][0], "status", p) for p in bad]
        gathered = asyncio.gather(*rest)
        await asyncio.sleep(0.3)  # they are queued behind the first write
        await tx.commit()
        assert await first == 200
        assert await gathered == [200, 400, 400] + [200] * (len(calls) - 2)
        inbox: Inbox = client.app[INBOX]  # type: ignore[index]
        assert inbox.groups == 2  # one group, not one write each
    finally:
        await blocker.close()
        await client.close()
    stored = await conn.fetch("SELECT call_sid FROM carrier_events ORDER BY id")
    assert sorted(r["call_sid"] for r in stored) == sorted(sid for _, sid in calls)


async def test_a_group_is_refused_whole_when_the_database_is_down(pool: Pool) -> None:
    inbox = Inbox(pool, lambda: None)
    inbox.start()
    await pool.close()  # not a value's fault: every callback of the group is refused
    now = datetime(2022, 9, 5, 3, 0, tzinfo=UTC)
    results = await asyncio.gather(
        *(inbox.store((now, "status", i, f"CA{i}", {})) for i in range(3)),
        return_exceptions=True,
    )
    assert all(isinstance(r, Exception) and not isinstance(r, BadRequest) for r in results)
    await inbox.stop()


async def test_stopping_stores_what_is_queued(
    pool: Pool, conn: asyncpg.Connection, db_url: str
) -> None:
    woken: list[int] = []
    inbox = Inbox(pool, lambda: woken.append(1))
    inbox.start()
    blocker = await asyncpg.connect(db_url)
    tx = blocker.transaction()
    await tx.start()
    await blocker.execute("LOCK TABLE carrier_events IN EXCLUSIVE MODE")
    now = datetime(2022, 9, 5, 3, 0, tzinfo=UTC)

    def store(i: int) -> asyncio.Task[None]:
        return asyncio.create_task(
            inbox.store((now, "status", i, f"CA{i}", {"CallStatus": "ringing"}))
        )

    stores = [store(1)]
    await wait_for_lock_waiters(conn, 1)  # the first group's write waits on the lock
    stores += [store(i) for i in range(2, 31)]  # these gather behind it
    await asyncio.sleep(0.05)
    stopping = asyncio.create_task(inbox.stop())
    await asyncio.sleep(0.1)
    assert not stopping.done()  # it waits for the queue to be written
    await tx.commit()
    await blocker.close()
    await stopping
    await asyncio.gather(*stores)
    assert await conn.fetchval("SELECT count(*) FROM carrier_events") == 30
    assert inbox.groups == 2 and len(woken) == 2  # the queue was written before stopping


async def test_the_applier_stops_when_stopped_right_after_a_wake(pool: Pool) -> None:
    # Inbox.stop() wakes the applier with the last group just before the service
    # stops it; on Python 3.11 asyncio.wait_for swallowed that cancel and the node's
    # shutdown hung for ever.
    from dialer.calls.applier import Applier
    from dialer.clock import system_clock

    for _ in range(20):
        applier = Applier(pool, system_clock)
        applier.start()
        await asyncio.sleep(0)
        applier.wake()
        async with asyncio.timeout(5):
            await applier.stop()
