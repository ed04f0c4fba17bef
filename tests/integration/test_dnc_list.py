"""The do-not-call list as the manager's page reads it (issue 20): newest first a page at
a time, searchable by number and reason, each entry with the name of who listed it, and a
number taken off with a reason, audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from dialer.auth import service as auth
from tests.api.test_api import login
from tests.factories import Factory

Client = TestClient[Any, Any]
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
async def manager(client: Client, factory: Factory) -> dict[str, str]:
    return await login(client, factory, "mgr", "manager")


async def listed(conn: asyncpg.Connection, count: int) -> list[str]:
    """``count`` numbers listed a minute apart, the last the newest; their E.164."""
    numbers = [f"+628129000{i:04d}" for i in range(count)]
    await conn.executemany(
        "INSERT INTO dnc (msisdn, reason, source, added_by, added_at)"
        " VALUES ($1, $2, 'api', 'mgr', $3)",
        [
            (
                n,
                "pindah rumah" if i % 10 == 0 else "minta tidak ditelepon",
                T0 + timedelta(minutes=i),
            )
            for i, n in enumerate(numbers)
        ],
    )
    return numbers


async def test_the_list_pages_newest_first_to_its_end(
    client: Client, manager: dict[str, str], conn: asyncpg.Connection
) -> None:
    numbers = await listed(conn, 120)
    seen: list[str] = []
    url = "/api/dnc?limit=50"
    while True:
        resp = await client.get(url, headers=manager)
        assert resp.status == 200
        body = await resp.json()
        assert (body["total"], body["matching"]) == (120, 120)
        seen += [e["msisdn"] for e in body["entries"]]
        if body["next_before"] is None:
            break
        url = f"/api/dnc?limit=50&before={quote(body['next_before'])}"
    assert seen == numbers[::-1]


async def test_a_search_finds_numbers_as_people_type_them_and_reasons(
    client: Client, manager: dict[str, str], conn: asyncpg.Connection
) -> None:
    await listed(conn, 30)

    async def found(query: str) -> list[str]:
        resp = await client.get(f"/api/dnc?q={quote(query)}", headers=manager)
        assert resp.status == 200, await resp.text()
        body = await resp.json()
        assert body["matching"] == len(body["entries"]) and body["total"] == 30
        return [e["msisdn"] for e in body["entries"]]

    assert await found("0812-9000-0007") == ["+6281290000007"]  # the local form
    assert await found("+62 812 9000 0007") == ["+6281290000007"]
    assert await found("0000029") == ["+6281290000029"]  # a fragment of the middle
    assert await found("PINDAH") == ["+6281290000020", "+6281290000010", "+6281290000000"]
    assert await found("100%_") == []  # LIKE's wildcards are searched as they are


async def test_bad_page_requests_are_refused_with_the_reason(
    client: Client, manager: dict[str, str], conn: asyncpg.Connection
) -> None:
    await listed(conn, 3)
    for query, why in (
        ("before=yesterday", "before"),
        ("before=2026-03-01T08:00:00~%2B6281290000001", "before"),  # no zone
        ("before=2026-03-01T08:00:00%2B00:00~0812", "before"),
        ("q=" + "9" * 101, "longer than 100"),
        ("limit=0", "at least 1"),
        ("limit=abc", "an integer"),
    ):
        resp = await client.get(f"/api/dnc?{query}", headers=manager | {"X-Dialer-Language": "en"})
        assert resp.status == 400, query
        assert why in (await resp.json())["error"]["message"], query
    capped = await (await client.get("/api/dnc?limit=100000", headers=manager)).json()
    assert len(capped["entries"]) == 3


async def test_each_entry_names_who_listed_it(
    client: Client, manager: dict[str, str], conn: asyncpg.Connection, factory: Factory
) -> None:
    agent = await auth.create_user(
        conn, username="dewi", role="agent", password="rahasia-dewi", display_name="Dewi Lestari"
    )
    await conn.execute(
        "INSERT INTO dnc (msisdn, reason, source, added_by) VALUES"
        " ('+6281290001111', 'asked on a call', 'outcome', $1),"
        " ('+6281290002222', '', 'api', 'mgr'),"
        " ('+6281290003333', '', 'file:old.csv', 'someone-gone')",
        f"agent:{agent.id}",
    )
    body = await (await client.get("/api/dnc", headers=manager)).json()
    names = {e["msisdn"]: e["added_by_name"] for e in body["entries"]}
    assert names == {
        "+6281290001111": "Dewi Lestari",
        "+6281290002222": "mgr",  # a user without a display name: the username
        "+6281290003333": "someone-gone",
    }


async def test_a_number_comes_off_with_a_reason_and_is_audited(
    client: Client, manager: dict[str, str], conn: asyncpg.Connection
) -> None:
    added = await client.post(
        "/api/dnc", json={"msisdn": "0812-9000-4444", "reason": "asked"}, headers=manager
    )
    assert added.status == 201
    # No reason, or only blanks: refused, the number stays.
    for body in ({}, {"reason": "   "}):
        resp = await client.delete("/api/dnc/081290004444", json=body, headers=manager)
        assert resp.status == 422, body
    assert await conn.fetchval("SELECT count(*) FROM dnc") == 1

    resp = await client.delete(
        "/api/dnc/081290004444", json={"reason": "customer asked to be called"}, headers=manager
    )
    assert resp.status == 200
    assert await conn.fetchval("SELECT count(*) FROM dnc") == 0
    events = await conn.fetch(
        "SELECT action, reason, actor, details FROM dnc_events WHERE msisdn = '+6281290004444'"
        " ORDER BY id"
    )
    assert [(e["action"], e["reason"], e["actor"]) for e in events] == [
        ("added", "asked", "mgr"),
        ("removed", "customer asked to be called", "mgr"),
    ]
    assert events[1]["details"]["listed_reason"] == "asked"
    assert events[1]["details"]["listed_by"] == "mgr"
    one = await (await client.get("/api/dnc/081290004444", headers=manager)).json()
    assert one["listed"] is False
    assert [h["action"] for h in one["history"]] == ["added", "removed"]
    assert one["history"][1]["actor_name"] == "mgr"
