"""The database a command-line invocation uses: ``DATABASE_URL``, or the embedded one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from dialer.db import Connection, connect, migrate
from dialer.embedded_pg import DATABASE_NAME, EmbeddedPostgres, ensure_database
from dialer.settings import Settings


@asynccontextmanager
async def database_url(
    settings: Settings, *, migrated: list[str] | None = None
) -> AsyncIterator[str]:
    """Yield a URL with the schema migrated (the versions applied now appended to
    ``migrated``, when given); an embedded server stops on exit."""
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
            applied = await migrate(conn)
        finally:
            await conn.close()
        if migrated is not None:
            migrated.extend(applied)
        yield url
    finally:
        if embedded is not None:
            embedded.stop()


@asynccontextmanager
async def connection(settings: Settings) -> AsyncIterator[Connection]:
    async with database_url(settings) as url:
        conn = await connect(url)
        try:
            yield conn
        finally:
            await conn.close()
