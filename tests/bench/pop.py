"""Benchmark: the screen-pop, from the human-answered callback to the agent's socket.

The issue's targets: p99 at most 20 ms with 1,000 agents connected to one node
(``pop_p99_ms_1node``), at most 50 ms across two nodes (``pop_p99_ms_2nodes``), and the
service's memory with 1,000 connected agents at most 300 MB (``agents_1000_rss_mb``).

The service runs as ``python -m dialer serve`` (one process a node, ``--workers 1``;
its default pool of 10 connections; the scheduler's jobs an hour apart, so the pacer,
the agents' sweep and the reconciler stay idle), on a database of its own: the seed
campaign (``virtual_seats = 0``: the agents take the calls), running, its list loaded
by the importer, and one attempt a target as the dialler leaves a call that was placed
and answered (``in-progress``, call SID, answered, carrier ``bench`` so the reconciler
leaves it alone). The agents are users with API tokens made by ``dialer.auth.service``.

This process (on uvloop, aiohttp clients) opens the agents' consoles as the browser
does — ``GET /api/agent/ws`` with a bearer token, ``hello`` and ``state`` received,
``{"type": "join"}`` and ``{"type": "state", "state": "available"}`` sent, each
answered by its ``state`` message — and then posts, open loop at ``RATE`` a second,
one human-answered AMD callback a call (``/carrier/voice/amd?attempt=ID``, the
simulator's fields with ``AnsweredBy=human``, signed with ``X-Twilio-Signature`` over
the node's public URL before the clock starts). A pop's latency runs from the moment
its callback is sent to the moment its ``pop`` frame is read from whichever agent's
socket it reaches (one clock, one process). Each agent takes one call, so 1,000 agents
give 1,000 samples a case:

- one node: the callbacks go to node A, which holds the 1,000 sockets;
- two nodes: a second ``dialer serve`` (node B) on the same database takes the
  callbacks; 1,000 other agents' sockets are on node A (the first 1,000 disconnected),
  so every pop crosses nodes through PostgreSQL's LISTEN/NOTIFY.

50 a second is ten times what 1,000 agents take on average (a call of about three
minutes each): the burst of a campaign's start, when every agent is free at once.

Before each case, ``WARMUP`` calls go to ``WARMUP`` other agents (connected, then
disconnected), so the nodes' pooled connections have their statements prepared;
they are not counted. An agent left without a call says ``offline`` before its socket
closes (a closed console otherwise stays available, and takes calls, until the agents'
sweep notices its silence 45 s later). Once a cohort has joined, ``agent_states`` is
analyzed, as autovacuum would soon do, so its statements are planned as on a running
service, not on the statistics of an empty table. A call whose pop never comes counts
as infinitely late. This process collects no garbage while a case runs (a collection
over its 1,000 consoles stalls its loop for 100 ms or more, and each pop read
meanwhile would count late); how late its loop woke up is printed beside each case,
as is how far the sender fell behind its schedule.

Memory: the resident set of node A (and its children, if any) after the warm-up and
before the 1,000 connect, with the 1,000 connected, joined, available and idle
(``agents_1000_rss_mb``), and after their 1,000 pops.

Checked along the way, and printed (never asserted; so are timings): every callback
answered 200, every call popped exactly once, on the agent the database gave it (its
``attempts.agent_id``, holding it in ``agent_states``), with the customer of the call,
and no agent got two pops. Calls put on hold or abandoned instead are counted.

The reference (``pop_vs_reference_ratio``), measured in the same run with the same
callbacks at the same rate to 1,000 sockets of the same process layout, is the bare
path a pop cannot do without (``tests/bench/pop_bare.py``): an aiohttp app on uvloop
that reads the form and, in one statement, stores it and ``pg_notify``-s the agent,
and whose listener sends the agent the same two frames the service sent for a pop
(state and pop, serialized with ``json.dumps``) — on one process, then with the
callbacks taken by a second one. What the service adds on top is the signature, the
hand-over transaction (the attempt locked, an agent reserved, the call bridged) and
building the pop from the database. The ratio is of the medians, one node (the others
are printed beside it): on a machine whose two cores PostgreSQL, the nodes and this
process share, p99s move more from run to run than medians do.

Beside the figures: the CPU the nodes used per pop, and the machine's (PostgreSQL, the
nodes and this process share its cores). ``BENCH_PROFILE=path`` runs node A
under cProfile and writes its stats there (the figures are then slower).
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from time import perf_counter
from typing import Any
from urllib.parse import urlencode

import aiohttp
import psutil
import uvloop
from twilio.request_validator import RequestValidator

from dialer.agents import assignments, legs
from dialer.auth import service as auth
from dialer.db import connect
from tests.bench import pop_bare
from tests.bench.callbacks import (
    Server,
    busy_seconds,
    child_env,
    cpu_seconds,
    free_port,
    profile_lines,
    wait_ready,
)
from tests.bench.claim import fresh_database, load_campaign, small_file

ROOT = Path(__file__).resolve().parents[2]
BENCH_DB = "dialer_bench_pop"
WORK = ROOT / ".dialer" / "bench" / "pop"
TOKEN = "bench-simulator-token"
CAMPAIGN = "bench-pop"
AGENTS = 1_000  # connected to node A in each case
WARMUP = 50  # calls (and agents) before each case, not counted
COHORTS = {"warm-1": WARMUP, "one": AGENTS, "warm-2": WARMUP, "two": AGENTS}
TARGETS = 2_500  # in the list; one attempt each for the cohorts' calls
RATE = 50.0  # human-answered callbacks a second, open loop
CONNECTING = 50  # consoles opening at once
HTTP_CONNECTIONS = 64  # keep-alive connections for the callbacks
SETTLE_SECONDS = 3.0  # idle before the memory is read
POP_TIMEOUT = 10.0  # seconds after the last callback's answer a pop may still come
TARGET_1NODE_MS, TARGET_2NODES_MS, TARGET_RSS_MB = 20.0, 50.0, 300.0
ACCOUNT_SID = "AC" + "51" * 16  # the simulator's
CALLER = "+622150000000"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Agent:
    user_id: int
    token: str


@dataclass(frozen=True)
class Call:
    attempt_id: int
    sid: str
    number: str


@dataclass(frozen=True)
class Prepared:
    agents: dict[str, list[Agent]]
    calls: dict[str, list[Call]]


# ----------------------------------------------------------------- the database


async def prepare(admin_url: str, url: str) -> Prepared:
    """A fresh database: the running campaign, its list, the agents with their tokens,
    and an answered call (attempt) for each agent of each cohort."""
    await fresh_database(admin_url, BENCH_DB, url)
    conn = await connect(url)
    try:
        await conn.execute(pop_bare.TABLE)
        campaign_id, _ = await load_campaign(conn, CAMPAIGN, small_file(TARGETS, start=0))
        agents: dict[str, list[Agent]] = {}
        for cohort, size in COHORTS.items():
            agents[cohort] = []
            for i in range(size):
                user = await auth.create_user(
                    conn,
                    username=f"pop-{cohort}-{i:04d}",
                    role="agent",
                    password=None,
                    display_name=f"Agen {cohort} {i}",
                )
                await assignments.assign_ids(conn, campaign_id, [user.id], actor="bench")
                token, _ = await auth.issue_token(conn, user.id, kind="api", label="bench")
                agents[cohort].append(Agent(user.id, token))
                # Each agent's phone in their conference, as its callbacks would leave
                # it: only an agent whose leg is connected is handed a call.
                sid = f"CA{user.id:032x}"
                await legs.dialled_in(conn, user.id, sid, datetime.now(UTC))
                await legs.joined(
                    conn, sid, f"CF{user.id:032x}", f"agent-{user.id}", datetime.now(UTC)
                )
        # The attempts a claim writes, placed, rung and answered (the answer callback
        # and the in-progress status applied): what the AMD result finds.
        now = datetime.now(UTC)
        total = sum(COHORTS.values())
        rows = await conn.fetch(
            "INSERT INTO attempts (campaign_id, target_id, number, carrier, node, state,"
            " call_sid, place_tries, created_at, placed_at, ringing_at, answered_at,"
            " updated_at)"
            " SELECT $1, id, msisdn, 'bench', 'bench-node', 'in-progress',"
            " 'CA' || md5(id::text), 1, $2, $2, $2, $2, $2"
            " FROM targets WHERE campaign_id = $1 ORDER BY id LIMIT $3"
            " RETURNING id, call_sid, number",
            campaign_id,
            now,
            total,
        )
        if len(rows) < total:
            raise RuntimeError(f"only {len(rows)} targets to call, not {total}")
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    ordered = sorted((Call(r["id"], r["call_sid"], r["number"]) for r in rows), key=_id)
    calls, start = {}, 0
    for cohort, size in COHORTS.items():
        calls[cohort] = ordered[start : start + size]
        start += size
    return Prepared(agents, calls)


def _id(call: Call) -> int:
    return call.attempt_id


@dataclass
class Check:
    """What became of one case's calls, by the pops received and the database."""

    calls: int = 0
    pops: int = 0
    missing: list[int] = field(default_factory=list)  # calls that never popped
    twice: list[int] = field(default_factory=list)  # calls that popped more than once
    agents_twice: list[int] = field(default_factory=list)  # agents with two pops or more
    wrong_agent: list[int] = field(default_factory=list)  # popped on another agent
    wrong_customer: list[int] = field(default_factory=list)
    strangers: int = 0  # pops of calls not of this case
    unreserved: list[int] = field(default_factory=list)  # no agent in the database
    waiting: list[int] = field(default_factory=list)  # put on hold
    abandoned: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.missing
            or self.twice
            or self.agents_twice
            or self.wrong_agent
            or self.wrong_customer
            or self.strangers
            or self.unreserved
            or self.waiting
            or self.abandoned
        )

    def describe(self) -> str:
        head = f"{self.calls} callbacks, {self.pops} pops"
        if self.ok:
            return (
                f"ok: {head}; each call popped once, on the agent the database gave it,"
                " with its customer; no agent got two"
            )
        problems = {
            "never popped": self.missing,
            "popped twice or more": self.twice,
            "agents with two pops or more": self.agents_twice,
            "popped on another agent than the database's": self.wrong_agent,
            "with another customer": self.wrong_customer,
            "given no agent in the database": self.unreserved,
            "put on hold": self.waiting,
            "abandoned": self.abandoned,
        }
        parts = [f"{len(v)} {k} (e.g. {v[:5]})" for k, v in problems.items() if v]
        if self.strangers:
            parts.append(f"{self.strangers} pops of other calls")
        return f"PROBLEM: {head}; " + "; ".join(parts)


