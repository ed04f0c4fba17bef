"""Benchmark: the bridge, from the human-answered AMD callback to the customer in the
agent's conference.

The issue's target: p99 at most 150 ms (``bridge_ms_p99``) at 50 answers a second with
1,000 agents connected, each with a softphone leg in their own conference.

One process (uvloop) runs the node — ``create_app`` on a real loopback port, its
default pool of 10 connections, no access log, what start-up made frozen out of the
collector's sight as ``dialer serve`` does — and the simulated carrier that executes
its TwiML and posts its signed callbacks there, as in production. The database is its
own: the seed campaign (``virtual_seats = 0``: the agents take the calls), its list
loaded by the importer (one in-tier target a call), started. The agents are users with
API tokens made by ``dialer.auth.service``; through the API, each connects the
simulated softphone (``POST /api/agent/phone``: it registers, dials in to the
service's agent URL and joins its conference ``agent-<id>``) and joins the campaign,
available (``POST /api/agent/state``). Once every leg is ``connected`` (``agent_legs``)
and the tables analyzed, the node's own pacer places the calls: ``Dialer.tick()`` once
a second, as the scheduler fires it, on a clock that stands inside the campaign's
calling window (Monday 10:00 WIB) and moves with real time from the first tick, so
the account's token bucket (50 calls a second, the simulator's) grants 50 calls a
tick (50 and 49 by turns: the bucket holds one second's worth, so a tick that comes a
little early gets 49). Every call is answered by a person (``choose``), rings 1 to 2 s
(uniformly: the answers of a tick's calls spread over a second, so they come at about
50 a second, open loop, the pacer waiting on none of them), has its AMD result 1 s
after the answer, and stays on the line for hours. The simulator runs at speed 1: nothing
it does on the measured path waits (a REST update wakes the call at once, the
``<Dial><Conference>`` joins at once), and the hold loop keeps its real rhythm (the
message, the pause, then ``/carrier/voice/hold`` 13 s later); at a speed of 1,000 the
customer would re-ask ``/carrier/voice/hold`` every 13 ms and often reach the agent
through it rather than through the REST update.

A bridge's latency runs from the moment the simulator posts a call's AMD result
(``/carrier/voice/amd``, ``AnsweredBy=human``) to the moment it posts the
``participant-join`` of that call's SID in a conference (``perf_counter()`` in a
subclass of ``SimulatedCarrier``, one clock, one process): the service applies the
result, reserves the longest-waiting free agent and answers; then REST-updates the
customer's call with the TwiML of the agent's conference, and the simulated call
joins it. The first tick's 50 calls are the warm-up (the pool's connections get their
statements prepared; 50 other agents take them) and are not counted; the next 1,000
calls go to the 1,000 agents still free, one each. A call that never joins counts as
infinitely late.

Checked along the way, and printed (never asserted; so are timings): each counted
customer joined once, into the conference of the agent the database reserved for it
(``attempts.agent_id``), with that agent's leg in it, and the service saw the join
(``attempts.joined_at``); calls put on hold, abandoned, or whose bridge failed are
counted; so are the log records of WARNING and above the node and the simulator wrote
during the run.

The reference, measured in the same run on the same calls: the round trip of the AMD
callback itself (``amd_callback_ms_p99``: from the simulator's post to the service's
answer, which comes once the hand-over transaction committed). The bridge adds to it
the REST update (made after that commit, beside the answer) and the join's own post;
``bridge_vs_amd_callback_ratio`` is bridge p99 over that p99.

Memory: the resident set of this process — the node, the simulator holding the 1,050
legs and conferences, and the benchmark's client — once the agents are connected,
joined, available and idle (``agents_1000_legs_rss_mb``), and before they connected.
The node shares this process, and the machine's cores with PostgreSQL: how late the
loop woke up during the run and the CPU used are printed beside the figures.
"""

from __future__ import annotations

import asyncio
import csv
import gc
import logging
import math
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

import aiohttp
import asyncpg
import psutil
import uvloop
from aiohttp import web
from pydantic import SecretStr

