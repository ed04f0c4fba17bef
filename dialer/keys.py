"""Every ``web.AppKey`` and request key, typed; no string keys elsewhere."""

from __future__ import annotations

from aiohttp import web

from dialer.clock import Clock
from dialer.db import Pool
from dialer.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", Pool)
CLOCK: web.AppKey[Clock] = web.AppKey("clock")

# Set on every request by the auth middleware.
USER = web.RequestKey("user", object)  # dialer.auth.service.User | None
TOKEN_ID = web.RequestKey("token_id", int)
