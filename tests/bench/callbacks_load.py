"""Load generator of the status-callback benchmark: its own process, aiohttp client.

Reads a plan of pre-signed requests (JSON lines: ``path``, ``body``, ``signature``),
POSTs them to ``--base`` over keep-alive connections and prints a JSON report on its
last line: requests, wall seconds, rate, latency percentiles, HTTP statuses, and the
CPU seconds this process used.

``--mode closed``: ``--concurrency`` connections, each sending its next request as
soon as the last one is answered (the most the server can take). ``--mode open``:
requests start on a fixed schedule of ``--rate`` a second, whatever the answers, on
up to ``--concurrency`` connections; each latency counts from the request's scheduled
time, so a server that falls behind shows it (no coordinated omission).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

FORM = "application/x-www-form-urlencoded"


def load_plan(path: Path) -> list[tuple[str, bytes, dict[str, str]]]:
    plan = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            item = json.loads(line)
            headers = {"Content-Type": FORM, "X-Twilio-Signature": item["signature"]}
            plan.append((item["path"], item["body"].encode(), headers))
    return plan


def percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)

    def at(p: float) -> float:
        rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
        return ordered[rank] * 1000

    return {"p50_ms": at(50), "p90_ms": at(90), "p99_ms": at(99), "max_ms": ordered[-1] * 1000}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    plan = load_plan(args.plan)
    base = args.base.rstrip("/")
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=args.concurrency, limit_per_host=args.concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def send(item: tuple[str, bytes, dict[str, str]], since: float) -> None:
            path, body, headers = item
            try:
                async with session.post(base + path, data=body, headers=headers) as response:
                    await response.read()
                    statuses[response.status] += 1
            except (aiohttp.ClientError, TimeoutError) as exc:
                errors[type(exc).__name__] += 1
            latencies.append(time.perf_counter() - since)

        async def touch() -> None:
            async with session.get(base + "/healthz") as response:
                await response.read()

        # Open the connections before the clock starts.
        await asyncio.gather(*(touch() for _ in range(args.concurrency)))
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        if args.mode == "closed":
            items = iter(plan)

            async def worker() -> None:
                for item in items:
                    await send(item, time.perf_counter())

            await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        else:
            tasks = []
            for i, item in enumerate(plan):
                due = started + i / args.rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(send(item, due)))
            await asyncio.gather(*tasks)
        seconds = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return {
        "mode": args.mode,
        "requests": len(plan),
        "seconds": seconds,
        "per_s": len(plan) / seconds,
        **percentiles(latencies),
        "statuses": {str(k): v for k, v in statuses.items()},
        "errors": dict(errors),
        "cpu_seconds": cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.callbacks_load")
    parser.add_argument("--base", required=True, help="http://host:port")
    parser.add_argument("--plan", type=Path, required=True)
    parser.add_argument("--mode", choices=("closed", "open"), default="closed")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rate", type=float, default=2000.0, help="open mode: requests/s")
    args = parser.parse_args()
    report = asyncio.run(run(args))
    sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
