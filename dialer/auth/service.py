"""Users, login and tokens. Manager endpoints answer 401 to the anonymous, 403 to agents.

Every token expires: a session after ``server.session_ttl_hours``, an API token after
``server.api_token_ttl_days`` or the shorter life it was minted with. A token remembers
the token it was minted with (its parent), so revoking one — a session's logout —
revokes every token minted with it. A disabled user's tokens are revoked, and the
check on each request refuses a disabled user's anyway, at once.
"""

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
    parent_id: int | None = None,
) -> tuple[str, datetime | None]:
    """A new token (the secret, shown once) and its expiry; ``parent_id`` is the token it
    was minted with, whose revocation revokes it too."""
    token, _, expires = await mint(
        conn, user_id, kind=kind, label=label, expires_at=expires_at, parent_id=parent_id
    )
    return token, expires


async def mint(
    conn: Connection,
    user_id: int,
    *,
    kind: str,
    label: str = "",
    expires_at: datetime | None = None,
    parent_id: int | None = None,
) -> tuple[str, int, datetime | None]:
    """A new token: the secret (shown once), its id and its expiry."""
    token = new_token()
    record = await conn.fetchrow(
        q("insert_token"), user_id, token_hash(token), kind, label, expires_at, parent_id
    )
    assert record is not None
    return token, int(record["id"]), record["expires_at"]


def api_token_expiry(now: datetime, *, days: int | None, max_days: int) -> datetime:
    """When an API token minted at ``now`` for ``days`` (None: the longest) expires;
    :class:`ValidationFailed` beyond ``max_days`` (``server.api_token_ttl_days``)."""
    if days is None:
        days = max_days
    if days < 1 or days > max_days:
        raise ValidationFailed(
            f"a token lives 1 to {max_days} days (DIALER_SERVER__API_TOKEN_TTL_DAYS), not {days}"
        )
    return now + timedelta(days=days)


async def user_for_token(conn: Connection, token: str, *, now: datetime) -> tuple[User, int] | None:
    record = await conn.fetchrow(q("user_for_token"), token_hash(token), now)
    if record is None:
        return None
    user = User(record["id"], record["username"], record["display_name"], record["role"])
    return user, record["token_id"]


async def revoke_token(conn: Connection, token_id: int) -> int:
    """Revoke token ``token_id`` and every token minted with it; how many were revoked."""
    return len(await conn.fetch(q("revoke_token"), token_id))


async def revoke_token_of(conn: Connection, caller: User | None, token_id: int) -> int:
    """``caller`` revokes token ``token_id``: their own, or anyone's for a manager or the
    command line (None); another's token is not found for an agent, as if it did not
    exist."""
    owner = await conn.fetchval(q("token_owner"), token_id)
    if owner is None or (caller is not None and owner != caller.id and caller.role != "manager"):
        raise NotFound(f"no token {token_id}")
    return await revoke_token(conn, token_id)


async def revoke_all(conn: Connection, user_id: int) -> int:
    """Revoke every session and API token of user ``user_id`` ("log out everywhere")."""
    return len(await conn.fetch(q("revoke_user_tokens"), user_id))


async def revoke_user(conn: Connection, username: str) -> int:
    """Revoke every session and token of ``username``; :class:`NotFound` for no such user."""
    found = await user_id(conn, username)
    if found is None:
        raise NotFound(f"no user {username!r}")
    return await revoke_all(conn, found)


async def token_alive(conn: Connection, token_id: int, *, now: datetime) -> bool:
    """Whether token ``token_id`` still lets its user in (not revoked or expired, the
    user not disabled): an open socket asks on each message."""
    return bool(await conn.fetchval(q("token_alive"), token_id, now))


async def list_tokens(conn: Connection, user_id: int, *, now: datetime) -> list[dict[str, Any]]:
    """User ``user_id``'s live sessions and tokens (never their secrets), newest first."""
    return [dict(r) for r in await conn.fetch(q("list_tokens"), user_id, now)]


async def tokens_of(conn: Connection, username: str, *, now: datetime) -> list[dict[str, Any]]:
    """``username``'s live sessions and tokens; :class:`NotFound` for no such user."""
    found = await user_id(conn, username)
    if found is None:
        raise NotFound(f"no user {username!r}")
    return await list_tokens(conn, found, now=now)


async def set_disabled(
    conn: Connection, username: str, disabled: bool, *, by: User | None = None
) -> dict[str, Any]:
    """Disable ``username`` (their sessions and tokens revoked, an agent without a call
    offline) or enable them again (they log in afresh). A manager cannot disable
    themselves (another manager, or the command line, can)."""
    if disabled and by is not None and by.username == username:
        raise Conflict("you cannot disable yourself: another manager or the command line can")
    async with conn.transaction():
        record = await conn.fetchrow(q("set_user_disabled"), username, disabled)
        if record is None:
            raise NotFound(f"no user {username!r}")
        revoked = 0
        if disabled:
            revoked = await revoke_all(conn, record["id"])
            await conn.execute(q("disabled_agent_offline"), record["id"])
    return dict(record) | {"tokens_revoked": revoked}


async def list_users(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(q("list_users"))]


async def set_password(conn: Connection, username: str, password: str) -> None:
    """Set ``username``'s password (the demo's users get theirs back on every run)."""
    hashed = await asyncio.to_thread(hash_password, password)
    await conn.execute(q("set_user_password"), username, hashed)


async def token_for(
    conn: Connection, username: str, *, label: str, expires_at: datetime
) -> tuple[str, int]:
    """A new API token for ``username`` and its id; :class:`NotFound` when there is no
    such user."""
    found = await user_id(conn, username)
    if found is None:
        raise NotFound(f"no user {username!r}")
    token, token_id, _ = await mint(conn, found, kind="api", label=label, expires_at=expires_at)
    return token, token_id
