"""``dialer campaign apply | list | start | pause | finish | assign | unassign | agents``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dialer.agents import assignments
from dialer.campaigns import service as campaigns
from dialer.cli.database import connection
from dialer.cli.output import actor, out, out_json
from dialer.clock import system_clock
from dialer.reports.counts import recount
from dialer.settings import Settings


def add(sub: Any) -> None:
    campaign = sub.add_parser("campaign", help="campaign definitions").add_subparsers(
        dest="action", required=True
    )
    apply = campaign.add_parser("apply", help="create or update a campaign from a TOML file")
    apply.add_argument("file", type=Path)
    apply.add_argument("--actor")
    apply.add_argument("--json", action="store_true")
    apply.set_defaults(func=cmd_apply)
    campaign.add_parser("list", help="list campaigns").set_defaults(func=cmd_list)
    recount = campaign.add_parser(
        "recount",
        help="count a campaign's targets, calls, outcomes and voucher steps afresh from its"
        " rows (after a bulk load with triggers off, or a rolling upgrade past 0014)",
    )
    recount.add_argument("campaign")
    recount.set_defaults(func=cmd_recount)
    for action in ("start", "pause", "finish"):
        p = campaign.add_parser(action, help=f"{action} a campaign")
        p.add_argument("campaign")
        p.add_argument("--actor")
        p.set_defaults(func=cmd_transition, transition=action)
    assign = campaign.add_parser("assign", help="let agents join a campaign")
    assign.add_argument("campaign")
    assign.add_argument("agents", nargs="+", metavar="agent")
    assign.add_argument("--actor")
    assign.set_defaults(func=cmd_assign)
    unassign = campaign.add_parser(
        "unassign", help="no longer let agents join a campaign (those without a call leave it)"
    )
    unassign.add_argument("campaign")
    unassign.add_argument("agents", nargs="+", metavar="agent")
    unassign.set_defaults(func=cmd_unassign)
    agents = campaign.add_parser("agents", help="the agents assigned to a campaign")
    agents.add_argument("campaign")
    agents.set_defaults(func=cmd_agents)


async def cmd_apply(args: argparse.Namespace, settings: Settings) -> int:
    data = campaigns.load_toml(args.file)
    async with connection(settings) as conn:
        campaign, outcome, changes = await campaigns.apply(
            conn,
            data,
            actor=actor(args),
            source=f"file:{args.file.name}",
            scripts_dir=settings.scripts_dir,
            examples_allowed=not settings.twilio.configured,
        )
    examples = campaigns.example_destinations(campaign.definition)
    if args.json:
        out_json(campaign.to_json() | {"outcome": outcome, "changes": changes})
        return 0
    out(f"{campaign.name}: {outcome} (version {campaign.version}, {campaign.state})")
    if outcome == "updated":
        for key, change in changes.items():
            out(f"  {key}: {change['from']!r} → {change['to']!r}")
    if examples:
        out(
            f"  warning: transfer destinations {', '.join(examples)} are examples (contoh)"
            " with placeholder numbers; on the simulator only (a Twilio deployment refuses"
            " them): put the contact centers' real numbers in the campaign"
        )
    return 0


async def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    async with connection(settings) as conn:
        found = await campaigns.listing(conn)
    for c in found:
        out(
            f"{c['id']:>4}  {c['name']:<40} {c['state']:<9} v{c['version']:<3} {c['targets']} targets"
        )
    return 0


async def cmd_transition(args: argparse.Namespace, settings: Settings) -> int:
    async with connection(settings) as conn:
        campaign = await campaigns.transition(
            conn, args.campaign, args.transition, actor=actor(args)
        )
    out(f"{campaign.name}: {campaign.state}")
    return 0


async def cmd_recount(args: argparse.Namespace, settings: Settings) -> int:
    async with connection(settings) as conn:
        campaign = await campaigns.get(conn, args.campaign)
        await recount(conn, campaign.id)
    out(f"{campaign.name}: counted afresh")
    return 0


async def cmd_assign(args: argparse.Namespace, settings: Settings) -> int:
    async with connection(settings) as conn:
        for agent in args.agents:
            new = await assignments.assign(conn, args.campaign, agent, actor=actor(args))
            out(f"{agent}: {'assigned to' if new else 'already assigned to'} {args.campaign}")
    return 0


async def cmd_unassign(args: argparse.Namespace, settings: Settings) -> int:
    async with connection(settings) as conn:
        for agent in args.agents:
            removed = await assignments.unassign(conn, args.campaign, agent, now=system_clock())
            out(
                f"{agent}: {'unassigned from' if removed else 'was not assigned to'} {args.campaign}"
            )
    return 0


async def cmd_agents(args: argparse.Namespace, settings: Settings) -> int:
    async with connection(settings) as conn:
        found = await assignments.assigned(conn, args.campaign)
    for a in found:
        disabled = "  (disabled)" if a["disabled"] else ""
        out(f"{a['username']:<24} {a['state']:<9}{disabled}")
    return 0
