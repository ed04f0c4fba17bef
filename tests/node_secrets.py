"""The secrets the tests' nodes run with: ``dialer serve`` has no defaults (a default
secret is public), so every node a test starts is given these."""

from __future__ import annotations

PARTNER_SECRET = "test-partner-secret"
SIMULATOR_TOKEN = "test-simulator-token"
ENVIRONMENT = {
    "DIALER_PARTNER__SECRET": PARTNER_SECRET,
    "DIALER_SIMULATOR__AUTH_TOKEN": SIMULATOR_TOKEN,
}
