"""A simulated partner (Bukalapak) for ``make run`` and ``dialer demo``: some customers
whose voucher reached their WhatsApp pay with it, and the partner reports each
redemption the way the real one does — a JSON callback to ``/partner/redemptions``,
signed with the shared secret and stamped with the real time.

Every ``POLL`` real seconds it looks at vouchers delivered or read and not yet decided;
each is redeemed with probability ``odds``, once, at the node's clock time.
"""

from __future__ import annotations

import json
import logging
import random
import time

import aiohttp

from dialer.background import Loop
from dialer.clock import Clock
from dialer.db import Pool, q
from dialer.providers.signing import partner_signature

log = logging.getLogger(__name__)
POLL = 0.5


class SimulatedPartner:
    def __init__(
        self,
        pool: Pool,
        clock: Clock,
        base_url: str,
        secret: str,
        *,
        odds: float = 0.6,
        seed: int | None = None,
    ) -> None:
        self.pool, self.clock, self.base_url, self.secret = (
            pool,
            clock,
            base_url.rstrip("/"),
            secret,
        )
        self.odds = odds
        self.rnd = random.Random(seed)
        self.decided: set[int] = set()
        self._session: aiohttp.ClientSession | None = None
        self._loop = Loop("simulated partner", self._step_once, POLL)

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
        if self._session is not None:
            await self._session.close()

    async def _step_once(self) -> bool:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        await self.step(self._session)
        return False

    async def step(self, session: aiohttp.ClientSession) -> int:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(q("vouchers_on_whatsapp"), list(self.decided))
        redeemed = 0
        for row in rows:
            self.decided.add(row["id"])
            if self.rnd.random() >= self.odds:
                continue
            body = json.dumps(
                {
                    "reference": f"SIM-{row['id']}",
                    "code": row["code"],
                    "redeemed_at": self.clock().isoformat(),
                }
            ).encode()
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                "X-Partner-Timestamp": stamp,
                "X-Partner-Signature": partner_signature(self.secret, stamp, body),
            }
            async with session.post(
                self.base_url + "/partner/redemptions", data=body, headers=headers
            ) as response:
                await response.read()
                redeemed += response.status == 200
        return redeemed
