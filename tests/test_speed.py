"""Start-up speed work must not change what is opened or how: the database opened ahead at
start-up (catalog.EarlyOpen) is used only for the very file and settings open_catalog would
open itself, with the same lock-down."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ksquery import cache, catalog
from ksquery.catalog import EarlyOpen, open_catalog


def _record_key(data_dir) -> str:
    return catalog._opened_key(catalog.resolve_data_dir(data_dir))


def _locked_down(con) -> None:
    row = con.execute(
        "SELECT current_setting('lock_configuration'), current_setting('enable_external_access')"
    ).fetchone()
    assert row == (True, False)


def _connects(monkeypatch) -> list[str]:
    """The names of the threads that call catalog._connect_locked from now on."""
    seen: list[str] = []
    original = catalog._connect_locked

    def spy(*args, **kwargs):
        seen.append(threading.current_thread().name)
        return original(*args, **kwargs)

    monkeypatch.setattr(catalog, "_connect_locked", spy)
    return seen


def test_the_database_opened_ahead_is_used_when_it_is_the_same(data_copy, monkeypatch):
    open_catalog(data_copy, EarlyOpen(data_copy)).close()  # leaves the record behind
    assert cache.load(_record_key(data_copy))
    seen = _connects(monkeypatch)
    cat = open_catalog(data_copy, EarlyOpen(data_copy))
    try:
        assert seen == ["ksquery-open"]  # opened ahead only, not a second time
        _locked_down(cat.con)
        assert cat.con.execute("SELECT count(*) FROM risker").fetchone()[0] > 0
    finally:
        cat.close()


def test_a_database_opened_ahead_for_older_data_is_never_used(data_copy, monkeypatch):
    open_catalog(data_copy, EarlyOpen(data_copy)).close()
    csv = data_copy / "risker.csv"
    lines = csv.read_text(encoding="utf-8").splitlines(keepends=True)
    csv.write_text("".join(lines[:-1]), encoding="utf-8")  # one risk fewer
    early = EarlyOpen(data_copy)  # opens the file of the old data
    seen = _connects(monkeypatch)
    cat = open_catalog(data_copy, early)
    try:
        assert "MainThread" in seen  # the new data's own file was opened
        rows = cat.con.execute("SELECT count(*) FROM risker").fetchone()[0]
        assert rows == len(lines) - 2  # header and the removed line
        _locked_down(cat.con)
    finally:
        cat.close()
    assert cache.load(_record_key(data_copy))["db"] == cat.db_path.name.removesuffix(".duckdb")


def test_other_settings_opened_ahead_are_never_used(data_copy, monkeypatch):
    open_catalog(data_copy, EarlyOpen(data_copy)).close()
    key = _record_key(data_copy)
    record = cache.load(key)
    record["settings"][1] = "1GB"  # not what the dictionary says
    cache.store(key, record)
    seen = _connects(monkeypatch)
    cat = open_catalog(data_copy, EarlyOpen(data_copy))
    try:
        assert seen.count("MainThread") == 1
        limit = cat.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        assert limit.startswith("1.8")  # 2GB, as the dictionary says (DuckDB shows GiB)
        _locked_down(cat.con)
    finally:
        cat.close()


@pytest.mark.parametrize(
    "record",
    [
        "garbage",
        {"db": "data-x"},
        {"db": "../elsewhere", "settings": ["sv", "2GB", "/"]},
        {"db": "data-0", "settings": ["sv'; SET enable_external_access = true; --", "2GB", "/"]},
        {"db": "data-0", "settings": ["sv", "2GB; DROP", "/"]},
    ],
)
def test_a_damaged_record_opens_nothing_ahead(data_copy, record):
    cache.store(_record_key(data_copy), record)
    early = EarlyOpen(data_copy)
    assert early._want is None  # no thread was started
    cat = open_catalog(data_copy, early)
    try:
        _locked_down(cat.con)
    finally:
        cat.close()


def test_duckdb_is_its_cpp_extension_with_everything_ksquery_uses():
    import duckdb

    module = catalog.duckdb_module()
    assert module.__version__ == duckdb.__version__  # the compiled files' fingerprint uses it
    for name in catalog._DUCKDB_NAMES[1:]:
        assert getattr(module, name) is getattr(duckdb, name)  # the very objects duckdb exports


def test_duckdb_falls_back_to_the_package_when_the_extension_lacks_something(monkeypatch):
    import sys
    import types

    import duckdb

    monkeypatch.setitem(sys.modules, "_duckdb", types.ModuleType("_duckdb"))
    assert catalog.duckdb_module() is duckdb


def test_one_shot_answers_without_duckdbs_python_layer():
    import subprocess
    import sys

    from conftest import ROOT

    code = (
        "import sys; from ksquery import cli; "
        "cli.main(['ask','investeringar_per_ar','--format','csv']);"
        "cli.main(['sql','SELECT count(*) AS n FROM risker','--format','csv']);"
        "print('RELATION', 'duckdb._relation' in sys.modules)"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "RELATION False" in p.stdout and "n\n33" in p.stdout, p.stdout + p.stderr


def _scan_by_hand(text: str) -> tuple[list[str], bool]:
    """The statement splitter as it was written before its regular expression (the reference)."""
    parts: list[str] = []
    start, i, closed = 0, 0, False
    while i < len(text):
        ch = text[i]
        if ch in "'\"":
            end = text.find(ch, i + 1)
            while end != -1 and text[end + 1 : end + 2] == ch:
                end = text.find(ch, end + 2)
            i = len(text) if end == -1 else end + 1
            closed = False
            continue
        if text.startswith("--", i):
            end = text.find("\n", i)
            i = len(text) if end == -1 else end + 1
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = len(text) if end == -1 else end + 2
            continue
        if ch == ";":
            parts.append(text[start:i])
            start, closed = i + 1, True
        elif not ch.isspace():
            closed = False
        i += 1
    parts.append(text[start:])
    return parts, closed


_SQLISH = st.text(
    alphabet=st.sampled_from(list("ab ;'\"-/*\n\t\u00a0\u2028x1(),")), max_size=60
) | st.lists(
    st.sampled_from(
        ["SELECT 1", ";", "'a''b'", '"x""y"', "-- c\n", "--", "/* c */", "/*", "*/", "'", '"', " "]
    ),
    max_size=12,
).map("".join)


@settings(max_examples=3000, deadline=None)
@given(_SQLISH)
def test_the_statement_splitter_reads_as_the_hand_written_scanner(text):
    from ksquery import commands

    assert commands._scan(text) == _scan_by_hand(text)


@settings(max_examples=2000, deadline=None)
@given(st.text(max_size=20) | st.text(alphabet=st.characters(max_codepoint=0x400), max_size=20))
def test_the_display_width_shortcut_counts_as_the_full_rule(text):
    import unicodedata

    from ksquery import output

    full = sum(
        2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1
        for c in text
    )
    assert output._width(text) == full


def _depth_by_hand(sql: str) -> int:
    """The validator's nesting count as it was written before its regular expression."""
    depth = best = 0
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            end = sql.find(ch, i + 1)
            i = n if end < 0 else end + 1
            continue
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if ch in "([":
            depth += 1
            best = max(best, depth)
        elif ch in ")]":
            depth -= 1
        i += 1
    return best


