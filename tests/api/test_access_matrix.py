"""Who may call what: the access matrix, generated from the application's route table.

Every operation (method × path) the application serves is classified by its handler's
``@requires`` marker (``dialer/auth/http.py``): manager-only, agent-only, either role, or
public. Public operations are the explicit allow-list below; an operation that is
neither marked nor listed fails ``test_every_route_is_guarded_or_allow_listed``, so a
new unprotected route is caught by construction.

``test_the_access_matrix`` calls every operation as the anonymous, an agent, another
agent and a manager, its path parameters filled with real records made through the API
by real calls (a campaign, its import, a ticket, a voucher, a transfer, a closure
request, a DNC entry, a customer; agent A holds a live call), and checks the auth
decision only: 401 for the anonymous on every protected operation, 403 for the wrong
role, never 401/403 for an allowed caller, 403 for everyone on the provider callbacks
sent unsigned, and never a 5xx.

``test_another_agent_cannot_record_transfer_or_see_someone_elses_call``: agent B can
neither record nor transfer agent A's call, before or after A's outcome, and sees
nothing of it through any agent endpoint or the console's WebSocket.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import asyncpg
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient

from dialer.clock import FrozenClock
from tests.dialing import FAST, MONDAY_10_WIB, Node, running_node
from tests.factories import Factory, row

Client = TestClient[Any, Any]
Key = tuple[str, str]  # (method, path as declared: /api/tickets/{id}/close)

# Public on purpose: no session or token. Keep it short.
PUBLIC: set[Key] = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/api/openapi.json"),
    ("POST", "/api/auth/login"),
    ("GET", "/"),
    ("GET", "/agent"),
    ("GET", "/manager"),
    ("GET", "/favicon.ico"),
}
# The providers' callbacks: no session either, but a signature (Twilio's, or the
# partner's HMAC); and /metrics, for the scraper's token. Unsigned, they answer 403 to everyone, a manager's token included.
SIGNED: set[Key] = {
    ("POST", "/carrier/voice/status"),
    ("POST", "/carrier/voice/amd"),
    ("POST", "/carrier/voice/answer"),
    ("POST", "/carrier/voice/hold"),
    ("POST", "/carrier/voice/bridged"),
    ("POST", "/carrier/voice/conference"),
    ("POST", "/carrier/voice/agent"),
    ("POST", "/carrier/voice/agent-status"),
    ("POST", "/carrier/voice/transfer"),
    ("POST", "/carrier/voice/transfer-answered"),
    ("POST", "/carrier/voice/music"),
    ("POST", "/carrier/voice/recording"),
    ("POST", "/carrier/voice/monitor-status"),
    ("POST", "/carrier/voice/transfer-status"),
    ("POST", "/messaging/status"),
    ("POST", "/partner/redemptions"),
    ("GET", "/metrics"),  # the metrics token (DIALER_METRICS__TOKEN), not a user's
}
STATIC = {"/static"}
# The policy the markers must follow, so that widening a role is caught too: the
# agent's console API (/api/agent/...) is agents' only and nothing else is; these few
# are for both roles; every other marked operation is managers' only.
AGENT_API = "/api/agent/"
EITHER: set[Key] = {
    ("POST", "/api/auth/logout"),
    ("GET", "/api/auth/me"),
    ("POST", "/api/auth/tokens"),
    ("GET", "/api/auth/tokens"),
    ("DELETE", "/api/auth/tokens/{id}"),
    ("POST", "/api/auth/logout-everywhere"),
    ("GET", "/api/penalty"),
    ("GET", "/api/campaigns/{name}/penalty"),
    ("GET", "/api/vocabulary"),  # the lists both pages build their forms from
}  # the pages' files (not called: the matrix is about operations)
# Operations the hand-written list in test_api.py never covered.
MANAGER_ONLY_TOO = [
    ("POST", "/api/tickets/{id}/close"),
    ("POST", "/api/vouchers/{id}/resend"),
    ("POST", "/api/vouchers/{id}/void"),
    ("POST", "/api/redemptions/import"),
    ("GET", "/api/campaigns/{name}/transfers"),
    ("GET", "/api/campaigns/{name}/informed"),
    ("GET", "/api/campaigns/{name}/closure-requests"),
    ("GET", "/api/campaigns/{name}/agents"),
    ("PUT", "/api/campaigns/{name}/agents/{username}"),
    ("DELETE", "/api/campaigns/{name}/agents/{username}"),
    ("POST", "/api/users/{username}/disable"),
    ("POST", "/api/users/{username}/enable"),
    ("POST", "/api/users/{username}/revoke-tokens"),
]
# Operations that revoke every token of their caller: the caller logs in again after.
LOGS_CALLER_OUT = {("POST", "/api/auth/logout-everywhere")}
USERNAMES = {"agent": "ani", "another agent": "budi", "manager": "mira"}
WEBSOCKET: Key = ("GET", "/api/agent/ws")
ROLES = {
    frozenset({"manager"}): "manager-only",
    frozenset({"agent"}): "agent-only",
    frozenset({"manager", "agent"}): "either",
}
KINDS = {*ROLES.values(), "public", "signed"}
CALLERS = ("anonymous", "agent", "another agent", "manager")  # the manager last: it mutates
CAMPAIGN = "access"
PASSWORD = "long-enough-pass"
COMMON = {"hub_penerima": "YANG BERSANGKUTAN", "address_valid": True, "notes": "ok"}
TALKATIVE = replace(FAST, talk_seconds=(600.0, 600.0))  # the customer stays on the line
_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)")


@dataclass(frozen=True)
class Op:
    """One operation of the route table."""

    method: str
    path: str
    route: web.AbstractRoute

    @property
    def key(self) -> Key:
        return (self.method, self.path)

    @property
    def roles(self) -> tuple[str, ...] | None:
        return getattr(self.route.handler, "roles", None)

    @property
    def kind(self) -> str:
        """manager-only, agent-only, either, public, signed; else what is wrong."""
        if self.roles is None:
            if self.key in SIGNED:
                return "signed"
            return "public" if self.key in PUBLIC else "UNGUARDED"
        return ROLES.get(frozenset(self.roles), f"UNKNOWN ROLES {self.roles}")

    @property
    def owned(self) -> bool:
        """Acts on the call the agent holds (its body or query names the attempt):
        another agent, whom the role lets in, is refused by the ownership check."""
        doc = getattr(self.route.handler, "openapi", None)
        body = getattr(doc, "body", None)
        query = getattr(doc, "query", ())
        return (body is not None and "attempt_id" in body.model_fields) or any(
            p.name == "attempt_id" for p in query
        )


def operations(app: web.Application) -> tuple[list[Op], set[str]]:
    """Every operation (not the HEAD twin of a GET), and the static files' prefixes."""
    routes = list(app.router.routes())
    gets = {r.resource.canonical for r in routes if r.method == "GET" and r.resource}
    ops, static = [], set()
    for route in routes:
        resource = route.resource
        assert resource is not None
        if isinstance(resource, web.StaticResource):
            static.add(resource.canonical)
        elif not (route.method == "HEAD" and resource.canonical in gets):
            ops.append(Op(route.method, resource.canonical, route))
    return ops, static


