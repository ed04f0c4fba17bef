"""The simulators' callbacks (carrier and WhatsApp alike): signed as Twilio signs them,
and posted again after a 5xx or a refused connection, as Twilio does."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from twilio.request_validator import RequestValidator

from dialer.providers.callbacks import post_callback
from dialer.providers.signing import Signer

TOKEN = "simulator-token"


async def test_a_callback_is_signed_and_posted_again_after_a_server_error() -> None:
    seen: list[tuple[int, dict[str, Any], str]] = []

    async def status(request: web.Request) -> web.Response:
        form = dict(await request.post())
        seen.append((len(seen), form, request.headers.get("X-Twilio-Signature", "")))
        return web.Response(status=503 if len(seen) < 3 else 200)

    app = web.Application()
    app.router.add_post("/messaging/status", status)
    server = TestServer(app)
    await server.start_server()
    url = str(server.make_url("/messaging/status?message=7"))
    params = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    try:
        async with aiohttp.ClientSession() as session:
            await post_callback(session, RequestValidator(TOKEN), url, params, message_sid="SM1")
    finally:
        await server.close()
    assert len(seen) == 3  # two 503s, then taken
    for _, form, signature in seen:
        assert form == params
        assert Signer(TOKEN).valid(url, params, signature)
