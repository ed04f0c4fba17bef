"""Login, logout, who am I, API tokens, and user management (managers)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from dialer.auth import service, throttle
from dialer.auth.http import SESSION_COOKIE, TOKEN_ID, current_user, requires
from dialer.errors import Unauthorized
from dialer.keys import CLOCK, POOL, SETTINGS
from dialer.web import api, client_address, json_response, read_json, request_language

routes = web.RouteTableDef()


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=63)
    password: str = Field(min_length=1, max_length=1024)


class TokenBody(BaseModel):
    label: str = Field(default="", max_length=100)


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
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        max_age=settings.server.session_ttl_hours * 3600,
        secure=settings.server.public_url.startswith("https://"),
    )
    return response


@routes.post("/api/auth/logout")
@requires("manager", "agent")
@api(
    "Log out: revoke the token this request used and clear the session cookie",
    description="Sent with an API token, it is that token that is revoked.",
    tag="auth",
)
async def logout(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        await service.revoke_token(conn, request[TOKEN_ID])
    response = json_response({"logged_out": True})
    response.del_cookie(SESSION_COOKIE)
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
    "A long-lived API token for the caller (shown once; only its hash is kept)",
    body=TokenBody,
    status=201,
    tag="auth",
)
async def create_token(request: web.Request) -> web.Response:
    """A long-lived API token for the caller (shown once; only its hash is kept)."""
    body = await read_json(request, TokenBody)
    async with request.app[POOL].acquire() as conn:
        token, _ = await service.issue_token(
            conn, current_user(request).id, kind="api", label=body.label
        )
    return json_response({"token": token, "label": body.label}, status=201)


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
