"""The figures ``/metrics`` shows (``dialer/monitoring.py`` serves them): those PostgreSQL
holds, read at each scrape (:func:`database_figures`), and this process's latency
histograms, shared by the worker processes of ``dialer serve --workers N``.

Most figures ``/metrics`` shows are read from PostgreSQL when it is scraped (calls in
flight, attempts by result, backlog …: ``dialer/monitoring.py``), the same whichever
node answers. Three are timings only a process sees — how long a claim, a provider's
callback and a screen-pop took — kept here in prometheus-client histograms.

Under ``--workers N`` the scrape reaches one worker of the N sharing the port, so each
process writes its histograms to files in one directory (prometheus-client's
multiprocess mode) and a scrape sums them all. :func:`share` switches this process to
that mode; it must run before the first observation (the instruments are made on first
use, never at import), which ``dialer serve`` does before it builds the application.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from prometheus_client import CollectorRegistry, Histogram, generate_latest, values
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from dialer.db import Connection, q

# Seconds: a claim or a callback is a few milliseconds, a pop tens of them.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_shared: dict[str, Path] = {}
IMPORT_KINDS = ("total", "accepted", "duplicates", "dnc", "out_of_tier", "rejected")
# prometheus-client's own variable: its multiprocess values find their files by it.
MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


@dataclass(frozen=True)
class Instruments:
    registry: CollectorRegistry
    claim_seconds: Histogram
    callback_seconds: Histogram
    pop_seconds: Histogram


def share(directory: Path) -> None:
    """Write this process's histograms to files in ``directory``, summed with the other
    processes' there at each scrape. Call before the first observation."""
    if instruments.cache_info().currsize:
        raise RuntimeError("metrics: share() must come before the first observation")
    directory.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_VARIABLE] = str(directory)
    values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]
    _shared["directory"] = directory


def clear(directory: Path) -> None:
    """Empty ``directory`` of the files of an earlier run (their counts would be added)."""
    for path in directory.glob("*.db"):
        path.unlink()


@functools.cache
def instruments() -> Instruments:
    """The histograms, made on first use (after :func:`share`, when it is called)."""
    registry = CollectorRegistry(auto_describe=True)
    return Instruments(
        registry=registry,
        claim_seconds=Histogram(
            "dialer_claim_seconds",
            "How long one campaign's claim took (its transaction: promote, guard, rate"
            " bucket, claim of due targets)",
            buckets=BUCKETS,
            registry=registry,
        ),
        callback_seconds=Histogram(
            "dialer_callback_seconds",
            "How long a provider's callback took to answer (stored or applied), by route",
            ["route"],
            buckets=BUCKETS,
            registry=registry,
        ),
        pop_seconds=Histogram(
            "dialer_pop_seconds",
            "From the notice that an agent has a call to its screen-pop sent on the"
            " agent's socket, on the node holding the socket",
            buckets=BUCKETS,
            registry=registry,
        ),
    )


def observe_claim(seconds: float) -> None:
    instruments().claim_seconds.observe(seconds)


def observe_callback(route: str, seconds: float) -> None:
    instruments().callback_seconds.labels(route).observe(seconds)


def observe_pop(seconds: float) -> None:
    instruments().pop_seconds.observe(seconds)


def exposition() -> bytes:
    """The histograms in Prometheus' text format: this process's, or with :func:`share`
    every process's that wrote to the directory."""
    directory = _shared.get("directory")
    if directory is None:
        return generate_latest(instruments().registry)
    instruments()  # this process's series exist even before its first observation
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    return generate_latest(registry)


async def database_figures(conn: Connection, *, now: datetime, window: timedelta) -> list[Metric]:
    """The figures PostgreSQL holds, as metric families."""
    in_flight = GaugeMetricFamily(
        "dialer_calls_in_flight", "Calls placed or being placed, not ended", labels=["campaign"]
    )
    for row in await conn.fetch(q("metrics_calls_in_flight")):
        in_flight.add_metric([row["campaign"]], row["n"])
    attempts = CounterMetricFamily(
        "dialer_attempts",
        "Ended calls by the dialer's result (contacted, busy_line, no_answer, failed,"
        " machine, abandoned, canceled)",
        labels=["campaign", "result"],
    )
    for row in await conn.fetch(q("metrics_attempts_by_result")):
        attempts.add_metric([row["campaign"], row["result"]], row["n"])
    answered = GaugeMetricFamily(
        "dialer_answered_calls_window",
        "Human-answered calls in the abandon guard's window (DIALER_PACING__ABANDON_WINDOW_MINUTES)",
        labels=["campaign"],
    )
    rate = GaugeMetricFamily(
        "dialer_abandon_rate",
        "Abandoned over human-answered calls in the abandon guard's window (0 to 1)",
        labels=["campaign"],
    )
    for row in await conn.fetch(q("metrics_abandon"), now - window):
        answered.add_metric([row["campaign"]], row["answered"])
        share = row["abandoned"] / row["answered"] if row["answered"] else 0.0
        rate.add_metric([row["campaign"]], share)
    backlog_row = await conn.fetchrow(q("metrics_backlog"), now)
    assert backlog_row is not None
    backlog = GaugeMetricFamily(
        "dialer_callbacks_unapplied", "Stored status callbacks not applied yet (the backlog)"
    )
    backlog.add_metric([], backlog_row["n"])
    oldest = GaugeMetricFamily(
        "dialer_callbacks_unapplied_oldest_seconds",
        "Age of the oldest stored status callback not applied yet (0 when none)",
    )
    oldest.add_metric([], backlog_row["oldest_seconds"])
    agents = GaugeMetricFamily(
        "dialer_agents",
        "Agents by state (offline, available, paused, on_call, wrap_up)",
        labels=["campaign", "state"],
    )
    for row in await conn.fetch(q("metrics_agents_by_state")):
        agents.add_metric([row["campaign"], row["state"]], row["n"])
    quota = GaugeMetricFamily(
        "dialer_voucher_quota_left", "Vouchers a campaign may still issue", labels=["campaign"]
    )
    for row in await conn.fetch(q("metrics_voucher_quota")):
        quota.add_metric([row["campaign"]], max(0, row["quota"] - row["counted"]))
    messages = GaugeMetricFamily(
        "dialer_messages",
        "WhatsApp messages by state (pending, sending, queued, sent, delivered, read,"
        " failed, undelivered)",
        labels=["campaign", "state"],
    )
    for row in await conn.fetch(q("metrics_messages_by_state")):
        messages.add_metric([row["campaign"], row["state"]], row["n"])
    imports = CounterMetricFamily(
        "dialer_import_rows",
        "Target-list rows imported, by what became of them (total, accepted, duplicates,"
        " dnc, out_of_tier, rejected)",
        labels=["campaign", "kind"],
    )
    for row in await conn.fetch(q("metrics_import_rows")):
        for kind in IMPORT_KINDS:
            imports.add_metric([row["campaign"], kind], row[kind])
    return [in_flight, attempts, answered, rate, backlog, oldest, agents, quota, messages, imports]
