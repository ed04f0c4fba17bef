"""Fixtures: a real PostgreSQL (DATABASE_URL, or the embedded one), a template database
built from the migrations once per run, a fresh database per test, factories.

And what holds for the whole suite: each run has a base temporary directory of its own
(two runs at once on one machine — two checkouts, CI beside a developer — never touch
each other's files, as they did under pytest's shared ``/tmp/pytest-of-<user>``);
Hypothesis never times an example (no test depends on the machine's speed); and under
CI (``CI`` set, as ``.ci/run`` does) a skipped test is a failed one: a hole is not a pass.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import settings as hypothesis_settings

from dialer.app import create_app
from dialer.db import Pool, connect, create_pool, migrate, q
from dialer.settings import Settings
from tests import node_secrets
from tests.factories import Factory
from tests.oracle import count_mismatches

ROOT = Path(__file__).resolve().parent.parent

hypothesis_settings.register_profile("dialer", deadline=None, print_blob=True)
hypothesis_settings.load_profile("dialer")


def pytest_configure(config: pytest.Config) -> None:
    if config.option.basetemp is None:
        base = Path(tempfile.mkdtemp(prefix="dialer-pytest-"))
        config.option.basetemp = str(base)
        config.stash[_OWN_BASETEMP] = base


def pytest_unconfigure(config: pytest.Config) -> None:
    base = config.stash.get(_OWN_BASETEMP, None)
    if base is not None:
        shutil.rmtree(base, ignore_errors=True)


_OWN_BASETEMP = pytest.StashKey[Path]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.skipped and os.environ.get("CI") and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped under CI, which counts as a failure: {reason}"
    return report


def with_database(url: str, name: str) -> str:
    """The same server URL with another database name."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """A server URL with rights to create databases."""
    url = os.environ.get("DATABASE_URL")
    if url:
        yield url
        return
    import shutil
    import tempfile

    from dialer.embedded_pg import EmbeddedPostgres

    # Not under pytest's basetemp: pytest deletes all but its last three, and another
    # pytest session on the machine would delete this server's files under it.
    home = Path(tempfile.mkdtemp(prefix="dialer-test-pg-"))
    server = EmbeddedPostgres(home)
    server.start()
    try:
        yield server.url("postgres")
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


async def _admin(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(url)


@pytest.fixture(scope="session")
async def template_db(pg_admin_url: str) -> AsyncIterator[str]:
    """A database with every migration applied, copied for each test."""
    name = f"dialer_tpl_{os.getpid()}"
    admin = await _admin(pg_admin_url)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    await admin.execute(f'CREATE DATABASE "{name}"')
    conn = await connect(with_database(pg_admin_url, name))
    await migrate(conn)
    await conn.close()
    yield name
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@pytest.fixture
async def db_url(pg_admin_url: str, template_db: str) -> AsyncIterator[str]:
    name = f"dialer_t_{uuid.uuid4().hex[:12]}"
    admin = await _admin(pg_admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
        url = with_database(pg_admin_url, name)
        yield url
        await _counts_hold(url)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def _counts_hold(url: str) -> None:
    """Whatever the test did, the running counts equal the rows (``tests/oracle.py``)."""
    check = await asyncpg.connect(url)
    try:
        mismatches = await count_mismatches(check)
    except asyncpg.UndefinedTableError:
        return  # a test of the migrations themselves
    finally:
        await check.close()
    assert not mismatches, f"running counts differ from the rows: {mismatches}"


@pytest.fixture
async def demo_db_url(db_url: str) -> str:
    """``db_url`` marked as a demo's: ``dialer run`` and ``dialer demo`` refuse any
    other database the dialer uses."""
    connection = await connect(db_url)
    try:
        await connection.execute(q("mark_demo_database"))
    finally:
        await connection.close()
    return db_url


@pytest.fixture
async def conn(db_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await connect(db_url)
    yield connection
    await connection.close()


@pytest.fixture
async def pool(db_url: str) -> AsyncIterator[Pool]:
    p = await create_pool(db_url, min_size=1, max_size=5)
    yield p
    await p.close()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database={"url": db_url},
        home=tmp_path / "home",
        campaigns_dir=ROOT / "campaigns",
        scripts_dir=ROOT / "scripts",
        server={"log_format": "console"},
        partner={"secret": node_secrets.PARTNER_SECRET},
        simulator={"auth_token": node_secrets.SIMULATOR_TOKEN},
    )


@pytest.fixture
async def client(settings: Settings, pool: Pool) -> AsyncIterator[TestClient[Any, Any]]:
    app = create_app(settings, pool=pool)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


@pytest.fixture
def factory(conn: asyncpg.Connection, tmp_path: Path) -> Factory:
    return Factory(conn, tmp_path, ROOT)


@pytest.fixture(scope="session", autouse=True)
def _logs_through_the_product_formatter() -> Iterator[None]:
    """Log at INFO through the JSON formatter, so a bad log call fails a test."""
    import logging

    from dialer.logs import setup_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    setup_logging("INFO", "json")
    yield
    root.handlers[:], level = saved
    root.setLevel(level)
