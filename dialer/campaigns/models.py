"""A campaign as the service holds it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asyncpg import Record

STATES = ("draft", "running", "paused", "finished")
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
