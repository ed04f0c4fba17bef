"""Settings in sections, read from the environment strictly, and listed in the README
exactly as the model has them."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialer.cli.server import config_table
from dialer.settings import RENAMED, Settings, variables

README = Path(__file__).resolve().parents[2] / "README.md"
BEGIN, END = "<!-- settings: begin -->", "<!-- settings: end -->"


def test_the_readme_lists_every_setting_as_the_model_has_it() -> None:
    text = README.read_text()
    listed = text[text.index(BEGIN) + len(BEGIN) : text.index(END)].strip().splitlines()
    assert listed == config_table(), "regenerate it: .venv/bin/dialer config"


def test_a_section_is_read_from_its_nested_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIALER_TWILIO__ACCOUNT_SID", "AC123")
    monkeypatch.setenv("DIALER_TWILIO__AUTH_TOKEN", "secret")
    monkeypatch.setenv("DIALER_PACING__TICK_SECONDS", "0.5")
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/dialer")
    settings = Settings.from_environment()
    assert settings.twilio.configured and settings.twilio.account_sid == "AC123"
    assert settings.pacing.tick_seconds == 0.5
    assert settings.database.url == "postgresql://db/dialer" and not settings.embedded
    # The section's own variable wins over the usual name.
    monkeypatch.setenv("DIALER_DATABASE__URL", "postgresql://other/dialer")
    assert Settings.from_environment().database.url == "postgresql://other/dialer"


def test_an_unknown_or_old_variable_is_refused_with_what_was_meant(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DIALER_TWILIO_ACCOUNT_SID", "AC123")  # the flat name of old
    monkeypatch.setenv("DIALER_TICK_SECONDS", "1")
    monkeypatch.setenv("DIALER_NO_SUCH_THING", "1")
    with pytest.raises(ValueError) as refused:
        Settings.from_environment()
    message = str(refused.value)
    assert "DIALER_TWILIO_ACCOUNT_SID is now DIALER_TWILIO__ACCOUNT_SID" in message
    assert "DIALER_TICK_SECONDS is now DIALER_PACING__TICK_SECONDS" in message
    assert "DIALER_NO_SUCH_THING is not a setting" in message


def test_a_bad_value_is_refused_naming_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIALER_SERVER__PORT", "eighty")
    with pytest.raises(ValueError, match="DIALER_SERVER__PORT 'eighty'"):
        Settings.from_environment()


def test_every_old_name_points_at_a_setting_that_exists() -> None:
    known = {name for name, _, _ in variables()}
    assert set(RENAMED.values()) <= known


def test_amend_changes_only_what_it_names() -> None:
    settings = Settings()
    changed = settings.amend(server={"port": 9090}, simulator={"speed": 4.0})
    assert (changed.server.port, changed.simulator.speed) == (9090, 4.0)
    assert changed.server.host == settings.server.host
    assert (settings.server.port, settings.simulator.speed) == (8080, 1.0)


TWILIO = {
    "account_sid": "AC" + "1" * 32,
    "auth_token": "token",
    "from_number": "+622150000000",
    "api_key": "SK" + "2" * 32,
    "api_secret": "secret",
    "twiml_app_sid": "AP" + "3" * 32,
}


def test_a_twilio_deployment_that_cannot_work_is_named() -> None:
    public = {"public_url": "https://dialer.example.co.id"}
    assert Settings().deployment_problems() == []  # the simulators: nothing to check
    assert Settings(twilio=TWILIO, server=public).deployment_problems() == []
    problems = " | ".join(
        Settings(twilio=TWILIO | {"from_number": None}, server=public).deployment_problems()
    )
    assert "DIALER_TWILIO__FROM_NUMBER is unset" in problems
    problems = " | ".join(
        Settings(twilio=TWILIO | {"from_number": "021-5000"}, server=public).deployment_problems()
    )
    assert "is not an E.164 number" in problems
    # Browser softphones need an API key, its secret and the TwiML App; not when every
    # agent uses a SIP address or a phone number.
    bare = {k: TWILIO[k] for k in ("account_sid", "auth_token", "from_number")}
    problems = " | ".join(Settings(twilio=bare, server=public).deployment_problems())
    assert (
        "DIALER_TWILIO__API_KEY, DIALER_TWILIO__API_SECRET, DIALER_TWILIO__TWIML_APP_SID unset"
        in problems
    )
    assert Settings(twilio=bare | {"softphones": False}, server=public).deployment_problems() == []
    wrong = TWILIO | {"api_key": "AC" + "2" * 32, "twiml_app_sid": "PN" + "3" * 32}
    problems = " | ".join(Settings(twilio=wrong, server=public).deployment_problems())
    assert "is not an API key SID (SK…)" in problems and "is not a TwiML App SID (AP…)" in problems
    half = Settings(twilio={"account_sid": TWILIO["account_sid"]}).deployment_problems()
    assert half == [
        "DIALER_TWILIO__ACCOUNT_SID is set but DIALER_TWILIO__AUTH_TOKEN is not: set both to"
        " call through Twilio, or neither for the simulator"
    ]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://127.0.0.1:8080", "is not https://"),
        ("https://127.0.0.1:8443", "names this machine or a private address"),
        ("https://localhost", "names this machine or a private address"),
        ("https://10.0.0.5", "names this machine or a private address"),
        ("https://192.168.1.20", "names this machine or a private address"),
        ("http://dialer.example.co.id", "is not https://"),
    ],
)
def test_a_public_url_twilio_cannot_call_back_is_refused(url: str, says: str) -> None:
    problems = Settings(twilio=TWILIO, server={"public_url": url}).deployment_problems()
    assert any(says in p for p in problems), problems
    assert all(p.startswith("DIALER_SERVER__PUBLIC_URL") for p in problems)


def test_serve_misses_its_secrets_when_unset_or_empty() -> None:
    """No default secret (one in the source is public); compose passes "" for unset."""
    bare = Settings()
    assert [m.split(" ", 1)[0] for m in bare.missing_secrets()] == [
        "DIALER_PARTNER__SECRET",
        "DIALER_TWILIO__ACCOUNT_SID",
    ]
    empty = Settings(partner={"secret": ""}, simulator={"auth_token": ""})
    assert len(empty.missing_secrets()) == 2
    simulated = Settings(partner={"secret": "p"}, simulator={"auth_token": "t"})
    assert simulated.missing_secrets() == []
    assert Settings(partner={"secret": "p"}, twilio=TWILIO).missing_secrets() == []


def test_a_bad_value_is_one_line_naming_its_variable() -> None:
    environ = {"DIALER_SERVER__PORT": "abc", "DIALER_PACING__TICK_SECONDS": "-1"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environ.items():
            patch.setenv(name, value)
        with pytest.raises(ValueError) as raised:
            Settings.from_environment()
    message = str(raised.value)
    assert "\n" not in message
    assert "DIALER_PACING__TICK_SECONDS '-1': Input should be greater than 0" in message
    assert "DIALER_SERVER__PORT 'abc': Input should be a valid integer" in message
