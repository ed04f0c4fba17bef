"""The voucher ledger: codes in, vouchers out — one per customer, never over the quota,
never after the expiry, in the transaction of the outcome that earns it.

Exactness: the campaign's ``voucher_counts`` row counts the places taken; issuing adds
one with ``… WHERE counted < quota``, which takes that row's lock until the outcome's
transaction ends, so concurrent agents on any number of nodes are counted one after
another and the quota can't be passed. Issuing is one statement, the
``issue_voucher`` function (migration 0012), so that lock is held briefly. A customer's second
``pays_via_bukalapak`` finds their voucher (unique per campaign and target) and gets no
second one. A code is taken from the campaign's pool (``FOR UPDATE SKIP LOCKED``) or
generated (random; the unique index makes a collision impossible, a clash is drawn
again). Every change is a ``voucher_events`` row with its actor.
"""

from __future__ import annotations

import asyncio
import csv
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from dialer.campaigns.models import Campaign
from dialer.db import Connection, q
from dialer.errors import Conflict, NotFound, ValidationFailed
from dialer.uploads import Problems, read_head

# Announced on (``announce``) when a campaign's voucher offer may have changed: a
# voucher issued, voided or lapsed. The agents' hub listens, so every console of the
# campaign shows the quota left or hides the offer.
CHANNEL = "dialer_vouchers"
CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,39}$")
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
HEADERS = {"code", "kode", "voucher", "kode_voucher", "voucher_code"}
MESSAGES = {
    "expired": "Voucher sudah kedaluwarsa: tidak ada voucher yang diterbitkan.",
    "quota_used_up": "Kuota voucher sudah habis: tidak ada voucher yang diterbitkan.",
    "no_codes": "Stok kode voucher habis: tidak ada voucher yang diterbitkan (hubungi manajer).",
}


@dataclass(frozen=True)
class Issue:
    """What issuing gave: a voucher (new, or the customer's existing one) or why not."""

    issued: bool
    voucher: dict[str, Any] | None = None
    reason: str | None = None
    new: bool = False

    def to_json(self) -> dict[str, Any]:
        if self.issued:
            return {"issued": True, "new": self.new, "voucher": self.voucher}
        return {
            "issued": False,
            "reason": self.reason,
            "message": MESSAGES.get(self.reason or "", self.reason),
        }


async def issue(
    conn: Connection,
    *,
    campaign_id: int,
    voucher: dict[str, Any],
    target_id: int,
    outcome_id: int,
    agent_id: int,
    wa_number: str,
    now: datetime,
    message: dict[str, Any] | None = None,
) -> Issue:
    """Issue the customer's voucher in the caller's transaction (the outcome's), with
    its WhatsApp ``message`` (``outbox.draft``), in one statement (``issue_voucher`` in
    migration 0012).

    The quota is counted last: the campaign row, which every issuer queues on, is locked
    only for the rest of the transaction, not while the code, the voucher, its event and
    the message are written (all undone when no place is left)."""
    expires = datetime.fromisoformat(str(voucher["expires"]))
    hold = voucher.get("hold_days")
    lapses = now + timedelta(days=int(hold)) if hold else None
    candidates = None
    if voucher.get("codes", "pool") != "pool":
        prefix, length = str(voucher.get("code_prefix", "BL")), int(voucher.get("code_length", 10))
        candidates = [
            prefix + "".join(secrets.choice(ALPHABET) for _ in range(length)) for _ in range(5)
        ]
    row = await conn.fetchrow(
        q("issue_voucher"),
        campaign_id,
        target_id,
        outcome_id,
        agent_id,
        wa_number,
        now,
        expires,
        lapses,
        int(voucher["quota"]),
        candidates,
        f"agent:{agent_id}",
        message,
    )
    assert row is not None
    result = row["result"]
    if result in ("issued", "existing"):
        return Issue(True, dict(row["voucher"]), new=result == "issued")
    return Issue(False, reason=result)


async def announce(conn: Connection, campaign_id: int) -> None:
    """Say that campaign ``campaign_id``'s voucher offer changed, once the caller's
    transaction commits (and only if it does)."""
    await conn.execute(q("notify"), CHANNEL, str(campaign_id))


async def record_event(
    conn: Connection,
    voucher_id: int,
    event: str,
    actor: str,
    at: datetime,
    details: dict[str, Any] | None = None,
) -> None:
    await conn.execute(q("insert_voucher_event"), voucher_id, event, actor, at, details or {})


async def of_campaign(conn: Connection, campaign: Campaign) -> dict[str, Any]:
    """The campaign's quota, how much of it is taken, its code pool, and every voucher
    with its state and the customer's IndiHome number."""
    pool = await conn.fetchrow(q("voucher_pool"), campaign.id)
    taken = await conn.fetchval(q("vouchers_taken"), campaign.id)
    rows = await conn.fetch(q("campaign_vouchers"), campaign.id)
    spec = campaign.spec().voucher
    return {
        "campaign": campaign.name,
        "quota": spec.quota,
        "issued": taken,
        "left": max(spec.quota - taken, 0),
        "expires": spec.expires,
        "codes": spec.codes,
        "pool": dict(pool) if pool else None,
        "vouchers": [dict(r) for r in rows],
    }


# ----------------------------------------------------------------------- the pool