async def check(url: str, calls: Sequence[Call], pops: dict[int, list[Pop]]) -> Check:
    """Each call popped once on the agent the database reserved for it, none twice."""
    ids = [c.attempt_id for c in calls]
    conn = await connect(url)
    try:
        rows = await conn.fetch(
            "SELECT a.id, a.agent_id, a.waiting_since, a.abandoned, s.attempt_id AS held"
            " FROM attempts a LEFT JOIN agent_states s ON s.user_id = a.agent_id"
            " WHERE a.id = ANY($1)",
            ids,
        )
    finally:
        await conn.close()
    db = {r["id"]: r for r in rows}
    found = Check(calls=len(calls))
    found.strangers = sum(len(v) for k, v in pops.items() if k not in db)
    per_agent: Counter[int] = Counter()
    for call in calls:
        row, got = db[call.attempt_id], pops.get(call.attempt_id, [])
        found.pops += len(got)
        per_agent.update(p.user_id for p in got)
        if row["agent_id"] is None:
            found.unreserved.append(call.attempt_id)
            if row["waiting_since"] is not None:
                found.waiting.append(call.attempt_id)
        if row["abandoned"]:
            found.abandoned.append(call.attempt_id)
        if not got:
            found.missing.append(call.attempt_id)
            continue
        if len(got) > 1:
            found.twice.append(call.attempt_id)
        if any(p.user_id != row["agent_id"] or row["held"] != call.attempt_id for p in got):
            found.wrong_agent.append(call.attempt_id)
        if any(p.msisdn != call.number for p in got):
            found.wrong_customer.append(call.attempt_id)
    found.agents_twice = sorted(user for user, n in per_agent.items() if n > 1)
    return found