_NESTED = st.text(alphabet=st.sampled_from(list("([])'\"-/*\nab ")), max_size=60) | st.lists(
    st.sampled_from(["(", ")", "[", "]", "'(", "')", '"(', "-- (\n", "--", "/* ( */", "/*", "*/"]),
    max_size=15,
).map("".join)


@settings(max_examples=3000, deadline=None)
@given(_NESTED)
def test_the_nesting_count_reads_as_the_hand_written_one(sql):
    from ksquery import validate

    assert validate._max_depth(sql) == _depth_by_hand(sql)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0xFF), max_size=30))
def test_the_control_character_check_finds_the_first_one(sql):
    from ksquery import validate
    from ksquery.errors import Rejected

    first = next(
        (
            (i, ch)
            for i, ch in enumerate(sql)
            if (ord(ch) < 32 and ch not in "\t\n\r") or 0x7F <= ord(ch) < 0xA0
        ),
        None,
    )
    found = validate._CONTROL.search(sql)
    assert (found.start(), found.group()) == first if first else found is None
    if first and sql.strip() and len(sql) <= validate.MAX_CHARS:
        with pytest.raises(Rejected, match=f"U\\+{ord(first[1]):04X} på rad"):
            validate._precheck(sql)


_SHAPES = [
    "SELECT 1",
    "SELECT r.risk, (SELECT max(k.ansvarig) FROM internkontroll k WHERE k.risk_id = r.risk_id) "
    "FROM risker r WHERE r.riskvärde IN (SELECT riskvärde FROM risker WHERE riskvärde > 3)",
    "WITH a AS (SELECT 1 AS x), b AS (SELECT x FROM a UNION ALL SELECT 2) SELECT * FROM b, a",
    "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5) SELECT n FROM t",
    "SELECT list_transform([1, 2, 3], x -> x + 1), [y * 2 FOR y IN [1, 2]], $a, ?, ?",
    "SELECT år, sum(belopp_tkr) OVER (PARTITION BY år ORDER BY belopp_tkr) FROM investeringar",
    "PIVOT investeringar ON år USING sum(belopp_tkr) GROUP BY kategori",
    "SELECT * FROM (SELECT * FROM risker) AS s JOIN skalor USING (nivå) WHERE s.risk ILIKE '%a%'",
    "SELECT current_user, repeat('x', 3), foo(1), range(3) FROM range(2)",
    "INSERT INTO risker SELECT * FROM risker",
    "SELECT * FROM read_csv('x.csv') UNION SELECT * FROM 'file.parquet'",
]


