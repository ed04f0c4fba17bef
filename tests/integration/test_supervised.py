"""A node's life under supervision: a start that cannot listen, an embedded database
that dies under it, a stop with live streams and sockets open, a database outage —
each a clear line or two in the log and the right exit, never a traceback or a
service left running without its database."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import unused_port

from tests import node_secrets
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
