"""HTTP plumbing shared by every feature: JSON errors, authentication, role checks."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, datetime
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from dialer.auth.service import User, user_for_token
from dialer.errors import BadRequest, DialerError, Forbidden, Unauthorized, ValidationFailed
from dialer.keys import CLOCK, POOL, TOKEN_ID, USER

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SESSION_COOKIE = "dialer_session"
M = TypeVar("M", bound=BaseModel)


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


async def send_csv(
    request: web.Request, filename: str, chunks: AsyncIterator[str]
) -> web.StreamResponse:
    """Stream CSV text as a download, chunk by chunk (call it once nothing can fail but
    the streaming itself: a 404 must come before the first byte)."""
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        }
    )
    await response.prepare(request)
    async for chunk in chunks:
        await response.write(chunk.encode())
    await response.write_eof()
    return response


def json_response(data: Any, *, status: int = 200) -> web.Response:
    return web.json_response(
        data, status=status, dumps=lambda v: json.dumps(v, default=_default, ensure_ascii=False)
    )


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Render every failure as ``{"error": {"id", "message", "details"}}``."""
    try:
        return await handler(request)
    except DialerError as exc:
        if exc.status >= 500:
            log.exception("request failed", extra={"path": request.path})
        return json_response(exc.to_json(), status=exc.status)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        error_id = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
            exc.status, "http_error"
        )
        body = {"error": {"id": error_id, "message": exc.reason, "details": None}}
        return json_response(body, status=exc.status)
    except Exception:
        log.exception("unhandled error", extra={"path": request.path})
        body = {"error": {"id": "internal_error", "message": "internal error", "details": None}}
        return json_response(body, status=500)


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Resolve ``Authorization: Bearer <token>`` (or the session cookie) to a user."""
    request[USER] = None
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    token = token or request.cookies.get(SESSION_COOKIE, "")
    if token:
        async with request.app[POOL].acquire() as conn:
            found = await user_for_token(conn, token, now=request.app[CLOCK]())
        if found is not None:
            request[USER], request[TOKEN_ID] = found
    return await handler(request)


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

        return checked

    return wrap


def current_user(request: web.Request) -> User:
    user = request[USER]
    assert isinstance(user, User)
    return user


async def read_json(request: web.Request, model: type[M]) -> M:
    """The request body validated as ``model``; a clear 400/422 otherwise."""
    try:
        data = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from exc
    return validate(model, data)


def validate(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in e["loc"]) or "(body)", "reason": e["msg"]}
            for e in exc.errors()
        ]
        raise ValidationFailed("the request is invalid", details=details) from exc


def query_int(request: web.Request, name: str, default: int, *, maximum: int | None = None) -> int:
    """An integer query parameter, or a 400 that names it."""
    raw = request.query.get(name, "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise BadRequest(f"query parameter {name!r} must be an integer, not {raw!r}") from exc
    if value < 0:
        raise BadRequest(f"query parameter {name!r} must not be negative")
    return min(value, maximum) if maximum is not None else value
