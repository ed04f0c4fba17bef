"""Fast failover (``calls/liveness.py``, ``recovery.failover``): who is judged dead, the
fence a paused node finds on waking, and what the reclaim does to answered calls."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient, TestServer, unused_port

from dialer.app import create_app
from dialer.billing.source import PaidAnswer
from dialer.calls import apply as applying
from dialer.calls import recovery
from dialer.calls.liveness import LIVENESS_LOCK_NAMESPACE, Liveness
from dialer.calls.pacer import DIALER, Dialer
from dialer.clock import FrozenClock
from dialer.db import Pool, session_name
from dialer.settings import Settings
from tests.conftest import with_database
from tests.dialing import MONDAY_10_WIB, RecordingCarrier
from tests.factories import Factory, row

GRACE, LEASE = timedelta(seconds=2), timedelta(seconds=6)


@asynccontextmanager
async def node(
    settings: Settings, pool: Pool, name: str = "a"
) -> AsyncIterator[tuple[Dialer, RecordingCarrier]]:
    port = unused_port()
    settings = settings.amend(server={"public_url": f"http://127.0.0.1:{port}", "node_name": name})
    carrier = RecordingCarrier()
    app = create_app(settings, pool=pool, clock=FrozenClock(MONDAY_10_WIB), carrier=carrier)
    client: TestClient[Any, Any] = TestClient(TestServer(app, host="127.0.0.1", port=port))
    await client.start_server()
    try:
        yield app[DIALER], carrier
    finally:
        await client.close()


# Locks of this test's database only: the server is shared with other test workers,
# whose nodes hold liveness locks with the same ids in their own databases.
THIS_DATABASE = "l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"


async def failover(pool: Pool, carrier: RecordingCarrier) -> recovery.Reconciled:
    clock = FrozenClock(MONDAY_10_WIB + timedelta(minutes=1))
    return await recovery.failover(pool, carrier, clock, lock_grace=GRACE, lease=LEASE)


async def silent_for(conn: asyncpg.Connection, name: str, seconds: float) -> None:
    """Node ``name`` last heartbeat ``seconds`` ago."""
    await conn.execute(
        "UPDATE nodes SET alive_at = clock_timestamp() - make_interval(secs => $2) WHERE name = $1",
        name,
        seconds,
    )


async def test_a_dead_nodes_answered_call_keeps_its_result_and_the_others_are_requeued(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(1), row(2)], virtual_seats=2)
    async with node(settings, pool) as (dialer, carrier):
        assert await dialer.tick() == {campaign.name: 2}
        talked, rang = sorted(carrier.sids)
        # One call was answered (someone was talked to), the other still rings.
        await applying.record(
            pool,
            kind="status",
            attempt_id=talked,
            params={"CallStatus": "in-progress", "CallSid": carrier.sids[talked]},
            now=MONDAY_10_WIB,
        )
    # The node dies: no lock, no heartbeat for longer than the grace.
    await conn.execute("UPDATE nodes SET alive_at = clock_timestamp()")
    assert (await failover(pool, carrier)).nodes_fenced == []  # within the grace
    await silent_for(conn, "a", 3)
    done = await failover(pool, carrier)
    assert (done.nodes_fenced, done.closed, done.requeued) == (["a"], 1, 1)
    ended = {
        r["id"]: (r["state"], r["result"], r["error"], r["attempts"])
        for r in await conn.fetch(
            "SELECT a.id, a.state, a.result, a.error, t.attempts FROM attempts a"
            " JOIN targets t ON t.campaign_id = a.campaign_id AND t.id = a.target_id"
        )
    }
    # Talked to: completed and counted (contact rate not undercounted).
    assert ended[talked] == ("completed", "contacted", None, 1)
    # Never answered: closed uncounted, its target dialled again later.
    assert ended[rang] == ("canceled", "canceled", "its node stopped", 0)
    # A second pass (another node, or this one again) changes nothing.
    again = await failover(pool, carrier)
    assert (again.nodes_fenced, again.closed, again.requeued) == ([], 0, 0)
    # Node a was only paused: back, it ends the calls its process still runs...
    assert await recovery.hang_up_reclaimed(pool, carrier, "a") == 2
    assert sorted(carrier.hung_up) == sorted(carrier.sids.values())
    # ...and one answered after its attempt was closed is ended when it reports in.
    late = await applying.record(
        pool,
        kind="answer",
        attempt_id=rang,
        params={"CallStatus": "in-progress", "CallSid": carrier.sids[rang]},
        now=MONDAY_10_WIB,
    )
    assert late.hangup == carrier.sids[rang]
    assert await conn.fetchval("SELECT result FROM attempts WHERE id = $1", rang) == "canceled"


async def test_a_node_holding_its_lock_is_dead_only_when_its_lease_lapses(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory, db_url: str
) -> None:
    await factory.running_campaign([row(1)], virtual_seats=1)
    async with node(settings, pool) as (dialer, carrier):
        await dialer.tick()
    node_id = await conn.fetchval(
        "UPDATE nodes SET alive_at = clock_timestamp() WHERE name = 'a' RETURNING id"
    )
    holder = await asyncpg.connect(db_url)
    try:
        await holder.execute("SELECT pg_advisory_lock($1, $2)", LIVENESS_LOCK_NAMESPACE, node_id)
        await silent_for(conn, "a", 3)  # silent past the grace, but its lock is held
        assert (await failover(pool, carrier)).nodes_fenced == []
        await silent_for(conn, "a", 7)  # hung: silent past the lease, lock or not
        done = await failover(pool, carrier)
        assert (done.nodes_fenced, done.requeued) == (["a"], 1)
    finally:
        await holder.close()


async def test_a_paused_node_finds_itself_fenced_and_rejoins_without_its_old_claims(
    settings: Settings, pool: Pool, conn: asyncpg.Connection
) -> None:
    pacing = settings.pacing.model_copy(update={"heartbeat_seconds": 0.02})
    liveness = Liveness(pool, pacing, FrozenClock(MONDAY_10_WIB), node="a", carrier="simulated")
    liveness.start()
    try:
        await _until(liveness.may_act)
        first = liveness.epoch
        # Its lock is on a connection of its own.
        held = await conn.fetchval(
            "SELECT count(*) FROM pg_locks l JOIN nodes n ON l.objid = n.id::oid"
            " WHERE l.locktype = 'advisory' AND l.classid = $1::oid AND n.name = 'a'"
            f" AND {THIS_DATABASE}",
            LIVENESS_LOCK_NAMESPACE,
        )
        assert held == 1
        # Another node judged it dead while it was paused.
        await conn.execute("UPDATE nodes SET epoch = epoch + 1, fenced_at = now() WHERE name = 'a'")
        await _until(lambda: liveness.fenced == 1 and liveness.may_act())
        assert liveness.epoch is not None and first is not None and liveness.epoch > first + 1
        row_ = await conn.fetchrow("SELECT epoch, fenced_at FROM nodes WHERE name = 'a'")
        assert (row_["epoch"], row_["fenced_at"]) == (liveness.epoch, None)
    finally:
        await liveness.stop()
    # Stopped: its lock is given back with its connection to the pool.
    assert not await conn.fetchval(
        "SELECT count(*) FROM pg_locks l WHERE l.locktype = 'advisory' AND l.classid = $1::oid"
        f" AND {THIS_DATABASE}",
        LIVENESS_LOCK_NAMESPACE,
    )


async def test_a_node_whose_lease_lapsed_after_its_claim_places_nothing(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(1)], virtual_seats=1)
    async with node(settings, pool) as (dialer, carrier):
        lease = iter([True, False])  # holds at the tick, lapsed by the time it places
        dialer.may_act = lambda: next(lease)
        assert await dialer.tick() == {campaign.name: 1}
        assert carrier.sids == {} and dialer.unplaced_fenced == 1
    attempt = await conn.fetchrow("SELECT state, error, call_sid FROM attempts")
    assert tuple(attempt) == ("canceled", "lease lapsed", None)
    target = await conn.fetchrow("SELECT state, attempts FROM targets")
    assert tuple(target) == ("scheduled", 0)


async def _until(condition: Any, seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


class StalledBilling:
    """A billing API that, asked before dialling, answers only after ``seconds``: the
    claim's transaction waits idle meanwhile, as it would on a node paused mid-claim."""

    name = "stalled"
    asks_before_dialling = True

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    async def paid_bills(self, bills: list[Any], now: Any) -> PaidAnswer:
        await asyncio.sleep(self.seconds)
        return PaidAnswer(paid={}, errors=())

    async def bill(self, conn: Any, customer: Any, now: Any) -> Any:
        raise AssertionError("not asked")

    async def close(self) -> None:
        return None


