import tomllib
from pathlib import Path
from typing import Any

import pytest

from dialer.campaigns.schemas import parse_duration
from dialer.campaigns.service import diff, parse_definition
from dialer.errors import ValidationFailed

SEED = Path(__file__).resolve().parents[2] / "campaigns" / "001_obc_bukalapak_voucher.toml"


def seed(**changes: Any) -> dict[str, Any]:
    data = tomllib.loads(SEED.read_text())
    for dotted, value in changes.items():
        node = data
        *path, last = dotted.split("__")
        for key in path:
            node = node[key]
        node[last] = value
    return data


def fields_of(exc: ValidationFailed) -> set[str]:
    return {d["field"] for d in exc.details}


def test_the_seed_campaign_is_valid() -> None:
    definition = parse_definition(seed())
    assert definition.tiers == ["Platinum", "Gold"]
    assert definition.voucher.quota == 50
    assert definition.voucher.expires.isoformat() == "2022-09-30T23:59:59+07:00"
    assert "sun" not in definition.calling_window


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tiers": ["Platinum", "Bronze"]}, "tiers"),
        ({"calling_window__mon": ["18:00", "08:00"]}, "calling_window.mon"),
        ({"voucher__quota": -1}, "voucher.quota"),
        ({"voucher__expires": "2022-09-30T23:59:59"}, "voucher.expires"),
        ({"retry__busy_line": {"delay": "soon", "max_attempts": 3}}, "retry.busy_line.delay"),
        ({"pacing_ratio": 0.5}, "pacing_ratio"),
        ({"whatsapp__content_sid": "nope"}, "whatsapp.content_sid"),
        ({"name": "Bad Name"}, "name"),
        ({"surprise": 1}, "surprise"),
        ({"pacing_mode": "turbo"}, "pacing_mode"),
        ({"connect_limit_seconds": -1}, "connect_limit_seconds"),
        ({"retry__abandon_retry_window": "later"}, "retry.abandon_retry_window"),
        ({"voice__apology_message": "Dari {company}"}, "voice.apology_message"),
    ],
)
def test_invalid_definitions_name_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_definition(seed(**change))
    assert field in fields_of(err.value)


def test_a_gap_in_the_penalty_schedule_is_refused() -> None:
    data = seed()
    del data["penalty"]["internet"][1]  # N/21..N/last missing
    with pytest.raises(ValidationFailed) as err:
        parse_definition(data)
    assert any("without gaps" in d["reason"] for d in err.value.details)


def test_an_open_ended_row_must_be_last() -> None:
    data = seed()
    data["penalty"]["telephone"][1].pop("end")
    with pytest.raises(ValidationFailed, match="invalid"):
        parse_definition(data)


def test_durations() -> None:
    assert parse_duration("15m").total_seconds() == 900
    assert parse_duration("1d2h").total_seconds() == 93600
    with pytest.raises(ValueError):
        parse_duration("")


def test_diff_lists_changed_leaves() -> None:
    assert diff({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "c": 3}, "d": 4}) == {
        "a.c": {"from": 2, "to": 3},
        "d": {"from": None, "to": 4},
    }


def test_calling_hours_with_an_offset_are_refused() -> None:
    import pytest
    from pydantic import ValidationError

    from dialer.campaigns.schemas import Window

    with pytest.raises(ValidationError, match="local time: no UTC offset"):
        Window.model_validate(["08:00+07:00", "18:00+07:00"])
    assert Window.model_validate(["08:00", "18:00"]).end.hour == 18


def test_pacing_modes_and_their_limits() -> None:
    assert parse_definition(seed()).pacing_mode == "predictive"
    # A definition from before the modes: a ratio above 1 was power dialling, 1 was
    # progressive.
    older = seed(pacing_ratio=2.0)
    del older["pacing_mode"]
    assert parse_definition(older).pacing_mode == "power"
    older["pacing_ratio"] = 1.0
    assert parse_definition(older).pacing_mode == "progressive"
    # The target may not be above the regulator's cap; progressive has no ratio.
    with pytest.raises(ValidationFailed) as err:
        parse_definition(seed(target_abandon_percent=4.0))
    assert "target_abandon_percent 4 is above the abandon limit 3" in str(err.value.details)
    with pytest.raises(ValidationFailed) as err:
        parse_definition(seed(pacing_mode="progressive", pacing_ratio=2.0))
    assert "progressive places one call per free agent" in str(err.value.details)


def test_the_information_message_says_who_called_and_why() -> None:
    voice = parse_definition(seed()).voice
    assert voice.information() == (
        "Mohon maaf, semua petugas kami sedang sibuk. Panggilan ini dari PT Telkom Indonesia"
        " mengenai tagihan IndiHome Anda. Kami akan menghubungi Anda kembali. Terima kasih."
    )
    other = parse_definition(seed(voice__caller="Bank X", voice__purpose="kartu kredit Anda"))
    assert "dari Bank X mengenai kartu kredit Anda" in other.voice.information()
