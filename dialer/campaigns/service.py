"""Applying campaign definitions (create, update as a new version) and their life cycle."""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

from asyncpg import Record
from pydantic import ValidationError

from dialer.campaigns import transfer_guide
from dialer.campaigns.models import TRANSITIONS, Campaign
from dialer.campaigns.schemas import CampaignDefinition
from dialer.campaigns.scripts import LoadedScript, find_script
from dialer.db import Connection, as_id, q
from dialer.errors import Conflict, NotFound, ValidationFailed


def validation_details(exc: ValidationError) -> list[dict[str, str]]:
    """Pydantic's errors as ``[{"field": "voucher.quota", "reason": "..."}]``."""
    return [
        {"field": ".".join(str(p) for p in e["loc"]) or "(definition)", "reason": e["msg"]}
        for e in exc.errors()
    ]


def parse_definition(data: dict[str, Any], *, where: str = "campaign") -> CampaignDefinition:
    try:
        return CampaignDefinition.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(
            f"{where}: invalid campaign definition", details=validation_details(exc)
        ) from exc


def load_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValidationFailed(f"{path}: cannot be read as TOML: {exc}") from exc


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{"voucher.quota": {"from": 50, "to": 60}}`` for every leaf that changed."""
    a, b = _flatten(old), _flatten(new)
    return {
        key: {"from": a.get(key), "to": b.get(key)}
        for key in sorted(a.keys() | b.keys())
        if a.get(key) != b.get(key)
    }


async def apply(
    conn: Connection,
    data: dict[str, Any],
    *,
    actor: str,
    source: str,
    scripts_dir: Path,
    expect_name: str | None = None,
    examples_allowed: bool = True,
) -> tuple[Campaign, str, dict[str, Any]]:
    """Create or update a campaign from a definition; returns (campaign, outcome, changes).

    ``outcome`` is ``created``, ``updated`` (a new version, with its changes recorded)
    or ``unchanged``. The script the campaign names is validated and stored with it, and
    so is its transfer guide, the destinations checked against its categories. Example
    destinations (placeholder numbers) are refused unless ``examples_allowed`` (a
    deployment on the simulator).
    """
    definition = parse_definition(data, where=source)
    if expect_name is not None and definition.name != expect_name:
        raise ValidationFailed(
            f"the definition is named {definition.name!r} but the URL names {expect_name!r};"
            " a campaign cannot be renamed"
        )
    script = find_script(scripts_dir, definition.script)
    if script.kind != "call_script":
        raise ValidationFailed(f"{definition.script!r} is a {script.kind}, not a call script")
    stored = definition.model_dump(mode="json") | {"script_digest": script.digest}
    guide = _transfer_guide(definition, scripts_dir, source, examples_allowed=examples_allowed)
    if guide is not None:
        stored["transfer_guide_digest"] = guide.digest
    columns = (
        definition.product,
        definition.tiers,
        definition.voucher.quota,
        definition.voucher.expires,
        definition.script,
    )
    async with conn.transaction():
        for loaded in (script, guide) if guide is not None else (script,):
            await conn.execute(
                q("upsert_script"), loaded.name, loaded.digest, loaded.kind, loaded.definition
            )
        existing = await conn.fetchrow(q("lock_campaign_by_name"), definition.name)
        if existing is None:
            record = await conn.fetchrow(
                q("insert_campaign"), definition.name, *columns, stored, actor
            )
            changes = diff({}, stored)
            outcome = "created"
        else:
            current = Campaign.from_record(existing)
            if current.state == "finished":
                raise Conflict(f"campaign {current.name!r} is finished; it cannot change")
            changes = diff(current.definition, stored)
            if not changes:
                return current, "unchanged", {}
            record = await conn.fetchrow(q("update_campaign"), current.id, stored, *columns, actor)
            outcome = "updated"
        assert record is not None
        campaign = Campaign.from_record(record)
        await conn.execute(
            q("insert_campaign_version"),
            campaign.id,
            campaign.version,
            stored,
            changes,
            campaign.state,
            actor,
            source,
        )
    return campaign, outcome, changes


def _transfer_guide(
    definition: CampaignDefinition, scripts_dir: Path, source: str, *, examples_allowed: bool
) -> LoadedScript | None:
    """The campaign's transfer guide, validated, its destinations checked against it."""
    examples = example_destinations(definition.model_dump(mode="json"))
    if examples and not examples_allowed:
        raise ValidationFailed(
            f"{source}: example transfer destinations in a deployment that calls real phones",
            details=[
                {
                    "field": f"transfers.{key}",
                    "reason": "an example (contoh) with a placeholder"
                    " number: give the contact center's real number and drop example = true",
                }
                for key in examples
            ],
        )
    if definition.transfer_guide is None:
        return None
    guide = transfer_guide.find(scripts_dir, definition.transfer_guide)
    transfers = [t.model_dump() for t in definition.transfers]
    problems = transfer_guide.check_destinations(guide.definition, transfers)
    if problems:
        raise ValidationFailed(
            f"{source}: the transfers do not fit transfer guide {guide.name!r}", details=problems
        )
    return guide


