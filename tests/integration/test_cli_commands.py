"""The command line in a subprocess, each answer checked in the database: campaigns
listed, moved and counted afresh; users and API tokens created; a target list imported
with its rejected lines printed; why targets are not dialled, as text; the settings'
table, an old variable name refused, and a reader that goes away."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, unused_port

from dialer.auth import service as auth
from dialer.auth.passwords import token_hash
from dialer.db import Pool
from dialer.dnc import service as dnc
from dialer.errors import Unauthorized
from tests import node_secrets
from tests.conftest import with_database
from tests.factories import HEADER, Factory, row
from tests.integration.test_embedded_and_cli import ROOT, dialer
from tests.integration.test_reports import call, outcome
from tests.integration.test_vouchers import VOUCHER, issue
from tests.oracle import count_mismatches

MONDAY_10_05_WIB = "2022-09-05T10:05:00+07:00"


async def state_of(conn: asyncpg.Connection, name: str) -> str:
    found: str = await conn.fetchval("SELECT state FROM campaigns WHERE name = $1", name)
    return found


async def test_campaigns_are_listed_and_moved_and_an_illegal_move_is_refused(
    conn: asyncpg.Connection, factory: Factory, db_url: str, tmp_path: Path
) -> None:
    alpha = await factory.create_campaign(name="alpha")
    await factory.create_targets(alpha, [row(1), row(2)])
    beta = await factory.create_campaign(name="beta")

    listed = dialer("campaign", "list", home=tmp_path, env_db=db_url)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert [line.split() for line in lines] == [
        [str(alpha.id), "alpha", "draft", "v1", "2", "targets"],
        [str(beta.id), "beta", "draft", "v1", "0", "targets"],
    ]

    for action, state in (("start", "running"), ("pause", "paused")):
        moved = dialer("campaign", action, "alpha", "--actor", "mira", home=tmp_path, env_db=db_url)
        assert (moved.returncode, moved.stdout) == (0, f"alpha: {state}\n"), moved.stderr
        assert await state_of(conn, "alpha") == state

    # Pausing a paused campaign: refused, with why, and nothing changes.
    again = dialer("campaign", "pause", "alpha", home=tmp_path, env_db=db_url)
    assert (again.returncode, again.stdout) == (2, "")
    assert again.stderr == (  # in Indonesian, the default (DIALER_UI__LANGUAGE)
        "error: tidak dapat pause kampanye 'alpha': statusnya paused (pause berlaku untuk running)\n"
    )
    english = dialer("campaign", "pause", "alpha", home=tmp_path, env_db=db_url, language="en")
    assert english.stderr == (
        "error: cannot pause campaign 'alpha': it is paused (pause applies to running)\n"
    )
    assert await state_of(conn, "alpha") == "paused"

    finished = dialer("campaign", "finish", "beta", home=tmp_path, env_db=db_url)
    assert (finished.returncode, finished.stdout) == (0, "beta: finished\n"), finished.stderr
    assert await state_of(conn, "beta") == "finished"
    events = await conn.fetch(
        "SELECT action, from_state, to_state, actor FROM campaign_events"
        " WHERE campaign_id = $1 AND action IN ('start', 'pause') ORDER BY id",
        alpha.id,
    )
    assert [tuple(e) for e in events] == [
        ("start", "draft", "running", "mira"),
        ("pause", "running", "paused", "mira"),
    ]


async def test_recount_counts_a_campaign_afresh_from_its_rows(
    pool: Pool, conn: asyncpg.Connection, factory: Factory, db_url: str, tmp_path: Path
) -> None:
    campaign = await factory.create_campaign(name="counted", voucher=VOUCHER)
    await factory.create_targets(campaign, [row(i) for i in range(1, 5)])
    targets = [r["id"] for r in await conn.fetch("SELECT id FROM targets ORDER BY id")]
    agent = await auth.create_user(conn, username="ani", role="agent", password=None)
    placed = datetime(2022, 9, 5, 3, 0, tzinfo=UTC)
    for i, target in enumerate(targets):
        reached = i < 2
        await call(
            conn,
            campaign.id,
            target,
            "contacted" if reached else "no_answer",
            placed + timedelta(hours=i),
            agent=agent.id if reached else None,
        )
    for target in targets[:2]:
        found = await outcome(conn, campaign.id, target, agent.id, "pays_via_bukalapak", placed)
        assert (await issue(pool, campaign.id, VOUCHER, target, found, agent.id)).issued
    assert await count_mismatches(conn) == {}
    hours_sql = "SELECT hour, step, n FROM voucher_hours WHERE campaign_id = $1 ORDER BY 1, 2"
    hours = [tuple(r) for r in await conn.fetch(hours_sql, campaign.id)]
    assert {step for _, step, _ in hours} == {"offered", "accepted", "issued"}

    # The counts go wrong, as after a bulk load with the triggers off.
    await conn.execute("DELETE FROM target_counts WHERE campaign_id = $1", campaign.id)
    await conn.execute("UPDATE attempt_counts SET n = n + 3 WHERE campaign_id = $1", campaign.id)
    await conn.execute("DELETE FROM outcome_counts WHERE campaign_id = $1", campaign.id)
    await conn.execute("UPDATE voucher_hours SET n = n * 10 WHERE campaign_id = $1", campaign.id)
    assert set(await count_mismatches(conn)) == {"targets", "attempts", "outcomes"}

    done = dialer("campaign", "recount", "counted", home=tmp_path, env_db=db_url)
    assert (done.returncode, done.stdout) == (0, "counted: counted afresh\n"), done.stderr
    assert await count_mismatches(conn) == {}
    assert [tuple(r) for r in await conn.fetch(hours_sql, campaign.id)] == hours

    unknown = dialer("campaign", "recount", "nothing-here", home=tmp_path, env_db=db_url)
    assert (unknown.returncode, unknown.stdout) == (2, "")
    assert "tidak ada kampanye 'nothing-here'" in unknown.stderr


async def test_users_are_created_with_a_password_given_or_from_the_environment(
    conn: asyncpg.Connection, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = dialer(
        "users",
        "create",
        "ani",
        "--role",
        "agent",
        "--name",
        "Ani Susanti",
        "--password",
        "ani-secret-1",
        home=tmp_path,
        env_db=db_url,
    )
    assert (made.returncode, made.stdout) == (0, "ani: agent created\n"), made.stderr
    monkeypatch.setenv("DIALER_NEW_PASSWORD", "mira-from-env")
    made = dialer("users", "create", "mira", "--role", "manager", home=tmp_path, env_db=db_url)
    assert (made.returncode, made.stdout) == (0, "mira: manager created\n"), made.stderr
    monkeypatch.delenv("DIALER_NEW_PASSWORD")
    short = dialer(
        "users",
        "create",
        "budi",
        "--role",
        "agent",
        "--password",
        "short",
        home=tmp_path,
        env_db=db_url,
    )
    assert (short.returncode, short.stdout) == (2, "")
    assert short.stderr == "error: kata sandi minimal 8 karakter\n"

    users = await conn.fetch("SELECT username, display_name, role FROM users ORDER BY username")
    assert [tuple(u) for u in users] == [
        ("ani", "Ani Susanti", "agent"),
        ("mira", "mira", "manager"),
    ]
    # Each password is the one given: it logs in; another does not.
    for username, password in (("ani", "ani-secret-1"), ("mira", "mira-from-env")):
        _, _, user = await auth.login(
            conn, username, password, now=datetime.now(UTC), ttl=timedelta(hours=1)
        )
        assert user.username == username
    with pytest.raises(Unauthorized):
        await auth.login(conn, "mira", "ani-secret-1", now=datetime.now(UTC), ttl=timedelta(1))


async def test_a_token_from_the_command_line_opens_the_api(
    client: TestClient[Any, Any],
    conn: asyncpg.Connection,
    factory: Factory,
    db_url: str,
    tmp_path: Path,
) -> None:
    await factory.create_user("mira", "manager")
    made = dialer("tokens", "create", "mira", "--label", "reports", home=tmp_path, env_db=db_url)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert made.stdout == token + "\n" and len(token) >= 32
    stored = await conn.fetchrow("SELECT kind, label, token_hash FROM auth_tokens")
    assert (stored["kind"], stored["label"]) == ("api", "reports")
    assert stored["token_hash"] == token_hash(token)  # only the hash is kept

    resp = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["username"] == "mira"
    wrong = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}x"})
    assert wrong.status == 401

    nobody = dialer("tokens", "create", "nobody", home=tmp_path, env_db=db_url)
    assert (nobody.returncode, nobody.stdout) == (2, "")
    assert nobody.stderr == "error: tidak ada pengguna 'nobody'\n"
    assert await conn.fetchval("SELECT count(*) FROM auth_tokens") == 1


async def test_tokens_expire_and_are_revoked_and_users_disabled_from_the_command_line(
    client: TestClient[Any, Any],
    conn: asyncpg.Connection,
    factory: Factory,
    db_url: str,
    tmp_path: Path,
) -> None:
    await factory.create_user("mira", "manager")
    await factory.create_user("ani", "agent")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return dialer(*args, home=tmp_path, env_db=db_url, language="en")

    async def status(token: str) -> int:
        resp = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        return resp.status

    made = run("tokens", "create", "mira", "--label", "reports", "--days", "2")
    assert made.returncode == 0, made.stderr
    first = made.stdout.strip()
    expires = await conn.fetchval("SELECT expires_at FROM auth_tokens")
    assert (
        timedelta(days=2) - timedelta(minutes=5) < expires - datetime.now(UTC) <= timedelta(days=2)
    )
    too_long = run("tokens", "create", "mira", "--days", "31")
    assert too_long.returncode == 2 and "1 to 30 days" in too_long.stderr, too_long.stderr
    second = run("tokens", "create", "mira").stdout.strip()
    ani = run("tokens", "create", "ani").stdout.strip()
    assert [await status(t) for t in (first, second, ani)] == [200, 200, 200]

    listed = run("tokens", "list", "mira")
    lines = listed.stdout.splitlines()
    assert len(lines) == 2 and "reports" in lines[1], listed.stdout
    first_id = lines[1].split()[0]
    revoked = run("tokens", "revoke", first_id)
    assert (revoked.returncode, revoked.stdout) == (0, "1 revoked\n"), revoked.stderr
    assert [await status(t) for t in (first, second)] == [401, 200]
    nothing = run("tokens", "revoke", "999999")
    assert (nothing.returncode, nothing.stderr) == (2, "error: no token 999999\n")
    everything = run("tokens", "revoke", "--user", "mira")
    assert everything.stdout == "1 revoked\n", everything.stderr
    assert await status(second) == 401

    disabled = run("users", "disable", "ani")
    assert disabled.stdout == "ani: disabled, 1 sessions and tokens revoked\n", disabled.stderr
    assert await status(ani) == 401
    assert "ani                      agent    disabled" in run("users", "list").stdout
    assert run("users", "enable", "ani").stdout == "ani: enabled\n"
    assert await status(ani) == 401  # revoked with the disabling: a new login is needed
    assert not await conn.fetchval("SELECT disabled FROM users WHERE username = 'ani'")


async def test_agents_are_assigned_to_a_campaign_from_the_command_line(
    conn: asyncpg.Connection, factory: Factory, db_url: str, tmp_path: Path
) -> None:
    await factory.create_campaign(name="alpha")
    await factory.create_user("ani", "agent")  # assigned to alpha by the factory
    await factory.create_user("budi", "agent")
    await factory.create_user("mira", "manager")
    await conn.execute("DELETE FROM campaign_agents")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return dialer(*args, home=tmp_path, env_db=db_url, language="en")

    done = run("campaign", "assign", "alpha", "ani", "budi", "--actor", "mira")
    assert done.stdout == "ani: assigned to alpha\nbudi: assigned to alpha\n", done.stderr
    assert run("campaign", "assign", "alpha", "ani").stdout == "ani: already assigned to alpha\n"
    manager = run("campaign", "assign", "alpha", "mira")
    assert manager.returncode == 2 and "only agents" in manager.stderr, manager.stderr
    listed = run("campaign", "agents", "alpha").stdout.splitlines()
    assert [line.split() for line in listed] == [["ani", "offline"], ["budi", "offline"]]
    gone = run("campaign", "unassign", "alpha", "budi")
    assert gone.stdout == "budi: unassigned from alpha\n", gone.stderr
    rows = await conn.fetch(
        "SELECT u.username, a.assigned_by FROM campaign_agents a JOIN users u ON u.id = a.user_id"
    )
    assert [tuple(r) for r in rows] == [("ani", "mira")]


async def test_a_text_import_prints_twenty_rejected_lines_and_how_many_more(
    conn: asyncpg.Connection, factory: Factory, db_url: str, tmp_path: Path
) -> None:
    campaign = await factory.create_campaign(name="imported")
    header = ["Kontak Utama" if h == "msisdn" else h for h in HEADER]
    rows = [list(row(0).values())] + [list(row(i, msisdn="x").values()) for i in range(1, 26)]
    path = factory.write_csv(rows, header=header, name="list.csv")
    done = dialer(
        "targets",
        "import",
        "imported",
        str(path),
        "--map",
        "Kontak Utama=msisdn",
        "--actor",
        "mira",
        home=tmp_path,
        env_db=db_url,
    )
    assert done.returncode == 0, done.stderr
    import_id = await conn.fetchval("SELECT id FROM target_imports")
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "list.csv: 26 rows — accepted 1, duplicates 0, dnc 0, out of tier 0, rejected 25"
    )
    reason = "is not a valid Indonesian mobile number"
    assert lines[1:21] == [f"  line {n}: msisdn {reason}" for n in range(3, 23)]
    assert lines[21:] == [f"  … 5 more; GET /api/imports/{import_id}/rejected.csv"]
    stored = await conn.fetch("SELECT msisdn FROM targets WHERE campaign_id = $1", campaign.id)
    assert [r["msisdn"] for r in stored] == ["+6281200000000"]
    assert await conn.fetchval("SELECT uploaded_by FROM target_imports") == "mira"

    bad_map = dialer(
        "targets", "import", "imported", str(path), "--map", "Bad", home=tmp_path, env_db=db_url
    )
    assert (bad_map.returncode, bad_map.stdout) == (2, "")
    assert bad_map.stderr == ("error: --map 'Bad': tulis HEADER=FIELD, mis. 'No Pel=customer_id'\n")
    missing = tmp_path / "not-there.csv"
    gone = dialer("targets", "import", "imported", str(missing), home=tmp_path, env_db=db_url)
    assert (gone.returncode, gone.stdout) == (2, "")
    assert gone.stderr == f"error: {missing}: berkas tidak ada\n"
    assert await conn.fetchval("SELECT count(*) FROM target_imports") == 1


async def test_why_in_text_for_a_campaign_and_for_one_target(
    conn: asyncpg.Connection, factory: Factory, db_url: str, tmp_path: Path
) -> None:
    await factory.running_campaign(
        [row(1), row(2, province="Papua"), row(3, tier="Gold")], name="asked"
    )
    await dnc.add(conn, row(3)["msisdn"], reason="minta berhenti", source="test", actor="t")
    await conn.execute("UPDATE dnc SET added_at = '2022-09-01T02:00:00Z'")

    summary = dialer(
        "targets", "why", "asked", "--at", MONDAY_10_05_WIB, home=tmp_path, env_db=db_url
    )
    assert summary.returncode == 0, summary.stderr
    assert summary.stdout.splitlines() == [
        "asked (running): 3 target, 2 dapat ditelepon sekarang",
        "  WIB: di dalam jam panggilan sampai 18.00 WIB",
        "  WITA: di dalam jam panggilan sampai 18.00 WITA",
        "  WIT: di dalam jam panggilan sampai 18.00 WIT",
        "          1  dnc (ada di daftar jangan ditelepon (DNC))",
    ]

    one = dialer(
        "targets",
        "why",
        "asked",
        "1220 0000 0003",
        "--at",
        MONDAY_10_05_WIB,
        home=tmp_path,
        env_db=db_url,
    )
    assert one.returncode == 0, one.stderr
    assert one.stdout.splitlines() == [
        "122000000003 (Pelanggan 3, Gold, Jawa Barat, Senin, 5 September 2022 10.05 WIB):"
        " ready, 0/6 percobaan",
        "  belum sekarang — nomor ada di daftar jangan ditelepon (DNC) sejak Kamis,"
        " 1 September 2022 09.00 WIB (minta berhenti)",
    ]


def test_config_prints_every_setting_as_a_table(tmp_path: Path) -> None:
    shown = dialer("config", home=tmp_path, env_db=None)
    assert (shown.returncode, shown.stderr) == (0, "")
    lines = shown.stdout.splitlines()
    assert lines[:2] == ["| variable | default | what it is |", "|---|---|---|"]
    names = [line.split("|")[1].strip(" `") for line in lines[2:]]
    assert "DIALER_TWILIO__ACCOUNT_SID" in names and "DIALER_PACING__TICK_SECONDS" in names
    assert all(line.startswith("| `") and line.endswith(" |") for line in lines[2:])


def test_an_old_variable_name_is_refused_with_the_name_it_has_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIALER_TICK_SECONDS", "1")
    refused = dialer("config", home=tmp_path, env_db=None)
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == "error: DIALER_TICK_SECONDS is now DIALER_PACING__TICK_SECONDS\n"


def test_config_into_a_pipe_whose_reader_has_gone_ends_quietly(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DIALER_HOME"] = str(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "dialer", "config"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    # The reader goes before the first line is written (`dialer config | head -0`):
    # every write meets a broken pipe.
    assert process.stdout is not None
    process.stdout.close()
    _, stderr = process.communicate(timeout=60)
    assert (process.returncode, stderr.decode()) == (0, "")


def test_serve_refuses_a_twilio_configuration_that_cannot_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIALER_TWILIO__ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("DIALER_TWILIO__AUTH_TOKEN", "token")
    monkeypatch.setenv("DIALER_SERVER__PUBLIC_URL", "http://127.0.0.1:8080")
    for command in (("serve",), ("run", "--no-serve")):
        done = dialer(*command, home=tmp_path, env_db=None, language="en")
        assert done.returncode == 2, done.stdout + done.stderr
        assert "this configuration cannot work; nothing was started" in done.stderr
        assert "DIALER_TWILIO__FROM_NUMBER is unset" in done.stderr
        assert "is not https://" in done.stderr and "private address" in done.stderr
        assert "the agents' browser softphones need an API key" in done.stderr
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "pgdata").exists()  # refused before any database was started


def test_serve_refuses_to_start_without_its_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No default secret: one in the source is public (anyone could sign a partner's
    redemption or a carrier's callback)."""
    bare = dialer("serve", home=tmp_path, env_db=None, language="en")
    assert bare.returncode == 2
    line = bare.stderr.strip()
    assert "\n" not in line and "Traceback" not in line, bare.stderr
    assert "DIALER_PARTNER__SECRET" in line and "DIALER_SIMULATOR__AUTH_TOKEN" in line
    monkeypatch.setenv("DIALER_PARTNER__SECRET", "s3cret")
    provider = dialer("serve", home=tmp_path, env_db=None, language="en")
    assert provider.returncode == 2
    assert "DIALER_TWILIO__ACCOUNT_SID" in provider.stderr
    assert "DIALER_PARTNER__SECRET" not in provider.stderr
    assert not (tmp_path / "pgdata").exists()  # refused before any database was started


