"""Bot agents fill a valid outcome form for every code, and their odds are checked."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from dialer.agents.bots import DEFAULT_ODDS, form_for, parse_odds
from dialer.agents.outcomes import OutcomeForm
from dialer.rules.vocabulary import OUTCOME_CODES as CODES

CALL = {"attempt_id": 7, "msisdn": "+6281200000002", "wa_number": None}
NOW = datetime(2022, 9, 5, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize("code", CODES)
def test_every_code_gets_a_form_the_server_accepts(code: str) -> None:
    rnd = random.Random(1)
    for _ in range(20):
        form = OutcomeForm.model_validate(form_for(code, CALL, NOW, rnd))
        assert form.code == code and form.attempt_id == 7
        assert form.wa_number == "+6281200000002"


def test_odds_are_parsed_and_bad_ones_refused() -> None:
    assert parse_odds(None) == DEFAULT_ODDS
    assert set(DEFAULT_ODDS) == set(CODES)
    assert parse_odds("pays_via_bukalapak=3, already_paid=1") == {
        "pays_via_bukalapak": 3,
        "already_paid": 1,
    }
    with pytest.raises(ValueError, match="'paid' is not one of"):
        parse_odds("paid=3")
    with pytest.raises(ValueError, match="weight 'x'"):
        parse_odds("already_paid=x")
    with pytest.raises(ValueError, match="every weight is 0"):
        parse_odds("already_paid=0")
