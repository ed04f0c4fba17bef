"""``/metrics`` under ``dialer serve --workers 2``: whichever worker answers the scrape,
the callback histogram counts every callback either worker took (their files, one per
process, in DIALER_METRICS__DIRECTORY, are summed)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import unused_port
from prometheus_client.parser import text_string_to_metric_families

from tests import node_secrets
from tests.integration.test_embedded_and_cli import ROOT

TOKEN = "workers-metrics-token"
CALLBACKS = 20
SCRAPES = 8


def callbacks_counted(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if (
                sample.name == "dialer_callback_seconds_count"
                and sample.labels.get("route") == "/carrier/voice/status"
            ):
                return sample.value
    return 0.0


async def _get(url: str, **kwargs: object) -> tuple[int, str]:
    # A new connection each time: the kernel spreads them over the workers.
    async with aiohttp.ClientSession() as session, session.request(url=url, **kwargs) as resp:
        return resp.status, await resp.text()


@pytest.mark.slow
async def test_a_scrape_counts_the_callbacks_of_every_worker(tmp_path: Path, db_url: str) -> None:
    port = unused_port()
    shared = tmp_path / "metrics"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {
        "DIALER_HOME": str(tmp_path),
        "DATABASE_URL": db_url,
        "DIALER_METRICS__TOKEN": TOKEN,
        "DIALER_METRICS__DIRECTORY": str(shared),
    } | node_secrets.ENVIRONMENT
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "dialer", "serve", "--port", str(port), "--workers", "2"),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        nodes: set[str] = set()
        deadline = asyncio.get_running_loop().time() + 60
        while len(nodes) < 2 and asyncio.get_running_loop().time() < deadline:
            try:
                status, body = await _get(f"{base}/healthz", method="GET")
                if status == 200:
                    nodes.add(body)
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
        assert len(nodes) == 2, "both workers answer"
        for _ in range(CALLBACKS):  # unsigned: refused, and timed all the same
            status, _ = await _get(f"{base}/carrier/voice/status", method="POST", data={})
            assert status == 403
        auth = {"Authorization": f"Bearer {TOKEN}"}
        counted = set()
        for _ in range(SCRAPES):
            status, text = await _get(f"{base}/metrics", method="GET", headers=auth)
            assert status == 200
            counted.add(callbacks_counted(text))
        assert counted == {CALLBACKS}
        assert len(list(shared.glob("histogram_*.db"))) == 2  # one file a worker
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()[-2000:]
