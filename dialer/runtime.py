"""The node: everything one ``dialer serve`` process runs beside its routes, built here.

``create_app`` (``app.py``) declares the routes; this module builds what a node runs and
hands each component its dependencies through its constructor — the pool, the clock,
its own section of the settings, the providers — and puts it under its key for the
handlers. In order (aiohttp's cleanup contexts: set up in this order, torn down in
reverse):

1. the database: a pool, the schema migrated (or the pool a test hands in);
2. the providers: Twilio's calls and WhatsApp when ``twilio`` is configured, the
   simulated carrier and WhatsApp otherwise, the check of their signed callbacks, and
   the simulated partner when ``simulator.partner_odds`` is set;
3. the components: the dialer, the callback inbox and applier, the screen-pop builder,
   the agents' hub, the WhatsApp sender, the live numbers, bot agents when ``bots`` asks;
4. with ``scheduler`` (``dialer serve``), APScheduler 3 firing, on every node, the
   pacer's tick, the reconciler, the failover, the voucher expiry and the folding of
   the running counts, beside the node's liveness (its heartbeat and liveness lock,
   ``calls/liveness.py``: the pacer acts only while its lease holds). Each job re-reads its work from PostgreSQL and is safe on N nodes at once
   (claims with SKIP LOCKED, singletons under an advisory lock); tests leave it off and
   call the jobs themselves.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from dialer.agents import console
from dialer.agents.bots import BotPlan, Bots, parse_odds
from dialer.agents.hub import HUB, Hub
from dialer.agents.screen_pop import POPS, Pops
from dialer.background import TASKS, Outage, cancel_all, spawn
from dialer.billing.source import make_source
from dialer.calls import progress, recovery
from dialer.calls.applier import APPLIER, Applier
from dialer.calls.inbox import INBOX, Inbox
from dialer.calls.liveness import Liveness
from dialer.calls.pacer import DIALER, Dialer
from dialer.clock import Clock
from dialer.db import Pool, create_pool, migrate
from dialer.keys import CLOCK, NODE, POOL, SETTINGS
from dialer.providers.callbacks import Caller
from dialer.providers.carrier import CARRIER, Carrier
from dialer.providers.messenger import MESSENGER, Messenger
from dialer.providers.signing import CALLBACK_CHECK, CallbackCheck
from dialer.providers.simulated_carrier import SimProfile, SimulatedCarrier
from dialer.providers.simulated_messenger import SimulatedMessenger
from dialer.providers.simulated_partner import SimulatedPartner
from dialer.providers.twilio import TwilioApi
from dialer.providers.twilio_carrier import TwilioCarrier
from dialer.providers.twilio_messenger import TwilioMessenger
from dialer.reports.live import LIVE, Live
from dialer.rules.bahasa import GreetingHours
from dialer.settings import ServerSettings, Settings, SimulatorSettings
from dialer.vouchers import expiry
from dialer.vouchers.outbox import SENDER, Sender

log = logging.getLogger(__name__)
Context = Callable[[web.Application], AsyncIterator[None]]


def node_name(server: ServerSettings) -> str:
    """This node's name: the configured one, else host and process id."""
    return server.node_name or f"{socket.gethostname()}:{os.getpid()}"


def setup(
    app: web.Application,
    settings: Settings,
    *,
    pool: Pool | None,
    clock: Clock,
    carrier: Carrier | None,
    scheduler: bool,
) -> None:
    """Add the node to ``app``. With ``pool`` or ``carrier`` given (tests, the demo), the
    caller owns it; ``scheduler`` starts the jobs (``dialer serve``)."""
    app[SETTINGS] = settings
    app[CLOCK] = clock
    app[NODE] = node_name(settings.server)
    app[TASKS] = set()
    app.cleanup_ctx.append(_database(settings, pool))
    app.cleanup_ctx.append(_providers(settings, carrier))
    app.cleanup_ctx.append(_components(settings, scheduler))
    app.on_shutdown.append(_simulators_stopping)
    app.on_shutdown.append(_end_streams)


# The simulators this node made (not a carrier given to it, which may serve others).
OWN_CALLERS: web.AppKey[list[Caller]] = web.AppKey("own_callers")


async def _simulators_stopping(app: web.Application) -> None:
    """The port is closed: the callbacks of the simulators this node made are dropped
    from now on (their calls end with the process), not retried and warned of as given
    up."""
    for caller in app.get(OWN_CALLERS, []):
        caller.stopping = True


