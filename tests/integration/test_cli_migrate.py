"""``dialer migrate`` says what it did: each migration applied, by its file, on a new
database; that the database was up to date when nothing was pending."""

from __future__ import annotations

import uuid
from pathlib import Path

import asyncpg

from dialer.db import migration_files
from tests.conftest import with_database
from tests.integration.test_embedded_and_cli import dialer


async def test_migrate_names_what_it_applied_then_says_up_to_date(
    pg_admin_url: str, tmp_path: Path
) -> None:
    name = f"dialer_m_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(pg_admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = with_database(pg_admin_url, name)
        first = dialer("migrate", home=tmp_path, env_db=url)
        assert first.returncode == 0, first.stderr
        files = [path.name for _, path in migration_files()]
        assert first.stdout.splitlines() == [
            f"applied {len(files)} migrations:",
            *(f"  {file}" for file in files),
        ]
        again = dialer("migrate", home=tmp_path, env_db=url)
        assert again.returncode == 0, again.stderr
        assert again.stdout.splitlines() == [
            f"the database is up to date (schema {files[-1]}); nothing applied"
        ]
        conn = await asyncpg.connect(url)
        try:
            recorded = await conn.fetchval("SELECT count(*) FROM schema_migrations")
        finally:
            await conn.close()
        assert recorded == len(files)
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()
