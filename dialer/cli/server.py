"""Running the service: ``dialer serve`` (a node, or N on one port), ``dialer run`` (the
product on its embedded defaults with sample data and bot agents), ``dialer migrate``
and ``dialer config`` (every setting, its variable and default)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from aiohttp import web

from dialer import metrics
from dialer.app import create_app
from dialer.cli import demo, seed
from dialer.cli.database import database, database_url
from dialer.cli.output import out
from dialer.clock import Clock, system_clock
from dialer.db import connect, migration_files
from dialer.errors import BadRequest, Conflict, DialerError, ValidationFailed
from dialer.settings import Settings, child_environment, variables

log = logging.getLogger(__name__)
# On SIGTERM, how long requests still running may finish (after the live streams and
# the agents' sockets were ended): a stop within 5 s, inside compose's grace period.
STOP_GRACE_SECONDS = 3.0


def add(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the service (one node per worker process)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument(
        "--workers",
        type=int,
        help="processes sharing the port, each a node (default: $DIALER_SERVER__WORKERS, else 1)",
    )
    serve.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)
    serve.set_defaults(func=cmd_serve)

    run = sub.add_parser("run", help="the product on its embedded defaults, with sample data")
    run.add_argument("--sample-rows", type=int, default=500)
    run.add_argument("--no-serve", action="store_true", help="prepare, print and exit")
    run.add_argument("--speed", type=float, default=10.0, help="virtual clock, x real time")
    run.add_argument("--real-clock", action="store_true", help="run on the real time")
    run.add_argument(
        "--bots", type=int, default=5, help="bot agents taking the calls beside people (0: none)"
    )
    run.set_defaults(func=cmd_run)

    sub.add_parser("migrate", help="apply pending database migrations").set_defaults(
        func=cmd_migrate
    )
    config = sub.add_parser(
        "config", help="every setting: its environment variable, default and meaning"
    )
    config.set_defaults(func=cmd_config)
    demo.add(sub)


async def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    """Apply what is pending and say which, or that there was nothing to apply."""
    applied: list[str] = []
    async with database_url(settings, migrated=applied):
        for line in migrate_report(applied):
            out(line)
    return 0


def migrate_report(applied: list[str]) -> list[str]:
    """What ``dialer migrate`` says: each migration applied now, by its file, or that the
    database was up to date (at which version)."""
    files = migration_files()
    if not applied:
        return [f"the database is up to date (schema {files[-1][1].name}); nothing applied"]
    names = dict(files)
    lines = [f"applied {len(applied)} migration{'s' if len(applied) != 1 else ''}:"]
    lines += [f"  {names[version].name}" for version in applied]
    return lines


async def cmd_config(args: argparse.Namespace, settings: Settings) -> int:
    """The settings as the README lists them: a Markdown table."""
    for line in config_table():
        out(line)
    return 0


def config_table() -> list[str]:
    lines = ["| variable | default | what it is |", "|---|---|---|"]
    for name, default, meaning in variables():
        shown = f"`{default}`" if default else ""
        lines.append(f"| `{name}` | {shown} | {meaning} |")
    return lines


async def serve(
    settings: Settings,
    url: str,
    *,
    banner: list[str] | None = None,
    clock: Clock = system_clock,
    reuse_port: bool = False,
    lost: Callable[[], Awaitable[str]] | None = None,
) -> None:
    """Serve until SIGTERM or SIGINT: one node on ``settings.server``'s address. With
    ``lost`` (the embedded database's watch), stop too when it returns, and say why."""
    settings = settings.amend(database={"url": url})
    server = settings.server
    # Before the node starts (its pacer dials at once): an address taken by another
    # `dialer run` is one clear line, not a traceback after the calls began.
    _check_address(server.host, server.port, reuse_port)
    app = create_app(settings, scheduler=True, clock=clock)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=STOP_GRACE_SECONDS)
    await runner.setup()
    try:
        site = web.TCPSite(runner, server.host, server.port, reuse_port=reuse_port or None)
        try:
            await site.start()
        except OSError as exc:
            raise _unavailable(server.host, server.port, exc) from exc
        # What start-up made lives as long as the process: out of the collector's sight,
        # so a full collection walks only what requests make (pauses of 50-250 ms seen
        # with 1,000 consoles connected, delaying pops).
        gc.collect()
        gc.freeze()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        base = f"http://{server.host}:{server.port}"
        for line in banner or []:
            out(line)
        out(f"serving on {base}  (health {base}/healthz, ready {base}/readyz); Ctrl-C stops")
        why = await _until_stopped(stop, lost)
        if why is not None:
            log.error("database lost; stopping", extra={"why": why})
            raise DialerError(f"{why}: the service stopped with it, start it again")
    finally:
        await runner.cleanup()