# ------------------------------------------------------------------ the consoles


@dataclass(frozen=True)
class Pop:
    at: float  # perf_counter() when its frame was read
    user_id: int  # whose socket it came on
    msisdn: str | None
    size: int  # characters of the frame


class Arrivals:
    """The pops the consoles receive, by call; ``wait`` until the expected ones came."""

    def __init__(self) -> None:
        self.got: dict[int, list[Pop]] = {}
        self.sample: list[dict[str, Any]] | None = None  # a pop's frames: state, pop
        self._want: set[int] = set()
        self._all = asyncio.Event()

    def reset(self, expected: Sequence[int]) -> None:
        self.got = {}
        self._want = set(expected)
        self._all.clear()

    def record(self, attempt_id: int, pop: Pop) -> None:
        self.got.setdefault(attempt_id, []).append(pop)
        self._want.discard(attempt_id)
        if not self._want:
            self._all.set()

    async def wait(self, seconds: float) -> None:
        try:
            async with asyncio.timeout(seconds):
                await self._all.wait()
        except TimeoutError:
            pass


class Console:
    """An agent's WebSocket: pops go to ``arrivals``, other messages to a queue."""

    def __init__(
        self, user_id: int, ws: aiohttp.ClientWebSocketResponse, arrivals: Arrivals
    ) -> None:
        self.user_id = user_id
        self.ws = ws
        self.arrivals = arrivals
        self.messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.last_state: dict[str, Any] | None = None
        self.popped = False
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            at = perf_counter()  # before parsing: the frame is here
            message: dict[str, Any] = json.loads(msg.data)
            if message.get("type") != "pop":
                if message.get("type") == "state":
                    self.last_state = message
                self.messages.put_nowait(message)
                continue
            customer = message.get("customer") or {}
            pop = Pop(at, self.user_id, customer.get("msisdn"), len(msg.data))
            self.popped = True
            self.arrivals.record(int(message["attempt_id"]), pop)
            if self.arrivals.sample is None and self.last_state is not None:
                self.arrivals.sample = [self.last_state, message]

    async def next(self, kind: str, **want: Any) -> dict[str, Any]:
        """The next message of ``kind`` with the ``want`` fields (others dropped)."""
        async with asyncio.timeout(30):
            while True:
                message = await self.messages.get()
                if message.get("type") == "error":
                    raise RuntimeError(f"agent {self.user_id}: {message}")
                if message.get("type") == kind and all(
                    message.get(k) == v for k, v in want.items()
                ):
                    return message

    async def close(self, *, leave: bool) -> None:
        """Close the socket; with ``leave``, an agent without a call says offline
        first (a closed console stays available until the agents' sweep notices)."""
        if leave and not self.popped and not self.ws.closed:
            await self.ws.send_json({"type": "state", "state": "offline"})
            await self.next("state", state="offline")
        await self.ws.close()
        await self.task


