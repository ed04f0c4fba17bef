"""Values from URLs that Python reads one way and PostgreSQL another, found by the
schemathesis run (``tests/integration/test_openapi.py``): each must be a 400 that says
what is wrong, never a server error."""

from __future__ import annotations

import random

import pytest
from aiohttp.test_utils import make_mocked_request
from pydantic import ValidationError

from dialer.agents.bots import form_for
from dialer.agents.outcomes import OutcomeForm
from dialer.db import as_id
from dialer.errors import BadRequest
from dialer.rules.penalty import parse_bill_month
from dialer.web import query_int
from tests.unit.test_bots import CALL, NOW


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1", 1),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),  # beyond bigint
        ("99999999999999999999999", None),
        ("²", None),  # a digit to str.isdigit(), not to int()
        ("١٢", None),  # Arabic-Indic digits: int() reads them, the URL should not
        ("-1", None),
        ("", None),
    ],
)
def test_as_id_takes_ascii_digits_within_bigint(raw: str, value: int | None) -> None:
    assert as_id(raw) == value


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ("limit=0", "at least 1"),
        ("limit=-5", "at least 1"),
        ("limit=%C2%B2", "an integer"),
        ("limit=12345678901234567890", "too large"),
        ("limit=1e3", "an integer"),
    ],
)
def test_query_int_refuses_with_the_reason(query: str, why: str) -> None:
    request = make_mocked_request("GET", f"/api/dnc?{query}")
    with pytest.raises(BadRequest, match=why):
        query_int(request, "limit", 100, minimum=1, maximum=1000)


def test_query_int_caps_at_its_maximum() -> None:
    request = make_mocked_request("GET", "/api/dnc?limit=5000")
    assert query_int(request, "limit", 100, minimum=1, maximum=1000) == 1000


@pytest.mark.parametrize("month", ["0000-01", "9999-12", "1899-12"])
def test_bill_months_out_of_any_calendar_are_refused(month: str) -> None:
    with pytest.raises(BadRequest, match="between 1900 and 9000"):
        parse_bill_month(month)


@pytest.mark.parametrize("when", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+07:00"])
def test_a_callback_time_off_any_calendar_is_refused_by_the_form(when: str) -> None:
    # Found in review: the window check's astimezone() overflowed on year 9999 (a 500).
    form = form_for("customer_busy", CALL, NOW, random.Random(1)) | {"callback_at": when}
    with pytest.raises(ValidationError, match="callback_at"):
        OutcomeForm.model_validate(form)
