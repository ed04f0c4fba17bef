"""The WhatsApp outbox: written in the outcome's transaction, sent after the commit.

``enqueue`` writes the voucher's message (``pending``) with the outcome; a crash before
the commit leaves neither, a crash after it leaves the message to send. Every node's
``Sender`` claims due messages (``FOR UPDATE SKIP LOCKED``, as ``sending``), commits,
hands each to the messenger within the messages-per-second limit (a token bucket shared
by the nodes), and records the SID. A 429/5xx/network failure sends it again later,
backing off, up to ``message_max_tries``; a refusal (4xx) fails it. A message left in
``sending`` by a node that died is sent again after ``message_stuck_seconds``: at least
once — Twilio has no idempotency key for messages, so in that rare case the customer may
get the code twice, never a second code.

Status callbacks (``apply_status``) are stored raw, then applied in one transaction: a
status never goes back (``RANK``), so repeats and any order reach the same state; the
voucher follows (sent, delivered, read, failed) with an event each. ``resend`` queues
the same voucher again (to a corrected number): never a second voucher.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from dialer.background import Loop
from dialer.clock import Clock
from dialer.db import Connection, Pool, q
from dialer.errors import Conflict, NotFound
from dialer.providers import ratelimit
from dialer.providers.errors import ProviderRejected, ProviderUnavailable
from dialer.providers.messenger import Messenger, OutboundMessage
from dialer.rules import bahasa
from dialer.rules.money import format_rupiah
from dialer.settings import WhatsAppSettings
from dialer.vouchers import ledger

log = logging.getLogger(__name__)
BUCKET = "whatsapp"
HOW_TO_PAY = (
    "Buka aplikasi Bukalapak, pilih Tagihan > IndiHome, masukkan nomor IndiHome Anda,"
    " lalu gunakan kode voucher ini saat membayar."
)
RANK = {
    "pending": 0,
    "sending": 1,
    "queued": 2,
    "sent": 3,
    "failed": 4,
    "undelivered": 4,
    "delivered": 5,
    "read": 6,
}
# What a message's status makes of its voucher (and the event recorded).
VOUCHER_STATE = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
    "undelivered": "failed",
}
VOUCHER_RANK = {"issued": 0, "failed": 1, "sent": 2, "delivered": 3, "read": 4}


def draft(whatsapp: dict[str, Any], customer: Any, expires_at: datetime) -> dict[str, Any]:
    """The voucher's WhatsApp message before its code is known (``ledger.issue`` writes
    it with the voucher): the template's variables from the customer (``name``,
    ``bill_amount``), and which of them take the code. ``expires_at`` is the
    campaign's expiry as written (its own offset): the message states that date,
    whatever the customer's zone."""
    values = {
        "customer_name": customer["name"],
        "voucher_expiry": bahasa.stated_date(expires_at),
        "bill_amount": format_rupiah(customer["bill_amount"]),
        "how_to_pay": HOW_TO_PAY,
    }
    variables = whatsapp["variables"].items()
    return {
        "sender": whatsapp["sender"],
        "content_sid": whatsapp["content_sid"],
        "variables": {n: values[name] for n, name in variables if name != "voucher_code"},
        "code_keys": [n for n, name in variables if name == "voucher_code"],
    }


async def enqueue(
    conn: Connection,
    voucher: dict[str, Any],
    definition: dict[str, Any],
    *,
    actor: str,
    now: datetime,
) -> dict[str, Any]:
    """Queue the issued voucher's WhatsApp message again, in the caller's transaction,
    from the campaign's ``definition`` (its template, and its expiry as written: the
    voucher row's instant comes back in UTC, whose date is not always the campaign's)."""
    customer = await conn.fetchrow(
        q("voucher_message_data"), voucher["campaign_id"], voucher["target_id"]
    )
    assert customer is not None
    expires = datetime.fromisoformat(str(definition["voucher"]["expires"]))
    message = draft(definition["whatsapp"], customer, expires)
    variables = message["variables"] | {key: voucher["code"] for key in message["code_keys"]}
    row = await conn.fetchrow(
        q("enqueue_message"),
        voucher["id"],
        voucher["campaign_id"],
        voucher["wa_number"],
        message["sender"],
        message["content_sid"],
        variables,
        now,
        actor,
    )
    assert row is not None
    return dict(row)


async def resend(
    conn: Connection, voucher_id: int, *, wa_number: str | None, actor: str, now: datetime
) -> dict[str, Any]:
    """Queue the voucher's message again (to ``wa_number`` if given); the same voucher."""
    voucher = await conn.fetchrow(q("lock_voucher"), voucher_id)
    if voucher is None:
        raise NotFound(f"no voucher {voucher_id}")
    if voucher["state"] in ("redeemed", "expired", "lapsed", "voided"):
        raise Conflict(f"voucher {voucher_id} is {voucher['state']}: nothing to resend")
    definition = await conn.fetchval(q("campaign_definition"), voucher["campaign_id"])
    found = dict(voucher)
    details: dict[str, Any] = {}
    if wa_number and wa_number != voucher["wa_number"]:
        await conn.execute(q("set_voucher_wa"), voucher_id, wa_number)
        details = {"wa_number": wa_number, "was": voucher["wa_number"]}
        found["wa_number"] = wa_number
    message = await enqueue(conn, found, definition, actor=actor, now=now)
    await ledger.record_event(conn, voucher_id, "resent", actor, now, details)
    return message