@pytest.mark.parametrize("sql", _SHAPES)
def test_the_validators_one_walk_finds_what_find_all_finds(sql):
    from sqlglot import exp

    from ksquery import validate

    tree = validate._parse(sql)[0]
    nodes = validate._Nodes(tree)
    kinds = [
        exp.Table,
        exp.Column,
        exp.CTE,
        exp.Anonymous,
        exp.Func,
        exp.Placeholder,
        exp.Lambda,
        exp.Comprehension,
        exp.Pivot,
        exp.Expression,
        validate._WRITE_NODES,
    ]
    for kind in kinds:
        kinds_ = kind if isinstance(kind, tuple) else (kind,)
        assert [id(n) for n in nodes.of(*kinds_)] == [id(n) for n in tree.find_all(*kinds_)]
        if not isinstance(kind, tuple):
            assert nodes.first(kind) is tree.find(kind)


def _nested_lambdas(depth: int) -> str:
    body = "x0"
    for i in range(depth, 0, -1):
        body = f"list_transform([1], x{i} -> {body})"
    return f"SELECT {body.replace('x0', '1')}"


@pytest.mark.parametrize("depth, refused", [(1, False), (4, False), (5, True), (7, True)])
def test_lambda_nesting_is_still_bounded(catalog, depth, refused):
    from ksquery import validate
    from ksquery.errors import Rejected

    sql = _nested_lambdas(depth)
    assert validate._serialize(catalog.con, sql)[1] is True  # the word is in DuckDB's JSON
    if refused:
        with pytest.raises(Rejected, match="nästlas högst"):
            validate.validate(sql, catalog.schema, catalog.con)
    else:
        validate.validate(sql, catalog.schema, catalog.con)


@settings(max_examples=3000, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ab -\t\n\u00a0\u2028åÄ")), max_size=14),
    st.integers(1, 12),
)
def test_a_cell_that_fits_is_wrapped_as_textwrap_wraps_it(text, width):
    import textwrap

    from ksquery import output

    assert output._wrap(text, width) == (textwrap.wrap(text, width) or [""])


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["repl"],
        ["check"],
        ["tables"],
        ["ask", "investeringar_per_ar"],
        ["ask", "hur", "mycket", "investeras", "2026?"],
        ["sql", "SELECT 1"],
        ["sql", "SELECT -1"],
    ],
)
def test_plain_command_lines_read_as_argparse_reads_them(argv):
    from ksquery import cli

    assert vars(cli._plain_args(argv)) == vars(cli.build_parser().parse_args(argv))


@pytest.mark.parametrize(
    "argv",
    [
        ["--data", "x"],
        ["ask", "x", "--param", "år=2026"],
        ["ask"],
        ["sql", "-"],
        ["sql", "SELECT 1", "SELECT 2"],
        ["sql"],
        ["repl", "extra"],
        ["describe", "risker"],
        ["questions"],
        ["run", "a.sql"],
        ["-h"],
        ["ask", "-x"],
        ["tabels"],
    ],
)
def test_anything_else_is_left_to_argparse(argv):
    from ksquery import cli

    assert cli._plain_args(argv) is None


def test_a_record_of_a_removed_database_opens_as_usual(data_copy):
    cat = open_catalog(data_copy, EarlyOpen(data_copy))
    settings = list(catalog._settings(cat.dictionary))
    cat.close()
    cache.store(_record_key(data_copy), {"db": "data-" + "0" * 24, "settings": settings})
    early = EarlyOpen(data_copy)
    assert early._want is not None  # it tries, and fails on a file that is not there
    cat = open_catalog(data_copy, early)
    try:
        _locked_down(cat.con)
        assert not (cache.directory() / ("data-" + "0" * 24 + ".duckdb")).exists()
    finally:
        cat.close()
