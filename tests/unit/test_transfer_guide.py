"""The transfer guide of seed 003 as data: it loads, it keeps the seed's lines and log
texts, its placeholders are filled from the call, and a broken guide or an example
destination that is not plainly one is refused with what, where and why."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from dialer.campaigns import transfer_guide
from dialer.campaigns.schemas import CampaignDefinition, TransferDestination
from dialer.errors import NotFound, ValidationFailed

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
GUIDE = SCRIPTS / "003_direct_transfer_iconnet.yaml"


def guide() -> dict[str, Any]:
    return transfer_guide.find(SCRIPTS, "direct-transfer-iconnet").definition


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "g.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def test_the_seed_003_guide_loads_with_its_procedure_by_category() -> None:
    loaded = transfer_guide.find(SCRIPTS, "direct-transfer-iconnet")
    assert loaded.kind == "transfer_guide" and loaded.path == GUIDE
    categories = {c["key"]: c for c in loaded.definition["categories"]}
    assert {k: c["procedure"] for k, c in categories.items()} == {
        "coverage_registration": "educate",
        "billing_info": "educate",
        "activation_trouble": "transfer",
    }
    # The seed's log texts ("Permasalahan"), as the seed writes them.
    assert categories["activation_trouble"]["log"]["text"] == "ICONNET : TRANSFER CALL"
    assert categories["billing_info"]["log"]["text"] == (
        "ICONNET : INFO TAGIHAN, TELAH DIJELASKAN SESUAI KETENTUAN. PELANGGAN MENGETI"
    )
    assert categories["activation_trouble"]["consent"] == ["YA", "Baik"]
    assert not categories["billing_info"]["consent"]
    assert "iconnet@iconpln.co.id" in categories["billing_info"]["say"]
    assert loaded.definition["after_call"].endswith("setelah waktu ACW berakhir.")


def test_the_lines_are_filled_from_the_call() -> None:
    trouble = transfer_guide.category_of(guide(), "activation_trouble")
    assert trouble is not None
    line = transfer_guide.say(trouble, customer_name="Siti Rahayu", address="ibu")
    assert line.startswith("... Baik Ibu Siti Rahayu, mohon maaf saat ini Ibu terhubung")
    assert line.endswith("mohon ditunggu ya Bu ...?")
    unknown = transfer_guide.say(trouble, customer_name="Siti Rahayu", address=None)
    assert "Baik Bapak/Ibu Siti Rahayu" in unknown and unknown.endswith("ya Pak/Bu ...?")
    shown = transfer_guide.for_call(guide(), "Budi")
    says = {c["key"]: c["say"] for c in shown["categories"]}
    assert set(says["coverage_registration"]) == {"bapak", "ibu", "unknown"}
    assert "{" not in " ".join(s for c in says.values() for s in c.values())


def test_the_log_text_takes_the_agents_fields_and_names_a_missing_one() -> None:
    coverage = transfer_guide.category_of(guide(), "coverage_registration")
    assert coverage is not None
    assert transfer_guide.log_text(coverage, {"area": "Cilincing Jakarta Utara"}) == (
        "ICONNET : INFO CAKUPAN AREA DI WILAYAH CILINCING JAKARTA UTARA, TELAH DIJELASKAN"
        " SESUAI KETENTUAN. PELANGGAN MENGETI"
    )
    with pytest.raises(ValidationFailed) as caught:
        transfer_guide.log_text(coverage, {"area": "  "})
    assert caught.value.details[0]["field"] == "fields.area"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"consent": []}, "needs the customer's consent"),
        ({"say": "Baik {bapak_ibu} {nama}"}, "unknown placeholder {nama}"),
        ({"log": {"text": "ICONNET : {area}"}}, "log.text: unknown placeholder {area}"),
        ({"procedure": "educate"}, "consent is for transfers"),
    ],
)
def test_a_broken_guide_is_refused_saying_where(
    tmp_path: Path, change: dict[str, Any], problem: str
) -> None:
    data = yaml.safe_load(GUIDE.read_text())
    data["categories"][2] |= change
    with pytest.raises(ValidationFailed) as caught:
        transfer_guide.load(write(tmp_path, data))
    reasons = " | ".join(d["reason"] for d in caught.value.details)
    assert problem in reasons and "activation_trouble" in reasons


def test_a_guide_is_found_by_name_and_kind(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no transfer guide named 'nope'"):
        transfer_guide.find(SCRIPTS, "nope")
    with pytest.raises(ValidationFailed, match="is a call_script, not a transfer_guide"):
        transfer_guide.find(SCRIPTS, "obc-bukalapak-001")


def test_destinations_must_be_the_guides_transferred_categories() -> None:
    def problems(*categories: str) -> list[str]:
        transfers = [{"key": f"d{i}", "category": c} for i, c in enumerate(categories)]
        found = transfer_guide.check_destinations(guide(), transfers)
        return [f"{p['field']}: {p['reason']}" for p in found]

    assert problems("activation_trouble") == []
    [unknown] = problems("activation_trouble", "gangguan teknis")
    assert unknown.startswith("transfers.1.category: 'gangguan teknis' is not a category")
    assert "transferred ones: activation_trouble" in unknown
    [educate] = problems("activation_trouble", "billing_info")
    assert "answered by educate with no transfer" in educate
    [missing] = problems()
    assert "transfers category 'activation_trouble' but no destination" in missing


def test_an_example_destination_is_plainly_one() -> None:
    example = {"key": "cc", "label": "CC ICONNET (contoh)", "category": "x", "example": True}
    assert TransferDestination.model_validate(example | {"number": "+620000000003"}).example
    for wrong, says in (
        (example | {"number": "+62807147147"}, "must be a placeholder"),
        (example | {"number": "+620000000003", "label": "CC ICONNET"}, "(contoh)"),
        (example | {"number": "+620000000003", "example": False}, "is a placeholder"),
    ):
        with pytest.raises(ValidationError, match=says):
            TransferDestination.model_validate(wrong)


def test_the_seed_campaign_links_an_example_destination_to_the_guide() -> None:
    data = tomllib.loads((ROOT / "campaigns" / "001_obc_bukalapak_voucher.toml").read_text())
    definition = CampaignDefinition.model_validate(data)
    assert definition.transfer_guide == "direct-transfer-iconnet"
    [destination] = definition.transfers
    assert destination.example and "(contoh)" in destination.label
    assert destination.category == "activation_trouble"
    with pytest.raises(ValidationError, match="transfers need a transfer_guide"):
        CampaignDefinition.model_validate(data | {"transfer_guide": None})
