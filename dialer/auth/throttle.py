"""Login throttling: failed logins are counted per username and per client address, in
PostgreSQL (every node sees the same counts), and a username or an address past its
limit within the window is refused — 429 with ``Retry-After`` — until its lockout is
over, the right password included.

A try is counted *before* its password is checked, so that a burst of tries sent at
once cannot slip past the limit while the checks run; a successful login then takes
its try back: the user's count starts over and the address's loses the one try (agents
of an office behind one address, logging in every morning, never lock it).
"""

from __future__ import annotations

import ipaddress
import logging
import math
from datetime import datetime, timedelta

from dialer.db import Connection, q
from dialer.errors import TooManyRequests
from dialer.settings import LoginSettings

log = logging.getLogger(__name__)


async def count_try(
    conn: Connection, limits: LoginSettings, *, username: str, address: str, now: datetime
) -> None:
    """Count a login try of ``username`` from ``address``; :class:`TooManyRequests`
    when either is locked (newly locked by this try: logged, one line)."""
    locked: list[datetime] = []
    for scope, key, limit in (
        ("user", username, limits.max_failures_per_user),
        ("address", address_key(address), limits.max_failures_per_address),
    ):
        record = await conn.fetchrow(
            q("count_login_try"),
            scope,
            key,
            now,
            float(limits.window_seconds),
            limit,
            float(limits.lockout_seconds),
        )
        assert record is not None
        until = record["locked_until"]
        if until is None:
            continue
        locked.append(until)
        if record["failures"] == limit + 1:  # the try that locked it: said once
            log.warning(
                "login locked",
                extra={
                    "locked": scope,
                    "username": username,
                    "address": address,
                    "failures": limit,
                    "until": until.isoformat(),
                },
            )
    if locked:
        retry = max(1, math.ceil((max(locked) - now).total_seconds()))
        raise TooManyRequests(
            f"too many failed logins for this username or from this address: try again in"
            f" {retry} seconds",
            retry_after=retry,
        )


async def failed(conn: Connection, limits: LoginSettings, *, now: datetime) -> None:
    """A try failed (it is counted already): old counts are swept while we are here."""
    await conn.execute(
        q("sweep_login_failures"), now - timedelta(seconds=limits.window_seconds), now
    )


async def succeeded(conn: Connection, *, username: str, address: str) -> None:
    """``username`` logged in from ``address``: its count starts over; the address's
    try is taken back."""
    await conn.execute(q("login_succeeded"), username, address_key(address))


def address_key(address: str) -> str:
    """What an address's tries are counted under: an IPv4 address itself, an IPv6
    address's /64 (one subscriber's network: its addresses are the attacker's to
    choose)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
