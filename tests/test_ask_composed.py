"""Composed Swedish questions, judged strictly: right, declined, or answered but wrong.

tests/eval_composed_dev.toml and tests/eval_composed_holdout.toml were written by a colleague who
had not seen the parser, with every expected value computed from data/ and checked against the
document. "Answered but wrong" (a number for a question nobody asked) is counted apart from
declines: it is the failure that matters most. The held-out set was run once, after the work on
the development set; its first-run figure is the one the README reports.
"""

from __future__ import annotations

import math
import tomllib
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ksquery import ask, questions
from ksquery.errors import KsqueryError

HERE = Path(__file__).parent
# Floors against regression (right overall, right on composed, most answered-but-wrong, least
# declined when unanswerable), set a little under where each set stands now. Each held-out set
# was run once before any work on its misses; those first-run figures (README) are the honest
# ones: holdout 71,3 % / 62,5 % / 11,9 % / 85,7 %, holdout2 60,2 % / 56,2 % / 16,4 % / 94,7 %,
# holdout3 78,8 % / 75,0 % / 10,3 % / 95,7 %, holdout4 (written after all the others' fixes)
# 62,8 % / 61,7 % / 7,7 % / 91,3 %. Since each first run, the set is development data.
GOALS = {
    "dev": (0.95, 0.95, 0.02, 0.95),
    # written blind after holdout4's fixes as development data (first run 73,3 / 66,3 / 8,5)
    "dev2": (0.88, 0.88, 0.04, 0.95),
    # written blind after dev2's fixes, development data (first run 81,1 / 74,7 / 8,4)
    "dev3": (0.92, 0.92, 0.03, 0.95),
    # written blind after dev3's fixes, development data (first run 76,3 / 65,7 / 9,3)
    "dev4": (0.86, 0.80, 0.03, 0.95),
    # written blind after dev4's fixes, development data (first run 83,9 / 80,2 / 2,8)
    "dev5": (0.90, 0.87, 0.03, 0.95),
    # written blind after holdout6's fixes, development data (first run 87,0 / 82,5 / 5,3 / 96,2)
    "dev6": (0.90, 0.90, 0.04, 0.95),
    # written blind after dev6's fixes, development data (first run 86,0 / 81,1 / 4,9 / 96,2)
    "dev7": (0.87, 0.85, 0.03, 0.95),
    # written blind at the start of round two's third session, development data (first run
    # 87,6 / 82,4 / 2,9 / 96,0)
    "dev8": (0.94, 0.92, 0.02, 0.95),
    # written blind during the same session, development data (first run 84,9 / 78,9 / 5,4 / 100)
    "dev9": (0.86, 0.82, 0.035, 0.95),
    # written blind during the same session, development data (first run 86,9 / 80,0 / 1,9 / 100)
    "dev10": (0.91, 0.88, 0.02, 0.95),
    # written blind during the same session, development data (first run 84,0 / 77,5 / 4,7 / 95,5)
    "dev11": (0.90, 0.87, 0.02, 0.95),
    # written blind during the same session by two colleagues, development data (first runs
    # dev12 89,5 / 86,6 / 3,3 / 95,5 and dev13 82,2 / 78,0 / 1,3 / 100)
    "dev12": (0.90, 0.88, 0.02, 0.95),
    "dev13": (0.88, 0.85, 0.02, 0.95),
    # written blind during the same session, development data (first run 85,6 / 73,7 / 2,7 / 100)
    "dev15": (0.91, 0.87, 0.02, 0.95),
    # written blind during the same session, development data (first run 84,5 / 76,2 / 4,1 / 95,2)
    "dev14": (0.85, 0.78, 0.025, 0.95),
    # written blind in round two's fourth session (new personas: an opposition politician, a
    # communications officer, a thesis student), development data (first run 84,6 / 83,5 / 5,8
    # / 100)
    "dev16": (0.86, 0.86, 0.03, 0.95),
    # written blind later in the same session (a radio reporter, a senior citizen writing to
    # the paper, an auditor), development data (first run 82,4 / 79,2 / 4,2 / 100)
    "dev17": (0.82, 0.80, 0.03, 0.95),
    "holdout": (0.82, 0.82, 0.03, 0.95),
    # written blind at the start of round two's third session and run once at its end, after
    # the work on dev8–dev15: first run 92,0 % right, 88,6 % composed, 2,9 % answered but wrong,
    # 96,0 % declined (commit d05f697); every goal of issue 9 met on it
    "holdout7": (0.92, 0.88, 0.02, 0.95),
    "holdout2": (0.80, 0.82, 0.03, 0.95),
    "holdout3": (0.82, 0.82, 0.04, 0.95),
    "holdout4": (0.88, 0.85, 0.03, 0.95),
    # written blind at the start of round two's last session and run once at its end: first
    # run 89,3 % right, 85,8 % composed, 5,4 % answered but wrong, 96,9 % declined
    "holdout5": (0.90, 0.90, 0.02, 0.95),
    # written blind during the same session and run once after the work on holdout5: first run
    # 81,6 % right, 75,3 % composed, 8,1 % answered but wrong, 100 % declined
    "holdout6": (0.85, 0.80, 0.02, 0.95),
}
SETS = {name: HERE / f"eval_composed_{name}.toml" for name in GOALS}


