"""Signed callbacks: Twilio's ``X-Twilio-Signature`` and the voucher partner's HMAC.

Twilio's: Base64 of HMAC-SHA1, keyed with the auth token, over the full URL followed by
every form field's name and value, sorted by name (then value). The SDK's
``RequestValidator.compute_signature`` gives the same string but costs seven times as
much per call (it rebuilds sorted value lists per key); the status-callback endpoint
computes one per callback, so this is its hot path. ``tests/unit/test_signature.py``
checks the two agree. A callback is checked against the configured public URL (not the
URL this node sees behind a proxy), with the path and query exactly as requested:
:class:`CallbackCheck`.

The partner's (redemption callbacks): ``X-Partner-Timestamp`` (Unix seconds) and
``X-Partner-Signature``, the hex HMAC-SHA256 of ``"{timestamp}.{body}"`` with the shared
secret; a timestamp too far from now is refused as a replay.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Mapping
from datetime import datetime

from aiohttp import web

from dialer.errors import Forbidden

log = logging.getLogger(__name__)


class Signer:
    """Twilio signatures with one auth token."""

    def __init__(self, token: str) -> None:
        self._key = token.encode()

    def sign(self, url: str, params: Mapping[str, str]) -> str:
        data = url + "".join([k + v for k, v in sorted(params.items())])
        digest = hmac.new(self._key, data.encode(), hashlib.sha1).digest()
        return base64.b64encode(digest).decode("ascii")

    def valid(self, url: str, params: Mapping[str, str], signature: str) -> bool:
        """Whether ``signature`` is the one for ``url`` and ``params`` (constant time)."""
        return bool(signature) and hmac.compare_digest(self.sign(url, params), signature)


class CallbackCheck:
    """Checks the provider's callbacks to this service: signed with ``token`` over
    ``public_url`` + the request's path and query."""

    def __init__(self, token: str, public_url: str) -> None:
        self.signer = Signer(token)
        self.public_url = public_url.rstrip("/")

    async def form(self, request: web.Request) -> dict[str, str]:
        """The callback's form fields; :class:`Forbidden` when unsigned or forged."""
        form = await request.post()
        params = {k: v for k, v in form.items() if isinstance(v, str)}
        # The path and query as they came: the provider signs the URL it requested, and
        # ``path_qs`` would be the URL's normalised form (``%21`` read as ``!``).
        url = self.public_url + request.raw_path
        signature = request.headers.get("X-Twilio-Signature", "")
        # One HMAC over the configured public URL (the SDK's validate() also tries the
        # URL with and without a port, which the configured URL makes needless).
        if not self.signer.valid(url, params, signature):
            log.warning(
                "callback refused: unsigned or forged",
                extra={"path": request.path, "remote": request.remote, "signed": bool(signature)},
            )
            raise Forbidden("the request's X-Twilio-Signature is missing or does not match")
        return params


CALLBACK_CHECK = web.AppKey("callback_check", CallbackCheck)


def partner_signature(secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def partner_refusal(
    secret: str, timestamp: str, body: bytes, signature: str, now: datetime, tolerance: float
) -> str | None:
    """Why a partner's callback is refused, or None when it is the partner's and fresh
    (never without a ``secret``: an empty one would sign anything anyone can)."""
    if not secret:
        return "no partner secret is configured"
    if not timestamp or not signature:
        return "unsigned"
    # ASCII digits only: "²" is a digit to str.isdigit, not to int().
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) < 16):
        return "the timestamp is not Unix seconds"
    if abs(now.timestamp() - int(timestamp)) > tolerance:
        return "the timestamp is too old or in the future (a replay?)"
    if not hmac.compare_digest(partner_signature(secret, timestamp, body), signature):
        return "the signature does not match"
    return None
