"""Redemptions from the partner: matched to issued codes, once each, flagged otherwise.

By callback — ``POST /partner/redemptions``, a JSON body ``{"reference", "code",
"redeemed_at", "amount"?}`` signed with the shared secret (``providers/signing.py``;
a stale timestamp or a wrong signature is a 403, nothing stored) — or by the partner's
report file (CSV: reference, code, redeemed_at[, amount]).

Each reference counts once (a repeat answers as the first did). A code that was never
issued, a code redeemed already under another reference, and a redemption after the
voucher's expiry are stored, flagged, and change no voucher; otherwise the voucher is
``redeemed``, with an event by the partner.
"""

from __future__ import annotations

import asyncio
import csv
from datetime import datetime
from pathlib import Path
from typing import Any

from dialer.db import Connection, q
from dialer.errors import ValidationFailed
from dialer.rules.money import AmountError, parse_rupiah
from dialer.uploads import Problems, read_head
from dialer.vouchers import ledger

OPEN = ("issued", "sent", "delivered", "read", "failed")


async def redeem(
    conn: Connection,
    *,
    reference: str,
    code: str,
    redeemed_at: datetime,
    amount: int | None,
    source: str,
    now: datetime,
) -> dict[str, Any]:
    """Apply one redemption (the caller owns the transaction); the stored row."""
    known = await conn.fetchrow(q("redemption_by_reference"), reference)
    if known is not None:
        return dict(known) | {"repeat": True}
    voucher = await conn.fetchrow(q("lock_voucher_by_code"), code.strip().upper())
    if voucher is None:
        result = "unknown_code"
    elif voucher["state"] == "redeemed":
        result = "second_use"
    elif redeemed_at > voucher["expires_at"]:
        result = "after_expiry"
    elif voucher["state"] in OPEN or voucher["state"] in ("expired", "lapsed"):
        # Expired or lapsed by our clock but used in time by the partner's: honoured.
        result = "redeemed"
    else:
        result = "voided"
    row = await conn.fetchrow(
        q("insert_redemption"),
        reference,
        code.strip().upper(),
        voucher["id"] if voucher else None,
        voucher["campaign_id"] if voucher else None,
        redeemed_at,
        amount,
        source,
        result,
        now,
    )
    if row is None:  # the same reference, stored meanwhile
        again = await conn.fetchrow(q("redemption_by_reference"), reference)
        assert again is not None
        return dict(again) | {"repeat": True}
    if result == "redeemed" and voucher is not None:
        await conn.execute(q("voucher_redeemed"), voucher["id"], redeemed_at)
        await ledger.record_event(
            conn, voucher["id"], "redeemed", "partner", now, {"reference": reference}
        )
    return dict(row) | {"repeat": False}


def parse_time(raw: str, field: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            f"{field} {raw!r} is not a date and time (ISO 8601 with its offset)"
        ) from None
    if value.tzinfo is None:
        raise ValidationFailed(f"{field} {raw!r} needs its offset, e.g. +07:00")
    return value


def read_report(path: Path) -> list[tuple[int, str, str, datetime, int | None]]:
    """The partner's report, refused whole with every bad line named."""
    rows, problems = [], Problems()
    with path.open(encoding="utf-8-sig", newline="") as f:
        _, delimiter, header = read_head(f)
        missing = [c for c in ("reference", "code", "redeemed_at") if c not in header]
        if missing:
            raise ValidationFailed(f"the report lacks the column(s) {', '.join(missing)}")
        for line, values in enumerate(csv.reader(f, delimiter=delimiter), start=2):
            if not any(v.strip() for v in values):
                continue
            item = dict(zip(header, (v.strip() for v in values), strict=False))
            try:
                if not item.get("reference") or not item.get("code"):
                    raise ValidationFailed("reference and code are required")
                at = parse_time(item.get("redeemed_at", ""), "redeemed_at")
                amount = parse_rupiah(item["amount"]) if item.get("amount") else None
            except (ValidationFailed, AmountError) as exc:
                problems.append({"line": line, "reason": str(exc)})
                continue
            rows.append((line, item["reference"], item["code"], at, amount))
    if problems:
        raise ValidationFailed(
            f"{len(problems)} bad line(s) in the report; nothing was recorded",
            details=problems.kept,
        )
    return rows


async def of_campaign(conn: Connection, campaign_id: int) -> dict[str, Any]:
    """The campaign's redemptions, and the flagged ones (those of no campaign too)."""
    rows = await conn.fetch(q("campaign_redemptions"), campaign_id)
    flagged = await conn.fetch(q("flagged_redemptions"), campaign_id)
    return {"redemptions": [dict(r) for r in rows], "flagged": [dict(r) for r in flagged]}


async def import_report(
    conn: Connection, path: Path, *, source: str, now: datetime
) -> dict[str, int]:
    rows = await asyncio.to_thread(read_report, path)
    counts: dict[str, int] = {"lines": len(rows), "repeats": 0}
    async with conn.transaction():
        for _, reference, code, at, amount in rows:
            done = await redeem(
                conn,
                reference=reference,
                code=code,
                redeemed_at=at,
                amount=amount,
                source=source,
                now=now,
            )
            if done["repeat"]:
                counts["repeats"] += 1
            else:
                counts[done["result"]] = counts.get(done["result"], 0) + 1
    return counts
