"""What ``dialer run`` prepares before it serves: the demo's users, the campaigns of
``campaigns/`` (the demo's agents assigned to each), sample numbers on the DNC list, a generated sample list for the seed
campaign, the seed campaign started, and a clock inside its period."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from dialer.agents import assignments, legs
from dialer.auth import service as auth
from dialer.calls.why import why_not_summary
from dialer.campaigns import service as campaigns
from dialer.campaigns.models import calendar_of
from dialer.cli.sample import SAMPLE_DNC, import_sample
from dialer.clock import Clock, ScaledClock, system_clock
from dialer.db import Connection
from dialer.dnc import service as dnc
from dialer.errors import BadRequest, Conflict
from dialer.rules.bahasa import stated_date
from dialer.rules.window import earliest_opening
from dialer.rules.zones import zone_info
from dialer.settings import Settings

DEMO_USERS = (
    ("manager", "manager", "manager-demo", "Manajer Kampanye"),
    ("agent1", "agent", "agent1-demo", "Agen Satu"),
)
# The demo's secrets: public (they are in the source), so they exist only here, for
# `dialer run` and `dialer demo`; `dialer serve` has no default and refuses to start.
DEMO_PARTNER_SECRET = "partner-demo-secret"
DEMO_SIMULATOR_TOKEN = "simulator-auth-token"


def with_demo_secrets(settings: Settings) -> Settings:
    """``settings`` with the demo's secrets where none is set (the demo's own simulators
    and partner sign with them)."""
    return settings.amend(
        partner={"secret": settings.partner.secret or SecretStr(DEMO_PARTNER_SECRET)},
        simulator={"auth_token": settings.simulator.auth_token or SecretStr(DEMO_SIMULATOR_TOKEN)},
    )


def seed_file(settings: Settings) -> Path:
    """The seed campaign's definition: the first of ``campaigns/``."""
    files = sorted(settings.campaigns_dir.glob("*.toml"))
    if not files:
        raise BadRequest(f"no campaign definitions in {settings.campaigns_dir}")
    return files[0]


def seed_campaign_name(settings: Settings) -> str:
    return str(campaigns.load_toml(seed_file(settings))["name"])


def _base(settings: Settings) -> str:
    return f"http://{settings.server.host}:{settings.server.port}"


async def prepare(conn: Connection, settings: Settings, rows: int) -> list[str]:
    """Users, campaigns, DNC sample numbers and the sample list; the lines to print."""
    lines = ["", "== dialer: embedded demo =="]
    if not settings.twilio.configured:
        # The simulated phones of an earlier run ended with its process.
        await legs.drop_every(conn, system_clock(), "simulator_restarted")
    where = (
        "DATABASE_URL"
        if settings.database.url
        else f"embedded PostgreSQL under {settings.home}/pgdata"
    )
    lines.append(f"database: {where}")
    for username, role, password, name in DEMO_USERS:
        try:
            await auth.create_user(
                conn, username=username, role=role, password=password, display_name=name
            )
        except Conflict:
            await auth.set_password(conn, username, password)
        lines.append(f"user {username:<8} role {role:<8} password {password}")
    applied = []
    for path in sorted(settings.campaigns_dir.glob("*.toml")):
        campaign, outcome, _ = await campaigns.apply(
            conn,
            campaigns.load_toml(path),
            actor="demo",
            source=f"file:{path.name}",
            scripts_dir=settings.scripts_dir,
        )
        applied.append(campaign)
        lines.append(
            f"campaign {campaign.name}: {outcome} (version {campaign.version}, {campaign.state})"
        )
    agents = [name for name, role, _, _ in DEMO_USERS if role == "agent"]
    for campaign in applied:  # the demo's agents may join every campaign it has
        ids = [found for name in agents if (found := await auth.user_id(conn, name)) is not None]
        await assignments.assign_ids(conn, campaign.id, ids, actor="demo")
    if agents and applied:
        lines.append(f"agents {', '.join(agents)} assigned to every campaign")
    for number in SAMPLE_DNC:
        await dnc.add(
            conn, number, reason="sample: asked not to be called", source="demo", actor="demo"
        )
    if not applied:
        return lines
    seed = applied[0]
    sample, s = await import_sample(
        conn, seed, settings.home / "sample" / "targets-sample.csv", rows
    )
    lines.append(
        f"sample list {sample}: {s.rows} rows — accepted {s.accepted}, duplicates"
        f" {s.duplicates}, dnc {s.dnc}, out of tier {s.out_of_tier}, rejected {s.rejected_rows}"
    )
    base, auth_header = _base(settings), '-H "Authorization: Bearer $TOKEN"'
    lines += [
        "",
        "try:",
        f"  TOKEN=$(curl -s -X POST {base}/api/auth/login -H 'Content-Type: application/json'"
        ' -d \'{"username":"manager","password":"manager-demo"}\' | python3 -c'
        " 'import json,sys; print(json.load(sys.stdin)[\"token\"])')",
        f"  curl -s {auth_header} {base}/api/campaigns",
        f"  curl -s {auth_header} {base}/api/campaigns/{seed.name}",
        f"  curl -s {auth_header} {base}/api/imports/{s.import_id}",
        f"  curl -s {auth_header} {base}/api/imports/{s.import_id}/rejected.csv",
        f"  curl -s {auth_header} -F file=@{sample} {base}/api/campaigns/{seed.name}/targets",
        "",
    ]
    return lines


