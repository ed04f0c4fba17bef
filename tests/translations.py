"""Every text a person reads, found in the source, for the translations test.

Messages: the English templates the code raises (``tests/unit/test_translations.py``
checks each has its Indonesian in ``dialer/i18n/messages/<room>.py``). The AST of each
module of ``dialer/`` is walked for

* the first argument of a call to an error of the product (a ``DialerError``, a
  ``ValueError`` or a provider's error, by class name), raised or returned;
* the ``"reason"`` of a dict literal (the details' per-field reasons) and what is
  appended to ``problems`` / ``reasons`` (a text, or a ``(field, reason)`` pair);
* for an argument that is a local name (``raise Conflict(already[1])``), every text
  of the expression that name was assigned.

A template is the literal text, an f-string's expressions written ``{as in the
source}`` (``ast.unparse``: ``{', '.join(CHANNEL_CODES)}``), literal braces doubled.
Labels: the pages' string tables (``LANG`` in agent.js, ``T`` in manager.js, ``FT`` in
manager-forecast.js), key by key in both languages, found by a small reader of the
object literals.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "dialer"
STATIC = PACKAGE / "pages" / "static"
# Read before a language can be known, or said only to a developer: programming errors
# and the settings' own (printed before the settings exist).
SKIPPED = {"settings.py", "clock.py", "db.py", "embedded_pg.py", "runtime.py", "i18n"}
ERRORS = re.compile(
    r"^(DialerError|BadRequest|InvalidValue|ValidationFailed|NotApplicable|Unauthorized"
    r"|Forbidden|NotFound|Conflict|PayloadTooLarge|UpstreamFailed|CarrierFailed"
    r"|NoPenaltyRule|ValueError|AmountError|ProviderError|ProviderRejected"
    r"|ProviderUnavailable)$"
)
LISTS = {"problems", "reasons", "rejected"}


@dataclass(frozen=True)
class Found:
    template: str
    where: str  # "dialer/agents/outcomes.py:120"

    @property
    def room(self) -> str:
        """The catalog file the template belongs in: ``dialer/i18n/messages/<room>.py``."""
        parts = Path(self.where.split(":")[0]).parts
        return parts[1] if len(parts) > 2 else "core"


def template(node: ast.expr) -> str | None:
    """The template of a text literal or f-string (implicitly concatenated or ``+``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}")
    if isinstance(node, ast.JoinedStr):
        pieces = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                pieces.append(str(value.value).replace("{", "{{").replace("}", "}}"))
            elif isinstance(value, ast.FormattedValue):
                pieces.append("{" + ast.unparse(value.value) + "}")
        return "".join(pieces)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = template(node.left), template(node.right)
        if left is not None and right is not None:
            return left + right
    return None


def _texts(node: ast.expr) -> Iterator[str]:
    """The templates an expression can give: a literal, either branch of ``a if c else
    b``, the second of a pair."""
    found = template(node)
    if found is not None:
        yield found
    elif isinstance(node, ast.IfExp):
        yield from _texts(node.body)
        yield from _texts(node.orelse)
    elif isinstance(node, ast.Tuple) and len(node.elts) == 2:
        yield from _texts(node.elts[1])


def _all_texts(node: ast.AST) -> Iterator[str]:
    """Every text in an expression (an f-string whole, not its pieces)."""
    inner = {
        id(piece)
        for child in ast.walk(node)
        if isinstance(child, ast.JoinedStr)
        for piece in child.values
    }
    for child in ast.walk(node):
        if isinstance(child, ast.Constant | ast.JoinedStr) and id(child) not in inner:
            found = template(child)
            if found is not None:
                yield found


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _assigned(scope: ast.AST, name: str) -> list[ast.expr]:
    return [
        node.value
        for node in ast.walk(scope)
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    ]


def messages() -> list[Found]:
    """Every message template the code of ``dialer/`` can show a person."""
    found: list[Found] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if not SKIPPED & set(path.relative_to(PACKAGE).parts):
            found.extend(_module_messages(path))
    return found


