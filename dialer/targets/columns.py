"""A target list's header mapped onto the customer's columns (``rules/vocabulary.py``:
the columns, which are required, their aliases).

Header names match case- and space-insensitively (``No. IndiHome`` = ``no_indihome``),
common Indonesian headers are aliases, and a caller may give an explicit mapping
``{"header in the file": "field"}`` that wins over the aliases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dialer.errors import ValidationFailed
from dialer.i18n import translate
from dialer.rules.vocabulary import (
    COLUMN_ALIASES,
    CUSTOMER_COLUMNS,
    REQUIRED_COLUMNS,
    column_header,
)
from dialer.uploads import header_key

_BY_KEY: dict[str, str] = {}
for _field in CUSTOMER_COLUMNS:
    for _alias in (_field, *COLUMN_ALIASES.get(_field, ())):
        _BY_KEY[header_key(_alias)] = _field


class MissingColumns(ValidationFailed):
    """A file without some required columns (most often not a target list at all): the
    message names them by the headers of the template, in the reader's language."""

    def __init__(self, missing: Sequence[str], *, details: Any) -> None:
        self.missing = tuple(missing)
        super().__init__(self.text("en"), details=details)

    def text(self, language: str) -> str:
        names = ", ".join(column_header(column, language) for column in self.missing)
        return f"the file's header lacks the required columns: {names}"

    def to_json(self, language: str = "en") -> dict[str, Any]:
        body = super().to_json(language)
        body["error"]["message"] = translate(self.text(language), language)
        return body


@dataclass(frozen=True)
class HeaderMap:
    """Which column of the file holds each field; ``ignored`` lists the unused headers."""

    index: Mapping[str, int]
    ignored: tuple[str, ...]
    width: int


def map_header(header: Sequence[str], mapping: Mapping[str, str] | None = None) -> HeaderMap:
    """Map a header row onto the fields, or say exactly what is missing or ambiguous."""
    explicit = {header_key(k): v for k, v in (mapping or {}).items()}
    problems: list[dict[str, str]] = []
    for source, target in explicit.items():
        if target not in CUSTOMER_COLUMNS:
            problems.append(
                {"field": target, "reason": f"mapping for {source!r} names an unknown field"}
            )
    index: dict[str, int] = {}
    ignored: list[str] = []
    for position, raw in enumerate(header):
        key = header_key(raw)
        field = explicit.get(key) or _BY_KEY.get(key)
        if field is None or field not in CUSTOMER_COLUMNS:
            if raw.strip():
                ignored.append(raw.strip())
            continue
        if field in index:
            problems.append(
                {
                    "field": field,
                    "reason": f"columns {index[field] + 1} and {position + 1} both map to it",
                }
            )
            continue
        index[field] = position
    missing = [field for field in CUSTOMER_COLUMNS if field in REQUIRED_COLUMNS - index.keys()]
    for field in missing:
        looked_for = ", ".join((field, *COLUMN_ALIASES.get(field, ())))
        problems.append({"field": field, "reason": f"no column for it (looked for: {looked_for})"})
    if missing:
        raise MissingColumns(missing, details=problems)
    if problems:
        raise ValidationFailed(
            "the file's header does not give every required column", details=problems
        )
    return HeaderMap(index=index, ignored=tuple(ignored), width=len(header))


def file_columns(header: Sequence[str], mapping: Mapping[str, str] | None = None) -> dict[str, str]:
    """The file's own header of each field it gives (``{"msisdn": "No HP Pelanggan"}``):
    how a rejected field is named to the person who wrote the file."""
    try:
        mapped = map_header(header, mapping)
    except ValidationFailed:
        return {}
    return {field: str(header[position]).strip() for field, position in mapped.index.items()}
