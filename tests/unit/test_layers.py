"""The layers contract (``pyproject.toml``, ``[tool.importlinter]``) holds for the code
as it is, and catches an upward import — one hidden inside a function included."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    return subprocess.run(
        [str(LINT), str(tree / "pyproject.toml"), "--no-cache", "--no-logo"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def copy_of_the_code(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "dialer", tree / "dialer", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_code_keeps_its_layers(tmp_path: Path) -> None:
    done = lint(copy_of_the_code(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_an_upward_import_inside_a_function_breaks_the_contract(tmp_path: Path) -> None:
    tree = copy_of_the_code(tmp_path)
    money = tree / "dialer" / "rules" / "money.py"
    money.write_text(
        money.read_text()
        + "\n\ndef _sneak() -> None:\n    from dialer.calls import pacer  # noqa\n\n    pacer.log\n"
    )
    done = lint(tree)
    assert done.returncode != 0
    assert "BROKEN" in done.stdout and "dialer.rules.money -> dialer.calls.pacer" in done.stdout


def test_a_module_no_layer_names_breaks_the_contract(tmp_path: Path) -> None:
    tree = copy_of_the_code(tmp_path)
    (tree / "dialer" / "stray.py").write_text('"""Not placed in any layer."""\n')
    done = lint(tree)
    assert done.returncode != 0
    assert "dialer.stray" in done.stdout + done.stderr
