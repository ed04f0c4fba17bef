"""Load generator of the status-callback benchmark: its own process, raw asyncio.

Reads a plan of pre-signed requests (JSON lines: ``path``, ``body``, ``signature``),
POSTs them to ``--base`` over keep-alive HTTP/1.1 connections and prints a JSON report
on its last line: requests, wall seconds, rate, latency percentiles, HTTP statuses,
errors by type, and the CPU seconds this process used.

``--mode closed``: ``--concurrency`` connections, each sending its next request as
soon as the last one is answered (the most the server can take); each latency counts
from the request's sending. ``--mode open``: request *i* is due at start + *i* /
``--rate``, whatever the answers; it goes out at once on a free connection, or waits
its turn (first in, first out) for one, with at most ``--concurrency`` in flight. Each
latency counts from the request's due time, so a server that falls behind shows it (no
coordinated omission).

Why raw ``asyncio.Protocol`` on uvloop, not an HTTP client: the machine has two cores
shared by PostgreSQL, the server measured and this process, and aiohttp's client cost
~290 µs of CPU a request (over half a core at the rates measured), CPU taken from the
server. Here every request is serialized to bytes before the clock starts (and the
connections opened, one ``GET /healthz`` each), goes out in one write, one in flight a
connection (no pipelining), and the answer is parsed no further than its framing:
status line, headers up to the blank line, a ``Content-Length`` body (or, should it
appear, a chunked one), however many reads it arrives in. A request not answered
within 60 s, a connection error, a response the server closes the connection after
(``Connection: close``, end of file) or a malformed one counts as an error of its
type; the connection is dropped and opened again for the next request.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import sys
from collections import deque
from collections.abc import Callable
from pathlib import Path
from time import perf_counter
from typing import Any, cast
from urllib.parse import urlsplit

import uvloop

FORM = "application/x-www-form-urlencoded"
TIMEOUT = 60.0  # seconds a request may go unanswered
MAX_HEAD = 64 * 1024  # bytes of a response's status line and headers
MIN_SLEEP = 0.001  # uvloop's timers count milliseconds: shorter sleeps would spin
CHUNKED = -1  # a response's body length when it is chunked


# ------------------------------------------------------------------ requests


def load_plan(path: Path, host: str) -> list[bytes]:
    """Each request of the plan as the bytes sent: request line, headers, body."""
    plan = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            item = json.loads(line)
            body = item["body"].encode()
            head = (
                f"POST {item['path']} HTTP/1.1\r\n"
                f"Host: {host}\r\n"
                f"Content-Type: {FORM}\r\n"
                f"Content-Length: {len(body)}\r\n"
                f"X-Twilio-Signature: {item['signature']}\r\n"
                "\r\n"
            )
            plan.append(head.encode("ascii") + body)
    if not plan:
        raise SystemExit(f"{path}: no requests")
    return plan


# ------------------------------------------------------------------ responses


def parse_head(head: bytes) -> tuple[int, int | None, bool]:
    """Status, body length (None: not given, CHUNKED: chunked) and whether the server
    closes the connection after this response, from its status line and headers."""
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or len(parts[1]) != 3:
        raise ValueError(f"bad status line {lines[0]!r}")
    status = int(parts[1])
    length: int | None = None
    chunked = close = keep_alive = False
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon:
            raise ValueError(f"bad header line {line!r}")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
            if length < 0:
                raise ValueError(f"bad Content-Length {value!r}")
        elif name == b"transfer-encoding":
            chunked = value.rsplit(b",", 1)[-1].strip().lower() == b"chunked"
        elif name == b"connection":
            tokens = {token.strip() for token in value.lower().split(b",")}
            close = close or b"close" in tokens
            keep_alive = keep_alive or b"keep-alive" in tokens
    if parts[0] == b"HTTP/1.0" and not keep_alive:
        close = True
    return status, CHUNKED if chunked else length, close


def chunked_end(data: bytes, pos: int) -> int | None:
    """Where a chunked body starting at ``pos`` ends (trailers included), or None
    while it is incomplete."""
    while True:
        eol = data.find(b"\r\n", pos)
        if eol < 0:
            return None
        size = int(data[pos:eol].split(b";", 1)[0].strip(), 16)
        pos = eol + 2
        if size == 0:
            while True:  # trailer lines, up to an empty one
                eol = data.find(b"\r\n", pos)
                if eol < 0:
                    return None
                if eol == pos:
                    return eol + 2
                pos = eol + 2
        if len(data) < pos + size + 2:
            return None
        if data[pos + size : pos + size + 2] != b"\r\n":
            raise ValueError("bad chunk")
        pos += size + 2


def parse_response(data: bytes) -> tuple[int, int, bool] | None:
    """The status, where the response ends in ``data`` and whether the server closes
    the connection after it; None while the response is incomplete. Interim (1xx)
    responses are skipped. Raises ValueError on a malformed response."""
    pos = 0
    while True:
        end = data.find(b"\r\n\r\n", pos)
        if end < 0:
            if len(data) - pos > MAX_HEAD:
                raise ValueError("response head too long")
            return None
        status, length, close = parse_head(data[pos:end])
        body = end + 4
        if 100 <= status < 200:
            if status == 101:
                raise ValueError("101 Switching Protocols")
            pos = body
            continue
        stop: int | None
        if status in (204, 304):
            stop = body
        elif length == CHUNKED:
            stop = chunked_end(data, body)
        elif length is None:
            raise ValueError("response without Content-Length or chunked framing")
        else:
            stop = body + length
            if len(data) < stop:
                return None
        return None if stop is None else (status, stop, close)


# ------------------------------------------------------------------ connections


class Connection(asyncio.Protocol):
    """One TCP connection of a slot: reads and frames its responses."""

    def __init__(self, slot: Slot) -> None:
        self.slot = slot
        self.transport: asyncio.Transport | None = None
        self.buffer = b""  # a response's first part, while the rest is awaited

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        slot = self.slot
        if slot.conn is not self:
            return
        if self.buffer:
            data = self.buffer + data  # a response in several reads: parsed again whole
        try:
            parsed = parse_response(data)
        except ValueError:
            slot.fail("BadResponse")
            return
        if parsed is None:
            self.buffer = data
            return
        self.buffer = b""
        status, end, close = parsed
        if end != len(data) or not slot.busy:
            slot.fail("UnexpectedData")  # more than the answer to the one request sent
        elif close:
            slot.fail("ConnectionClose")
        else:
            slot.answered(status)

    def connection_lost(self, exc: Exception | None) -> None:
        slot = self.slot
        if slot.conn is self:
            slot.conn = None
            slot.fail(type(exc).__name__ if exc is not None else "ServerDisconnected")


class Slot:
    """A place for one request in flight, over one keep-alive connection, opened again
    (before the next request) when it is dropped."""

    def __init__(self, load: Load) -> None:
        self.load = load
        self.conn: Connection | None = None
        self.connecting: asyncio.Task[None] | None = None
        self.busy = False
        self.since = 0.0  # the latency counts from here
        self.sent_at = 0.0  # the timeout counts from here

    def send(self, request: bytes, since: float) -> None:
        self.busy = True
        self.since = since
        self.sent_at = perf_counter()
        conn = self.conn
        if conn is not None and conn.transport is not None:
            conn.transport.write(request)
        else:
            self.connecting = asyncio.ensure_future(self.connect(request))

    async def connect(self, request: bytes) -> None:
        loop = asyncio.get_running_loop()
        try:
            transport, conn = await loop.create_connection(
                lambda: Connection(self), self.load.host, self.load.port
            )
        except OSError as exc:
            self.connecting = None
            self.fail(type(exc).__name__)
            return
        self.connecting = None
        self.conn = conn
        transport.write(request)

    def answered(self, status: int) -> None:
        self.busy = False
        self.load.answered(self, status)

    def fail(self, error: str) -> None:
        """Drop the connection; the request in flight, if any, failed with ``error``."""
        conn, self.conn = self.conn, None
        if conn is not None and conn.transport is not None:
            conn.transport.abort()
        task, self.connecting = self.connecting, None
        if task is not None:
            task.cancel()
        if self.busy:
            self.busy = False
            self.load.failed(self, error)
        elif error == "UnexpectedData":
            self.load.errors[error] = self.load.errors.get(error, 0) + 1

    def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None and conn.transport is not None:
            conn.transport.close()


class Load:
    """The slots and the requests of one phase: sends them, records the answers."""

    def __init__(self, host: str, port: int, concurrency: int) -> None:
        self.host, self.port = host, port
        self.slots = [Slot(self) for _ in range(concurrency)]
        self.reset([])

    def reset(self, requests: list[bytes]) -> None:
        self.requests = requests
        self.statuses: dict[int, int] = {}
        self.errors: dict[str, int] = {}
        self.latencies: list[float] = []
        self.left = len(requests)
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.next_index = 0  # the next request to send (open loop: to release)
        self.queue: deque[int] = deque()  # open loop: requests due, awaiting a slot
        self.free: list[Slot] = []  # open loop: slots awaiting a request
        self.started = 0.0
        self.rate = 1.0
        self.next: Callable[[Slot], None] = self.next_closed

    def answered(self, slot: Slot, status: int) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.latencies.append(perf_counter() - slot.since)
        self.finished(slot)

    def failed(self, slot: Slot, error: str) -> None:
        self.errors[error] = self.errors.get(error, 0) + 1
        self.latencies.append(perf_counter() - slot.since)
        self.finished(slot)

    def finished(self, slot: Slot) -> None:
        self.left -= 1
        if self.left:
            self.next(slot)
        elif not self.done.done():
            self.done.set_result(None)

    def next_closed(self, slot: Slot) -> None:
        i = self.next_index
        if i < len(self.requests):
            self.next_index = i + 1
            slot.send(self.requests[i], perf_counter())

    def next_open(self, slot: Slot) -> None:
        if self.queue:
            i = self.queue.popleft()
            slot.send(self.requests[i], self.started + i / self.rate)
        else:
            self.free.append(slot)

    async def closed(self, requests: list[bytes]) -> None:
        """Each slot sends its next request as soon as its last one is answered."""
        self.reset(requests)
        self.next = self.next_closed
        for slot in self.slots:
            self.next_closed(slot)
        await self.done

    async def open(self, requests: list[bytes], rate: float, started: float) -> None:
        """Request i is due at ``started`` + i / ``rate``: sent on a free slot, or
        queued for the next slot to free up."""
        self.reset(requests)
        self.next = self.next_open
        self.free = list(reversed(self.slots))
        self.started, self.rate = started, rate
        self.release()
        await self.done

    def release(self) -> None:
        """Send (or queue) every request due by now, then call again at the next due
        time: due times are absolute, so the schedule does not drift. A timer
        callback, cheaper than a coroutine's sleeps, a thousand a second."""
        requests, started, rate = self.requests, self.started, self.rate
        n, i = len(requests), self.next_index
        now = perf_counter()
        while i < n and started + i / rate <= now:
            if self.free:
                self.free.pop().send(requests[i], started + i / rate)
            else:
                self.queue.append(i)
            i += 1
        self.next_index = i
        if i < n:
            delay = max(started + i / rate - perf_counter(), MIN_SLEEP)
            asyncio.get_running_loop().call_later(delay, self.release)

    async def watch(self) -> None:
        """Fail the requests unanswered for TIMEOUT seconds."""
        while True:
            await asyncio.sleep(1)
            now = perf_counter()
            for slot in self.slots:
                if slot.busy and now - slot.sent_at > TIMEOUT:
                    slot.fail("TimeoutError")

    def close(self) -> None:
        for slot in self.slots:
            slot.close()