def load(name: str) -> list[dict[str, Any]]:
    with SETS[name].open("rb") as fh:
        return tomllib.load(fh)["q"]


def _number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _cell_matches(expected: Any, cell: Any) -> bool:
    if _number(expected):
        if not _number(cell):
            return False
        got, want = float(cell), float(expected)
        if isinstance(expected, float) and not float(expected).is_integer():
            # a percentage: as percent or as a fraction
            return abs(got - want) <= 0.1 + 1e-9 or abs(got * 100 - want) <= 0.1 + 1e-9
        return (
            math.isclose(got, want, abs_tol=1e-6)
            or (isinstance(expected, float) and abs(got - want) <= 0.1 + 1e-9)
            # an average shown with its decimals (141094.33) for a whole-tkr expectation
            or (not float(cell).is_integer() and abs(got - want) < 0.5)
        )
    if cell is None or isinstance(cell, bool):
        return False
    return str(expected).lower() in str(cell).lower()


def _occurs(expected: Any, rows: list[tuple]) -> bool:
    return any(_cell_matches(expected, cell) for row in rows for cell in row)


def judge(case: dict[str, Any], result: Any) -> list[str]:
    """Why an answer is wrong (empty: right)."""
    if case.get("decline"):
        return ["svarade på en fråga som dokumentet inte kan besvara"]
    rows = [tuple(r) for r in result.rows]
    reasons = []
    missing = [v for v in case.get("expect", []) if not _occurs(v, rows)]
    if missing:
        reasons.append(f"saknas {missing!r}")
    present = [v for v in case.get("absent", []) if _occurs(v, rows)]
    if present:
        reasons.append(f"borde saknas {present!r}")
    if "max_rows" in case and len(rows) > case["max_rows"]:
        reasons.append(f"{len(rows)} rader, högst {case['max_rows']}")
    return reasons


def score(catalog, cases: list[dict[str, Any]]) -> tuple[dict[str, Counter], list[str]]:
    """Per category: right / wrong (answered but wrong) / declined; and a report of misses."""
    named = questions.load_all()
    tally: dict[str, Counter] = {}
    report = []
    for case in cases:
        cat = case["category"]
        count = tally.setdefault(cat, Counter())
        count["n"] += 1
        try:
            result = ask.answer(catalog, named, case["text"], {})
        except KsqueryError as err:
            if case.get("decline"):
                count["right"] += 1
            else:
                count["declined"] += 1
                report.append(f"AVBÖJD  [{cat}/{case.get('kind')}] {case['text']!r}: {err}")
            continue
        reasons = judge(case, result)
        if reasons:
            count["wrong"] += 1
            shown = [tuple(result.columns)] + [tuple(r) for r in result.rows[:4]]
            report.append(
                f"FEL     [{cat}/{case.get('kind')}] {case['text']!r}: {'; '.join(reasons)}\n"
                f"        {result.notes[:1]}\n        {shown}"
            )
        else:
            count["right"] += 1
    return tally, report


def summary(tally: dict[str, Counter]) -> dict[str, float]:
    total = sum(c["n"] for c in tally.values())
    right = sum(c["right"] for c in tally.values())
    wrong = sum(c["wrong"] for c in tally.values())
    comp = tally.get("composed", Counter())
    unans = tally.get("unanswerable", Counter())
    return {
        "right": right / total,
        "composed": comp["right"] / comp["n"] if comp["n"] else 1.0,
        "wrong": wrong / total,
        "declined_unanswerable": unans["right"] / unans["n"] if unans["n"] else 1.0,
    }


def test_sets_are_well_formed():
    for name in SETS:
        cases = load(name)
        assert len(cases) >= (100 if name == "dev" else 60), name
        texts: set[str] = set()  # unique within a set (two writers may hit the same phrasing)
        for case in cases:
            assert case["category"] in {"lookup", "composed", "text", "unanswerable"}
            assert case.get("decline") or case["expect"], case["text"]
            assert case["text"] not in texts, case["text"]
            texts.add(case["text"])


@pytest.mark.parametrize("name", list(SETS))
def test_composed_questions(catalog, name):
    tally, report = score(catalog, load(name))
    figures = summary(tally)
    print(f"\n=== {name}: " + ", ".join(f"{k} {v:.1%}" for k, v in figures.items()) + " ===")
    for cat, c in sorted(tally.items()):
        print(f"  {cat:13} {c['right']}/{c['n']} rätt, {c['wrong']} fel, {c['declined']} avböjda")
    print("\n".join(report))
    right, composed, wrong, declined = GOALS[name]
    assert figures["right"] >= right
    assert figures["composed"] >= composed
    assert figures["wrong"] <= wrong
    assert figures["declined_unanswerable"] >= declined
