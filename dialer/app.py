"""The application: its middlewares, every room's routes, and the node behind them.

Route modules only declare routes; what the handlers use (the pool, the carrier, the
hub …) the node builds (``runtime.py``) and puts under the keys the rooms declare.
"""

from __future__ import annotations

from aiohttp import web

from dialer import health, monitoring, openapi, pages, runtime
from dialer.agents import assignment_routes, transfer_guide_routes
from dialer.agents import records as agent_records
from dialer.agents import routes as agent_routes
from dialer.auth import routes as auth_routes
from dialer.auth.http import auth_middleware
from dialer.billing import routes as billing_routes
from dialer.calls import api as call_api
from dialer.calls import routes as call_routes
from dialer.campaigns import routes as campaign_routes
from dialer.clock import Clock, system_clock
from dialer.db import Pool
from dialer.dnc import routes as dnc_routes
from dialer.forecast import routes as forecast_routes
from dialer.providers.carrier import Carrier
from dialer.reports import routes as report_routes
from dialer.settings import Settings
from dialer.targets import routes as target_routes
from dialer.vouchers import routes as voucher_routes
from dialer.web import error_middleware

ROOMS = (
    health,
    monitoring,
    auth_routes,
    campaign_routes,
    target_routes,
    dnc_routes,
    call_routes,
    call_api,
    billing_routes,
    agent_routes,
    assignment_routes,
    transfer_guide_routes,
    agent_records,
    voucher_routes,
    report_routes,
    forecast_routes,
    openapi,
    pages,
)


def create_app(
    settings: Settings,
    *,
    pool: Pool | None = None,
    clock: Clock = system_clock,
    carrier: Carrier | None = None,
    scheduler: bool = False,
) -> web.Application:
    """Build the service. With ``pool`` or ``carrier`` given (tests), the caller owns
    it; ``scheduler`` starts the node's jobs (``dialer serve``)."""
    # Callbacks are timed only for a scraper (a token set): off, they cost nothing.
    timed = [monitoring.time_callbacks] if settings.metrics.token is not None else []
    app = web.Application(
        middlewares=[*timed, error_middleware, auth_middleware],
        client_max_size=1024**2,  # JSON bodies; uploads are streamed, not read whole
    )
    runtime.setup(app, settings, pool=pool, clock=clock, carrier=carrier, scheduler=scheduler)
    for room in ROOMS:
        app.router.add_routes(room.routes)
    pages.add_static(app)
    return app
