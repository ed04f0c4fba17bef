"""The transfer guide on the agent's console (seed 003): the categories of the call
they hold, each with the line to say (filled for the customer), its consent words and
log text; and the record that the customer was informed (an "educate" category: no
transfer). The transfer itself is ``POST /api/agent/transfer`` (``routes.py``).
"""

from __future__ import annotations

from aiohttp import web

from dialer.agents import transfer_guides
from dialer.auth.http import current_user, requires
from dialer.errors import BadRequest
from dialer.keys import CLOCK, POOL
from dialer.web import Param, api, json_response, query_int, read_json

routes = web.RouteTableDef()


@routes.get("/api/agent/transfer/guide")
@requires("agent")
@api(
    "The campaign's transfer guide for the agent's call: per category, the line to say,"
    " educate or transfer, the consent words and the log text",
    description="Each category's line (say) is filled for the customer, once per way of"
    " addressing them (bapak, ibu, unknown); a transferred category lists the campaign's"
    " destinations for it (example ones flagged). 403 when the call is not the agent's;"
    " 409 when the campaign has no transfer guide.",
    query=(Param("attempt_id", "the call the agent holds", "integer", required=True),),
    tag="agents",
)
async def guide_for_call(request: web.Request) -> web.Response:
    attempt_id = query_int(request, "attempt_id", 0, minimum=1)
    if not attempt_id:
        raise BadRequest("query parameter 'attempt_id' is required: the call you hold")
    async with request.app[POOL].acquire() as conn:
        found = await transfer_guides.for_call(conn, current_user(request).id, attempt_id)
    return json_response(found)


@routes.post("/api/agent/informed")
@requires("agent")
@api(
    "Record that the customer was given a category's information, with no transfer",
    description="For a category of the transfer guide whose procedure is to educate the"
    " customer (e.g. to the app): recorded with the guide's log text, its fields filled"
    " in. 201 when recorded; 200 with the first record when it was recorded already for"
    " that call and category. 403 when the call is not the agent's; 409 for a category"
    " that is transferred instead; 422 for an unknown category or a missing field.",
    body=transfer_guides.InformForm,
    status=201,
    tag="agents",
)
async def record_informed(request: web.Request) -> web.Response:
    app, user = request.app, current_user(request)
    form = await read_json(request, transfer_guides.InformForm)
    async with app[POOL].acquire() as conn, conn.transaction():
        informed = await transfer_guides.inform(conn, form, agent_id=user.id, now=app[CLOCK]())
    return json_response({"informed": informed.record}, status=201 if informed.new else 200)
