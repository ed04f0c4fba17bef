"""Benchmark: signed status callbacks a second into the real service, beside a bare one.

The service runs in its own process (``python -m dialer serve``, its defaults: a pool
of 10 connections; the campaign is paused once its attempts are claimed and the
scheduler's jobs are an hour apart, so the pacer and the reconciler stay idle). Its attempts are real: targets loaded by
the importer, with the attempts a claim writes, marked placed. The callbacks follow
each call as Twilio reports it (odds as the simulator's: answered by a human or a
machine — initiated, ringing, in-progress, completed with CallDuration and AnsweredBy;
busy; no answer; failed), calls interleaved, every request signed with
``X-Twilio-Signature`` before the clock starts. A second process
(``tests.bench.callbacks_load``, raw asyncio on uvloop, so it takes little of the
CPU the service needs) sends them over loopback:

- closed loop, ``CONCURRENCY`` connections each sending its next callback as soon as
  the last is answered: the most the service takes (``callbacks_per_s``);
- open loop at the target's 2,000 callbacks/s on a fixed schedule, latency counted
  from each callback's scheduled time (``callbacks_p99_ms``);
- open loop at half the target: the latency with room to spare.

Between phases the service's applier catches up with what the phase stored (the closed
loop stores faster than it applies; its backlog would otherwise weigh on the next
phase); how much was left and how long it took are printed.

What ``/metrics`` costs: a second service beside the first, with ``/metrics`` on (its
callbacks timed) and scraped every second while it is loaded; the same closed loop goes
to each in turn, in paired turns, and both rates are printed with the cost in percent
(``callbacks_per_s_without_metrics``, ``callbacks_per_s_with_metrics``,
``metrics_cost_throughput_percent``: the median of the turns' costs, with their range,
since one turn's rate moves by tens of percent with the load of a shared machine). The
figure held to the target, ``metrics_cost_percent``, is steadier: the µs that timing a
callback (the middleware and its histogram, in files shared between processes) takes,
measured alone, against the service's CPU time a callback without ``/metrics``.

The reference, measured in the same run with the same load and the same requests, is
a bare aiohttp app in its own process whose handler reads the form and does one
INSERT through an asyncpg pool of the same size. Beside the figures: the CPU the
server, the load generator and the whole machine used (PostgreSQL, the server and the
load generator share its cores).

``BENCH_PROFILE=path`` runs the service under cProfile and writes its stats
there (the figures are then slower than without).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg
from twilio.request_validator import RequestValidator

from dialer.campaigns import service as campaigns
from dialer.db import connect, q
from tests.bench.claim import fresh_database, load_campaign, small_file

ROOT = Path(__file__).resolve().parents[2]
BENCH_DB = "dialer_bench_callbacks"
WORK = ROOT / ".dialer" / "bench" / "callbacks"
TOKEN = "bench-simulator-token"
TARGETS = 45_000  # in the list; attempts are claimed from them
CONCURRENCY = 64  # closed loop
OPEN_CONCURRENCY = 256  # open loop: at most this many requests in flight
RATE = 2_000.0  # the target, callbacks/s
REQUESTS = 20_000  # a phase
WARMUP = 2_000
LIGHT = 0.5  # the light-load phase's rate, of the target's
LIGHT_REQUESTS = 5_000
POOL_SIZE = 10  # the service's default DIALER_DATABASE__POOL_MAX_SIZE
METRICS_TOKEN = "bench-metrics-token"
SCRAPE_SECONDS = 1.0
ROUNDS = 7  # paired turns of the with/without comparison (the median is printed)
COMPARE_REQUESTS = (
    5_000  # a turn  # Prometheus scrapes every 15 s by default: this is 15 times that
)
WORKERS = 2  # processes of the service (dialer serve --workers), and of the bare app
GROUP = 500  # calls whose callbacks interleave
ACCOUNT_SID = "AC" + "be" * 16
CALLER = "+622150000000"
FATES = {"human": 45, "machine": 10, "busy": 15, "no_answer": 20, "failed": 10}
SEQUENCE = {
    "human": ("initiated", "ringing", "in-progress", "completed"),
    "machine": ("initiated", "ringing", "in-progress", "completed"),
    "busy": ("initiated", "ringing", "busy"),
    "no_answer": ("initiated", "ringing", "no-answer"),
    "failed": ("failed",),
}
FINAL = ("completed", "busy", "no-answer", "failed")
BARE_TABLE = """
CREATE TABLE IF NOT EXISTS bare_callbacks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now(),
    attempt_id  bigint,
    call_sid    text,
    status      text,
    params      jsonb NOT NULL
)"""
BARE_INSERT = (
    "INSERT INTO bare_callbacks (attempt_id, call_sid, status, params) VALUES ($1, $2, $3, $4)"
)


@dataclass(frozen=True)
class Call:
    attempt_id: int
    sid: str
    number: str


# ---------------------------------------------------------------- the bare reference


def bare_app(url: str) -> Any:
    """An aiohttp app whose one handler reads the form and does one INSERT."""
    from aiohttp import web

    app = web.Application()
    pools: list[asyncpg.Pool[asyncpg.Record]] = []

    async def database(app: web.Application) -> Any:
        pool = await asyncpg.create_pool(url, min_size=POOL_SIZE, max_size=POOL_SIZE)
        assert pool is not None
        pools.append(pool)
        yield
        await pool.close()

    async def status(request: web.Request) -> web.Response:
        form = await request.post()
        params = {k: v for k, v in form.items() if isinstance(v, str)}
        attempt = request.query.get("attempt", "")
        await pools[0].execute(
            BARE_INSERT,
            int(attempt) if attempt.isdigit() else None,
            params.get("CallSid"),
            params.get("CallStatus"),
            json.dumps(params),
        )
        return web.Response(text="<Response/>", content_type="text/xml")

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.cleanup_ctx.append(database)
    app.router.add_post("/carrier/voice/status", status)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", healthz)
    return app


def serve_bare(port: int, url: str, workers: int) -> None:
    """The bare app on ``port``, in ``workers`` processes sharing it (as the service)."""
    from aiohttp import web

    others = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.bench.callbacks", "bare", "--port", str(port), url],
            env=child_env(),
            cwd=ROOT,
        )
        for _ in range(workers - 1)
    ]
    try:
        web.run_app(
            bare_app(url),
            host="127.0.0.1",
            port=port,
            access_log=None,
            print=None,
            reuse_port=True,
        )
    finally:
        for process in others:
            process.terminate()
            process.wait()


# ------------------------------------------------------------------ the processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process and its children (the workers)."""
    import psutil

    root = psutil.Process(pid)
    total = 0.0
    for process in (root, *root.children(recursive=True)):
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def busy_seconds() -> float:
    """CPU seconds the whole machine spent busy since boot (all cores)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_ready(server: Server, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited; see {server.log}")
        try:
            with urllib.request.urlopen(server.base + "/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} not ready after {seconds} s; see {server.log}")


def child_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DIALER_") and k not in ("DATABASE_URL", "PYTHONPATH")
    }
    # `dialer serve` has no default secrets; TOKEN signs the simulated callbacks.
    secrets = {"DIALER_PARTNER__SECRET": "bench-partner-secret"}
    return env | {"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"} | secrets | extra


def start_service(url: str, profile: Path | None, *, metrics: bool = False) -> Server:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = child_env(
        DATABASE_URL=url,
        DIALER_SERVER__PUBLIC_URL=base,
        DIALER_SIMULATOR__AUTH_TOKEN=TOKEN,
        DIALER_PACING__TICK_SECONDS="3600",
        DIALER_PACING__RECONCILE_SECONDS="3600",
        DIALER_SERVER__LOG_LEVEL="WARNING",
        DIALER_DATABASE__POOL_MAX_SIZE=str(POOL_SIZE),
        DIALER_SERVER__WORKERS=str(WORKERS),
        **({"DIALER_METRICS__TOKEN": METRICS_TOKEN} if metrics else {}),
    )
    command = [sys.executable]
    if profile is not None:
        command += ["-m", "cProfile", "-o", str(profile)]
    command += ["-m", "dialer", "serve", "--host", "127.0.0.1", "--port", str(port)]
    log = WORK / ("service-metrics.log" if metrics else "service.log")
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=out)
    server = Server("the service" + (" with /metrics" if metrics else ""), process, base, log)
    wait_ready(server)
    return server


def start_bare(url: str) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "tests.bench.callbacks", "bare", "--port", str(port)]
    command += ["--workers", str(WORKERS), url]
    log = WORK / "bare.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=child_env(), cwd=ROOT, stdout=out, stderr=out)
    server = Server("the bare app", process, f"http://127.0.0.1:{port}", log)
    wait_ready(server)
    return server


def load(
    server: Server, plan: Path, mode: str, concurrency: int, rate: float = RATE
) -> dict[str, Any]:
    """Run the load generator against ``server``; its report, with CPU use beside."""
    command = [
        sys.executable,
        "-m",
        "tests.bench.callbacks_load",
        "--base",
        server.base,
        "--plan",
        str(plan),
        "--mode",
        mode,
        "--concurrency",
        str(concurrency),
        "--rate",
        str(rate),
    ]
    server_cpu, machine = cpu_seconds(server.process.pid), busy_seconds()
    done = subprocess.run(
        command, env=child_env(), cwd=ROOT, check=True, capture_output=True, text=True
    )
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    report["server_cpu_seconds"] = cpu_seconds(server.process.pid) - server_cpu
    report["machine_busy_seconds"] = busy_seconds() - machine
    bad = sum(v for k, v in report["statuses"].items() if k != "200") + sum(
        report["errors"].values()
    )
    if bad:
        raise RuntimeError(f"{server.name}: {bad} callbacks failed: {report}; see {server.log}")
    return report


# ------------------------------------------------------------ attempts and requests


async def prepare(admin_url: str, url: str, calls: int) -> list[Call]:
    """A fresh database, a draft campaign with a list, and ``calls`` placed attempts."""
    await fresh_database(admin_url, BENCH_DB, url)
    conn = await connect(url)
    try:
        await conn.execute(BARE_TABLE)
        campaign_id, _ = await load_campaign(conn, "bench-callbacks", small_file(TARGETS, start=0))
        now = datetime.now(UTC)
        # The attempts a claim would write (its INSERT), for the first ``calls`` targets
        # at once: claiming them batch by batch would pass over every call already in
        # flight each time — thousands here, where a campaign has a few hundred at most.
        inserted = await conn.execute(
            "INSERT INTO attempts (campaign_id, target_id, number, carrier, node,"
            " created_at, updated_at)"
            " SELECT $1, id, msisdn, 'bench', 'bench-node', $2, $2 FROM targets"
            " WHERE campaign_id = $1 ORDER BY id LIMIT $3",
            campaign_id,
            now,
            calls,
        )
        if int(inserted.split()[-1]) < calls:
            raise RuntimeError(f"only {inserted.split()[-1]} targets to call, not {calls}")
        # Paused, so the service's pacer dials nothing of it.
        await campaigns.transition(conn, campaign_id, "pause", actor="bench")
        await conn.execute(
            "UPDATE attempts SET call_sid = 'CA' || md5(id::text), placed_at = $1,"
            " place_tries = 1, state = 'dialing', updated_at = $1",
            now,
        )
        await conn.execute("ANALYZE")
        placed = await conn.fetch("SELECT id, call_sid, number FROM attempts ORDER BY id")
    finally:
        await conn.close()
    return [Call(r["id"], r["call_sid"], r["number"]) for r in placed]


def callbacks_of(call: Call, fate: str, at: datetime) -> list[dict[str, str]]:
    """The status callbacks of one call, as Twilio (and the simulator) sends them."""
    talk = 30 + (call.attempt_id * 37) % 150
    times = {
        "initiated": at,
        "ringing": at + timedelta(seconds=1),
        "in-progress": at + timedelta(seconds=9),
        "completed": at + timedelta(seconds=9 + talk),
        "busy": at + timedelta(seconds=6),
        "no-answer": at + timedelta(seconds=31),
        "failed": at,
    }
    out = []
    for n, status in enumerate(SEQUENCE[fate], start=1):
        params = {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "CallSid": call.sid,
            "CallStatus": status,
            "Direction": "outbound-api",
            "From": CALLER,
            "To": call.number,
            "Called": call.number,
            "Caller": CALLER,
            "Timestamp": format_datetime(times[status], usegmt=True),
            "SequenceNumber": str(n),
            "CallbackSource": "call-progress-events",
        }
        if status in FINAL:
            duration = talk if status == "completed" else 0
            params |= {"CallDuration": str(duration), "Duration": str((duration + 59) // 60)}
        if status == "completed":
            params["AnsweredBy"] = "human" if fate == "human" else "machine_start"
        out.append(params)
    return out


def write_plan(path: Path, calls: list[Call], base: str, seed: int) -> int:
    """Signed requests for ``calls``: GROUP calls at a time, their first callbacks,
    then their second ones, and so on. Returns how many requests."""
    rnd = random.Random(seed)
    validator = RequestValidator(TOKEN)
    at = datetime.now(UTC).replace(microsecond=0)
    count = 0
    with path.open("w", encoding="utf-8") as f:
        for start in range(0, len(calls), GROUP):
            group = calls[start : start + GROUP]
            fates = rnd.choices(list(FATES), weights=list(FATES.values()), k=len(group))
            sequences = [callbacks_of(c, fate, at) for c, fate in zip(group, fates, strict=True)]
            for step in range(max(len(s) for s in sequences)):
                for call, sequence in zip(group, sequences, strict=True):
                    if step < len(sequence):
                        params = sequence[step]
                        target = f"/carrier/voice/status?attempt={call.attempt_id}"
                        signature = validator.compute_signature(base + target, params)
                        item = {"path": target, "body": urlencode(params), "signature": signature}
                        f.write(json.dumps(item) + "\n")
                        count += 1
    return count


PER_CALL = sum(FATES[f] * len(SEQUENCE[f]) for f in FATES) / sum(FATES.values())


def calls_for(requests: int) -> int:
    """Calls enough for ``requests`` callbacks, whatever the fates drawn."""
    return int(requests / PER_CALL * 1.1) + 50


def split_calls(calls: list[Call], sizes: list[int]) -> list[list[Call]]:
    """Consecutive slices of ``calls``, enough for ``sizes`` requests each."""
    slices, start = [], 0
    for size in sizes:
        slices.append(calls[start : start + calls_for(size)])
        start += calls_for(size)
    if start > len(calls):
        raise RuntimeError("not enough attempts for the plan")
    return slices


def truncate(path: Path, n: int) -> Path:
    """The first ``n`` requests of a plan, in a file of their own."""
    out = path.with_name(path.stem + f"-{n}.jsonl")
    with path.open(encoding="utf-8") as f, out.open("w", encoding="utf-8") as o:
        for i, line in enumerate(f):
            if i >= n:
                break
            o.write(line)
    return out


async def outcome(url: str) -> dict[str, int]:
    conn = await connect(url)
    try:
        rows = await conn.fetch(
            "SELECT coalesce(effect, 'not applied') AS effect, count(*) AS n"
            " FROM carrier_events GROUP BY 1 ORDER BY 1"
        )
    finally:
        await conn.close()
    return {r["effect"]: r["n"] for r in rows}


# -------------------------------------------------------------------- the benchmark


def profile_lines(path: Path, top: int = 25) -> list[str]:
    """The service's busiest functions (own time), as # lines."""
    import io
    import pstats

    out = io.StringIO()
    pstats.Stats(str(path), stream=out).sort_stats("tottime").print_stats(top)
    return [f"# {line}" for line in out.getvalue().splitlines() if line.strip()]


