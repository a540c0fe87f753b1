"""Every shipped named question parses, has a complete header, validates and runs with defaults."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ksquery import engine, questions
from ksquery.errors import KsqueryError, ParamError, QuestionError, did_you_mean

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
        assert (p.default is not None or p.default_expr) and p.label
    engine.check(catalog, q.sql)  # the real gate, with $params in place
    result = questions.run(catalog, q)
    assert result.columns and result.rows, qid
    resolved = questions.resolve(catalog, q)
    assert result.source == resolved.source and result.question == qid
    assert "{" not in resolved.source + resolved.description, qid


def test_no_header_names_a_year_of_this_document():
    """Years come from the data ({meta.budget_year}, first(t.c), last(t.c)), never the file."""
    for q in ALL.values():
        header = [line for line in q.path.read_text(encoding="utf-8").splitlines()]
        header = [line for line in header if line.startswith("--")]
        assert not re.search(r"\b20[0-9][0-9]\b", "\n".join(header)), q.id


def test_computed_defaults_follow_the_data(catalog):
    meta = catalog.dictionary.meta
    first, last = engine.run(catalog, "SELECT min(år), max(år) FROM investeringar").rows[0]
    per_year = questions.resolve(catalog, ALL["investeringar_per_ar"])
    assert [p.default for p in per_year.params] == [first, last]
    assert [p.default_expr for p in per_year.params] == [
        "first(investeringar.år)",
        "last(investeringar.år)",
    ]
    total = questions.resolve(catalog, ALL["investeringar_summa"])
    assert [p.default for p in total.params] == [meta["budget_year"], last]
    change = questions.resolve(catalog, ALL["drift_forandring"])
    assert change.param("från").default == meta["budget_year"] - 1
    plan = questions.resolve(catalog, ALL["internkontrollplan"])
    assert plan.title.endswith(str(meta["budget_year"])) and "{" not in plan.title


@pytest.mark.parametrize(
    "qid, given",
    [
        ("investeringar_per_ar", {"från": "2029", "till": "2024"}),
        ("driftpost", {"från": "2027", "till": "2024"}),
        ("risker_med_varde", {"min_värde": "9", "max_värde": "4"}),
    ],
)
def test_reversed_range_is_refused(catalog, qid, given):
    with pytest.raises(ParamError, match="får inte vara större än") as err:
        questions.run(catalog, ALL[qid], given)
    assert err.value.exit_code == 2


def _question(tmp_path, header: str, sql: str) -> questions.Question:
    path = tmp_path / "q.sql"
    path.write_text(HEADER + header + sql, encoding="utf-8")
    return questions.parse_file(path)


@pytest.mark.parametrize(
    "header, words",
    [
        (
            "-- param: å int = meta.budget_year + 10 | in (SELECT DISTINCT år FROM drift) | År\n",
            "finns inte i data",
        ),
        (
            "-- param: å int = last(drift.saknas) | in (SELECT DISTINCT år FROM drift) | År\n",
            "finns inte i data",
        ),
        (
            "-- param: å int = meta.saknas | in (SELECT DISTINCT år FROM drift) | År\n",
            "saknar meta.saknas",
        ),
        (
            "-- param: å text = Ingen sådan | in (SELECT DISTINCT post FROM drift) | Post\n",
            "finns inte i data",
        ),
    ],
)
def test_default_outside_the_data_is_an_error(catalog, tmp_path, header, words):
    q = _question(tmp_path, header, "SELECT * FROM drift WHERE år::VARCHAR = $å::VARCHAR")
    with pytest.raises(KsqueryError, match=words) as err:
        questions.run(catalog, q)
    assert err.value.exit_code == 2


def test_default_expression_cannot_reach_the_sql(tmp_path):
    """Only first(t.c), last(t.c), meta.key (± n) are computed; anything else is a literal."""
    with pytest.raises(QuestionError, match="heltal"):
        _question(tmp_path, "-- param: å int = last(drift.år) ; DROP | År\n", "SELECT $å")
    q = _question(tmp_path, "-- param: å text = last(drift.år; DROP) | År\n", "SELECT $å")
    assert q.param("å").default_expr is None


def test_check_must_name_declared_params(tmp_path):
    with pytest.raises(QuestionError, match="okänd parameter"):
        _question(tmp_path, "-- param: a int = 1 | A\n-- check: a <= b\n", "SELECT $a")


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


def test_the_documents_explanation_only_beside_the_years_it_speaks_of(catalog):
    """The text under a table explains the latest budget year against the year before; another
    pair of years gets no sentence about 2024 -> 2025, and a disagreement is said in the answer."""
    q = questions.load_all()["drift_forandring"]

    def row(**params):
        result = questions.run(catalog, q, params)
        return dict(zip(result.columns, result.rows[0], strict=True))

    later = row(post="Personalkostnader", från=2026, till=2027)
    assert later["dokumentets_förklaring"] is None and later["texten_säger"] is None
    explained = row(post="Personalkostnader", från=2024, till=2025)
    assert "2,0 mnkr" in explained["texten_säger"] and explained["tabellen_stämmer_med_texten"]
    slip = row(post="Kommunbidrag", från=2024, till=2025)
    assert "5,2 mnkr" in slip["texten_säger"] and slip["förändring_mnkr"] == 4.2
    assert slip["tabellen_stämmer_med_texten"] is False


@pytest.mark.parametrize(
    "text, title",
    [
        ("-- Största objekten 2025\nSELECT 1", "Största objekten 2025"),
        ("\n  --  Största objekten  \n-- andra raden\nSELECT 1;", "Största objekten"),
        ("-- Obs: bara i år\nSELECT 1", "Obs: bara i år"),  # a comment, not a header key
        ("--\n----\n-- Efter tomma rader\nSELECT 1", "Efter tomma rader"),
        ("SELECT 1 -- en kommentar efter satsen", None),
        ("/* blockkommentar */ SELECT 1", None),
        (HEADER + "SELECT 1", "x"),
    ],
)
def test_title_of_a_query_file(text, title):
    assert questions.title_of(text) == title


@pytest.mark.parametrize(
    "text, title",
    [
        ("-- Största objekten 2025\nSELECT 1 AS a", "Största objekten 2025"),
        ("-- Obs: bara i år\nSELECT 1 AS a", "Obs: bara i år"),
        ("SELECT 1 AS a", "mina_fragor"),  # no comment: the file name
        ("-- " + "å" * 500 + "\nSELECT 1 AS a", "å" * questions.MAX_TITLE),
    ],
)
def test_a_plain_sql_file_takes_its_title_from_its_leading_comment(text, title):
    q = questions.parse_text(text, Path("mina_fragor.sql"))
    assert q.title == title and q.sql == "SELECT 1 AS a" and not q.params


def test_a_header_with_a_typo_is_still_a_header():
    with pytest.raises(QuestionError, match="okänd rubriknyckel 'titel' — menade du 'title'"):
        questions.parse_text("-- titel: x\nSELECT 1", Path("x.sql"))


def test_a_plain_file_runs_with_its_title(catalog, tmp_path):
    path = tmp_path / "egen.sql"
    path.write_text("-- Antal risker\nSELECT count(*) AS n FROM risker;\n", encoding="utf-8")
    result = questions.run(catalog, questions.parse_file(path), {})
    assert result.title == "Antal risker" and result.rows == [(33,)]


@pytest.mark.parametrize(
    ("word", "options", "cutoff", "expected"),
    [
        ("riskvarde", ["risk", "riskvärde", "sannolikhet"], 0.6, ["riskvärde"]),
        ("SELEC", ["SELECT", "WITH", "FROM"], 0.6, ["SELECT"]),  # the option's own spelling
        ("Investeringar", ["investeringar", "drift"], 0.6, ["investeringar"]),  # case is no typo
        ("kommunbidrag", ["risker", "skalor"], 0.6, []),  # nothing close: no guess
        ("risker_utan_kontrol", ["risker_utan_kontroll", "risker"], 0.85, ["risker_utan_kontroll"]),
        ("riskr", ["risker"], 0.95, []),  # the cutoff holds
    ],
)
def test_did_you_mean_suggests_the_closest_name(word, options, cutoff, expected):
    assert did_you_mean(word, options, cutoff=cutoff) == expected
