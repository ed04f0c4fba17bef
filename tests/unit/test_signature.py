"""The endpoint's own Twilio signature agrees with the SDK's, for any form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from dialer.providers.signing import Signer

TOKEN = "12345678901234567890123456789012"
URL = "https://dialer.example.id/carrier/voice/status?attempt=42"
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@given(st.dictionaries(text, text, max_size=25), text)
def test_the_signature_is_the_sdks(params: dict[str, str], path: str) -> None:
    url = URL + path
    expected = RequestValidator(TOKEN).compute_signature(url, params)
    assert Signer(TOKEN).sign(url, params) == expected
    assert Signer(TOKEN).valid(url, params, expected)


def test_a_signature_over_other_fields_a_url_or_a_token_is_refused() -> None:
    params = {"CallSid": "CA" + "0" * 32, "CallStatus": "completed", "CallDuration": "31"}
    signed = RequestValidator(TOKEN).compute_signature(URL, params)
    signer = Signer(TOKEN)
    assert signer.valid(URL, params, signed)
    assert not signer.valid(URL, params | {"CallDuration": "310"}, signed)
    assert not signer.valid(URL.replace("42", "43"), params, signed)
    assert not Signer("x" + TOKEN[1:]).valid(URL, params, signed)
    assert not signer.valid(URL, params, "")
    # Twilio's published example (its SDKs' tests): token 12345, this URL and form.
    doc = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    assert Signer("12345").sign("https://mycompany.com/myapp.php?foo=1&bar=2", doc) == (
        "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )


@pytest.mark.parametrize("timestamp", ["²", "١٦٦٢", "1" * 40])
def test_a_partner_timestamp_of_other_digits_is_refused_plainly(timestamp: str) -> None:
    """ "²" passes str.isdigit but not int(): refused as not Unix seconds, never a 500."""
    from datetime import UTC, datetime

    from dialer.providers.signing import partner_refusal, partner_signature

    now = datetime(2022, 9, 5, 3, 0, tzinfo=UTC)
    signature = partner_signature("s", timestamp, b"{}")
    refused = partner_refusal("s", timestamp, b"{}", signature, now, 300)
    assert refused == "the timestamp is not Unix seconds"
