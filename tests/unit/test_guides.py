"""A ticket's guide: a name no guide has is the agent's mistake (a 422 on the field);
anything else that goes wrong while reading the guides is a fault to see, never turned
into "no solution guide" (which once hid every bug behind that answer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialer.agents import tickets
from dialer.campaigns.scripts import find_script, list_guides
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


def test_an_indihome_problem_is_offered_pansol_mykiss_not_a_mobile_guide() -> None:
    # Seed 001: an IndiHome problem is cared for "sesuai PanSol MyKISS"; the guides of
    # seeds 000 and 002 are Telkomsel (mobile) ones and are listed under that name.
    guides = list_guides(SCRIPTS)
    first = guides[0]
    assert (first["name"], first["service"], first["external"]) == (
        "pansol-mykiss",
        "IndiHome",
        "MyKISS",
    )
    assert first["title"].startswith("PanSol MyKISS")
    others = guides[1:]
    assert {g["name"] for g in others} >= {"pansol-aktivasi-paket", "pansol-penipuan"}
    for guide in others:
        assert guide["service"] != "IndiHome" and "Telkomsel" in guide["title"], guide["title"]
    # The script's problem notes name the same guide the list offers.
    script = find_script(SCRIPTS, "obc-bukalapak-001").definition
    notes = "\n".join(n for s in script["steps"] for n in s["notes"])
    assert "PanSol MyKISS dibuka di aplikasi MyKISS" in notes
    assert '"PanSol MyKISS — kendala IndiHome"' in notes and first["title"].startswith(
        "PanSol MyKISS — kendala IndiHome"
    )


def test_a_pansol_mykiss_ticket_records_the_ideas_ticket() -> None:
    guide = tickets.load_guide(SCRIPTS, "pansol-mykiss")
    with pytest.raises(ValidationFailed) as refused:
        tickets.check_ticket_fields(guide, {"problem": "internet mati"})
    assert "Nomor tiket IDEAS: required" in str(refused.value.details)
    assert tickets.check_ticket_fields(
        guide, {"ideas_ticket": "IN123456", "problem": "internet mati"}
    ) == {"ideas_ticket": "IN123456", "problem": "internet mati"}