def expected(op: Op, caller: str) -> int | None:
    """The status the auth decision gives ``caller``: 401, 403, or None (let in)."""
    if op.kind == "signed":
        return 403
    if op.kind == "public":
        return None
    if caller == "anonymous":
        return 401  # whatever is not allow-listed as public, marked or not
    if op.roles is None:
        return None  # unguarded: the classification fails it; no role to hold it to
    if ("manager" if caller == "manager" else "agent") not in op.roles:
        return 403
    if caller == "another agent" and op.owned:
        return 403
    return None


def bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


async def send(
    client: Client, token: str | None, method: str, path: str, **kwargs: Any
) -> tuple[int, Any]:
    """One request as the holder of ``token`` (None: anonymous); its status and body
    (JSON when it is JSON). Cookies are dropped: every request says who it is."""
    resp = await client.request(
        method, path, headers=bearer(token), allow_redirects=False, **kwargs
    )
    try:
        if resp.content_type == "text/event-stream":  # the live stream never ends
            body: Any = None
        elif resp.content_type == "application/json":
            body = await resp.json()
        else:
            body = await resp.text(errors="replace")
    finally:
        resp.close()
        client.session.cookie_jar.clear()
    return resp.status, body


async def login(client: Client, username: str) -> str:
    status, body = await send(
        client, None, "POST", "/api/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert status == 200, body
    return str(body["token"])


@dataclass
class Floor:
    """A running campaign on one node (simulated carrier, frozen clock): a manager, agent
    A (available, takes the calls) and agent B (joined, paused: no call)."""

    node: Node
    clock: FrozenClock
    factory: Factory
    definition: dict[str, Any]
    tokens: dict[str, str]  # caller → a token of theirs
    ids: dict[str, Any]  # path parameter (or the segment before an {id}) → a real value

    @property
    def client(self) -> Client:
        return self.node.client

    async def as_(self, caller: str, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        return await send(self.client, self.tokens.get(caller), method, path, **kwargs)

    async def next_call(self) -> dict[str, Any]:
        """Agent A's next call: dialled for A, answered, handed to A; its screen-pop."""
        self.clock.advance(seconds=2)  # past A's after-call work (1 s)
        assert (await self.node.tick()).get(CAMPAIGN) == 1
        for _ in range(500):
            _, me = await self.as_("agent", "GET", "/api/agent/me")
            if me["state"]["state"] == "on_call" and me["call"] is not None:
                return dict(me["call"])
            await asyncio.sleep(0.02)
        raise AssertionError(f"no call reached agent A: {me}")

    async def outcome(self, call: dict[str, Any], **form: Any) -> dict[str, Any]:
        """A records the outcome of ``call``; the call ends."""
        body = {"attempt_id": call["attempt_id"]} | COMMON | form
        status, answer = await self.as_("agent", "POST", "/api/agent/outcome", json=body)
        assert status == 201, answer
        await self.node.settle()
        return dict(answer)


@asynccontextmanager
async def floor(settings: Any, pool: Any, factory: Factory) -> AsyncIterator[Floor]:
    await factory.create_user("mira", "manager", password=PASSWORD)
    clock = FrozenClock(MONDAY_10_WIB)
    async with running_node(
        settings, pool, clock, choose=lambda c: "human", speed=10, profile=TALKATIVE
    ) as node:
        client = node.client
        mira = await login(client, "mira")
        for name in ("ani", "budi"):
            user = {"username": name, "role": "agent", "password": PASSWORD}
            assert (await send(client, mira, "POST", "/api/users", json=user))[0] == 201
        tokens = {
            "manager": mira,
            "agent": await login(client, "ani"),
            "another agent": await login(client, "budi"),
        }
        definition = factory.seed_definition(name=CAMPAIGN, virtual_seats=0, wrap_up_seconds=1)
        assert (await send(client, mira, "POST", "/api/campaigns", json=definition))[0] == 201
        for name in ("ani", "budi"):  # both may join it
            path = f"/api/campaigns/{CAMPAIGN}/agents/{name}"
            assert (await send(client, mira, "PUT", path))[0] == 200
        form = FormData()
        listing = factory.write_csv([row(i) for i in range(1, 8)]).read_bytes()
        form.add_field("file", listing, filename="list.csv", content_type="text/csv")
        path = f"/api/campaigns/{CAMPAIGN}/targets"
        status, summary = await send(client, mira, "POST", path, data=form)
        assert status == 201 and summary["accepted"] == 7, summary
        assert (await send(client, mira, "POST", f"/api/campaigns/{CAMPAIGN}/start"))[0] == 200
        status, body = await send(client, tokens["agent"], "POST", "/api/agent/phone", json={})
        assert status == 202, body
        for _ in range(500):  # A's softphone (the simulator's) joins A's conference
            _, body = await send(client, tokens["agent"], "GET", "/api/agent/phone")
            if body["phone"]["state"] == "connected":
                break
            await asyncio.sleep(0.02)
        for caller, state in (("agent", "available"), ("another agent", "paused")):
            join = {"campaign": CAMPAIGN, "state": state}
            status, body = await send(client, tokens[caller], "POST", "/api/agent/state", json=join)
            assert status == 200, body
        # A spare token of the manager's: the one DELETE /api/auth/tokens/{id} revokes.
        status, spare = await send(client, mira, "POST", "/api/auth/tokens", json={})
        assert status == 201, spare
        ids = {"name": CAMPAIGN, "ref": CAMPAIGN, "tokens": spare["id"]}
        yield Floor(node, clock, factory, definition, tokens, ids)
        for sid in list(node.carrier.calls):
            await node.carrier.hangup(sid)
        await node.settle()


async def records(f: Floor) -> int:
    """Through real calls, A leaves a ticket, a voucher, a closure request and a
    transfer; a manager lists a number as do-not-call. ``f.ids`` gets the records'
    identifiers. Returns the attempt of the live call A then holds."""
    await f.outcome(await f.next_call(), code="has_problem", ticket={"existing": "IN12345678"})
    issued = await f.outcome(
        await f.next_call(), code="pays_via_bukalapak", wa_number="081299990000"
    )
    assert issued["voucher"]["issued"], issued
    await f.outcome(
        await f.next_call(),
        code="wants_cancellation",
        cancellation="closure_request",
        arrears_settled=True,
        modem_returned=False,
    )
    call = await f.next_call()
    informed = {"attempt_id": call["attempt_id"], "category": "billing_info"}
    status, body = await f.as_("agent", "POST", "/api/agent/informed", json=informed)
    assert status == 201, body
    transfer = {"attempt_id": call["attempt_id"], "destination": "cc-iconnet", "consent": "YA"}
    status, body = await f.as_("agent", "POST", "/api/agent/transfer", json=transfer)
    assert status == 202, body
    await f.node.settle()  # the destination answered (done), then the call ended
    held = await f.next_call()

    dnc = {"msisdn": "081299990001", "reason": "asked"}
    assert (await f.as_("manager", "POST", "/api/dnc", json=dnc))[0] == 201
    base = f"/api/campaigns/{CAMPAIGN}"
    found = {}
    for what, path in (
        ("imports", "/imports"),
        ("tickets", "/tickets?state=all"),
        ("vouchers", "/vouchers"),
        ("transfers", "/transfers"),
        ("informed", "/informed"),
        ("closure_requests", "/closure-requests"),
    ):
        status, body = await f.as_("manager", "GET", base + path)
        assert status == 200 and len(body[what]) == 1, body
        found[what] = body[what][0]["id"]
    f.ids.update(msisdn=dnc["msisdn"], indihome=held["customer"]["indihome_number"], **found)
    return int(held["attempt_id"])


def url(op: Op, ids: dict[str, Any]) -> str:
    """The operation's path with its parameters filled: a word from the route's own
    alternatives ({report:outcomes|agents}), the record named by the segment before an
    {id} (/api/tickets/{id}), a real identifier by name, else a placeholder (the role
    check comes before any lookup)."""
    names = re.findall(r"\{(\w+)\}", op.path)
    if not names:
        return op.path
    info = op.route.resource.get_info() if op.route.resource else {}
    regexes = dict(_NAMED_GROUP.findall(info["pattern"].pattern))
    parts = {}
    for name in names:
        choices = regexes.get(name, "")
        if re.fullmatch(r"[\w-]+(\|[\w-]+)*", choices):
            parts[name] = choices.split("|")[0]
        elif name == "id":
            segment = re.search(r"/([\w-]+)/\{id\}", op.path)
            parts[name] = str(ids.get(segment.group(1) if segment else "", 1))
        else:
            parts[name] = str(ids.get(name, "x"))
    assert op.route.resource is not None
    return str(op.route.resource.url_for(**parts))


def samples(f: Floor, held: int) -> dict[Key, dict[str, Any]]:
    """Valid-looking requests, so that an allowed caller reaches the handler itself."""
    quote = {"total": "350000", "bill_month": "2022-08", "paid_on": "2022-09-05"}
    payment = {
        "reference": "PAY-1",
        "indihome_number": "122000000001",
        "bill_month": "2022-08",
        "amount": "350000",
        "channel": "Indomaret",
        "paid_at": "2022-09-05T09:00:00+07:00",
    }
    return {
        ("POST", "/api/auth/login"): {"json": {"username": "mira", "password": PASSWORD}},
        ("POST", "/api/auth/tokens"): {"json": {"label": "matrix"}},
        ("POST", "/api/users"): {
            "json": {"username": "carla", "role": "agent", "password": PASSWORD}
        },
        ("POST", "/api/campaigns"): {"json": f.factory.seed_definition(name="another")},
        ("PUT", "/api/campaigns/{ref}"): {"json": f.definition},
        ("POST", "/api/campaigns/{ref}/targets"): {
            "file": f.factory.write_csv([row(40)]).read_text()
        },
        ("POST", "/api/dnc"): {"json": {"msisdn": "081299990002", "reason": "asked"}},
        ("POST", "/api/dnc/import"): {"file": "msisdn,reason\n081299990003,asked\n"},
        ("DELETE", "/api/dnc/{msisdn}"): {"json": {"reason": "listed by mistake"}},
        ("GET", "/api/penalty"): {"params": {"product": "internet", **quote}},
        ("GET", "/api/campaigns/{name}/penalty"): {"params": quote},
        ("POST", "/api/payments"): {"json": {"payments": [payment]}},
        ("POST", "/api/payments/import"): {
            "file": ",".join(payment) + "\n" + ",".join(payment.values()) + "\n"
        },
        ("POST", "/api/agent/state"): {"json": {"campaign": CAMPAIGN}},
        # For A, whose call it is, the role and the ownership checks pass and a rule of
        # the form stops it (a callback in the past, no such destination): 422, and the
        # matrix leaves the call alone. For B the ownership check answers 403.
        ("POST", "/api/agent/outcome"): {
            "json": {"attempt_id": held, "code": "customer_busy"}
            | COMMON
            | {"callback_at": "2022-09-01T10:00:00+07:00"}
        },
        ("POST", "/api/agent/transfer"): {"json": {"attempt_id": held, "destination": "nowhere"}},
        ("POST", "/api/agent/informed"): {"json": {"attempt_id": held, "category": "nowhere"}},
        ("GET", "/api/agent/transfer/guide"): {"params": {"attempt_id": held}},
        # Resuming a customer who is not on hold: for A, 409 after the ownership check;
        # for B the ownership check answers 403.
        ("POST", "/api/agent/call"): {"json": {"attempt_id": held, "action": "resume"}},
        # A bad endpoint: refused whole (422), A's phone stays as it is.
        ("POST", "/api/agent/phone"): {"json": {"endpoint": "sip", "address": "not a SIP URI"}},
        ("POST", "/api/campaigns/{name}/vouchers/import"): {"file": "code\nBLMATRIX0001\n"},
        ("POST", "/api/vouchers/{id}/resend"): {"json": {}},
        ("POST", "/api/vouchers/{id}/void"): {"json": {"reason": "sent to the wrong number"}},
        ("POST", "/api/redemptions/import"): {
            "file": "reference,code,redeemed_at\nRDM-1,BLNOSUCHCODE,2022-09-06T10:00:00+07:00\n"
        },
        ("POST", "/partner/redemptions"): {
            "json": {"reference": "RDM-2", "code": "BLX", "redeemed_at": "2022-09-06T10:00:00Z"}
        },
        **{
            key: {"data": {"CallSid": "CA" + "0" * 32, "CallStatus": "completed"}}
            for key in SIGNED - {("POST", "/partner/redemptions")}
        },
    }


def request(op: Op, sample: dict[str, Any] | None) -> dict[str, Any]:
    """The request's keyword arguments: the sample, else what the operation's OpenAPI
    description says it reads (an upload, a JSON body)."""
    doc = getattr(op.route.handler, "openapi", None)
    if sample is None:
        sample = {}
        if getattr(doc, "upload", None):
            sample = {"file": "x\n1\n"}
        elif getattr(doc, "body", None) is not None:
            sample = {"json": {}}
    kwargs = {k: v for k, v in sample.items() if k != "file"}
    if "file" in sample:  # a fresh form each time: a FormData is sent once
        form = FormData()
        form.add_field("file", sample["file"].encode(), filename="up.csv", content_type="text/csv")
        kwargs["data"] = form
    return kwargs


def describe(expected_status: int | None) -> str:
    return "let in (not 401/403)" if expected_status is None else str(expected_status)


def policy(key: Key) -> str:
    """The class an operation with a role marker must be in."""
    if key[1].startswith(AGENT_API):
        return "agent-only"
    return "either" if key in EITHER else "manager-only"


async def test_every_route_is_guarded_or_allow_listed(client: Client) -> None:
    ops, static = operations(client.server.app)
    kinds = {op.key: op.kind for op in ops}
    problems = []
    for (method, path), kind in sorted(kinds.items()):
        if kind == "UNGUARDED":
            problems.append(
                f"{method} {path}: no @requires, and not in this test's PUBLIC or SIGNED allow-list"
            )
        elif kind not in KINDS:
            problems.append(f"{method} {path}: {kind}")
        elif kind in ROLES.values() and kind != policy((method, path)):
            problems.append(f"{method} {path}: {kind}; the policy says {policy((method, path))}")
    listed = (
        {key: "public" for key in PUBLIC}
        | {key: "signed" for key in SIGNED}
        | {key: "either" for key in EITHER}
    )
    problems += [
        f"{m} {p}: listed here as {want}, but {kinds.get((m, p), 'no such route')}"
        for (m, p), want in sorted(listed.items())
        if kinds.get((m, p)) != want
    ]
    problems += [f"static files under {p}: not in STATIC" for p in sorted(static - STATIC)]
    assert not problems, "\n".join(problems)
    for key in MANAGER_ONLY_TOO:
        assert kinds.get(key) == "manager-only", key
    assert kinds[WEBSOCKET] == kinds[("POST", "/api/agent/transfer")] == "agent-only"
    assert set(kinds.values()) == KINDS  # every class has operations: the matrix is not empty


async def test_the_access_matrix(settings: Any, pool: Any, factory: Factory) -> None:
    async with floor(settings, pool, factory) as f:
        held = await records(f)
        ops, _ = operations(f.node.app)
        examples = samples(f, held)
        failures, seen = [], 0
        for caller in CALLERS:
            for op in ops:
                token = None
                if caller != "anonymous":
                    # A token of the caller's own for each request: logging out (revoking
                    # it) must not turn the caller anonymous for the rest of the matrix.
                    status, body = await f.as_(
                        caller, "POST", "/api/auth/tokens", json={"label": "matrix"}
                    )
                    assert status == 201, body
                    token = body["token"]
                path = url(op, f.ids)
                status, body = await send(
                    f.client, token, op.method, path, **request(op, examples.get(op.key))
                )
                seen += 1
                if caller != "anonymous" and op.key in LOGS_CALLER_OUT:
                    f.tokens[caller] = await login(f.client, USERNAMES[caller])
                want = expected(op, caller)
                allowed = want is None and status not in (401, 403)
                if op.kind not in KINDS and caller == "anonymous":
                    failures.append(f"{op.method} {op.path}: {op.kind}")
                if status >= 500 or not (allowed or status == want):
                    failures.append(
                        f"{op.method} {path} [{op.kind}] as {caller}: {status},"
                        f" expected {describe(want)} — {str(body)[:200]}"
                    )
        assert not failures, f"{len(failures)} problems in {seen} calls:\n" + "\n".join(failures)
        assert seen == len(ops) * len(CALLERS)
        # The matrix left A's call alone: still A's and on the call (no outcome yet).
        _, me = await f.as_("agent", "GET", "/api/agent/me")
        assert (me["state"]["state"], me["call"]["attempt_id"]) == ("on_call", held)


async def test_another_agent_cannot_record_transfer_or_see_someone_elses_call(
    settings: Any, pool: Any, factory: Factory, conn: asyncpg.Connection
) -> None:
    async with floor(settings, pool, factory) as f:
        call = await f.next_call()
        attempt = call["attempt_id"]
        customer = call["customer"]
        private = [
            str(customer[k])
            for k in ("customer_id", "name", "indihome_number", "msisdn", "address")
        ]
        outcome = {"attempt_id": attempt} | COMMON | {"code": "do_not_call"}
        transfer = {"attempt_id": attempt, "destination": "cc-iconnet", "consent": "YA"}

        async def b_is_refused() -> None:
            for path, body in (("/api/agent/outcome", outcome), ("/api/agent/transfer", transfer)):
                status, answer = await f.as_("another agent", "POST", path, json=body)
                assert status == 403 and answer["error"]["id"] == "forbidden", (path, answer)
                assert not [p for p in private if p in json.dumps(answer)], answer

        # While A holds the live call.
        await b_is_refused()
        assert await conn.fetchval("SELECT count(*) FROM outcomes") == 0
        assert await conn.fetchval("SELECT state FROM attempts WHERE id = $1", attempt) == (
            "in-progress"
        )
        # A records the outcome; B can neither record another over it nor transfer it.
        await f.outcome(call, code="has_problem", ticket={"existing": "IN12345678"})
        stored = await conn.fetchrow("SELECT * FROM outcomes WHERE attempt_id = $1", attempt)
        await b_is_refused()
        assert await conn.fetchrow("SELECT * FROM outcomes WHERE attempt_id = $1", attempt) == (
            stored
        )
        assert await conn.fetchval("SELECT count(*) FROM outcomes") == 1
        assert await conn.fetchval("SELECT count(*) FROM transfers") == 0
        assert await conn.fetchval("SELECT count(*) FROM dnc") == 0  # do_not_call's effect
        target = await conn.fetchrow(
            "SELECT state, done_reason FROM targets WHERE indihome_number = $1",
            customer["indihome_number"],
        )
        assert tuple(target) == ("done", "has_problem")

        # A still sees the call (in after-call work); B sees only their own: none.
        _, mine = await f.as_("agent", "GET", "/api/agent/me")
        assert mine["call"]["attempt_id"] == attempt
        assert all(p in json.dumps(mine) for p in private)  # what B must not see
        _, theirs = await f.as_("another agent", "GET", "/api/agent/me")
        assert theirs["agent"]["username"] == "budi"
        assert (theirs["call"], theirs["state"]["attempt_id"]) == (None, None)
        # No agent endpoint shows B anything of A's call.
        ops, _ = operations(f.node.app)
        readable = [
            op
            for op in ops
            if op.method == "GET" and op.roles and "agent" in op.roles and op.key != WEBSOCKET
        ]
        assert ("GET", "/api/agent/me") in {op.key for op in readable}
        examples = samples(f, attempt)
        for op in readable:
            status, body = await send(
                f.client,
                f.tokens["another agent"],
                "GET",
                url(op, f.ids),
                **request(op, examples.get(op.key)),
            )
            assert status < 500, (op.key, status, body)
            leaked = [p for p in private if p in json.dumps(body)]
            assert not leaked, (op.key, leaked)
        # Nor the console's WebSocket: the hello, the state, no screen-pop.
        for who, pops in (("agent", 1), ("another agent", 0)):
            ws = await f.client.ws_connect("/api/agent/ws", headers=bearer(f.tokens[who]))
            await ws.send_json({"type": "ping"})
            got = []
            async with asyncio.timeout(10):
                while not got or got[-1]["type"] != "pong":
                    got.append(await ws.receive_json())
            await ws.close()
            assert got[0]["type"] == "hello" and [m["type"] for m in got].count("pop") == pops
            text = json.dumps(got)
            if who == "agent":
                assert all(p in text for p in private)
            else:
                assert got[0]["agent"]["username"] == "budi"
                assert not [p for p in private if p in text], got