Opener = Callable[[aiohttp.ClientSession, int], Awaitable[Console]]
OPEN: list[Console] = []  # the consoles open now


async def open_all(session: aiohttp.ClientSession, ids: Sequence[int], opener: Opener) -> float:
    """Open consoles, ``CONNECTING`` at once; returns the seconds it took."""
    began = perf_counter()
    gate = asyncio.Semaphore(CONNECTING)

    async def one(key: int) -> Console:
        async with gate:
            return await opener(session, key)

    consoles = await asyncio.gather(*(one(k) for k in ids))
    OPEN.extend(consoles)
    return perf_counter() - began


async def close_all(*, leave: bool = True) -> None:
    """Close the open consoles (see ``Console.close``)."""
    await asyncio.gather(*(c.close(leave=leave) for c in OPEN))
    OPEN.clear()


async def analyze(url: str) -> None:
    """Fresh planner statistics of the agents' presence, as autovacuum keeps them once
    agents have joined (the table was empty when the database was prepared)."""
    conn = await connect(url)
    try:
        await conn.execute("ANALYZE agent_states")
    finally:
        await conn.close()


def service_opener(base: str, agents: Sequence[Agent], arrivals: Arrivals) -> Opener:
    """An agent's console on the service: connect, join the campaign, go available."""
    tokens = {a.user_id: a.token for a in agents}

    async def opener(session: aiohttp.ClientSession, user_id: int) -> Console:
        headers = {"Authorization": f"Bearer {tokens[user_id]}"}
        ws = await session.ws_connect(f"{base}/api/agent/ws", headers=headers)
        console = Console(user_id, ws, arrivals)
        await console.next("hello")
        await console.next("state")
        await ws.send_json({"type": "join", "campaign": CAMPAIGN})
        await console.next("state", state="paused", campaign=CAMPAIGN)
        await ws.send_json({"type": "state", "state": "available"})
        await console.next("state", state="available")
        return console

    return opener


def bare_opener(base: str, arrivals: Arrivals) -> Opener:
    async def opener(session: aiohttp.ClientSession, user_id: int) -> Console:
        ws = await session.ws_connect(f"{base}/ws?agent={user_id}")
        console = Console(user_id, ws, arrivals)
        await console.next("hello")
        return console

    return opener


# ---------------------------------------------------------------- the callbacks


