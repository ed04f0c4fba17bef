"""The OpenAPI 3.1 document of the JSON API, at ``GET /api/openapi.json``.

Built from the routes themselves when the application starts: each ``/api/…`` route
(and the health checks) with its path parameters (from the route's pattern: ``{id:\\d+}``
is an integer, ``{report:outcomes|agents}`` one of two words), the roles ``@requires``
lets in, and what its ``@api`` says (``web.Doc``): the pydantic model its JSON body is
validated with — the same class, so the document cannot drift from what is enforced —
the query parameters, uploads, downloads and success status. Every operation answers
errors as ``{"error": {"id", "message", "details"}}``.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from dialer import __version__
from dialer.web import Doc, Param, api, json_response

INCLUDED = re.compile(r"^/api/|^/healthz$|^/readyz$")
_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)")
PATH_PARAMETERS = {
    "name": "the campaign's name",
    "ref": "the campaign's name or id",
    "id": "the record's id",
    "msisdn": "the phone number (08…, 62… or +62…)",
    "indihome": "the customer's IndiHome number",
    "report": "which report",
    "kind": "the file format",
}
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["id", "message"],
            "properties": {
                "id": {"type": "string", "description": "a stable error code"},
                "message": {"type": "string", "description": "what went wrong, for a person"},
                "details": {"description": "the fields at fault, rejected rows, …"},
            },
        }
    },
}
ERRORS = {
    "400": "the request is malformed (the message says what and where)",
    "401": "no valid session or API token",
    "403": "your role may not do this",
    "404": "no such campaign, record or path",
    "409": "the record is in a state that does not allow it",
    "422": "the body is invalid (details: each field and why)",
}


def document(app: web.Application) -> dict[str, Any]:
    schemas: dict[str, Any] = {"Error": ERROR}
    paths: dict[str, dict[str, Any]] = {}
    for route in app.router.routes():
        if route.method == "HEAD" or route.resource is None:
            continue
        path, groups = _path(route)
        if INCLUDED.match(path):
            operation = _operation(route.handler, path, groups, schemas)
            paths.setdefault(path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Outbound campaign dialer",
            "version": __version__,
            "description": "Campaigns, target lists, the DNC list, agents' calls and"
            " outcomes, the voucher ledger, reports. Log in (POST /api/auth/login) for a"
            " session, or send an API token: Authorization: Bearer <token>.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "dialer_session"},
            },
        },
    }


def _path(route: web.AbstractRoute) -> tuple[str, dict[str, str]]:
    """The path with its ``{name}`` parameters, and each parameter's regex as declared
    (``{id:\\d+}`` gives ``\\d+``)."""
    info = route.resource.get_info() if route.resource is not None else {}
    if "formatter" in info:  # a path with parameters
        return str(info["formatter"]), dict(_NAMED_GROUP.findall(info["pattern"].pattern))
    return str(info.get("path") or info.get("prefix", "")), {}


def _operation(
    handler: Any, path: str, groups: dict[str, str], schemas: dict[str, Any]
) -> dict[str, Any]:
    doc: Doc = getattr(handler, "openapi", None) or Doc(_first_line(handler))
    roles: tuple[str, ...] = getattr(handler, "roles", ())
    operation: dict[str, Any] = {
        "operationId": handler.__name__,
        "summary": doc.summary,
        "tags": [doc.tag] if doc.tag else [],
    }
    description = doc.description
    if roles:
        description = (description + "\n\n" if description else "") + "Roles: " + ", ".join(roles)
        operation["security"] = [{"token": []}, {"session": []}]
    else:
        operation["security"] = []
    if description:
        operation["description"] = description
    parameters = [_path_parameter(n, groups.get(n, "")) for n in re.findall(r"\{(\w+)\}", path)]
    parameters += [_query_parameter(p) for p in doc.query]
    if parameters:
        operation["parameters"] = parameters
    body = _request_body(doc, schemas)
    if body is not None:
        operation["requestBody"] = body
    success: dict[str, Any] = {"description": "done"}
    if doc.produces == "application/json":
        success["content"] = {"application/json": {"schema": {"type": ["object", "array"]}}}
    else:
        success["content"] = {doc.produces: {"schema": {"type": "string"}}}
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    responses: dict[str, Any] = {str(doc.status): success}
    for status, meaning in ERRORS.items():
        if status in ("401", "403") and not roles:
            continue
        if status == "422" and doc.body is None:
            continue
        responses[status] = {"description": meaning, "content": error}
    operation["responses"] = responses
    return operation


def _first_line(handler: Any) -> str:
    text = str(handler.__doc__ or handler.__name__.replace("_", " ")).strip()
    return text.splitlines()[0].rstrip(".")


def _path_parameter(name: str, regex: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if regex == r"\d+":
        schema = {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}
    elif regex and re.fullmatch(r"[\w-]+(\|[\w-]+)*", regex):
        schema = {"type": "string", "enum": regex.split("|")}
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": PATH_PARAMETERS.get(name, name),
        "schema": schema,
    }


def _query_parameter(param: Param) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": param.type}
    if param.type == "integer":
        schema["minimum"] = param.minimum
    if param.enum:
        schema["enum"] = list(param.enum)
    if param.default is not None:
        schema["default"] = param.default
    if param.format:
        schema["format"] = param.format
    return {
        "name": param.name,
        "in": "query",
        "required": param.required,
        "description": param.description,
        "schema": schema,
    }


def _request_body(doc: Doc, schemas: dict[str, Any]) -> dict[str, Any] | None:
    if doc.body is not None:
        return {
            "required": True,
            "content": {"application/json": {"schema": _model(doc.body, schemas)}},
        }
    if doc.upload is not None:
        return {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {
                                "type": "string",
                                "contentMediaType": "application/octet-stream",
                                "description": doc.upload,
                            }
                        },
                    }
                }
            },
        }
    return None


def _model(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    """A reference to ``model``'s schema, added (with what it refers to) to ``schemas``."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    schemas.setdefault(model.__name__, schema)
    return {"$ref": f"#/components/schemas/{model.__name__}"}


routes = web.RouteTableDef()


@routes.get("/api/openapi.json")
@api("This document: the JSON API, generated from its routes and pydantic models", tag="meta")
async def openapi_json(request: web.Request) -> web.Response:
    return json_response(document(request.app))
