"""Login, logout (here or everywhere), who am I, API tokens (mint, list, revoke), and
user management (managers: create, disable, enable, revoke a user's tokens)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from dialer.auth import service, throttle
from dialer.auth.http import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    TOKEN_ID,
    csrf_token,
    current_user,
    requires,
)
from dialer.errors import Unauthorized
from dialer.keys import CLOCK, POOL, SETTINGS
from dialer.web import (
    api,
    client_address,
    json_response,
    path_id,
    read_json,
    request_language,
)

routes = web.RouteTableDef()


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=63)
    password: str = Field(min_length=1, max_length=1024)


class TokenBody(BaseModel):
    label: str = Field(default="", max_length=100)
    days: int | None = Field(
        default=None,
        ge=1,
        description="its life in days (default and most: DIALER_SERVER__API_TOKEN_TTL_DAYS)",
    )


class UserBody(BaseModel):
    username: str = Field(min_length=2, max_length=63)
    role: Literal["manager", "agent"]
    password: str = Field(min_length=8, max_length=1024)
    display_name: str = Field(default="", max_length=100)


@routes.post("/api/auth/login")
@api(
    "Log in with a username and password: a session token",
    description="The token is also set as the HttpOnly session cookie; it lasts"
    " DIALER_SERVER__SESSION_TTL_HOURS. 401 for a wrong username or password; 429, with"
    " Retry-After, once a username or a client address has failed too often"
    " (DIALER_LOGIN__*), the right password included.",
    body=LoginBody,
    tag="auth",
)
async def login(request: web.Request) -> web.Response:
    body = await read_json(request, LoginBody)
    settings = request.app[SETTINGS]
    address = client_address(request, settings.server.trusted_networks())
    now = request.app[CLOCK]()
    async with request.app[POOL].acquire() as conn:
        await throttle.count_try(
            conn, settings.login, username=body.username, address=address, now=now
        )
        try:
            token, expires, user = await service.login(
                conn,
                body.username,
                body.password,
                now=now,
                ttl=timedelta(hours=settings.server.session_ttl_hours),
            )
        except Unauthorized:
            await throttle.failed(conn, settings.login, now=now)
            raise
        await throttle.succeeded(conn, username=body.username, address=address)
    response = json_response({"token": token, "expires_at": expires, "user": user.to_json()})
    secure = settings.server.public_url.startswith("https://")
    max_age = settings.server.session_ttl_hours * 3600
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="Strict", max_age=max_age, secure=secure
    )
    # The pages read this one and send it back as X-CSRF-Token (``auth/http.py``).
    response.set_cookie(
        CSRF_COOKIE, csrf_token(token), samesite="Strict", max_age=max_age, secure=secure
    )
    return response


@routes.post("/api/auth/logout")
@requires("manager", "agent")
@api(
    "Log out: revoke the token this request used (and every token minted with it) and"
    " clear the session cookie",
    description="Sent with an API token, it is that token that is revoked. The API tokens"
    " minted with this session are revoked with it.",
    tag="auth",
)
async def logout(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        revoked = await service.revoke_token(conn, request[TOKEN_ID])
    return _logged_out(revoked)


@routes.post("/api/auth/logout-everywhere")
@requires("manager", "agent")
@api(
    "Log out everywhere: revoke every session and API token of the caller",
    description="This request's own token included; log in again to go on.",
    tag="auth",
)
async def logout_everywhere(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        revoked = await service.revoke_all(conn, current_user(request).id)
    return _logged_out(revoked)


def _logged_out(revoked: int) -> web.Response:
    response = json_response({"logged_out": True, "revoked": revoked})
    response.del_cookie(SESSION_COOKIE)
    response.del_cookie(CSRF_COOKIE)
    return response


@routes.get("/api/auth/me")
@requires("manager", "agent")
@api("The caller, and the language the pages speak to them", tag="auth")
async def me(request: web.Request) -> web.Response:
    """The caller, and the language the pages speak to them (``?lang=``, else the
    ``X-Dialer-Language`` header, else ``DIALER_UI__LANGUAGE``)."""
    return json_response(current_user(request).to_json() | {"language": request_language(request)})


@routes.post("/api/auth/tokens")
@requires("manager", "agent")
@api(
    "An API token for the caller (shown once; only its hash is kept)",
    description="It lasts DIALER_SERVER__API_TOKEN_TTL_DAYS, or the fewer days asked for"
    " (422 beyond); the logout of the session (or token) it was minted with revokes it.",
    body=TokenBody,
    status=201,
    tag="auth",
)
async def create_token(request: web.Request) -> web.Response:
    body = await read_json(request, TokenBody)
    app = request.app
    expires_at = service.api_token_expiry(
        app[CLOCK](), days=body.days, max_days=app[SETTINGS].server.api_token_ttl_days
    )
    async with app[POOL].acquire() as conn:
        token, token_id, expires = await service.mint(
            conn,
            current_user(request).id,
            kind="api",
            label=body.label,
            expires_at=expires_at,
            parent_id=request[TOKEN_ID],
        )
    answer = {"token": token, "id": token_id, "label": body.label, "expires_at": expires}
    return json_response(answer, status=201)


@routes.get("/api/auth/tokens")
@requires("manager", "agent")
@api("The caller's live sessions and API tokens (never their secrets)", tag="auth")
async def list_tokens(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        found = await service.list_tokens(conn, current_user(request).id, now=request.app[CLOCK]())
    return json_response({"tokens": found, "current": request[TOKEN_ID]})


@routes.delete("/api/auth/tokens/{id}")
@requires("manager", "agent")
@api(
    "Revoke a session or API token (and every token minted with it)",
    description="The caller's own; a manager may revoke anyone's. 404 for no such token.",
    tag="auth",
)
async def revoke_token(request: web.Request) -> web.Response:
    token_id = path_id(request, what="token")
    async with request.app[POOL].acquire() as conn:
        revoked = await service.revoke_token_of(conn, current_user(request), token_id)
    return json_response({"revoked": revoked})


@routes.get("/api/users")
@requires("manager")
@api("Every user", tag="auth")
async def list_users(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        users = await service.list_users(conn)
    return json_response({"users": users})


@routes.post("/api/users")
@requires("manager")
@api(
    "Create a user: a manager or an agent",
    description="409 when the username is taken.",
    body=UserBody,
    status=201,
    tag="auth",
)
async def create_user(request: web.Request) -> web.Response:
    body = await read_json(request, UserBody)
    async with request.app[POOL].acquire() as conn:
        user = await service.create_user(
            conn,
            username=body.username,
            role=body.role,
            password=body.password,
            display_name=body.display_name,
        )
    return json_response(user.to_json(), status=201)


@routes.post("/api/users/{username}/disable")
@requires("manager")
@api(
    "Disable a user: their sessions and tokens stop working at once",
    description="An agent without a call goes offline. 404 for no such user; 409 for"
    " oneself (another manager, or `dialer users disable`, can).",
    tag="auth",
)
async def disable_user(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        user = await service.set_disabled(
            conn, request.match_info["username"], True, by=current_user(request)
        )
    return json_response({"user": user})


@routes.post("/api/users/{username}/enable")
@requires("manager")
@api("Enable a disabled user again (they log in afresh)", tag="auth")
async def enable_user(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        user = await service.set_disabled(conn, request.match_info["username"], False)
    return json_response({"user": user})


@routes.post("/api/users/{username}/revoke-tokens")
@requires("manager")
@api(
    "Revoke every session and API token of a user (they stay enabled, and log in again)",
    description="404 for no such user.",
    tag="auth",
)
async def revoke_user_tokens(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        revoked = await service.revoke_user(conn, request.match_info["username"])
    return json_response({"revoked": revoked})
