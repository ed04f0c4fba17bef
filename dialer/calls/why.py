""" "Why was this customer not called?" — for one target, and counted for a campaign.

The reasons are the claim's own rules, evaluated for ``now``: the campaign's state, the
calling window in the target's zone (hours, day, holiday, period), the DNC list as it
is now, a number an agent found is not this customer's (in any campaign), the target's
own state (finished and why, waiting for a retry or a callback, a call in progress),
a live call to the same number in another campaign, and a bill billing reports paid
(``already_paid_billing``: "sudah lunas menurut billing", with where billing said so
and when). Every message and label is in the reader's language: Indonesian unless it
says ``en``.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from dialer.campaigns.models import Campaign, calendar_of
from dialer.db import Connection, q
from dialer.errors import NotFound
from dialer.rules import bahasa
from dialer.rules.phones import normalize_mobile
from dialer.rules.vocabulary import CALL_RESULTS, OUTCOMES
from dialer.rules.window import window_state
from dialer.rules.zones import ZONE_NAMES, zone_info

DONE = {
    "contacted": ("sudah terhubung: pelanggan menjawab", "already reached: the customer answered"),
    "transferred": (
        "panggilan ditransfer ke contact center lain",
        "the call was transferred to another contact center",
    ),
    "wrong_number": (
        "agen mendapati nomor ini bukan milik pelanggan",
        "an agent found this number is not the customer's",
    ),
    "attempts_used": (
        "semua percobaan yang diizinkan kampanye sudah dipakai",
        "every attempt the campaign allows was used",
    ),
}
# The reasons a target is not dialled now, as a person reads them (the codes of
# ``why_target`` and ``why_not_summary``; a finished target's ``done_<reason>`` is
# labelled from its reason).
REASONS = {
    "campaign_draft": ("kampanye masih draf", "the campaign is a draft"),
    "campaign_paused": ("kampanye dijeda", "the campaign is paused"),
    "campaign_finished": ("kampanye sudah selesai", "the campaign is finished"),
    "before_period": ("sebelum periode kampanye", "before the campaign period"),
    "after_period": ("periode kampanye sudah berakhir", "the campaign period is over"),
    "holiday": ("hari libur nasional", "public holiday"),
    "closed_day": ("hari tanpa panggilan", "no calling on this weekday"),
    "outside_hours": ("di luar jam panggilan", "outside calling hours"),
    "dnc": ("ada di daftar jangan ditelepon (DNC)", "on the do-not-call list"),
    "wrong_number": ("nomor bukan milik pelanggan", "not the customer's number"),
    "dialing": ("sedang ditelepon", "a call in progress"),
    "callback": ("menunggu telepon kembali yang diminta", "waiting for the callback asked"),
    "retry_later": ("menunggu percobaan berikutnya", "waiting for the next attempt"),
    "number_in_call": (
        "nomor sedang dalam panggilan kampanye lain",
        "the number is on another campaign's call",
    ),
}


# A finished target's reason: an outcome's code, or a call result's (``<result>_limit``).
TERMS = {t.code: t for t in (*OUTCOMES, *CALL_RESULTS)}


def _term(code: str, language: str) -> str:
    """An outcome's or a call result's label; another code as words."""
    return TERMS[code].label(language) if code in TERMS else code.replace("_", " ")


def label(code: str, language: str) -> str:
    """A reason code (``why_target``'s, ``why_not_summary``'s) in words."""
    en = language == "en"
    if code == PAID:
        return PAID_LABEL["en" if en else "id"]
    if code in REASONS:
        return REASONS[code][en]
    if code.startswith("done_"):
        reason = code.removeprefix("done_")
        done = "finished" if en else "selesai"
        if reason in DONE:
            return f"{done}: {DONE[reason][en]}"
        if reason.endswith("_limit") and reason.removesuffix("_limit") in TERMS:
            limit = "the policy's limit" if en else "batas kebijakan"
            return f"{done}: {_term(reason.removesuffix('_limit'), language)} ({limit})"
        if reason in TERMS:
            return f"{done}: {_term(reason, language)}"
    return code


PAID = "already_paid_billing"
PAID_LABEL = {"id": "sudah lunas menurut billing", "en": "already paid per billing"}


def _local(at: datetime, zone: str, language: str = "en") -> str:
    if language != "en":
        return bahasa.moment(at, zone)
    return f"{at.astimezone(zone_info(zone)):%a %d %b %Y %H:%M} {zone}"


def paid_source(source: str, language: str) -> str:
    """Where billing's report of a payment came from, as a person reads it."""
    if source == "billing_api":
        return "billing API" if language == "en" else "API billing"
    if source.startswith("file:"):
        return f"{'file' if language == 'en' else 'berkas'} {source.removeprefix('file:')}"
    return "POST /api/payments" if source == "api" else source


