"""No literal value of this document in the package: its years, table names, table-specific
column names and question ids belong in data/dictionary.toml or a query header."""

from __future__ import annotations

import ast
import re
import tomllib

from conftest import DATA, ROOT

PACKAGE = ROOT / "ksquery"
# The question parser (ask.py, swedish.py, plan.py, semantic.py) reads the semantic model from
# the dictionary; nothing of it is exempt.
TODO_LEAD: set[str] = set()
# TODO: found by this test and not yet moved to the data. Each entry names who owns the file;
# empty an entry when its literals are gone (the test then keeps them out).
TODO_OTHERS: dict[str, set[str]] = {}
# Column names that are also ordinary Swedish words of the user interface and its messages.
UI_WORDS = {
    "text",
    "sql",
    "typ",
    "namn",
    "nr",
    "tabell",
    "år",
    "från",
    "till",
    "nivå",
    "värde",
    "punkt",
    "decimaler",
    "kommentar",
    "enhet",
    "påstående",
}


def _forbidden() -> set[str]:
    spec = tomllib.loads((DATA / "dictionary.toml").read_text(encoding="utf-8"))
    names = set(spec["tables"])
    for table in spec["tables"].values():
        names |= {c["name"] for c in table["columns"]}
    names |= {p.stem for p in (ROOT / "queries").glob("*.sql")}
    return {n.lower() for n in names} - UI_WORDS


def _literals(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in docstrings:
            if isinstance(node.value, (str, int)) and not isinstance(node.value, bool):
                yield node.lineno, node.value


def test_no_document_literals_in_the_package():
    forbidden = _forbidden()
    found = []
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name in TODO_LEAD:
            continue
        for line, value in _literals(path):
            if isinstance(value, int):
                if 2020 <= value <= 2035 and str(value) not in TODO_OTHERS.get(path.name, set()):
                    found.append(f"{path.name}:{line}: {value}")
                continue
            for year in re.findall(r"(?<!\d)(20[23]\d)(?!\d)", value):
                if 2020 <= int(year) <= 2035 and year not in TODO_OTHERS.get(path.name, set()):
                    found.append(f"{path.name}:{line}: {year} in {value[:40]!r}")
            words = {w.lower() for w in re.findall(r"[^\W\d]\w*", value)}
            for word in sorted(words & forbidden - TODO_OTHERS.get(path.name, set())):
                found.append(f"{path.name}:{line}: {word} in {value[:50]!r}")
    assert not found, "\n".join(found)