async def test_run_and_demo_refuse_a_dialer_database_not_marked_as_a_demo(
    tmp_path: Path, db_url: str, conn: asyncpg.Connection, pg_admin_url: str
) -> None:
    """``dialer run`` sets the demo users' public passwords: on a real deployment's
    database that would open the manager's account to anyone."""
    await conn.execute(
        "INSERT INTO users (username, role, password_hash, display_name)"
        " VALUES ('manager', 'manager', 'kept', 'The real one')"
    )
    for command in (("run", "--no-serve"), ("demo", "--targets", "1")):
        refused = dialer(*command, home=tmp_path, env_db=db_url, language="en")
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "not marked as a demo's" in refused.stderr and "Traceback" not in refused.stderr
    assert await conn.fetchval("SELECT password_hash FROM users") == "kept"
    assert await conn.fetchval("SELECT count(*) FROM users") == 1
    # An empty database is the demo's to take: marked, then used.
    admin = await asyncpg.connect(pg_admin_url)
    name = f"dialer_empty_{uuid.uuid4().hex[:8]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        empty = with_database(pg_admin_url, name)
        taken = dialer("run", "--no-serve", "--sample-rows", "5", home=tmp_path, env_db=empty)
        assert taken.returncode == 0, taken.stderr
        again = dialer("run", "--no-serve", "--sample-rows", "5", home=tmp_path, env_db=empty)
        assert again.returncode == 0, again.stderr
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def test_a_node_that_cannot_start_exits_with_its_error_instead_of_hanging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A start that fails half way (here a bot plan naming no campaign; found with a
    database whose migration was not the code's) stops what it had started: on the
    embedded server the agents' channel held a pooled connection, the pool's close
    waited for it, and the process never exited."""
    for name, value in node_secrets.ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DIALER_BOTS__AGENTS", "2")
    monkeypatch.setenv("DIALER_BOTS__CAMPAIGN", "no-such-campaign")
    monkeypatch.setenv("DIALER_SERVER__PORT", str(unused_port()))
    done = dialer("serve", home=tmp_path, env_db=None, timeout=90)
    assert done.returncode != 0
    assert "bot agents: no campaign 'no-such-campaign'" in done.stderr
