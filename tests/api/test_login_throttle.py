"""Login throttling (issue 19, point 4): failed logins counted per username and per client
address in PostgreSQL, so every node refuses a locked one; 429 with ``Retry-After`` for
the lockout, the right password included; a success starts the user's count over."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from dialer.app import create_app
from dialer.clock import FrozenClock
from dialer.db import create_pool
from dialer.settings import Settings
from tests.factories import Factory

Client = TestClient[Any, Any]
PASSWORD = "secret-pass"
LOCKOUT = 600


def throttled(settings: Settings, **server: Any) -> Settings:
    return settings.amend(
        login={
            "max_failures_per_user": 3,
            "max_failures_per_address": 5,
            "window_seconds": 300,
            "lockout_seconds": LOCKOUT,
        },
        server=server,
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 3, 2, 3, 0, tzinfo=UTC))


@pytest.fixture
def node(settings: Settings, db_url: str, clock: FrozenClock) -> Callable[..., Any]:
    """A node of the deployment (its own app and pool, the shared database)."""

    @asynccontextmanager
    async def start(**server: Any) -> AsyncIterator[Client]:
        pool = await create_pool(db_url, min_size=1, max_size=3)
        app = create_app(throttled(settings, **server), pool=pool, clock=clock)
        try:
            async with TestClient(TestServer(app)) as client:
                yield client
        finally:
            await pool.close()

    return start


async def log_in(
    client: Client, username: str, password: str, *, via: str | None = None, lang: str = "en"
) -> Any:
    headers = {"X-Forwarded-For": via} if via else {}
    resp = await client.post(
        f"/api/auth/login?lang={lang}",
        json={"username": username, "password": password},
        headers=headers,
    )
    client.session.cookie_jar.clear()
    return resp


async def test_a_username_past_its_limit_is_refused_429_until_the_lockout_ends(
    node: Callable[..., Any],
    factory: Factory,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await factory.create_user("mira", "manager", password=PASSWORD)
    async with node() as client:
        for _ in range(3):
            assert (await log_in(client, "mira", "wrong-guess")).status == 401
        with caplog.at_level(logging.WARNING, logger="dialer.auth.throttle"):
            refused = await log_in(client, "mira", PASSWORD)  # the right one, too late
        assert refused.status == 429
        assert refused.headers["Retry-After"] == str(LOCKOUT)
        error = (await refused.json())["error"]
        assert error["id"] == "too_many_requests"
        assert f"try again in {LOCKOUT} seconds" in error["message"]
        # In Indonesian, the deployment's language.
        indonesian = await log_in(client, "mira", PASSWORD, lang="id")
        assert indonesian.status == 429
        assert (await indonesian.json())["error"]["message"] == (
            "terlalu banyak login gagal untuk nama pengguna ini atau dari alamat ini:"
            f" coba lagi dalam {LOCKOUT} detik"
        )
        # One line for the lockout: who and from where, never a password.
        lines = [r for r in caplog.records if r.getMessage() == "login locked"]
        assert len(lines) == 1
        assert lines[0].__dict__["username"] == "mira"
        assert lines[0].__dict__["address"] == "127.0.0.1"
        assert PASSWORD not in str(lines[0].__dict__) and "wrong-guess" not in str(
            lines[0].__dict__
        )
        # Still locked a second before the end, with what is left as Retry-After.
        clock.advance(seconds=LOCKOUT - 1)
        late = await log_in(client, "mira", PASSWORD)
        assert late.status == 429 and late.headers["Retry-After"] == "1"
        clock.advance(seconds=1)
        assert (await log_in(client, "mira", PASSWORD)).status == 200


async def test_a_success_starts_the_users_count_over(
    node: Callable[..., Any], factory: Factory
) -> None:
    await factory.create_user("mira", "manager", password=PASSWORD)
    async with node() as client:
        for _ in range(2):
            assert (await log_in(client, "mira", "wrong-guess")).status == 401
        assert (await log_in(client, "mira", PASSWORD)).status == 200
        for _ in range(2):  # 4 failures in the window, but 2 since the success
            assert (await log_in(client, "mira", "wrong-guess")).status == 401
        assert (await log_in(client, "mira", PASSWORD)).status == 200


async def test_failures_on_two_nodes_add_up(node: Callable[..., Any], factory: Factory) -> None:
    await factory.create_user("mira", "manager", password=PASSWORD)
    async with node() as first, node() as second:
        assert (await log_in(first, "mira", "wrong-1")).status == 401
        assert (await log_in(second, "mira", "wrong-2")).status == 401
        assert (await log_in(first, "mira", "wrong-3")).status == 401
        assert (await log_in(second, "mira", PASSWORD)).status == 429
        assert (await log_in(first, "mira", PASSWORD)).status == 429


async def test_one_address_failing_across_usernames_is_locked_behind_a_trusted_proxy(
    node: Callable[..., Any], factory: Factory, clock: FrozenClock
) -> None:
    await factory.create_user("mira", "manager", password=PASSWORD)
    attacker = "203.0.113.7"
    async with node(trusted_proxies="127.0.0.1") as client:
        for name in ("ani", "budi", "citra", "dewi", "eka"):  # 5 usernames, 1 try each
            # A client may prepend what it likes; the proxy's own entry (last) counts.
            assert (await log_in(client, name, "guess", via=f"10.9.9.9, {attacker}")).status == 401
        refused = await log_in(client, "mira", PASSWORD, via=attacker)
        assert refused.status == 429
        assert refused.headers["Retry-After"] == str(LOCKOUT)
        # Another client behind the same proxy is not locked; nor is mira's username.
        assert (await log_in(client, "mira", PASSWORD, via="198.51.100.4")).status == 200
        clock.advance(seconds=LOCKOUT)
        assert (await log_in(client, "mira", PASSWORD, via=attacker)).status == 200


async def test_x_forwarded_for_is_not_believed_from_an_untrusted_peer(
    node: Callable[..., Any], factory: Factory
) -> None:
    await factory.create_user("mira", "manager", password=PASSWORD)
    async with node() as client:  # no trusted proxy: the peer (127.0.0.1) is the client
        for i, name in enumerate(("ani", "budi", "citra", "dewi", "eka")):
            forged = f"192.0.2.{i}"  # a new address each try would dodge the limit
            assert (await log_in(client, name, "guess", via=forged)).status == 401
        assert (await log_in(client, "mira", PASSWORD, via="192.0.2.200")).status == 429


async def test_successful_logins_from_one_address_never_lock_it(
    node: Callable[..., Any], factory: Factory
) -> None:
    for i in range(8):
        await factory.create_user(f"agent{i}", "agent", password=PASSWORD)
    async with node() as client:
        for i in range(8):  # more logins than the address's limit, all right
            assert (await log_in(client, f"agent{i}", PASSWORD)).status == 200
        assert (await log_in(client, "agent0", "wrong")).status == 401
        assert (await log_in(client, "agent1", PASSWORD)).status == 200
