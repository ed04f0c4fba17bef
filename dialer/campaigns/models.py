"""A campaign as the service holds it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asyncpg import Record

from dialer.campaigns.schemas import CampaignDefinition
from dialer.rules.window import WEEKDAYS, Calendar

STATES = ("draft", "running", "paused", "finished")
# Keys the service adds to a stored definition (the script and transfer guide versions
# it was checked with).
STORED_EXTRAS = frozenset({"script_digest", "transfer_guide_digest"})
# action → (states it starts from, state it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "start": (("draft", "paused"), "running"),
    "pause": (("running",), "paused"),
    "finish": (("draft", "running", "paused"), "finished"),
}


@dataclass(frozen=True)
class Campaign:
    id: int
    name: str
    state: str
    version: int
    definition: dict[str, Any]
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str

    @classmethod
    def from_record(cls, record: Record) -> Campaign:
        return cls(**{f: record[f] for f in cls.__dataclass_fields__})

    def spec(self) -> CampaignDefinition:
        """The stored definition, parsed (without what the service added to it)."""
        return definition_of(self.definition)

    @property
    def tiers(self) -> list[str]:
        tiers: list[str] = self.definition["tiers"]
        return tiers

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "state": self.state,
            "version": self.version,
            "definition": self.definition,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "updated_at": self.updated_at.isoformat(),
            "updated_by": self.updated_by,
        }


def definition_of(stored: dict[str, Any]) -> CampaignDefinition:
    """A stored definition, parsed (without what the service added to it)."""
    return CampaignDefinition.model_validate(
        {k: v for k, v in stored.items() if k not in STORED_EXTRAS}
    )


def calendar_of(definition: CampaignDefinition) -> Calendar:
    """The calling calendar of a validated campaign definition."""
    return Calendar(
        windows={
            WEEKDAYS.index(day): (w.start, w.end) for day, w in definition.calling_window.items()
        },
        period_start=definition.period.starts,
        period_end=definition.period.ends,
        skip_holidays=definition.holidays == "skip",
    )
