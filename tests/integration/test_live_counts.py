"""The running counts (migration 0014) behind the live numbers and the outcome report.

Every test's database is also checked against its rows when the test ends
(``tests/oracle.py``, from ``conftest.db_url``); these tests drive the cases that
matter on purpose: a result changed, a call placed after it ended, a statement moving
many targets, rows folded while another transaction is still writing.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from dialer.calls.progress import campaign_progress, compact, shape
from dialer.db import Pool, connect, create_pool, q
from dialer.reports import live
from tests.factories import Factory, row
from tests.oracle import count_mismatches

NINE = datetime(2022, 9, 5, 2, 0, tzinfo=UTC)  # 09:00 WIB


async def attempt(
    conn: asyncpg.Connection,
    campaign_id: int,
    line: int,
    *,
    state: str = "completed",
    result: str | None = "contacted",
    placed: datetime | None = NINE,
) -> int:
    attempt_id: int = await conn.fetchval(
        "INSERT INTO attempts (campaign_id, target_id, number, carrier, node, state, result,"
        " created_at, placed_at, updated_at)"
        " SELECT $1, id, msisdn, 'test', 'test', $3, $4, $5, $6, $5 FROM targets"
        " WHERE campaign_id = $1 AND line = $2 RETURNING id",
        campaign_id,
        line,
        state,
        result,
        NINE - timedelta(minutes=1),
        placed,
    )
    return attempt_id


KEYS = {
    "target_counts": "campaign_id, state, reason, attempts",
    "attempt_counts": "campaign_id, hour, placed, zone, result",
}


async def folded_rows(conn: asyncpg.Connection, table: str) -> tuple[int, int]:
    """(rows, distinct keys) of a counts table."""
    total = await conn.fetchval(f"SELECT count(*) FROM {table}")
    keys = await conn.fetchval(
        f"SELECT count(*) FROM (SELECT DISTINCT {KEYS[table]} FROM {table}) k"
    )
    return int(total), int(keys)


async def test_results_moved_and_many_targets_at_once_are_counted_once(
    conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.create_campaign(name="counts")
    await factory.create_targets(campaign, [row(i) for i in range(1, 7)])  # lines 2..7
    # A call that ended before its placing was recorded, then placed; a result changed.
    early = await attempt(conn, campaign.id, 2, placed=None)
    await conn.execute(
        "UPDATE attempts SET placed_at = $2 WHERE id = $1", early, NINE + timedelta(hours=2)
    )
    changed = await attempt(conn, campaign.id, 3, result="busy_line")
    await conn.execute("UPDATE attempts SET result = 'contacted' WHERE id = $1", changed)
    await attempt(conn, campaign.id, 4, state="ringing", result=None)  # live
    await attempt(conn, campaign.id, 5, state="canceled", result="canceled", placed=None)
    # One statement moves several targets; another moves none.
    await conn.execute(
        "UPDATE targets SET state = 'scheduled', attempts = attempts + 1"
        " WHERE campaign_id = $1 AND line IN (2, 3, 5)",
        campaign.id,
    )
    await conn.execute("UPDATE targets SET state = 'done' WHERE campaign_id = $1 AND false", 1)
    await conn.execute(
        "UPDATE targets SET state = 'done', done_reason = 'already_paid'"
        " WHERE campaign_id = $1 AND line = 6",
        campaign.id,
    )
    assert await count_mismatches(conn) == {}
    progress = await campaign_progress(
        conn, campaign, now=NINE + timedelta(hours=3), abandon_window=timedelta(minutes=30)
    )
    assert progress["targets"] == {
        "total": 6,
        "scheduled": 3,
        "ready": 1,  # line 7
        "dialing": 1,  # line 4, ready in the table, on a live call
        "done": 1,
    }
    assert progress["finished"] == {"already_paid": 1}
    assert progress["attempts"] == {"total": 4, "contacted": 2, "ringing": 1, "canceled": 1}
    assert progress["contact_rate"] == round(2 / 3, 4)
    # The early call counts in the hour it was placed, not "never placed".
    hours = await conn.fetch(
        "SELECT hour, placed, result, sum(n) AS n FROM attempt_counts WHERE campaign_id = $1"
        " GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3",
        campaign.id,
    )
    assert [(r["hour"], r["placed"], r["result"], r["n"]) for r in hours] == [
        (NINE - timedelta(hours=1), False, "canceled", 1),  # created 08:59 UTC-hour 01:00
        (NINE, True, "contacted", 1),
        (NINE + timedelta(hours=2), True, "contacted", 1),
    ]


async def test_folding_keeps_every_sum_while_others_write(
    conn: asyncpg.Connection, pool: Pool, factory: Factory, db_url: str
) -> None:
    campaign = await factory.create_campaign(name="fold")
    await factory.create_targets(campaign, [row(i) for i in range(1, 21)])
    for line in range(2, 12):
        await attempt(conn, campaign.id, line)
        await conn.execute(
            "UPDATE targets SET attempts = attempts + 1, state = 'scheduled'"
            " WHERE campaign_id = $1 AND line = $2",
            campaign.id,
            line,
        )
    before = await campaign_progress(conn, campaign, now=NINE, abandon_window=timedelta(minutes=30))
    rows, keys = await folded_rows(conn, "target_counts")
    assert rows > keys
    # Another transaction has moved a target and not committed when the fold runs.
    other = await connect(db_url)
    try:
        writing = other.transaction()
        await writing.start()
        await other.execute(
            "UPDATE targets SET state = 'done', done_reason = 'wrong_number'"
            " WHERE campaign_id = $1 AND line = 15",
            campaign.id,
        )
        assert await compact(pool) > 0
        await writing.commit()
    finally:
        await other.close()
    assert await count_mismatches(conn) == {}
    after = await campaign_progress(conn, campaign, now=NINE, abandon_window=timedelta(minutes=30))
    assert after["targets"] == {
        **before["targets"],
        "ready": before["targets"]["ready"] - 1,
        "done": 1,
    }
    assert after["attempts"] == before["attempts"] == {"total": 10, "contacted": 10}
    # Folded again, with nothing new: one row a key in every table.
    await compact(pool)
    for table in ("target_counts", "attempt_counts"):
        rows, keys = await folded_rows(conn, table)
        assert rows == keys, table
    # One node folds at a time: a second one finds the lock taken and skips.
    async with pool.acquire() as holder, holder.transaction():
        await holder.execute("SELECT pg_advisory_xact_lock(25443, 1)")
        await conn.execute(
            "UPDATE targets SET state = 'ready' WHERE campaign_id = $1 AND line = 2", campaign.id
        )
        assert await compact(pool) == 0
    assert await compact(pool) > 0


async def test_the_live_connection_goes_back_to_the_pool_when_nobody_watches(
    pool: Pool, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign = await factory.create_campaign(name="idle")
    await factory.create_targets(campaign, [row(1)])
    monkeypatch.setattr(live, "IDLE_SECONDS", 0.5)
    watching = live.Live(pool, lambda: NINE, timedelta(minutes=30))
    try:
        queue = watching.watch(campaign.id)
        first = json.loads(await asyncio.wait_for(queue.get(), 5))
        assert first["targets"] == {"total": 1, "ready": 1}
        held = pool.get_size() - pool.get_idle_size()
        assert held >= 1
        watching.leave(campaign.id, queue)
        for _ in range(60):
            if not watching._tasks:
                break
            await asyncio.sleep(0.1)
        assert not watching._tasks and watching.reading == set()
        assert pool.get_size() - pool.get_idle_size() == held - 1  # given back
        # The campaign's lock went with it: another node could read it now.
        async with pool.acquire() as other:
            assert await other.fetchval(
                "SELECT pg_try_advisory_lock($1, $2)", live.LIVE_LOCK, campaign.id
            )
            await other.execute("SELECT pg_advisory_unlock_all()")
        # The next manager is served again.
        queue = watching.watch(campaign.id)
        again = json.loads(await asyncio.wait_for(queue.get(), 5))
        assert again["targets"] == first["targets"]
    finally:
        await watching.close()


async def test_a_rebuild_while_the_fold_commits_counts_once(
    conn: asyncpg.Connection, factory: Factory, db_url: str
) -> None:
    """Found in review: the fold deletes a key's rows and inserts their sum; a rebuild
    whose DELETE waited on those rows could not see the sum, and counted everything
    again on top of it. It now locks the counts tables first."""
    campaign = await factory.create_campaign(name="rebuild")
    await factory.create_targets(campaign, [row(i) for i in range(1, 11)])
    for line in (2, 3, 4):
        await conn.execute(
            "UPDATE targets SET state = 'scheduled' WHERE campaign_id = $1 AND line = $2",
            campaign.id,
            line,
        )
    folding, rebuilding = await connect(db_url), await connect(db_url)
    try:
        fold = folding.transaction()
        await fold.start()
        assert await folding.fetchval("SELECT compact_counts()") > 0
        rebuild = asyncio.create_task(rebuilding.execute("SELECT rebuild_counts($1)", campaign.id))
        await asyncio.sleep(0.3)
        assert not rebuild.done()  # it waits for the fold
        await fold.commit()
        await asyncio.wait_for(rebuild, 10)
    finally:
        await folding.close()
        await rebuilding.close()
    assert await count_mismatches(conn) == {}
    progress = await campaign_progress(
        conn, campaign, now=NINE, abandon_window=timedelta(minutes=30)
    )
    assert progress["targets"] == {"total": 10, "ready": 7, "scheduled": 3}


async def test_rows_deleted_by_hand_are_uncounted(
    conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.create_campaign(name="deleted")
    await factory.create_targets(campaign, [row(i) for i in range(1, 6)])
    await attempt(conn, campaign.id, 2)
    await conn.execute("DELETE FROM attempts WHERE campaign_id = $1", campaign.id)
    await conn.execute("DELETE FROM targets WHERE campaign_id = $1 AND line > 3", campaign.id)
    assert await count_mismatches(conn) == {}


async def test_the_live_figures_stay_small_with_hundreds_of_calls_in_flight(
    conn: asyncpg.Connection, factory: Factory
) -> None:
    """Found in review: one entry per live call made the announcement pass NOTIFY's
    8,000 bytes at ~155 calls, and the live numbers stopped for every manager."""
    campaign = await factory.create_campaign(name="busy")
    await factory.create_targets(campaign, [row(i) for i in range(1, 401)])
    for n, state in enumerate(("queued", "dialing", "ringing", "in-progress")):
        await conn.execute(
            "INSERT INTO attempts (campaign_id, target_id, number, carrier, node, state,"
            " created_at, updated_at, seat)"
            " SELECT campaign_id, id, msisdn, 'test', 'test', $2, $3, $3,"
            "        CASE WHEN $2 = 'in-progress' THEN line END"
            " FROM targets WHERE campaign_id = $1 AND line % 4 = $4",
            campaign.id,
            state,
            NINE,
            n,
        )
    numbers = await conn.fetchval(
        "SELECT numbers::text FROM (" + q("live_numbers").replace(";", "") + ") x",
        campaign.id,
        NINE,
        timedelta(minutes=30),
        False,
    )
    assert len(numbers.encode()) < 2000
    progress = shape(json.loads(numbers))
    assert progress["targets"] == {"total": 400, "dialing": 400}
    assert progress["attempts"] == {
        "total": 400,
        "queued": 100,
        "dialing": 100,
        "ringing": 100,
        "in-progress": 100,
    }
    assert progress["live"] == {"on_seat": 100, "in_flight": 300}


async def test_when_the_reading_connection_dies_a_node_reads_again_for_everyone(
    db_url: str, conn: asyncpg.Connection, factory: Factory
) -> None:
    """The reader's connection is killed (a node whose network went): its lock goes with
    it, one node reads again within seconds, and every manager keeps getting figures."""
    campaign = await factory.create_campaign(name="cut")
    await factory.create_targets(campaign, [row(1)])
    pools = [await create_pool(db_url, min_size=1, max_size=3) for _ in range(2)]
    nodes = [live.Live(p, lambda: NINE, timedelta(minutes=30)) for p in pools]
    try:
        queues = [node.watch(campaign.id) for node in nodes]
        for queue in queues:
            await asyncio.wait_for(queue.get(), 5)
        reader = 0 if nodes[0].reading else 1
        assert nodes[reader].reading == {campaign.id} and not nodes[1 - reader].reading
        holder = await conn.fetchval(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            live.LIVE_LOCK,
            campaign.id,
        )
        assert await conn.fetchval("SELECT pg_terminate_backend($1)", holder)
        # Within a few seconds one node reads again — either: the cut one is back
        # after a second and may win the lock — on a new connection.
        readers: list[int] = []
        for _ in range(50):
            readers = [n for n, node in enumerate(nodes) if node.reading == {campaign.id}]
            now_holder = await conn.fetchval(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1"
                " AND objid = $2 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                live.LIVE_LOCK,
                campaign.id,
            )
            if len(readers) == 1 and now_holder not in (None, holder):
                break
            await asyncio.sleep(0.1)
        assert len(readers) == 1 and now_holder not in (None, holder)
        # Both nodes' managers go on getting figures, the cut one's too once it is back.
        for queue in queues:
            while not queue.empty():
                queue.get_nowait()
        for queue in queues:
            figures = json.loads(await asyncio.wait_for(queue.get(), 5))
            assert figures["targets"] == {"total": 1, "ready": 1}
    finally:
        for node in nodes:
            await node.close()
        for p in pools:
            await p.close()


async def test_a_stopping_node_ends_every_stream_even_with_figures_arriving(
    pool: Pool, factory: Factory
) -> None:
    """The end is the last thing a watcher hears: figures announced after it (another
    node reads on) must not take its place in the one-slot queue."""
    campaign = await factory.create_campaign(name="stopping")
    watching = live.Live(pool, lambda: NINE, timedelta(minutes=30))
    try:
        queue = watching.watch(campaign.id)
        watching.end()
        watching._deliver(campaign.id, '{"late": true}')
        assert await asyncio.wait_for(queue.get(), 5) is live.END
        assert watching.watch(campaign.id).get_nowait() is live.END  # a late comer too
    finally:
        await watching.close()
