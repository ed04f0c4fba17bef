"""The fresh-machine path: the embedded PostgreSQL, and the command line on it."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from tests import node_secrets
from tests.factories import HEADER, row

ROOT = Path(__file__).resolve().parents[2]


def dialer(
    *args: str, home: Path, env_db: str | None, timeout: int = 120, language: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``dialer ARGS``; its messages in ``language`` (DIALER_UI__LANGUAGE) when given."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DIALER_HOME"] = str(home)
    if language:
        env["DIALER_UI__LANGUAGE"] = language
    if env_db:
        env["DATABASE_URL"] = env_db
    return subprocess.run(
        [sys.executable, "-m", "dialer", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.slow
def test_the_cli_runs_on_an_embedded_server_it_starts_and_stops(tmp_path: Path) -> None:
    home = tmp_path / "home"
    applied = dialer(
        "campaign", "apply", "campaigns/001_obc_bukalapak_voucher.toml", home=home, env_db=None
    )
    assert applied.returncode == 0, applied.stderr
    assert "obc-bukalapak-2022-09: created (version 1, draft)" in applied.stdout
    assert (home / "pgdata" / "PG_VERSION").exists()
    # Tuned for a private single node on its first start (embedded_pg.TUNING).
    assert "wal_level = 'minimal'" in (home / "pgdata" / "postgresql.auto.conf").read_text()
    # Stopped on exit: no postmaster.pid left behind.
    assert not (home / "pgdata" / "postmaster.pid").exists()

    lst = tmp_path / "list.csv"
    lst.write_text(
        ",".join(HEADER) + "\n" + "\n".join(",".join(row(i).values()) for i in range(5)) + "\n"
    )
    imported = dialer(
        "targets", "import", "obc-bukalapak-2022-09", str(lst), "--json", home=home, env_db=None
    )
    assert imported.returncode == 0, imported.stderr
    summary = json.loads(imported.stdout)  # stdout holds the JSON and nothing else
    assert (summary["accepted"], summary["rejected"]) == (5, [])

    again = dialer(
        "campaign", "apply", "campaigns/001_obc_bukalapak_voucher.toml", home=home, env_db=None
    )
    assert "unchanged" in again.stdout


def test_cli_errors_are_clear_and_exit_non_zero(tmp_path: Path, db_url: str) -> None:
    missing = dialer(
        "targets",
        "import",
        "no-such-campaign",
        "nofile.csv",
        "--json",
        home=tmp_path,
        env_db=db_url,
    )
    assert missing.returncode == 2
    assert json.loads(missing.stdout)["error"]["id"] == "bad_request"
    lst = tmp_path / "l.csv"
    lst.write_text("a,b\n1,2\n")
    unknown = dialer(
        "targets", "import", "no-such-campaign", str(lst), home=tmp_path, env_db=db_url
    )
    assert unknown.returncode == 2 and "tidak ada kampanye 'no-such-campaign'" in unknown.stderr


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="switching to a normal user needs root")
def test_the_embedded_server_starts_for_a_normal_user_too() -> None:
    try:
        user = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no 'nobody' user")
    if shutil.which("setpriv") is None:
        pytest.skip("no setpriv")
    # Not under tmp_path: pytest keeps its base directory private to root (0700), so
    # the normal user could not reach it.
    outer = Path(tempfile.mkdtemp(prefix="dialer-normal-user-"))
    outer.chmod(0o755)
    try:
        _start_as(user, outer / "normal")
    finally:
        shutil.rmtree(outer, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="creating a system user needs root")
def test_processes_starting_at_once_as_root_make_one_system_user() -> None:
    """On a fresh machine the test workers (or nodes) start the embedded server at once:
    each must see the same system user, not one whose entry another's useradd replaced
    (its data directory then belonged to a uid that no longer existed)."""
    name = f"dlr{uuid.uuid4().hex[:8]}"
    code = f"from dialer.embedded_pg import system_user; print(system_user({name!r}))"
    try:
        starting = [
            subprocess.Popen(
                [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True
            )
            for _ in range(6)
        ]
        uids = {int(process.communicate(timeout=60)[0]) for process in starting}
        assert uids == {pwd.getpwnam(name).pw_uid}
        assert all(process.returncode == 0 for process in starting)
    finally:
        subprocess.run(["userdel", "--remove", name], capture_output=True, check=False)


def _start_as(user: pwd.struct_passwd, home: Path) -> None:
    home.mkdir()
    os.chown(home, user.pw_uid, user.pw_gid)
    code = (
        "import asyncio, asyncpg; from pathlib import Path; "
        "from dialer.embedded_pg import EmbeddedPostgres; "
        f"s = EmbeddedPostgres(Path({str(home)!r})); s.start()\n"
        "async def show():\n"
        "    conn = await asyncpg.connect(s.url('postgres'))\n"
        "    print(await conn.fetchval('SHOW wal_level'))\n"
        "    await conn.close()\n"
        "asyncio.run(show()); s.stop()"
    )
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [
            "setpriv",
            f"--reuid={user.pw_uid}",
            f"--regid={user.pw_gid}",
            "--clear-groups",
            sys.executable,
            "-W",
            "ignore",
            "-c",
            code,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "minimal"  # tuned on first start, as a normal user too
    assert not (home / "pgdata" / "postmaster.pid").exists()


def test_run_prepares_the_seed_campaign_and_the_sample_list(
    tmp_path: Path, demo_db_url: str
) -> None:
    db_url = demo_db_url
    first = dialer("run", "--no-serve", "--sample-rows", "60", home=tmp_path, env_db=db_url)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "campaign obc-bukalapak-2022-09: created (version 1, draft)" in out
    assert "user manager" in out and "password manager-demo" in out
    # The sample shows every rule: duplicates, DNC, out of tier, rejected rows.
    assert "64 rows — accepted 38, duplicates 1, dnc 2, out of tier 20, rejected 3" in out
    assert "/api/imports/1/rejected.csv" in out
    assert "campaign obc-bukalapak-2022-09: running, dialling the sample list" in out
    # The date every customer is told, in any zone: the campaign's own.
    assert (
        "every customer — WIB, WITA or WIT — is told it is valid until 30 September 2022"
        " (issued until 2022-09-30T23:59:59+07:00)"
    ) in out
    # The seed period is 2022: a virtual clock from its first calling hour (08:00 WIT).
    assert "clock: virtual, from Thu 01 Sep 2022 06:00 WIB" in out
    again = dialer("run", "--no-serve", "--sample-rows", "60", home=tmp_path, env_db=db_url)
    assert "campaign obc-bukalapak-2022-09: unchanged" in again.stdout
    assert "accepted 0, duplicates 39" in again.stdout


@pytest.mark.slow
async def test_run_dials_the_sample_list_on_the_simulator(tmp_path: Path, demo_db_url: str) -> None:
    import asyncio
    import signal

    import asyncpg
    from aiohttp.test_utils import unused_port

    port = unused_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    db_url = demo_db_url
    env |= {
        "DIALER_HOME": str(tmp_path),
        "DATABASE_URL": db_url,
        "DIALER_SERVER__PORT": str(port),
        "DIALER_SERVER__PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "dialer",
        "run",
        "--sample-rows",
        "60",
        "--speed",
        "100",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    conn = await asyncpg.connect(db_url)
    try:
        results: list[str] = []
        for _ in range(120):
            await asyncio.sleep(0.5)
            if await conn.fetchval("SELECT to_regclass('attempts')") is None:
                continue
            results = [
                r[0]
                for r in await conn.fetch("SELECT result FROM attempts WHERE result IS NOT NULL")
            ]
            if len(results) >= 10:
                break
        assert len(results) >= 10, "no calls were completed"
        assert set(results) <= {
            "contacted",
            "busy_line",
            "no_answer",
            "failed",
            "machine",
            "abandoned",
        }
        unapplied = await conn.fetchval(
            "SELECT count(*) FROM carrier_events WHERE applied_at IS NULL"
        )
        assert unapplied == 0
    finally:
        await conn.close()
        process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()[-2000:]
    # Ctrl-C with calls in flight: their callbacks to the closed port are dropped
    # quietly (they warned "simulated callback given up" on every stop).
    logged = [json.loads(line) for line in stderr.decode().splitlines() if line.startswith("{")]
    assert not [e for e in logged if e["level"] in ("warning", "error")], logged[-5:]


@pytest.mark.slow
def test_the_embedded_server_tuned_on_first_start_is_stopped_on_exit(tmp_path: Path) -> None:
    import psutil

    from dialer.embedded_pg import EmbeddedPostgres

    server = EmbeddedPostgres(tmp_path / "home")
    server.start()  # first start: tuned, restarted under a new pid
    pid = int((tmp_path / "home" / "pgdata" / "postmaster.pid").read_text().split()[0])
    assert psutil.pid_exists(pid)
    # pgserver stops the postmaster it knows, and only if that one still runs: it must
    # know the restarted one (the first lingers as a zombie only until it is reaped).
    assert server._server._postmaster_info.pid == pid
    server.stop()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not (tmp_path / "home" / "pgdata" / "postmaster.pid").exists()


@pytest.mark.slow
async def test_serve_with_workers_runs_that_many_nodes_on_one_port(
    tmp_path: Path, db_url: str
) -> None:
    import asyncio
    import signal

    import aiohttp
    from aiohttp.test_utils import unused_port

    port = unused_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"DIALER_HOME": str(tmp_path), "DATABASE_URL": db_url, "DIALER_SERVER__NODE_NAME": "web"}
    env |= node_secrets.ENVIRONMENT
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "dialer", "serve", "--port", str(port), "--workers", "2"),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    nodes: set[str] = set()
    try:
        deadline = asyncio.get_running_loop().time() + 60
        while len(nodes) < 2 and asyncio.get_running_loop().time() < deadline:
            # A new connection each time: the kernel spreads them over the workers.
            async with aiohttp.ClientSession() as session:
                try:
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                        nodes.add((await resp.json())["node"])
                except aiohttp.ClientError:
                    pass
            await asyncio.sleep(0.05)
        assert nodes == {"web", "web-2"}
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()[-2000:]
    # Every worker stopped with the first: the port is free again.
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
