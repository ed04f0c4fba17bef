"""Every ``web.AppKey`` and request key, typed; no string keys elsewhere."""

from __future__ import annotations

from aiohttp import web

from dialer.clock import Clock
from dialer.db import Pool
from dialer.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", Pool)
CLOCK = web.AppKey("clock", Clock)  # type: ignore[type-abstract]

# request["user"] is set by the auth middleware (a dialer.auth.service.User or None).
USER = "dialer.user"
TOKEN_ID = "dialer.token_id"
