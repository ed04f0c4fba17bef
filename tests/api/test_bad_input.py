"""Input that once made a server error, found by the schemathesis run and the review of
it: each is now a 4xx that says what is wrong, and nothing is stored."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp import FormData

from tests.api.test_api import Client, manager  # noqa: F401  (fixture)


def two_files() -> FormData:
    form = FormData()
    form.add_field("file", b"msisdn\n081200000001\n", filename="a.csv")
    form.add_field("file", b"msisdn\n081200000002\n", filename="b.csv")
    return form


async def error_of(resp: Any) -> str:
    body = await resp.json()
    return str(body["error"]["message"])


async def test_an_upload_with_two_files_is_refused_not_joined(
    client: Client,
    manager: dict[str, str],  # noqa: F811
    conn: asyncpg.Connection,
) -> None:
    resp = await client.post("/api/dnc/import", data=two_files(), headers=manager)
    assert resp.status == 400 and "dua bagian bernama 'file'" in await error_of(resp)
    assert await conn.fetchval("SELECT count(*) FROM dnc") == 0


async def test_malformed_multipart_bodies_are_400(
    client: Client,
    manager: dict[str, str],  # noqa: F811
) -> None:
    no_boundary = {**manager, "Content-Type": "multipart/form-data"}
    resp = await client.post("/api/dnc/import", data=b"", headers=no_boundary)
    assert resp.status == 400 and "multipart" in await error_of(resp)
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="note"\r\n'
        "Content-Transfer-Encoding: rot13\r\n\r\nhello\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"'
        f"\r\n\r\nmsisdn\r\n--{boundary}--\r\n"
    ).encode()
    headers = {**manager, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    resp = await client.post("/api/dnc/import", data=body, headers=headers)
    assert resp.status == 400 and "'note'" in await error_of(resp)


async def test_json_nested_too_deeply_or_with_nul_is_400_but_a_typed_backslash_is_not(
    client: Client,
    manager: dict[str, str],  # noqa: F811
) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    json_headers = {**manager, "Content-Type": "application/json"}
    for path in ("/api/dnc", "/api/campaigns", "/api/payments"):
        resp = await client.post(path, data=deep, headers=json_headers)
        assert resp.status == 400 and "bersarang terlalu dalam" in await error_of(resp), path
    resp = await client.post(
        "/api/dnc", json={"msisdn": "081200000001", "reason": "a\u0000b"}, headers=manager
    )
    assert resp.status == 400 and "NUL" in await error_of(resp)
    resp = await client.post(
        "/api/dnc", json={"msisdn": "081200000001", "reason": "\ud800"}, headers=manager
    )
    assert resp.status == 400 and "surrogate" in await error_of(resp)
    # Six characters a person typed, backslash and all: text like any other.
    resp = await client.post(
        "/api/dnc", json={"msisdn": "081200000001", "reason": "kode \\u0000"}, headers=manager
    )
    assert resp.status == 201, await resp.text()


async def test_ids_and_limits_out_of_range_are_400(
    client: Client,
    manager: dict[str, str],  # noqa: F811
) -> None:
    for path in (
        "/api/imports/9223372036854775808",
        "/api/campaigns/%C2%B9/imports",
        "/api/dnc?limit=0",
        "/api/dnc?limit=99999999999999999999",
    ):
        resp = await client.get(path, headers=manager)
        assert resp.status in (400, 404), (path, resp.status)
        assert "error" in await resp.json()
