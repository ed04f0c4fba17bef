"""One error family, rendered by one middleware as ``{"error": {id, message, details}}``."""

from __future__ import annotations

from typing import Any


class DialerError(Exception):
    """Base of every error the service reports to a caller."""

    status = 500
    error_id = "internal_error"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_json(self) -> dict[str, Any]:
        return {"error": {"id": self.error_id, "message": self.message, "details": self.details}}


class BadRequest(DialerError):
    status = 400
    error_id = "bad_request"


class ValidationFailed(DialerError):
    status = 422
    error_id = "validation_failed"


class Unauthorized(DialerError):
    status = 401
    error_id = "unauthorized"


class Forbidden(DialerError):
    status = 403
    error_id = "forbidden"


class NotFound(DialerError):
    status = 404
    error_id = "not_found"


class Conflict(DialerError):
    status = 409
    error_id = "conflict"


class PayloadTooLarge(DialerError):
    status = 413
    error_id = "payload_too_large"