from dialer.agents import assignments
from dialer.app import create_app
from dialer.auth import service as auth
from dialer.calls.applier import APPLIER
from dialer.calls.pacer import DIALER
from dialer.db import Pool, connect, create_pool
from dialer.providers import twiml
from dialer.providers.carrier import OutboundCall
from dialer.providers.simulated_carrier import (
    SimProfile,
    SimulatedCarrier,
    _Call,
    _Conference,
    _Member,
)
from dialer.settings import (
    DatabaseSettings,
    PacingSettings,
    ServerSettings,
    Settings,
    SimulatorSettings,
)
from tests.bench.callbacks import busy_seconds, cpu_seconds, free_port
from tests.bench.claim import NOW, fresh_database, load_campaign
from tests.bench.gen import HEADER, rows
from tests.bench.pop import LoopWatch, percentile

ROOT = Path(__file__).resolve().parents[2]
BENCH_DB = "dialer_bench_bridge"
WORK = ROOT / ".dialer" / "bench" / "bridge"
TOKEN = "bench-simulator-token"
CAMPAIGN = "bench-bridge"
TIERS = ("Platinum", "Gold")  # the seed campaign's
AGENTS = 1_000  # free when the counted calls start, one counted call each
WARMUP = 50  # the first tick's calls, to 50 other agents; not counted
RATE = 50  # calls a second: the simulated account's limit, the pacer's token bucket
TICK_SECONDS = 1.0  # the pacer's rhythm (DIALER_PACING__TICK_SECONDS)
SPEED = 1.0  # the simulator's
PROFILE = SimProfile(
    odds={"human": 1.0},
    ring_seconds=(1.0, 2.0),
    amd_seconds=(1.0, 1.0),
    talk_seconds=(36_000.0, 36_000.0),  # they stay
)
CONNECTING = 50  # agents connecting at once
SETTLE_SECONDS = 3.0  # idle before the memory is read
JOIN_TIMEOUT = 20.0  # seconds after the last call was placed a join may still come
MAX_TICKS = 60
TARGET_P99_MS = 150.0
WARMUP_COHORT, COUNTED = "warm-up", "counted"


# ------------------------------------------------------------------ the simulator


@dataclass(frozen=True)
class Join:
    at: float  # perf_counter() when the simulator posted the participant-join
    conference: str  # its friendly name (agent-<id>)
    members: int  # participants in it then, the customer included


class TimedCarrier(SimulatedCarrier):
    """The simulator, noting when it posts each call's AMD result (and when that post
    was answered) and each customer's ``participant-join``; and which tick's cohort
    each call was placed in."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.cohort = WARMUP_COHORT
        self.cohorts: dict[str, str] = {}  # call SID → cohort
        self.amd_sent: dict[str, float] = {}
        self.amd_answered: dict[str, float] = {}
        self.amd_unanswered: set[str] = set()  # refused (4xx) or failed after retries
        self.joins: dict[str, list[Join]] = {}

    async def place_call(self, call: OutboundCall) -> str:
        sid = await super().place_call(call)
        self.cohorts[sid] = self.cohort
        return sid

    async def _post(self, state: _Call, url: str, params: dict[str, str]) -> None:
        if url != state.amd_url:
            await super()._post(state, url, params)
            return
        self.amd_sent[state.sid] = perf_counter()
        body = await self.caller.post(url, params, call_sid=state.sid)
        self.amd_answered[state.sid] = perf_counter()
        if body is None:
            self.amd_unanswered.add(state.sid)

    async def _event(
        self,
        conference: _Conference,
        event: str,
        name: str,
        member: _Member | None = None,
        *,
        reason: str | None = None,
        ending: str | None = None,
    ) -> None:
        posted = conference.callback is not None and event in conference.events
        customer = member is not None and member.call.fate != "agent"
        if posted and name == "participant-join" and member is not None and customer:
            join = Join(perf_counter(), conference.name, len(conference.members))
            self.joins.setdefault(member.call.sid, []).append(join)
        await super()._event(conference, event, name, member, reason=reason, ending=ending)


class BenchClock:
    """Inside the calling window: standing still until :meth:`run`, then moving with
    real time."""

    def __init__(self, at: datetime) -> None:
        self.at = at
        self.since: float | None = None

    def __call__(self) -> datetime:
        if self.since is None:
            return self.at
        return self.at + timedelta(seconds=perf_counter() - self.since)

    def run(self) -> None:
        self.since = perf_counter()


class Problems(logging.Handler):
    """Log records of WARNING and above, counted by logger and message."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: Counter[str] = Counter()
        self.first_error: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.seen[f"{record.levelname} {record.name}: {record.getMessage()}"] += 1
        if self.first_error is None and record.exc_info:
            self.first_error = self.format(record)

    def describe(self) -> str:
        if not self.seen:
            return "0 (no record of WARNING or above during the run)"
        parts = [f"{n} × {what}" for what, n in self.seen.most_common(8)]
        return f"{sum(self.seen.values())} ({'; '.join(parts)})"