def backlog(url: str) -> int:
    """Callbacks stored and not yet applied (0 for the bare app, which applies none)."""

    async def count() -> int:
        conn = await connect(url)
        try:
            return int(await conn.fetchval(q("count_unapplied")))
        finally:
            await conn.close()

    return asyncio.run(count())


def drain(url: str, report: dict[str, Any], limit: float = 300.0) -> None:
    """Wait for the service's applier to apply what the phase left; note how much that
    was and how long it took, so the next phase starts from a caught-up service."""
    left = report["backlog"] = backlog(url)
    began = time.monotonic()
    while left and time.monotonic() - began < limit:
        time.sleep(0.2)
        left = backlog(url)
    report["drain_seconds"] = time.monotonic() - began
    report["drained"] = left == 0


class Scraper:
    """Scrapes ``/metrics`` every SCRAPE_SECONDS while the load runs, as Prometheus."""

    def __init__(self, base: str) -> None:
        self.base, self.scrapes, self.failed = base, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Scraper:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        request = urllib.request.Request(
            self.base + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
        while not self._stop.wait(SCRAPE_SECONDS):
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    response.read()
                    self.scrapes += 1
            except OSError:
                self.failed += 1


def phases(server: Server, plans: dict[str, Path], url: str) -> dict[str, dict[str, Any]]:
    """Warm-up, closed loop, open loop at the target rate, and (when there is a plan
    for it) open loop at LIGHT of the target rate; after each, the applier catches up."""
    drain(url, load(server, plans["warmup"], "closed", CONCURRENCY))
    done = {}
    for name, mode, concurrency, rate in (
        ("closed", "closed", CONCURRENCY, RATE),
        ("open", "open", OPEN_CONCURRENCY, RATE),
        ("light", "open", OPEN_CONCURRENCY, LIGHT * RATE),
    ):
        if name in plans:
            done[name] = load(server, plans[name], mode, concurrency, rate)
            drain(url, done[name])
    return done


def write_plans(calls: list[Call], base: str, sizes: dict[str, int]) -> dict[str, Path]:
    plans: dict[str, Path] = {}
    parts = split_calls(calls, list(sizes.values()))
    for (name, size), part in zip(sizes.items(), parts, strict=True):
        written = write_plan(WORK / f"{name}.jsonl", part, base, seed=len(plans))
        if written < size:
            raise RuntimeError(f"plan {name}: {written} requests, not {size}")
        plans[name] = truncate(WORK / f"{name}.jsonl", size)
    return plans


def bench(admin_url: str, url: str) -> list[str]:
    WORK.mkdir(parents=True, exist_ok=True)
    sizes = {"warmup": WARMUP, "closed": REQUESTS, "open": REQUESTS, "light": LIGHT_REQUESTS}
    compared = {f"{kind}_{n}": COMPARE_REQUESTS for n in range(ROUNDS) for kind in ("off", "on")}
    compared["on_warmup"] = WARMUP
    total = sum(calls_for(s) for s in [*sizes.values(), *compared.values()])
    calls = asyncio.run(prepare(admin_url, url, total))
    profile_env = os.environ.get("BENCH_PROFILE")
    profile = Path(profile_env).resolve() if profile_env else None
    service = start_service(url, profile)
    try:
        plans = write_plans(calls, service.base, sizes)
        served = phases(service, plans, url)
        # What /metrics costs the callback path: the service beside a second one with
        # /metrics on (its callbacks timed) and scraped every SCRAPE_SECONDS, the same
        # closed loop sent to each in turn, ROUNDS times (a shared machine's load
        # drifts: taking turns spreads it over both).
        metered = start_service(url, None, metrics=True)
        try:
            rest = calls[sum(calls_for(s) for s in sizes.values()) :]
            off = {k: v for k, v in compared.items() if k.startswith("off")}
            on = {k: v for k, v in compared.items() if k.startswith("on")}
            off_plans = write_plans(
                rest[: sum(calls_for(s) for s in off.values())], service.base, off
            )
            on_plans = write_plans(
                rest[sum(calls_for(s) for s in off.values()) :], metered.base, on
            )
            drain(url, load(metered, on_plans["on_warmup"], "closed", CONCURRENCY))
            without: list[dict[str, Any]] = []
            with_metrics: list[dict[str, Any]] = []
            scrapes = failed = 0
            for n in range(ROUNDS):
                without.append(load(service, off_plans[f"off_{n}"], "closed", CONCURRENCY))
                drain(url, without[-1])
                with Scraper(metered.base) as scraper:
                    with_metrics.append(load(metered, on_plans[f"on_{n}"], "closed", CONCURRENCY))
                scrapes, failed = scrapes + scraper.scrapes, failed + scraper.failed
                drain(url, with_metrics[-1])
        finally:
            metered.stop()
    finally:
        service.stop()
    profiled = profile_lines(profile) if profile is not None else []
    per_s_off = sum(r["requests"] for r in without) / sum(r["seconds"] for r in without)
    per_s_on = sum(r["requests"] for r in with_metrics) / sum(r["seconds"] for r in with_metrics)
    # Each turn's cost beside the turn taken just before it: the median of those.
    costs = sorted(
        100 * (1 - a["per_s"] / b["per_s"]) for a, b in zip(with_metrics, without, strict=True)
    )
    cpu_off = sum(r["server_cpu_seconds"] for r in without) / sum(r["requests"] for r in without)
    timed_us = timing_cost()
    effects = asyncio.run(outcome(url))
    # The bare app takes the same requests: it checks nothing of them.
    bare = start_bare(url)
    try:
        bare_served = phases(bare, {k: v for k, v in plans.items() if k != "light"}, url)
    finally:
        bare.stop()

    closed, opened, light = served["closed"], served["open"], served["light"]
    bare_closed, bare_open = bare_served["closed"], bare_served["open"]
    cores = os.cpu_count() or 1

    def cpu(report: dict[str, Any], name: str) -> str:
        seconds = report["seconds"]
        return (
            f"{name} {100 * report['server_cpu_seconds'] / seconds:.0f}% of a core"
            f" ({WORKERS} processes)"
            f" ({1e6 * report['server_cpu_seconds'] / report['requests']:.0f} µs a callback),"
            f" load generator {100 * report['cpu_seconds'] / seconds:.0f}%, whole machine"
            f" {100 * report['machine_busy_seconds'] / seconds:.0f}% of {cores * 100}%"
            " (closed loop)"
        )

    return [
        f"callbacks_requests: {REQUESTS} signed status callbacks a phase over"
        f" {len(calls)} placed calls ({sum(effects.values())} stored in all; effects"
        f" {json.dumps(effects, sort_keys=True)})",
        f"callbacks_per_s: {closed['per_s']:.0f} callbacks/s (dialer serve --workers"
        f" {WORKERS}; closed loop, {CONCURRENCY} connections from another process;"
        " target >= 2,000/s)",
        f"callbacks_p99_ms: {opened['p99_ms']:.1f} ms (open loop offered {RATE:.0f}/s,"
        f" achieved {opened['per_s']:.0f}/s; p50 {opened['p50_ms']:.1f} ms; target <= 50 ms)",
        f"callbacks_p99_ms_light_load: {light['p99_ms']:.1f} ms (open loop at"
        f" {LIGHT * RATE:.0f}/s, {LIGHT:.0%} of the target; p50 {light['p50_ms']:.1f} ms)",
        f"callbacks_unapplied_after_open: {opened['backlog']} callbacks (stored, not yet"
        f" applied when the 2,000/s phase ended; applied {opened['drain_seconds']:.1f} s"
        f" later)",
        f"callbacks_unapplied_after_closed: {closed['backlog']} callbacks (applied"
        f" {closed['drain_seconds']:.1f} s later, before the next phase)",
        f"callbacks_closed_loop_p99_ms: {closed['p99_ms']:.1f} ms (p50"
        f" {closed['p50_ms']:.1f} ms; {CONCURRENCY} requests always in flight)",
        f"bare_callbacks_per_s: {bare_closed['per_s']:.0f} callbacks/s (bare aiohttp handler:"
        f" read the form, one INSERT; {WORKERS} processes; same load)",
        f"bare_callbacks_p99_ms: {bare_open['p99_ms']:.1f} ms (open loop offered"
        f" {RATE:.0f}/s, achieved {bare_open['per_s']:.0f}/s)",
        f"callbacks_vs_bare_ratio: {closed['per_s'] / bare_closed['per_s']:.2f} x",
        f"callbacks_per_s_without_metrics: {per_s_off:.0f} callbacks/s (closed loop,"
        f" {ROUNDS} turns of {COMPARE_REQUESTS} taken with the next figure's)",
        f"callbacks_per_s_with_metrics: {per_s_on:.0f} callbacks/s (the same, on a service"
        f" with /metrics on and scraped every {SCRAPE_SECONDS:g} s: {scrapes}"
        f" scrapes, {failed} failed)",
        f"metrics_cost_percent: {100 * timed_us / (1e6 * cpu_off):.1f} % (what timing a"
        f" callback costs, {timed_us:.1f} µs measured alone, of the {1e6 * cpu_off:.0f} µs"
        " of the service's CPU a callback takes without /metrics; target < 5 %)",
        f"metrics_cost_throughput_percent: {statistics.median(costs):.1f} % (callbacks/s"
        f" lost with /metrics on and scraped, the median of {ROUNDS} paired turns of the"
        f" closed loop, which ranged {costs[0]:.1f} to {costs[-1]:.1f} %: a shared"
        " machine's load moves one turn by tens of percent)",
        f"callbacks_cpu: {cpu(closed, 'service')}",
        f"bare_callbacks_cpu: {cpu(bare_closed, 'bare app')}",
        *profiled,
    ]


TIMED = 50_000  # callbacks through the timing middleware alone


async def _timing_cost() -> float:
    """µs the timing of one callback adds: ``/metrics``' middleware and its histogram
    (files shared between processes, as under ``--workers``), around a handler that
    does nothing, less that handler called bare."""
    import tempfile

    from aiohttp import web
    from aiohttp.test_utils import make_mocked_request

    from dialer import metrics
    from dialer.monitoring import time_callbacks

    metrics.share(Path(tempfile.mkdtemp(prefix="bench-metrics-")))
    answer = web.Response(text="")

    async def handler(request: web.Request) -> web.StreamResponse:
        return answer

    app = web.Application()
    app.router.add_post("/carrier/voice/status", handler)
    request = make_mocked_request("POST", "/carrier/voice/status", app=app)
    request._match_info = await app.router.resolve(request)  # type: ignore[attr-defined]
    best = {"bare": float("inf"), "timed": float("inf")}
    for _ in range(5):  # the best of five: what it costs, not what the machine did
        started = time.perf_counter()
        for _ in range(TIMED):
            await handler(request)
        best["bare"] = min(best["bare"], time.perf_counter() - started)
        started = time.perf_counter()
        for _ in range(TIMED):
            await time_callbacks(request, handler)
        best["timed"] = min(best["timed"], time.perf_counter() - started)
    return 1e6 * (best["timed"] - best["bare"]) / TIMED


def timing_cost() -> float:
    """:func:`_timing_cost` in a process of its own (sharing switches a process's
    metrics for good)."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.callbacks", "timing"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    return float(done.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.callbacks")
    sub = parser.add_subparsers(dest="command", required=True)
    bare = sub.add_parser("bare", help="serve the bare reference app")
    bare.add_argument("--port", type=int, required=True)
    bare.add_argument("--workers", type=int, default=1)
    bare.add_argument("url")
    sub.add_parser("timing", help="print the µs /metrics' timing adds to a callback")
    args = parser.parse_args()
    if args.command == "timing":
        print(f"{asyncio.run(_timing_cost()):.3f}")
        return
    serve_bare(args.port, args.url, args.workers)


if __name__ == "__main__":
    main()
