"""``dialer users create | list | disable | enable`` and ``dialer tokens create | list |
revoke``."""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from dialer.auth import service as auth
from dialer.cli.database import connection
from dialer.cli.output import out
from dialer.clock import system_clock
from dialer.settings import Settings


def add(sub: Any) -> None:
    users = sub.add_parser("users", help="managers and agents").add_subparsers(
        dest="action", required=True
    )
    create = users.add_parser("create", help="create a user")
    create.add_argument("username")
    create.add_argument("--role", choices=("manager", "agent"), required=True)
    create.add_argument("--name", default="")
    create.add_argument("--password", help="default: $DIALER_NEW_PASSWORD, else asked")
    create.set_defaults(func=cmd_create_user)
    users.add_parser("list", help="every user, disabled ones marked").set_defaults(
        func=cmd_list_users
    )
    for action, text in (
        ("disable", "disable a user: their sessions and tokens stop working at once"),
        ("enable", "enable a disabled user again (they log in afresh)"),
    ):
        p = users.add_parser(action, help=text)
        p.add_argument("username")
        p.set_defaults(func=cmd_set_disabled, disabled=action == "disable")
    tokens = sub.add_parser("tokens", help="API tokens").add_subparsers(
        dest="action", required=True
    )
    tok = tokens.add_parser("create", help="issue an API token for a user")
    tok.add_argument("username")
    tok.add_argument("--label", default="cli")
    tok.add_argument(
        "--days",
        type=int,
        help="its life in days (default and most: DIALER_SERVER__API_TOKEN_TTL_DAYS)",
    )
    tok.set_defaults(func=cmd_create_token)
    listing = tokens.add_parser("list", help="a user's live sessions and API tokens")
    listing.add_argument("username")
    listing.set_defaults(func=cmd_list_tokens)
    revoke = tokens.add_parser(
        "revoke", help="revoke a token (and those minted with it), or all of a user's"
    )
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", type=int, help="the token's id (dialer tokens list)")
    which.add_argument("--user", help="revoke every session and token of this user")
    revoke.set_defaults(func=cmd_revoke_tokens)


async def cmd_create_user(args: argparse.Namespace, settings: Settings) -> int:
    given = settings.new_password.get_secret_value() if settings.new_password else None
    password = args.password or given or getpass.getpass("password: ")
    async with connection(settings) as conn:
        user = await auth.create_user(
            conn, username=args.username, role=args.role, password=password, display_name=args.name
        )
    out(f"{user.username}: {user.role} created")
    return 0


async def cmd_list_users(args: argparse.Namespace, settings: Settings) -> int:
    async with connection(settings) as conn:
        found = await auth.list_users(conn)
    for u in found:
        out(f"{u['username']:<24} {u['role']:<8} {'disabled' if u['disabled'] else 'enabled'}")
    return 0


async def cmd_set_disabled(args: argparse.Namespace, settings: Settings) -> int:
    async with connection(settings) as conn:
        user = await auth.set_disabled(conn, args.username, args.disabled)
    if args.disabled:
        out(f"{user['username']}: disabled, {user['tokens_revoked']} sessions and tokens revoked")
    else:
        out(f"{user['username']}: enabled")
    return 0


async def cmd_create_token(args: argparse.Namespace, settings: Settings) -> int:
    expires_at = auth.api_token_expiry(
        system_clock(), days=args.days, max_days=settings.server.api_token_ttl_days
    )
    async with connection(settings) as conn:
        token, _ = await auth.token_for(
            conn, args.username, label=args.label, expires_at=expires_at
        )
    out(token)
    return 0


async def cmd_list_tokens(args: argparse.Namespace, settings: Settings) -> int:
    async with connection(settings) as conn:
        tokens = await auth.tokens_of(conn, args.username, now=system_clock())
    for t in tokens:
        expires = t["expires_at"].isoformat(timespec="seconds") if t["expires_at"] else "never"
        out(f"{t['id']:>6}  {t['kind']:<7} expires {expires}  {t['label']}")
    return 0


async def cmd_revoke_tokens(args: argparse.Namespace, settings: Settings) -> int:
    async with connection(settings) as conn:
        if args.user:
            revoked = await auth.revoke_user(conn, args.user)
        else:
            revoked = await auth.revoke_token_of(conn, None, args.id)
    out(f"{revoked} revoked")
    return 0