# ------------------------------------------------------------------- the database


@dataclass(frozen=True)
class Agent:
    user_id: int
    headers: dict[str, str]


def target_file(n: int) -> Path:
    """A list of exactly ``n`` rows in the campaign's tiers (one call each)."""
    path = WORK / f"targets-{n}.csv"
    if not path.exists():
        picked = [r for r in rows(n * 3, seed=3) if r[5] in TIERS][:n]
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(HEADER)
            writer.writerows(picked)
        tmp.rename(path)
    return path


async def prepare(admin_url: str, url: str) -> tuple[int, list[Agent]]:
    """A fresh database: the running campaign, its list, the agents with their tokens."""
    await fresh_database(admin_url, BENCH_DB, url)
    conn = await connect(url)
    try:
        total = WARMUP + AGENTS
        campaign_id, accepted = await load_campaign(conn, CAMPAIGN, target_file(total))
        if accepted != total:
            raise RuntimeError(f"{accepted} targets accepted, not {total}")
        agents = []
        for i in range(total):
            user = await auth.create_user(
                conn, username=f"bridge-{i:04d}", role="agent", password=None
            )
            await assignments.assign_ids(conn, campaign_id, [user.id], actor="bench")
            token, _ = await auth.issue_token(conn, user.id, kind="api", label="bench")
            agents.append(Agent(user.id, {"Authorization": f"Bearer {token}"}))
    finally:
        await conn.close()
    return campaign_id, agents


async def drop_database(admin_url: str) -> None:
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    finally:
        await admin.close()


# --------------------------------------------------------------------- the agents


async def connect_agents(
    session: aiohttp.ClientSession, base: str, pool: Pool, agents: Sequence[Agent]
) -> float:
    """Each agent's softphone connected (its leg in their conference), then joined to
    the campaign, available; the seconds it took."""
    began = perf_counter()
    limit = asyncio.Semaphore(CONNECTING)

    async def post(agent: Agent, path: str, body: dict[str, Any], status: int) -> None:
        async with (
            limit,
            session.post(base + path, json=body, headers=agent.headers) as response,
        ):
            if response.status != status:
                raise RuntimeError(f"{path} answered {response.status}: {await response.text()}")

    await asyncio.gather(*(post(a, "/api/agent/phone", {}, 202) for a in agents))
    for _ in range(3000):
        connected = await pool.fetchval("SELECT count(*) FROM agent_legs WHERE state = 'connected'")
        if connected == len(agents):
            break
        await asyncio.sleep(0.02)
    else:
        raise RuntimeError(f"only {connected} of {len(agents)} legs connected")
    body = {"campaign": CAMPAIGN, "state": "available"}
    await asyncio.gather(*(post(a, "/api/agent/state", body, 200) for a in agents))
    free = await pool.fetchval(
        "SELECT count(*) FROM agent_states s JOIN agent_legs l ON l.user_id = s.user_id"
        " AND l.state = 'connected' WHERE s.state = 'available'"
    )
    if free != len(agents):
        raise RuntimeError(f"only {free} of {len(agents)} agents available")
    return perf_counter() - began


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


# ------------------------------------------------------------------------ the run


@dataclass
class Ran:
    placed: list[int] = field(default_factory=list)  # calls placed by each tick
    seconds: float = 0.0  # from the first tick to the last join (or the timeout)
    cpu: float = 0.0  # this process's CPU seconds meanwhile
    machine: float = 0.0  # the machine's busy seconds meanwhile
    watch: LoopWatch = field(default_factory=LoopWatch)


