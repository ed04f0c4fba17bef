"""The database a command-line invocation uses: ``DATABASE_URL``, or the embedded one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from dialer.db import Connection, connect, migrate, q
from dialer.embedded_pg import DATABASE_NAME, EmbeddedPostgres, ensure_database
from dialer.errors import Conflict
from dialer.settings import Settings


@dataclass(frozen=True)
class Database:
    """The database of a command: its URL, and the embedded server when it runs one."""

    url: str
    embedded: EmbeddedPostgres | None

    async def lost(self, every: float = 1.0) -> str:
        """Return (why) when the embedded server has died; never for a server named by
        ``DATABASE_URL`` (its own supervisor restarts it, the nodes reconnect)."""
        if self.embedded is None:
            await asyncio.Event().wait()
        while True:
            assert self.embedded is not None
            pid = self.embedded.running_pid()
            if pid is None:
                return "the embedded PostgreSQL died"
            await asyncio.sleep(every)


@asynccontextmanager
async def database_url(
    settings: Settings, *, demo: bool = False, migrated: list[str] | None = None
) -> AsyncIterator[str]:
    """Yield a URL with the schema migrated (the versions applied now appended to
    ``migrated``, when given); an embedded server stops on exit."""
    async with database(settings, demo=demo, migrated=migrated) as db:
        yield db.url


@asynccontextmanager
async def database(
    settings: Settings, *, demo: bool = False, migrated: list[str] | None = None
) -> AsyncIterator[Database]:
    """Yield the database with the schema migrated (the versions applied now appended
    to ``migrated``, when given); an embedded server stops on exit.

    ``demo`` (``dialer run``, ``dialer demo``: demo users with public passwords): the
    database must be the embedded one, one marked as a demo's, or an empty one (then
    marked); any other is refused untouched."""
    if settings.database.url:
        url = settings.database.url
        embedded = None
    else:
        embedded = EmbeddedPostgres(settings.home)
        admin = embedded.start()
        await ensure_database(admin)
        url = embedded.url(DATABASE_NAME)
    try:
        conn = await connect(url)
        try:
            if demo and embedded is None:
                await claim_for_demo(conn)
            applied = await migrate(conn)
        finally:
            await conn.close()
        if migrated is not None:
            migrated.extend(applied)
        yield Database(url, embedded)
    finally:
        if embedded is not None:
            embedded.stop()


async def claim_for_demo(conn: Connection) -> None:
    """Refuse a database the dialer uses that is not marked as a demo's; mark an
    empty one (nothing there to spoil)."""
    found = await conn.fetchrow(q("demo_database"))
    assert found is not None
    if found["demo"]:
        return
    if found["used"]:
        raise Conflict(
            "DATABASE_URL names a dialer database not marked as a demo's: the demo would"
            " add its users, with public passwords, to it, nothing was changed. Unset"
            " DATABASE_URL for the embedded database, or name an empty one"
        )
    await conn.execute(q("mark_demo_database"))


@asynccontextmanager
async def connection(settings: Settings) -> AsyncIterator[Connection]:
    async with database_url(settings) as url:
        conn = await connect(url)
        try:
            yield conn
        finally:
            await conn.close()
