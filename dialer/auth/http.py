"""Who is calling: the session cookie or ``Authorization: Bearer <token>`` resolved to a
user on every request, and the role each handler allows (``@requires``: 401 to the
anonymous, 403 to a role it does not name)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from aiohttp import web

from dialer.auth.service import User, user_for_token
from dialer.errors import Forbidden, Unauthorized
from dialer.keys import CLOCK, POOL
from dialer.web import Handler

SESSION_COOKIE = "dialer_session"
# Set on every request by the middleware.
USER = web.RequestKey("user", object)  # User | None
TOKEN_ID = web.RequestKey("token_id", int)


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Resolve ``Authorization: Bearer <token>`` (or the session cookie) to a user."""
    request[USER] = None
    if getattr(request.match_info.handler, "own_credentials", False):
        return await handler(request)  # its bearer token is not a user's: not looked up
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    token = token or request.cookies.get(SESSION_COOKIE, "")
    if token:
        async with request.app[POOL].acquire() as conn:
            found = await user_for_token(conn, token, now=request.app[CLOCK]())
        if found is not None:
            request[USER], request[TOKEN_ID] = found
    return await handler(request)


def own_credentials(handler: Handler) -> Handler:
    """Mark a handler that checks credentials of its own (``/metrics``: the scraper's
    token): no user is looked up for it — not even when the database is down."""
    handler.__dict__["own_credentials"] = True
    return handler


def requires(*roles: str) -> Callable[[Handler], Handler]:
    """Allow the handler to users of ``roles``: 401 when anonymous, 403 otherwise."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def checked(request: web.Request) -> web.StreamResponse:
            user = request[USER]
            if not isinstance(user, User):
                raise Unauthorized("log in or send an API token (Authorization: Bearer …)")
            if user.role not in roles:
                raise Forbidden(f"this needs the {' or '.join(roles)} role; you are {user.role}")
            return await handler(request)

        checked.__dict__["roles"] = roles
        return checked

    return wrap


def current_user(request: web.Request) -> User:
    user = request[USER]
    assert isinstance(user, User)
    return user