@dataclass(frozen=True)
class Callback:
    attempt_id: int
    url: str
    body: bytes
    headers: dict[str, str]


def amd_callbacks(base: str, calls: Sequence[Call], agents: Sequence[int] = ()) -> list[Callback]:
    """The simulator's human-answered AMD callback for each call, signed for ``base``
    (with ``agents``, each names the agent, for the bare reference)."""
    validator = RequestValidator(TOKEN)
    stamp = format_datetime(datetime.now(UTC), usegmt=True)
    out = []
    for n, call in enumerate(calls):
        params = {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "CallSid": call.sid,
            "CallStatus": "in-progress",
            "Direction": "outbound-api",
            "From": CALLER,
            "To": call.number,
            "Called": call.number,
            "Caller": CALLER,
            "Timestamp": stamp,
            "SequenceNumber": "5",  # initiated, ringing, answer, in-progress, AMD
            "CallbackSource": "call-progress-events",
            "AnsweredBy": "human",
        }
        path = f"/carrier/voice/amd?attempt={call.attempt_id}"
        if agents:
            path += f"&agent={agents[n % len(agents)]}"
        signature = validator.compute_signature(base + path, params)
        headers = {"Content-Type": FORM, "X-Twilio-Signature": signature}
        out.append(Callback(call.attempt_id, base + path, urlencode(params).encode(), headers))
    return out


@dataclass
class Sent:
    """One case's callbacks as sent: when each went, how each was answered."""

    at: dict[int, float] = field(default_factory=dict)
    http: list[float] = field(default_factory=list)  # seconds to the answer
    statuses: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    lag: float = 0.0  # most a callback went out after its due time


async def send_all(session: aiohttp.ClientSession, callbacks: Sequence[Callback]) -> Sent:
    """Open loop: callback *i* goes out at start + *i* / RATE, whatever the answers."""
    sent = Sent()

    async def one(callback: Callback) -> None:
        began = sent.at[callback.attempt_id] = perf_counter()
        try:
            async with session.post(
                callback.url, data=callback.body, headers=callback.headers
            ) as response:
                await response.read()
                sent.statuses[str(response.status)] += 1
        except (aiohttp.ClientError, TimeoutError) as exc:
            sent.statuses[type(exc).__name__] += 1
        sent.http.append(perf_counter() - began)

    tasks = []
    start = perf_counter() + 0.01
    for i, callback in enumerate(callbacks):
        due = start + i / RATE
        if (wait := due - perf_counter()) > 0:
            await asyncio.sleep(wait)
        sent.lag = max(sent.lag, perf_counter() - due)
        tasks.append(asyncio.create_task(one(callback)))
    await asyncio.gather(*tasks)
    sent.seconds = perf_counter() - start
    return sent


class LoopWatch:
    """How late this process's event loop woke up while a case ran: a timestamp taken
    late is a latency counted too long, so a stall here is the client's, not the
    server's."""

    TICK = 0.005
    STALL = 0.010

    def __init__(self) -> None:
        self.worst = 0.0
        self.stalls = 0
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        while True:
            before = perf_counter()
            await asyncio.sleep(self.TICK)
            late = perf_counter() - before - self.TICK
            self.worst = max(self.worst, late)
            self.stalls += late > self.STALL

    async def __aenter__(self) -> LoopWatch:
        self._task = asyncio.create_task(self._watch())
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    def describe(self) -> str:
        return (
            f"this process's loop woke up at most {self.worst * 1000:.0f} ms late,"
            f" {self.stalls} times over {self.STALL * 1000:.0f} ms"
        )


@dataclass
class Case:
    """One case measured: latencies (inf: never popped), the answers, the CPU."""

    latencies: list[float]
    sent: Sent
    cpu: float  # seconds of the servers' processes
    machine: float  # busy seconds of the whole machine
    watch: LoopWatch

    def p(self, percent: float) -> float:
        return percentile(self.latencies, percent) * 1000

    def http_ms(self, percent: float) -> float:
        return percentile(self.sent.http, percent) * 1000

    @property
    def delivered(self) -> int:
        return sum(1 for v in self.latencies if math.isfinite(v))


