"""Migrations: forward-only, applied once, safe when several nodes start together."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg

from dialer.db import connect, migrate, migration_files, parse_queries, queries
from tests.conftest import with_database


async def test_nodes_starting_together_apply_each_migration_once(pg_admin_url: str) -> None:
    name = f"dialer_m_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(pg_admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        conns = [await connect(with_database(pg_admin_url, name)) for _ in range(3)]
        applied = await asyncio.gather(*(migrate(c) for c in conns))
        assert sorted(len(a) for a in applied) == [0, 0, len(migration_files())]
        assert await migrate(conns[0]) == []
        rows = await conns[0].fetchval("SELECT count(*) FROM schema_migrations")
        assert rows == len(migration_files())
        for c in conns:
            await c.close()
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


def test_every_named_query_parses_and_names_are_unique() -> None:
    loaded = queries()
    assert "insert_import" in loaded and "list_campaigns" in loaded
    assert all(sql and not sql.endswith(";") for sql in loaded.values())
    try:
        parse_queries("-- name: a\nSELECT 1\n-- name: a\nSELECT 2\n")
    except ValueError as exc:
        assert "defined twice" in str(exc)
    else:
        raise AssertionError("a duplicate query name must be refused")


async def test_every_named_query_is_valid_sql(conn: asyncpg.Connection) -> None:
    # PREPARE checks every statement against the real schema without running it; the
    # staging tables (temporary, dropped at commit) are created first, for their merges.
    stages = {name: sql for name, sql in queries().items() if name.endswith("_stage")}
    assert stages, "the staging queries are named create_*_stage and merge_*_stage"
    async with conn.transaction():
        for name, sql in stages.items():
            if name.startswith("create_"):
                await conn.execute(sql)
        for name, sql in queries().items():
            if not (name in stages and name.startswith("create_")):
                await conn.prepare(sql)
