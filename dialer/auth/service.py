"""Users, login and tokens. Manager endpoints answer 401 to the anonymous, 403 to agents."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from dialer.auth.passwords import MIN_LENGTH, hash_password, new_token, token_hash, verify_password
from dialer.db import Connection, q
from dialer.errors import Conflict, NotFound, Unauthorized, ValidationFailed

ROLES = ("manager", "agent")
# Verified against when the user does not exist, so both paths take as long.
_DUMMY_HASH = hash_password("not-a-real-password")


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role,
        }


async def create_user(
    conn: Connection, *, username: str, role: str, password: str | None, display_name: str = ""
) -> User:
    if role not in ROLES:
        raise ValidationFailed(f"role must be manager or agent, not {role!r}")
    if password is not None and len(password) < MIN_LENGTH:
        raise ValidationFailed(f"the password needs at least {MIN_LENGTH} characters")
    hashed = await asyncio.to_thread(hash_password, password) if password else None
    try:
        record = await conn.fetchrow(
            q("insert_user"), username, display_name or username, role, hashed
        )
    except asyncpg.UniqueViolationError as exc:
        raise Conflict(f"user {username!r} exists already") from exc
    except asyncpg.CheckViolationError as exc:
        raise ValidationFailed(
            "a username is 2-63 lowercase letters, digits, dots, dashes or underscores"
        ) from exc
    assert record is not None
    return User(record["id"], record["username"], record["display_name"], record["role"])


async def user_id(conn: Connection, username: str) -> int | None:
    """The id of user ``username``, or None."""
    found = await conn.fetchval(q("user_id"), username)
    return None if found is None else int(found)


async def login(
    conn: Connection, username: str, password: str, *, now: datetime, ttl: timedelta
) -> tuple[str, datetime, User]:
    """A session token for correct credentials; the same 401 for every wrong case."""
    record = await conn.fetchrow(q("get_user_for_login"), username)
    stored = record["password_hash"] if record else _DUMMY_HASH
    ok = await asyncio.to_thread(verify_password, password, stored)
    if record is None or not ok or record["disabled"]:
        raise Unauthorized("wrong username or password")
    user = User(record["id"], record["username"], record["display_name"], record["role"])
    token, expires = await issue_token(conn, user.id, kind="session", expires_at=now + ttl)
    assert expires is not None
    return token, expires, user


async def issue_token(
    conn: Connection,
    user_id: int,
    *,
    kind: str,
    label: str = "",
    expires_at: datetime | None = None,
) -> tuple[str, datetime | None]:
    token = new_token()
    record = await conn.fetchrow(
        q("insert_token"), user_id, token_hash(token), kind, label, expires_at
    )
    assert record is not None
    return token, record["expires_at"]


async def user_for_token(conn: Connection, token: str, *, now: datetime) -> tuple[User, int] | None:
    record = await conn.fetchrow(q("user_for_token"), token_hash(token), now)
    if record is None:
        return None
    user = User(record["id"], record["username"], record["display_name"], record["role"])
    return user, record["token_id"]


async def revoke_token(conn: Connection, token_id: int) -> None:
    await conn.execute(q("revoke_token"), token_id)


async def list_users(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(q("list_users"))]


async def set_password(conn: Connection, username: str, password: str) -> None:
    """Set ``username``'s password (the demo's users get theirs back on every run)."""
    hashed = await asyncio.to_thread(hash_password, password)
    await conn.execute(q("set_user_password"), username, hashed)


async def token_for(conn: Connection, username: str, *, label: str) -> str:
    """A new API token for ``username``; :class:`NotFound` when there is no such user."""
    found = await user_id(conn, username)
    if found is None:
        raise NotFound(f"no user {username!r}")
    token, _ = await issue_token(conn, found, kind="api", label=label)
    return token