def counted_done(carrier: TimedCarrier) -> bool:
    return all(
        sid in carrier.joins and sid in carrier.amd_answered
        for sid, cohort in carrier.cohorts.items()
        if cohort == COUNTED
    )


async def dial(app: web.Application, carrier: TimedCarrier, clock: BenchClock) -> Ran:
    """The pacer's ticks, once a second, until every call is placed; then until every
    counted call joined its conference (or the timeout)."""
    ran = Ran()
    dialer, total = app[DIALER], WARMUP + AGENTS
    gc.collect()
    gc.freeze()  # as `dialer serve` does once started
    cpu, machine = cpu_seconds(os.getpid()), busy_seconds()
    clock.run()
    start = perf_counter()
    ticks = 0

    async def tick() -> int:
        nonlocal ticks
        if (wait := start + ticks * TICK_SECONDS - perf_counter()) > 0:
            await asyncio.sleep(wait)
        carrier.cohort = WARMUP_COHORT if ticks == 0 else COUNTED
        ticks += 1
        return (await dialer.tick()).get(CAMPAIGN, 0)

    async with ran.watch:
        while sum(ran.placed) < total and ticks < MAX_TICKS:
            ran.placed.append(await tick())
        deadline = perf_counter() + JOIN_TIMEOUT
        while not counted_done(carrier) and perf_counter() < deadline:
            if perf_counter() >= start + ticks * TICK_SECONDS:
                await tick()  # the scheduler keeps ticking
            await asyncio.sleep(0.02)
    ran.seconds = perf_counter() - start
    ran.cpu = cpu_seconds(os.getpid()) - cpu
    ran.machine = busy_seconds() - machine
    return ran


# --------------------------------------------------------------------- the checks


@dataclass
class Check:
    """What became of the counted calls, by the simulator's joins and the database."""

    calls: int = 0
    no_amd: list[str] = field(default_factory=list)  # never got their AMD result
    amd_unanswered: list[str] = field(default_factory=list)
    never_joined: list[str] = field(default_factory=list)
    joined_twice: list[str] = field(default_factory=list)
    wrong_conference: list[str] = field(default_factory=list)  # not the reserved agent's
    without_leg: list[str] = field(default_factory=list)  # alone in the conference
    unreserved: list[str] = field(default_factory=list)  # no agent in the database
    unseen: list[str] = field(default_factory=list)  # joined_at empty in the database
    bridge_failed: list[str] = field(default_factory=list)
    waited: list[str] = field(default_factory=list)
    abandoned: list[str] = field(default_factory=list)
    agents_twice: list[int] = field(default_factory=list)
    effects: Counter[str] = field(default_factory=Counter)  # conference callbacks' effects

    @property
    def bridged(self) -> int:
        bad = set(self.no_amd) | set(self.never_joined) | set(self.wrong_conference)
        return self.calls - len(bad | set(self.without_leg))

    def describe(self) -> str:
        problems: dict[str, Sequence[object]] = {
            "never got an AMD result": self.no_amd,
            "AMD callback not answered 2xx": self.amd_unanswered,
            "never joined a conference": self.never_joined,
            "joined twice or more": self.joined_twice,
            "joined another conference than their agent's": self.wrong_conference,
            "found no agent's leg in the conference": self.without_leg,
            "given no agent in the database": self.unreserved,
            "joined, but joined_at empty in the database": self.unseen,
            "with a failed bridge": self.bridge_failed,
            "put on hold": self.waited,
            "abandoned": self.abandoned,
            "agents given two counted calls or more": self.agents_twice,
        }
        effects = ", ".join(f"{k} {v}" for k, v in sorted(self.effects.items()))
        found = [f"{len(v)} {k} (e.g. {v[:3]})" for k, v in problems.items() if v]
        if not found:
            return (
                f"ok: {self.calls} counted calls, each joined once into the conference of"
                f" the agent the database reserved for it, with that agent's leg, the join"
                f" seen by the service; no agent got two (voice callbacks: {effects})"
            )
        return f"PROBLEM: {self.calls} counted calls; " + "; ".join(found) + f" ({effects})"


