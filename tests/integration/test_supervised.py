"""A node's life under supervision: a start that cannot listen, an embedded database
that dies under it, a stop with live streams and sockets open, a database outage —
each a clear line or two in the log and the right exit, never a traceback or a
service left running without its database."""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import signal
import socket
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import unused_port

from dialer.auth import service as auth
from dialer.embedded_pg import DATABASE_NAME, EmbeddedPostgres, ensure_database
from tests import node_secrets
from tests.factories import Factory
from tests.integration.test_embedded_and_cli import ROOT, dialer


def _environment(home: Path, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= node_secrets.ENVIRONMENT | {
        "DIALER_HOME": str(home),
        "DIALER_SERVER__PORT": str(port),
        "DIALER_SERVER__PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DIALER_SERVER__LOG_FORMAT": "json",
    }
    return env | extra


async def _ready(port: int, process: asyncio.subprocess.Process, seconds: float = 120) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    async with aiohttp.ClientSession() as session:
        while asyncio.get_running_loop().time() < deadline:
            assert process.returncode is None, "the node exited before it was ready"
            try:
                async with session.get(f"http://127.0.0.1:{port}/readyz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError("the node was not ready in time")


@pytest.mark.slow
def test_a_taken_port_is_one_line_and_stops_the_embedded_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second `make run` while the first holds the port (found as a newcomer would)."""
    home = tmp_path / "home"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("DIALER_SERVER__PORT", str(port))
        done = dialer("run", "--sample-rows", "5", home=home, env_db=None, language="en")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and f"cannot listen on 127.0.0.1:{port}" in errors[0], done.stderr
    # The embedded PostgreSQL this run started is stopped again, not left orphaned.
    assert (home / "pgdata" / "PG_VERSION").exists()
    assert not (home / "pgdata" / "postmaster.pid").exists()


@pytest.mark.slow
async def test_a_dead_embedded_database_stops_the_service_with_a_clear_line(
    tmp_path: Path,
) -> None:
    home, port = tmp_path / "home", unused_port()
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "dialer", "serve"),
        cwd=ROOT,
        env=_environment(home, port, DIALER_UI__LANGUAGE="en"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await _ready(port, process)
        postmaster = int((home / "pgdata" / "postmaster.pid").read_text().split()[0])
        os.kill(postmaster, signal.SIGKILL)  # a crash, an OOM kill
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = stderr.decode()
    assert process.returncode == 2, log[-3000:]
    errors = [line for line in log.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: the embedded PostgreSQL died: the service stopped with it, start it again"
    ], log[-3000:]
    assert "Traceback" not in log, log[-3000:]


@pytest.mark.slow
async def test_sigterm_with_a_live_stream_and_a_socket_open_stops_cleanly(
    tmp_path: Path, db_url: str, conn: asyncpg.Connection, factory: Factory
) -> None:
    """The server waits for open requests before it stops; a manager's live stream and
    an agent's socket never end by themselves, so a stop took aiohttp's 60 s (a
    compose stop became a kill -9). Now they end at once, and the pages reconnect."""
    campaign = await factory.create_campaign()
    manager = await factory.create_user("boss", "manager")
    agent = await factory.create_user("agent1", "agent")
    bearer = {}
    for user in (manager, agent):
        token, _ = await auth.issue_token(conn, user.id, kind="api")
        bearer[user.id] = {"Authorization": f"Bearer {token}"}
    port = unused_port()
    base = f"http://127.0.0.1:{port}"
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "dialer", "serve"),
        cwd=ROOT,
        env=_environment(tmp_path, port, DATABASE_URL=db_url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await _ready(port, process)
        async with aiohttp.ClientSession() as session:
            stream = await session.get(
                f"{base}/api/campaigns/{campaign.name}/live", headers=bearer[manager.id]
            )
            assert stream.status == 200
            socket_ = await session.ws_connect(f"{base}/api/agent/ws", headers=bearer[agent.id])
            assert (await socket_.receive_json())["type"] == "hello"
            # A console that goes right after a message it is refused for.
            gone = await session.ws_connect(f"{base}/api/agent/ws", headers=bearer[agent.id])
            await gone.send_str("not json")
            await gone.close()
            # As a browser does: reading all along (its state, its call … then the close).
            console = asyncio.create_task(_drain(socket_))
            events = asyncio.create_task(stream.content.read())
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
            await asyncio.wait_for(console, timeout=5)
            await asyncio.wait_for(events, timeout=5)  # the stream ended
            assert socket_.close_code == aiohttp.WSCloseCode.GOING_AWAY
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = stderr.decode()
    assert process.returncode == 0, log[-3000:]
    assert "Traceback" not in log and "unhandled error" not in log, log[-3000:]
    assert '"level": "error"' not in log, log[-3000:]


async def _drain(ws: aiohttp.ClientWebSocketResponse) -> None:
    async for _ in ws:
        pass


@pytest.mark.slow
async def test_a_database_outage_is_one_line_down_and_one_back_per_component(
    tmp_path: Path,
) -> None:
    """A 26 s outage once wrote 466 lines with 387 tracebacks. The node runs on a
    private cluster this test stops (for a dozen ticks) and starts again."""
    server = EmbeddedPostgres(tmp_path / "pg")
    await ensure_database(server.start())
    url, sockets = server.url(DATABASE_NAME), server.socket_dir
    pg = server._server
    commands: Any = importlib.import_module("pgserver._commands")
    port = unused_port()
    # `dialer run`: the seed campaign dialled on the simulator, bots taking the calls —
    # every component at work when the database goes (an empty database: the demo's).
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "dialer", "run", "--speed", "100", "--sample-rows", "60"),
        cwd=ROOT,
        env=_environment(
            tmp_path / "home",
            port,
            DATABASE_URL=url,
            # Every job runs during the outage and again after it.
            DIALER_PACING__TICK_SECONDS="0.5",
            DIALER_PACING__RECONCILE_SECONDS="1",
            DIALER_VOUCHERS__SWEEP_SECONDS="1",
        ),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await _ready(port, process)
        commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pg.pgdata, user=pg.system_user)
        await asyncio.sleep(6)  # a dozen ticks, a few sweeps and polls
        start = ["-w", "-o", '-h ""', "-o", f"-k {sockets}", "-l", str(pg.log), "start"]
        commands.pg_ctl(start, pgdata=pg.pgdata, user=pg.system_user)
        utils: Any = importlib.import_module("pgserver.utils")
        pg._postmaster_info = utils.PostmasterInfo.read_from_pgdata(pg.pgdata)
        await _ready(port, process)
        await asyncio.sleep(11)  # every job runs again (the compaction: every 10 s)
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        server.stop()
    log = stderr.decode()
    assert process.returncode == 0, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    down = Counter(r["component"] for r in records if r["msg"] == "database unreachable")
    back = {r["component"]: r for r in records if r["msg"] == "database reachable again"}
    assert down["tick"] == 1 and back["tick"]["skipped"] >= 5, log[-3000:]
    assert set(down.values()) == {1}, down  # each component said it once
    assert set(back) == set(down), (down, back)  # and said when it was back
    loud = [r for r in records if r["level"] in ("warning", "error")]
    assert len(loud) <= 2 * len(down) + 5, [r["msg"] for r in loud]


async def test_only_the_database_being_away_counts_as_an_outage(tmp_path: Path) -> None:
    """An outage is said once, quietly; anything else still gets its traceback — a
    billing API or a file that fails is not the database being away."""
    from dialer.db import is_outage

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nobody listens there
    for url in (f"postgresql://postgres@127.0.0.1:{port}/x", f"postgresql:///x?host={tmp_path}"):
        with pytest.raises(OSError) as away:
            await asyncpg.connect(url)
        assert is_outage(away.value)
    with pytest.raises(OSError) as missing:
        (tmp_path / "nothing.csv").open()
    assert not is_outage(missing.value)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectorError) as billing:
            await session.get(f"http://127.0.0.1:{port}/bills/1")
    assert not is_outage(billing.value)
    assert not is_outage(ValueError("a bug"))
