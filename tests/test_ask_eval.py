"""Honest end-to-end measurement of `ask.answer` on realistic Swedish questions.

The questions and their expected values live in tests/eval_questions.toml; every value there
was worked out by hand from the source document. One test computes the share answered right
and prints every miss; it fails below MIN_SHARE. The parametrised test checks the parameter
extraction (years, spans, thresholds, entities) directly.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ksquery import ask, questions
from ksquery.errors import KsqueryError, NoAnswer

ROOT = Path(__file__).resolve().parent.parent
EVAL_FILE = Path(__file__).with_name("eval_questions.toml")
# Floors, not goals: since the composed-question parser (round two) a question with a word no
# reading explains is declined instead of answered with the nearest named question, which this
# lenient scorer counts as a miss. The strict sets with "answered but wrong" apart are in
# tests/test_ask_composed.py.
MIN_SHARE = 0.92
SHOW_ROWS = 4


def _load_eval() -> list[dict[str, Any]]:
    with EVAL_FILE.open("rb") as fh:
        return tomllib.load(fh)["q"]


# --- comparing expected values with answer rows --------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _cell_matches(expected: Any, cell: Any) -> bool:
    if _is_number(expected):
        if _is_number(cell):
            return math.isclose(float(cell), float(expected), rel_tol=0, abs_tol=1e-6)
        return False
    if cell is None or isinstance(cell, bool):
        return False
    return str(expected).lower() in str(cell).lower()


def _occurs(expected: Any, rows: list[tuple]) -> bool:
    return any(_cell_matches(expected, cell) for row in rows for cell in row)


def _judge(case: dict[str, Any], result: Any) -> list[str]:
    """Reasons the answer is wrong (empty list = right)."""
    reasons = []
    rows = list(result.rows)
    missing = [v for v in case["expect"] if not _occurs(v, rows)]
    if missing:
        reasons.append(f"saknas: {missing!r}")
    present = [v for v in case.get("absent", []) if _occurs(v, rows)]
    if present:
        reasons.append(f"borde saknas: {present!r}")
    # Which named question answered was part of the first round's design; since round two a
    # composed plan (result.plan) may answer instead, judged by its values alone.
    if "question" in case and result.question != case["question"] and result.plan is None:
        reasons.append(f"fråga {result.question!r} i st.f. {case['question']!r}")
    return reasons


# --- the evaluation -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def named():
    return questions.load_all()


def test_eval_file_is_well_formed():
    cases = _load_eval()
    texts = [c["text"] for c in cases]
    assert len(cases) >= 90
    assert len(texts) == len(set(texts)), "texts must be unique so `follows` is unambiguous"
    for i, case in enumerate(cases):
        assert case["expect"], case["text"]
        assert set(case) <= {"text", "expect", "absent", "question", "follows"}, case["text"]
        if "follows" in case:
            assert case["follows"] in texts[:i], f"{case['text']!r} follows an unknown/later entry"
    assert sum("follows" in c for c in cases) >= 6


def _score(catalog, named, cases: list[dict[str, Any]]) -> tuple[int, list[str]]:
    """Ask every case (threading follow-up context) and return (number right, miss reports)."""
    contexts: dict[str, dict | None] = {}
    misses: list[str] = []
    right = 0
    for case in cases:
        text = case["text"]
        context = contexts.get(case["follows"]) if "follows" in case else None
        head = f"- {text!r}" + (f"  (följer {case['follows']!r})" if "follows" in case else "")
        wanted = (
            f"    väntat: {case['expect']!r}"
            f"{' utan ' + repr(case['absent']) if case.get('absent') else ''}"
            f"{' fråga ' + case['question'] if 'question' in case else ''}\n"
        )
        try:
            result = ask.answer(catalog, named, text, {}, context=context)
        except KsqueryError as exc:  # NoAnswer or any other refusal is a miss, not a crash
            contexts[text] = None
            misses.append(f"{head}\n{wanted}    fick:   {type(exc).__name__}: {exc}")
            continue
        contexts[text] = ask.last_context(result)
        reasons = _judge(case, result)
        if not reasons:
            right += 1
            continue
        shown = [tuple(result.columns)] + [tuple(r) for r in list(result.rows)[:SHOW_ROWS]]
        more = len(result.rows) - SHOW_ROWS
        misses.append(
            f"{head}\n{wanted}"
            f"    fel:    {'; '.join(reasons)}\n"
            f"    fick:   fråga={result.question!r} params={_params(result)}\n"
            + "".join(f"            {_short(r)}\n" for r in shown)
            + (f"            … {more} rader till\n" if more > 0 else "")
        )
    return right, misses


def test_ask_eval_share(catalog, named):
    cases = _load_eval()
    right, misses = _score(catalog, named, cases)
    share = right / len(cases)
    print(f"\n=== ksquery ask: {right}/{len(cases)} rätt = {share:.1%} (krav {MIN_SHARE:.0%}) ===")
    if misses:
        print(f"--- {len(misses)} missar ---")
        print("\n".join(misses))
    assert share >= MIN_SHARE, f"bara {share:.1%} rätt ({right}/{len(cases)}); se utskriften ovan"


def _params(result) -> str:
    return json.dumps(result.params, ensure_ascii=False, default=str)


def _short(row: tuple, width: int = 60) -> str:
    cells = []
    for cell in row:
        s = str(cell)
        cells.append(s if len(s) <= width else s[: width - 1] + "…")
    return "(" + ", ".join(cells) + ")"


# --- parameter extraction ------------------------------------------------------------

EXTRACT_CASES = [
    # (text, expected fields) — years: every listed year must be in ex.years
    ("Fastigheter 2025–2029", {"span": (2025, 2029)}),
    ("risker med riskvärde ≥6", {"threshold": 6}),
    ("risker ≥ 6 utan kontroll", {"threshold": 6}),
    ("risker över sju", {"threshold": 8}),
    ("risker med riskvärde högre än 8", {"threshold": 9}),
    ("risker med riskvärde 8 eller mer", {"threshold": 8}),
    ("förändring mellan 2024 och 2025", {"span": (2024, 2025)}),
    ("Vad kostar lokalhyrorna nästa år?", {"years": [2026]}),
    (
        "Vad ansvarar ekonomichefen för?",
        {"entities": {("internkontroll", "ansvarig"): "Ekonomichef"}},
    ),
    (
        "Övriga kostnader 2025",
        {"entities": {("drift", "post"): "Övriga kostnader"}, "years": [2025]},
    ),
    # at least ten more tricky ones
    ("risker med minst 6 i riskvärde", {"threshold": 6}),
    ("riskr över 5", {"threshold": 6}),
    ("risker med värde mer än 10", {"threshold": 11}),
    ("risker med åtminstone tolv i riskvärde", {"threshold": 12}),
    ("risker med riskvärde 8 eller högre", {"threshold": 8}),
    ("Personalkostnader från 2025 till 2027", {"span": (2025, 2027)}),
    ("Total investeringsplan 2025-2029", {"span": (2025, 2029)}),
    ("Fastigheter 2024 t.o.m. 2026", {"span": (2024, 2026)}),
    ("Vad är kommunbidraget i år?", {"years": [2025]}),
    ("Vad var personalkostnaderna förra året?", {"years": [2024]}),
    ("Vad är IT-chefen ansvarig för?", {"entities": {("internkontroll", "ansvarig"): "IT-chef"}}),
    (
        "kontroller som biträdande kommundirektören har ansvar för",
        {"entities": {("internkontroll", "ansvarig"): "Biträdande kommundirektör"}},
    ),
    (
        "perosnalkostnader exploateringsenheten 2026",
        {
            "entities": {
                ("drift", "enhet"): "exploateringsenheten",
                ("drift", "post"): "Personalkostnader",
            },
            "years": [2026],
        },
    ),
    (
        "Personalkostnaderna 2026",
        {"entities": {("drift", "post"): "Personalkostnader"}, "years": [2026]},
    ),
    (
        "kommunbidrget för KS 2027",
        {"entities": {("drift", "post"): "Kommunbidrag"}, "years": [2027]},
    ),
    ("Finansnettot för kommunstyrelsen", {"entities": {("drift", "post"): "Finansnetto"}}),
    ("kostnaderna för köp av tjänster", {"entities": {("drift", "post"): "Köp av tjänster"}}),
    (
        "Hur mycket läggs på Bälinge företagspark 2026?",
        {"entities": {("investeringar", "post"): "Bälinge företagspark"}, "years": [2026]},
    ),
    ("investering i stadskogen 2026", {"entities": {("investeringar", "post"): "Stadsskogen"}}),
    (
        "Övriga exploateringsområden 2027",
        {"entities": {("investeringar", "post"): "Övr. exploateringsområden"}},
    ),
    (
        "Anpassningsinvesteringar 2028",
        {"entities": {("investeringar", "kategori"): "Anpassningsinvesteringar"}},
    ),
    (
        "Vilka utredningar kommer från socialnämnden?",
        {"entities": {("utredningar", "nämnd"): "Socialnämnden"}},
    ),
    (
        "samma för kultur- och utbildningsnämnden",
        {"entities": {("utredningar", "nämnd"): "Kultur- och utbildningsnämnden"}},
    ),
    ("Berätta om risken Cyberhot", {"entities": {("risker", "risk"): "Cyberhot"}}),
    (
        "Hur kontrolleras energibrist?",
        {"entities": {("risker", "risk"): "Energibrist/effektbrist"}},
    ),
    ("Hur hanteras risken för terrorhot?", {"entities": {("risker", "risk"): "Terrorhot"}}),
]


@pytest.mark.parametrize("text, want", EXTRACT_CASES, ids=[c[0] for c in EXTRACT_CASES])
def test_extract(catalog, text, want):
    ex = ask.extract(catalog, text)
    got = f"years={ex.years} span={ex.span} threshold={ex.threshold} entities={ex.entities}"
    if "span" in want:
        assert ex.span == want["span"], got
    if "threshold" in want:
        assert ex.threshold == want["threshold"], got
    for year in want.get("years", []):
        assert year in ex.years, got
    for key, value in want.get("entities", {}).items():
        assert ex.entities.get(key) == value, got


# --- the CLI's refusal ------------------------------------------------------------


def test_cli_nonsense_exits_1_with_swedish_message():
    proc = subprocess.run(
        [sys.executable, "-m", "ksquery", "ask", "blablabla qwerty", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    err = proc.stderr.strip()
    assert err, "expected a message on stderr"
    assert "Traceback" not in proc.stderr
    # The error itself is one line ("fel: …"); the CLI may add its hint on "tips: …" lines.
    lines = err.splitlines()
    errors = [ln for ln in lines if not ln.startswith("tips:")]
    assert len(errors) == 1, err
    low = errors[0].lower()
    assert any(w in low for w in ("hittar", "ingen", "inget", "fråga", "kunde inte")), err
    assert not proc.stdout.strip() or proc.stdout.strip().startswith("{"), proc.stdout


# --- blind measurements ------------------------------------------------------------------------


def _declined(catalog, named, unanswerable: list[dict[str, Any]]) -> tuple[int, list[str]]:
    """Questions the document cannot answer: right when ask says so (NoAnswer) or only searches
    the text; wrong when a named question answers with some other number."""
    handled = 0
    wrong: list[str] = []
    for case in unanswerable:
        text = case["text"]
        try:
            result = ask.answer(catalog, named, text, {}, context=None)
        except NoAnswer:
            handled += 1
            continue
        except KsqueryError as exc:  # refused, but not as NoAnswer: reported, not counted right
            wrong.append(f"- {text!r}\n    fick:   {type(exc).__name__}: {exc}")
            continue
        if result.question is None:
            handled += 1
            continue
        first = list(result.rows)[:2]
        wrong.append(
            f"- {text!r}\n    fick:   fråga={result.question!r} params={_params(result)}\n"
            + "".join(f"            {_short(tuple(r))}\n" for r in first)
        )
    return handled, wrong


# Blind measurements: written from the source text by colleagues who had not seen the parser
# (eval_blind2 also not the other sets). Only a floor is asserted; the README reports the share.
BLIND_SETS = [
    pytest.param(Path(__file__).with_name("eval_holdout.toml"), 0.85, id="holdout"),
    pytest.param(Path(__file__).with_name("eval_blind2.toml"), 0.75, id="blind2"),
]


@pytest.mark.parametrize(("path", "floor"), BLIND_SETS)
def test_ask_blind_report(catalog, named, path, floor):
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    cases = data["q"]
    unanswerable = data.get("unanswerable", [])
    right, misses = _score(catalog, named, cases)
    handled, wrong = _declined(catalog, named, unanswerable)
    share = right / len(cases)
    print(
        f"\n=== ksquery ask, {path.stem}: {right}/{len(cases)} rätt = {share:.1%}"
        f" (golv {floor:.0%}) ==="
    )
    if misses:
        print(f"--- {len(misses)} missar ---")
        print("\n".join(misses))
    if unanswerable:
        print(f"=== obesvarbara: {handled}/{len(unanswerable)} rätt hanterade ===")
        if wrong:
            print(f"--- {len(wrong)} felhanterade obesvarbara ---")
            print("\n".join(wrong))
    assert share >= floor, f"bara {share:.1%} rätt ({right}/{len(cases)}); se utskriften"
