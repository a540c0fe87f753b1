"""Exact-string tests for every output format."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from ksquery import output
from ksquery.engine import Result

# The display hint a catalog gives its results ([meta.display] plain_numbers and the line role).
PLAIN = frozenset({"år", "från", "källrad"})


def res(columns, rows, **kw):
    return Result(tuple(columns), ("",) * len(columns), rows, **{"plain": PLAIN, **kw})


@pytest.mark.parametrize(
    "value, column, expected",
    [
        (118535, "belopp_tkr", "118 535"),
        (-214941, "belopp_tkr", "\u2212214 941"),
        (0, "belopp_tkr", "0"),
        (999, "x", "999"),
        (1000, "x", "1 000"),
        (2025, "år", "2025"),
        (412, "källrad", "412"),
        (4.227, "x", "4,23"),
        (0.004, "x", "0,004"),
        (0.0123, "x", "0,012"),
        (-0.00015, "x", "\u22120,00015"),
        (-0.5, "x", "\u22120,5"),
        (Decimal("5.200"), "värde", "5,200"),
        (Decimal("1234567.5"), "x", "1 234 567,5"),
        (141094.0, "x", "141 094"),
        (None, "x", ""),
        (True, "x", "ja"),
        (False, "x", "nej"),
        ("a\x1b[31mb", "x", "a\\x1b[31mb"),
    ],
)
def test_format_value(value, column, expected):
    assert output.format_value(value, column, plain=PLAIN) == expected


def test_plain_numbers_come_from_the_data_sets_display_hints(catalog):
    """Years and source lines skip digit grouping because the dictionary says so, not the code:
    without the hint a year is an ordinary number."""
    from ksquery import engine

    result = engine.run(catalog, "SELECT 2025 AS år, 1115 AS källrad_från, 2025 AS x_id, 2025 AS n")
    assert {"år", "källrad"} <= result.plain
    assert output.render(result, "md").splitlines()[2] == "| 2025 | 1115 | 2025 | 2 025 |"
    assert output.format_value(2025, "år") == "2 025"


def test_table_alignment_and_footer():
    r = res(
        ["post", "år", "belopp_tkr"],
        [("Kommunbidrag", 2025, 118535), ("Finansnetto", 2025, -100)],
        elapsed=0.0012,
        source="Ekonomiska ramar",
    )
    assert output.render_table(r, width=80) == (
        "post         │ år   │ belopp_tkr\n"
        "─────────────┼──────┼───────────\n"
        "Kommunbidrag │ 2025 │    118 535\n"
        "Finansnetto  │ 2025 │       \u2212100\n"
        "(2 rader · 1,2 ms · Källa: Ekonomiska ramar)"
    )


def test_table_empty_and_nulls_and_cut():
    empty = res(["risk"], [])
    assert output.render_table(empty) == "risk\n────\n(0 rader · 0,0 ms)"
    rows = [(i, None) for i in range(5)]
    cut = output.render_table(res(["nr", "x"], rows), max_rows=2)
    assert "… 3 rader till" in cut
    assert cut.splitlines()[2] == " 0 │ –"  # NULL is shown, not blank


def test_table_wraps_long_text_to_width():
    text = "ord " * 60
    lines = output.render_table(res(["risk", "text"], [("A", text)]), width=50).splitlines()
    assert all(len(line) <= 50 for line in lines[:-1])
    assert len(lines) > 4


def test_title_and_params_shown():
    r = res(
        ["risk"], [("Cyberhot",)], title="Risker med riskvärde minst 8", params={"min_värde": 8}
    )
    lines = output.render_table(r).splitlines()
    assert lines[:2] == ["Risker med riskvärde minst 8", "Parametrar: min_värde = 8"]


def test_csv_raw_values():
    r = res(
        ["post", "belopp", "ok", "n"],
        [('Köp, av "tjänster"', -51171, True, None), ("x", Decimal("4.2"), False, 1.5)],
    )
    assert (
        output.to_csv(r)
        == 'post,belopp,ok,n\n"Köp, av ""tjänster""",-51171,true,\nx,4.2,false,1.5\n'
    )


