"""PostgreSQL: the pool, named queries from ``db/queries``, forward-only migrations."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

log = logging.getLogger(__name__)

DB_DIR = Path(__file__).resolve().parent.parent / "db"
MIGRATIONS_DIR = DB_DIR / "migrations"
QUERIES_DIR = DB_DIR / "queries"

# Any two nodes starting at once must not both apply a migration.
MIGRATION_LOCK_KEY = 0x6469616C  # "dial"

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)
_MIGRATION = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

# A connection of its own or one lent by the pool: repo functions take either.
Connection: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"
Pool: TypeAlias = "asyncpg.Pool[asyncpg.Record]"


def parse_queries(text: str, source: str = "<text>") -> dict[str, str]:
    """Split a file of ``-- name: x`` blocks into ``{"x": "SELECT ..."}``."""
    parts = _NAME.split(text)
    queries: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in queries:
            raise ValueError(f"{source}: query {name!r} is defined twice")
        queries[name] = body.strip().rstrip(";")
    return queries


@cache
def queries() -> Mapping[str, str]:
    """Every named query of ``db/queries/*.sql``, loaded once."""
    found: dict[str, str] = {}
    for path in sorted(QUERIES_DIR.glob("*.sql")):
        for name, sql in parse_queries(path.read_text(), str(path)).items():
            if name in found:
                raise ValueError(f"{path}: query {name!r} is already defined elsewhere")
            found[name] = sql
    return found


BIGINT_MAX = 2**63 - 1


def as_id(raw: str) -> int | None:
    """``raw`` as a row id (ASCII digits within bigint: ``"²"`` is a digit to Python,
    ``9223372036854775808`` to nobody), or None."""
    if raw.isascii() and raw.isdigit() and len(raw) <= 19 and int(raw) <= BIGINT_MAX:
        return int(raw)
    return None


def q(name: str) -> str:
    """The SQL of one named query."""
    return queries()[name]


def migration_files() -> list[tuple[str, Path]]:
    """``(version, path)`` of every migration, in order; names must be ``NNNN_name.sql``."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = _MIGRATION.match(path.name)
        if not match:
            raise ValueError(f"{path}: a migration is named NNNN_lowercase_name.sql")
        found.append((match.group(1), path))
    return found


async def migrate(conn: Connection) -> list[str]:
    """Apply every migration not applied yet, each in its own transaction.

    Returns the versions applied now. Safe on several nodes at once: they queue on an
    advisory lock and the later ones find nothing left to do.
    """
    applied_now: list[str] = []
    await conn.execute(q("session_lock"), MIGRATION_LOCK_KEY)
    try:
        await conn.execute(q("create_migrations_table"))
        done = {r["version"] for r in await conn.fetch(q("applied_migrations"))}
        for version, path in migration_files():
            if version in done:
                continue
            async with conn.transaction():
                await conn.execute(path.read_text())
                await conn.execute(q("record_migration"), version, path.name)
            log.info("migration applied", extra={"migration": path.name})
            applied_now.append(version)
    finally:
        await conn.execute(q("session_unlock_one"), MIGRATION_LOCK_KEY)
    return applied_now


async def schema_version(conn: Connection) -> str | None:
    """The latest migration applied to the database (None before the first)."""
    found: str | None = await conn.fetchval(q("schema_version"))
    return found


async def init_connection(conn: Connection) -> None:
    """Per-connection setup: JSON codecs, UTC session time zone."""
    # Binary codecs, so COPY (which is binary in asyncpg) can carry JSON too.
    await conn.set_type_codec(
        "jsonb",
        schema="pg_catalog",
        format="binary",
        encoder=lambda v: b"\x01" + json.dumps(v, ensure_ascii=False).encode(),
        decoder=lambda b: json.loads(b[1:]),
    )
    await conn.set_type_codec(
        "json",
        schema="pg_catalog",
        format="binary",
        encoder=lambda v: json.dumps(v, ensure_ascii=False).encode(),
        decoder=json.loads,
    )
    await conn.execute(q("use_utc"))


async def _keep_session(conn: asyncpg.Connection[asyncpg.Record]) -> None:
    """What a released connection needs beyond asyncpg's own (an open transaction rolled
    back, Python listeners dropped): nothing. The service sets no session settings,
    keeps no cursor open across a release, takes session advisory locks only to release
    them in ``finally`` (migrations), and removes its LISTEN before it lets go; so the
    round trip of asyncpg's default reset (``RESET ALL; UNLISTEN *; CLOSE ALL;
    pg_advisory_unlock_all()``), paid on every release, buys nothing."""


def session_name(node: str) -> str:
    """The ``application_name`` of a node's sessions, so that the others can end those
    of a node judged dead (``recovery.failover``)."""
    return f"dialer {node}"[:63]


async def create_pool(
    dsn: str, *, min_size: int = 2, max_size: int = 10, node: str | None = None
) -> Pool:
    """A pool whose connections all went through :func:`init_connection`, released
    without a reset query (:func:`_keep_session`); named after ``node`` when given."""
    named = {"application_name": session_name(node)} if node is not None else None
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=init_connection,
        reset=_keep_session,
        server_settings=named,
    )
    assert pool is not None
    return pool


Listener = Callable[[Any, int, str, Any], None]


@asynccontextmanager
async def listening(
    pool: Pool, channels: Mapping[str, Listener]
) -> AsyncIterator[tuple[Connection, asyncio.Event]]:
    """A pooled connection LISTENing on each of ``channels`` (channel → callback), and
    an event set if the connection is lost. On the way out the LISTENs and the loss
    callback are removed (the pool resets nothing, :func:`_keep_session`)."""
    lost = asyncio.Event()

    def on_lost(_conn: object) -> None:
        lost.set()

    async with pool.acquire() as conn:
        conn.add_termination_listener(on_lost)
        try:
            for channel, on_notify in channels.items():
                await conn.add_listener(channel, on_notify)
            yield conn, lost
        finally:
            # A connection lost under us is the pool's again already: nothing to remove.
            with contextlib.suppress(asyncpg.InterfaceError):
                conn.remove_termination_listener(on_lost)
                if not conn.is_closed():
                    for channel, on_notify in channels.items():
                        await conn.remove_listener(channel, on_notify)


# What a database that is away raises: no route, refused, reset, timed out (an OSError
# out of asyncpg), a server shutting down or starting up, a connection that went away
# under a query.
_AWAY = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.ConnectionDoesNotExistError,
)


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is unreachable (not that a query is wrong)."""
    seen = 0
    cause: BaseException | None = exc
    while cause is not None and seen < 3:
        if isinstance(cause, _AWAY):
            return True
        if isinstance(cause, OSError) and _out_of_asyncpg(cause):
            return True  # not a billing API's or a provider's, not a file's
        if isinstance(cause, asyncpg.InterfaceError) and (
            "closed" in str(cause) or "closing" in str(cause)
        ):
            return True
        # A server shutting down under a COMMIT leaves the protocol half way (seen:
        # "cannot switch to state 15; another operation (2) is in progress").
        if isinstance(cause, asyncpg.InternalClientError) and "another operation" in str(cause):
            return True
        cause, seen = cause.__cause__ or cause.__context__, seen + 1
    return False


def _out_of_asyncpg(exc: BaseException) -> bool:
    """Whether ``exc`` came up through asyncpg (connecting, or talking to the server)."""
    frames = exc.__traceback__
    while frames is not None:
        if str(frames.tb_frame.f_globals.get("__name__", "")).startswith("asyncpg"):
            return True
        frames = frames.tb_next
    return False


def _quiet_pool_floor(record: logging.LogRecord) -> bool:
    """asyncpg's pool retries its minimum of connections with a traceback each time;
    while the database is away the components say so once (``background.Outage``)."""
    return not (record.exc_info and record.exc_info[1] and is_outage(record.exc_info[1]))


logging.getLogger("asyncpg.pool").addFilter(_quiet_pool_floor)


async def connect(dsn: str) -> asyncpg.Connection[asyncpg.Record]:
    """One connection, initialised like the pool's (for the command line)."""
    conn: asyncpg.Connection[asyncpg.Record] = await asyncpg.connect(dsn)
    await init_connection(conn)
    return conn