def _module_messages(path: Path) -> Iterator[Found]:
    relative = path.relative_to(ROOT)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]

    def scope_of(node: ast.expr) -> ast.AST:
        inner = [f for f in functions if f.lineno <= node.lineno <= (f.end_lineno or 0)]
        return inner[-1] if inner else tree

    def texts_at(node: ast.expr) -> Iterator[tuple[str, int]]:
        if isinstance(node, ast.Call) and ERRORS.match(_name(node.func)) and node.args:
            arg = node.args[0]
            texts = list(_texts(arg))
            base = arg.value if isinstance(arg, ast.Subscript) else arg
            if not texts and isinstance(base, ast.Name):
                for value in _assigned(scope_of(node), base.id):
                    texts.extend(_all_texts(value))
            yield from ((text, node.lineno) for text in texts)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "reason":
                    yield from ((text, value.lineno) for text in _texts(value))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "append"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in LISTS
            and node.args
            and not isinstance(node.args[0], ast.Dict)
        ):
            yield from ((text, node.lineno) for text in _texts(node.args[0]))

    for node in ast.walk(tree):
        if isinstance(node, ast.expr):
            for text, line in texts_at(node):
                if _readable(text):
                    yield Found(text, f"{relative}:{line}")


def _readable(text: str) -> bool:
    """Words for a person, or values put together (``{raw} {exc}``: the catalog's entry
    lets ``{exc}`` be translated in it); not a code (``not_issued``) nor a bare value
    (``{exc}``)."""
    plain = text.replace("{{", "").replace("}}", "")
    literal = re.sub(r"\{[^{}]*\}", "", plain).strip()
    if len(re.findall(r"\{[^{}]*\}", plain)) >= 2:
        return True
    return bool(re.search("[A-Za-z]{2}", literal)) and not re.fullmatch(r"[a-z_]+", literal)


# ---- the pages' string tables ----------------------------------------------------------

_KEY = re.compile(r'\s*(?:"([^"]+)"|([A-Za-z_$][\w$]*))\s*:\s*')


def _skip_value(source: str, i: int) -> int:
    """The index just past one JavaScript value starting at ``i`` (a literal, an arrow
    function, an object): brackets, strings and template literals balanced."""
    depth = 0
    while i < len(source):
        char = source[i]
        if char in "\"'`":
            i = _skip_string(source, i)
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                return i
            depth -= 1
        elif char == "," and depth == 0:
            return i
        i += 1
    return i


def _skip_string(source: str, i: int) -> int:
    quote, i = source[i], i + 1
    while source[i] != quote:
        if source[i] == "\\":
            i += 1
        elif quote == "`" and source.startswith("${", i):
            i = _skip_value(source, i + 2) + 1
            continue
        i += 1
    return i + 1


def js_object(source: str, start: int) -> dict[str, object]:
    """The object literal whose ``{`` is at ``start``: each key to its nested object, or
    to its value's source text."""
    assert source[start] == "{"
    result: dict[str, object] = {}
    i = start + 1
    while True:
        while i < len(source) and source[i] in " \n\t,":
            i += 1
        if source.startswith("//", i):  # a comment between entries
            i = source.index("\n", i)
            continue
        if source[i] == "}":
            return result
        key = _KEY.match(source, i)
        assert key is not None, source[i : i + 80]
        name = key.group(1) or key.group(2)
        i = key.end()
        if source[i] == "{":
            result[name] = js_object(source, i)
            depth, j = 0, i
            while True:  # past the nested object
                if source[j] in "\"'`":
                    j = _skip_string(source, j)
                    continue
                depth += source[j] == "{"
                depth -= source[j] == "}"
                j += 1
                if depth == 0:
                    break
            i = j
        else:
            end = _skip_value(source, i)
            result[name] = source[i:end].strip()
            i = end


def string_table(filename: str, variable: str) -> dict[str, object]:
    """A page's string table, ``const VARIABLE = { id: {...}, en: {...} }``."""
    source = (STATIC / filename).read_text(encoding="utf-8")
    start = source.index("{", source.index(f"const {variable} = {{"))
    return js_object(source, start)


def flatten(table: object, prefix: str = "") -> dict[str, str]:
    """``{"states": {"paused": …}}`` as ``{"states.paused": …}``."""
    if not isinstance(table, dict):
        return {prefix: str(table)}
    flat: dict[str, str] = {}
    for key, value in table.items():
        flat |= flatten(value, f"{prefix}.{key}" if prefix else key)
    return flat
