"""The application keys every room may read: the settings, the pool, the clock and the
node's name. A component's own key lives beside its class (``CARRIER`` in
``providers/carrier.py``, ``HUB`` in ``agents/hub.py`` …); the wiring
(``dialer/runtime.py``) sets them all."""

from __future__ import annotations

from aiohttp import web

from dialer.clock import Clock
from dialer.db import Pool
from dialer.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", Pool)
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
# This node's name: in the attempts it places, the agents it serves, /healthz.
NODE = web.AppKey("node", str)
