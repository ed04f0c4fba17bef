"""Call scripts and solution guides, as data (``scripts/*.yaml``), validated up front.

A campaign names its call script; applying the campaign validates the script then, so
an unknown placeholder, a missing step or a branch to nowhere is a clear error when the
manager applies it, never a broken screen-pop during a call.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dialer.errors import NotFound, ValidationFailed

# The ten steps of the COC (seed 001); the dialer refers to them by key.
STEP_KEYS = (
    "opening",
    "due_date",
    "usage",
    "empathy",
    "voucher_offer",
    "payment_channels",
    "wa_number",
    "myindihome",
    "voucher_delivery",
    "closing",
)
PLACEHOLDERS = frozenset(
    {
        "greeting",
        "closing_greeting",
        "agent_name",
        "customer_name",
        "indihome_number",
        "address",
        "bill_month",
        "bill_amount",
        "due_date",
        "penalty_today",
        "total_today",
        "penalty_rule",
        "penalty_schedule",
        "minipack_deadline",
        "voucher_quota",
        "voucher_quota_left",
        "voucher_expiry",
        "payment_channels",
        "other_channels",
        "wa_number",
        "msisdn",
    }
)
# What a step's variant may be chosen by (``variants: [{when, agent}]``): facts about the
# customer on the line, the dates by their local date and the bill's month N. The first
# variant whose condition holds is read; none holding, the step's own ``agent``.
CONDITIONS = {
    "minipack": "paid today, the bill earns the free minipack (month N, before its day)",
    "until_due": "today is in month N, on or before the due day",
    "overdue": "today is in month N, after the due day",
    "next_month": "today is in month N+1",
    "later": "today is in month N+2 or later",
    "no_penalty_rule": "the penalty schedule defines nothing for today",
    "payment_history": "the customer paid through some channel in the last three months",
    "no_payment_history": "no payment channel is known for the last three months",
    "address_on_file": "the customer's address is on file",
    "no_address": "no address is on file",
}
OUTCOMES = frozenset(
    {
        "customer_busy",
        "already_paid",
        "do_not_call",
        "not_subscriber",
        "claims_cancelled",
        "wants_cancellation",
        "wrong_number",
        "has_problem",
        "pays_via_bukalapak",
        "pays_other_channel",
    }
)
RECORD_FIELDS = frozenset(
    {
        "hub_penerima",
        "address_valid",
        "new_address",
        "service_working",
        "wa_number",
        "myindihome_status",
        "notes",
        "ticket",
    }
)
_THEN = re.compile(r"^(end|caring|next|step:([a-z_]+))$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScriptFile(_Strict):
    """What every file of ``scripts/`` is: a named, validated document."""

    name: str


S = TypeVar("S", bound=ScriptFile)


class Branch(_Strict):
    when: str
    outcome: str | None = None
    say: str | None = None
    then: str = "next"
    # Caring: what the agent records for it (an action of the call, not its end), the
    # step the script goes on with after it, and what the agent is told to do.
    action: Literal["ticket", "cancellation", "claim"] | None = None
    resume: str | None = None
    notes: list[str] = Field(default_factory=list)


class Variant(_Strict):
    """The agent's line when ``when`` holds: one of ``CONDITIONS``, or a list of them
    that must all hold."""

    when: str | list[str]
    agent: str


class Step(_Strict):
    key: str
    number: int
    title: str
    agent: str
    customer: str = "OK"
    notes: list[str] = Field(default_factory=list)
    records: list[str] = Field(default_factory=list)
    shown_when: Literal[
        "always", "voucher_available", "declined_bukalapak", "accepted_bukalapak"
    ] = "always"
    branches: list[Branch] = Field(default_factory=list)
    variants: list[Variant] = Field(default_factory=list)


class CallScript(ScriptFile):
    kind: Literal["call_script"]
    title: str
    source: str = ""
    language: str = "id"
    # The channels step 6 names besides the customer's own ({other_channels}: these
    # less the ones the customer used, so none is said twice).
    suggested_channels: list[str] = Field(default_factory=list)
    steps: list[Step]


class RequiredWhen(_Strict):
    field: str
    equals: list[str]


class TicketField(_Strict):
    key: str
    label: str
    required: bool = True
    choices: list[str] | None = None
    # Required only in a case: when another field holds one of these values.
    required_when: RequiredWhen | None = None


class Sla(_Strict):
    by_tier: dict[str, int] | None = None
    fixed_hours: int | None = None


class Guide(ScriptFile):
    kind: Literal["guide"]
    title: str
    source: str = ""
    language: str = "id"
    # Whose guide it is (IndiHome, Telkomsel mobile): shown with it, so a mobile guide
    # is never taken for the IndiHome one; ``external``: the tool the guide itself is
    # read in (MyKISS), the product only records the ticket.
    service: str = ""
    external: str | None = None
    category: str
    sla: Sla
    todo: list[str] = Field(default_factory=list)
    possible_causes: list[str] = Field(default_factory=list)
    mandatory_fields: list[TicketField]
    kip: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class LoadedScript:
    name: str
    kind: str
    digest: str
    definition: dict[str, Any]
    path: Path


def placeholders_in(text: str) -> list[str]:
    """The ``{names}`` used in ``text``; a stray brace is an error."""
    try:
        return [field for _, field, _, _ in string.Formatter().parse(text) if field is not None]
    except ValueError as exc:
        raise ValueError(f"malformed braces: {exc}") from exc


def _check_call_script(script: CallScript) -> list[str]:
    problems: list[str] = []
    keys = [s.key for s in script.steps]
    for key in STEP_KEYS:
        if key not in keys:
            problems.append(
                f"step {key!r} is missing (the script needs all of {', '.join(STEP_KEYS)})"
            )
    for key in set(keys):
        if keys.count(key) > 1:
            problems.append(f"step {key!r} appears {keys.count(key)} times")
    for step in script.steps:
        where = f"step {step.number} ({step.key})"
        if step.key not in STEP_KEYS:
            problems.append(f"{where}: unknown step key; expected one of {', '.join(STEP_KEYS)}")
        texts = [("agent", step.agent), *((f"notes[{i}]", n) for i, n in enumerate(step.notes))]
        texts += [(f"branches[{i}].say", b.say) for i, b in enumerate(step.branches) if b.say]
        texts += [
            (f"branches[{i}].notes[{j}]", n)
            for i, b in enumerate(step.branches)
            for j, n in enumerate(b.notes)
        ]
        texts += [(f"variants[{i}].agent", v.agent) for i, v in enumerate(step.variants)]
        for i, variant in enumerate(step.variants):
            whens = [variant.when] if isinstance(variant.when, str) else variant.when
            if not whens:
                problems.append(f"{where} variants[{i}]: when names no condition")
            for when in whens:
                if when not in CONDITIONS:
                    problems.append(
                        f"{where} variants[{i}]: unknown condition {when!r}"
                        f" (known: {', '.join(CONDITIONS)})"
                    )
        for label, text in texts:
            try:
                names = placeholders_in(text)
            except ValueError as exc:
                problems.append(f"{where} {label}: {exc}")
                continue
            for name in names:
                if name not in PLACEHOLDERS:
                    problems.append(
                        f"{where} {label}: unknown placeholder {{{name}}}"
                        f" (known: {', '.join(sorted(PLACEHOLDERS))})"
                    )
        for field in step.records:
            if field not in RECORD_FIELDS:
                problems.append(f"{where}: records unknown field {field!r}")
        for i, branch in enumerate(step.branches):
            if branch.outcome is not None and branch.outcome not in OUTCOMES:
                problems.append(f"{where} branches[{i}]: unknown outcome {branch.outcome!r}")
            match = _THEN.match(branch.then)
            if match is None:
                problems.append(
                    f"{where} branches[{i}]: then {branch.then!r} is not end, caring, next or step:<key>"
                )
            elif match.group(2) and match.group(2) not in keys:
                problems.append(
                    f"{where} branches[{i}]: goes to step {match.group(2)!r}, which the script lacks"
                )
            if branch.resume is not None and branch.resume not in keys:
                problems.append(
                    f"{where} branches[{i}]: resumes at step {branch.resume!r}, which the script lacks"
                )
            if (branch.action is not None or branch.resume is not None) and branch.then != "caring":
                problems.append(f"{where} branches[{i}]: action and resume belong to then: caring")
    numbers = [s.number for s in script.steps]
    if numbers != sorted(numbers) or len(set(numbers)) != len(numbers):
        problems.append("steps must be numbered in increasing order")
    return problems


def _check_guide(guide: Guide) -> list[str]:
    problems = []
    if (guide.sla.by_tier is None) == (guide.sla.fixed_hours is None):
        problems.append("sla: give exactly one of by_tier and fixed_hours")
    if guide.sla.by_tier is not None:
        for tier in ("Diamond", "Platinum", "Gold", "Silver"):
            if tier not in guide.sla.by_tier:
                problems.append(f"sla.by_tier: no deadline for {tier}")
    keys = [f.key for f in guide.mandatory_fields]
    if len(set(keys)) != len(keys):
        problems.append("mandatory_fields: a key appears twice")
    fields = {f.key: f for f in guide.mandatory_fields}
    for field in guide.mandatory_fields:
        when = field.required_when
        if when is None:
            continue
        where = f"mandatory_fields.{field.key}.required_when"
        other = fields.get(when.field)
        if other is None or other is field:
            problems.append(f"{where}: no other field {when.field!r} in the guide")
        elif other.choices is None or not set(when.equals) <= set(other.choices):
            problems.append(f"{where}: {when.equals} are not choices of {when.field!r}")
        if field.required:
            problems.append(f"{where}: a field required always needs no condition")
    return problems


def read_yaml(path: Path) -> Any:
    """A script file's data; ValidationFailed when it cannot be read as YAML."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValidationFailed(f"{path.name}: cannot be read as YAML: {exc}") from exc


