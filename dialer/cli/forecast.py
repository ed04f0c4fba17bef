"""``dialer forecast CAMPAIGN [--agents N] [--at TIME] [--zone WIB] [--json]``: when the
list and the voucher quota will run out, the chance of finishing by the campaign's
end and the agents needed, each with its range and the inputs it used
(``dialer/forecast``; docs/forecast.md)."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from dialer.campaigns import service as campaigns
from dialer.cli.database import connection
from dialer.cli.output import moment, out, out_json
from dialer.errors import BadRequest
from dialer.forecast.runner import MAX_AGENTS
from dialer.forecast.service import campaign_forecast
from dialer.rules import bahasa
from dialer.rules.zones import ZONE_NAMES, zone_info
from dialer.settings import Settings

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def add(sub: Any) -> None:
    forecast = sub.add_parser(
        "forecast",
        help="when the list and the voucher quota run out, the chance of finishing, the"
        " agents needed",
    )
    forecast.add_argument("campaign")
    forecast.add_argument(
        "--agents", type=int, help="forecast with this many agents (default: those logged in)"
    )
    forecast.add_argument("--at", help="forecast from this moment (ISO 8601) instead of now")
    forecast.add_argument("--zone", default="WIB", choices=ZONE_NAMES, help="times shown in")
    forecast.add_argument("--json", action="store_true")
    forecast.set_defaults(func=cmd_forecast)


async def cmd_forecast(args: argparse.Namespace, settings: Settings) -> int:
    if args.agents is not None and not 0 <= args.agents <= MAX_AGENTS:
        raise BadRequest(f"--agents must be a whole number from 0 to {MAX_AGENTS}")
    now = moment(args.at, "--at")
    async with connection(settings) as conn:
        campaign = await campaigns.get(conn, args.campaign)
        figures = await campaign_forecast(conn, campaign, now=now, agents=args.agents)
    if args.json:
        out_json(figures)
    else:
        for line in describe(figures, settings.ui.language, args.zone):
            out(line)
    return 0


def when(at: datetime | str | None, zone: str, en: bool) -> str:
    """An instant in ``zone``: ``Senin, 5 September 2022 09.15 WIB`` or
    ``Mon 5 Sep 2022 09:15 WIB``."""
    if at is None:
        return "-"
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if not en:
        return bahasa.moment(at, zone)
    local = at.astimezone(zone_info(zone))
    day = local.date()
    return (
        f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year} {local:%H:%M} {zone}"
    )


def _percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def _n(value: int, en: bool) -> str:
    """``10,000`` in English, ``10.000`` as Indonesian writes it."""
    text = f"{value:,}"
    return text if en else text.replace(",", ".")


def _rate(value: float, en: bool) -> str:
    text = f"{100 * value:.1f}%"
    return text if en else text.replace(".", ",")


WORDS = {
    "id": {
        "head": "{campaign}: perkiraan per {now} dengan {agents} agen ({source})",
        "asked": "diminta",
        "logged_in": "yang masuk",
        "virtual_seats": "kursi virtual",
        "list": "daftar habis",
        "list_done": "semua target sudah selesai",
        "no_agents": "tidak pernah: tidak ada agen yang masuk (coba --agents N)",
        "after_end": "tidak sebelum akhir kampanye ({end}): sekitar {left} target tersisa",
        "range": "rentang {low} – {high}",
        "late": "sesudah akhir kampanye",
        "quota": "kuota voucher ({taken} dari {quota} terpakai) habis",
        "used_up": "sudah habis {at}",
        "expired": "voucher sudah kedaluwarsa ({at})",
        "not_used_up": "kemungkinan tidak habis (peluang habis {p})",
        "quota_chance": "peluang habis {p}",
        "probability": "peluang selesai sebelum akhir kampanye ({end}): {p} (rentang {low}–{high})",
        "agents": "agen yang dibutuhkan (peluang selesai ≥ {share}): {n}"
        " ({low} untuk {low_share}, {high} untuk {high_share})",
        "none_suffice": "agen yang dibutuhkan: tidak ada jumlah yang cukup — jam panggilan dan"
        " jeda percobaan ulang yang tersisa tidak cukup (peluang tanpa batas agen {p})",
        "agents_done": "agen yang dibutuhkan: tidak ada lagi, semua target sudah selesai",
        "inputs": "masukan",
        "targets": "{left} target tersisa ({ready} siap, {scheduled} terjadwal, {dialing} sedang"
        " ditelepon) dari {total}",
        "odds": "peluang kontak {p} dari {n} panggilan",
        "prior": "anggapan awal, belum ada panggilan",
        "pace": "{s} detik per kontak per agen dari {n} panggilan",
        "pace_prior": "{s} detik per kontak per agen (anggapan awal)",
        "callbacks": "minta ditelepon kembali {p} dari kontak, setelah {m} menit",
        "vouchers": "voucher {p} dari {n} kontak",
        "holidays": "hari libur dilewati: {days}",
        "none": "tidak ada",
        "campaign_finished": "kampanye sudah diakhiri: tidak ada lagi yang ditelepon",
        "agents_finished": "agen yang dibutuhkan: tidak ada, kampanye sudah diakhiri",
        "not_running": "kampanye {state}: perkiraan ini menganggap kampanye berjalan mulai sekarang",
        "draft": "masih draf",
        "paused": "sedang dijeda",
    },
    "en": {
        "head": "{campaign}: forecast as of {now} with {agents} agents ({source})",
        "asked": "asked",
        "logged_in": "logged in",
        "virtual_seats": "virtual seats",
        "list": "list exhausted",
        "list_done": "every target is finished",
        "no_agents": "never: no agent is logged in (try --agents N)",
        "after_end": "not by the campaign's end ({end}): about {left} targets left",
        "range": "range {low} – {high}",
        "late": "after the campaign's end",
        "quota": "voucher quota ({taken} of {quota} taken) used up",
        "used_up": "used up already {at}",
        "expired": "the voucher expired ({at})",
        "not_used_up": "likely not used up (chance {p})",
        "quota_chance": "chance {p}",
        "probability": "chance of finishing by the campaign's end ({end}): {p} (range {low}–{high})",
        "agents": "agents needed (chance of finishing ≥ {share}): {n}"
        " ({low} for {low_share}, {high} for {high_share})",
        "none_suffice": "agents needed: no number suffices — the calling hours and retry waits"
        " left are too few (chance without an agent limit {p})",
        "agents_done": "agents needed: none, every target is finished",
        "inputs": "inputs",
        "targets": "{left} targets left ({ready} ready, {scheduled} scheduled, {dialing} on a"
        " call) of {total}",
        "odds": "contact odds {p} from {n} calls",
        "prior": "prior, no calls yet",
        "pace": "{s} seconds per contact per agent from {n} calls",
        "pace_prior": "{s} seconds per contact per agent (prior)",
        "callbacks": "callbacks asked {p} of contacts, after {m} minutes",
        "vouchers": "vouchers {p} of {n} contacts",
        "holidays": "holidays skipped: {days}",
        "none": "none",
        "campaign_finished": "the campaign is finished: nobody is called any more",
        "agents_finished": "agents needed: none, the campaign is finished",
        "not_running": "the campaign is {state}: this forecast assumes it runs from now on",
        "draft": "a draft",
        "paused": "paused",
    },
}


def describe(f: dict[str, Any], language: str, zone: str = "WIB") -> list[str]:
    """The forecast in words, a line each figure, then the inputs."""
    en = language == "en"
    w = WORDS["en" if en else "id"]
    inputs = f["inputs"]
    agents = inputs["agents"]
    end = when(inputs["calendar"]["ends_at"], zone, en)

    def span(figure: dict[str, Any]) -> str:
        low = when(figure["low"], zone, en)
        high = when(figure["high"], zone, en) if figure["high"] else w["late"]
        return w["range"].format(low=low, high=high)

    lines = [
        w["head"].format(
            campaign=f["campaign"],
            now=when(f["as_of"], zone, en),
            agents=agents["used"],
            source=w[agents["source"]],
        )
    ]
    state = inputs.get("campaign_state")
    if state in ("draft", "paused"):
        lines.append("  " + w["not_running"].format(state=w[state]))
    ex = f["exhausted"]
    if ex["status"] == "campaign_finished":
        text = w["campaign_finished"]
    elif ex["status"] == "done":
        text = w["list_done"]
    elif ex["status"] == "never":
        text = w["no_agents"]
    elif ex["status"] == "after_end":
        text = w["after_end"].format(end=end, left=_n(ex["left_at_end"]["median"], en))
        if ex["low"]:
            text += f" ({span(ex)})"
    else:
        text = f"{when(ex['at'], zone, en)} ({span(ex)})"
    lines.append(f"  {w['list']}: {text}")
    quota = f["quota"]
    status = quota["status"]
    if status == "campaign_finished":
        text = w["campaign_finished"]
    elif status == "used_up":
        text = w["used_up"].format(at=when(quota["at"], zone, en))
    elif status == "expired":
        text = w["expired"].format(at=when(quota["expires"], zone, en))
    elif status == "list_done":
        text = w["list_done"]
    elif status == "never":
        text = w["no_agents"]
    elif status == "not_used_up":
        text = w["not_used_up"].format(p=_percent(quota["probability"]))
    else:
        chance = w["quota_chance"].format(p=_percent(quota["probability"]))
        text = f"{when(quota['at'], zone, en)} ({span(quota)}; {chance})"
    lines.append(f"  {w['quota'].format(taken=quota['taken'], quota=quota['quota'])}: {text}")
    p = f["finish_probability"]
    lines.append(
        "  "
        + w["probability"].format(
            end=end,
            p=_percent(p["value"]),
            low=_percent(p["low"]),
            high=_percent(p["high"]),
        )
    )
    need = f["agents_needed"]
    if need["status"] == "campaign_finished":
        lines.append("  " + w["agents_finished"])
    elif need["status"] == "done":
        lines.append("  " + w["agents_done"])
    elif need["status"] == "none_suffice":
        lines.append("  " + w["none_suffice"].format(p=_percent(need["unlimited_probability"])))
    else:
        lines.append(
            "  "
            + w["agents"].format(
                share=_percent(need["share"]),
                n=need["agents"],
                low=need["low"] if need["low"] is not None else "-",
                low_share=_percent(need["low_share"]),
                high=need["high"] if need["high"] is not None else "-",
                high_share=_percent(need["high_share"]),
            )
        )
    lines.append(f"  {w['inputs']}:")
    lines.extend(f"    {line}" for line in _inputs(inputs, w, en))
    return lines


def _inputs(inputs: dict[str, Any], w: dict[str, str], en: bool) -> list[str]:
    targets, odds, pace = inputs["targets"], inputs["contact_odds"], inputs["seconds_per_contact"]
    campaign = odds["campaign"]
    lines = [
        w["targets"].format(
            **{k: _n(targets[k], en) for k in ("left", "ready", "scheduled", "dialing", "total")}
        )
    ]
    if campaign["prior"]:
        lines.append(w["odds"].format(p=_rate(campaign["value"], en), n="0") + f" ({w['prior']})")
    else:
        zones = ", ".join(
            f"{z} {_rate(v['value'], en)} ({_n(v['n'], en)})"
            for z, v in odds["by_zone"].items()
            if v["n"]
        )
        lines.append(
            w["odds"].format(p=_rate(campaign["value"], en), n=_n(campaign["n"], en)) + f": {zones}"
        )
    seconds = round(pace["value"])
    if pace["prior"]:
        lines.append(w["pace_prior"].format(s=seconds))
    else:
        lines.append(w["pace"].format(s=seconds, n=_n(pace["n"], en)))
    callbacks = inputs["callbacks"]
    lines.append(
        w["callbacks"].format(p=_rate(callbacks["share"], en), m=callbacks["delay_minutes"])
    )
    vouchers = inputs["vouchers"]
    lines.append(
        w["vouchers"].format(p=_rate(vouchers["share"], en), n=_n(vouchers["contacts"], en))
    )
    days = inputs["calendar"]["holidays_left"]
    named = ", ".join(f"{h['date']} {h['name']}" for h in days) if days else w["none"]
    lines.append(w["holidays"].format(days=named))
    return lines
