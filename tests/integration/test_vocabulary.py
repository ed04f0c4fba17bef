"""Each list the product knows is defined once (``rules/vocabulary.py``): the checks the
database keeps (migrations are history) and the models that spell a list out as fields
agree with it, and the pages get it from ``GET /api/vocabulary``."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient

from dialer.auth import service as auth
from dialer.campaigns.schemas import RetryPolicy
from dialer.rules.penalty import Penalty
from dialer.rules.vocabulary import (
    CHANNEL_CODES,
    OUTCOME_CODES,
    PRODUCTS,
    RESULT_CODES,
    RETRIED_RESULTS,
    TIERS,
)

Client = TestClient[Any, Any]


async def allowed(conn: asyncpg.Connection, table: str, column: str) -> set[str]:
    """The values a CHECK (column IN (…)) constraint of ``table`` lets in."""
    for (definition,) in await conn.fetch(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = $1::regclass AND contype = 'c'",
        table,
    ):
        if re.search(rf"\b{column}\b", definition) and "ANY" in definition:
            return set(re.findall(r"'([^']+)'::text", definition))
    raise AssertionError(f"no check on {table}.{column}")


async def test_the_database_checks_the_same_lists(conn: asyncpg.Connection) -> None:
    assert await allowed(conn, "outcomes", "code") == set(OUTCOME_CODES)
    assert await allowed(conn, "attempts", "result") == set(RESULT_CODES)
    assert await allowed(conn, "targets", "tier") == set(TIERS)
    assert await allowed(conn, "targets", "product") == set(PRODUCTS)


def test_the_models_spell_out_the_same_lists() -> None:
    retry_fields = set(RetryPolicy.model_fields) - {"max_attempts", "abandon_retry_window"}
    assert retry_fields == set(RETRIED_RESULTS)
    assert set(PRODUCTS) <= set(Penalty.model_fields)


async def test_the_pages_get_the_lists_in_their_language(
    client: Client, conn: asyncpg.Connection
) -> None:
    user = await auth.create_user(conn, username="ani", role="agent", password=None)
    token, _ = await auth.issue_token(conn, user.id, kind="api")
    headers = {"Authorization": f"Bearer {token}"}
    indonesian = await (await client.get("/api/vocabulary", headers=headers)).json()
    english = await (await client.get("/api/vocabulary?lang=en", headers=headers)).json()
    assert [o["code"] for o in indonesian["outcomes"]] == list(OUTCOME_CODES)
    assert [c["code"] for c in english["payment_channels"]] == list(CHANNEL_CODES)
    assert [r["code"] for r in english["call_results"]] == list(RESULT_CODES)
    labels = {o["code"]: o["label"] for o in indonesian["outcomes"]}
    assert labels["already_paid"] == "SUDAH LUNAS"
    assert {o["code"]: o["label"] for o in english["outcomes"]}["already_paid"] == "Already paid"
    assert (await client.get("/api/vocabulary?lang=fr", headers=headers)).status == 400
    assert (await client.get("/api/vocabulary")).status == 401