def digest_of(definition: dict[str, Any]) -> str:
    """A validated script's identity: the same text, the same digest."""
    return hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()[:16]


def validated(
    path: Path, data: Any, kind: str, model: type[S], check: Callable[[S], list[str]]
) -> S:
    """``data`` (``path``'s) read as ``model`` and checked by ``check``: ValidationFailed
    naming each field or problem."""
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(
            f"{path.name}: invalid {kind}",
            details=[
                {"field": ".".join(map(str, e["loc"])), "reason": e["msg"]} for e in exc.errors()
            ],
        ) from exc
    problems = check(parsed)
    if problems:
        raise ValidationFailed(
            f"{path.name}: {len(problems)} problem(s) in {kind} {parsed.name!r}",
            details=[{"field": path.name, "reason": p} for p in problems],
        )
    return parsed


def load_file(path: Path) -> LoadedScript:
    """Load and validate one script or guide file; ValidationFailed says what and where."""
    data = read_yaml(path)
    if not isinstance(data, dict) or data.get("kind") not in ("call_script", "guide"):
        raise ValidationFailed(f"{path.name}: needs kind: call_script or kind: guide")
    parsed: CallScript | Guide
    if data["kind"] == "call_script":
        parsed = validated(path, data, "call_script", CallScript, _check_call_script)
    else:
        parsed = validated(path, data, "guide", Guide, _check_guide)
    definition = parsed.model_dump(mode="json")
    return LoadedScript(parsed.name, data["kind"], digest_of(definition), definition, path)


def find_script(directory: Path, name: str) -> LoadedScript:
    """The script called ``name`` among ``directory/*.yaml``, validated."""
    for path in sorted(directory.glob("*.y*ml")):
        try:
            head = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError:
            continue
        if isinstance(head, dict) and head.get("name") == name:
            return load_file(path)
    raise NotFound(f"no script named {name!r} in {directory}/ (the campaign's `script`)")


def list_guides(directory: Path) -> list[dict[str, Any]]:
    """Every valid solution guide in ``directory``: name, title, service, the external
    tool it is read in, category, SLA, to-do list and the fields a ticket after it
    needs, by title (an invalid file is skipped)."""
    out = []
    for path in sorted(directory.glob("*.y*ml")):
        try:
            loaded = load_file(path)
        except ValidationFailed:
            continue
        if loaded.kind == "guide":
            d = loaded.definition
            keys = ("name", "title", "service", "external", "category", "sla", "todo")
            out.append({k: d[k] for k in (*keys, "mandatory_fields")})
    return sorted(out, key=lambda g: str(g["title"]))
