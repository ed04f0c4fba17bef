"""Who may still get in, and from where (issue 19, point 7): API tokens expire and are
revoked (one, a session's with the tokens minted from it, all of a user's), users are
disabled and enabled, cookie requests another site could send are refused (CSRF) and
so are WebSockets from another origin; agents join only running campaigns a manager
assigned them to.

Each app here has a frozen clock and a public URL of its own (``PUBLIC``), so that an
``Origin`` can be the service's or not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from dialer.app import create_app
from dialer.auth.http import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from dialer.clock import FrozenClock
from dialer.db import Pool
from dialer.settings import Settings
from tests.dialing import MONDAY_10_WIB
from tests.factories import Factory, row

Client = TestClient[Any, Any]
PUBLIC = "http://dialer.example:8080"
PASSWORD = "secret-pass"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MONDAY_10_WIB)


@pytest.fixture
async def web(settings: Settings, pool: Pool, clock: FrozenClock) -> AsyncIterator[Client]:
    app = create_app(settings.amend(server={"public_url": PUBLIC}), pool=pool, clock=clock)
    async with TestClient(TestServer(app)) as client:
        yield client


async def login(client: Client, username: str) -> str:
    """A session token of ``username`` (the cookies kept by the client too)."""
    resp = await client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert resp.status == 200, await resp.text()
    return str((await resp.json())["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def me(client: Client, token: str) -> int:
    resp = await client.get("/api/auth/me", headers=bearer(token))
    return resp.status


async def mint(client: Client, token: str, **body: Any) -> tuple[int, Any]:
    resp = await client.post("/api/auth/tokens", json=body, headers=bearer(token))
    return resp.status, await resp.json()


async def api_tokens(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM auth_tokens WHERE kind = 'api'"))


# ------------------------------------------------------------------- tokens


async def test_a_token_expires_after_its_days_and_none_lives_longer_than_the_setting(
    web: Client, factory: Factory, clock: FrozenClock, conn: asyncpg.Connection
) -> None:
    await factory.create_user("mira", "manager")
    session = await login(web, "mira")
    status, short = await mint(web, session, label="one day", days=1)
    assert status == 201, short
    status, default = await mint(web, session, label="default")
    assert status == 201, default
    assert short["expires_at"].startswith((MONDAY_10_WIB + timedelta(days=1)).date().isoformat())
    assert default["expires_at"].startswith((MONDAY_10_WIB + timedelta(days=30)).date().isoformat())

    # Longer than DIALER_SERVER__API_TOKEN_TTL_DAYS (30): refused, nothing minted.
    status, refused = await mint(web, session, days=31)
    assert status == 422 and "30" in refused["error"]["message"], refused
    assert await api_tokens(conn) == 2

    clock.advance(hours=23)
    web.session.cookie_jar.clear()
    assert await me(web, short["token"]) == 200
    clock.advance(hours=1, seconds=1)  # the session (12 h) and the one-day token are over
    assert await me(web, short["token"]) == 401
    assert await me(web, session) == 401
    assert await me(web, default["token"]) == 200
    clock.advance(days=29)
    assert await me(web, default["token"]) == 401


async def test_a_sessions_logout_revokes_the_tokens_minted_with_it_and_only_those(
    web: Client, factory: Factory
) -> None:
    await factory.create_user("mira", "manager")
    first, second = await login(web, "mira"), await login(web, "mira")
    web.session.cookie_jar.clear()
    _, child = await mint(web, first, label="from the first session")
    _, grandchild = await mint(web, child["token"], label="from that token")
    _, other = await mint(web, second, label="from the second session")

    resp = await web.post("/api/auth/logout", headers=bearer(first))
    assert resp.status == 200 and (await resp.json())["revoked"] == 3
    for token in (first, child["token"], grandchild["token"]):
        assert await me(web, token) == 401
    assert await me(web, second) == 200
    assert await me(web, other["token"]) == 200


async def test_a_token_is_revoked_by_its_owner_or_a_manager_and_listed_without_secrets(
    web: Client, factory: Factory
) -> None:
    await factory.create_user("mira", "manager")
    await factory.create_user("ani", "agent")
    mira, ani = await login(web, "mira"), await login(web, "ani")
    web.session.cookie_jar.clear()
    _, mira_token = await mint(web, mira, label="reports")
    _, ani_token = await mint(web, ani, label="script")
    _, ani_other = await mint(web, ani, label="spare")

    listed = await (await web.get("/api/auth/tokens", headers=bearer(ani))).json()
    assert [t["label"] for t in listed["tokens"]] == ["spare", "script", ""]
    assert ani_token["token"] not in str(listed) and "token_hash" not in str(listed)

    # An agent cannot revoke another's token: not found, and it still works.
    resp = await web.delete(f"/api/auth/tokens/{mira_token['id']}", headers=bearer(ani))
    assert resp.status == 404, await resp.text()
    assert await me(web, mira_token["token"]) == 200
    # Their own: revoked.
    resp = await web.delete(f"/api/auth/tokens/{ani_token['id']}", headers=bearer(ani))
    assert (resp.status, (await resp.json())["revoked"]) == (200, 1)
    assert await me(web, ani_token["token"]) == 401
    # A manager revokes anyone's.
    resp = await web.delete(f"/api/auth/tokens/{ani_other['id']}", headers=bearer(mira))
    assert resp.status == 200
    assert await me(web, ani_other["token"]) == 401
    assert await me(web, ani) == 200
    resp = await web.delete("/api/auth/tokens/999999", headers=bearer(mira))
    assert resp.status == 404


async def test_log_out_everywhere_and_a_manager_revoking_a_users_tokens(
    web: Client, factory: Factory
) -> None:
    await factory.create_user("mira", "manager")
    await factory.create_user("ani", "agent")
    await factory.create_user("budi", "agent")
    mira = await login(web, "mira")
    ani = [await login(web, "ani"), await login(web, "ani")]
    budi = await login(web, "budi")
    web.session.cookie_jar.clear()
    _, ani_token = await mint(web, ani[1])
    ani.append(ani_token["token"])

    resp = await web.post("/api/auth/logout-everywhere", headers=bearer(ani[0]))
    assert (resp.status, (await resp.json())["revoked"]) == (200, 3)
    assert [await me(web, t) for t in ani] == [401, 401, 401]
    assert await me(web, budi) == 200

    resp = await web.post("/api/users/budi/revoke-tokens", headers=bearer(mira))
    assert (resp.status, (await resp.json())["revoked"]) == (200, 1)
    assert await me(web, budi) == 401
    assert await me(web, await login(web, "budi")) == 200  # still enabled: logs in again
    resp = await web.post("/api/users/nobody/revoke-tokens", headers=bearer(mira))
    assert resp.status == 404


async def test_a_disabled_user_is_out_at_once_and_back_only_by_logging_in(
    web: Client, factory: Factory, conn: asyncpg.Connection
) -> None:
    campaign = await factory.running_campaign([row(1)], virtual_seats=0)
    await factory.create_user("mira", "manager")
    await factory.create_user("ani", "agent")
    mira, ani = await login(web, "mira"), await login(web, "ani")
    web.session.cookie_jar.clear()
    resp = await web.post(
        "/api/agent/state", json={"campaign": campaign.name, "state": "paused"}, headers=bearer(ani)
    )
    assert resp.status == 200, await resp.text()
    socket = await web.ws_connect("/api/agent/ws", headers=bearer(ani))
    assert (await socket.receive_json())["type"] == "hello"

    resp = await web.post("/api/users/ani/disable", headers=bearer(mira))
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["user"]["disabled"] is True
    assert await me(web, ani) == 401
    refused = await web.post("/api/auth/login", json={"username": "ani", "password": PASSWORD})
    assert refused.status == 401
    # Not on a call: offline at once; the open console's next message ends it.
    state = await conn.fetchval(
        "SELECT state FROM agent_states WHERE user_id = (SELECT id FROM users WHERE username = 'ani')"
    )
    assert state == "offline"
    await socket.send_json({"type": "ping"})
    while (message := await socket.receive()).type == aiohttp.WSMsgType.TEXT:
        if message.json()["type"] == "error":
            assert message.json()["id"] == "unauthorized"
    assert socket.close_code == 4401

    # A manager cannot disable themselves.
    resp = await web.post("/api/users/mira/disable", headers=bearer(mira))
    assert resp.status == 409
    assert await me(web, mira) == 200

    resp = await web.post("/api/users/ani/enable", headers=bearer(mira))
    assert resp.status == 200 and (await resp.json())["user"]["disabled"] is False
    assert await me(web, ani) == 401  # revoked when disabled: the old session stays dead
    assert await me(web, await login(web, "ani")) == 200


# --------------------------------------------------------------------- CSRF


async def test_a_cookie_request_from_another_site_is_refused_and_the_pages_own_pass(
    web: Client, factory: Factory, conn: asyncpg.Connection
) -> None:
    await factory.create_user("mira", "manager")
    session = await login(web, "mira")  # the client keeps both cookies now
    cookies = {c.key: c.value for c in web.session.cookie_jar}
    assert cookies[SESSION_COOKIE] == session and cookies[CSRF_COOKIE]

    # What the probe sent: a foreign Origin, a text/plain JSON body, the cookie.
    forged = await web.post(
        "/api/auth/tokens",
        data='{"label": "stolen"}',
        headers={"Origin": "https://evil.example", "Content-Type": "text/plain"},
    )
    assert forged.status == 403
    error = (await forged.json())["error"]
    assert error["id"] == "forbidden" and "lintas situs" in error["message"], error
    for headers in (
        {},  # no token, no Origin
        {CSRF_HEADER: "0" * 64},  # a wrong token
        {"Origin": "null"},
        {"Origin": "http://dialer.example:8081"},  # another port is another origin
    ):
        resp = await web.post("/api/auth/tokens", json={"label": "x"}, headers=headers)
        assert resp.status == 403, headers
    assert await api_tokens(conn) == 0

    # The page's token, or an Origin of this service: let in.
    for headers in (
        {CSRF_HEADER: cookies[CSRF_COOKIE]},
        {"Origin": PUBLIC},
        {"Origin": f"http://{web.host}:{web.port}"},  # the host the request was sent to
    ):
        resp = await web.post("/api/auth/tokens", json={"label": "page"}, headers=headers)
        assert resp.status == 201, (headers, await resp.text())
    assert await api_tokens(conn) == 3
    # Safe methods need neither; a bearer token is no ambient credential: not checked.
    assert (await web.get("/api/auth/me", headers={"Origin": "https://evil.example"})).status == 200
    web.session.cookie_jar.clear()
    resp = await web.post(
        "/api/auth/tokens", json={}, headers=bearer(session) | {"Origin": "https://evil.example"}
    )
    assert resp.status == 201
    # Logout with the cookie needs it too.
    web.session.cookie_jar.update_cookies(cookies)
    assert (await web.post("/api/auth/logout")).status == 403
    assert await me(web, session) == 200
    resp = await web.post("/api/auth/logout", headers={CSRF_HEADER: cookies[CSRF_COOKIE]})
    assert resp.status == 200
    assert await me(web, session) == 401


async def test_a_websocket_from_another_origin_is_refused(web: Client, factory: Factory) -> None:
    await factory.create_user("ani", "agent")
    await login(web, "ani")  # the cookie, as a browser would send it
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await web.ws_connect("/api/agent/ws", headers={"Origin": "https://evil.example"})
    assert refused.value.status == 403
    for origin in (PUBLIC, f"http://{web.host}:{web.port}"):
        socket = await web.ws_connect("/api/agent/ws", headers={"Origin": origin})
        assert (await socket.receive_json())["type"] == "hello"
        await socket.close()
    # Behind a proxy that passes the Host without its port (nginx's $host): the names match.
    proxied = {"Host": "dialer.internal", "Origin": "http://dialer.internal:9000"}
    socket = await web.ws_connect("/api/agent/ws", headers=proxied)
    assert (await socket.receive_json())["type"] == "hello"
    await socket.close()
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await web.ws_connect("/api/agent/ws", headers=proxied | {"Origin": "http://evil.internal"})


# -------------------------------------------------------------- assignments


async def test_an_agent_joins_only_running_campaigns_they_are_assigned_to(
    web: Client, factory: Factory, conn: asyncpg.Connection
) -> None:
    await factory.create_user("mira", "manager")
    ani_id = (await factory.create_user("ani", "agent")).id  # before any campaign: none
    running = await factory.running_campaign([row(1)], name="running", virtual_seats=0)
    draft = await factory.create_campaign(name="draft")
    other = await factory.running_campaign([row(2)], name="other", virtual_seats=0)
    paused = await factory.running_campaign([row(3)], name="paused", virtual_seats=0)
    await conn.execute("UPDATE campaigns SET state = 'paused' WHERE id = $1", paused.id)
    mira, ani = await login(web, "mira"), await login(web, "ani")
    web.session.cookie_jar.clear()

    async def join(name: str) -> tuple[int, Any]:
        resp = await web.post("/api/agent/state", json={"campaign": name}, headers=bearer(ani))
        return resp.status, await resp.json()

    async def joinable() -> list[str]:
        found = await (await web.get("/api/agent/campaigns", headers=bearer(ani))).json()
        return [c["name"] for c in found["campaigns"]]

    status, body = await join(running.name)
    assert status == 403 and "tidak ditugaskan" in body["error"]["message"], body
    assert await conn.fetchval("SELECT count(*) FROM agent_states") == 0
    assert await joinable() == []

    for name in (running.name, draft.name, paused.name):
        resp = await web.put(f"/api/campaigns/{name}/agents/ani", headers=bearer(mira))
        assert (resp.status, (await resp.json())["assigned"]) == (200, True)
    again = await web.put(f"/api/campaigns/{running.name}/agents/ani", headers=bearer(mira))
    assert (await again.json())["assigned"] is False
    assert await joinable() == ["running"]  # not the draft or paused one, not the other

    for name in (draft.name, paused.name):  # assigned, but not running
        status, body = await join(name)
        assert status == 400 and body["error"]["id"] == "bad_request", body
    status, body = await join(other.name)
    assert status == 403, body
    status, body = await join(running.name)
    assert (status, body["state"], body["campaign"]) == (200, "paused", "running"), body

    listed = await (await web.get("/api/campaigns/running/agents", headers=bearer(mira))).json()
    assert [(a["username"], a["state"]) for a in listed["agents"]] == [("ani", "paused")]

    # Unassigned while in it (no call): offline at once, and cannot join again.
    resp = await web.delete(f"/api/campaigns/{running.name}/agents/ani", headers=bearer(mira))
    assert (resp.status, (await resp.json())["unassigned"]) == (200, True)
    state = await conn.fetchval("SELECT state FROM agent_states WHERE user_id = $1", ani_id)
    assert state == "offline"
    assert (await join(running.name))[0] == 403
    assert await joinable() == []

    # Only agents are assigned; unknown names are not found.
    resp = await web.put(f"/api/campaigns/{running.name}/agents/mira", headers=bearer(mira))
    assert resp.status == 422
    assert (await web.put("/api/campaigns/running/agents/x", headers=bearer(mira))).status == 404
    assert (await web.put("/api/campaigns/nope/agents/ani", headers=bearer(mira))).status == 404


async def test_an_unassigned_agents_socket_join_is_refused(
    web: Client, factory: Factory, conn: asyncpg.Connection
) -> None:
    await factory.create_user("ani", "agent")
    campaign = await factory.running_campaign([row(1)], virtual_seats=0)
    ani = await login(web, "ani")
    web.session.cookie_jar.clear()
    socket = await web.ws_connect("/api/agent/ws", headers=bearer(ani))
    await socket.send_json({"type": "join", "campaign": campaign.name})
    while (message := await socket.receive_json())["type"] != "error":
        pass
    assert message["id"] == "forbidden", message
    await socket.close()
    assert await conn.fetchval("SELECT count(*) FROM agent_states") == 0
