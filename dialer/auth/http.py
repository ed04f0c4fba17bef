"""Who is calling: the session cookie or ``Authorization: Bearer <token>`` resolved to a
user on every request, and the role each handler allows (``@requires``: 401 to the
anonymous, 403 to a role it does not name).

Cross-site requests are refused here too. A browser sends the session cookie with any
request to this service, whichever page asks, so an unsafe request (POST, PUT, PATCH,
DELETE) to a handler that acts as the caller (``@requires``) and authenticated by the
cookie must show it comes from the service's own pages:
the ``X-CSRF-Token`` header the pages send (``common.js``; a digest of the session,
given to the page in the ``dialer_csrf`` cookie at login, which another site can
neither read nor compute), or an ``Origin`` of the service (``server.public_url``, or
the host the request was sent to). A WebSocket that says its ``Origin`` must say one of
those. Requests with a bearer token carry no ambient credential and are not checked;
the providers' callbacks have no session and are signed.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Callable
from urllib.parse import urlsplit

from aiohttp import web

from dialer.auth.service import User, user_for_token
from dialer.errors import Forbidden, Unauthorized
from dialer.keys import CLOCK, POOL, SETTINGS
from dialer.web import Handler

SESSION_COOKIE = "dialer_session"
CSRF_COOKIE = "dialer_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Set on every request by the middleware.
USER = web.RequestKey("user", object)  # User | None
TOKEN_ID = web.RequestKey("token_id", int)
BY_COOKIE = web.RequestKey("by_cookie", bool)  # authenticated by the session cookie


def csrf_token(session: str) -> str:
    """The CSRF token of session ``session``: a digest only its holder can compute."""
    return hashlib.sha256(b"dialer-csrf\0" + session.encode()).hexdigest()


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, lowercased, the default port left out."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        return ""
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def origin_allowed(request: web.Request) -> bool:
    """Whether the request's ``Origin`` is the service's own: its public URL, or the
    host the request was sent to (a browser sets both; another site cannot)."""
    origin = request.headers.get("Origin", "")
    if not origin or origin == "null":
        return False
    mine = _origin(origin)
    if mine and mine == _origin(request.app[SETTINGS].server.public_url):
        return True
    host = request.host.lower()
    said = urlsplit(origin)
    if not host or not said.hostname:
        return False
    if ":" in host.rsplit("]", 1)[-1]:  # the Host with its port: the origin's must match
        return said.netloc.lower() == host
    # A proxy that passes nginx's $host drops the port: the host's name must match.
    return said.hostname.lower() == host.strip("[]")


def _check_websocket_origin(request: web.Request) -> None:
    """Refuse a WebSocket opened from another site's page (a browser always says the
    page's origin; other clients need not)."""
    if request.headers.get("Upgrade", "").lower() != "websocket":
        return
    origin = request.headers.get("Origin")
    if origin is not None and not origin_allowed(request):
        raise Forbidden(
            f"a WebSocket from origin {origin!r} is refused: open it from this service's pages"
        )


def _check_cross_site(request: web.Request) -> None:
    """Refuse a cookie-authenticated unsafe request another site could have sent (only
    where the caller's identity is used: ``@requires``; a login is not refused for the
    cookie of an earlier session)."""
    if not request[BY_COOKIE] or request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER, "")
    session = request.cookies.get(SESSION_COOKIE, "")
    if sent and hmac.compare_digest(sent, csrf_token(session)):
        return
    if origin_allowed(request):
        return
    raise Forbidden(
        f"a {request.method} with the session cookie needs the page's {CSRF_HEADER} header"
        " or an Origin of this service (server.public_url): refused as a possible"
        " cross-site request"
    )


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Resolve ``Authorization: Bearer <token>`` (or the session cookie) to a user, and
    refuse a WebSocket from another site (the module's docstring)."""
    request[USER] = None
    request[BY_COOKIE] = False
    if getattr(request.match_info.handler, "own_credentials", False):
        return await handler(request)  # its bearer token is not a user's: not looked up
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if not token:
        token = request.cookies.get(SESSION_COOKIE, "")
        request[BY_COOKIE] = bool(token)
    if token:
        async with request.app[POOL].acquire() as conn:
            found = await user_for_token(conn, token, now=request.app[CLOCK]())
        if found is not None:
            request[USER], request[TOKEN_ID] = found
        else:
            request[BY_COOKIE] = False
    _check_websocket_origin(request)
    return await handler(request)


def own_credentials(handler: Handler) -> Handler:
    """Mark a handler that checks credentials of its own (``/metrics``: the scraper's
    token): no user is looked up for it — not even when the database is down."""
    handler.__dict__["own_credentials"] = True
    return handler


def requires(*roles: str) -> Callable[[Handler], Handler]:
    """Allow the handler to users of ``roles``: 401 when anonymous, 403 otherwise, and
    403 for a request with the session cookie another site could have sent."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def checked(request: web.Request) -> web.StreamResponse:
            user = request[USER]
            if not isinstance(user, User):
                raise Unauthorized("log in or send an API token (Authorization: Bearer …)")
            _check_cross_site(request)
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
