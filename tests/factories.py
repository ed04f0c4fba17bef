"""Factories with sensible defaults: campaigns, users, list files."""

from __future__ import annotations

import csv
import json
import tomllib
from pathlib import Path
from typing import Any

import asyncpg

from dialer.agents import assignments
from dialer.auth import service as auth
from dialer.campaigns import service as campaigns
from dialer.campaigns.models import Campaign
from dialer.rules.vocabulary import CUSTOMER_COLUMNS as FIELDS
from dialer.targets.service import ImportSummary, import_targets

HEADER = list(FIELDS)


async def import_file(
    conn: asyncpg.Connection, campaign: Campaign, path: Path, **options: Any
) -> ImportSummary:
    """Import ``path`` into ``campaign`` as the tests do (actor "test")."""
    return await import_targets(
        conn,
        campaign_id=campaign.id,
        tiers=campaign.tiers,
        path=path,
        filename=path.name,
        actor="test",
        **options,
    )


def _iso(value: Any) -> str:
    return str(value.isoformat())


def row(i: int = 0, **overrides: str) -> dict[str, str]:
    """A valid list row; ``i`` makes its numbers distinct."""
    base = {
        "customer_id": f"C{i:06d}",
        "name": f"Pelanggan {i}",
        "indihome_number": f"1220{i:08d}",
        "msisdn": f"0812{i:08d}",
        "wa_number": "",
        "tier": "Platinum" if i % 2 == 0 else "Gold",
        "product": "internet",
        "address": f"Jl. Melati {i}",
        "province": "Jawa Barat",
        "bill_month": "2022-08",
        "bill_amount": "350000",
        "payment_channels": "Bukalapak|Indomaret",
    }
    base.update(overrides)
    return base


async def assign_everywhere(conn: asyncpg.Connection, *user_ids: int) -> None:
    """Agents ``user_ids`` may join every campaign there is (a manager's assignment)."""
    for campaign_id in await conn.fetchval("SELECT array_agg(id) FROM campaigns") or []:
        await assignments.assign_ids(conn, campaign_id, list(user_ids), actor="factory")


class Factory:
    def __init__(self, conn: asyncpg.Connection, tmp: Path, root: Path) -> None:
        self.conn, self.tmp, self.root = conn, tmp, root
        self._n = 0

    def seed_definition(self, **overrides: Any) -> dict[str, Any]:
        path = self.root / "campaigns" / "001_obc_bukalapak_voucher.toml"
        # As a JSON body would carry it: dates and times as ISO strings.
        data = json.loads(json.dumps(tomllib.loads(path.read_text()), default=_iso))
        # Five virtual seats unless a test says otherwise: the dialer's tests need no
        # agents (the seed itself has none: its agents take the calls).
        data["virtual_seats"] = 5
        for key, value in overrides.items():
            data[key] = value
        if "pacing_mode" not in overrides:
            # The seed paces predictively; a test paces as it says: by its ratio (power
            # above 1), or one call per free seat — predictive only when it asks.
            ratio = float(data.get("pacing_ratio", 1.0))
            data["pacing_mode"] = "power" if ratio > 1.0 else "progressive"
        return data

    async def create_campaign(self, **overrides: Any) -> Campaign:
        self._n += 1
        overrides.setdefault("name", f"campaign-{self._n}")
        campaign, _, _ = await campaigns.apply(
            self.conn,
            self.seed_definition(**overrides),
            actor="factory",
            source="test",
            scripts_dir=self.root / "scripts",
        )
        return campaign

    async def create_user(
        self, username: str, role: str, password: str = "secret-pass"
    ) -> auth.User:
        """A user; an agent is assigned to every campaign there is (``assign``: later ones)."""
        user = await auth.create_user(self.conn, username=username, role=role, password=password)
        if role == "agent":
            await assign_everywhere(self.conn, user.id)
        return user

    async def assign(self, campaign: Campaign, *user_ids: int) -> None:
        """Agents ``user_ids`` may join ``campaign``."""
        await assignments.assign_ids(self.conn, campaign.id, list(user_ids), actor="factory")

    def write_csv(
        self,
        rows: list[dict[str, str]] | list[list[str]],
        *,
        name: str = "list.csv",
        header: list[str] | None = None,
        delimiter: str = ",",
        encoding: str = "utf-8",
        newline: str = "\n",
    ) -> Path:
        path = self.tmp / name
        header = header or HEADER
        with path.open("w", newline="", encoding=encoding) as f:
            writer = csv.writer(f, delimiter=delimiter, lineterminator=newline)
            writer.writerow(header)
            for r in rows:
                writer.writerow([r.get(h, "") for h in HEADER] if isinstance(r, dict) else r)
        return path

    async def create_targets(
        self, campaign: Campaign, rows: list[dict[str, str]], *, name: str = "targets.csv"
    ) -> int:
        """Import ``rows`` into ``campaign`` through the real import; returns accepted."""
        from dialer.targets.service import import_targets

        path = self.write_csv(rows, name=name)
        summary = await import_targets(
            self.conn,
            campaign_id=campaign.id,
            tiers=campaign.tiers,
            path=path,
            filename=name,
            actor="factory",
        )
        return summary.accepted

    async def start(self, campaign: Campaign) -> Campaign:
        return await campaigns.transition(self.conn, campaign.id, "start", actor="factory")

    async def running_campaign(self, rows: list[dict[str, str]], **overrides: Any) -> Campaign:
        """A started campaign with ``rows`` imported: ready to dial."""
        campaign = await self.create_campaign(**overrides)
        await self.create_targets(campaign, rows)
        return await self.start(campaign)
