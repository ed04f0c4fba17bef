"""A local fake of Twilio's REST API (the Calls resource), for the real SDK to talk to.

It checks HTTP Basic auth like Twilio, records every request, answers with Twilio's
JSON shapes (a call resource, or ``{"code", "message", "more_info", "status"}``), and
can be told to fail the next requests (429 with a Retry-After, 503, a 400 with a
Twilio error code) or to stall them (a timeout). Serve ``FakeTwilio.app()`` with
``aiohttp.test_utils.TestServer`` and point ``twilio_api_base`` at it.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from aiohttp import web

from tests.twiml_vocabulary import problems

FINAL = {"completed", "busy", "no-answer", "failed", "canceled"}
DEFAULT_CODES = {401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}


@dataclass
class Recorded:
    """One request as the fake received it."""

    method: str
    path: str
    form: dict[str, list[str]]  # every value of every field, in order
    authorization: str


@dataclass
class Failure:
    status: int
    code: int
    retry_after: str | None = None
    stall_seconds: float = 0.0


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    requests: list[Recorded] = field(default_factory=list)
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    script: list[Failure] = field(default_factory=list)
    # The softphone identities registered (a browser's Voice SDK); a <Dial><Client> to
    # any other rings nobody and ends the call, as on Twilio.
    clients: set[str] = field(default_factory=set)
    unanswered: list[tuple[str, str]] = field(default_factory=list)  # (call SID, who)

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        code: int | None = None,
        retry_after: str | None = None,
    ) -> None:
        """Answer the next ``times`` requests (after auth) with Twilio's error JSON."""
        code = code or DEFAULT_CODES.get(status, 20001)
        self.script += [Failure(status, code, retry_after)] * times

    def stall_next(self, seconds: float, *, times: int = 1) -> None:
        """Hold the next ``times`` requests ``seconds`` before answering 503."""
        self.script += [Failure(503, 20503, stall_seconds=seconds)] * times

    def set_call(self, sid: str, **fields: Any) -> None:
        """Move a call on as Twilio would (``status``, ``answered_by``, ``duration``)."""
        call = self.calls[sid]
        call.update(fields)
        if call["status"] in FINAL and call.get("end_time") is None:
            call["end_time"] = _now()

    def app(self) -> web.Application:
        app = web.Application()
        base = "/2010-04-01/Accounts/{account}/Calls"
        app.router.add_post(base + ".json", self._create)
        app.router.add_post(base + "/{sid}.json", self._update)
        app.router.add_get(base + "/{sid}.json", self._fetch)
        app.router.add_post(base + "/{sid}/Recordings.json", self._recording)
        app.router.add_post(
            "/2010-04-01/Accounts/{account}/Conferences/{conference}/Participants.json",
            self._add_participant,
        )
        app.router.add_post(
            "/2010-04-01/Accounts/{account}/Conferences/{conference}/Participants/{sid}.json",
            self._participant,
        )
        app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", self._message)
        return app

    async def _message(self, request: web.Request) -> web.Response:
        """Messages.create: WhatsApp needs whatsapp:-prefixed To and From."""
        if (refused := await self._check(request)) is not None:
            return refused
        form = self.requests[-1].form
        to, sender = form.get("To", [""])[0], form.get("From", [""])[0]
        if not (to.startswith("whatsapp:+") and sender.startswith("whatsapp:+")):
            return self._error(400, 21211, "Invalid 'To' Phone Number")
        sid = "SM" + secrets.token_hex(16)
        body = {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": to,
            "from": sender,
            "status": "queued",
            "body": "",
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "date_created": _now(),
            "date_updated": _now(),
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }
        return web.json_response(body, status=201)

    async def _recording(self, request: web.Request) -> web.Response:
        """A call's recording started (only while the call is in progress)."""
        if (refused := await self._check(request)) is not None:
            return refused
        call = self.calls.get(request.match_info["sid"])
        if call is None or call["status"] != "in-progress":
            return self._error(400, 21220, "Call is not in-progress")
        sid = "RE" + secrets.token_hex(16)
        body = {
            "sid": sid,
            "account_sid": self.account_sid,
            "call_sid": call["sid"],
            "status": "in-progress",
            "channels": 2,
            "source": "StartCallRecordingAPI",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{call['sid']}/Recordings/{sid}.json",
        }
        return web.json_response(body, status=201)

    async def _add_participant(self, request: web.Request) -> web.Response:
        """A participant called into a conference: a new call, as Twilio makes one."""
        if (refused := await self._check(request)) is not None:
            return refused
        form = self.requests[-1].form
        sid = "CA" + secrets.token_hex(16)
        self.calls[sid] = {
            "sid": sid,
            "to": form["To"][0],
            "from": form["From"][0],
            "status": "queued",
            "date_created": _now(),
        }
        body = {
            "account_sid": self.account_sid,
            "call_sid": sid,
            "conference_sid": request.match_info["conference"],
            "muted": form.get("Muted") == ["true"],
            "coaching": form.get("Coaching") == ["true"],
            "status": "queued",
            "uri": request.path,
        }
        return web.json_response(body, status=201)

    async def _participant(self, request: web.Request) -> web.Response:
        """A conference participant's update (hold, mute): recorded, echoed."""
        if (refused := await self._check(request)) is not None:
            return refused
        form = self.requests[-1].form
        body = {
            "account_sid": self.account_sid,
            "call_sid": request.match_info["sid"],
            "conference_sid": request.match_info["conference"],
            "hold": form.get("Hold") == ["true"],
            "muted": form.get("Muted") == ["true"],
            "status": "connected",
            "uri": request.path,
        }
        return web.json_response(body)

    def _error(
        self, status: int, code: int, message: str, headers: dict[str, str] | None = None
    ) -> web.Response:
        body = {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
        return web.json_response(body, status=status, headers=headers)

    async def _check(self, request: web.Request) -> web.Response | None:
        """Record the request; Twilio's refusal of it, if any."""
        form = await request.post()
        values: dict[str, list[str]] = {}
        for key, value in form.items():
            values.setdefault(key, []).append(str(value))
        authorization = request.headers.get("Authorization", "")
        self.requests.append(Recorded(request.method, request.path, values, authorization))
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if authorization != f"Basic {expected}":
            return self._error(401, 20003, "Authenticate")
        if request.match_info["account"] != self.account_sid:
            return self._error(404, 20404, "The requested resource was not found")
        if self.script:
            failure = self.script.pop(0)
            if failure.stall_seconds:
                await asyncio.sleep(failure.stall_seconds)
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else None
            return self._error(
                failure.status, failure.code, f"fake failure {failure.status}", headers
            )
        return None

    def _resource(self, call: dict[str, Any]) -> dict[str, Any]:
        """The call as Twilio's JSON (the keys the SDK's ``CallInstance`` reads)."""
        return {
            "sid": call["sid"],
            "date_created": call["date_created"],
            "date_updated": call.get("end_time") or call["date_created"],
            "parent_call_sid": None,
            "account_sid": self.account_sid,
            "to": call["to"],
            "to_formatted": call["to"],
            "from": call["from"],
            "from_formatted": call["from"],
            "phone_number_sid": None,
            "status": call["status"],
            "start_time": None,
            "end_time": call.get("end_time"),
            "duration": call.get("duration"),
            "price": None,
            "price_unit": "USD",
            "direction": "outbound-api",
            "answered_by": call.get("answered_by"),
            "api_version": "2010-04-01",
            "forwarded_from": None,
            "group_sid": None,
            "caller_name": None,
            "queue_time": "0",
            "trunk_sid": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{call['sid']}.json",
            "subresource_uris": {},
        }

    async def _create(self, request: web.Request) -> web.Response:
        if (refused := await self._check(request)) is not None:
            return refused
        form = self.requests[-1].form
        if not form.get("To", [""])[0].startswith(("+", "sip:")):
            return self._error(400, 21211, "The 'To' number is not a valid phone number.")
        sid = "CA" + secrets.token_hex(16)
        self.calls[sid] = {
            "sid": sid,
            "to": form["To"][0],
            "from": form["From"][0],
            "status": "queued",
            "date_created": _now(),
        }
        return web.json_response(self._resource(self.calls[sid]), status=201)

    async def _update(self, request: web.Request) -> web.Response:
        if (refused := await self._check(request)) is not None:
            return refused
        call = self.calls.get(request.match_info["sid"])
        if call is None:
            return self._error(404, 20404, "The requested resource was not found")
        if call["status"] in FINAL:
            return self._error(400, 21220, "Call is not in-progress. Cannot redirect.")
        form = self.requests[-1].form
        if form.get("Status") == ["completed"]:
            self.set_call(call["sid"], status="completed", duration="0")
        if "Twiml" in form:
            document = form["Twiml"][0]
            if problems(document):
                return self._error(
                    400, 12100, "Document parse failure: " + "; ".join(problems(document))
                )
            for client in ET.fromstring(document).iterfind("Dial/Client"):
                identity = (client.text or "").strip()
                if identity not in self.clients:
                    self.unanswered.append((call["sid"], f"client:{identity}"))
                    self.set_call(call["sid"], status="completed", duration="0")
        return web.json_response(self._resource(call))

    async def _fetch(self, request: web.Request) -> web.Response:
        if (refused := await self._check(request)) is not None:
            return refused
        call = self.calls.get(request.match_info["sid"])
        if call is None:
            return self._error(404, 20404, "The requested resource was not found")
        return web.json_response(self._resource(call))


def _now() -> str:
    return format_datetime(datetime.now(UTC), usegmt=True)