def read_codes(path: Path) -> tuple[list[tuple[int, str]], Problems, int]:
    """Codes of a partner's file (one a line, or a ``code`` column), each with its line;
    malformed and repeated ones reported by line (the first thousand kept)."""
    good: list[tuple[int, str]] = []
    problems = Problems()
    seen: dict[str, int] = {}
    rows = 0
    with path.open(encoding="utf-8-sig", newline="") as f:
        first, delimiter, header = read_head(f)
        column = next((i for i, h in enumerate(header) if h in HEADERS), None)
        start = 2
        if column is None:
            f.seek(0)
            if first.startswith("\ufeff"):
                f.read(1)
            column, start = 0, 1
        for line, values in enumerate(csv.reader(f, delimiter=delimiter), start=start):
            if not values or not any(v.strip() for v in values):
                continue
            rows += 1
            code = values[column].strip().upper() if column < len(values) else ""
            if not CODE.match(code):
                problems.append(
                    {
                        "line": line,
                        "code": code,
                        "reason": "malformed: 4-40 letters, digits and dashes",
                    }
                )
            elif code in seen:
                problems.append(
                    {"line": line, "code": code, "reason": f"repeats line {seen[code]}"}
                )
            else:
                seen[code] = line
                good.append((line, code))
    return good, problems, rows


async def _campaign(conn: Connection, campaign_id: int) -> Campaign:
    record = await conn.fetchrow(q("get_campaign_by_id"), campaign_id)
    if record is None:
        raise NotFound(f"no campaign {campaign_id}")
    return Campaign.from_record(record)


def require_pool(campaign: Campaign) -> None:
    """A partner's codes file fits only a campaign whose codes come from a pool: one
    that generates its codes would keep the file and never use a code of it."""
    codes = campaign.spec().voucher.codes
    if codes != "pool":
        raise Conflict(
            f"campaign {campaign.name} generates its voucher codes ([voucher] codes ="
            f' "{codes}"), so a partner\'s codes file would never be used; nothing was'
            ' imported. To issue the partner\'s codes, set codes = "pool" in the'
            " campaign's [voucher] section and apply it, then import the file again.",
            details=[{"campaign": campaign.name, "field": "voucher.codes", "value": codes}],
        )


async def import_codes(
    conn: Connection, campaign_id: int, path: Path, *, source: str, actor: str, now: datetime
) -> dict[str, Any]:
    """Add a file's codes to the campaign's pool in one transaction; codes known already
    (in any campaign) and bad lines are reported by line, never added. Refused whole
    (:func:`require_pool`) when the campaign generates its codes."""
    require_pool(await _campaign(conn, campaign_id))
    good, problems, rows = await asyncio.to_thread(read_codes, path)
    if not good:
        raise ValidationFailed(
            "no valid voucher code in the file; nothing was added", details=problems.kept
        )
    async with conn.transaction():
        known = {r["code"] for r in await conn.fetch(q("known_codes"), [code for _, code in good])}
        fresh = [(line, code) for line, code in good if code not in known]
        taken = [
            {"line": line, "code": code, "reason": "already in a pool (this or another campaign)"}
            for line, code in good
            if code in known
        ]
        try:
            await conn.copy_records_to_table(
                "voucher_codes",
                records=[(campaign_id, code, source, actor, now) for _, code in fresh],
                columns=("campaign_id", "code", "source", "added_by", "added_at"),
            )
        except asyncpg.UniqueViolationError as exc:  # another import at the same moment
            raise ValidationFailed(f"codes were added meanwhile; import again: {exc}") from exc
    # The first thousand of both kinds by line: a bad line not kept comes after every
    # one kept, so it could not be among them.
    first = sorted(problems.kept + taken, key=lambda p: p["line"])[: problems.keep]
    return {
        "rows": rows,
        "added": len(fresh),
        "rejected": first,
        "rejected_rows": len(problems) + len(taken),
    }


# ----------------------------------------------------------------------- voiding

COUNTED = ("issued", "sent", "delivered", "read", "failed")  # hold a place of the quota


async def void_voucher(
    conn: Connection, voucher_id: int, *, reason: str, actor: str, now: datetime
) -> dict[str, Any]:
    """Void voucher ``voucher_id`` (the caller owns the transaction); see :func:`void`."""
    voucher = await conn.fetchrow(q("lock_voucher"), voucher_id)
    return await _void_found(conn, voucher, f"no voucher {voucher_id}", reason, actor, now)


async def void_code(
    conn: Connection, code: str, *, reason: str, actor: str, now: datetime
) -> dict[str, Any]:
    """Void the voucher with ``code`` (the caller owns the transaction); see :func:`void`."""
    voucher = await conn.fetchrow(q("lock_voucher_by_code"), code.strip().upper())
    return await _void_found(
        conn, voucher, f"no voucher with the code {code!r}", reason, actor, now
    )


async def _void_found(
    conn: Connection, voucher: Any, missing: str, reason: str, actor: str, now: datetime
) -> dict[str, Any]:
    if voucher is None:
        raise NotFound(missing)
    return await void(conn, voucher, reason=reason, actor=actor, now=now)


async def void(
    conn: Connection, voucher: Any, *, reason: str, actor: str, now: datetime
) -> dict[str, Any]:
    """A manager voids a voucher (locked by the caller): it can no longer be redeemed,
    its message is not sent if it has not been yet, and its place returns to the quota
    (the consoles of the campaign are told: the offer may come back). Voiding twice is
    one voiding; a redeemed, expired or lapsed voucher can't be voided."""
    if voucher["state"] == "voided":
        return dict(voucher)
    if voucher["state"] not in COUNTED:
        raise Conflict(f"voucher {voucher['code']} is {voucher['state']}: it can't be voided")
    row = await conn.fetchrow(q("void_voucher"), voucher["id"])
    assert row is not None
    held = await conn.fetchval(q("hold_voucher_messages"), voucher["id"], now)
    await record_event(
        conn, voucher["id"], "voided", actor, now, {"reason": reason, "messages_held": held}
    )
    await conn.execute(q("return_voucher_places"), voucher["campaign_id"], 1)
    await announce(conn, voucher["campaign_id"])
    return dict(row)
