"""HTTP plumbing shared by every room: the error middleware (each kind of error to its
status), JSON in and out, strict parameters, CSV downloads, and ``@api`` (what the
OpenAPI document says of an operation). Who is calling is the ``auth`` room's business
(``auth/http.py``)."""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import asyncpg
from aiohttp import web
from pydantic import BaseModel, ValidationError

from dialer.background import Outage
from dialer.db import BIGINT_MAX, as_id
from dialer.errors import (
    BadRequest,
    Conflict,
    DialerError,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
    Unauthorized,
    UpstreamFailed,
    ValidationFailed,
)
from dialer.i18n import language_of, translate, translate_details
from dialer.keys import SETTINGS

log = logging.getLogger(__name__)
# The header the pages send with every call: the language they show (``id``, ``en``).
LANGUAGE_HEADER = "X-Dialer-Language"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
M = TypeVar("M", bound=BaseModel)
# Each kind of error (``dialer.errors``) and the HTTP status it answers with; a subclass
# answers as its nearest kind here, anything else as 500.
STATUS: dict[type[DialerError], int] = {
    BadRequest: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PayloadTooLarge: 413,
    ValidationFailed: 422,
    TooManyRequests: 429,
    UpstreamFailed: 502,
}


def status_of(error: DialerError) -> int:
    """The HTTP status of ``error``: its nearest kind's in :data:`STATUS`."""
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 500


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


def request_language(request: web.Request) -> str:
    """The language to answer ``request`` in: ``?lang=`` (``id``, ``en``), else the
    ``X-Dialer-Language`` header the pages send, else the deployment's
    (``DIALER_UI__LANGUAGE``, Indonesian by default). ``Accept-Language`` is not read:
    a browser sends its own interface language, not the one chosen for the product."""
    settings = request.app.get(SETTINGS)
    default = language_of(settings.ui.language if settings is not None else None)
    chosen = request.query.get("lang") or request.headers.get(LANGUAGE_HEADER)
    return language_of(chosen, default)


Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


def client_address(request: web.Request, trusted: Networks = ()) -> str:
    """The address of the client that sent ``request``: the connection's peer, unless the
    peer is one of the ``trusted`` proxies (``DIALER_SERVER__TRUSTED_PROXIES``); then
    ``X-Forwarded-For`` is read from its end (what the proxies appended) back to the
    first address that is not a trusted proxy's. Anything a client wrote into the header
    itself sits before that address and is never believed."""
    peer = request.remote or ""
    if not _trusted(peer, trusted):
        return peer
    hops = [
        hop.strip()
        for header in request.headers.getall("X-Forwarded-For", ())
        for hop in header.split(",")
    ]
    client = peer
    for hop in reversed([h for h in hops if h]):
        client = hop[:64]
        if not _trusted(hop, trusted):
            break
    return client