def example_destinations(definition: dict[str, Any]) -> list[str]:
    """The keys of the campaign's example transfer destinations (placeholder numbers)."""
    return [t["key"] for t in definition.get("transfers", []) if t.get("example")]


async def get(conn: Connection, ref: str | int) -> Campaign:
    """A campaign by id (digits) or by name."""
    text = str(ref)
    number = as_id(text)
    record = await conn.fetchrow(
        q("get_campaign_by_id") if number is not None else q("get_campaign_by_name"),
        number if number is not None else text,
    )
    if record is None:
        raise NotFound(f"no campaign {text!r}")
    return Campaign.from_record(record)


async def transition(conn: Connection, ref: str | int, action: str, *, actor: str) -> Campaign:
    """Start, pause or finish; a move the state machine forbids is a 409 that says why."""
    sources, target = TRANSITIONS[action]
    async with conn.transaction():
        current = await get(conn, ref)
        record = await conn.fetchrow(
            q("set_campaign_state"), current.id, target, list(sources), actor
        )
        if record is None:
            raise Conflict(
                f"cannot {action} campaign {current.name!r}: it is {current.state}"
                f" ({action} applies to {' or '.join(sources)})",
                details={"state": current.state, "action": action},
            )
        await conn.execute(
            q("insert_campaign_event"), current.id, action, current.state, target, actor
        )
    return Campaign.from_record(record)


async def exists(conn: Connection, name: str) -> bool:
    return await conn.fetchrow(q("get_campaign_by_name"), name) is not None


async def count_targets(conn: Connection, campaign_id: int) -> int:
    return int(await conn.fetchval(q("count_targets"), campaign_id))


async def listing(conn: Connection) -> list[dict[str, Any]]:
    """Every campaign: state, version, title, number of targets and of those done, the
    voucher quota and the places of it left, last change."""
    found = []
    for r in await conn.fetch(q("list_campaigns")):
        quota = int(r["definition"].get("voucher", {}).get("quota", 0))
        found.append(
            {
                "id": r["id"],
                "name": r["name"],
                "state": r["state"],
                "version": r["version"],
                "title": r["definition"].get("title", ""),
                "targets": r["targets"],
                "done": r["done"],
                "quota": quota,
                "quota_left": max(quota - r["quota_taken"], 0),
                "updated_at": r["updated_at"],
                "updated_by": r["updated_by"],
            }
        )
    return found


async def history(conn: Connection, campaign_id: int) -> dict[str, list[dict[str, Any]]]:
    """A campaign's versions (each definition, what changed, who, when) and events."""
    versions = await conn.fetch(q("list_campaign_versions"), campaign_id)
    events = await conn.fetch(q("list_campaign_events"), campaign_id)
    return {"versions": [dict(r) for r in versions], "events": [dict(r) for r in events]}


async def last_attempt_at(conn: Connection, campaign_id: int) -> datetime | None:
    """When the campaign's latest attempt was made (None before its first)."""
    found: datetime | None = await conn.fetchval(q("last_attempt_at"), campaign_id)
    return found


async def zones_now(conn: Connection, campaign_id: int) -> list[Record]:
    """Per zone: targets ready, live calls, the next retry due, targets not finished
    (how ``dialer demo`` knows when to move its clock on)."""
    return list(await conn.fetch(q("demo_state"), campaign_id))
