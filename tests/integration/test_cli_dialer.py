"""The dialer's command line: ``targets why`` and ``export attempts``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import asyncpg

from dialer.clock import FrozenClock
from dialer.db import Pool
from dialer.settings import Settings
from tests.dialing import MONDAY_10_WIB, fate_by_number, running_node
from tests.factories import Factory, row
from tests.integration.test_embedded_and_cli import dialer


async def test_export_and_why_from_the_command_line(
    settings: Settings,
    pool: Pool,
    conn: asyncpg.Connection,
    factory: Factory,
    db_url: str,
    tmp_path: Path,
) -> None:
    campaign = await factory.create_campaign(virtual_seats=3)
    await factory.create_targets(
        campaign, [row(1), row(2, province="Bali"), row(3, province="Papua")]
    )
    await factory.start(campaign)
    fates = fate_by_number({"+6281200000001": "busy", "+6281200000002": "human"}, "no_answer")
    async with running_node(settings, pool, FrozenClock(MONDAY_10_WIB), choose=fates) as node:
        assert await node.tick() == {campaign.name: 3}
        await node.settle()

    out = tmp_path / "attempts.csv"
    done = dialer("export", "attempts", campaign.name, "-o", str(out), home=tmp_path, env_db=db_url)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    by_number = {r["indihome_number"]: r for r in rows}
    assert len(rows) == 3
    papua = by_number["122000000003"]
    assert (papua["msisdn"], papua["province"], papua["zone"], papua["result"]) == (
        "+6281200000003",
        "Papua",
        "WIT",
        "no_answer",
    )
    assert papua["dialled_at_utc"].startswith("2022-09-05T03:00:00")
    assert papua["dialled_at_local"].startswith("2022-09-05T12:00:00+09:00")
    assert by_number["122000000002"]["result"] == "contacted"
    assert by_number["122000000001"]["result"] == "busy_line"
    assert list(rows[0]) == [
        "attempt_id",
        "indihome_number",
        "msisdn",
        "province",
        "zone",
        "dialled_at_utc",
        "dialled_at_local",
        "result",
        "outcome",
    ]

    why = dialer(
        "targets",
        "why",
        campaign.name,
        "122000000001",
        "--at",
        "2022-09-05T10:05:00+07:00",
        "--json",
        home=tmp_path,
        env_db=db_url,
    )
    assert why.returncode == 0, why.stderr
    data = json.loads(why.stdout)
    assert data["dialable"] is False
    assert [r["code"] for r in data["reasons"]] == ["retry_later"]
    text = dialer(
        "targets",
        "why",
        campaign.name,
        "122000000001",
        "--at",
        "2022-09-05T10:20:00+07:00",
        home=tmp_path,
        env_db=db_url,
    )
    assert "dapat ditelepon sekarang" in text.stdout
    summary = dialer(
        "targets",
        "why",
        campaign.name,
        "--at",
        "2022-09-04T10:00:00+07:00",
        "--json",
        home=tmp_path,
        env_db=db_url,
    )
    counts = json.loads(summary.stdout)
    assert counts["reasons"]["closed_day"] == 3  # a Sunday
    bad = dialer(
        "targets", "why", campaign.name, "--at", "2022-09-04 10:00", home=tmp_path, env_db=db_url
    )
    assert bad.returncode == 2 and "perlu zona waktu" in bad.stderr
