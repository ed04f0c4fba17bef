"""Fault: every provider callback arrives twice, late and out of order, under load.

A proxy stands at the node's public address (so the simulator's signatures hold) and
forwards each carrier, WhatsApp and partner callback to the node after a random delay
(reordering them), then once more later (a retry the provider made). The node answers
the simulator from the first; the duplicates must change nothing. When dialling stops,
every call settles and the invariants hold: nothing doubled, nothing lost, no voucher
over quota, the counts equal a scan.
"""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import unused_port

from tests.faults.cluster import (
    LIVE,
    invariants,
    kill_node,
    report,
    start_node,
    wait_dialling,
    wait_for,
)

CALLBACKS = ("/carrier/", "/messaging/", "/partner/")


class ChaosProxy:
    """Forwards to ``target``; duplicates and delays the callbacks."""

    def __init__(self, target: str, rng: random.Random) -> None:
        self.target = target
        self.rng = rng
        self.forwarded = self.duplicated = 0
        self.statuses: dict[int, int] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.session: aiohttp.ClientSession | None = None

    async def handle(self, request: web.Request) -> web.Response:
        assert self.session is not None
        body = await request.read()
        headers = {
            k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")
        }
        callback = request.method == "POST" and request.path.startswith(CALLBACKS)
        if callback:
            await asyncio.sleep(self.rng.uniform(0, 0.15))  # reordered
            again = asyncio.create_task(self._again(request.path_qs, headers, body))
            self.tasks.add(again)
            again.add_done_callback(self.tasks.discard)
        async with self.session.request(
            request.method, self.target + request.path_qs, headers=headers, data=body
        ) as response:
            self.forwarded += 1
            self._count(response.status)
            return web.Response(
                status=response.status,
                body=await response.read(),
                content_type=response.content_type,
            )

    async def _again(self, path_qs: str, headers: dict[str, str], body: bytes) -> None:
        assert self.session is not None
        await asyncio.sleep(self.rng.uniform(0, 0.5))
        async with self.session.post(self.target + path_qs, headers=headers, data=body) as resp:
            self.duplicated += 1
            self._count(resp.status)

    def _count(self, status: int) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1


@pytest.mark.slow
async def test_duplicated_and_reordered_callbacks_change_nothing(
    tmp_path: Path, demo_db_url: str
) -> None:
    db_url = demo_db_url  # `dialer run` works only on a demo's database
    node_port, proxy_port = unused_port(), unused_port()
    proxy = ChaosProxy(f"http://127.0.0.1:{node_port}", random.Random(19))
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", proxy_port).start()
    proxy.session = aiohttp.ClientSession()
    a = await start_node(
        "a",
        tmp_path / "a",
        db_url,
        DIALER_SERVER__PORT=str(node_port),
        DIALER_SERVER__PUBLIC_URL=f"http://127.0.0.1:{proxy_port}",
    )
    conn = await asyncpg.connect(db_url)
    try:
        await wait_dialling(conn, "a", 40)
        # Dialling stops; every call in flight settles through the chaos.
        await conn.execute("UPDATE campaigns SET state = 'paused' WHERE state = 'running'")
        paused_at = time.monotonic()
        await wait_for(conn, f"SELECT count(*) = 0 FROM attempts WHERE state IN {LIVE}")
        report("dialling paused → every call settled", time.monotonic() - paused_at)
        await wait_for(
            conn, "SELECT count(*) = 0 FROM carrier_events WHERE applied_at IS NULL", seconds=20
        )
        while proxy.tasks:
            await asyncio.gather(*proxy.tasks)
        print(
            f"callbacks forwarded {proxy.forwarded}, duplicated {proxy.duplicated},"
            f" answered {proxy.statuses}",
            flush=True,
        )
        assert proxy.duplicated > 100
        assert set(proxy.statuses) <= {200, 204}, proxy.statuses
        # Each call's raw callbacks were stored, the duplicates among them: one attempt,
        # one end, however many times its callbacks came.
        ended_twice = await conn.fetchval(
            "SELECT count(*) FROM (SELECT a.id FROM attempts a JOIN carrier_events e"
            " ON e.attempt_id = a.id AND e.effect = 'finalised'"
            " GROUP BY a.id HAVING count(*) > 1) x"
        )
        assert ended_twice == 0
        finalised, outcomes, vouchers = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM carrier_events WHERE effect = 'finalised'),"
            " (SELECT count(*) FROM outcomes), (SELECT count(*) FROM vouchers)"
        )
        print(f"calls ended {finalised}, outcomes {outcomes}, vouchers {vouchers}", flush=True)
        assert finalised > 0
        await invariants(conn, alive=())
    finally:
        await conn.close()
        await runner.cleanup()
        await proxy.session.close()
        await kill_node(a)
