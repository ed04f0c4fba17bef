"""What people read, in their language: Indonesian by default, English as a setting.

The code writes its messages in English, where they are raised (``raise
Conflict(f"ticket {ticket_id} is closed already")``), and never translates there: the
words are chosen when an error is *rendered* — by the web middleware for the request's
language (:func:`dialer.web.request_language`), by the command line for the
deployment's (``DIALER_UI__LANGUAGE``). :func:`translate` finds the message's English
*template* in the catalog and fills the Indonesian text with the same values:

* ``messages/<room>.py`` map each template — the literal text of the raise, an
  f-string's expressions written ``{as in the source}``, literal braces doubled as in
  :meth:`str.format` — to its Indonesian. A value that is itself a known message (an
  exception's text inside another's) is translated too; messages joined with ``"; "``
  are translated part by part.
* ``pydantic.py`` maps each pydantic error type to its Indonesian, by the English
  template pydantic renders (``String should have at least {min_length} character…``).

``tests/unit/test_translations.py`` walks every message the code raises and every label
the pages show, and names each one without its translation (file:line and the template
to add). English is the source text: asking for ``"en"`` returns it unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any, Final

from dialer.i18n.messages import MESSAGES
from dialer.i18n.pydantic import PYDANTIC

LANGUAGES: Final = ("id", "en")
DEFAULT_LANGUAGE: Final = "id"
# Keys of ``details`` whose values are words for people (the rest are fields, lines,
# codes: data, never translated).
READABLE_KEYS: Final = frozenset({"reason", "message"})
_DEPTH = 3  # how deep a message inside a message is translated


def language_of(text: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """``text`` if it names a language the product speaks (``id``, ``en``, ``id-ID``,
    ``en-GB`` …), else ``default``."""
    if text:
        code = text.strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return default


def translate(text: str, language: str) -> str:
    """``text`` (an English message) in ``language``; unchanged in English, or when the
    catalog does not know it (the translations test keeps that from happening)."""
    if language == "en" or not text:
        return text
    found = _lookup(text, _DEPTH)
    return text if found is None else found


def translate_details(details: Any, language: str) -> Any:
    """``details`` with each reason and message in ``language``; fields, lines and
    codes as they are."""
    if language == "en":
        return details
    if isinstance(details, list):
        return [translate_details(item, language) for item in details]
    if isinstance(details, dict):
        return {
            key: translate(value, language)
            if key in READABLE_KEYS and isinstance(value, str)
            else translate_details(value, language)
            for key, value in details.items()
        }
    return details


def _lookup(text: str, depth: int) -> str | None:
    found = _best(text, depth)
    return None if found is None else found[0]


def _best(text: str, depth: int) -> tuple[str, int] | None:
    """``text`` translated, and how many of its characters the catalog knew: of the
    templates that match, the one that translates most of it wins (``{value} is not
    {what}`` matches nearly anything; ``{raw} {exc}`` whose ``{exc}`` is a known message
    says more)."""
    exact = MESSAGES.get(_escape(text))
    if exact is not None:
        return _unescape(exact), len(text)
    candidates = [_fill(t, values, depth) for t, values in _matches(text)]
    if "; " in text:
        parts = [_best(part, depth) for part in text.split("; ")]
        if all(part is not None for part in parts):
            known = [part for part in parts if part is not None]
            joined = "; ".join(part[0] for part in known)
            candidates.append((joined, sum(part[1] for part in known) + 2 * len(known) - 2))
    return max(candidates, key=lambda c: c[1], default=None)


def _matches(text: str) -> Iterator[tuple[Template, dict[str, str]]]:
    for template in _templates():
        values = template.match(text)
        if values is not None:
            yield template, values


def _fill(template: Template, values: dict[str, str], depth: int) -> tuple[str, int]:
    score = template.literal
    if depth > 1:
        for name, value in values.items():
            inner = _best(value, depth - 1) if value else None
            if inner is not None:
                values[name] = inner[0]
                score += inner[1]
    return template.fill(values), score


class Template:
    """One catalog entry: its English template as a pattern, its translation to fill."""

    def __init__(self, english: str, translated: str) -> None:
        self.english = english
        self.translated = translated
        self.names = [name for kind, name in parse(english) if kind == "field"]
        pattern = "".join(
            re.escape(text) if kind == "text" else "(.*?)" for kind, text in parse(english)
        )
        self.pattern = re.compile(pattern + r"\Z", re.DOTALL)
        self.filled = list(parse(translated))
        pieces = list(parse(english))
        self.literal = sum(len(text) for kind, text in pieces if kind == "text")
        # Cheap tests before the pattern: its longest text is in it, it starts as it does.
        self.anchor = max((text for kind, text in pieces if kind == "text"), key=len, default="")
        self.prefix = pieces[0][1] if pieces and pieces[0][0] == "text" else ""

    def match(self, text: str) -> dict[str, str] | None:
        if self.anchor not in text or not text.startswith(self.prefix):
            return None
        found = self.pattern.match(text)
        if found is None:
            return None
        return dict(zip(self.names, found.groups(), strict=True))

    def fill(self, values: Mapping[str, str]) -> str:
        return "".join(
            text if kind == "text" else values.get(text, "") for kind, text in self.filled
        )


def parse(template: str) -> Iterator[tuple[str, str]]:
    """A template's pieces: ``("text", literal)`` and ``("field", expression)``; ``{{``
    and ``}}`` are literal braces."""
    i, text = 0, []
    while i < len(template):
        char = template[i]
        if char in "{}" and template[i : i + 2] in ("{{", "}}"):
            text.append(char)
            i += 2
        elif char == "{":
            end = _closing(template, i)
            if text:
                yield "text", "".join(text)
                text = []
            yield "field", template[i + 1 : end]
            i = end + 1
        else:
            text.append(char)
            i += 1
    if text:
        yield "text", "".join(text)


def fields(template: str) -> list[str]:
    """The placeholders of ``template``, in order."""
    return [name for kind, name in parse(template) if kind == "field"]


def _closing(template: str, start: int) -> int:
    depth = 0
    for i in range(start, len(template)):
        if template[i] == "{":
            depth += 1
        elif template[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    raise ValueError(f"unclosed brace in template {template!r}")


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _unescape(text: str) -> str:
    return "".join(piece for _, piece in parse(text))


@cache
def _templates() -> list[Template]:
    """Every template with a placeholder and some text around it: the catalog's and
    pydantic's (``Value error, {error}`` holds a validator's message)."""
    entries = [
        Template(english, translated)
        for english, translated in MESSAGES.items()
        if fields(english) and any(kind == "text" for kind, _ in parse(english))
    ]
    return entries + [Template(english, translated) for english, translated in PYDANTIC.values()]
