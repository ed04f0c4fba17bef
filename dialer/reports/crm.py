"""The CRM interaction export: one row per call that reached an agent, with what the
agent recorded — HUB PENERIMA, the outcome (the call's final disposition) and its
details, the WA number, whether the address still holds (or the new one), whether the
service works, myIndiHome, the tickets (several joined by " | "; ``ticket_due_at`` the
earliest deadline), the voucher, a transfer (its category and the guide's log text), the
information given without a transfer (``informed``: category and log text, one a line),
the actions taken during the call (their kinds, in order), a follow-up's deadline, the
notes — and the call's times, for upload into the CRM. CSV, times in UTC ISO 8601,
details as JSON."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from dialer.db import Connection, q
from dialer.uploads import csv_chunks

HEADER = (
    "attempt_id",
    "call_sid",
    "customer_id",
    "indihome_number",
    "customer_name",
    "msisdn",
    "tier",
    "zone",
    "agent",
    "answered_at",
    "bridged_at",
    "ended_at",
    "talk_seconds",
    "outcome",
    "details",
    "hub_penerima",
    "address_valid",
    "new_address",
    "service_working",
    "wa_number",
    "myindihome",
    "ticket",
    "ticket_guide",
    "ticket_category",
    "ticket_due_at",
    "voucher_code",
    "transferred_to",
    "transfer_category",
    "transfer_log_text",
    "informed",
    "actions",
    "follow_up_due_at",
    "notes",
    "recorded_at",
    "recording_sid",
    "recording_url",
    "recording_seconds",
)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


async def export_crm(
    conn: Connection, campaign_id: int, *, chunk_bytes: int = 1 << 16
) -> AsyncIterator[str]:
    """One row per call that reached an agent, as CSV text, header first, in chunks of
    about ``chunk_bytes``."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        rows = (
            [_cell(r[h]) for h in HEADER]
            async for r in conn.cursor(q("crm_interactions"), campaign_id, prefetch=2000)
        )
        async for chunk in csv_chunks(HEADER, rows, chunk_bytes=chunk_bytes):
            yield chunk
