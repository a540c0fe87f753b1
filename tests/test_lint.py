"""The house style is checked with the suite: ruff check and ruff format (see STYLE.md)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import ROOT


def _ruff() -> str:
    found = shutil.which("ruff", path=str(ROOT / ".venv" / "bin")) or shutil.which("ruff")
    if found is None:
        pytest.skip("ruff is not installed")
    return found


@pytest.mark.parametrize(
    "args", [["check", "ksquery", "tests"], ["format", "--check", "ksquery", "tests"]]
)
def test_ruff(args):
    p = subprocess.run([_ruff(), *args], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


def test_mypy():
    found = shutil.which("mypy", path=str(ROOT / ".venv" / "bin")) or shutil.which("mypy")
    if found is None:
        pytest.skip("mypy is not installed")
    p = subprocess.run([found], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


def test_imports_flow_one_way():
    """data → catalog → validate → engine → output → cli/shell: no module imports a later one."""
    order = [
        "errors",
        "cache",
        "catalog",
        "validate",
        "watchdog",
        "engine",
        "questions",
        "output",
        "exports",
        "audit",
        "inventory",
        "swedish",
        "search",
        "semantic",
        "plan",
        "plansql",
        "plancache",
        "ask",
        "api",
        "commands",
        "cli",
        "shell",
    ]
    assert {f"{name}.py" for name in order} | {"__init__.py", "__main__.py"} == {
        p.name for p in (ROOT / "ksquery").glob("*.py")
    }, "a module is missing from the order"
    for i, name in enumerate(order):
        text = (ROOT / "ksquery" / f"{name}.py").read_text(encoding="utf-8")
        if name == "cli":  # the command starts the REPL: the two edges may meet there
            text = text.replace("from ksquery.shell import start", "")
        for later in order[i + 1 :]:
            assert f"from ksquery import {later}" not in text, (name, later)
            assert f"from ksquery.{later} import" not in text, (name, later)
            assert f"ksquery.{later}" not in text.replace('"ksquery.', ""), (name, later)
    assert sys.version_info >= (3, 11)
