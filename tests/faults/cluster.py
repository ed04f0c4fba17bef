"""Real ``dialer run`` nodes on one database, and the invariants every fault must keep.

Each fault test starts nodes as subprocesses (the simulator at 100x, bot agents, a
300-row sample list), does its harm mid-campaign, and checks with :func:`invariants`:
never two live calls to one number or target, no attempt lost (each final, or live on a
node that is alive), each ended call counted on its target exactly once (the answered
ones included: nothing counted canceled that was talked to), no campaign's vouchers over
its quota, and the running counts equal to a scan (``tests/oracle.py``).
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp.test_utils import unused_port

from dialer.embedded_pg import EmbeddedPostgres, ensure_database
from tests.oracle import count_mismatches

ROOT = Path(__file__).resolve().parents[2]
LIVE = "('queued', 'dialing', 'ringing', 'in-progress')"
# What requeue_lost (dialer/calls/pacer.py) writes on an attempt it closes uncounted.
LOST_REASONS = (
    "('its node stopped', 'never placed', 'unknown to the carrier', 'carrier unavailable',"
    " 'lease lapsed')"
)
# Only the failover may reclaim in these tests: the stale limit is far away (1,000 s
# real at 100x), so a reclaim within the test's waits is the failover's.
FAR = "100000"


async def start_node(name: str, home: Path, db_url: str, **env: str) -> asyncio.subprocess.Process:
    """``dialer run`` as node ``name`` on ``db_url``; ``env`` adds settings. Its log
    goes to ``<home>.log`` (a pipe nobody reads would fill and hang the node)."""
    port = unused_port()
    home.mkdir(parents=True, exist_ok=True)
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environ |= {
        "DIALER_HOME": str(home),
        "DATABASE_URL": db_url,
        "DIALER_SERVER__PORT": str(port),
        "DIALER_SERVER__PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DIALER_SERVER__NODE_NAME": name,
        "DIALER_PACING__STALE_ATTEMPT_SECONDS": FAR,
        "DIALER_SIMULATOR__ODDS": "human=60,busy=20,no_answer=20",
    } | env
    with home.with_suffix(".log").open("ab") as log:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "dialer",
            "run",
            "--sample-rows",
            "300",
            "--speed",
            "100",
            cwd=ROOT,
            env=environ,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log,
        )


async def kill_node(node: asyncio.subprocess.Process | None) -> None:
    """The end of a node (SIGKILL: a graceful stop is not what these tests are about,
    and waits out the simulator's callbacks to the closed port)."""
    if node is not None and node.returncode is None:
        node.kill()
        await node.wait()


async def wait_for(conn: asyncpg.Connection, sql: str, *args: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await conn.fetchval(sql, *args):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for: {sql}")


async def wait_dialling(conn: asyncpg.Connection, node: str, more_than: int = 5) -> None:
    """Until ``node`` has placed more than ``more_than`` calls."""
    await wait_for(conn, "SELECT to_regclass('attempts') IS NOT NULL")
    await wait_for(
        conn, "SELECT count(*) > $2 FROM attempts WHERE node = $1", node, more_than, seconds=90
    )


@asynccontextmanager
async def two_nodes(
    home: Path, db_url: str
) -> AsyncIterator[
    tuple[asyncio.subprocess.Process, asyncio.subprocess.Process, asyncpg.Connection]
]:
    """Nodes a and b dialling on ``db_url`` (a demo's: ``dialer run`` works only there), a
    with answered calls live (the moment to
    harm it): node a and a connection to watch them; both nodes killed at the end."""
    a = await start_node("a", home / "a", db_url)
    b = None
    conn = await asyncpg.connect(db_url)
    try:
        await wait_dialling(conn, "a")
        b = await start_node("b", home / "b", db_url)
        await wait_dialling(conn, "b", 0)
        await wait_for(
            conn,
            f"SELECT count(*) > 0 FROM attempts WHERE node = 'a' AND state IN {LIVE}"
            " AND answered_at IS NOT NULL",
        )
        yield a, conn
    finally:
        await conn.close()
        await kill_node(a)
        await kill_node(b)


def report(what: str, seconds: float) -> None:
    """The time to recover, printed (``pytest -s`` shows it; no assert on machine speed)."""
    print(f"\n{what}: {seconds:.2f} s", flush=True)


async def invariants(
    conn: asyncpg.Connection, *, alive: tuple[str, ...], late_answers: bool = False
) -> None:
    """What must hold after any fault; ``alive`` are the nodes still running.
    ``late_answers``: a node was paused and woke, so a call of its reclaimed (canceled)
    may have been answered before it was ended — that is not a talked-to call closed
    canceled, which is never allowed otherwise."""
    # Never two live calls to one number or one target (the unique indexes say so too).
    doubled = await conn.fetchval(
        f"SELECT count(*) FROM (SELECT number FROM attempts WHERE state IN {LIVE}"
        " GROUP BY number HAVING count(*) > 1) x"
    )
    assert doubled == 0
    # No attempt lost: each is final, or live on a node still running.
    orphans = await conn.fetch(
        f"SELECT id, node, state FROM attempts WHERE state IN {LIVE} AND NOT node = ANY($1)",
        list(alive),
    )
    assert orphans == []
    # A target left 'dialing' with no live attempt would never be dialled again.
    stuck = await conn.fetchval(
        "SELECT count(*) FROM targets t WHERE t.state = 'dialing' AND NOT EXISTS ("
        f" SELECT 1 FROM attempts a WHERE a.campaign_id = t.campaign_id"
        f" AND a.target_id = t.id AND a.state IN {LIVE})"
    )
    assert stuck == 0
    # Every ended call counted on its target exactly once; the lost ones (closed
    # uncounted, their targets dialled again) not at all. An answered call is never
    # among the lost: it keeps the result it reached.
    miscounted = await conn.fetch(
        "SELECT t.id, t.attempts, count(a.id) AS ended,"
        " array_agg(a.state || '/' || coalesce(a.error, '-')) AS how FROM targets t"
        " LEFT JOIN attempts a ON a.campaign_id = t.campaign_id AND a.target_id = t.id"
        f" AND a.state NOT IN {LIVE}"
        f" AND NOT (a.result = 'canceled' AND a.error IN {LOST_REASONS})"
        " GROUP BY t.id, t.attempts HAVING t.attempts <> count(a.id)"
    )
    assert miscounted == []
    talked_to_canceled = await conn.fetchval(
        "SELECT count(*) FROM attempts WHERE answered_at IS NOT NULL AND result = 'canceled'"
    )
    if late_answers:
        print(f"reclaimed calls answered before they were ended: {talked_to_canceled}")
    else:
        assert talked_to_canceled == 0
    over_quota = await conn.fetch(
        "SELECT c.id, c.voucher_quota, count(v.id) FROM campaigns c"
        " JOIN vouchers v ON v.campaign_id = c.id"
        " GROUP BY c.id, c.voucher_quota HAVING count(v.id) > c.voucher_quota"
    )
    assert over_quota == []
    assert await count_mismatches(conn) == {}


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (``dialer/embedded_pg.py``), which the
    test may stop and start again."""

    def __init__(self, home: Path) -> None:
        self.embedded = EmbeddedPostgres(home)

    async def start(self) -> str:
        """Start it; the URL of its ``dialer`` database."""
        await ensure_database(await asyncio.to_thread(self.embedded.start))
        return self.embedded.url()

    def stop_for(self, seconds: float) -> None:
        """Stop the server (fast: every session cut), wait ``seconds``, start it again."""
        server: Any = self.embedded._server
        commands: Any = importlib.import_module("pgserver._commands")
        utils: Any = importlib.import_module("pgserver.utils")
        socket_dir = self.embedded.socket_dir
        pgdata, user = self.embedded.pgdata, server.system_user
        commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
        time.sleep(seconds)
        start = ["-w", "-o", '-h ""', "-o", f"-k {socket_dir}", "-l", str(server.log), "start"]
        commands.pg_ctl(start, pgdata=pgdata, user=user, timeout=30)
        # pgserver stops *this* postmaster when the test ends.
        server._postmaster_info = utils.PostmasterInfo.read_from_pgdata(pgdata)

    def close(self) -> None:
        self.embedded.stop()
