"""A local fake of Twilio's REST API (the Calls resource), for the real SDK to talk to.

It checks HTTP Basic auth like Twilio, records every request, answers with Twilio's
JSON shapes (a call resource, or ``{"code", "message", "more_info", "status"}``), and
can be told to fail the next requests (429, 503, a 400 with a Twilio error code).
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from aiohttp import web


@dataclass
class Recorded:
    method: str
    path: str
    form: dict[str, list[str]]
    authorization: str


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    requests: list[Recorded] = field(default_factory=list)
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[tuple[int, int]] = field(default_factory=list)  # (status, Twilio code)

    def fail_next(self, status: int, *, times: int = 1, code: int | None = None) -> None:
        self.failures += [(status, code or {429: 20429, 503: 20503}.get(status, 20001))] * times

    def app(self) -> web.Application:
        app = web.Application()
        base = "/2010-04-01/Accounts/{account}/Calls"
        app.router.add_post(base + ".json", self._create)
        app.router.add_post(base + "/{sid}.json", self._update)
        app.router.add_get(base + "/{sid}.json", self._fetch)
        return app

    def _error(self, status: int, code: int, message: str) -> web.Response:
        body = {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
        return web.json_response(body, status=status)

    async def _check(self, request: web.Request) -> web.Response | None:
        form = await request.post()
        values: dict[str, list[str]] = {}
        for key, value in form.items():
            values.setdefault(key, []).append(str(value))
        self.requests.append(
            Recorded(request.method, request.path, values, request.headers.get("Authorization", ""))
        )
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return self._error(401, 20003, "Authenticate")
        if request.match_info["account"] != self.account_sid:
            return self._error(404, 20404, "The requested resource was not found")
        if self.failures:
            status, code = self.failures.pop(0)
            return self._error(status, code, f"fake failure {status}")
        return None

    def _resource(self, call: dict[str, Any]) -> dict[str, Any]:
        now = format_datetime(datetime.now(UTC), usegmt=True)
        return {
            "sid": call["sid"],
            "account_sid": self.account_sid,
            "to": call["to"],
            "from": call["from"],
            "status": call["status"],
            "answered_by": call.get("answered_by"),
            "duration": call.get("duration"),
            "date_created": now,
            "date_updated": now,
            "start_time": None,
            "end_time": call.get("end_time"),
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{call['sid']}.json",
        }

    async def _create(self, request: web.Request) -> web.Response:
        if (refused := await self._check(request)) is not None:
            return refused
        form = self.requests[-1].form
        if not form.get("To", [""])[0].startswith("+"):
            return self._error(400, 21211, "The 'To' number is not a valid phone number.")
        sid = "CA" + secrets.token_hex(16)
        self.calls[sid] = {
            "sid": sid,
            "to": form["To"][0],
            "from": form["From"][0],
            "status": "queued",
        }
        return web.json_response(self._resource(self.calls[sid]), status=201)

    async def _update(self, request: web.Request) -> web.Response:
        if (refused := await self._check(request)) is not None:
            return refused
        call = self.calls.get(request.match_info["sid"])
        if call is None:
            return self._error(404, 20404, "The requested resource was not found")
        if self.requests[-1].form.get("Status") == ["completed"]:
            call["status"] = "completed"
            call["end_time"] = format_datetime(datetime.now(UTC), usegmt=True)
        return web.json_response(self._resource(call))

    async def _fetch(self, request: web.Request) -> web.Response:
        if (refused := await self._check(request)) is not None:
            return refused
        call = self.calls.get(request.match_info["sid"])
        if call is None:
            return self._error(404, 20404, "The requested resource was not found")
        return web.json_response(self._resource(call))