def _paid_message(t: Any, language: str, dialing: bool) -> str:
    zone, source = t["zone"], paid_source(t["paid_source"], language)
    en = language == "en"
    after = ""
    if dialing:
        after = "; the call in progress goes on" if en else "; panggilan yang berjalan diteruskan"
    elif t["state"] != "done":
        after = (
            "; finished at the claim, not called"
            if en
            else "; diselesaikan saat klaim, tidak ditelepon"
        )
    if en:
        return (
            f"{PAID_LABEL['en']}: the {t['bill_month']:%B %Y} bill was paid"
            f" {_local(t['paid_at'], zone)} (source: {source}, recorded"
            f" {_local(t['paid_recorded_at'], zone)}){after}"
        )
    return (
        f"{PAID_LABEL['id']}: tagihan {bahasa.month(t['bill_month'])} dibayar"
        f" {bahasa.moment(t['paid_at'], zone)} (sumber: {source}, dicatat"
        f" {bahasa.moment(t['paid_recorded_at'], zone)}){after}"
    )


def _done_message(reason: str | None, attempts: int, counts: dict[str, Any], language: str) -> str:
    en = language == "en"
    if reason and reason.endswith("_limit"):
        result = reason.removesuffix("_limit")
        n = counts.get(result, 0)
        if en:
            return f"finished: {n} {result.replace('_', ' ')} results, the policy's limit"
        return f"selesai: {n} hasil {_term(result, language)}, batas kebijakan percobaan"
    what = label(f"done_{reason or 'done'}", language).split(": ", 1)[-1]
    return (
        f"finished: {what} ({attempts} attempts)"
        if en
        else f"selesai: {what} ({attempts} percobaan)"
    )


async def why_target(
    conn: Connection,
    campaign: Campaign,
    indihome_number: str,
    *,
    now: datetime,
    language: str = "id",
) -> dict[str, Any]:
    """Whether one target may be dialled now, and otherwise every reason why not. The
    target is named by its IndiHome number or its mobile number (MSISDN)."""
    number = "".join(ch for ch in indihome_number if ch.isascii() and ch.isdigit())
    msisdn = normalize_mobile(indihome_number)
    t = await conn.fetchrow(q("target_for_why"), campaign.id, number, msisdn)
    if t is None:
        raise NotFound(
            f"campaign {campaign.name} has no target with IndiHome or mobile number"
            f" {indihome_number!r}"
        )
    definition = campaign.spec()
    reasons: list[dict[str, Any]] = []

    def reason(code: str, message: str, until: datetime | None = None) -> None:
        reasons.append({"code": code, "message": message, "until": until})

    en, zone = language == "en", t["zone"]

    def at(moment: datetime) -> str:
        return _local(moment, zone, language)

    if campaign.state != "running":
        state = campaign.state
        reason(
            f"campaign_{state}",
            f"the campaign is {state}, not running"
            if en
            else f"{label(f'campaign_{state}', language)}, tidak berjalan",
        )
    window = window_state(calendar_of(definition), zone, now)
    if not window.open:
        reason(window.reason or "outside_window", window.describe(language), window.next_open)
    if t["dnc_reason"] is not None:
        since = at(t["dnc_added_at"])
        why = f" ({t['dnc_reason']})" if t["dnc_reason"] else ""
        reason(
            "dnc",
            f"the number is on the do-not-call list since {since}{why}"
            if en
            else f"nomor ada di daftar jangan ditelepon (DNC) sejak {since}{why}",
        )
    if t["wrong_number_at"] is not None and t["done_reason"] != "wrong_number":
        found = f"({t['wrong_number_campaign']}, {at(t['wrong_number_at'])})"
        reason(
            "wrong_number",
            f"an agent found this number is not the customer's {found}:"
            " it is never dialled for them again"
            if en
            else f"agen mendapati nomor ini bukan milik pelanggan {found}:"
            " tidak akan ditelepon lagi untuk pelanggan ini",
        )
    counts = dict(t["result_counts"])
    # A target keeps its state during a call; a live call of this campaign to its
    # number is its own (one target per number in a campaign).
    dialing = t["live_campaign"] == campaign.id
    paid = t["paid_source"] is not None
    if dialing:
        attempt = t["live_attempt"]
        reason(
            "dialing",
            f"a call to this customer is in progress (attempt {attempt})"
            if en
            else f"pelanggan ini sedang ditelepon (percobaan {attempt})",
        )
    if paid and (t["state"] != "done" or t["done_reason"] == "already_paid"):
        reason(PAID, _paid_message(t, language, dialing))
    elif dialing:
        pass
    elif t["state"] == "done":
        reason(
            f"done_{t['done_reason']}",
            _done_message(t["done_reason"], t["attempts"], counts, language),
        )
    elif t["state"] == "scheduled" and t["next_attempt_at"] > now:
        when = at(t["next_attempt_at"])
        if t["callback"]:
            reason(
                "callback",
                f"the customer asked to be called back at {when}"
                if en
                else f"pelanggan minta ditelepon kembali pada {when}",
                t["next_attempt_at"],
            )
        else:
            last = t["last_result"] or ""
            words = _term(last, language)
            reason(
                "retry_later",
                f"next attempt at {when} (after {words})"
                if en
                else f"percobaan berikutnya pada {when} (setelah {words})",
                t["next_attempt_at"],
            )
    if not dialing and t["live_campaign"] is not None:
        reason(
            "number_in_call",
            "the number is on a call of another campaign right now"
            if en
            else "nomor ini sedang dalam panggilan kampanye lain",
        )
    return {
        "campaign": campaign.name,
        "indihome_number": t["indihome_number"],
        "name": t["name"],
        "msisdn": t["msisdn"],
        "tier": t["tier"],
        "province": t["province"],
        "zone": t["zone"],
        "local_time": _local(now, zone, language),
        "state": "dialing" if dialing else t["state"],
        "attempts": t["attempts"],
        "max_attempts": definition.retry.max_attempts,
        "result_counts": counts,
        "last_result": t["last_result"],
        "last_attempt_at": t["last_attempt_at"],
        "dialable": not reasons,
        "reasons": reasons,
        "now": now,
    }


