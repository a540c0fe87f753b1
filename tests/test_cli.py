"""The ksquery command end to end, in subprocesses: exit codes, stdout/stderr, import hygiene."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT


def ks(*args, stdin=None):
    env = dict(os.environ)
    return subprocess.run(
        [sys.executable, "-m", "ksquery", *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def test_sql_json_raw_values():
    p = ks(
        "sql",
        "SELECT post, belopp_tkr FROM drift WHERE enhet = 'kommunstyrelsen' AND år = 2025 "
        "AND post = 'Kommunbidrag'",
        "--format",
        "json",
    )
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {
        "columns": ["post", "belopp_tkr"],
        "rows": [["Kommunbidrag", 118535]],
    }


def test_sql_from_stdin_and_table():
    p = ks("sql", "-", stdin="SELECT count(*) AS n FROM risker")
    assert p.returncode == 0 and "33" in p.stdout


@pytest.mark.parametrize(
    "args, code, words",
    [
        (("sql", "DROP VIEW risker"), 2, "DROP"),
        (("sql", "select riskvarde from risker"), 2, "menade du 'riskvärde'"),
        (("ask", "risker_utan_kontroll", "--param", "min_värde=sex"), 2, "heltal"),
        (("ask", "risker_utan_kontroll", "--param", "min_värde=99"), 2, "mellan 1 och 16"),
        (("ask", "risker_utan_kontroll", "--param", "min_varde=6"), 2, "menade du 'min_värde'"),
        (("ask", "risker_utan_kontroll", "--param", "min_värde=6; DROP VIEW risker"), 2, "heltal"),
        (("describe", "riskr"), 2, "menade du 'risker'"),
        (("--data", "/nonexistent/x", "tables"), 2, "finns inte"),
        (("nonsense-command",), 2, "ogiltiga argument"),
        (("run", "/nonexistent.sql"), 2, "finns inte"),
    ],
)
def test_bad_input_one_line_no_traceback(args, code, words):
    p = ks(*args)
    assert p.returncode == code
    assert words in p.stderr
    assert "Traceback" not in p.stderr and p.stdout == ""
    assert p.stderr.startswith("fel") and len(p.stderr.strip().splitlines()) <= 2


def test_named_question_with_param_and_source():
    p = ks("ask", "risker_utan_kontroll", "--param", "min_värde=8", "--format", "json")
    data = json.loads(p.stdout)
    assert p.returncode == 0
    assert data["question"] == "risker_utan_kontroll" and data["params"] == {"min_värde": 8}
    assert [r[0] for r in data["rows"]] == ["Cyberhot"]
    assert "Bilaga 2" in data["source"]


def test_check_finds_the_documents_slips():
    p = ks("check", "--format", "json")
    assert p.returncode == 1
    found = {(f["kind"], f["row"]) for f in json.loads(p.stdout)["findings"]}
    assert found == {
        ("summa", "Verksamhetens kostnader kommunstyrelsen 2024"),
        ("summa", "Årets resultat kommunstyrelsen 2025"),
        ("summa", "Anpassningsinvesteringar 2028"),
        ("summa", "Anpassningsinvesteringar 2029"),
        ("påstående", "P02"),
        ("påstående", "P19"),
        ("påstående", "P20"),
    }


def test_check_is_clean_when_the_data_adds_up(data_copy):
    import csv

    rows = list(csv.DictReader(open(data_copy / "investeringar.csv", encoding="utf-8")))
    for r in rows:
        if r["post"] == "Lokalanpassningar" and r["år"] in ("2028", "2029"):
            r["belopp_tkr"] = "5000"
    with open(data_copy / "investeringar.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    p = ks("--data", str(data_copy), "check", "--format", "json")
    rows_found = {f["row"] for f in json.loads(p.stdout)["findings"]}
    assert (
        "Anpassningsinvesteringar 2028" not in rows_found
        and "Verksamhetens kostnader kommunstyrelsen 2024" in rows_found
    )


def test_questions_json_lists_params():
    p = ks("questions", "--format", "json")
    data = {q["id"]: q for q in json.loads(p.stdout)}
    assert data["risker_utan_kontroll"]["params"][0]["name"] == "min_värde"
    assert data["risker_utan_kontroll"]["params"][0]["default"] == 6


def test_batch_run_reports_failures_and_runs_the_rest(tmp_path):
    bad = tmp_path / "bad.sql"
    bad.write_text("DROP VIEW risker;", encoding="utf-8")
    plain = tmp_path / "plain.sql"
    plain.write_text("SELECT count(*) AS n FROM risker;", encoding="utf-8")
    out = tmp_path / "out"
    p = ks(
        "run",
        str(ROOT / "queries" / "investeringar_per_ar.sql"),
        str(bad),
        str(plain),
        "--format",
        "csv",
        "--out",
        str(out),
    )
    assert p.returncode == 2 and "bad.sql" in p.stderr
    assert (out / "investeringar_per_ar.csv").read_text().startswith("år,budgettyp,belopp_tkr")
    assert (out / "plain.csv").read_text() == "n\n33\n"


def test_one_shot_does_not_import_prompt_toolkit_and_cached_question_skips_sqlglot():
    code = (
        "import sys; from ksquery import cli; "
        "cli.main(['ask','investeringar_per_ar','--format','json']);"
        "print('PT', any(m.startswith('prompt_toolkit') for m in sys.modules));"
        "print('SG', 'sqlglot' in sys.modules)"
    )
    subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT
    )  # warm the cache
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "PT False" in p.stdout and "SG False" in p.stdout, p.stdout + p.stderr


@pytest.mark.parametrize(
    "sql, words",
    [
        ("selec 1 from risker", "menade du 'SELECT'"),
        ("select (1 from risker", "rad 1, kolumn 14: här väntades )"),
        ("select risk,\nfrom risker wher riskvärde > 3", "rad 2"),
    ],
)
def test_syntax_errors_point_at_the_place(sql, words):
    p = ks("sql", sql)
    assert p.returncode == 2 and words in p.stderr, p.stderr


def test_repl_treats_a_misspelt_select_as_sql():
    from ksquery.shell import is_sql

    assert is_sql("selec 1 from risker;") and not is_sql("selektiva risker")


def test_duckdb_errors_get_a_swedish_line_and_the_detail_as_hint():
    p = ks("sql", "select risk from risker where riskvärde > 'abc'")
    lines = p.stderr.strip().splitlines()
    assert p.returncode == 2 and len(lines) == 2
    assert lines[0] == "fel: frågan kunde inte köras: ett värde kan inte omvandlas till rätt typ"
    assert lines[1].startswith("tips: DuckDB: Conversion Error")


@pytest.mark.parametrize(
    "args, words",
    [
        (("run",), "följande argument saknas: FIL"),
        (("frobnicate",), "ogiltigt val"),
        (("--timeout", "abc", "sql", "select 1"), "tidsgränsen ska vara ett antal sekunder"),
        (("sql", "SELECT * FROM risker WHERE risk = 'Cyber"), "avslutas aldrig"),
        (
            # a folder that cannot be created (even by root): the folder is made when it can be
            ("ask", "kommunbidrag", "--format", "xlsx", "--out", "/proc/ksquery/dir/x.xlsx"),
            "kan inte skapa katalogen",
        ),
    ],
)
def test_messages_are_swedish(args, words):
    p = ks(*args)
    assert p.returncode == 2 and words in p.stderr and "Traceback" not in p.stderr, p.stderr


def test_help_is_swedish():
    p = ks("--help")
    assert p.returncode == 0 and "användning:" in p.stdout and "usage:" not in p.stdout


def test_repl_help_examples_come_from_the_loaded_data_and_timeout_is_checked_once(catalog):
    from ksquery import commands, engine, questions

    named = questions.load_all()
    state = commands.State(catalog, named)
    text = commands.handle(state, "\\?")[0].text
    first_table, first_question = next(iter(catalog.tables)), next(iter(named))
    assert text.splitlines()[-1].startswith(f"Exempel: SELECT * FROM {first_table} LIMIT 5;")
    assert first_question in text.splitlines()[-1]
    # .timeout and --timeout share engine.parse_timeout: the same range and the same words
    for bad in ("0", "inf", "x"):
        reply = commands.handle(state, f".timeout {bad}")[0].text
        with pytest.raises(Exception) as err:
            engine.parse_timeout(bad)
        assert reply == f"fel: {err.value}"
    assert commands.handle(state, ".timeout 2,5")[0].text == "tidsgräns: 2,5 s"
    assert state.timeout == 2.5


def test_run_a_plain_file_of_several_statements_runs_each_through_the_gate(tmp_path):
    script = tmp_path / "rapport.sql"
    script.write_text(
        "-- Antal risker\nSELECT count(*) AS n FROM risker;\n"
        "-- Förbjudet\nDROP TABLE risker;\n"
        "SELECT 'x; y' AS t; -- a ';' in a string does not split\n",
        encoding="utf-8",
    )
    p = ks("run", str(script), "--format", "json")
    assert p.returncode == 2  # the refused statement fails, the others still run
    answers = [json.loads(line) for line in p.stdout.splitlines()]
    assert [(a["file"], a["question"], a["title"]) for a in answers] == [
        (f"{script}#1", "rapport#1", "Antal risker"),
        (f"{script}#3", "rapport#3", "rapport#3"),
    ]
    assert answers[0]["rows"] == [[33]] and answers[1]["rows"] == [["x; y"]]
    assert f"fel: {script}#2:" in p.stderr and "1 av 3 frågor misslyckades" in p.stderr
    out = tmp_path / "ut"
    p = ks("run", str(script), "--format", "csv", "--out", str(out))
    assert sorted(f.name for f in out.iterdir()) == ["rapport#1.csv", "rapport#3.csv"]
    assert (out / "rapport#1.csv").read_text() == "n\n33\n"
