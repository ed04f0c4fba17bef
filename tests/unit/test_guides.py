"""A ticket's guide: a name no guide has is the agent's mistake (a 422 on the field);
anything else that goes wrong while reading the guides is a fault to see, never turned
into "no solution guide" (which once hid every bug behind that answer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialer.agents import tickets
from dialer.errors import ValidationFailed

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def test_a_guide_is_found_by_name() -> None:
    guide = tickets.load_guide(SCRIPTS, "pansol-penipuan")
    assert guide.name == "pansol-penipuan" and guide.mandatory_fields


def test_no_such_guide_names_the_field() -> None:
    with pytest.raises(ValidationFailed) as refused:
        tickets.load_guide(SCRIPTS, "no-such-guide")
    assert refused.value.details == [
        {"field": "ticket.new.guide", "reason": refused.value.details[0]["reason"]}
    ]
    assert "no solution guide named 'no-such-guide'" in refused.value.message


def test_a_call_script_is_not_a_guide() -> None:
    with pytest.raises(ValidationFailed, match="is a call script, not a solution guide"):
        tickets.load_guide(SCRIPTS, "obc-bukalapak-001")


def test_a_fault_while_reading_the_guides_is_not_a_missing_guide(tmp_path: Path) -> None:
    unreadable = tmp_path / "scripts"
    unreadable.mkdir()
    (unreadable / "broken.yaml").symlink_to(tmp_path / "nowhere.yaml")  # dangling
    with pytest.raises(OSError):
        tickets.load_guide(unreadable, "pansol-penipuan")
