"""``dialer users create`` and ``dialer tokens create``."""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from dialer.auth import service as auth
from dialer.cli.database import connection
from dialer.cli.output import out
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
    tokens = sub.add_parser("tokens", help="API tokens").add_subparsers(
        dest="action", required=True
    )
    tok = tokens.add_parser("create", help="issue an API token for a user")
    tok.add_argument("username")
    tok.add_argument("--label", default="cli")
    tok.set_defaults(func=cmd_create_token)


async def cmd_create_user(args: argparse.Namespace, settings: Settings) -> int:
    given = settings.new_password.get_secret_value() if settings.new_password else None
    password = args.password or given or getpass.getpass("password: ")
    async with connection(settings) as conn:
        user = await auth.create_user(
            conn, username=args.username, role=args.role, password=password, display_name=args.name
        )
    out(f"{user.username}: {user.role} created")
    return 0


async def cmd_create_token(args: argparse.Namespace, settings: Settings) -> int:
    async with connection(settings) as conn:
        token = await auth.token_for(conn, args.username, label=args.label)
    out(token)
    return 0