async def check(pool: Pool, campaign_id: int, carrier: TimedCarrier) -> Check:
    counted = [sid for sid, cohort in carrier.cohorts.items() if cohort == COUNTED]
    records = await pool.fetch(
        "SELECT call_sid, agent_id, joined_at, bridge_failures, waiting_since, abandoned"
        " FROM attempts WHERE campaign_id = $1",
        campaign_id,
    )
    db = {r["call_sid"]: r for r in records}
    found = Check(calls=len(counted))
    agents: Counter[int] = Counter()
    for sid in counted:
        row, joins = db.get(sid), carrier.joins.get(sid, [])
        if sid not in carrier.amd_sent:
            found.no_amd.append(sid)
        if sid in carrier.amd_unanswered:
            found.amd_unanswered.append(sid)
        if not joins:
            found.never_joined.append(sid)
        elif len(joins) > 1:
            found.joined_twice.append(sid)
        if row is None or row["agent_id"] is None:
            found.unreserved.append(sid)
        else:
            agents[row["agent_id"]] += 1
            if joins and joins[0].conference != twiml.room(row["agent_id"]):
                found.wrong_conference.append(sid)
            if joins and row["joined_at"] is None:
                found.unseen.append(sid)
        if joins and joins[0].members < 2:
            found.without_leg.append(sid)
        if row is not None:
            if row["bridge_failures"]:
                found.bridge_failed.append(sid)
            if row["waiting_since"] is not None:
                found.waited.append(sid)
            if row["abandoned"]:
                found.abandoned.append(sid)
    found.agents_twice = sorted(a for a, n in agents.items() if n > 1)
    effects = await pool.fetch(
        "SELECT kind, effect, count(*) AS n FROM carrier_events"
        " WHERE kind IN ('conference', 'hold', 'bridged') GROUP BY kind, effect"
    )
    found.effects = Counter({f"{r['kind']} {r['effect'] or 'unapplied'}": r["n"] for r in effects})
    return found


# -------------------------------------------------------------------- the benchmark


@dataclass
class Measured:
    bridge: list[float]  # seconds; inf: never joined
    amd: list[float]  # the AMD callbacks' round trips, seconds
    amd_at: list[float]  # when each was posted (perf_counter)
    check: Check
    ran: Ran
    rss_before: float
    rss_idle: float
    connect_seconds: float
    problems: Problems
    warmup_joined: int


async def run(admin_url: str, url: str) -> Measured:
    WORK.mkdir(parents=True, exist_ok=True)
    campaign_id, agents = await prepare(admin_url, url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        database=DatabaseSettings(url=url),
        home=WORK / "home",
        campaigns_dir=ROOT / "campaigns",
        scripts_dir=ROOT / "scripts",
        server=ServerSettings(public_url=base, node_name="bench-bridge", log_level="WARNING"),
        simulator=SimulatorSettings(
            auth_token=SecretStr(TOKEN), calls_per_second=RATE, speed=SPEED
        ),
        pacing=PacingSettings(tick_seconds=TICK_SECONDS),
    )
    clock = BenchClock(NOW)
    carrier = TimedCarrier(
        auth_token=TOKEN,
        clock=clock,
        calls_per_second=RATE,
        profile=PROFILE,
        speed=SPEED,
        seed=7,
        choose=lambda call: "human",
    )
    pool = await create_pool(url)
    app = create_app(settings, pool=pool, clock=clock, carrier=carrier)
    runner = web.AppRunner(app, access_log=None)
    problems = Problems()
    root = logging.getLogger()
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONNECTING))
    try:
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        gc.collect()
        rss_before = rss_mb()
        root.addHandler(problems)
        connect_seconds = await connect_agents(session, base, pool, agents)
        await pool.execute("ANALYZE")
        gc.collect()
        await asyncio.sleep(SETTLE_SECONDS)
        rss_idle = rss_mb()
        ran = await dial(app, carrier, clock)
        await app[APPLIER].drain()
        root.removeHandler(problems)
        found = await check(pool, campaign_id, carrier)
    finally:
        root.removeHandler(problems)
        await session.close()
        await carrier.close()
        await runner.cleanup()
        await pool.close()
        await drop_database(admin_url)
    bridge, amd, amd_at, warmup_joined = [], [], [], 0
    for sid, cohort in carrier.cohorts.items():
        joins, sent = carrier.joins.get(sid), carrier.amd_sent.get(sid)
        if cohort != COUNTED:
            warmup_joined += bool(joins)
            continue
        bridge.append(joins[0].at - sent if joins and sent is not None else math.inf)
        if sent is not None:
            amd_at.append(sent)
        if sent is not None and sid in carrier.amd_answered:
            amd.append(carrier.amd_answered[sid] - sent)
    return Measured(
        bridge,
        amd,
        amd_at,
        found,
        ran,
        rss_before,
        rss_idle,
        connect_seconds,
        problems,
        warmup_joined,
    )