async def dialling_clock(
    conn: Connection, settings: Settings, *, speed: float, real_clock: bool
) -> tuple[Clock, list[str]]:
    """Start the seed campaign and choose the service's clock.

    The seed campaign's period (September 2022) is long past, so by default the service
    runs on a virtual clock inside it — from the period's first calling hour, or from
    where an earlier run left off — ``speed`` times faster than real time.
    ``real_clock`` keeps the real time (the seed campaign then dials nothing)."""
    seed = await campaigns.get(conn, seed_campaign_name(settings))
    if seed.state in ("draft", "paused"):
        seed = await campaigns.transition(conn, seed.id, "start", actor="demo")
    base, auth_header = _base(settings), '-H "Authorization: Bearer $TOKEN"'
    api = f"{base}/api/campaigns/{seed.name}"
    simulated = "" if settings.twilio.configured else " (no Twilio credentials)"
    voucher = seed.spec().voucher
    lines = [
        f"campaign {seed.name}: {seed.state}, dialling the sample list through the"
        f" simulated carrier{simulated}",
        f"  voucher: the first {voucher.quota} customers who pay through {voucher.partner};"
        f" every customer — WIB, WITA or WIT — is told it is valid until"
        f" {stated_date(voucher.expires)} (issued until {voucher.expires.isoformat()})",
        f"  progress:  curl -s {auth_header} {api}/progress",
        f"  why not:   curl -s {auth_header} {api}/why-not",
        f"  attempts:  curl -s {auth_header} {api}/attempts.csv",
    ]
    if real_clock:
        summary = await why_not_summary(conn, seed, now=system_clock())
        lines.append(f"clock: real time; {summary['dialable_now']} targets dialable now")
        return system_clock, lines
    last = await campaigns.last_attempt_at(conn, seed.id)
    opening = earliest_opening(calendar_of(seed.spec()), last)
    if opening is None:
        lines.append(
            "clock: real time; the seed campaign's period is used up (delete .dialer/ to start over)"
        )
        return system_clock, lines
    local = opening.astimezone(zone_info("WIB"))
    lines.append(
        f"clock: virtual, from {local:%a %d %b %Y %H:%M} WIB (inside the seed campaign's period),"
        f" {speed:g}x real time; --real-clock for the real time"
    )
    return ScaledClock(opening, speed), lines


def where_to_look(settings: Settings, seed_name: str, *, bots: int) -> list[str]:
    """The banner's last lines: who takes the calls, the pages, the reports, the API."""
    base = _base(settings)
    return [
        f"agents: {bots} bot agents take the calls and record outcomes"
        if bots
        else "agents: no bots (--bots 0): calls wait for a person at the console",
        f"  agent console: {base}/agent  (log in as agent1 / agent1-demo to take calls too)",
        f"manager pages: {base}/manager  (log in as manager / manager-demo: live numbers,"
        " voucher funnel, outcomes, agents, tickets, follow-ups, transfers, uploads, downloads)",
        f'  reports:   dialer report {seed_name}   (or curl -s -H "Authorization: Bearer'
        f' $TOKEN" {base}/api/campaigns/{seed_name}/reports/vouchers)',
        "  vouchers arrive on the simulated WhatsApp; a simulated partner redeems some",
        f"the whole JSON API, described: {base}/api/openapi.json  (OpenAPI 3.1)",
    ]