# ------------------------------------------------------------------ the run


def percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)

    def at(p: float) -> float:
        rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
        return ordered[rank] * 1000

    return {"p50_ms": at(50), "p90_ms": at(90), "p99_ms": at(99), "max_ms": ordered[-1] * 1000}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    base = urlsplit(args.base)
    host, port = base.hostname or "127.0.0.1", base.port or 80
    plan = load_plan(args.plan, base.netloc)
    gc.freeze()  # the plan stays: no collection need look at it again
    load = Load(host, port, args.concurrency)
    watch = asyncio.create_task(load.watch())
    try:
        # Open the connections before the clock starts: one GET /healthz each.
        touch = f"GET /healthz HTTP/1.1\r\nHost: {base.netloc}\r\n\r\n".encode("ascii")
        await load.closed([touch] * args.concurrency)
        if load.errors or set(load.statuses) != {200}:
            raise SystemExit(f"GET /healthz: statuses {load.statuses}, errors {load.errors}")
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        started = perf_counter()
        if args.mode == "closed":
            await load.closed(plan)
        else:
            await load.open(plan, args.rate, started)
        seconds = perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        watch.cancel()
        load.close()
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return {
        "mode": args.mode,
        "requests": len(plan),
        "seconds": seconds,
        "per_s": len(plan) / seconds,
        **percentiles(load.latencies),
        "statuses": {str(k): v for k, v in load.statuses.items()},
        "errors": load.errors,
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
    report = uvloop.run(run(args))
    sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
