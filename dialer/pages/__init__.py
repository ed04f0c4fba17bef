"""The web pages the service serves: plain HTML, CSS and JavaScript files, no build
step and nothing from a CDN (the machines that run this may have no internet).

``/agent`` is the agent console (``agent.html``, ``static/agent.js``); ``/manager`` the
campaign manager's pages (``manager.html``, ``static/manager.js``: campaigns, a
campaign's live numbers, controls and reports with their charts); ``/`` leads to the
agent console.
The pages call the same JSON API as everyone else, with the session cookie that
``/api/auth/login`` sets; the lists they build their forms and charts from (outcome
codes, payment channels …) come from ``GET /api/vocabulary``, defined once on the server
(``rules/vocabulary.py``).
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from dialer.auth.http import requires
from dialer.errors import BadRequest
from dialer.i18n import LANGUAGES
from dialer.rules.vocabulary import vocabulary
from dialer.web import Param, api, json_response, request_language

HERE = Path(__file__).parent
routes = web.RouteTableDef()


def _page(name: str) -> web.FileResponse:
    response = web.FileResponse(HERE / name)
    response.headers["Cache-Control"] = "no-cache"
    # The softphone (Twilio's Voice SDK, served from here) signals over wss to Twilio,
    # reports call quality to https://*.twilio.com and plays its tones from its CDN.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; connect-src 'self' ws: wss: https://*.twilio.com;"
        " media-src 'self' https://sdk.twilio.com; img-src 'self' data:;"
        " frame-ancestors 'none'"
    )
    return response


@routes.get("/")
async def index(request: web.Request) -> web.StreamResponse:
    # The query (?lang=en) goes along: the console opens in the language asked for.
    query = request.rel_url.raw_query_string
    raise web.HTTPFound(f"/agent?{query}" if query else "/agent")


@routes.get("/agent")
async def agent_console(request: web.Request) -> web.StreamResponse:
    return _page("agent.html")


@routes.get("/manager")
async def manager_pages(request: web.Request) -> web.StreamResponse:
    return _page("manager.html")


@routes.get("/favicon.ico")
async def favicon(request: web.Request) -> web.StreamResponse:
    """The pages link their icon (``static/favicon.svg``); a browser or a tool that asks
    for /favicon.ico anyway gets it too, not a 404."""
    response = web.FileResponse(HERE / "static" / "favicon.svg")
    response.content_type = "image/svg+xml"
    response.headers["Cache-Control"] = "max-age=86400"
    return response


@routes.get("/api/vocabulary")
@requires("manager", "agent")
@api(
    "The product's lists — tiers, products, customer columns, outcome codes, call results,"
    " payment channels — with labels in the page's language",
    query=(Param("lang", "the labels' language (default: the service's)", enum=("id", "en")),),
    tag="meta",
)
async def vocabulary_json(request: web.Request) -> web.Response:
    language = request.query.get("lang")
    if language is not None and language not in LANGUAGES:
        raise BadRequest(f"lang {language!r} is not one of id, en")
    return json_response(vocabulary(request_language(request)))


def add_static(app: web.Application) -> None:
    """The pages' scripts and styles under ``/static``."""
    app.router.add_static("/static", HERE / "static", append_version=False)
