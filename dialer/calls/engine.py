"""Wiring the dialer into the service: its carrier, its engine and its scheduler.

The carrier is Twilio when its credentials are set, the simulator otherwise. With the
scheduler on (``dialer serve``), APScheduler 3 fires the pacer's tick about once a
second and the reconciler every ``reconcile_seconds`` on every node; each job re-reads
its work from PostgreSQL, so running on N nodes at once is safe (see pacer and
recovery). Tests leave the scheduler off and call the jobs themselves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from dialer.calls import progress, recovery
from dialer.calls.applier import Applier
from dialer.calls.carrier import Carrier
from dialer.calls.inbox import Inbox
from dialer.calls.pacer import Dialer
from dialer.calls.simulated import SimProfile, SimulatedCarrier
from dialer.keys import APPLIER, BACKGROUND, CARRIER, CLOCK, DIALER, INBOX, POOL, SETTINGS
from dialer.settings import Settings
from dialer.vouchers import expiry

log = logging.getLogger(__name__)


def make_carrier(settings: Settings, app: web.Application) -> Carrier:
    if settings.twilio_account_sid and settings.twilio_auth_token:
        from dialer.calls.twilio_carrier import TwilioCarrier

        twilio: Carrier = TwilioCarrier(settings, request_timeout=settings.twilio_timeout_seconds)
        return twilio
    profile = SimProfile()
    if settings.simulator_odds:
        profile = SimProfile(odds=SimProfile.parse_odds(settings.simulator_odds))
    return SimulatedCarrier(
        auth_token=settings.simulator_auth_token.get_secret_value(),
        clock=app[CLOCK],
        profile=profile,
        speed=settings.simulator_speed,
    )


def setup(app: web.Application, *, carrier: Carrier | None = None, scheduler: bool = False) -> None:
    """Add the dialer to ``app`` (after the database's cleanup context)."""
    app[BACKGROUND] = set[asyncio.Task[None]]()

    async def dialer(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        own = carrier is None
        app[CARRIER] = make_carrier(settings, app) if carrier is None else carrier
        app[DIALER] = Dialer(app[POOL], settings, app[CLOCK], app[CARRIER])
        app[APPLIER] = Applier(app[POOL], app[CLOCK])
        app[APPLIER].start()
        app[INBOX] = Inbox(app[POOL], app[APPLIER].wake)
        app[INBOX].start()
        log.info(
            "dialer ready",
            extra={"carrier": app[CARRIER].name, "node": app[DIALER].node, "scheduler": scheduler},
        )
        jobs = _start_scheduler(app) if scheduler else None
        yield
        if jobs is not None:
            jobs.shutdown(wait=False)
        await app[INBOX].stop()  # what is queued is stored, then applied
        await app[APPLIER].stop()
        pending: set[asyncio.Task[None]] = app[BACKGROUND]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if own:
            await app[CARRIER].close()

    app.cleanup_ctx.append(dialer)


async def reconcile(app: web.Application) -> recovery.Reconciled:
    return await recovery.reconcile(
        app[POOL], app[CARRIER], app[CLOCK], app[SETTINGS], node=app[DIALER].node
    )


def _start_scheduler(app: web.Application) -> AsyncIOScheduler:
    settings = app[SETTINGS]
    jobs = AsyncIOScheduler(event_loop=asyncio.get_running_loop())

    async def tick() -> None:
        try:
            await app[DIALER].tick()
        except Exception:
            log.exception("tick failed")

    async def reconcile_job() -> None:
        try:
            await reconcile(app)
        except Exception:
            log.exception("reconcile failed")

    async def vouchers_job() -> None:
        try:
            await expiry.sweep(app[POOL], app[CLOCK]())
        except Exception:
            log.exception("voucher expiry failed")

    async def compact_job() -> None:
        try:
            await progress.compact(app[POOL])
        except Exception:
            log.exception("folding the running counts failed")

    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    jobs.add_job(
        vouchers_job, "interval", seconds=settings.voucher_sweep_seconds, id="vouchers", **common
    )
    jobs.add_job(compact_job, "interval", seconds=progress.COMPACT_SECONDS, id="compact", **common)
    jobs.add_job(tick, "interval", seconds=settings.tick_seconds, id="tick", **common)
    jobs.add_job(
        reconcile_job, "interval", seconds=settings.reconcile_seconds, id="reconcile", **common
    )
    jobs.start()
    # Reconcile once at start too: a crash may have left attempts behind.
    task = asyncio.create_task(reconcile_job())
    app[BACKGROUND].add(task)
    task.add_done_callback(app[BACKGROUND].discard)
    return jobs