def percentile(values: Sequence[float], percent: float) -> float:
    """Nearest rank, as the callbacks benchmark's load generator."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(percent / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


async def run_case(
    session: aiohttp.ClientSession,
    callbacks: Sequence[Callback],
    arrivals: Arrivals,
    servers: Sequence[Server],
) -> Case:
    """Send the callbacks, wait for their pops; latency of each from its sending."""
    arrivals.reset([c.attempt_id for c in callbacks])
    cpu = sum(cpu_seconds(s.process.pid) for s in servers)
    machine = busy_seconds()
    watch = LoopWatch()
    # No collection here while a case runs: one of the consoles' objects stalls the
    # loop for 100 ms or more, and every pop read meanwhile would count that late.
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        async with watch:
            sent = await send_all(session, callbacks)
            await arrivals.wait(POP_TIMEOUT)
    finally:
        gc.enable()
    cpu = sum(cpu_seconds(s.process.pid) for s in servers) - cpu
    machine = busy_seconds() - machine
    latencies = []
    for callback in callbacks:
        got = arrivals.got.get(callback.attempt_id)
        first = min(p.at for p in got) if got else math.inf
        latencies.append(first - sent.at[callback.attempt_id])
    return Case(latencies, sent, cpu, machine, watch)


# ------------------------------------------------------------------ the processes


def rss_mb(server: Server) -> float:
    """Resident memory of the server's process and its children, in MB."""
    root = psutil.Process(server.process.pid)
    total = 0
    for process in (root, *root.children(recursive=True)):
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 2**20


def launch(name: str, command: list[str], env: dict[str, str], port: int) -> Server:
    """Start a server process and wait until it answers ``/readyz``."""
    log = WORK / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=out)
    server = Server(name, process, f"http://127.0.0.1:{port}", log)
    try:
        wait_ready(server)
    except BaseException:
        server.stop()
        raise
    return server


async def start(name: str, command: list[str], env: dict[str, str], port: int) -> Server:
    return await asyncio.to_thread(launch, name, command, env, port)


async def start_node(name: str, url: str, profile: Path | None = None) -> Server:
    """``dialer serve``: one process, one node, the pacer and reconciler idle; under
    cProfile, its stats written to ``profile`` when it stops, if given."""
    port = free_port()
    env = child_env(
        DATABASE_URL=url,
        DIALER_SERVER__PUBLIC_URL=f"http://127.0.0.1:{port}",
        DIALER_SIMULATOR__AUTH_TOKEN=TOKEN,
        DIALER_PACING__TICK_SECONDS="3600",
        DIALER_PACING__RECONCILE_SECONDS="3600",
        DIALER_SERVER__LOG_LEVEL="WARNING",
        DIALER_SERVER__WORKERS="1",
        DIALER_SERVER__NODE_NAME=f"bench-pop-{name}",
    )
    command = [sys.executable]
    if profile is not None:
        command += ["-m", "cProfile", "-o", str(profile)]
    command += ["-m", "dialer", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", "1"]
    return await start(f"node-{name}", command, env, port)


async def start_bare(name: str, url: str, frames: Path) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "tests.bench.pop_bare", "--port", str(port)]
    command += ["--frames", str(frames), url]
    return await start(f"bare-{name}", command, child_env(), port)


# -------------------------------------------------------------------- the benchmark


@dataclass
class Measured:
    one: Case
    two: Case
    checks: dict[str, Check]
    warm: dict[str, Check]
    rss: dict[str, float]
    connect_seconds: float
    frame_bytes: int
    ref_one: Case | None = None
    ref_two: Case | None = None
    ref_rss: float = 0.0


async def warm_up(
    session: aiohttp.ClientSession,
    http: aiohttp.ClientSession,
    url: str,
    sockets: Server,
    callbacks_to: Server,
    agents: Sequence[Agent],
    calls: Sequence[Call],
    arrivals: Arrivals,
) -> Check:
    """Calls to other agents, uncounted: the nodes' statements get prepared."""
    await open_all(
        session, [a.user_id for a in agents], service_opener(sockets.base, agents, arrivals)
    )
    await analyze(url)
    await run_case(http, amd_callbacks(callbacks_to.base, calls), arrivals, [])
    found = await check(url, calls, arrivals.got)
    await close_all()
    return found


