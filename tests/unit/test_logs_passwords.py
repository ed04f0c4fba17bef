import json
import logging

from dialer.auth.passwords import hash_password, verify_password
from dialer.logs import JsonFormatter, mask_phones


def test_phone_numbers_are_masked_in_text() -> None:
    text = "dial +6281234567890 or 0812-3456-7890 for 350000"
    masked = mask_phones(text)
    assert "6281234567890" not in masked and "0812-3456-7890" not in masked
    assert "+6281*******90" in masked
    assert "350000" in masked  # short numbers (amounts) stay


def test_dates_and_times_are_not_taken_for_phone_numbers() -> None:
    text = "next run at 2026-11-23 00:50:38 UTC, scheduled 2026-11-23T00:50:37; call 0812 3456 7890"
    masked = mask_phones(text)
    assert "2026-11-23 00:50:38" in masked and "2026-11-23T00:50:37" in masked
    assert "0812 3456 7890" not in masked and "0812******90" in masked


def test_json_log_lines_mask_messages_and_extra_fields() -> None:
    record = logging.makeLogRecord(
        {
            "msg": "calling %s",
            "args": ("+6281234567890",),
            "levelname": "INFO",
            "name": "t",
            "msisdn": "+6281234567890",
            "nested": {"to": "081234567890"},
        }
    )
    line = JsonFormatter().format(record)
    assert "1234567890" not in line
    entry = json.loads(line)
    assert entry["msisdn"].startswith("+6281") and entry["msg"].startswith("calling +6281")


def test_passwords_are_salted_and_verified() -> None:
    a, b = hash_password("correct horse"), hash_password("correct horse")
    assert a != b and a.startswith("scrypt$")
    assert verify_password("correct horse", a)
    assert not verify_password("wrong horse", a)
    assert not verify_password("x", "garbage")
    assert not verify_password("x", None)
