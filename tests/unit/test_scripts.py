from pathlib import Path

import pytest
import yaml

from dialer.campaigns.scripts import STEP_KEYS, find_script, load_file
from dialer.errors import NotFound, ValidationFailed

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def seed_script() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((SCRIPTS / "001_obc_bukalapak.yaml").read_text())


def write(tmp_path: Path, data: dict) -> Path:  # type: ignore[type-arg]
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def test_seed_script_has_all_ten_steps_in_order() -> None:
    script = find_script(SCRIPTS, "obc-bukalapak-001")
    assert [s["key"] for s in script.definition["steps"]] == list(STEP_KEYS)
    voucher = script.definition["steps"][4]
    assert voucher["shown_when"] == "voucher_available"
    assert "{voucher_quota}" in voucher["agent"]


def test_guides_carry_their_mandatory_fields_and_sla() -> None:
    guide = find_script(SCRIPTS, "pansol-aktivasi-paket")
    assert guide.definition["sla"]["by_tier"] == {
        "Diamond": 12,
        "Platinum": 24,
        "Gold": 72,
        "Silver": 72,
    }
    assert len(guide.definition["mandatory_fields"]) >= 10
    assert find_script(SCRIPTS, "pansol-penipuan").definition["sla"]["fixed_hours"] == 72


def test_an_unknown_placeholder_is_an_error_naming_the_step(tmp_path: Path) -> None:
    data = seed_script()
    data["steps"][1]["agent"] += " {bill_amout}"
    with pytest.raises(ValidationFailed) as err:
        load_file(write(tmp_path, data))
    reasons = " ".join(d["reason"] for d in err.value.details)
    assert "step 2 (due_date)" in reasons and "{bill_amout}" in reasons


def test_a_missing_step_is_an_error(tmp_path: Path) -> None:
    data = seed_script()
    data["steps"] = [s for s in data["steps"] if s["key"] != "voucher_offer"]
    with pytest.raises(ValidationFailed) as err:
        load_file(write(tmp_path, data))
    assert any("'voucher_offer' is missing" in d["reason"] for d in err.value.details)


def test_a_branch_to_a_missing_step_or_unknown_outcome_is_an_error(tmp_path: Path) -> None:
    data = seed_script()
    data["steps"][0]["branches"].append({"when": "x", "outcome": "maybe", "then": "step:nowhere"})
    with pytest.raises(ValidationFailed) as err:
        load_file(write(tmp_path, data))
    reasons = " ".join(d["reason"] for d in err.value.details)
    assert "unknown outcome 'maybe'" in reasons and "'nowhere'" in reasons


def test_unknown_script_name() -> None:
    with pytest.raises(NotFound):
        find_script(SCRIPTS, "no-such-script")


def test_caring_goes_on_with_the_script_and_names_a_step_it_has(tmp_path: Path) -> None:
    script = find_script(SCRIPTS, "obc-bukalapak-001").definition
    caring = [b for s in script["steps"] for b in s["branches"] if b["then"] == "caring"]
    # Every caring branch records its action and goes on with step 4 (seed 001).
    assert caring and {(b["action"] is not None, b["resume"]) for b in caring} == {
        (True, "empathy")
    }
    cancel = [b for b in caring if b["action"] in ("cancellation", "claim")]
    assert all(any("hak milik Telkom" in n for n in b["notes"]) for b in cancel)
    data = seed_script()
    data["steps"][0]["branches"][5]["resume"] = "nowhere"
    data["steps"][0]["branches"][0]["action"] = "ticket"  # an ending branch
    with pytest.raises(ValidationFailed) as err:
        load_file(write(tmp_path, data))
    reasons = " ".join(d["reason"] for d in err.value.details)
    assert "resumes at step 'nowhere'" in reasons
    assert "action and resume belong to then: caring" in reasons


def test_a_conditional_ticket_field_must_name_a_choice_of_another_field(tmp_path: Path) -> None:
    data = yaml.safe_load((SCRIPTS / "000_pansol_aktivasi_paket.yaml").read_text())
    fields = {f["key"]: f for f in data["mandatory_fields"]}
    assert fields["imei"]["required_when"] == {"field": "bundling_package", "equals": ["Ya"]}
    fields["imei"]["required_when"] = {"field": "bundling_package", "equals": ["Mungkin"]}
    fields["account_name"]["required_when"] = {"field": "nowhere", "equals": ["Ya"]}
    with pytest.raises(ValidationFailed) as err:
        load_file(write(tmp_path, data))
    reasons = " ".join(d["reason"] for d in err.value.details)
    assert "['Mungkin'] are not choices of 'bundling_package'" in reasons
    assert "no other field 'nowhere'" in reasons