def _trusted(address: str, trusted: Networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def in_language(request: web.Request, body: Any) -> Any:
    """``body`` with its reasons and messages (an import's rejected rows) in the
    caller's language."""
    return translate_details(body, request_language(request))


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Render every failure as ``{"error": {"id", "message", "details"}}``, in the
    caller's language (:func:`request_language`), which every answer names in its
    ``Content-Language`` (the pages follow it until they are asked for another)."""
    response = await _rendered(request, handler)
    if not response.prepared:
        response.headers.setdefault("Content-Language", request_language(request))
    return response


# Requests while the database is away: 503, said once in the log (and once when back).
REQUESTS_OUTAGE = Outage("requests", settle=2.0)


async def _rendered(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
        if REQUESTS_OUTAGE.down:
            REQUESTS_OUTAGE.ok()
        return response
    except DialerError as exc:
        status = status_of(exc)
        if status >= 500:
            log.exception("request failed", extra={"path": request.path})
        response = json_response(exc.to_json(request_language(request)), status=status)
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        error_id = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
            exc.status, "http_error"
        )
        message = translate(exc.reason, request_language(request))
        body = {"error": {"id": error_id, "message": message, "details": None}}
        return json_response(body, status=exc.status)
    except asyncpg.DataError as exc:
        # A value the database cannot take (a number beyond bigint, a NUL character, text
        # that is not Unicode): the request's fault, and nothing was changed.
        log.warning("request refused by the database", extra={"path": request.path})
        error = BadRequest(f"a value in the request cannot be stored or looked up: {exc}")
        return json_response(error.to_json(request_language(request)), status=400)
    except Exception as exc:
        if REQUESTS_OUTAGE.failed(exc):
            language = request_language(request)
            message = translate("the database is unreachable, try again shortly", language)
            body = {"error": {"id": "unavailable", "message": message, "details": None}}
            response = json_response(body, status=503)
            response.headers["Retry-After"] = "5"
            return response
        log.exception("unhandled error", extra={"path": request.path})
        message = translate("internal error", request_language(request))
        body = {"error": {"id": "internal_error", "message": message, "details": None}}
        return json_response(body, status=500)


@dataclass(frozen=True)
class Param:
    """A query parameter of an API operation, for the OpenAPI document."""

    name: str
    description: str
    type: str = "string"  # "string", "integer" or "boolean"
    enum: tuple[str, ...] = ()
    default: str | int | bool | None = None
    format: str | None = None  # e.g. "date"
    required: bool = False
    minimum: int = 0  # integers only


@dataclass(frozen=True)
class Doc:
    """What the OpenAPI document (``dialer/openapi.py``) says of one operation.

    ``body``: the pydantic model its JSON body is read as (``read_json``); ``upload``:
    what the multipart part ``file`` holds, for uploads; ``produces``: the media type
    of a success (``text/csv`` for downloads, ``text/event-stream`` for the live
    stream)."""

    summary: str
    description: str = ""
    body: type[BaseModel] | None = None
    upload: str | None = None
    query: tuple[Param, ...] = ()
    produces: str = "application/json"
    status: int = 200
    tag: str | None = None


def api(summary: str, **details: Any) -> Callable[[Handler], Handler]:
    """Describe a handler for the OpenAPI document (``Doc``'s fields); put it below
    ``@requires`` (which keeps it) or above, either way."""
    doc = Doc(summary, **details)

    def mark(handler: Handler) -> Handler:
        handler.__dict__["openapi"] = doc
        return handler

    return mark


async def read_json(request: web.Request, model: type[M]) -> M:
    """The request body validated as ``model``; a clear 400/422 otherwise."""
    return validate(model, await json_body(request))


async def json_body(request: web.Request) -> Any:
    """The request's JSON body; a 400 that says why when it is not JSON, or holds text
    no database column can take (a NUL character, half a UTF-16 surrogate pair)."""
    try:
        data = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise BadRequest("the body's JSON is nested too deeply") from exc
    problem = _text_problem(data)
    if problem is not None:
        raise BadRequest(f"the body has {problem} in its text")
    return data


def _text_problem(data: Any) -> str | None:
    """What no text column can take in ``data`` (walked without recursion), or None."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return "a NUL character (\\u0000)"
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "half a UTF-16 surrogate pair (not Unicode)"
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def validate(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in e["loc"]) or "(body)", "reason": e["msg"]}
            for e in exc.errors()
        ]
        raise ValidationFailed("the request is invalid", details=details) from exc


def path_id(request: web.Request, name: str = "id", *, what: str = "record") -> int:
    """A path parameter that is an id; a 400 that names it otherwise."""
    raw = request.match_info[name]
    value = as_id(raw)
    if value is None:
        raise BadRequest(f"{what} id {raw!r} is not a number (1 to {BIGINT_MAX})")
    return value


def query_int(
    request: web.Request,
    name: str,
    default: int,
    *,
    minimum: int = 0,
    maximum: int | None = None,
) -> int:
    """An integer query parameter, or a 400 that names it (a ``maximum`` caps it)."""
    raw = request.query.get(name, "")
    if not raw:
        return default
    if not (raw.isascii() and raw.removeprefix("-").isdigit()):
        raise BadRequest(f"query parameter {name!r} must be an integer, not {raw!r}")
    if len(raw) > 19 or int(raw) > BIGINT_MAX:
        raise BadRequest(f"query parameter {name!r} is too large: {raw!r}")
    value = int(raw)
    if value < minimum:
        raise BadRequest(f"query parameter {name!r} must be at least {minimum}, not {raw!r}")
    return min(value, maximum) if maximum is not None else value
