"""Transfer guides (``scripts/*.yaml``, ``kind: transfer_guide``): a procedure by
category for problems that belong to another contact center (seed 003).

Each category says what the agent says (the apology, or the education to the app),
whether the call is transferred — only after the customer agrees with one of the
category's consent words — or the customer is only informed, and the fixed text to log.
A campaign names its guide (``transfer_guide``) and links each transfer destination to
a category whose procedure is ``transfer``; applying the campaign checks both, so a
category that does not exist is an error then, never during a call.

The guide is loaded here rather than by ``scripts.load_file`` (call scripts and solution
guides): its own file, its own checks; the stored form is the same (``LoadedScript``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from dialer.campaigns.scripts import (
    LoadedScript,
    ScriptFile,
    digest_of,
    placeholders_in,
    read_yaml,
    validated,
)
from dialer.errors import NotFound, ValidationFailed

KIND = "transfer_guide"
# How the agent addresses the customer: the guide's {bapak_ibu} and {pak_bu}. Unknown:
# both forms, as the seed writes them.
ADDRESS = {"bapak": ("Bapak", "Pak"), "ibu": ("Ibu", "Bu"), None: ("Bapak/Ibu", "Pak/Bu")}
SAY_PLACEHOLDERS = frozenset({"customer_name", "bapak_ibu", "pak_bu"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LogField(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    label: str = Field(min_length=1)


class LogEntry(_Strict):
    """What is logged for the category: the seed's APKT complaint type, sub-type and
    "Permasalahan" text (its placeholders are ``fields`` the agent fills in)."""

    complaint_type: str = ""
    complaint_subtype: str = ""
    text: str = Field(min_length=1, max_length=500)
    fields: list[LogField] = Field(default_factory=list)


class Category(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    label: str = Field(min_length=1)
    procedure: Literal["transfer", "educate"]
    say: str = Field(min_length=1)
    consent: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    log: LogEntry


class TransferGuide(ScriptFile):
    kind: Literal["transfer_guide"]
    title: str
    source: str = ""
    language: str = "id"
    effective_from: date | None = None
    after_call: str = ""
    categories: list[Category] = Field(min_length=1)


def problems_of(guide: TransferGuide) -> list[str]:
    """What is wrong with a guide that parsed: each said with its category."""
    problems = []
    keys = [c.key for c in guide.categories]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        problems.append(f"category {key!r} appears {keys.count(key)} times")
    for c in guide.categories:
        where = f"category {c.key}"
        if c.procedure == "transfer" and not c.consent:
            problems.append(
                f"{where}: a transfer needs the customer's consent; list the words that"
                " give it (consent: [YA, Baik])"
            )
        if c.procedure == "educate" and c.consent:
            problems.append(f"{where}: consent is for transfers; an educate category has none")
        for label, text, allowed in (
            ("say", c.say, SAY_PLACEHOLDERS),
            ("log.text", c.log.text, frozenset(f.key for f in c.log.fields)),
        ):
            try:
                names = placeholders_in(text)
            except ValueError as exc:
                problems.append(f"{where} {label}: {exc}")
                continue
            for name in names:
                if name not in allowed:
                    known = ", ".join(sorted(allowed)) or "none: declare it in log.fields"
                    problems.append(f"{where} {label}: unknown placeholder {{{name}}} ({known})")
    return problems


def load(path: Path) -> LoadedScript:
    """Load and validate one transfer guide; ValidationFailed says what and where."""
    data = read_yaml(path)
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise ValidationFailed(f"{path.name}: needs kind: {KIND}")
    guide = validated(path, data, KIND, TransferGuide, problems_of)
    definition = guide.model_dump(mode="json")
    return LoadedScript(guide.name, KIND, digest_of(definition), definition, path)


def find(directory: Path, name: str) -> LoadedScript:
    """The transfer guide called ``name`` among ``directory/*.yaml``, validated."""
    for path in sorted(directory.glob("*.y*ml")):
        try:
            head = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(head, dict) and head.get("name") == name:
            if head.get("kind") != KIND:
                raise ValidationFailed(
                    f"{name!r} ({path.name}) is a {head.get('kind')}, not a {KIND}"
                    " (the campaign's `transfer_guide`)"
                )
            return load(path)
    raise NotFound(
        f"no transfer guide named {name!r} in {directory}/ (the campaign's `transfer_guide`)"
    )


def check_destinations(
    guide: dict[str, Any], transfers: list[dict[str, Any]]
) -> list[dict[str, str]]:
    """Each destination's category must be one of the guide's transferred categories, and
    each transferred category needs a destination; the problems as error details."""
    categories = {c["key"]: c for c in guide["categories"]}
    transferred = [k for k, c in categories.items() if c["procedure"] == "transfer"]
    problems = []
    for i, d in enumerate(transfers):
        category = categories.get(d["category"])
        if category is None:
            problems.append(
                {
                    "field": f"transfers.{i}.category",
                    "reason": f"{d['category']!r} is not a category of transfer guide"
                    f" {guide['name']!r}; transferred ones: {', '.join(transferred) or 'none'}",
                }
            )
        elif category["procedure"] != "transfer":
            problems.append(
                {
                    "field": f"transfers.{i}.category",
                    "reason": f"category {d['category']!r} of guide {guide['name']!r} is"
                    f" answered by {category['procedure']} with no transfer; transferred ones:"
                    f" {', '.join(transferred) or 'none'}",
                }
            )
    linked = {d["category"] for d in transfers}
    for key in transferred:
        if key not in linked:
            problems.append(
                {
                    "field": "transfers",
                    "reason": f"guide {guide['name']!r} transfers category {key!r} but no"
                    " destination is linked to it ([[transfers]] category = ...)",
                }
            )
    return problems


def category_of(guide: dict[str, Any], key: str) -> dict[str, Any] | None:
    return next((c for c in guide["categories"] if c["key"] == key), None)


def say(category: dict[str, Any], *, customer_name: str, address: str | None) -> str:
    """The category's line, filled for the call: the customer's name and how they are
    addressed (``bapak``, ``ibu``, or None for both forms)."""
    bapak_ibu, pak_bu = ADDRESS[address]
    return str(category["say"]).format(
        customer_name=customer_name, bapak_ibu=bapak_ibu, pak_bu=pak_bu
    )


def log_text(category: dict[str, Any], fields: dict[str, str]) -> str:
    """The category's fixed log text with the agent's fields in; a field left out is an
    error that names it."""
    wanted = [f["key"] for f in category["log"].get("fields", [])]
    missing = [k for k in wanted if not fields.get(k, "").strip()]
    if missing:
        labels = {f["key"]: f["label"] for f in category["log"]["fields"]}
        raise ValidationFailed(
            f"the log text of category {category['key']!r} needs {', '.join(missing)}",
            details=[{"field": f"fields.{k}", "reason": f"required: {labels[k]}"} for k in missing],
        )
    return str(category["log"]["text"]).format(**{k: fields[k].strip().upper() for k in wanted})


def for_call(guide: dict[str, Any], customer_name: str) -> dict[str, Any]:
    """The guide as the console shows it for one call: each category's line filled for
    every way of addressing the customer, its consent words and log."""
    return {
        "name": guide["name"],
        "title": guide["title"],
        "source": guide.get("source", ""),
        "after_call": guide.get("after_call", ""),
        "categories": [
            {
                "key": c["key"],
                "label": c["label"],
                "procedure": c["procedure"],
                "say": {
                    (a or "unknown"): say(c, customer_name=customer_name, address=a)
                    for a in ADDRESS
                },
                "consent": c["consent"],
                "notes": c["notes"],
                "log": c["log"],
            }
            for c in guide["categories"]
        ],
    }