def test_json_raw_values_and_meta():
    plain = res(["a", "b"], [(1, Decimal("2.50"))])
    assert json.loads(output.to_json(plain)) == {"columns": ["a", "b"], "rows": [[1, 2.5]]}
    named = res(
        ["a"], [(1,)], title="T", question="q", params={"år": 2026}, source="S", sql="SELECT 1"
    )
    data = json.loads(output.to_json(named))
    assert data["question"] == "q" and data["params"] == {"år": 2026} and data["source"] == "S"
    assert data["rows"] == [[1]] and data["alternatives"] == []


def test_markdown():
    r = res(["post", "belopp_tkr"], [("A|B", -7986)], source="Källan")
    assert output.to_markdown(r) == (
        "| post | belopp_tkr |\n|---|---:|\n| A\\|B | \u22127 986 |\n\nKälla: Källan\n"
    )


def test_xlsx_is_a_real_spreadsheet(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    r = res(
        ["post", "år", "belopp_tkr", "andel"],
        [("Kommunbidrag", 2025, 118535, 0.5), ("Tom", 2026, None, None)],
    )
    path = output.write_xlsx(r, tmp_path / "x.xlsx")
    sheet = openpyxl.load_workbook(path).active
    assert [c.value for c in sheet[1]] == ["post", "år", "belopp_tkr", "andel"]
    assert sheet["C2"].value == 118535 and isinstance(sheet["C2"].value, int)
    assert sheet["C2"].number_format.startswith("#,##0")  # Excel's own: spaces in Swedish Excel
    assert sheet["B2"].value == 2025
    assert sheet["C3"].value is None


def test_bar_chart_and_matrix():
    r = res(["år", "belopp_tkr"], [(2024, 100), (2025, 50)], title="Inv")
    lines = output.chart(r, width=40).splitlines()
    assert lines[0] == "Inv (belopp_tkr)"
    assert lines[1].startswith("2024 │") and lines[1].count("█") == 29
    assert lines[2].count("█") == 14 and "▌" in lines[2]  # half of 29 cells: 14.5
    m = res(
        ["sannolikhet", "väsentlighet", "antal_risker", "med_kontroll"],
        [(3, 4, 1, 1), (2, 2, 9, 0)],
    )
    grid = output.chart(
        m,
        spec="matrix x=sannolikhet y=väsentlighet count=antal_risker marked=med_kontroll "
        'levels=1..4 legend="(k) = med kontroll"',
    )
    lines = grid.splitlines()
    assert (
        lines[0] == "antal_risker (varav med_kontroll) — väsentlighet uppåt, sannolikhet åt höger"
    )
    assert lines[1].startswith("väs 4 │") and "1 (1)" in lines[1] and "9 (0)" in lines[3]
    assert lines[-2].split() == ["san", "1", "san", "2", "san", "3", "san", "4"]
    assert lines[-1] == "(k) = med kontroll"
    assert "·" in output.chart(m, spec="matrix x=sannolikhet y=väsentlighet").splitlines()[1]
    assert output.chart(m, spec="matrix x=a y=b").startswith("(inget att rita")
    assert output.chart(res(["t"], [("x",)])).startswith("(inget att rita")


def test_mnkr_columns_keep_one_decimal():
    assert output.format_value(7.0, "belopp_mnkr") == "7,0"
    assert output.format_value(-4.2, "förändring_mnkr") == "\u22124,2"
    assert output.format_value(7.0, "belopp") == "7"


def test_text_sorts_in_swedish_order_by_default(catalog):
    from ksquery import engine

    sql = "SELECT x FROM (VALUES ('Ö'), ('Z'), ('Å'), ('a'), ('Ä')) t(x) ORDER BY x"
    assert [r[0] for r in engine.run(catalog, sql).rows] == ["a", "Z", "Å", "Ä", "Ö"]


def test_line_chart_draws_one_sparkline_per_series():
    r = res(
        ["post", "år", "belopp_tkr"],
        [
            ("Intäkter", 2024, 100),
            ("Intäkter", 2025, 200),
            ("Kostnader", 2024, -10),
            ("Kostnader", 2025, -30),
        ],
        title="Drift",
    )
    lines = output.chart(r, spec="line x=år y=belopp_tkr series=post").splitlines()
    assert lines[1] == "Intäkter  │ ▁█ │ 100 → 200"
    assert lines[2] == "Kostnader │ ▁█ │ \u221210 → \u221230"  # costs drawn by size


def test_narrow_tables_do_not_cut_words_and_keep_headings():
    r = res(["risk", "accepteras", "text"], [("Välfärdsbrottslighet", True, "ord " * 30)])
    text = output.render_table(r, width=40)
    assert "Välfärdsbrottslighet" in text and "accepteras" in text.splitlines()[0]
    assert all("│" in line for line in text.splitlines()[2:-1])


def test_columns_named_like_years_only_skip_grouping_when_they_are_years():
    assert output.format_value(59100, "summa_tkr_alla_år", plain=PLAIN) == "59 100"
    assert output.format_value(2026, "från", plain=PLAIN) == "2026"


def test_null_empty_text_and_infinity_are_told_apart():
    r = res(["a", "b", "c"], [(None, "", float("inf"))])
    lines = output.render_table(r).splitlines()
    assert lines[2] == "– │   │ ∞"
    assert lines[-1].endswith("∞ = oändligt (t.ex. division med noll))")
    assert output.render_table(r, null="NULL").splitlines()[2].startswith("NULL │")


def test_vertical_layout():
    r = res(["risk", "riskvärde"], [("Cyberhot", 8), ("Brand", None)], title="Risker")
    assert output.render_vertical(r, width=60) == (
        "Risker\n"
        "-[ rad 1 ]───────────────────────────\n"
        "risk      │ Cyberhot\n"
        "riskvärde │ 8\n"
        "-[ rad 2 ]───────────────────────────\n"
        "risk      │ Brand\n"
        "riskvärde │ –\n"
        "(2 rader · 0,0 ms)"
    )


def test_excel_csv_reads_back_with_semicolon_and_decimal_comma():
    import csv
    import io

    r = res(
        ["år", "belopp", "andel", "text", "tom"],
        [(2025, -118535, 0.004, '=HYPERLINK("x")', None), (2026, 7, Decimal("4.2"), "Å;ä", "")],
    )
    text = output.to_excel_csv(r)
    assert text.startswith("\ufeff") and "\r\n" in text
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=";"))
    assert rows == [
        ["år", "belopp", "andel", "text", "tom"],
        ["2025", "-118535", "0,004", '\'=HYPERLINK("x")', ""],
        ["2026", "7", "4,2", "Å;ä", ""],
    ]


