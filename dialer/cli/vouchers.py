"""``dialer vouchers import | redemptions | void``: the partner's codes in, its
redemption report, a manager's voiding."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dialer.campaigns import service as campaigns
from dialer.cli.database import connection
from dialer.cli.output import actor, out_json
from dialer.clock import system_clock
from dialer.settings import Settings
from dialer.vouchers import ledger, redemptions


def add(sub: Any) -> None:
    vouchers = sub.add_parser("vouchers", help="a campaign's voucher codes").add_subparsers(
        dest="action", required=True
    )
    vimp = vouchers.add_parser(
        "import", help="add the partner's codes (one a line, or a 'code' column) to the pool"
    )
    vimp.add_argument("campaign")
    vimp.add_argument("file", type=Path)
    vimp.add_argument("--actor")
    vimp.set_defaults(func=cmd_import)
    vred = vouchers.add_parser(
        "redemptions", help="apply the partner's report (reference, code, redeemed_at[, amount])"
    )
    vred.add_argument("file", type=Path)
    vred.set_defaults(func=cmd_redemptions)
    vvoid = vouchers.add_parser(
        "void", help="void a voucher by its code: not redeemable, its place back in the quota"
    )
    vvoid.add_argument("code")
    vvoid.add_argument("--reason", required=True)
    vvoid.add_argument("--actor")
    vvoid.set_defaults(func=cmd_void)


async def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    async with connection(settings) as conn:
        campaign = await campaigns.get(conn, args.campaign)
        summary = await ledger.import_codes(
            conn,
            campaign.id,
            args.file,
            source=f"file:{args.file.name}",
            actor=actor(args),
            now=system_clock(),
        )
    out_json(summary)
    return 0


async def cmd_redemptions(args: argparse.Namespace, settings: Settings) -> int:
    async with connection(settings) as conn:
        counts = await redemptions.import_report(
            conn, args.file, source=f"file:{args.file.name}", now=system_clock()
        )
    out_json(counts)
    return 0


async def cmd_void(args: argparse.Namespace, settings: Settings) -> int:
    async with connection(settings) as conn, conn.transaction():
        voided = await ledger.void_code(
            conn, args.code, reason=args.reason, actor=actor(args), now=system_clock()
        )
    out_json(voided)
    return 0