async def why_not_summary(
    conn: Connection, campaign: Campaign, *, now: datetime, language: str = "id"
) -> dict[str, Any]:
    """Targets of a campaign counted per reason they cannot be dialled now.

    A target counts once under every reason that holds for it (a finished target in a
    closed zone counts under both); ``dialable_now`` counts those with none. Those whose
    bill billing reports paid are also counted by where billing said so, with the
    latest payment (``paid_per_billing``). Each zone says whether its calling window is
    open now and until when, with its targets ready (waiting their turn) and dialable
    now: "ready" counts targets whose turn has come whatever the hour, "dialable now"
    only those the window lets be called."""
    definition = campaign.spec()
    calendar = calendar_of(definition)
    zones = {z: window_state(calendar, z, now) for z in ZONE_NAMES}
    reasons: Counter[str] = Counter()
    sources: dict[str, dict[str, Any]] = {}
    total = dialable = 0
    ready: Counter[str] = Counter()
    dialable_in: Counter[str] = Counter()
    for g in await conn.fetch(q("why_not_groups"), campaign.id, now):
        n = int(g["targets"])
        total += n
        if g["state"] == "ready" and not g["dialing"]:  # as the "ready" tile counts them
            ready[g["zone"]] += n
        codes = []
        if campaign.state != "running":
            codes.append(f"campaign_{campaign.state}")
        window = zones[g["zone"]]
        if not window.open:
            codes.append(window.reason or "outside_window")
        if g["dnc"]:
            codes.append("dnc")
        if g["wrong_number"] and g["done_reason"] != "wrong_number":
            codes.append("wrong_number")
        paid = g["paid_source"] is not None
        if paid:
            source = sources.setdefault(
                g["paid_source"],
                {"source": paid_source(g["paid_source"], language), "targets": 0},
            )
            source["targets"] += n
            source["last_paid_at"] = max(
                filter(None, (source.get("last_paid_at"), g["last_paid_at"]))
            )
        if g["dialing"]:
            codes.append("dialing")
        if paid and (g["state"] != "done" or g["done_reason"] == "already_paid"):
            codes.append(PAID)
        elif g["dialing"]:
            pass
        elif g["state"] == "done":
            codes.append(f"done_{g['done_reason']}")
        elif g["waiting"]:
            codes.append("callback" if g["callback"] else "retry_later")
        for code in codes:
            reasons[code] += n
        if not codes:
            dialable += n
            dialable_in[g["zone"]] += n
    return {
        "campaign": campaign.name,
        "state": campaign.state,
        "now": now,
        "targets": total,
        "dialable_now": dialable,
        "reasons": dict(reasons.most_common()),
        "labels": {code: label(code, language) for code in reasons},
        "paid_per_billing": sorted(sources.values(), key=lambda s: str(s["source"])),
        "zones": {
            z: {
                "open": w.open,
                "reason": w.reason,
                "message": w.describe(language),
                "next_open": w.next_open,
                "ready": ready[z],
                "dialable_now": dialable_in[z],
            }
            for z, w in zones.items()
        },
    }
