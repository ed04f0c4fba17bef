"""``dialer demo``: the seed campaign on generated targets and the simulators, headless.

The service runs for real — HTTP server, scheduler, pacer, simulated carrier posting
signed callbacks — on a virtual clock that runs ``speed`` times faster than real time
and skips idle stretches (nights, Sundays, the wait for a retry) when no call is live.
The clock starts at ``--start``, by default the first opening of the calling window
inside the campaign's period; a start outside the period shifts the period (and the
voucher's expiry) by whole days, and the summary says so.

The demo makes its simulated carrier and bot agents itself: the carrier is told the
zone of each generated customer (``sample.customer_zones``, for odds by the customer's
local hour) and both draw from ``Simulation.seed``. The pacing bench
(``tests/bench/pacing.py``) runs the demo with a ``Simulation`` of its own: the pacing
mode, the customers' behaviour, bots that wait for the customer to hang up, and the
pacer's tick in virtual seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time as monotonic_time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import unused_port
from asyncpg import Record

from dialer.agents.bots import BotPlan, Bots, parse_odds
from dialer.app import create_app
from dialer.calls.progress import campaign_progress
from dialer.campaigns import service as campaigns
from dialer.campaigns.models import Campaign, calendar_of
from dialer.cli import seed
from dialer.cli.database import database_url
from dialer.cli.output import moment, out, out_json
from dialer.cli.sample import PROVINCES, TIERS, customer_zones, import_sample, sample_rows
from dialer.clock import ScaledClock, system_clock
from dialer.db import Connection, Pool, create_pool
from dialer.errors import BadRequest
from dialer.i18n import translate
from dialer.keys import NODE
from dialer.providers.simulated_carrier import SimProfile, SimulatedCarrier
from dialer.reports.calls import outcome_counts
from dialer.reports.vouchers import voucher_funnel
from dialer.rules.vocabulary import RESULT_CODES
from dialer.rules.window import Calendar, earliest_opening, next_opening
from dialer.runtime import simulated_customers
from dialer.settings import Settings
from dialer.vouchers.outbox import messages_moving

log = logging.getLogger(__name__)
SEED = "001_obc_bukalapak_voucher.toml"


def add(sub: Any) -> None:
    demo = sub.add_parser(
        "demo", help="the seed campaign on generated targets and the simulators, headless"
    )
    demo.add_argument("--targets", type=int, default=200, help="generated targets")
    demo.add_argument("--seats", type=int, default=10, help="agent seats, staffed by bot agents")
    demo.add_argument("--speed", type=float, default=60.0, help="times faster than real time")
    demo.add_argument(
        "--until-done", action="store_true", help="run until every target is finished"
    )
    demo.add_argument(
        "--hours", type=float, default=10.0, help="virtual hours without --until-done"
    )
    demo.add_argument(
        "--start", help="virtual start (ISO 8601 with zone); default: the period's first opening"
    )
    demo.add_argument("--max-seconds", type=float, default=600.0, help="real seconds at most")
    demo.add_argument("--json", action="store_true", help="print only the JSON summary")
    demo.set_defaults(func=cmd_demo)


async def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    options = DemoOptions(
        targets=args.targets,
        seats=args.seats,
        speed=args.speed,
        until_done=args.until_done,
        hours=args.hours,
        start=moment(args.start, "--start") if args.start else None,
        max_seconds=args.max_seconds,
    )
    if options.targets < 1 or options.seats < 1 or options.speed <= 0:
        raise BadRequest("--targets and --seats must be at least 1, --speed above 0")
    settings = seed.with_demo_secrets(settings)
    async with database_url(settings, demo=True) as url:
        result = await run_demo(settings, url, options)
    problems = verdict(result)
    if args.json:
        out_json(result)
    else:
        _describe(result)
    for problem in problems:
        sys.stderr.write(f"error: {translate(problem, settings.ui.language)}\n")
    return 1 if problems else 0


def verdict(result: dict[str, Any]) -> list[str]:
    """What makes a demo a failure, each said: a simulated call that raised (a bug the
    simulation hit, not a customer's behaviour), or a run in which no call ended."""
    problems = []
    failed = result["demo"]["failed_calls"]
    if failed:
        problems.append(f"{failed} simulated calls failed (their tracebacks are in the log)")
    attempts = result["summary"]["attempts"]
    ended = sum(n for key, n in attempts.items() if key in RESULT_CODES and key != "canceled")
    if not ended:
        problems.append("nothing progressed: no call reached a result")
    return problems


def _describe(result: dict[str, Any]) -> None:
    demo, summary = result["demo"], result["summary"]
    out(
        f"{demo['campaign']}: {demo['virtual_hours']} virtual hours in {demo['real_seconds']} s"
        f" ({demo['finished_because']})"
    )
    if demo["shifted"]:
        out(f"  shifted: {demo['shifted']['why']}")
    out(f"  targets:  {summary['targets']}")
    out(f"  finished: {summary['finished']}")
    out(f"  attempts: {summary['attempts']}")
    out(f"  contact rate {summary['contact_rate']}, abandon rate {summary['abandon_rate']}")


@dataclass(frozen=True)
class Simulation:
    """What the pacing bench sets beyond the demo's defaults (which are these)."""

    # Campaign keys set before it is applied (``pacing_mode``, ``pacing_ratio`` …).
    definition: Mapping[str, Any] = field(default_factory=dict)
    # The generated customers' provinces (so their zones) and tiers, in turn.
    provinces: tuple[str, ...] = PROVINCES
    tiers: tuple[str, ...] = TIERS
    profile: SimProfile | None = None  # how customers behave; None: the settings'
    seed: int | None = None  # the customers' and the bots' draws; None: unseeded
    # How the bots work (its campaign, count and seed are the demo's); None: the
    # settings' outcome odds and talk time.
    bots: BotPlan | None = None
    # The pacer's tick and the bots' step, in virtual seconds (real: divided by the
    # speed); None: every 0.25 and 0.1 real seconds.
    tick_seconds: float | None = None


@dataclass(frozen=True)
class DemoOptions:
    targets: int = 200
    seats: int = 10  # bot agents
    speed: float = 60.0
    until_done: bool = True
    start: datetime | None = None
    hours: float = 10.0  # virtual hours to run without until_done
    max_seconds: float = 600.0  # real seconds, a safety net
    simulation: Simulation = field(default_factory=Simulation)


def _shift(definition: dict[str, Any], days: int) -> dict[str, Any]:
    shifted = dict(definition)
    period = dict(definition["period"])
    for key in ("starts", "ends"):
        period[key] = (date.fromisoformat(str(period[key])) + timedelta(days=days)).isoformat()
    shifted["period"] = period
    voucher = dict(definition["voucher"])
    expires = voucher["expires"]
    expires = expires if isinstance(expires, datetime) else datetime.fromisoformat(str(expires))
    voucher["expires"] = (expires + timedelta(days=days)).isoformat()
    shifted["voucher"] = voucher
    return shifted


def plan_start(
    definition: dict[str, Any], start: datetime | None
) -> tuple[dict[str, Any], datetime, dict[str, Any] | None]:
    """The definition to run (shifted if needed), the virtual start, and what shifted."""
    spec = campaigns.parse_definition(definition)
    if start is None:
        opening = earliest_opening(calendar_of(spec))
        if opening is None:
            raise ValueError("the campaign's period has no calling hours")
        return definition, opening, None
    local_day = start.date()
    if spec.period.starts <= local_day <= spec.period.ends:
        return definition, start, None
    days = (local_day - spec.period.starts).days
    shifted = _shift(definition, days)
    new = campaigns.parse_definition(shifted)
    note = {
        "by_days": days,
        "period": [new.period.starts.isoformat(), new.period.ends.isoformat()],
        "voucher_expires": new.voucher.expires.isoformat(),
        "why": f"--start {start:%Y-%m-%d} is outside the seed period"
        f" {spec.period.starts}..{spec.period.ends}; the period and the voucher expiry"
        f" moved by {days} days",
    }
    return shifted, start, note


async def _setup(
    conn: Connection, settings: Settings, options: DemoOptions, workdir: Path
) -> tuple[Campaign, datetime, dict[str, Any] | None, dict[str, str]]:
    """The campaign, started, with its generated list; the virtual start, what shifted,
    and the zone of each generated customer's number."""
    sim = options.simulation
    definition = campaigns.load_toml(settings.campaigns_dir / SEED)
    definition, start, shifted = plan_start(definition, options.start)
    definition = dict(definition)
    stamp = system_clock().strftime("%Y%m%d%H%M%S%f")
    definition["name"] = f"{definition['name']}-demo-{stamp}"
    definition["virtual_seats"] = 0  # bot agents take the calls
    definition |= sim.definition
    campaign, _, _ = await campaigns.apply(
        conn, definition, actor="demo", source="demo", scripts_dir=settings.scripts_dir
    )
    rows = sample_rows(options.targets, provinces=sim.provinces, tiers=sim.tiers)
    await import_sample(conn, campaign, workdir / f"demo-{stamp}.csv", options.targets, rows)
    campaign = await campaigns.transition(conn, campaign.id, "start", actor="demo")
    return campaign, start, shifted, customer_zones(rows)


# Called on every turn of the demo's loop with the pool, the campaign and the virtual
# clock's now (the forecast's benchmark takes its snapshots so).
Observer = Callable[[Pool, Campaign, datetime], Awaitable[None]]


async def run_demo(
    settings: Settings, url: str, options: DemoOptions, *, observe: Observer | None = None
) -> dict[str, Any]:
    """Run the demo to the end (or ``max_seconds``); return its JSON summary."""
    workdir = settings.home / "demo"
    workdir.mkdir(parents=True, exist_ok=True)
    pool = await create_pool(url, min_size=2, max_size=10)
    try:
        async with pool.acquire() as conn:
            campaign, start, shifted, homes = await _setup(conn, settings, options, workdir)
        return await _run(settings, pool, campaign, start, shifted, options, homes, observe=observe)
    finally:
        await pool.close()


async def _run(
    settings: Settings,
    pool: Pool,
    campaign: Campaign,
    start: datetime,
    shifted: dict[str, Any] | None,
    options: DemoOptions,
    homes: Mapping[str, str] | None = None,
    *,
    observe: Observer | None = None,
) -> dict[str, Any]:
    """Run the service on the virtual clock until the demo ends. ``homes``: each
    customer's number → their zone, for the simulated carrier."""
    sim = options.simulation
    clock = ScaledClock(start, options.speed)
    port = unused_port()
    public_url = f"http://127.0.0.1:{port}"
    tick = 0.25 if sim.tick_seconds is None else sim.tick_seconds / options.speed
    settings = settings.amend(
        server={"host": "127.0.0.1", "port": port, "public_url": public_url},
        simulator={"speed": options.speed, "calls_per_second": 1000.0, "partner_odds": 0.6},
        pacing={"tick_seconds": tick, "reconcile_seconds": 5.0},
        bots={"agents": 0},  # the demo's own, below
    )
    token = settings.simulator.auth_token
    assert token is not None  # the demo's secrets (seed.with_demo_secrets)
    carrier = SimulatedCarrier(
        auth_token=token.get_secret_value(),
        clock=clock,
        calls_per_second=settings.simulator.calls_per_second,
        caller_id=settings.simulator.caller_id,
        profile=sim.profile or simulated_customers(settings.simulator),
        speed=options.speed,
        seed=sim.seed,
        call_seed=sim.seed,
        zone_of=(homes or {}).get,
    )
    plan = sim.bots or BotPlan(
        campaign.name, options.seats, parse_odds(settings.bots.outcomes), settings.bots.talk_seconds
    )
    plan = replace(
        plan,
        campaign=campaign.name,
        count=options.seats,
        seed=sim.seed,
        poll_seconds=plan.poll_seconds if sim.tick_seconds is None else tick,
    )
    app = create_app(settings, pool=pool, clock=clock, carrier=carrier, scheduler=True)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    bots = Bots(pool, clock, carrier, plan, settings.scripts_dir, app[NODE], public_url)
    began = monotonic_time.monotonic()
    calendar = calendar_of(campaign.spec())
    finished_because = "time limit"
    try:
        await bots.start()
        while monotonic_time.monotonic() - began < options.max_seconds:
            await asyncio.sleep(0.2)
            async with pool.acquire() as conn:
                zones = await campaigns.zones_now(conn, campaign.id)
            now = clock()
            if observe is not None:
                await observe(pool, campaign, now)
            live = sum(z["live"] for z in zones)
            if options.until_done and sum(z["open"] for z in zones) == 0 and not live:
                finished_because = "every target finished"
                break
            if not options.until_done and now - start >= timedelta(hours=options.hours):
                finished_because = f"{options.hours:g} virtual hours passed"
                break
            if live:
                continue
            following = next_event(calendar, now, zones)
            if following is None:
                finished_because = "nothing left to dial inside the campaign period"
                break
            clock.skip_to(following)
        await _let_messages_land(pool, campaign.id)
    finally:
        await bots.stop()
        carrier.caller.stopping = True  # its calls end with the demo: not retried
        await runner.cleanup()
        await carrier.close()
    async with pool.acquire() as conn:
        progress = await campaign_progress(
            conn,
            await campaigns.get(conn, campaign.id),
            now=clock(),
            abandon_window=timedelta(minutes=settings.pacing.abandon_window_minutes),
        )
    return {
        "demo": {
            "campaign": campaign.name,
            "targets": options.targets,
            "seats": options.seats,
            "speed": options.speed,
            "started_at": start,
            "ended_at": clock(),
            "virtual_hours": round((clock() - start).total_seconds() / 3600, 2),
            "real_seconds": round(monotonic_time.monotonic() - began, 1),
            "finished_because": finished_because,
            "shifted": shifted,
            "failed_calls": carrier.failed,
        },
        "summary": progress,
        "outcomes": await _outcomes(pool, campaign.id),
        "vouchers": await _funnel(pool, campaign.id),
    }


async def _funnel(pool: Pool, campaign_id: int) -> dict[str, int]:
    async with pool.acquire() as conn:
        return await voucher_funnel(conn, campaign_id)


async def _outcomes(pool: Pool, campaign_id: int) -> dict[str, int]:
    """The outcomes the (bot) agents recorded, by code."""
    async with pool.acquire() as conn:
        return await outcome_counts(conn, campaign_id)


async def _let_messages_land(pool: Pool, campaign_id: int, *, within: float = 20.0) -> None:
    """The last vouchers' WhatsApp statuses and the partner's redemptions arrive after
    the last call: wait for them (a little while at most)."""
    began = monotonic_time.monotonic()
    while monotonic_time.monotonic() - began < within:
        async with pool.acquire() as conn:
            moving = await messages_moving(conn, campaign_id)
        if not moving:
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.5)  # the partner looks every half second


def next_event(calendar: Calendar, now: datetime, zones: list[Record]) -> datetime | None:
    """When the next dial can happen: a zone with ready targets opens, or a retry falls
    due inside its zone's window. ``now`` itself when something is due already."""
    candidates = []
    for z in zones:
        if z["ready"]:
            candidates.append(next_opening(calendar, z["zone"], now))
        if z["next_due"] is not None:
            candidates.append(next_opening(calendar, z["zone"], max(now, z["next_due"])))
    found = [c for c in candidates if c is not None]
    return min(found) if found else None
