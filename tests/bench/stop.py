"""Benchmark: a node's graceful stop with its managers and agents connected.

A real ``dialer serve`` process with ``STREAMS`` managers' live streams
(``/api/campaigns/{c}/live``, server-sent events) and ``SOCKETS`` agents' WebSockets
open, each read as a browser reads it; then SIGTERM, and the seconds until the process
has exited (``graceful_stop_s``, target <= 5 s: inside compose's grace period, so a
``docker compose stop`` is never a kill -9). The streams must have ended and the
sockets closed with 1001 (going away), which is what sends the pages to another node.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time

import aiohttp

from dialer.auth import service as auth
from dialer.db import connect
from tests.bench.callbacks import TOKEN, Server, child_env, free_port, wait_ready
from tests.bench.claim import ROOT, fresh_database, load_campaign, small_file

BENCH_DB = "dialer_bench_stop"
STREAMS = 50
SOCKETS = 200
TARGET_SECONDS = 5.0
WORK = ROOT / ".dialer" / "bench" / "stop"


async def prepare(admin_url: str, url: str) -> tuple[str, str, list[str]]:
    """A campaign, a manager and ``SOCKETS`` agents: (campaign, manager's token,
    agents' tokens)."""
    await fresh_database(admin_url, BENCH_DB, url)
    conn = await connect(url)
    try:
        await load_campaign(conn, "bench-stop", small_file(10, 5_000_000), start=False)
        manager = await auth.create_user(conn, username="boss", role="manager", password=None)
        boss, _ = await auth.issue_token(conn, manager.id, kind="api")
        tokens = []
        for i in range(SOCKETS):
            agent = await auth.create_user(
                conn, username=f"agent{i:04d}", role="agent", password=None
            )
            token, _ = await auth.issue_token(conn, agent.id, kind="api")
            tokens.append(token)
    finally:
        await conn.close()
    return "bench-stop", boss, tokens


def start(url: str) -> Server:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = child_env(
        DATABASE_URL=url,
        DIALER_SERVER__PUBLIC_URL=base,
        DIALER_SIMULATOR__AUTH_TOKEN=TOKEN,
        DIALER_SERVER__LOG_LEVEL="WARNING",
        DIALER_SERVER__WORKERS="1",
        DIALER_DATABASE__POOL_MAX_SIZE="20",
    )
    command = [sys.executable, "-m", "dialer", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", "1"]
    WORK.mkdir(parents=True, exist_ok=True)
    log = WORK / "service.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=out)
    server = Server("the service", process, base, log)
    wait_ready(server)
    return server


async def _stream(response: aiohttp.ClientResponse) -> bool:
    await response.content.read()  # until the server ends it
    return True


async def _socket(ws: aiohttp.ClientWebSocketResponse) -> int | None:
    async for _ in ws:
        pass
    return ws.close_code


async def measure(server: Server, campaign: str, boss: str, tokens: list[str]) -> list[str]:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        readers: list[asyncio.Task[bool]] = []
        for _ in range(STREAMS):
            response = await session.get(
                f"{server.base}/api/campaigns/{campaign}/live",
                headers={"Authorization": f"Bearer {boss}"},
            )
            assert response.status == 200, response.status
            readers.append(asyncio.create_task(_stream(response)))
        consoles: list[asyncio.Task[int | None]] = []
        for token in tokens:
            ws = await session.ws_connect(
                f"{server.base}/api/agent/ws", headers={"Authorization": f"Bearer {token}"}
            )
            consoles.append(asyncio.create_task(_socket(ws)))
        await asyncio.sleep(2)  # every console said hello, every stream got figures
        began = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(server.process.wait, 120)
        seconds = time.monotonic() - began
        ended = await asyncio.gather(*readers, return_exceptions=True)
        closes = await asyncio.gather(*consoles, return_exceptions=True)
    going_away = sum(1 for c in closes if c == aiohttp.WSCloseCode.GOING_AWAY)
    streams_ended = sum(1 for e in ended if e is True)
    return [
        f"graceful_stop_s: {seconds:.2f} s (SIGTERM -> exit {code}, {STREAMS} live streams and"
        f" {SOCKETS} agent sockets open; target <= {TARGET_SECONDS:g} s)",
        f"graceful_stop_ended: {streams_ended}/{STREAMS} streams ended,"
        f" {going_away}/{SOCKETS} sockets closed 1001 (going away)",
    ]


def bench(admin_url: str, url: str) -> list[str]:
    campaign, boss, tokens = asyncio.run(prepare(admin_url, url))
    server = start(url)
    try:
        return asyncio.run(measure(server, campaign, boss, tokens))
    finally:
        server.stop()
