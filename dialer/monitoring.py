"""``/metrics``: the deployment's figures in Prometheus' text format, for a scraper that
sends ``Authorization: Bearer <DIALER_METRICS__TOKEN>``.

Two kinds of figure (``docs/operations.md`` lists each metric):

* read from PostgreSQL at each scrape — calls in flight, attempts by result, the
  abandon rate, the appliers' backlog, agents by state, voucher quota left, messages by
  state, import rows. They are the deployment's, not the node's: every node answers
  the same, so scrape one address (the load balancer) or all and take ``max``;
* timed in the process — claim, callback and pop latency histograms
  (``dialer/metrics.py``), summed over the worker processes of ``--workers N``; each
  node has its own, so scrape every node and ``sum``.

Without a token set, ``/metrics`` is refused (403) to everyone: its figures say how a
business is doing and must not be public behind the load balancer.
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Iterable, Iterator
from datetime import timedelta

import asyncpg
from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from dialer import metrics
from dialer.auth.http import own_credentials
from dialer.errors import Forbidden
from dialer.keys import CLOCK, POOL, SETTINGS
from dialer.web import Handler

routes = web.RouteTableDef()
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Provider callbacks, timed by the middleware (a route's pattern is the label: a path
# nobody routes is "unmatched", so a stranger cannot grow the series).
CALLBACK_PREFIXES = ("/carrier/", "/messaging/", "/partner/")
DATABASE_SECONDS = 5.0  # a scrape waits this long for PostgreSQL (Prometheus: 10 s)


@routes.get("/metrics")
@own_credentials
async def scrape(request: web.Request) -> web.Response:
    """The figures, to a caller with the metrics token (403 otherwise)."""
    _check_token(request)
    app = request.app
    window = timedelta(minutes=app[SETTINGS].pacing.abandon_window_minutes)
    up = GaugeMetricFamily(
        "dialer_database_up",
        "1 when this scrape read the figures from PostgreSQL, 0 when the database did not"
        f" answer within {DATABASE_SECONDS:g} s (the figures read from it are then absent)",
    )
    families: list[Metric] = []
    try:
        async with asyncio.timeout(DATABASE_SECONDS), app[POOL].acquire() as conn:
            families = await metrics.database_figures(conn, now=app[CLOCK](), window=window)
        up.add_metric([], 1)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
        # An outage is the database_up gauge's to tell, not a 500 for the scraper;
        # the process's own histograms are still worth having.
        up.add_metric([], 0)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Fixed([up, *families]))
    body = generate_latest(registry) + metrics.exposition()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


def _check_token(request: web.Request) -> None:
    token = request.app[SETTINGS].metrics.token
    if token is None or not token.get_secret_value():
        raise Forbidden("metrics are off: set DIALER_METRICS__TOKEN and scrape with it")
    header = request.headers.get("Authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
        raise Forbidden("metrics need the metrics token: Authorization: Bearer <token>")


@web.middleware
async def time_callbacks(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Time each provider callback, whatever it answers."""
    if not request.path.startswith(CALLBACK_PREFIXES):
        return await handler(request)
    started = time.perf_counter()
    try:
        return await handler(request)
    finally:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        metrics.observe_callback(route, time.perf_counter() - started)


class _Fixed(Collector):
    """Families read before the exposition is written (the registry's collect is not
    async)."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterator[Metric]:
        yield from self.families