class Sender:
    """This node's sender: wakes every ``poll`` seconds (or when told), sends what is due."""

    def __init__(
        self,
        pool: Pool,
        clock: Clock,
        messenger: Messenger,
        settings: WhatsAppSettings,
        *,
        poll: float = 0.5,
    ) -> None:
        self.pool, self.clock, self.messenger, self.settings = pool, clock, messenger, settings
        self._loop = Loop("whatsapp sender", self._more, poll)

    def wake(self) -> None:
        self._loop.wake()

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _more(self) -> bool:
        return await self.send_due() > 0

    async def send_due(self, limit: int = 20) -> int:
        """Send the messages due now (within the rate limit); how many were tried."""
        now = self.clock()
        async with self.pool.acquire() as conn:
            stuck = now - timedelta(seconds=self.settings.stuck_seconds)
            await conn.execute(q("requeue_stuck_messages"), now, stuck)
            async with conn.transaction():
                granted = await ratelimit.take(
                    conn, BUCKET, rate=self.messenger.messages_per_second, want=limit, now=now
                )
                claimed = await conn.fetch(q("claim_messages"), now, granted) if granted else []
                await ratelimit.give_back(conn, BUCKET, granted - len(claimed))
        for row in claimed:
            await self._send(row)
        return len(claimed)

    async def _send(self, row: Any) -> None:
        message = OutboundMessage(
            row["id"], row["to_number"], row["sender"], row["content_sid"], dict(row["variables"])
        )
        try:
            sid = await self.messenger.send(message)
        except ProviderRejected as exc:
            await self._fail(row, str(exc))
            return
        except ProviderUnavailable as exc:
            await self._retry(row, str(exc))
            return
        async with self.pool.acquire() as conn:
            await conn.execute(q("message_sent"), row["id"], sid, self.clock())

    async def _retry(self, row: Any, error: str) -> None:
        if row["tries"] >= self.settings.max_tries:
            await self._fail(row, f"gave up after {row['tries']} tries: {error}")
            return
        base = self.settings.backoff_seconds * 2 ** (row["tries"] - 1)
        delay = random.uniform(base / 2, base)
        async with self.pool.acquire() as conn:
            await conn.execute(
                q("message_retry"),
                row["id"],
                self.clock() + timedelta(seconds=delay),
                error[:500],
                self.clock(),
            )
        log.warning(
            "WhatsApp send failed; again later", extra={"message_id": row["id"], "error": error}
        )

    async def _fail(self, row: Any, error: str) -> None:
        now = self.clock()
        async with self.pool.acquire() as conn, conn.transaction():
            failed = await conn.fetchrow(q("message_failed"), row["id"], error[:500], now)
            if failed is not None:
                await _voucher_follows(
                    conn, failed["voucher_id"], "failed", now, {"error": error[:500]}
                )
        log.error("WhatsApp message failed", extra={"message_id": row["id"], "error": error})


async def _voucher_follows(
    conn: Connection, voucher_id: int, status: str, now: datetime, details: dict[str, Any]
) -> None:
    state = VOUCHER_STATE.get(status)
    if state is None:
        return
    # The report's timestamps: each step when first seen, whatever the order.
    await conn.execute(q("voucher_reached"), voucher_id, state, now)
    voucher = await conn.fetchrow(q("lock_voucher"), voucher_id)
    assert voucher is not None
    current = voucher["state"]  # redeemed, expired…: the message no longer matters
    if current not in VOUCHER_RANK or VOUCHER_RANK[state] <= VOUCHER_RANK[current]:
        return
    await conn.execute(q("set_voucher_state"), voucher_id, state)
    await ledger.record_event(conn, voucher_id, state, "whatsapp", now, details)


async def apply_status(
    conn: Connection, message_id: int | None, params: dict[str, str], now: datetime
) -> str:
    """Store one status callback and apply it (the caller owns the transaction)."""
    sid, status = params.get("MessageSid"), params.get("MessageStatus", "")
    event_id = await conn.fetchval(q("insert_message_event"), now, message_id, sid, status, params)
    message = None
    if message_id is not None:
        message = await conn.fetchrow(q("lock_message"), message_id)
    if message is None and sid:
        message = await conn.fetchrow(q("lock_message_by_sid"), sid)
    if message is None or status not in RANK:
        effect = "unknown_message" if message is None else "unknown_status"
    elif message["provider_sid"] and sid and message["provider_sid"] != sid:
        effect = "other_sid"  # an earlier send of the same message row cannot be: refuse
    elif RANK[status] <= RANK[message["state"]]:
        effect = "no_change"
    else:
        error = params.get("ErrorCode")
        await conn.execute(q("set_message_status"), message["id"], status, sid, error, now)
        details = {"message_id": message["id"]} | ({"error_code": error} if error else {})
        await _voucher_follows(conn, message["voucher_id"], status, now, details)
        effect = "applied"
    await conn.execute(q("mark_message_event"), event_id, effect)
    return effect


SENDER = web.AppKey("sender", Sender)


async def messages_moving(conn: Connection, campaign_id: int) -> int:
    """The campaign's messages not yet with WhatsApp (pending, sending, queued)."""
    return int(await conn.fetchval(q("messages_moving"), campaign_id))
