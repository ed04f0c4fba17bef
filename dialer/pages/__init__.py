"""The web pages the service serves: plain HTML, CSS and JavaScript files, no build
step and nothing from a CDN (the machines that run this may have no internet).

``/agent`` is the agent console (``agent.html``, ``static/agent.js``); ``/manager`` the
campaign manager's pages (``manager.html``, ``static/manager.js``: campaigns, a
campaign's live numbers, controls and reports with their charts); ``/`` leads to the
agent console.
The pages call the same JSON API as everyone else, with the session cookie that
``/api/auth/login`` sets.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

HERE = Path(__file__).parent
routes = web.RouteTableDef()


def _page(name: str) -> web.FileResponse:
    response = web.FileResponse(HERE / name)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:;"
        " frame-ancestors 'none'"
    )
    return response


@routes.get("/")
async def index(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/agent")


@routes.get("/agent")
async def agent_console(request: web.Request) -> web.StreamResponse:
    return _page("agent.html")


@routes.get("/manager")
async def manager_pages(request: web.Request) -> web.StreamResponse:
    return _page("manager.html")


def setup(app: web.Application) -> None:
    app.add_routes(routes)
    app.router.add_static("/static", HERE / "static", append_version=False)
