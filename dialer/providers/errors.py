"""What a provider (Twilio's calls and WhatsApp, or their simulators) raises.

The Twilio SDK's and the network's exceptions never leave ``dialer.providers``: they
are translated into these, which say what the caller may do next.
"""

from __future__ import annotations


class ProviderError(Exception):
    """A provider refused or failed a request."""


class ProviderUnavailable(ProviderError):
    """429 or 5xx (or the network) still failing after the client's own retries.

    Nothing was done: the caller tries again later (a call's attempt is requeued, a
    message is sent again)."""


class ProviderRejected(ProviderError):
    """A permanent refusal (4xx other than 429), with the provider's error code."""

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.status = status
