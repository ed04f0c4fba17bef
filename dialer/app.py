"""The application factory: settings, pool, middlewares and every feature's routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from dialer import health, openapi, pages
from dialer.agents import records as agent_records
from dialer.agents import routes as agent_routes
from dialer.auth import routes as auth_routes
from dialer.billing import routes as billing_routes
from dialer.calls import api as call_api
from dialer.calls import engine
from dialer.calls import routes as call_routes
from dialer.calls.carrier import Carrier
from dialer.campaigns import routes as campaign_routes
from dialer.clock import Clock, system_clock
from dialer.db import Pool, create_pool, migrate
from dialer.dnc import routes as dnc_routes
from dialer.keys import CLOCK, POOL, SETTINGS
from dialer.reports import routes as report_routes
from dialer.settings import Settings
from dialer.targets import routes as target_routes
from dialer.vouchers import routes as voucher_routes
from dialer.web import auth_middleware, error_middleware

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    *,
    pool: Pool | None = None,
    clock: Clock = system_clock,
    carrier: Carrier | None = None,
    scheduler: bool = False,
) -> web.Application:
    """Build the service. With ``pool`` or ``carrier`` given (tests), the caller owns
    it; ``scheduler`` starts the dialer's ticks (``dialer serve``)."""
    app = web.Application(
        middlewares=[error_middleware, auth_middleware],
        client_max_size=1024**2,  # JSON bodies; uploads are streamed, not read whole
    )
    app[SETTINGS] = settings
    app[CLOCK] = clock

    async def database(app: web.Application) -> AsyncIterator[None]:
        if pool is not None:
            app[POOL] = pool
            yield
            return
        if not settings.database_url:
            raise RuntimeError("no database: set DATABASE_URL or start through `dialer serve`")
        own = await create_pool(
            settings.database_url, min_size=settings.pool_min_size, max_size=settings.pool_max_size
        )
        async with own.acquire() as conn:
            await migrate(conn)
        app[POOL] = own
        log.info("database ready")
        yield
        await own.close()

    app.cleanup_ctx.append(database)
    engine.setup(app, carrier=carrier, scheduler=scheduler)
    for feature in (
        health,
        auth_routes,
        campaign_routes,
        target_routes,
        dnc_routes,
        call_routes,
        call_api,
        billing_routes,
        agent_routes,
        agent_records,
        voucher_routes,
        report_routes,
        openapi,
        pages,
    ):
        feature.setup(app)
    return app
