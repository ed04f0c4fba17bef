"""Every ``web.AppKey`` and request key, typed; no string keys elsewhere."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import web

from dialer.calls.signature import Signer
from dialer.clock import Clock
from dialer.db import Pool
from dialer.settings import Settings

if TYPE_CHECKING:
    from dialer.agents.hub import Hub
    from dialer.agents.screen_pop import Pops
    from dialer.calls.applier import Applier
    from dialer.calls.carrier import Carrier
    from dialer.calls.inbox import Inbox
    from dialer.calls.pacer import Dialer
    from dialer.reports.live import Live
    from dialer.vouchers.messenger import Messenger
    from dialer.vouchers.outbox import Sender

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", Pool)
CLOCK: web.AppKey[Clock] = web.AppKey("clock")

# Set on every request by the auth middleware.
USER = web.RequestKey("user", object)  # dialer.auth.service.User | None
TOKEN_ID = web.RequestKey("token_id", int)

# The dialer (dialer.calls): its carrier and engine, set up by create_app.
CARRIER: web.AppKey[Carrier] = web.AppKey("carrier")
DIALER: web.AppKey[Dialer] = web.AppKey("dialer")
APPLIER: web.AppKey[Applier] = web.AppKey("applier")
INBOX: web.AppKey[Inbox] = web.AppKey("inbox")
# Checks X-Twilio-Signature on the carrier's callbacks.
VALIDATOR = web.AppKey("twilio_validator", Signer)
BACKGROUND: web.AppKey[set[asyncio.Task[None]]] = web.AppKey("background")
# The agents' WebSockets on this node and the LISTEN connection that feeds them.
HUB: web.AppKey[Hub] = web.AppKey("hub")
POPS: web.AppKey[Pops] = web.AppKey("pops")
MESSENGER: web.AppKey[Messenger] = web.AppKey("messenger")
SENDER: web.AppKey[Sender] = web.AppKey("sender")
LIVE: web.AppKey[Live] = web.AppKey("live")
