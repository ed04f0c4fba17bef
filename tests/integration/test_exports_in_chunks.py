"""The CSV exports stream in chunks of about ``chunk_bytes``: the attempts, the vouchers
and the CRM interactions of a campaign come out in several pieces whose concatenation
is exactly the export made in one piece — header first, every row once, no row cut."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from dialer.auth import service as auth
from dialer.calls import export as calls_export
from dialer.campaigns.models import Campaign
from dialer.db import Pool
from dialer.reports import crm
from dialer.vouchers import export as vouchers_export
from tests.factories import Factory, row
from tests.integration.test_reports import call
from tests.integration.test_vouchers import VOUCHER, issue

PLACED = datetime(2022, 9, 5, 3, 0, tzinfo=UTC)
REACHED = 4  # of the six targets, those whose call reached an agent (with an outcome)
Export = Callable[..., AsyncIterator[str]]


@pytest.fixture
async def campaign(pool: Pool, conn: asyncpg.Connection, factory: Factory) -> Campaign:
    """Six targets, each called once; four calls reached the agent, who recorded an
    outcome and issued a voucher for each."""
    campaign = await factory.create_campaign(name="exported", voucher=VOUCHER)
    await factory.create_targets(campaign, [row(i, name=f"Pelanggan, {i}") for i in range(6)])
    agent = await auth.create_user(conn, username="ani", role="agent", password=None)
    targets = [r["id"] for r in await conn.fetch("SELECT id FROM targets ORDER BY id")]
    for i, target in enumerate(targets):
        reached = i < REACHED
        attempt = await call(
            conn,
            campaign.id,
            target,
            "contacted" if reached else "no_answer",
            PLACED + timedelta(minutes=i),
            agent=agent.id if reached else None,
            talk=60,
        )
        if not reached:
            continue
        outcome = await conn.fetchval(
            "INSERT INTO outcomes (attempt_id, campaign_id, target_id, agent_id, code,"
            " details, hub_penerima, address_valid, wa_number, notes, recorded_at)"
            " VALUES ($1, $2, $3, $4, 'pays_via_bukalapak', $5, 'YANG BERSANGKUTAN', $6,"
            " '+6281200000001', $7, $8) RETURNING id",
            attempt,
            campaign.id,
            target,
            agent.id,
            {"bill_month": "2022-08", "note": f"baris {i}"},
            i % 2 == 0,
            f'said "yes", line {i}',
            PLACED + timedelta(minutes=i, seconds=90),
        )
        assert (await issue(pool, campaign.id, VOUCHER, target, outcome, agent.id)).issued
    return campaign


async def chunks(
    export: Export, conn: asyncpg.Connection, campaign_id: int, **kw: Any
) -> list[str]:
    return [chunk async for chunk in export(conn, campaign_id, **kw)]


@pytest.mark.parametrize(
    ("export", "header", "rows"),
    [
        (calls_export.export_attempts, calls_export.HEADER, 6),
        (vouchers_export.export_vouchers, vouchers_export.HEADER, REACHED),
        (crm.export_crm, crm.HEADER, REACHED),
    ],
    ids=["attempts", "vouchers", "crm"],
)
async def test_an_export_in_small_chunks_is_the_export_in_one(
    conn: asyncpg.Connection,
    campaign: Campaign,
    export: Export,
    header: tuple[str, ...],
    rows: int,
) -> None:
    (whole,) = await chunks(export, conn, campaign.id)  # the default: one chunk
    records = list(csv.reader(io.StringIO(whole)))
    assert records[0] == list(header)
    assert len(records) == 1 + rows
    assert len({tuple(r) for r in records[1:]}) == rows  # every row once
    first_line = whole.split("\n", 1)[0] + "\n"

    # A chunk is handed on once it holds more than chunk_bytes: with 1, each row ends
    # one (the first with the header), and what is left at the end (nothing) last.
    pieces = await chunks(export, conn, campaign.id, chunk_bytes=1)
    assert "".join(pieces) == whole
    assert len(pieces) == rows + 1 and pieces[-1] == ""
    assert pieces[0].startswith(first_line)
    assert all(p.endswith("\n") and len(list(csv.reader(io.StringIO(p)))) for p in pieces[:-1])
    assert [len(list(csv.reader(io.StringIO(p)))) for p in pieces[:-1]] == [2] + [1] * (rows - 1)

    # A chunk size between: several chunks, each ending at a row's end.
    size = len(whole) // 3
    pieces = await chunks(export, conn, campaign.id, chunk_bytes=size)
    assert "".join(pieces) == whole
    assert len(pieces) >= 3
    assert all(len(p) > size and p.endswith("\n") for p in pieces[:-1])
