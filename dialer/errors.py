"""One error family for everything the product reports to a caller.

Each error says what went wrong (``message``), where (``details``: the fields or lines
at fault) and which kind of failure it is (``error_id``, and its class). It knows
nothing of HTTP: the web middleware maps each kind to a status (``web.STATUS``) and
renders ``{"error": {id, message, details}}``; the command line prints the message and
exits 2. Messages are written in English where they are raised and put in the
reader's language when rendered (:meth:`DialerError.to_json`, ``dialer.i18n``). The
rules raise these too (a month that is not a month is an
:class:`InvalidValue`), so a rule never needs to know who asked.
"""

from __future__ import annotations

from typing import Any

from dialer.i18n import translate, translate_details


class DialerError(Exception):
    """Base of every error the service reports to a caller."""

    error_id = "internal_error"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_json(self, language: str = "en") -> dict[str, Any]:
        """``{"error": {id, message, details}}``, its words in ``language`` (``id`` or
        ``en``: the English it was raised with)."""
        return {
            "error": {
                "id": self.error_id,
                "message": translate(self.message, language),
                "details": translate_details(self.details, language),
            }
        }


class BadRequest(DialerError):
    """The request is malformed: not JSON, a parameter missing or of the wrong form."""

    error_id = "bad_request"


class InvalidValue(BadRequest):
    """A value breaks a domain rule: a month that is not a month, a negative amount."""


class ValidationFailed(DialerError):
    """Well-formed, but not acceptable: a field that fails its rule, a file's bad lines."""

    error_id = "validation_failed"


class NotApplicable(ValidationFailed):
    """A rule has no answer for these inputs (and will not invent one)."""


class Unauthorized(DialerError):
    error_id = "unauthorized"


class Forbidden(DialerError):
    error_id = "forbidden"


class NotFound(DialerError):
    error_id = "not_found"


class Conflict(DialerError):
    """The record is in a state that does not allow it."""

    error_id = "conflict"


class PayloadTooLarge(DialerError):
    error_id = "payload_too_large"


class TooManyRequests(DialerError):
    """Too many tries: refused until ``retry_after`` seconds have passed (a login locked
    after too many failures), whatever the request holds."""

    error_id = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after


class UpstreamFailed(DialerError):
    """A provider (the carrier, WhatsApp) refused or failed what was asked of it."""

    error_id = "upstream_failed"