def bench(admin_url: str, url: str) -> list[str]:
    return report(uvloop.run(run(admin_url, url)))


def ms(values: Sequence[float], percent: float) -> float:
    return percentile(values, percent) * 1000 if values else math.inf


def shown(value: float) -> str:
    return f"{value:.1f}" if math.isfinite(value) else "inf"


def report(m: Measured) -> list[str]:
    """The figures, one a line."""
    ran, n = m.ran, len(m.bridge)
    p50, p99, top = ms(m.bridge, 50), ms(m.bridge, 99), ms(m.bridge, 100)
    amd50, amd99 = ms(m.amd, 50), ms(m.amd, 99)
    ratio = f"{p99 / amd99:.2f}" if math.isfinite(p99) and math.isfinite(amd99) else "inf"
    span = max(m.amd_at) - min(m.amd_at) if len(m.amd_at) > 1 else 0.0
    rate = f"{(len(m.amd_at) - 1) / span:.1f}" if span else "?"
    context = (
        f"AMD AnsweredBy=human posted → participant-join of that call posted; {n} calls"
        f" answered at {rate}/s (the pacer at {RATE}/s), open loop; {AGENTS:,} agents"
        f" free, their legs in their conferences, at the start"
    )
    placed = ", ".join(str(p) for p in ran.placed)
    seconds = ran.seconds or 1.0
    return [
        f"bridge_ms_p50: {shown(p50)} ms ({context})",
        f"bridge_ms_p99: {shown(p99)} ms (p90 {shown(ms(m.bridge, 90))} ms;"
        f" target <= {TARGET_P99_MS:.0f} ms)",
        f"bridge_ms_max: {shown(top)} ms",
        f"bridges: {m.check.bridged} of {n} (counted calls that reached their agent's"
        f" conference; warm-up: {m.warmup_joined} of {WARMUP} joined)",
        f"amd_callback_ms_p99: {shown(amd99)} ms (reference: the AMD callback's own round"
        f" trip, posted → answered; p50 {shown(amd50)} ms, max {shown(ms(m.amd, 100))} ms)",
        f"bridge_vs_amd_callback_ratio: {ratio} (bridge p99 / AMD callback p99; medians"
        f" {shown(p50)} / {shown(amd50)} ms)",
        f"agents_1000_legs_rss_mb: {m.rss_idle:.1f} MB (this process: the node, the"
        f" simulator and the client; {WARMUP + AGENTS:,} agents connected, joined,"
        f" available, idle {SETTLE_SECONDS:.0f} s; {m.rss_before:.1f} MB before they"
        f" connected)",
        f"bridge_check: {m.check.describe()}",
        f"bridge_log_problems: {m.problems.describe()}",
        f"bridge_agents_connect_s: {m.connect_seconds:.2f} s ({WARMUP + AGENTS:,} softphones"
        f" connected and agents made available through the API, {CONNECTING} at once)",
        f"bridge_run: {ran.seconds:.1f} s (calls placed a tick: {placed};"
        f" {ran.watch.describe()}; this process {100 * ran.cpu / seconds:.0f}% of a core,"
        f" whole machine {100 * ran.machine / seconds:.0f}% of"
        f" {100 * (psutil.cpu_count() or 1)}%)",
        *([f"# first error logged: {m.problems.first_error}"] if m.problems.first_error else []),
    ]
