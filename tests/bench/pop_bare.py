"""The screen-pop benchmark's reference: the bare path a pop cannot do without.

An aiohttp app in its own process (``python -m tests.bench.pop_bare``), on uvloop as
the service, with nothing of the dialer in it:

- ``GET /ws?agent=N``: an agent's WebSocket (no authentication); it is sent
  ``{"type": "hello"}`` and kept in a dict by agent;
- ``POST /carrier/voice/amd?attempt=A&agent=N``: reads the form and, in one statement
  (one transaction, one commit), stores it in ``bare_pops`` and ``pg_notify``-s
  ``{"user": N, "kind": "pop", "attempt": A}`` on ``bench_pops``, the payload the
  service announces a pop with; answers with an empty TwiML document;
- every process LISTENs on ``bench_pops`` on a connection of its own; the one holding
  agent N's socket sends it the two frames the service sends for a pop — the state
  message and the pop itself, both as the service sent them in the same run
  (``--frames``, a JSON list), the pop's ``attempt_id`` set to A — each serialized
  with ``json.dumps`` as the service's hub does.

So: HTTP request, one durable write with its NOTIFY, the notification to a listener
(on another process in the two-node case), a JSON frame of the same size out of a
WebSocket. No signature check, no choice of agent (the request names it), no reading
the pop's data from the database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import uvloop
from aiohttp import WSMsgType, web

CHANNEL = "bench_pops"
POOL_SIZE = 10  # the service's DIALER_DATABASE__POOL_MAX_SIZE default
TABLE = """
CREATE TABLE IF NOT EXISTS bare_pops (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now(),
    attempt_id  bigint NOT NULL,
    params      jsonb NOT NULL
)"""
STORE_AND_NOTIFY = (
    "WITH stored AS (INSERT INTO bare_pops (attempt_id, params) VALUES ($1, $2) RETURNING id)"
    " SELECT pg_notify($3, $4) FROM stored"
)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


def bare_app(url: str, frames: list[dict[str, Any]]) -> web.Application:
    app = web.Application()
    sockets: dict[int, set[web.WebSocketResponse]] = {}
    pools: list[asyncpg.Pool[asyncpg.Record]] = []
    tasks: set[asyncio.Task[None]] = set()

    async def send(user: int, attempt: int) -> None:
        for ws in list(sockets.get(user, ())):
            for frame in frames:
                if ws.closed:
                    break
                if frame.get("type") == "pop":
                    frame = frame | {"attempt_id": attempt}
                await ws.send_str(json.dumps(frame, default=str, ensure_ascii=False))

    def on_notify(_conn: object, _pid: int, _channel: str, payload: object) -> None:
        event = json.loads(str(payload))
        user = int(event["user"])
        if user in sockets:
            task = asyncio.create_task(send(user, int(event["attempt"])))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    async def database(app: web.Application) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(url, min_size=POOL_SIZE, max_size=POOL_SIZE)
        assert pool is not None
        pools.append(pool)
        listener = await asyncpg.connect(url)
        await listener.add_listener(CHANNEL, on_notify)
        yield
        await listener.close()
        await pool.close()

    async def socket(request: web.Request) -> web.WebSocketResponse:
        user = int(request.query["agent"])
        ws = web.WebSocketResponse(heartbeat=15.0)
        await ws.prepare(request)
        sockets.setdefault(user, set()).add(ws)
        try:
            await ws.send_json({"type": "hello", "agent": {"id": user}})
            async for msg in ws:
                if msg.type == WSMsgType.TEXT and json.loads(msg.data).get("type") == "ping":
                    await ws.send_json({"type": "pong"})
        finally:
            sockets[user].discard(ws)
            if not sockets[user]:
                del sockets[user]
        return ws

    async def amd(request: web.Request) -> web.Response:
        form = await request.post()
        params = {k: v for k, v in form.items() if isinstance(v, str)}
        attempt, user = int(request.query["attempt"]), int(request.query["agent"])
        event = json.dumps({"user": user, "kind": "pop", "attempt": attempt})
        await pools[0].execute(STORE_AND_NOTIFY, attempt, json.dumps(params), CHANNEL, event)
        return web.Response(text=EMPTY_TWIML, content_type="text/xml")

    async def ready(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.cleanup_ctx.append(database)
    app.router.add_get("/ws", socket)
    app.router.add_post("/carrier/voice/amd", amd)
    app.router.add_get("/readyz", ready)
    return app


async def serve(port: int, url: str, frames: list[dict[str, Any]]) -> None:
    runner = web.AppRunner(bare_app(url, frames), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        await asyncio.Event().wait()  # until SIGTERM ends the process
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.pop_bare")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--frames", type=Path, required=True, help="JSON list of frames")
    parser.add_argument("url", help="the PostgreSQL database")
    args = parser.parse_args()
    frames = json.loads(args.frames.read_text(encoding="utf-8"))
    uvloop.run(serve(args.port, args.url, frames))


if __name__ == "__main__":
    main()