async def _end_streams(app: web.Application) -> None:
    """The node stops (SIGTERM): end the managers' live streams and the agents'
    sockets now — the server waits for every open request before it stops, and these
    never end by themselves. Their pages reconnect, to another node."""
    if LIVE in app:
        app[LIVE].end()
    if HUB in app:
        await app[HUB].close_sockets()


def _database(settings: Settings, given: Pool | None) -> Context:
    async def database(app: web.Application) -> AsyncIterator[None]:
        if given is not None:
            app[POOL] = given
            yield
            return
        if not settings.database.url:
            raise RuntimeError("no database: set DATABASE_URL or start through `dialer serve`")
        own = await create_pool(
            settings.database.url,
            min_size=settings.database.pool_min_size,
            max_size=settings.database.pool_max_size,
            node=app[NODE],
        )
        async with own.acquire() as conn:
            await migrate(conn)
        app[POOL] = own
        log.info("database ready")
        yield
        await own.close()

    return database


def simulated_customers(sim: SimulatorSettings) -> SimProfile:
    """How the simulated customers behave: the profile file, its odds replaced (at
    every hour) by the odds setting when that is set."""
    profile = SimProfile.load(sim.profile) if sim.profile else SimProfile()
    if sim.odds:
        odds = SimProfile.parse_odds(sim.odds)
        profile = dataclasses.replace(profile, odds=odds, hourly_odds={})
    return profile


def _providers(settings: Settings, given: Carrier | None) -> Context:
    async def providers(app: web.Application) -> AsyncIterator[None]:
        clock, public_url = app[CLOCK], settings.server.public_url
        twilio = TwilioApi(settings.twilio) if settings.twilio.configured else None
        carrier: Carrier
        messenger: Messenger
        if twilio is not None:
            token = settings.twilio.auth_token
            assert token is not None
            secret = token.get_secret_value()
            carrier = given or TwilioCarrier(twilio, settings.twilio)
            messenger = TwilioMessenger(
                twilio,
                public_url=public_url,
                messages_per_second=settings.whatsapp.messages_per_second,
            )
        else:
            sim = settings.simulator
            if not sim.auth_token:
                raise RuntimeError(
                    "no provider: set DIALER_TWILIO__* or DIALER_SIMULATOR__AUTH_TOKEN"
                )
            secret = sim.auth_token.get_secret_value()
            carrier = given or SimulatedCarrier(
                auth_token=secret,
                clock=clock,
                profile=simulated_customers(sim),
                speed=sim.speed,
                calls_per_second=sim.calls_per_second,
                caller_id=sim.caller_id,
                seed=sim.seed,
                call_seed=sim.seed,
            )
            messenger = SimulatedMessenger(
                public_url=public_url,
                auth_token=secret,
                speed=sim.speed,
                messages_per_second=settings.whatsapp.messages_per_second,
            )
        app[CARRIER] = carrier
        app[MESSENGER] = messenger
        app[CALLBACK_CHECK] = CallbackCheck(secret, public_url)
        partner = None
        if settings.simulator.partner_odds > 0 and settings.partner.secret:
            partner = SimulatedPartner(
                app[POOL],
                clock,
                public_url,
                settings.partner.secret.get_secret_value(),
                odds=settings.simulator.partner_odds,
            )
            partner.start()
        made = [messenger] if given is not None else [messenger, carrier]
        app[OWN_CALLERS] = [
            p.caller for p in made if isinstance(p, SimulatedCarrier | SimulatedMessenger)
        ]
        log.info("providers ready", extra={"carrier": carrier.name, "messenger": messenger.name})
        try:
            yield
        finally:
            if partner is not None:
                await partner.stop()
            await messenger.close()
            if given is None:
                await carrier.close()
            if twilio is not None:
                await twilio.close()

    return providers


