"""Every shipped named question parses, has a complete header, validates and runs with defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from ksquery import engine, questions
from ksquery.errors import ParamError, QuestionError

ALL = questions.load_all()
HEADER = "-- title: x\n-- description: d\n-- aliases: a\n-- source: s\n"


def test_catalogue_covers_the_brief():
    for qid in (
        "risker_utan_kontroll",
        "investeringar_per_ar",
        "investeringar_per_kategori",
        "investeringar_per_objekt",
        "investeringar_summa",
        "drift_per_post",
        "drift_forandring",
        "kommunbidrag",
        "kontroller_per_ansvarig",
        "utredningar_per_namnd",
        "utredningar_per_samordnare",
        "accepterade_risker",
        "riskmatris",
        "politiska_inriktningar",
    ):
        assert qid in ALL


@pytest.mark.parametrize("qid", sorted(ALL))
def test_question_is_complete_valid_and_runs(catalog, qid):
    q = ALL[qid]
    assert q.title and q.description and q.aliases and q.source
    for p in q.params:
        assert p.default is not None and p.label
    engine.check(catalog, q.sql)  # the real gate, with $params in place
    result = questions.run(catalog, q)
    assert result.columns and result.rows, qid
    assert result.source == q.source and result.question == qid


def test_risks_without_control_by_threshold(catalog):
    q = ALL["risker_utan_kontroll"]
    assert [r[0] for r in questions.run(catalog, q, {"min_värde": "8"}).rows] == ["Cyberhot"]
    six = questions.run(catalog, q).rows
    assert len(six) == 7 and all(r[3] >= 6 for r in six)


@pytest.mark.parametrize(
    "given, words",
    [
        ({"min_värde": "sex"}, "heltal"),
        ({"min_värde": "0"}, "mellan 1 och 16"),
        ({"min_värde": "6; DROP VIEW risker"}, "heltal"),
        ({"x": "1"}, "ingen parameter"),
    ],
)
def test_bad_params(catalog, given, words):
    with pytest.raises(ParamError, match=words):
        questions.run(catalog, ALL["risker_utan_kontroll"], given)


def test_text_param_choices_come_from_data(catalog):
    q = ALL["utredningar_for_namnd"]
    assert questions.run(catalog, q, {"nämnd": "socialnämnden"}).params["nämnd"] == "Socialnämnden"
    with pytest.raises(ParamError, match="menade du 'Socialnämnden'"):
        questions.run(catalog, q, {"nämnd": "Socialnämden"})


@pytest.mark.parametrize(
    "text, words",
    [
        ("-- title: x\n-- colour: red\nSELECT 1", "okänd rubriknyckel"),
        (
            "-- title: x\n-- description: d\n-- aliases: a\n-- source: s\nSELECT $y",
            "används men deklareras inte",
        ),
        (
            HEADER + "-- param: y int = 1\nSELECT 1",
            "deklareras men används inte",
        ),
        ("-- title: x\n-- description: d\nSELECT 1", "saknar"),
        (
            HEADER + "-- param: y float = 1\nSELECT $y",
            "okänd typ",
        ),
        ("-- title: x\n", "ingen SQL"),
    ],
)
def test_malformed_headers(text, words):
    with pytest.raises(QuestionError, match=words):
        questions.parse_text(text, Path("x.sql"))


def test_mnkr_rounds_half_away_from_zero_like_the_document(catalog):
    rows = questions.run(catalog, ALL["investeringar_per_ar"]).rows
    by_year = {r[0]: r[3] for r in rows}
    assert by_year[2027] == 136.4  # 136 350 tkr; a DOUBLE round(…/1000, 1) gives 136,3
    assert engine.run(catalog, "SELECT mnkr(-4227), mnkr(-50), mnkr(619698)").rows == [
        (-4.2, -0.1, 619.7)
    ]


def test_readme_lists_every_named_question():
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for qid in ALL:
        assert f"| `{qid}` |" in readme, qid