async def service_cases(url: str, prepared: Prepared, arrivals: Arrivals) -> Measured:
    agents, calls = prepared.agents, prepared.calls
    profile = os.environ.get("BENCH_PROFILE")
    a = await start_node("a", url, Path(profile).resolve() if profile else None)
    b: Server | None = None
    sockets = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=HTTP_CONNECTIONS))
    warm, checks, rss = {}, {}, {}
    try:
        # One node: the callbacks and the sockets on node A.
        warm["1node"] = await warm_up(
            sockets, http, url, a, a, agents["warm-1"], calls["warm-1"], arrivals
        )
        gc.collect()
        rss["before"] = rss_mb(a)
        cohort = agents["one"]
        opener = service_opener(a.base, cohort, arrivals)
        connect_seconds = await open_all(sockets, [x.user_id for x in cohort], opener)
        await analyze(url)
        await asyncio.sleep(SETTLE_SECONDS)
        rss["idle"] = rss_mb(a)
        one = await run_case(http, amd_callbacks(a.base, calls["one"]), arrivals, [a])
        checks["1node"] = await check(url, calls["one"], arrivals.got)
        rss["after"] = rss_mb(a)
        await close_all()
        # Two nodes: the callbacks to node B, the sockets on node A.
        b = await start_node("b", url)
        warm["2nodes"] = await warm_up(
            sockets, http, url, a, b, agents["warm-2"], calls["warm-2"], arrivals
        )
        cohort = agents["two"]
        await open_all(
            sockets, [x.user_id for x in cohort], service_opener(a.base, cohort, arrivals)
        )
        await analyze(url)
        await asyncio.sleep(SETTLE_SECONDS)
        two = await run_case(http, amd_callbacks(b.base, calls["two"]), arrivals, [a, b])
        checks["2nodes"] = await check(url, calls["two"], arrivals.got)
        await close_all()
    finally:
        await close_all(leave=False)
        await sockets.close()
        await http.close()
        for server in (b, a):
            if server is not None:
                await asyncio.to_thread(server.stop)
    sample = arrivals.sample or []
    frame_bytes = len(json.dumps(sample[-1], ensure_ascii=False)) if sample else 0
    return Measured(one, two, checks, warm, rss, connect_seconds, frame_bytes)


async def reference_cases(url: str, prepared: Prepared, measured: Measured, frames: Path) -> None:
    """The bare path, same callbacks, same rate, 1,000 sockets on bare process A."""
    arrivals = Arrivals()
    a = await start_bare("a", url, frames)
    b: Server | None = None
    sockets = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=HTTP_CONNECTIONS))
    users = list(range(1, AGENTS + 1))
    try:
        b = await start_bare("b", url, frames)
        await open_all(sockets, users, bare_opener(a.base, arrivals))
        await asyncio.sleep(SETTLE_SECONDS)
        measured.ref_rss = rss_mb(a)
        calls = prepared.calls
        await run_case(http, amd_callbacks(a.base, calls["warm-1"], users), arrivals, [])
        measured.ref_one = await run_case(
            http, amd_callbacks(a.base, calls["one"], users), arrivals, [a]
        )
        await run_case(http, amd_callbacks(b.base, calls["warm-2"], users), arrivals, [])
        measured.ref_two = await run_case(
            http, amd_callbacks(b.base, calls["two"], users), arrivals, [a, b]
        )
    finally:
        await close_all(leave=False)
        await sockets.close()
        await http.close()
        for server in (b, a):
            if server is not None:
                await asyncio.to_thread(server.stop)


async def run(admin_url: str, url: str) -> Measured:
    WORK.mkdir(parents=True, exist_ok=True)
    prepared = await prepare(admin_url, url)
    arrivals = Arrivals()
    measured = await service_cases(url, prepared, arrivals)
    frames = WORK / "frames.json"
    if arrivals.sample is None:
        raise RuntimeError("no pop came: nothing to send in the reference")
    frames.write_text(json.dumps(arrivals.sample, ensure_ascii=False), encoding="utf-8")
    await reference_cases(url, prepared, measured, frames)
    return measured


def case_line(name: str, case: Case, context: str, target: float | None) -> str:
    value = case.p(99)
    shown = f"{value:.1f}" if math.isfinite(value) else "inf"
    aim = f"; target <= {target:.0f} ms" if target is not None else ""
    return (
        f"{name}: {shown} ms ({context}; {case.delivered} pops of {len(case.latencies)}"
        f" callbacks at {RATE:.0f}/s, open loop; p50 {case.p(50):.1f} ms, p90"
        f" {case.p(90):.1f} ms, max {case.p(100):.1f} ms; {case.watch.describe()}{aim})"
    )