def test_batch_run_writes_one_workbook_with_a_sheet_per_query(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    openpyxl = pytest.importorskip("openpyxl")
    target = tmp_path / "ny" / "rapport.xlsx"  # the folder does not exist yet
    files = [str(ROOT / "queries" / f"{q}.sql") for q in ("investeringar_per_ar", "risk")]
    p = subprocess.run(
        [sys.executable, "-m", "ksquery", "run", *files, "--format", "xlsx", "--out", str(target)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert p.returncode == 0, p.stderr
    assert target.is_file()  # one file, not a directory
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Innehåll", "investeringar_per_ar", "risk"]
    contents = book["Innehåll"]
    assert [c.value for c in contents[1]][:4] == ["blad", "titel", "parametrar", "rader"]
    assert contents["A2"].value == "investeringar_per_ar" and contents["A2"].hyperlink
    sheet = book["investeringar_per_ar"]
    assert sheet["A1"].value.startswith("Investeringar per år")
    assert sheet["A2"].value.startswith("Parametrar: från = 2024")
    header = [c.value for c in sheet[4]]
    amount = header.index(next(h for h in header if h and "tkr" in h)) + 1
    cell = sheet.cell(row=5, column=amount)
    assert isinstance(cell.value, int) and cell.number_format.startswith("#,##0")
    assert list(sheet.tables) and sheet.tables[list(sheet.tables)[0]].ref.startswith("A4:")
    assert book["risk"]["A1"].value.startswith("Risken")


def test_sql_out_writes_xlsx(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    openpyxl = pytest.importorskip("openpyxl")
    target = tmp_path / "mapp" / "svar.xlsx"
    p = subprocess.run(
        [sys.executable, "-m", "ksquery", "sql", "SELECT 1234567 AS belopp", "--format", "xlsx"]
        + ["--out", str(target)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert p.returncode == 0, p.stderr
    sheet = openpyxl.load_workbook(target).active
    assert sheet["A2"].value == 1234567 and sheet["A2"].number_format.startswith("#,##0")
