"""Where the agent's bill figures come from: a ``BillingSource``.

``ListBilling`` (the default) takes the bill month, amount and usual payment channels
from the target list as uploaded, and the payments billing reported since (the
``payments`` table: ``POST /api/payments``, ``POST /api/payments/import``,
``dialer payments import``). A bill paid after the upload shows as paid, with when and
how; the payment channels of the last three months are the ones paid with, then the
list's.

``HttpBilling`` (``DIALER_BILLING_URL``) asks a billing API instead:
``GET {url}/bills/{indihome_number}?bill_month=YYYY-MM`` answering
``{"bill_month": "2022-09", "amount": 350000, "paid_at": null | ISO 8601,
"channel": null | "...", "channels": ["..."]}``. When it does not answer in time or
answers nonsense, the list's figures are shown with a note saying so: a call never waits
on billing. The same API is asked, one claimed batch at a time, before targets are
dialled (``paid_bills``, ``paid.check_claimed``): a bill it reports paid is not dialled.

Every ``Bill`` says where its figures came from and as of when.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote

import aiohttp

from dialer.db import Connection, q
from dialer.rules.penalty import parse_bill_month

log = logging.getLogger(__name__)
# What a failed or nonsensical answer of the billing API raises.
ANSWER_ERRORS = (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError)
RECENT = timedelta(days=92)  # "the last three months"


@dataclass(frozen=True)
class Customer:
    """What the list says of one customer's bill."""

    campaign_id: int
    target_id: int
    indihome_number: str
    bill_month: date
    bill_amount: int
    payment_channels: tuple[str, ...]
    list_as_of: datetime | None = None  # when the customer's row came with the list


@dataclass(frozen=True)
class Payment:
    reference: str
    bill_month: date
    amount: int
    channel: str
    paid_at: datetime
    source: str

    def to_json(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "bill_month": f"{self.bill_month:%Y-%m}",
            "amount": self.amount,
            "channel": self.channel,
            "paid_at": self.paid_at,
            "source": self.source,
        }


@dataclass(frozen=True)
class Bill:
    """One customer's current bill as the agent sees it."""

    bill_month: date
    amount: int
    paid: Payment | None
    channels: tuple[str, ...]  # used in the last three months, most recent first
    source: str  # "list", "list+payments", "billing_api"
    as_of: datetime | None  # when the figures were true
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "bill_month": f"{self.bill_month:%Y-%m}",
            "amount": self.amount,
            "paid": self.paid is not None,
            "payment": self.paid.to_json() if self.paid else None,
            "channels": list(self.channels),
            "source": self.source,
            "as_of": self.as_of,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class PaidAnswer:
    """Billing's answer about a batch of bills before they are dialled: those paid, and
    how many it did not answer for (with why)."""

    paid: dict[tuple[str, date], Payment] = field(default_factory=dict)
    unanswered: int = 0
    errors: tuple[str, ...] = field(default=())


class BillingSource(Protocol):
    name: str
    # Whether ``paid_bills`` asks anyone: the list's payments are the claim's own check.
    asks_before_dialling: bool

    async def bill(self, conn: Connection, customer: Customer, now: datetime) -> Bill: ...

    async def paid_bills(self, bills: list[tuple[str, date]], now: datetime) -> PaidAnswer: ...

    async def close(self) -> None: ...


