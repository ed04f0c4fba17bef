"""A private PostgreSQL for a machine with no ``DATABASE_URL``.

The server comes from the ``pgserver`` wheel (PostgreSQL binaries shipped on PyPI), so a
fresh machine needs nothing installed. It keeps its data under ``<home>/pgdata``, listens
on a Unix socket only, runs as root too (pgserver then runs it as a system user of its
own), and is shared by every process of the project on the machine: the last one to
exit stops it.

The server is tuned for what it is, a private single-node database: ``wal_level =
minimal`` (no replicas, no point-in-time recovery), so a target list COPYed into a
partition created in the same transaction, and its indexes, are written without WAL; a
larger buffer cache and checkpoint distance for bulk loads. The settings are written
with ``ALTER SYSTEM`` and applied by one restart, the first time the server starts.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import psutil

from dialer.db import q

log = logging.getLogger(__name__)

DATABASE_NAME = "dialer"
TUNING = (
    "tune_wal_minimal",
    "tune_no_wal_senders",
    "tune_shared_buffers",
    "tune_max_wal_size",
    "tune_maintenance_work_mem",
)


SYSTEM_USER = "pgserver"  # the user pgserver runs the server as when we are root


def system_user(name: str) -> int | None:
    """As root, make sure system user ``name`` exists, one process at a time; its uid.

    pgserver creates its user itself, but unlocked: processes starting at once on a
    fresh machine (test workers, nodes) each ran ``useradd``, one user's entry replaced
    the other's, and a data directory was left owned by a uid that no longer existed
    (initdb: "could not change permissions ... Operation not permitted"). Not root: the
    server runs as us, and nothing is created (None)."""
    if os.name != "posix" or os.geteuid() != 0:
        return None
    from pgserver import postgres_server
    from pgserver.utils import ensure_user_exists

    with postgres_server.PostgresServer._lock:  # pgserver's own lock across processes
        entry = ensure_user_exists(name)
    assert entry is not None
    return int(entry.pw_uid)


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

            system_user(SYSTEM_USER)
            self._server = postgres_server.get_server(self.pgdata, cleanup_mode="stop")
            self._tune(postgres_server)
        log.info("embedded postgresql ready", extra={"pgdata": str(self.pgdata)})
        return str(self._server.get_uri())

    def _tune(self, postgres_server: Any) -> None:
        """Tune the server once (the named queries in :data:`TUNING`: a private single
        node, bulk loads without WAL), restarting it if no other process uses it."""
        marker = self.pgdata / ".dialer-tuned"
        if marker.exists():
            return
        with postgres_server.PostgresServer._lock:
            others = {
                pid
                for pid in self._server.global_process_id_list.get()
                if pid != os.getpid() and psutil.pid_exists(pid)
            }
            if others:
                log.info("embedded postgresql in use by another process; tuning later")
                return
            self._server.psql("".join(q(name) + ";\n" for name in TUNING))
            commands: Any = importlib.import_module("pgserver._commands")
            commands.pg_ctl(["-w", "restart"], pgdata=self.pgdata, user=self._server.system_user)
            # The restarted postmaster has a new pid: pgserver must stop *that* one on exit.
            utils: Any = importlib.import_module("pgserver.utils")
            self._server._postmaster_info = utils.PostmasterInfo.read_from_pgdata(self.pgdata)
            marker.touch()
        log.info("embedded postgresql tuned")

    @property
    def socket_dir(self) -> str:
        info = self._server.get_postmaster_info()
        return str(info.socket_dir)

    def url(self, database: str = DATABASE_NAME) -> str:
        """A URL for ``database`` on this server, usable by asyncpg and psql."""
        return f"postgresql://postgres@/{database}?host={quote(self.socket_dir, safe='/')}"

    def running_pid(self) -> int | None:
        """The postmaster's pid while it runs; None once it has died (killed, OOM)."""
        if self._server is None:
            return None
        pid = int(self._server.get_postmaster_info().pid)
        try:
            alive = psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            alive = False
        return pid if alive else None

    def stop(self) -> None:
        if self._server is not None:
            if self.running_pid() is None:
                # It died under us (killed, OOM): nothing to stop, only our handle to
                # give back (pgserver would try pg_ctl stop and log its failure).
                self._server.cleanup_mode = None
            with contextlib.suppress(psutil.NoSuchProcess):
                self._server.cleanup()
            self._server = None


async def ensure_database(admin_url: str) -> None:
    """Create the embedded server's database (``DATABASE_NAME``) if it does not exist."""
    conn = await asyncpg.connect(admin_url)
    try:
        if not await conn.fetchval(q("database_exists"), DATABASE_NAME):
            await conn.execute(q("create_dialer_database"))
    finally:
        await conn.close()
