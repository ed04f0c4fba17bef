"""``GET /api/openapi.json``: the JSON API's OpenAPI document, generated from the routes
and the pydantic models the handlers validate with — and a schemathesis run against a
real ``dialer serve`` with a manager's token that must find no server error."""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from dialer.auth import service as auth
from dialer.calls.pacer import DIALER
from dialer.db import Pool
from dialer.settings import Settings
from dialer.web import Doc
from tests.factories import Factory, row
from tests.integration import provider_fuzz
from tests.integration.test_callbacks import _service
from tests.integration.test_quota_two_nodes import serving

ROOT = Path(__file__).resolve().parents[2]
READS_BODY = re.compile(r"(?:read_json\(request|validate\()\s*,?\s*([\w.]+)")
READS_QUERY = re.compile(
    r"""(?:query_int\(request,\s*|request\.query\.get\(|request\.query\[|_param\(request,\s*)"""
    r"""["'](\w+)["']"""
)


def _source(handler: Any) -> str:
    return inspect.getsource(inspect.unwrap(handler))


async def test_every_api_route_is_documented_with_the_models_it_validates(
    client: TestClient[Any, Any],
) -> None:
    resp = await client.get("/api/openapi.json")
    assert resp.status == 200
    document = await resp.json()
    assert document["openapi"].startswith("3.1")
    paths = document["paths"]
    checked = 0
    for route in client.app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter") or ""
        if not path.startswith("/api/") or route.method == "HEAD":
            continue
        operation = paths[path][route.method.lower()]
        doc = getattr(route.handler, "openapi", None)
        assert isinstance(doc, Doc), f"{route.method} {path} has no @api"
        assert operation["summary"] == doc.summary
        source = _source(route.handler)
        # The body: the very model the handler validates with.
        read = READS_BODY.search(source)
        if read and "validate(Change, fields)" not in source:
            assert doc.body is not None, f"{route.method} {path} reads {read.group(1)}"
            assert read.group(1).split(".")[-1] == doc.body.__name__, path
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            name = schema["$ref"].rsplit("/", 1)[1]
            assert document["components"]["schemas"][name]["properties"]
        # Every query parameter it reads.
        documented = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        for name in READS_QUERY.findall(source):
            assert name in documented, f"{route.method} {path}: query {name!r} undocumented"
        # Who may call it.
        roles = getattr(route.handler, "roles", ())
        if roles:
            assert operation["security"] and "401" in operation["responses"]
        checked += 1
    assert checked >= 50
    # Path parameters typed from the route's pattern.
    imports = paths["/api/imports/{id}"]["get"]["parameters"][0]
    assert imports["schema"]["type"] == "integer"
    report = paths["/api/campaigns/{name}/reports/{report}"]["get"]["parameters"][1]
    assert report["schema"]["enum"] == ["outcomes", "agents"]
    # The campaign body is the campaign definition's model, with its nested parts.
    create = paths["/api/campaigns"]["post"]["requestBody"]["content"]["application/json"]
    assert create["schema"]["$ref"].startswith("#/components/schemas/")


# Identifiers that exist in the fuzzed database, for the second pass (the first sends
# made-up ones: every operation must answer them with a 4xx, not reach its logic).
KNOWN = """
[parameters]
"path.name" = "seed"
"path.ref" = "seed"
"path.id" = 1
"path.indihome" = "122000000001"
"path.msisdn" = "081200000002"
"""
NEVER = [
    # Logging out (here, everywhere, a token by id, a user's tokens, a user disabled)
    # would end the token's session for every later request; the live stream and the
    # agents' socket never end.
    "/api/auth/logout",
    "/api/auth/logout-everywhere",
    "/api/auth/tokens/{id}",
    "/api/users/{username}/disable",
    "/api/users/{username}/revoke-tokens",
    "/api/campaigns/{name}/live",
    "/api/agent/ws",
]