async def test_a_claim_left_idle_past_the_lease_is_undone_and_frees_the_campaign(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(1), row(2)], virtual_seats=2)
    settings = settings.amend(pacing={"node_lease_seconds": 0.3})
    async with node(settings, pool) as (dialer, carrier):
        dialer.billing = StalledBilling(1.5)
        # The database ends the stalled claim's session (its pacing lock and row locks
        # with it): nothing claimed, nothing placed.
        assert campaign.name not in await dialer.tick()
        assert await conn.fetchval("SELECT count(*) FROM attempts") == 0
        assert carrier.sids == {}
        # The campaign is free to be paced again at once.
        dialer.billing = None
        assert await dialer.tick() == {campaign.name: 2}


class TwilioLike(RecordingCarrier):
    """A provider that knows every call (as Twilio does): the failover asks it."""

    calls_visible_to_all_nodes = True

    def __init__(self) -> None:
        super().__init__()
        self.status: dict[str, dict[str, str]] = {}
        self.asked: list[str] = []

    async def fetch_call(self, sid: str) -> dict[str, str] | None:
        self.asked.append(sid)
        return self.status.get(sid)


async def test_with_a_provider_that_knows_every_call_the_dead_nodes_calls_are_asked_about(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.running_campaign([row(1), row(2), row(3)], virtual_seats=3)
    carrier = TwilioLike()
    async with node(settings, pool) as (dialer, _):
        dialer.carrier = carrier
        assert await dialer.tick() == {campaign.name: 3}
    ended, live, unplaced = sorted(carrier.sids)
    carrier.status[carrier.sids[ended]] = {"CallStatus": "busy"}
    carrier.status[carrier.sids[live]] = {"CallStatus": "in-progress"}
    # Claimed, then the node died before it recorded the call's SID.
    await conn.execute("UPDATE attempts SET call_sid = NULL WHERE id = $1", unplaced)
    await silent_for(conn, "a", 3)
    done = await failover(pool, carrier)
    assert (done.nodes_fenced, done.closed, done.requeued, done.still_live) == (["a"], 1, 1, 1)
    states = dict(await conn.fetch("SELECT id, state FROM attempts"))
    assert states == {ended: "busy", live: "dialing", unplaced: "canceled"}
    # The live one's callbacks reach any node; the provider is not asked again at once.
    again = await failover(pool, carrier)
    assert again.still_live == 1 and len(carrier.asked) == 2


async def test_a_hung_nodes_open_transaction_is_ended_so_its_calls_are_reclaimed(
    settings: Settings, pool: Pool, conn: asyncpg.Connection, factory: Factory, db_url: str
) -> None:
    await factory.running_campaign([row(1)], virtual_seats=1)
    async with node(settings, pool) as (dialer, carrier):
        await dialer.tick()
    # Node a hung mid-transaction, holding its attempt's lock (applying a callback).
    hung = await asyncpg.connect(db_url, server_settings={"application_name": session_name("a")})
    try:
        transaction = hung.transaction()
        await transaction.start()
        await hung.execute("SELECT id FROM attempts FOR UPDATE")
        await silent_for(conn, "a", 7)
        done = await failover(pool, carrier)
        assert done.nodes_fenced == ["a"]
        # Its transaction ended (rolled back, its lock freed): the call is reclaimed, in
        # this pass or, if the lock was not yet gone, the next.
        assert done.requeued + (await failover(pool, carrier)).requeued == 1
        assert not await _alive(hung)
    finally:
        await hung.close()


async def _alive(conn: asyncpg.Connection) -> bool:
    try:
        await conn.fetchval("SELECT 1")
    except (asyncpg.PostgresError, asyncpg.InterfaceError, ConnectionError):
        return False
    return True


async def test_a_node_of_another_database_on_the_server_neither_keeps_ours_alive_nor_is_ended(
    settings: Settings,
    pool: Pool,
    conn: asyncpg.Connection,
    factory: Factory,
    pg_admin_url: str,
    template_db: str,
) -> None:
    """Two deployments (or staging beside production) on one PostgreSQL server: each has
    a node 'a' with id 1. The liveness locks and the fenced node's sessions are this
    database's only."""
    await factory.running_campaign([row(1)], virtual_seats=1)
    async with node(settings, pool) as (dialer, carrier):
        await dialer.tick()
    node_id = await conn.fetchval("SELECT id FROM nodes WHERE name = 'a'")
    other_name = f"{template_db}_other"
    admin = await asyncpg.connect(pg_admin_url)
    await admin.execute(f'CREATE DATABASE "{other_name}" TEMPLATE "{template_db}"')
    other_url = with_database(pg_admin_url, other_name)
    theirs = await asyncpg.connect(
        other_url, server_settings={"application_name": session_name("a")}
    )
    try:
        # Their node a (the same id) is alive: it holds its lock, and is mid-transaction.
        await theirs.execute("SELECT pg_advisory_lock($1, $2)", LIVENESS_LOCK_NAMESPACE, node_id)
        transaction = theirs.transaction()
        await transaction.start()
        await theirs.execute("SELECT 1")
        await silent_for(conn, "a", 3)  # ours is silent past the grace, with no lock
        done = await failover(pool, carrier)
        assert (done.nodes_fenced, done.requeued) == (["a"], 1)
        assert await _alive(theirs)  # their node's session was not ours to end
        await transaction.rollback()
    finally:
        await theirs.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{other_name}" WITH (FORCE)')
        await admin.close()
