"""The providers' endpoints for schemathesis: their schema, and the hook that signs each
generated request as the provider would (``SCHEMATHESIS_HOOKS=tests.integration.provider_fuzz``).

The callbacks Twilio and the voucher partner send are not in the API's OpenAPI document
(they are the providers' protocol, not our API), so the fuzz run reads this schema:
every voice webhook, the WhatsApp status callback and the partner's redemption, with
the query parameters and form fields the handlers read. The hook signs what will be
sent — the exact query string and body bytes, which it encodes itself — so the requests
pass the signature check and reach the handlers: the run tests what a signed callback
with any value does, not only that an unsigned one gets 403.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from typing import Any
from urllib.parse import urlencode

import requests
import schemathesis

from dialer.providers.signing import Signer, partner_signature

VOICE = (
    "status",
    "amd",
    "answer",
    "hold",
    "bridged",
    "conference",
    "music",
    "recording",
    "agent",
    "transfer-status",
    "monitor-status",
    "agent-status",
    "transfer-answered",
    "transfer",
)
# What the handlers read (grep params in dialer/): Twilio's names.
FIELDS = (
    "CallSid",
    "CallStatus",
    "AnsweredBy",
    "CallDuration",
    "DialCallStatus",
    "ErrorCode",
    "Timestamp",
    "StatusCallbackEvent",
    "ConferenceSid",
    "FriendlyName",
    "CallSidEndingConference",
    "CallSidToCoach",
    "ReasonConferenceEnded",
    "ReasonParticipantLeft",
    "RecordingSid",
    "RecordingUrl",
    "RecordingStatus",
    "RecordingDuration",
    "Duration",
    "From",
)
QUERY = ("attempt", "agent", "transfer", "monitor")


def schema(attempt: int, sid: str) -> dict[str, Any]:
    """The OpenAPI document of the providers' endpoints; the examples name a real call."""
    examples = {"CallSid": sid, "CallStatus": "in-progress", "AnsweredBy": "human"}
    form = {
        "type": "object",
        "properties": {name: {"type": "string", "example": examples.get(name)} for name in FIELDS},
    }
    voice_query = [
        {"name": name, "in": "query", "schema": {"type": "string"}, "example": str(attempt)}
        for name in QUERY
    ]
    paths: dict[str, Any] = {
        f"/carrier/voice/{kind}": {
            "post": {
                "parameters": voice_query,
                "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": form}}},
                "responses": {"200": {"description": "TwiML"}},
            }
        }
        for kind in VOICE
    }
    paths["/messaging/status"] = {
        "post": {
            "parameters": [{"name": "message", "in": "query", "schema": {"type": "string"}}],
            "requestBody": {
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "MessageSid": {"type": "string"},
                                "MessageStatus": {"type": "string"},
                                "ErrorCode": {"type": "string"},
                            },
                        }
                    }
                }
            },
            "responses": {"200": {"description": "empty TwiML"}},
        }
    }
    paths["/partner/redemptions"] = {
        "post": {
            "requestBody": {
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "reference": {"type": "string"},
                                "code": {"type": "string"},
                                "redeemed_at": {"type": "string", "format": "date-time"},
                                "amount": {"type": "integer"},
                            },
                            "required": ["reference", "code", "redeemed_at"],
                        }
                    }
                }
            },
            "responses": {"200": {"description": "the redemption's result"}},
        }
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "provider callbacks", "version": "1"},
        "paths": paths,
    }


def _encode(value: Any) -> str:
    return urlencode(value, doseq=True, errors="surrogatepass")


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Sign the request as the provider would, over the bytes that will be sent."""
    base = os.environ["FUZZ_PUBLIC_URL"]
    # The URL as requests will send it (its encoding of the query), which is signed.
    url = requests.Request("POST", base + case.formatted_path, params=case.query).prepare().url
    body = case.body
    headers = case.headers if isinstance(case.headers, dict) else {}
    case.headers = headers
    if case.path == "/partner/redemptions":
        raw = (
            body
            if isinstance(body, bytes)
            else json.dumps(body, default=str).encode("utf-8", "surrogatepass")
        )
        kwargs["data"] = raw
        stamp = str(int(time.time()))
        headers["X-Partner-Timestamp"] = stamp
        headers["X-Partner-Signature"] = partner_signature(
            os.environ["FUZZ_PARTNER_SECRET"], stamp, raw
        )
        return
    fields = body if isinstance(body, dict) else {}
    if fields:
        kwargs["data"] = _encode(fields).encode("ascii")
    # What the service will parse back from the body: the fields as strings, of a
    # repeated field its last value.
    params = {
        str(k): str(v[-1] if isinstance(v, list) else v) for k, v in fields.items() if v != []
    }
    with contextlib.suppress(UnicodeEncodeError):  # a lone surrogate: sent unsigned (403)
        headers["X-Twilio-Signature"] = Signer(os.environ["FUZZ_TWILIO_TOKEN"]).sign(url, params)
