"""Every message the code can show a person, and every label of the pages, has its
Indonesian and its English: the code is walked (``tests/translations.py``), not a list
kept by hand, so a message added anywhere without its translation fails here, named
with its file and line."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import pytest
from pydantic import BaseModel, Field, ValidationError

from dialer import i18n
from dialer.errors import Conflict, ValidationFailed
from dialer.i18n.messages import MESSAGES
from dialer.i18n.pydantic import PYDANTIC
from dialer.rules import vocabulary
from dialer.web import validate
from tests.translations import flatten, messages, string_table

PAGES = [("agent.js", "LANG"), ("manager.js", "T"), ("manager-forecast.js", "FT")]
# A page script's label function and the attribute its HTML names labels with, when
# they are not t() and data-t (the forecast panel keeps a table of its own).
LABELS = {"manager-forecast.js": ("ft", "data-ft", "manager.html")}


def test_every_message_raised_has_its_indonesian() -> None:
    missing: dict[str, list[str]] = defaultdict(list)
    for found in messages():
        if found.template not in MESSAGES:
            missing[found.template].append(found.where)
    lines = [
        f"  {wheres[0]}: {template!r}  -> dialer/i18n/messages/{_room(wheres[0])}.py"
        for template, wheres in sorted(missing.items(), key=lambda kv: kv[1][0])
    ]
    assert not missing, (
        f"{len(missing)} message(s) without their Indonesian; add each template, exactly"
        " as printed (its {placeholders} too), to the catalog file named, with its"
        " Indonesian using the same placeholders (docs/architecture.md, 'Languages'):\n"
        + "\n".join(lines)
    )


def _room(where: str) -> str:
    parts = where.split(":")[0].split("/")
    return parts[1] if len(parts) > 2 else "core"


def test_the_walk_finds_the_messages_agents_read() -> None:
    found = {f.template for f in messages()}
    for template in (
        "record the outcome of your call first",
        "join a campaign first: no campaign to take calls for",
        "wrong username or password",
        "{name}: required for {self.code}",  # a part of a message joined with "; "
        "must be in the future",  # a detail's reason
        "the customer is on hold already",  # raise Conflict(already[1])
        "is missing",  # a target row's (field, reason)
    ):
        assert template in found


def test_each_translation_keeps_the_placeholders_and_is_indonesian() -> None:
    wrong = []
    for english, indonesian in MESSAGES.items():
        if set(i18n.fields(english)) != set(i18n.fields(indonesian)):
            wrong.append(f"{english!r}: placeholders {i18n.fields(indonesian)}")
        literal = "".join(t for k, t in i18n.parse(english) if k == "text")
        if indonesian == english and re.search(r"[a-z]{3} [a-z]{3}", literal):
            wrong.append(f"{english!r}: left in English")
    assert not wrong, "\n".join(wrong)


def test_every_pydantic_error_type_has_its_indonesian() -> None:
    from pydantic_core._pydantic_core import list_all_errors

    types = {e["type"]: e["message_template_python"] for e in list_all_errors()}
    assert sorted(set(types) - set(PYDANTIC)) == [], "pydantic error types without Indonesian"
    changed = {t: types[t] for t, (english, _) in PYDANTIC.items() if types.get(t) != english}
    assert changed == {}, "pydantic's English changed: update dialer/i18n/pydantic.py"
    for english, indonesian in PYDANTIC.values():
        assert set(i18n.fields(indonesian)) <= set(i18n.fields(english)), indonesian


@pytest.mark.parametrize(("filename", "variable"), PAGES)
def test_every_label_of_the_pages_is_in_both_languages(filename: str, variable: str) -> None:
    table = string_table(filename, variable)
    assert set(table) == {"id", "en"}
    ids, ens = flatten(table["id"]), flatten(table["en"])
    assert sorted(set(ids) - set(ens)) == [], f"{filename}: labels without English"
    assert sorted(set(ens) - set(ids)) == [], f"{filename}: labels without Indonesian"
    empty = [key for key, value in (ids | ens).items() if value in ('""', "''", "``")]
    assert empty == []


@pytest.mark.parametrize(("filename", "variable"), PAGES)
def test_every_label_the_pages_ask_for_exists(filename: str, variable: str) -> None:
    from tests.translations import PACKAGE, STATIC

    table = flatten(string_table(filename, variable)["id"])
    keys = {key.split(".")[0] for key in table}
    source = (STATIC / filename).read_text(encoding="utf-8")
    function, attribute, html = LABELS.get(
        filename, ("t", "data-t", filename.replace(".js", ".html"))
    )
    page = (PACKAGE / "pages" / html).read_text(encoding="utf-8")
    asked = set(re.findall(rf"""\b{function}\(\s*["']([\w]+)["']""", source))
    asked |= set(re.findall(rf"""\b{variable}\[lang\]\.(\w+)""", source))
    asked |= set(re.findall(rf'{attribute}(?:-title)?="(\w+)"', page))
    assert sorted(asked - keys) == [], f"{filename}: labels asked for but not in its table"


HARD_CODED = re.compile(
    r"""(?:textContent\s*=\s*|\bel\(\s*"\w+"\s*,\s*|new Error\(\s*)(["'`])([^"'`]*[A-Za-z]{2}[^"'`]*)\1"""
)


@pytest.mark.parametrize("filename", ["agent.js", "manager.js", "manager-forecast.js", "common.js"])
def test_the_pages_show_no_words_outside_their_tables(filename: str) -> None:
    """Text set on the page is a label from the table (``t("…")``), a value from the
    server, or a number: never words written in the code."""
    from tests.translations import STATIC

    source = (STATIC / filename).read_text(encoding="utf-8")
    found = [
        text
        for match in HARD_CODED.finditer(source)
        if re.search("[A-Za-z]{2}", text := re.sub(r"\$\{[^}]*\}|^HTTP ", "", match.group(2)))
    ]
    assert found == []


def test_every_vocabulary_term_is_in_both_languages() -> None:
    terms = [
        term
        for value in vars(vocabulary).values()
        if isinstance(value, tuple | list | dict)
        for term in (value.values() if isinstance(value, dict) else value)
        if isinstance(term, vocabulary.Term)
    ]
    assert len(terms) > 20
    missing = [t.code for t in terms if not t.id.strip() or not t.en.strip()]
    assert missing == []
    assert vocabulary.vocabulary("id") != vocabulary.vocabulary("en")


# ---- translating ------------------------------------------------------------------------


def test_a_message_is_put_in_indonesian_with_its_values() -> None:
    assert i18n.translate("no ticket 42", "id") == "tidak ada tiket 42"
    assert i18n.translate("no ticket 42", "en") == "no ticket 42"
    error = Conflict("ticket 42 is closed already")
    assert error.to_json("id")["error"]["message"] == "tiket 42 sudah ditutup"
    assert error.to_json()["error"]["message"] == "ticket 42 is closed already"


def test_a_message_inside_a_message_and_joined_messages_are_translated() -> None:
    assert i18n.translate("total -5 must not be negative", "id") == "total -5 tidak boleh negatif"
    joined = (
        "wa_number: required for pays_via_bukalapak (the confirmed WA number); "
        "callback_at: required for callback"
    )
    assert i18n.translate(joined, "id") == (
        "wa_number: wajib untuk pays_via_bukalapak (nomor WA yang sudah dipastikan); "
        "callback_at: wajib untuk callback"
    )


def test_the_template_that_translates_most_wins() -> None:
    """``'banyak' is not an amount …`` also fits ``{value} is not {self.what} (…)``;
    ``{amount_text} {exc}`` with ``{exc}`` a known message says more."""
    assert (
        i18n.translate(
            "'banyak' is not an amount in rupiah (e.g. 350000, 350.000 or Rp 350.000)", "id"
        )
        == "'banyak' bukan jumlah dalam rupiah (mis. 350000, 350.000 atau Rp 350.000)"
    )
    assert i18n.translate("'x' is not a tier (Diamond, Gold)", "id") == (
        "'x' bukan tier (Diamond, Gold)"
    )


def test_literal_braces_and_unknown_text() -> None:
    assert i18n.translate('the body must be {"payments": [{...}, ...]}', "id") == (
        'isi permintaan harus {"payments": [{...}, ...]}'
    )
    assert i18n.translate("something nobody wrote", "id") == "something nobody wrote"


def test_details_reasons_are_translated_and_data_is_not() -> None:
    error = ValidationFailed(
        "the callback time has passed",
        details=[{"field": "callback_at", "reason": "must be in the future", "line": 3}],
    )
    assert error.to_json("id")["error"] == {
        "id": "validation_failed",
        "message": "waktu telepon kembali sudah lewat",
        "details": [{"field": "callback_at", "reason": "harus di masa mendatang", "line": 3}],
    }


class Form(BaseModel):
    name: str = Field(min_length=3)
    count: int
    when: Any = None


def _reasons(data: dict[str, Any], language: str) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        validate(Form, data)
    details = caught.value.to_json(language)["error"]["details"]
    return {d["field"]: d["reason"] for d in details}


def test_pydantics_messages_are_translated_by_type() -> None:
    assert _reasons({"name": "ab", "count": "x"}, "id") == {
        "name": "Teks minimal 3 karakter",
        "count": "Masukan harus berupa bilangan bulat, teks tidak dapat dibaca sebagai bilangan bulat",
    }
    assert _reasons({}, "id") == {"name": "Wajib diisi", "count": "Wajib diisi"}
    assert _reasons({}, "en") == {"name": "Field required", "count": "Field required"}
    with pytest.raises(ValidationError):
        Form.model_validate({})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("en", "en"),
        ("id", "id"),
        ("en-GB", "en"),
        ("ID", "id"),
        ("fr", "id"),
        (None, "id"),
        ("", "id"),
    ],
)
def test_language_of(text: str | None, expected: str) -> None:
    assert i18n.language_of(text) == expected
