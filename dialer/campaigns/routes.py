"""Campaign endpoints: create, read, list, update (a new version), start, pause, finish."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from dialer.auth.http import current_user, requires
from dialer.campaigns import service
from dialer.campaigns.schemas import CampaignDefinition
from dialer.errors import BadRequest, Conflict
from dialer.keys import POOL, SETTINGS
from dialer.web import api, json_body, json_response

routes = web.RouteTableDef()


async def _body(request: web.Request) -> dict[str, Any]:
    data = await json_body(request)
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object: a campaign definition")
    return data


@routes.get("/api/campaigns")
@requires("manager")
@api(
    "Every campaign with its state, version, title, number of targets and of those done,"
    " voucher quota and quota left",
    tag="campaigns",
)
async def list_campaigns(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        found = await service.listing(conn)
    return json_response({"campaigns": found})


@routes.post("/api/campaigns")
@requires("manager")
@api(
    "Create a campaign from its definition",
    description="409 when a campaign of that name exists (PUT changes it); 422 when the"
    " definition, or the call script it names, is invalid.",
    body=CampaignDefinition,
    status=201,
    tag="campaigns",
)
async def create_campaign(request: web.Request) -> web.Response:
    data = await _body(request)
    async with request.app[POOL].acquire() as conn:
        name = data.get("name")
        if isinstance(name, str) and await service.exists(conn, name):
            raise Conflict(
                f"campaign {name!r} exists already; PUT /api/campaigns/{name} changes it"
            )
        campaign, _, _ = await service.apply(
            conn,
            data,
            actor=current_user(request).username,
            source="api",
            scripts_dir=request.app[SETTINGS].scripts_dir,
            examples_allowed=not request.app[SETTINGS].twilio.configured,
        )
    return json_response(campaign.to_json(), status=201)


@routes.get("/api/campaigns/{ref}")
@requires("manager")
@api("One campaign, by name or id, with its definition and number of targets", tag="campaigns")
async def get_campaign(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        campaign = await service.get(conn, request.match_info["ref"])
        targets = await service.count_targets(conn, campaign.id)
    return json_response(campaign.to_json() | {"targets": targets})


@routes.put("/api/campaigns/{ref}")
@requires("manager")
@api(
    "Change a campaign's definition: a new version when anything changed",
    description="Answers with the campaign, the outcome (updated or unchanged) and the"
    " changes. 422 when the definition is invalid or names another campaign (a campaign"
    " cannot be renamed); 409 when the campaign is finished.",
    body=CampaignDefinition,
    tag="campaigns",
)
async def update_campaign(request: web.Request) -> web.Response:
    data = await _body(request)
    async with request.app[POOL].acquire() as conn:
        current = await service.get(conn, request.match_info["ref"])
        campaign, outcome, changes = await service.apply(
            conn,
            data,
            actor=current_user(request).username,
            source="api",
            scripts_dir=request.app[SETTINGS].scripts_dir,
            expect_name=current.name,
            examples_allowed=not request.app[SETTINGS].twilio.configured,
        )
    return json_response(campaign.to_json() | {"outcome": outcome, "changes": changes})


@routes.get("/api/campaigns/{ref}/versions")
@requires("manager")
@api("A campaign's versions and its events", tag="campaigns")
async def list_versions(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        campaign = await service.get(conn, request.match_info["ref"])
        history = await service.history(conn, campaign.id)
    return json_response(history)


async def _transition(request: web.Request, action: str) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        campaign = await service.transition(
            conn, request.match_info["ref"], action, actor=current_user(request).username
        )
    return json_response(campaign.to_json())


@routes.post("/api/campaigns/{ref}/start")
@requires("manager")
@api(
    "Start the campaign (from draft or paused)",
    description="409 when its state does not allow it.",
    tag="campaigns",
)
async def start(request: web.Request) -> web.Response:
    return await _transition(request, "start")


@routes.post("/api/campaigns/{ref}/pause")
@requires("manager")
@api(
    "Pause the running campaign",
    description="409 when its state does not allow it.",
    tag="campaigns",
)
async def pause(request: web.Request) -> web.Response:
    return await _transition(request, "pause")


@routes.post("/api/campaigns/{ref}/finish")
@requires("manager")
@api(
    "Finish the campaign for good (from draft, running or paused)",
    description="409 when its state does not allow it.",
    tag="campaigns",
)
async def finish(request: web.Request) -> web.Response:
    return await _transition(request, "finish")