def http_line(name: str, case: Case) -> str:
    statuses = json.dumps(dict(case.sent.statuses), sort_keys=True)
    return (
        f"{name}: {case.http_ms(99):.1f} ms (the AMD callback's own answer; p50"
        f" {case.http_ms(50):.1f} ms; statuses {statuses}; sender at most"
        f" {case.sent.lag * 1000:.1f} ms behind its schedule)"
    )


def cpu_line(name: str, case: Case, processes: str) -> str:
    seconds = case.sent.seconds
    return (
        f"{name}: {1e6 * case.cpu / len(case.latencies):.0f} µs a pop ({processes}"
        f" {100 * case.cpu / seconds:.0f}% of a core; whole machine"
        f" {100 * case.machine / seconds:.0f}% of {100 * (psutil.cpu_count() or 1)}%)"
    )


def ratio(service: float, reference: float) -> str:
    if not (math.isfinite(service) and math.isfinite(reference)) or reference <= 0:
        return "inf"
    return f"{service / reference:.2f}"


def bench(admin_url: str, url: str) -> list[str]:
    return report(uvloop.run(run(admin_url, url)))


def report(m: Measured) -> list[str]:
    """The figures, one a line."""
    assert m.ref_one is not None and m.ref_two is not None
    rss = m.rss
    per_agent_kb = (rss["idle"] - rss["before"]) * 1024 / AGENTS
    warm = ", ".join(f"{k} {c.pops} of {c.calls}" for k, c in m.warm.items())
    return [
        case_line(
            "pop_p99_ms_1node",
            m.one,
            f"AMD AnsweredBy=human callback sent to node A → pop frame read on the socket"
            f" of one of the {AGENTS:,} agents connected to node A",
            TARGET_1NODE_MS,
        ),
        case_line(
            "pop_p99_ms_2nodes",
            m.two,
            f"callbacks to node B, the {AGENTS:,} agents' sockets on node A: the pop"
            " crosses nodes through LISTEN/NOTIFY",
            TARGET_2NODES_MS,
        ),
        f"agents_1000_rss_mb: {rss['idle']:.1f} MB (node A, dialer serve --workers 1:"
        f" {AGENTS:,} agents connected, joined, available, idle {SETTLE_SECONDS:.0f} s;"
        f" {rss['before']:.1f} MB before they connected, {per_agent_kb:.0f} KB an agent;"
        f" {rss['after']:.1f} MB after their {AGENTS:,} pops; target <= {TARGET_RSS_MB:.0f} MB)",
        f"pop_check_1node: {m.checks['1node'].describe()}",
        f"pop_check_2nodes: {m.checks['2nodes'].describe()}",
        http_line("pop_callback_http_p99_ms_1node", m.one),
        http_line("pop_callback_http_p99_ms_2nodes", m.two),
        f"pop_agents_connect_s: {m.connect_seconds:.2f} s ({AGENTS:,} consoles opened,"
        f" {CONNECTING} at once: socket, hello, state, join, paused, available;"
        f" {AGENTS / m.connect_seconds:.0f} a second)",
        f"pop_frame_bytes: {m.frame_bytes} characters (the pop message, JSON; a state"
        f" message before it; warm-up pops, uncounted: {warm})",
        cpu_line("pop_cpu_1node", m.one, "node A"),
        cpu_line("pop_cpu_2nodes", m.two, "nodes A and B"),
        case_line(
            "bare_pop_p99_ms_1node",
            m.ref_one,
            "reference: bare aiohttp app, form read, one INSERT + pg_notify, LISTEN,"
            " the same state and pop frames sent; 1,000 sockets on its one process",
            None,
        ),
        case_line(
            "bare_pop_p99_ms_2nodes",
            m.ref_two,
            "reference, callbacks to a second bare process, sockets on the first",
            None,
        ),
        f"bare_agents_1000_rss_mb: {m.ref_rss:.1f} MB (the bare process holding the"
        f" {AGENTS:,} sockets)",
        f"pop_vs_reference_ratio: {ratio(m.one.p(50), m.ref_one.p(50))} x (median pop"
        f" latency over the bare path's, one node; two nodes"
        f" {ratio(m.two.p(50), m.ref_two.p(50))} x; p99 one node"
        f" {ratio(m.one.p(99), m.ref_one.p(99))} x, two nodes"
        f" {ratio(m.two.p(99), m.ref_two.p(99))} x)",
        cpu_line("bare_pop_cpu_1node", m.ref_one, "bare process"),
        *(profile_lines(Path(profile)) if (profile := os.environ.get("BENCH_PROFILE")) else []),
    ]