async def schemathesis(
    base: str,
    token: str,
    workdir: Path,
    *options: str,
    schema: Path | None = None,
    env: dict[str, str] | None = None,
) -> int:
    """One ``st run`` against the node (any 5xx fails the test); operations tested.
    ``schema``: a document to read instead of the node's API document."""
    workdir.mkdir(exist_ok=True)
    location = [str(schema), "--url", base] if schema else [f"{base}/api/openapi.json"]
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        *location,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        "not_a_server_error",
        # Few random examples: the coverage phase (every parameter's boundaries and
        # invalid values, the classes of input that found server errors here) does not
        # depend on it, and the test stays well inside its budget on a loaded machine.
        "--max-examples",
        "10",
        "--seed",
        "20261203",
        # One worker: with several, Hypothesis describing its lambdas in threads at once
        # tripped CPython 3.11's ast.parse ("AST constructor recursion depth mismatch").
        "--workers",
        "1",
        "--phases",
        "examples,coverage,fuzzing",
        "--request-timeout",
        "30",
        "--no-color",
        *[arg for path in NEVER for arg in ("--exclude-path", path)],
        *options,
    ]
    done = await asyncio.to_thread(
        subprocess.run,
        command,
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1", NO_COLOR="1", **(env or {})),
        timeout=600,
        cwd=workdir,
    )
    assert done.returncode == 0, done.stdout[-30000:] + done.stderr[-2000:]
    tested = re.search(r"Tested: (\d+)", done.stdout)
    assert tested is not None, done.stdout[-3000:]
    return int(tested.group(1))


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_schemathesis_finds_no_server_error(
    tmp_path: Path, db_url: str, conn: asyncpg.Connection, factory: Factory
) -> None:
    campaign = await factory.create_campaign(name="seed")
    await factory.create_targets(campaign, [row(i) for i in range(1, 6)])
    boss = await auth.create_user(conn, username="mira", role="manager", password=None)
    manager, _ = await auth.issue_token(conn, boss.id, kind="api")
    ani = await auth.create_user(conn, username="ani", role="agent", password=None)
    agent, _ = await auth.issue_token(conn, ani.id, kind="api")
    async with serving("fuzz", tmp_path, db_url) as base:
        # Everything, as a manager, with made-up identifiers.
        assert await schemathesis(base, manager, tmp_path / "made-up") >= 50
        # Again where the campaign, its import and its customers exist.
        known = tmp_path / "known"
        known.mkdir()
        (known / "schemathesis.toml").write_text(KNOWN)
        assert (
            await schemathesis(base, manager, known, "--exclude-path-regex", "^/api/agent/") >= 45
        )
        # The agent's own operations, as an agent.
        agents = tmp_path / "agent"
        assert await schemathesis(base, agent, agents, "--include-path-regex", "^/api/agent/") >= 5


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_signed_provider_callbacks_with_any_values_find_no_server_error(
    tmp_path: Path,
    db_url: str,
    conn: asyncpg.Connection,
    settings: Settings,
    pool: Pool,
    factory: Factory,
) -> None:
    """Every voice webhook, the WhatsApp status and the partner's redemption, each
    request signed as the provider signs (``provider_fuzz.py``): whatever the values,
    a 4xx or a 2xx, never a 5xx."""
    await factory.running_campaign([row(i) for i in range(1, 4)], virtual_seats=3)
    client, _, carrier = await _service(settings, pool)
    try:
        await client.app[DIALER].tick()  # type: ignore[index]
    finally:
        await client.close()
    attempt, sid = min(carrier.sids.items())
    document = tmp_path / "providers.json"
    document.write_text(json.dumps(provider_fuzz.schema(attempt, sid)))
    secrets = {"token": "fuzz-twilio-token", "partner": "fuzz-partner-secret"}
    node_env = {
        "DIALER_SIMULATOR__AUTH_TOKEN": secrets["token"],
        "DIALER_PARTNER__SECRET": secrets["partner"],
    }
    async with serving("fuzz", tmp_path, db_url, extra=node_env) as base:
        hooks = {
            "SCHEMATHESIS_HOOKS": "tests.integration.provider_fuzz",
            "PYTHONPATH": str(ROOT),
            "FUZZ_PUBLIC_URL": base,
            "FUZZ_TWILIO_TOKEN": secrets["token"],
            "FUZZ_PARTNER_SECRET": secrets["partner"],
        }
        tested = await schemathesis(
            base,
            "none",
            tmp_path / "providers",
            "--max-examples",
            "60",
            schema=document,
            env=hooks,
        )
    assert tested == len(provider_fuzz.VOICE) + 2
    # The signatures held: signed status callbacks were stored, beyond the real call's.
    assert await conn.fetchval("SELECT count(*) FROM carrier_events WHERE kind = 'status'") > 10