async def _until_stopped(
    stop: asyncio.Event, lost: Callable[[], Awaitable[str]] | None
) -> str | None:
    """Wait for a signal (None) or, with ``lost``, for the database to be lost (why)."""
    if lost is None:
        await stop.wait()
        return None
    stopped = asyncio.ensure_future(stop.wait())
    watch = asyncio.ensure_future(lost())
    try:
        await asyncio.wait({stopped, watch}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (stopped, watch):
            task.cancel()
        await asyncio.gather(stopped, watch, return_exceptions=True)
    return None if stop.is_set() or watch.cancelled() else watch.result()


def _check_address(host: str, port: int, reuse_port: bool) -> None:
    """Refuse an address this process cannot listen on (taken, unknown host)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if reuse_port and hasattr(socket, "SO_REUSEPORT"):
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            probe.bind(address)
    except OSError as exc:
        raise _unavailable(host, port, exc) from exc


def _unavailable(host: str, port: int, exc: OSError) -> Conflict:
    reason = exc.strerror or str(exc)
    return Conflict(
        f"cannot listen on {host}:{port}: {reason} (another `dialer run` or `dialer serve`"
        " there? set --port or DIALER_SERVER__PORT), nothing was started"
    )


def _refuse_misconfiguration(settings: Settings) -> None:
    problems = settings.deployment_problems()
    if problems:
        raise ValidationFailed(
            "this configuration cannot work; nothing was started",
            details=[{"setting": p.split(" ", 1)[0], "reason": p} for p in problems],
        )


def _refuse_without_secrets(settings: Settings) -> None:
    """``dialer serve`` has no default secrets: one in the source is public."""
    missing = settings.missing_secrets()
    if missing:
        names = ", ".join(missing)
        raise ValidationFailed(
            f"not set: {names}. `dialer serve` has no default secrets (anyone can read"
            " those): set them, or try the product with `dialer run`"
        )


async def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    update = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = settings.amend(server=update)
    _refuse_misconfiguration(settings)
    _refuse_without_secrets(settings)
    workers = args.workers if args.workers is not None else settings.server.workers
    if workers < 1:
        raise BadRequest("--workers must be 1 or more")
    with _shared_metrics(settings, workers, worker=args.reuse_port) as settings:
        async with database(settings) as db:
            url = db.url
            others = [_worker(settings, url, n) for n in range(2, workers + 1)]
            try:
                await serve(settings, url, reuse_port=workers > 1 or args.reuse_port, lost=db.lost)
            finally:
                await asyncio.gather(*(asyncio.to_thread(_stop_worker, p) for p in others))
    return 0


@contextlib.contextmanager
def _shared_metrics(settings: Settings, workers: int, *, worker: bool) -> Iterator[Settings]:
    """With several processes on the port, their latency histograms in one directory
    (``dialer/metrics.py``): the one set, else a temporary one removed at the end. The
    first process empties it (counts of an earlier run would add up); its workers
    (``--reuse-port``) only join."""
    directory = settings.metrics.directory
    made = None
    if directory is None and workers > 1:
        made = directory = Path(tempfile.mkdtemp(prefix="dialer-metrics-"))
        settings = settings.amend(metrics={"directory": directory})
    if directory is None:
        yield settings
        return
    if not worker:
        directory.mkdir(parents=True, exist_ok=True)
        metrics.clear(directory)
    metrics.share(directory)
    try:
        yield settings
    finally:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)


def _worker(settings: Settings, url: str, n: int) -> subprocess.Popen[bytes]:
    """Worker ``n``: ``dialer serve`` on the same port and database, a node of its own
    (named after this one's, when it has a name)."""
    overrides = {"DATABASE_URL": url, "DIALER_SERVER__WORKERS": "1"}
    if settings.metrics.directory is not None:
        overrides["DIALER_METRICS__DIRECTORY"] = str(settings.metrics.directory)
    if settings.server.node_name:
        overrides["DIALER_SERVER__NODE_NAME"] = f"{settings.server.node_name}-{n}"
    command = [sys.executable, "-m", "dialer", "serve", "--host", settings.server.host]
    command += ["--port", str(settings.server.port), "--workers", "1", "--reuse-port"]
    return subprocess.Popen(command, env=child_environment(**overrides))


def _stop_worker(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """The product on its embedded defaults: seed campaign, sample list, URLs, service."""
    if args.speed <= 0:
        raise BadRequest("--speed must be above 0")
    if args.bots < 0:
        raise BadRequest("--bots must be 0 or more")
    _refuse_misconfiguration(settings)
    seed_name = seed.seed_campaign_name(settings)
    settings = seed.with_demo_secrets(settings).amend(
        simulator={"speed": args.speed, "partner_odds": 0.6},
        bots={"agents": args.bots, "campaign": seed_name if args.bots else None},
    )
    async with database(settings, demo=True) as db:
        url = db.url
        conn = await connect(url)
        try:
            banner = await seed.prepare(conn, settings, args.sample_rows)
            clock, lines = await seed.dialling_clock(
                conn, settings, speed=args.speed, real_clock=args.real_clock
            )
        finally:
            await conn.close()
        banner += lines + seed.where_to_look(settings, seed_name, bots=args.bots)
        if args.no_serve:
            for line in banner:
                out(line)
            return 0
        await serve(settings, url, banner=banner, clock=clock, lost=db.lost)
    return 0
