"""The house's rules, checked on the source itself (no database, no server):

- SQL lives in ``db/queries/*.sql`` (migrations aside): no SQL text in Python outside the
  query loader, each named query described on the line after its name, every one used;
- route modules only declare routes: their handlers call the rooms' functions, never
  the database directly;
- nothing reads the environment but the settings.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from dialer.db import QUERIES_DIR, queries

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "dialer"
# A statement's first word, as SQL is written here (upper case) and then another word.
SQL = re.compile(
    r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|DROP|ALTER|LOCK|SET|RESET|COPY|BEGIN"
    r"|COMMIT|ROLLBACK|TRUNCATE|GRANT|VACUUM|ANALYZE|LISTEN|NOTIFY|DO)\s+\S"
)
# Statements a driver call takes only as a string (asyncpg's COPY helpers take a table
# name, not SQL), and the loader itself.
LOADER = PACKAGE / "db.py"
DRIVER_CALLS = {"fetch", "fetchrow", "fetchval", "execute", "executemany", "cursor", "prepare"}


def python_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _strings(tree: ast.AST) -> list[ast.Constant]:
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_no_sql_in_python() -> None:
    found = []
    for path in python_files():
        tree = ast.parse(path.read_text())
        for node in _strings(tree):
            if SQL.match(node.value) and len(node.value.split()) > 1:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:60]!r}")
        for node in ast.walk(tree):
            # An f-string handed to the driver is SQL built at run time.
            if isinstance(node, ast.JoinedStr) and any(
                isinstance(v, ast.Constant) and SQL.match(str(v.value)) for v in node.values[:1]
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: an f-string of SQL")
    assert not found, "SQL belongs in db/queries/*.sql:\n" + "\n".join(found)


def test_every_named_query_is_described() -> None:
    undescribed = []
    for path in sorted(QUERIES_DIR.glob("*.sql")):
        lines = path.read_text().splitlines()
        for i, line in enumerate(lines):
            if line.startswith("-- name:"):
                following = lines[i + 1] if i + 1 < len(lines) else ""
                if not following.startswith("-- ") or len(following) < 12:
                    undescribed.append(f"{path.name}:{i + 1}: {line}")
    assert not undescribed, "each named query needs a one-line description:\n" + "\n".join(
        undescribed
    )


def test_every_named_query_is_used() -> None:
    """Named where it runs, ``q("name")``, or in a list the code runs (``"name"``)."""
    source = "\n".join(p.read_text() for p in python_files())
    unused = [name for name in queries() if f'"{name}"' not in source]
    assert not unused, f"named queries no code uses: {', '.join(sorted(unused))}"


def test_every_query_the_code_names_exists() -> None:
    named = set()
    for path in python_files():
        named |= set(re.findall(r'\bq\("(\w+)"\)', path.read_text()))
    assert not named - set(queries()), f"unknown queries: {sorted(named - set(queries()))}"


def _route_modules() -> list[Path]:
    return [p for p in python_files() if "RouteTableDef()" in p.read_text()]


def test_route_modules_leave_the_database_to_the_rooms() -> None:
    """A handler acquires a connection and passes it to a room's function; it runs no
    statement itself (the room's functions are where a statement and its rules live)."""
    found = []
    for path in _route_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in DRIVER_CALLS
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "conn"
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: conn.{node.func.attr}")
    assert not found, "route modules call the rooms' functions:\n" + "\n".join(found)


def test_route_modules_only_declare_routes() -> None:
    """No wiring in a route module: no cleanup context, no background task, no setup()."""
    found = []
    for path in _route_modules():
        text = path.read_text()
        for marker in ("cleanup_ctx", "create_task(", "def setup(", "on_startup"):
            if marker in text:
                found.append(f"{path.relative_to(ROOT)}: {marker}")
    assert not found, "wiring belongs in dialer/runtime.py:\n" + "\n".join(found)


def test_only_the_settings_read_the_environment() -> None:
    """Settings come from settings.py, read once. Setting a variable a library reads
    (``os.environ[NAME] = value``: prometheus-client's directory) is not reading one."""
    found = []
    for path in python_files():
        if path.name == "settings.py":
            continue
        tree = ast.parse(path.read_text())
        written = {
            id(target.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Subscript)
        }
        for node in ast.walk(tree):
            reads = (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "os"
                and node.attr in ("environ", "getenv")
                and id(node) not in written
            ) or (isinstance(node, ast.Name) and node.id == "getenv")
            if reads:
                found.append(
                    f"{path.relative_to(ROOT)}:{node.lineno}: os.{getattr(node, 'attr', 'getenv')}"
                )
    assert not found, "settings.py reads the environment, once:\n" + "\n".join(found)


def test_no_import_of_the_product_inside_a_function() -> None:
    """An import placed inside a function to dodge a cycle is the cycle still there (and
    import-linter would see it anyway: its layers contract counts these imports too)."""
    found = []
    for path in python_files():
        rel = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith(
                        "dialer"
                    ):
                        found.append(f"{rel}:{inner.lineno}: from {inner.module} import …")
                    if isinstance(inner, ast.Import) and any(
                        a.name.startswith("dialer") for a in inner.names
                    ):
                        found.append(f"{rel}:{inner.lineno}: import dialer…")
    assert not found, "imports of the product go at the top of the module:\n" + "\n".join(found)
