import phonenumbers
from hypothesis import given
from hypothesis import strategies as st

from dialer.rules.phones import mask, normalize_mobile


def reference(raw: str) -> str | None:
    """What a full phonenumbers parse says: a valid Indonesian mobile, as E.164.

    A leading 62 without '+' is the country code (the CRM's ``628…`` form), so the
    reference reads it as ``+62``.
    """
    compact = raw.strip().replace(" ", "").replace("-", "")
    if compact.startswith("62"):
        raw = "+" + compact
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 62 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def test_every_usual_form_gives_the_same_e164() -> None:
    forms = [
        "081234567890",
        "+6281234567890",
        "6281234567890",
        "0812-3456-7890",
        "+62 812 3456 7890",
        " 0812 3456 7890 ",
        "(0812) 3456-7890",
    ]
    assert {normalize_mobile(f) for f in forms} == {"+6281234567890"}


def test_non_mobile_and_foreign_numbers_are_refused() -> None:
    for raw in ["021-5551234", "+1 415 555 1234", "0812", "08123456789012345", "abc", "", "0"]:
        assert normalize_mobile(raw) is None, raw


prefix = st.sampled_from(["0", "62", "+62", "+62 ", "0062", "", "620", "8"])
body = st.text(alphabet="0123456789", min_size=6, max_size=14)
sep = st.sampled_from(["", " ", "-"])


@given(prefix, st.sampled_from(["8", "81", "85", "82", "21", "88", "80", "9"]), body, sep)
def test_fast_path_agrees_with_phonenumbers(p: str, lead: str, digits: str, s: str) -> None:
    raw = p + lead + s + digits
    assert normalize_mobile(raw) == reference(raw)


def test_mask_keeps_prefix_and_last_two() -> None:
    assert mask("+6281234567890") == "+6281*******90"
