"""The command line's handlers, one per ``dialer <command> <action>``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import getpass
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from aiohttp import web

from dialer.app import create_app
from dialer.auth import service as auth
from dialer.campaigns import service as campaigns
from dialer.cli_db import connection, database_url
from dialer.clock import Clock, ScaledClock, system_clock
from dialer.db import connect, q
from dialer.dnc import service as dnc
from dialer.errors import BadRequest, Conflict, NotFound
from dialer.settings import Settings
from dialer.targets.service import ImportSummary, import_targets


def _actor(args: argparse.Namespace) -> str:
    return str(getattr(args, "actor", None) or f"cli:{getpass.getuser()}")


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _json(data: Any) -> None:
    from dialer.__main__ import _print_json

    _print_json(data)


async def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    async with database_url(settings):
        _out("migrations applied")
    return 0


async def cmd_campaign_apply(args: argparse.Namespace, settings: Settings) -> int:
    data = campaigns.load_toml(args.file)
    async with connection(settings) as conn:
        campaign, outcome, changes = await campaigns.apply(
            conn,
            data,
            actor=_actor(args),
            source=f"file:{args.file.name}",
            scripts_dir=settings.scripts_dir,
        )
    if args.json:
        _json(campaign.to_json() | {"outcome": outcome, "changes": changes})
    else:
        _out(f"{campaign.name}: {outcome} (version {campaign.version}, {campaign.state})")
        if outcome == "updated":
            for key, change in changes.items():
                _out(f"  {key}: {change['from']!r} → {change['to']!r}")
    return 0


async def cmd_campaign_list(args: argparse.Namespace, settings: Settings) -> int:
    async with connection(settings) as conn:
        records = await conn.fetch(q("list_campaigns"))
    for r in records:
        _out(
            f"{r['id']:>4}  {r['name']:<40} {r['state']:<9} v{r['version']:<3} {r['targets']} targets"
        )
    return 0


async def _transition(args: argparse.Namespace, settings: Settings, action: str) -> int:
    async with connection(settings) as conn:
        campaign = await campaigns.transition(conn, args.campaign, action, actor=_actor(args))
    _out(f"{campaign.name}: {campaign.state}")
    return 0


async def cmd_campaign_start(args: argparse.Namespace, settings: Settings) -> int:
    return await _transition(args, settings, "start")


async def cmd_campaign_pause(args: argparse.Namespace, settings: Settings) -> int:
    return await _transition(args, settings, "pause")


async def cmd_campaign_finish(args: argparse.Namespace, settings: Settings) -> int:
    return await _transition(args, settings, "finish")


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        header, sep, field = pair.rpartition("=")
        if not sep or not header or not field:
            raise BadRequest(f"--map {pair!r}: write HEADER=FIELD, e.g. 'No Pel=customer_id'")
        mapping[header] = field
    return mapping


async def run_import(
    settings: Settings,
    campaign_ref: str,
    path: Path,
    *,
    actor: str,
    mapping: dict[str, str] | None = None,
    show_progress: bool = True,
) -> ImportSummary:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    if not path.is_file():
        raise BadRequest(f"{path}: no such file")
    async with connection(settings) as conn:
        campaign = await campaigns.get(conn, campaign_ref)
        with Progress(
            TextColumn("[bold]importing[/] {task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%  {task.fields[rows]:,} rows"),
            TimeElapsedColumn(),
            disable=not show_progress,
            transient=False,
        ) as bar:
            task = bar.add_task(path.name, total=1.0, rows=0)
            summary = await import_targets(
                conn,
                campaign_id=campaign.id,
                tiers=campaign.tiers,
                path=path,
                filename=path.name,
                actor=actor,
                mapping=mapping,
                chunk_rows=settings.import_chunk_rows,
                progress=lambda rows, done: bar.update(task, completed=done, rows=rows),
            )
    return summary


async def cmd_targets_import(args: argparse.Namespace, settings: Settings) -> int:
    summary = await run_import(
        settings,
        args.campaign,
        args.file,
        actor=_actor(args),
        mapping=_mapping(args.map),
        show_progress=sys.stderr.isatty(),
    )
    data = summary.to_json()
    if args.json:
        _json(data)
        return 0
    _out(
        f"{args.file.name}: {summary.rows:,} rows — accepted {summary.accepted:,},"
        f" duplicates {summary.duplicates:,}, dnc {summary.dnc:,},"
        f" out of tier {summary.out_of_tier:,}, rejected {summary.rejected_rows:,}"
    )
    for item in summary.rejected[:20]:
        _out(f"  line {item['line']}: {item['field']} {item['reason']}")
    if summary.reasons_total > 20:
        _out(
            f"  … {summary.reasons_total - 20} more; GET /api/imports/{summary.import_id}/rejected.csv"
        )
    return 0


async def cmd_dnc_add(args: argparse.Namespace, settings: Settings) -> int:
    async with connection(settings) as conn:
        number, new = await dnc.add(
            conn, args.msisdn, reason=args.reason, source="cli", actor=_actor(args)
        )
    _out(f"{number}: {'added' if new else 'already on the list'}")
    return 0


async def cmd_dnc_import(args: argparse.Namespace, settings: Settings) -> int:
    async with connection(settings) as conn:
        summary = await dnc.import_file(
            conn, args.file, source=f"file:{args.file.name}", actor=_actor(args)
        )
    _json(summary)
    return 0


async def cmd_payments_import(args: argparse.Namespace, settings: Settings) -> int:
    from dialer.billing import payments
    from dialer.clock import system_clock

    async with connection(settings) as conn:
        summary = await payments.import_file(
            conn,
            args.file,
            source=f"file:{args.file.name}",
            actor=_actor(args),
            now=system_clock(),
        )
    _json(summary)
    return 0


async def cmd_vouchers_import(args: argparse.Namespace, settings: Settings) -> int:
    from dialer.vouchers import ledger

    async with connection(settings) as conn:
        campaign = await campaigns.get(conn, args.campaign)
        summary = await ledger.import_codes(
            conn,
            campaign.id,
            args.file,
            source=f"file:{args.file.name}",
            actor=_actor(args),
            now=system_clock(),
        )
    _json(summary)
    return 0


async def cmd_vouchers_redemptions(args: argparse.Namespace, settings: Settings) -> int:
    from dialer.vouchers import redemptions

    async with connection(settings) as conn:
        counts = await redemptions.import_report(
            conn, args.file, source=f"file:{args.file.name}", now=system_clock()
        )
    _json(counts)
    return 0


async def cmd_vouchers_void(args: argparse.Namespace, settings: Settings) -> int:
    from dialer.vouchers import ledger

    async with connection(settings) as conn, conn.transaction():
        voucher = await conn.fetchrow(q("lock_voucher_by_code"), args.code.strip().upper())
        if voucher is None:
            raise NotFound(f"no voucher with the code {args.code!r}")
        voided = await ledger.void(
            conn, voucher, reason=args.reason, actor=_actor(args), now=system_clock()
        )
    _json(voided)
    return 0


async def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import timedelta

    from dialer.calls.progress import campaign_progress
    from dialer.reports import calls, vouchers

    now = system_clock()
    async with connection(settings) as conn:
        campaign = await campaigns.get(conn, args.campaign)
        progress = await campaign_progress(
            conn,
            campaign,
            now=now,
            abandon_window=timedelta(minutes=settings.abandon_window_minutes),
        )
        report = await vouchers.voucher_report(
            conn,
            campaign,
            now=now,
            zone=args.zone,
            customers=vouchers.Page(limit=max(args.customers, 0)),
        )
        outcomes = await calls.outcome_report(conn, campaign, now=now)
        agents = await calls.agent_report(conn, campaign, now=now)
    if args.json:
        _json({"campaign": progress, "vouchers": report, "outcomes": outcomes, "agents": agents})
        return 0
    totals, quota = report["totals"], report["quota"]
    targets, attempts = progress["targets"], progress["attempts"]
    _out(
        f"{campaign.name} ({campaign.state}): {targets['total']} targets, {attempts['total']} calls"
    )
    rates = (
        ("contact rate", outcomes["calls"]["contact_rate"]),
        ("abandon rate", outcomes["calls"]["abandon_rate"]),
    )
    _out("  " + ", ".join(f"{n} {'-' if r is None else f'{r:.1%}'}" for n, r in rates))
    by_code = outcomes["outcomes"]["by_code"]
    if by_code:
        _out("  outcomes: " + ", ".join(f"{code} {n}" for code, n in by_code.items()))
    _out(f"  vouchers {quota['taken']} of {quota['quota']} taken, {quota['left']} left")
    _out("  " + ", ".join(f"{step} {totals[step]}" for step in vouchers.STEPS))
    rate = totals["redemption_rate"]
    _out(
        f"  redemption rate {'-' if rate is None else f'{rate:.1%}'},"
        f" median {totals['median_hours_to_redemption'] or '-'} h from the call to redemption"
    )
    for day in report["days"]:
        _out(f"  {day['day']}: " + ", ".join(f"{s} {day[s]}" for s in vouchers.STEPS if day[s]))
    if report["flagged"]["total"]:
        _out(f"  {report['flagged']['total']} redemptions flagged (--json lists them)")
    for agent in agents["agents"]:
        _out(
            f"  agent {agent['username']}: {agent['calls']} calls,"
            f" {agent['talk_seconds'] // 60} min talking, {agent['outcomes']} outcomes,"
            f" {agent['vouchers']} vouchers"
        )
    return 0


async def cmd_users_create(args: argparse.Namespace, settings: Settings) -> int:
    password = (
        args.password or os.environ.get("DIALER_NEW_PASSWORD") or getpass.getpass("password: ")
    )
    async with connection(settings) as conn:
        user = await auth.create_user(
            conn, username=args.username, role=args.role, password=password, display_name=args.name
        )
    _out(f"{user.username}: {user.role} created")
    return 0


async def cmd_tokens_create(args: argparse.Namespace, settings: Settings) -> int:
    async with connection(settings) as conn:
        record = await conn.fetchrow(q("get_user_for_login"), args.username)
        if record is None:
            raise BadRequest(f"no user {args.username!r}")
        token, _ = await auth.issue_token(conn, record["id"], kind="api", label=args.label)
    _out(token)
    return 0


async def _serve(
    settings: Settings,
    url: str,
    *,
    banner: list[str] | None = None,
    clock: Clock = system_clock,
    reuse_port: bool = False,
) -> None:
    settings = settings.model_copy(update={"database_url": url})
    runner = web.AppRunner(create_app(settings, scheduler=True, clock=clock), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port, reuse_port=reuse_port or None)
    await site.start()
    # What start-up made lives as long as the process: out of the collector's sight,
    # so a full collection walks only what requests make (pauses of 50-250 ms seen with
    # 1,000 consoles connected, delaying pops).
    gc.collect()
    gc.freeze()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    base = f"http://{settings.host}:{settings.port}"
    for line in banner or []:
        _out(line)
    _out(f"serving on {base}  (health {base}/healthz, ready {base}/readyz); Ctrl-C stops")
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


async def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    update = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = settings.model_copy(update=update)
    workers = args.workers if args.workers is not None else settings.workers
    if workers < 1:
        raise BadRequest("--workers must be 1 or more")
    async with database_url(settings) as url:
        others = [_worker(settings, url, n) for n in range(2, workers + 1)]
        try:
            await _serve(settings, url, reuse_port=workers > 1 or args.reuse_port)
        finally:
            await asyncio.gather(*(asyncio.to_thread(_stop_worker, p) for p in others))
    return 0


def _worker(settings: Settings, url: str, n: int) -> subprocess.Popen[bytes]:
    """Worker ``n``: ``dialer serve`` on the same port and database, a node of its own
    (named after this one's, when it has a name)."""
    env = dict(os.environ) | {"DATABASE_URL": url, "DIALER_WORKERS": "1"}
    if settings.node_name:
        env["DIALER_NODE_NAME"] = f"{settings.node_name}-{n}"
    command = [sys.executable, "-m", "dialer", "serve", "--host", settings.host]
    command += ["--port", str(settings.port), "--workers", "1", "--reuse-port"]
    return subprocess.Popen(command, env=env)


def _stop_worker(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


DEMO_USERS = (
    ("manager", "manager", "manager-demo", "Manajer Kampanye"),
    ("agent1", "agent", "agent1-demo", "Agen Satu"),
)


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """The product on its embedded defaults: seed campaign, sample list, URLs, service."""
    from dialer.sample import SAMPLE_DNC, write_sample

    if args.speed <= 0:
        raise BadRequest("--speed must be above 0")
    if args.bots < 0:
        raise BadRequest("--bots must be 0 or more")
    seed_name = campaigns.load_toml(_seed_file(settings))["name"]
    settings = settings.model_copy(
        update={
            "simulator_speed": args.speed,
            "bot_agents": args.bots,
            "bot_campaign": seed_name if args.bots else None,
            "simulated_partner_odds": 0.6,
        }
    )
    async with database_url(settings) as url:
        conn = await connect(url)
        try:
            banner = await _prepare_demo(conn, settings, args.sample_rows, SAMPLE_DNC, write_sample)
            clock, lines = await _dialling_clock(conn, settings, args)
        finally:
            await conn.close()
        banner += lines
        base = f"http://{settings.host}:{settings.port}"
        banner += [
            f"agents: {args.bots} bot agents take the calls and record outcomes"
            if args.bots
            else "agents: no bots (--bots 0): calls wait for a person at the console",
            f"  agent console: {base}/agent  (log in as agent1 / agent1-demo to take calls too)",
            f"manager pages: {base}/manager  (log in as manager / manager-demo: live numbers,"
            " voucher funnel, outcomes, agents, tickets, uploads, downloads)",
            f'  reports:   dialer report {seed_name}   (or curl -s -H "Authorization: Bearer'
            f' $TOKEN" {base}/api/campaigns/{seed_name}/reports/vouchers)',
            "  vouchers arrive on the simulated WhatsApp; a simulated partner redeems some",
            f"the whole JSON API, described: {base}/api/openapi.json  (OpenAPI 3.1)",
        ]
        if args.no_serve:
            for line in banner:
                _out(line)
            return 0
        await _serve(settings, url, banner=banner, clock=clock)
    return 0


async def _dialling_clock(
    conn: Any, settings: Settings, args: argparse.Namespace
) -> tuple[Clock, list[str]]:
    """Start the seed campaign and choose the service's clock.

    The seed campaign's period (September 2022) is long past, so by default the service
    runs on a virtual clock inside it — from the period's first calling hour, or from
    where an earlier run left off — ``--speed`` times faster than real time.
    ``--real-clock`` keeps the real time (the seed campaign then dials nothing)."""
    from dialer.calls.why import why_not_summary
    from dialer.rules.window import Calendar, earliest_opening
    from dialer.rules.zones import ZONES

    seed = await campaigns.get(conn, campaigns.load_toml(_seed_file(settings))["name"])
    if seed.state in ("draft", "paused"):
        seed = await campaigns.transition(conn, seed.id, "start", actor="demo")
    base = f"http://{settings.host}:{settings.port}"
    lines = [
        f"campaign {seed.name}: {seed.state}, dialling the sample list through the"
        " simulated carrier" + ("" if settings.twilio_account_sid else " (no Twilio credentials)"),
        f'  progress:  curl -s -H "Authorization: Bearer $TOKEN" {base}/api/campaigns/{seed.name}/progress',
        f'  why not:   curl -s -H "Authorization: Bearer $TOKEN" {base}/api/campaigns/{seed.name}/why-not',
        f'  attempts:  curl -s -H "Authorization: Bearer $TOKEN" {base}/api/campaigns/{seed.name}/attempts.csv',
    ]
    if args.real_clock:
        summary = await why_not_summary(conn, seed, now=system_clock())
        lines.append(f"clock: real time; {summary['dialable_now']} targets dialable now")
        return system_clock, lines
    spec = seed.spec()
    last = await conn.fetchval(q("last_attempt_at"), seed.id)
    opening = earliest_opening(Calendar.from_definition(spec), last)
    if opening is None:
        lines.append(
            "clock: real time; the seed campaign's period is used up (delete .dialer/ to start over)"
        )
        return system_clock, lines
    local = opening.astimezone(ZONES["WIB"])
    lines.append(
        f"clock: virtual, from {local:%a %d %b %Y %H:%M} WIB (inside the seed campaign's period),"
        f" {args.speed:g}x real time; --real-clock for the real time"
    )
    return ScaledClock(opening, args.speed), lines


def _seed_file(settings: Settings) -> Path:
    files = sorted(settings.campaigns_dir.glob("*.toml"))
    if not files:
        raise BadRequest(f"no campaign definitions in {settings.campaigns_dir}")
    return files[0]


async def _prepare_demo(
    conn: Any, settings: Settings, rows: int, dnc_numbers: tuple[str, ...], write_sample: Any
) -> list[str]:
    from dialer.auth.passwords import hash_password

    lines = ["", "== dialer: embedded demo =="]
    lines.append(
        f"database: {'DATABASE_URL' if settings.database_url else f'embedded PostgreSQL under {settings.home}/pgdata'}"
    )
    for username, role, password, name in DEMO_USERS:
        try:
            await auth.create_user(
                conn, username=username, role=role, password=password, display_name=name
            )
        except Conflict:
            await conn.execute(q("set_user_password"), username, hash_password(password))
        lines.append(f"user {username:<8} role {role:<8} password {password}")
    applied = []
    for path in sorted(settings.campaigns_dir.glob("*.toml")):
        campaign, outcome, _ = await campaigns.apply(
            conn,
            campaigns.load_toml(path),
            actor="demo",
            source=f"file:{path.name}",
            scripts_dir=settings.scripts_dir,
        )
        applied.append(campaign)
        lines.append(
            f"campaign {campaign.name}: {outcome} (version {campaign.version}, {campaign.state})"
        )
    for number in dnc_numbers:
        await dnc.add(
            conn, number, reason="sample: asked not to be called", source="demo", actor="demo"
        )
    if applied:
        seed = applied[0]
        sample = write_sample(settings.home / "sample" / "targets-sample.csv", rows)
        summary = await import_targets(
            conn,
            campaign_id=seed.id,
            tiers=seed.tiers,
            path=sample,
            filename=sample.name,
            actor="demo",
        )
        s = summary
        lines.append(
            f"sample list {sample}: {s.rows} rows — accepted {s.accepted}, duplicates"
            f" {s.duplicates}, dnc {s.dnc}, out of tier {s.out_of_tier}, rejected {s.rejected_rows}"
        )
        base = f"http://{settings.host}:{settings.port}"
        lines += [
            "",
            "try:",
            f"  TOKEN=$(curl -s -X POST {base}/api/auth/login -H 'Content-Type: application/json'"
            ' -d \'{"username":"manager","password":"manager-demo"}\' | python3 -c'
            " 'import json,sys; print(json.load(sys.stdin)[\"token\"])')",
            f'  curl -s -H "Authorization: Bearer $TOKEN" {base}/api/campaigns',
            f'  curl -s -H "Authorization: Bearer $TOKEN" {base}/api/campaigns/{seed.name}',
            f'  curl -s -H "Authorization: Bearer $TOKEN" {base}/api/imports/{s.import_id}',
            f'  curl -s -H "Authorization: Bearer $TOKEN" {base}/api/imports/{s.import_id}/rejected.csv',
            f'  curl -s -H "Authorization: Bearer $TOKEN" -F file=@{sample} {base}/api/campaigns/{seed.name}/targets',
            "",
        ]
    return lines