def _channels(*groups: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for channel in group:
            if channel.strip():
                seen.setdefault(channel.strip(), None)
    return tuple(seen)


class ListBilling:
    """The list's bill columns and the payments billing reported."""

    name = "list"
    asks_before_dialling = False

    async def paid_bills(self, bills: list[tuple[str, date]], now: datetime) -> PaidAnswer:
        return PaidAnswer()  # the claim reads the payments table itself

    async def bill(self, conn: Connection, customer: Customer, now: datetime) -> Bill:
        found = await conn.fetchrow(
            q("customer_payments"),
            customer.indihome_number,
            now - RECENT,
            customer.bill_month,
        )
        assert found is not None
        recent = [Payment(*r) for r in found["recent"]]
        paid_row = found["paid"]
        uploaded = customer.list_as_of
        paid = Payment(*paid_row) if paid_row is not None else None
        as_of = uploaded
        if recent:
            as_of = max(filter(None, (uploaded, *(p.paid_at for p in recent))))
        return Bill(
            bill_month=customer.bill_month,
            amount=customer.bill_amount,
            paid=paid,
            channels=_channels([p.channel for p in recent], customer.payment_channels),
            source="list+payments" if recent or paid else "list",
            as_of=as_of,
        )

    async def close(self) -> None:
        return None


class HttpBilling:
    """A billing API; the list's figures, with a note, when it fails."""

    name = "billing_api"
    asks_before_dialling = True

    def __init__(self, base_url: str, *, timeout: float = 1.0, concurrency: int = 10) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.concurrency = concurrency
        self.fallback = ListBilling()
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._session

    async def _ask(self, indihome_number: str, bill_month: date) -> Any:
        url = f"{self.base_url}/bills/{quote(indihome_number, safe='')}"
        async with self._client().get(
            url, params={"bill_month": f"{bill_month:%Y-%m}"}
        ) as response:
            if response.status != 200:
                raise ValueError(f"HTTP {response.status}")
            return await response.json(content_type=None)

    async def paid_bills(self, bills: list[tuple[str, date]], now: datetime) -> PaidAnswer:
        """The API's answer for each bill, asked ``concurrency`` at a time, the whole
        batch within ``timeout``: the API serves one bill a request. A bill it does not
        answer for in time, or answers nonsense for, or fails for any reason, is
        counted unanswered (and dialled)."""
        limit = asyncio.Semaphore(self.concurrency)

        async def one(bill: tuple[str, date]) -> Payment | None:
            async with limit:
                data = await self._ask(*bill)
            customer = Customer(0, 0, bill[0], bill[1], 0, ())
            found = _from_api(data, customer, now).paid
            return found if found is not None and found.bill_month == bill[1] else None

        tasks = {asyncio.ensure_future(one(b)): b for b in bills}
        if not tasks:
            return PaidAnswer()
        done, pending = await asyncio.wait(tasks, timeout=self.timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        paid: dict[tuple[str, date], Payment] = {}
        unanswered = len(pending)
        errors: dict[str, None] = {f"no answer within {self.timeout:g} s": None} if pending else {}
        for task in done:
            exc = task.exception()
            if exc is None:
                payment = task.result()
                if payment is not None:
                    paid[tasks[task]] = payment
            else:  # whatever went wrong, the bill is dialled as before (and counted)
                unanswered += 1
                errors.setdefault(str(exc) or type(exc).__name__)
        return PaidAnswer(paid, unanswered, tuple(errors))

    async def bill(self, conn: Connection, customer: Customer, now: datetime) -> Bill:
        try:
            data = await self._ask(customer.indihome_number, customer.bill_month)
            found = _from_api(data, customer, now)
            if found.paid is None:
                # Billing's payments feed may know before its API does.
                listed = await self.fallback.bill(conn, customer, now)
                if listed.paid is not None:
                    return Bill(**{**found.__dict__, "paid": listed.paid})
            return found
        except ANSWER_ERRORS as exc:
            reason = str(exc) or type(exc).__name__
            log.warning(
                "billing API failed; showing the list's figures",
                extra={"indihome_number": customer.indihome_number, "error": reason},
            )
            fallback = await self.fallback.bill(conn, customer, now)
            note = f"billing API unavailable ({reason}): figures from the list"
            return Bill(**{**fallback.__dict__, "notes": (*fallback.notes, note)})

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _from_api(data: Any, customer: Customer, now: datetime) -> Bill:
    if not isinstance(data, dict):
        raise ValueError("the answer is not a JSON object")
    amount = data["amount"]
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise ValueError(f"amount {amount!r} is not whole rupiah")
    month = parse_bill_month(str(data.get("bill_month") or f"{customer.bill_month:%Y-%m}"))
    paid = None
    if data.get("paid_at"):
        paid_at = datetime.fromisoformat(str(data["paid_at"]))
        if paid_at.tzinfo is None:
            raise ValueError("paid_at has no time zone offset")
        paid = Payment(
            reference=str(data.get("reference") or ""),
            bill_month=month,
            amount=amount,
            channel=str(data.get("channel") or ""),
            paid_at=paid_at,
            source="billing_api",
        )
    channels = data.get("channels") or []
    if not isinstance(channels, list):
        raise ValueError("channels is not a list")
    return Bill(
        bill_month=month,
        amount=amount,
        paid=paid,
        channels=_channels([str(c) for c in channels], customer.payment_channels),
        source="billing_api",
        as_of=now,
    )


def make_source(url: str | None, timeout: float) -> BillingSource:
    """The configured source: the billing API when a URL is set, else the list."""
    return HttpBilling(url, timeout=timeout) if url else ListBilling()