def _components(settings: Settings, scheduler: bool) -> Context:
    async def components(app: web.Application) -> AsyncIterator[None]:
        pool, clock, node, carrier = app[POOL], app[CLOCK], app[NODE], app[CARRIER]
        billing = make_source(settings.billing.url, settings.billing.timeout_seconds)
        app[DIALER] = Dialer(
            pool,
            settings.pacing,
            clock,
            carrier,
            node=node,
            public_url=settings.server.public_url,
            billing=billing,
        )
        app[APPLIER] = applier = Applier(pool, clock)
        app[INBOX] = inbox = Inbox(pool, applier.wake)
        app[POPS] = pops = Pops(
            billing,
            GreetingHours.parse(
                settings.ui.greeting_siang_from,
                settings.ui.greeting_sore_from,
                settings.ui.greeting_malam_from,
            ),
            clock,
            settings.ui.language,
        )

        async def build(user_id: int, event: dict[str, Any]) -> list[dict[str, Any]]:
            async with pool.acquire() as conn:
                return await console.messages_for(conn, user_id, str(event.get("kind")), pops)

        app[HUB] = hub = Hub(pool, build, clock)
        app[SENDER] = sender = Sender(pool, clock, app[MESSENGER], settings.whatsapp)
        app[LIVE] = live = Live(
            pool, clock, timedelta(minutes=settings.pacing.abandon_window_minutes)
        )
        applier.start()
        inbox.start()
        sender.start()
        bots: Bots | None = None
        jobs: AsyncIOScheduler | None = None
        liveness: Liveness | None = None
        if scheduler:
            liveness = Liveness(
                pool,
                settings.pacing,
                clock,
                node=node,
                carrier=carrier.name,
                dsn=settings.database.url,
                on_fenced=lambda: recovery.hang_up_reclaimed(pool, carrier, node),
            )
            app[DIALER].may_act = liveness.may_act
            liveness.start()
        # What started is stopped again even if the start fails half way (a bot plan
        # naming no campaign, a database that is not the code's): the node then exits
        # with its error instead of hanging on with half its parts running.
        try:
            await hub.start()
            if settings.bots.agents and settings.bots.campaign:
                plan = BotPlan(
                    settings.bots.campaign,
                    settings.bots.agents,
                    parse_odds(settings.bots.outcomes),
                    settings.bots.talk_seconds,
                )
                bots = Bots(
                    pool,
                    clock,
                    carrier,
                    plan,
                    settings.scripts_dir,
                    node,
                    settings.server.public_url,
                )
                await bots.start()
            jobs = _start_scheduler(app, settings) if scheduler else None
            log.info("node ready", extra={"node": node, "scheduler": scheduler})
            yield
        finally:
            if jobs is not None:
                jobs.shutdown(wait=False)
            if liveness is not None:
                await liveness.stop()
            if bots is not None:
                await bots.stop()
            await live.close()
            await inbox.stop()  # what is queued is stored, then applied
            await applier.stop()
            await sender.stop()
            await hub.stop()
            await cancel_all(app[TASKS])
            await pops.billing.close()

    return components


async def reconcile(app: web.Application) -> recovery.Reconciled:
    """One reconciliation pass of this node (the scheduler's job; tests call it)."""
    return await recovery.reconcile(
        app[POOL],
        app[CARRIER],
        app[CLOCK],
        stale_after=timedelta(seconds=app[SETTINGS].pacing.stale_attempt_seconds),
        node=app[NODE],
    )


async def failover(app: web.Application) -> recovery.Reconciled:
    """One failover pass of this node: dead nodes fenced, their calls reclaimed."""
    pacing = app[SETTINGS].pacing
    return await recovery.failover(
        app[POOL],
        app[CARRIER],
        app[CLOCK],
        lock_grace=timedelta(seconds=pacing.node_lock_grace_seconds),
        lease=timedelta(seconds=pacing.node_lease_seconds),
    )


def _start_scheduler(app: web.Application, settings: Settings) -> AsyncIOScheduler:
    jobs = AsyncIOScheduler(event_loop=asyncio.get_running_loop())
    pool, clock = app[POOL], app[CLOCK]

    def job(
        what: str, work: Callable[[], Awaitable[Any]]
    ) -> Callable[[], Coroutine[Any, Any, None]]:
        outage = Outage(what)

        async def run() -> None:
            try:
                await work()
                outage.ok()
            except asyncio.CancelledError:
                # Only the node's stop cancels a job (the scheduler's shutdown): its
                # work is re-read from PostgreSQL by the next run, here or elsewhere.
                log.info(f"{what} cut short by the stop")
            except Exception as exc:
                if not outage.failed(exc):
                    log.exception(f"{what} failed")

        return run

    common: dict[str, Any] = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    for name, seconds, work in (
        ("vouchers", settings.vouchers.sweep_seconds, lambda: expiry.sweep(pool, clock())),
        ("compact", progress.COMPACT_SECONDS, lambda: progress.compact(pool)),
        ("tick", settings.pacing.tick_seconds, app[DIALER].tick),
        ("reconcile", settings.pacing.reconcile_seconds, lambda: reconcile(app)),
        ("failover", settings.pacing.failover_seconds, lambda: failover(app)),
    ):
        jobs.add_job(job(name, work), "interval", seconds=seconds, id=name, **common)
    jobs.start()
    # Reconcile once at start too: a crash may have left attempts behind.
    spawn(app, job("reconcile", lambda: reconcile(app))(), what="reconcile at start")
    return jobs
