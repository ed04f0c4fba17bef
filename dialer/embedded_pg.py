"""A private PostgreSQL for a machine with no ``DATABASE_URL``.

The server comes from the ``pgserver`` wheel (PostgreSQL binaries shipped on PyPI), so a
fresh machine needs nothing installed. It keeps its data under ``<home>/pgdata``, listens
on a Unix socket only, runs as root too (pgserver then runs it as a system user of its
own), and is shared by every process of the project on the machine: the last one to
exit stops it.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg

log = logging.getLogger(__name__)

DATABASE_NAME = "dialer"


class EmbeddedPostgres:
    """Start (or join) the private server; :meth:`stop` releases this process's handle."""

    def __init__(self, home: Path) -> None:
        self.home = home.resolve()
        self.pgdata = self.home / "pgdata"
        self._server: Any = None

    def start(self) -> str:
        """Start or join the server and return the admin URL (database ``postgres``)."""
        self.home.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pgserver import postgres_server

            self._server = postgres_server.get_server(self.pgdata, cleanup_mode="stop")
        log.info("embedded postgresql ready", extra={"pgdata": str(self.pgdata)})
        return str(self._server.get_uri())

    @property
    def socket_dir(self) -> str:
        info = self._server.get_postmaster_info()
        return str(info.socket_dir)

    def url(self, database: str = DATABASE_NAME) -> str:
        """A URL for ``database`` on this server, usable by asyncpg and psql."""
        return f"postgresql://postgres@/{database}?host={quote(self.socket_dir, safe='/')}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


async def ensure_database(admin_url: str, name: str) -> None:
    """Create database ``name`` if it does not exist yet."""
    conn = await asyncpg.connect(admin_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')  # name is ours, never input
    finally:
        await conn.close()


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
