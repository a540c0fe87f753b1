"""The gate checks what runs: both parsers agree or the text is refused; every call is bounded.

1. every accepted query of the suite (the hostile-input table's accepted list and queries/*.sql)
   reads the same in sqlglot and in DuckDB: same placeholders, same tables, same token layout;
2. property tests: generated quoting, comment and placeholder constructs are either refused or
   DuckDB's own reading of them holds only what the gate allows;
3. the engine's bounds: bound parameters, large results (first rows and a count, or streamed),
   Swedish questions' length;
4. runaway statements in a child process with an address-space limit, so that a regression
   fails the test instead of the machine.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_validate import ACCEPTED

from ksquery import engine, questions
from ksquery import validate as gate
from ksquery.errors import Cancelled, ParamError, QueryFailed, Rejected
from ksquery.validate import Checked, validate

ROOT = Path(__file__).resolve().parent.parent


def _duckdb_reading(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[set, set, set, set]:
    """DuckDB's own parse: (parameters, base tables, table functions, functions)."""
    statements = con.extract_statements(sql)
    assert len(statements) == 1, sql
    tree = json.loads(con.execute("SELECT json_serialize_sql($1)", [sql]).fetchone()[0])
    if tree.get("error"):  # PIVOT: DuckDB cannot serialize it; sqlglot alone checks it
        assert statements[0].type in (duckdb.StatementType.SELECT, duckdb.StatementType.MULTI)
        return set(statements[0].named_parameters), set(), set(), set()
    nodes = list(gate._dicts(tree))
    tables = {str(n["table_name"]).lower() for n in nodes if n.get("type") == "BASE_TABLE"}
    table_functions = {
        str((n.get("function") or {}).get("function_name", "")).lower()
        for n in nodes
        if n.get("type") == "TABLE_FUNCTION"
    }
    functions = {
        str(n.get("function_name", "")).lower()
        for n in nodes
        if n.get("class") == "FUNCTION" and not n.get("is_operator")
    }
    ctes = {
        str(e["key"]).lower()
        for n in nodes
        for e in ((n.get("cte_map") or {}).get("map") or ())
        if isinstance(n.get("cte_map"), dict)
    }
    return set(statements[0].named_parameters), tables - ctes, table_functions, functions


def _suite_queries() -> list[tuple[str, str]]:
    found = [(p.id, p.values[0]) for p in ACCEPTED]
    for qid, question in sorted(questions.load_all().items()):
        found.append((f"queries/{qid}", question.sql))
    return found


SUITE = _suite_queries()


# --- 1. the suite's accepted queries read the same in both parsers -----------------------


@pytest.mark.parametrize(("qid", "sql"), SUITE, ids=[q for q, _ in SUITE])
def test_both_parsers_read_every_accepted_query_alike(catalog, qid, sql):
    checked = validate(sql, catalog.schema, catalog.con)
    params, tables, table_functions, functions = _duckdb_reading(catalog.con, sql)
    assert set(checked.params) == params
    assert tables <= set(catalog.schema.tables)
    assert set(checked.tables) == tables or not tables and sql.upper().startswith("PIVOT")
    assert table_functions <= gate.ALLOWED_TABLE_FUNCTIONS
    assert functions <= gate.ALLOWED_FUNCTIONS
    tree, error, tokens = gate._parse(sql)
    if tree is not None:  # sqlglot read it: its tokens must lie where DuckDB's do
        gate._check_same_tokens(sql, tokens)
        placeholders = {p.name for p in tree.find_all(gate.exp.Placeholder) if p.name}
        assert placeholders == params


# --- 2. property tests: quoting, comments and placeholders ------------------------------

FUZZ = settings(
    max_examples=400,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

TAG = st.text(st.sampled_from("ab-.;_1$ "), max_size=4)
PIECE = st.one_of(
    TAG.map(lambda t: f"${t}$"),
    st.sampled_from(
        [
            "$$",
            "$x",
            "$1",
            "?",
            "--",
            "/*",
            "*/",
            "'",
            "''",
            '"',
            'q$"',
            "E'",
            "\\'",
            "\n",
            ",",
            " 1 ",
            " AS s ",
            ' AS "q$" ',
            " FROM risker ",
            " FROM glob('/etc/*') f ",
            " getenv('HOME') ",
            " read_text('data/dictionary.toml') ",
            " duckdb_settings() ",
            " repeat('x', 1000000000) ",
            ";",
            "(",
            ")",
        ]
    ),
)


def _allowed_reading(catalog, sql: str, checked: Checked) -> None:
    """What DuckDB itself reads in an accepted text stays inside what the gate allows."""
    params, tables, table_functions, functions = _duckdb_reading(catalog.con, sql)
    # `?` is numbered by DuckDB (and cannot be bound by name): compare the named ones
    named = {p for p in params if not p.isdigit()}
    assert named == {p for p in checked.params if not p.isdigit()}, sql
    assert tables <= set(catalog.schema.tables), sql
    assert table_functions <= gate.ALLOWED_TABLE_FUNCTIONS, sql
    assert functions <= gate.ALLOWED_FUNCTIONS, sql


@FUZZ
@given(st.sampled_from(["SELECT ", "SELECT 1 AS a, ", "FROM risker SELECT "]), st.lists(PIECE))
def test_quoting_comment_and_placeholder_constructs(catalog, head, pieces):
    sql = head + "".join(pieces)
    try:
        checked = validate(sql, catalog.schema, catalog.con)
    except Rejected:
        return
    _allowed_reading(catalog, sql, checked)


@FUZZ
@given(TAG, TAG, st.sampled_from(["glob('/etc/*') f", "duckdb_settings() f", "risker f"]))
def test_dollar_tags_around_live_code(catalog, tag, other, source):
    # The shape: a dollar tag sqlglot may read as one string around code DuckDB runs.
    sql = f"SELECT ${tag}$ AS s, 1 FROM {source} -- ${other}$ AS s, $z AS z"
    try:
        checked = validate(sql, catalog.schema, catalog.con)
    except Rejected:
        return
    _allowed_reading(catalog, sql, checked)


# --- 3. the engine's bounds ------------------------------------------------------------


def test_bound_parameter_size_is_capped(catalog):
    big = "x" * (engine.MAX_PARAM_SIZE + 1)
    for value in (big, [big], ["x"] * (engine.MAX_PARAM_SIZE + 1), {"k": big}):
        with pytest.raises(ParamError, match="för stor"):
            engine.run(catalog, "SELECT length($x::VARCHAR)", {"x": value})
    fits = "x" * 3000
    assert engine.run(catalog, "SELECT length($x)", {"x": fits}).rows == [(3000,)]
    assert engine.MAX_PARAM_SIZE <= gate.VALUE_BOUND  # the validator's bounds assume this


def test_large_result_keeps_the_first_rows_and_counts_the_rest(catalog):
    result = engine.run(catalog, "SELECT i FROM range(250000) t(i) ORDER BY i", max_rows=5)
    assert result.rows == [(0,), (1,), (2,), (3,), (4,)]
    assert result.row_count == 250_000
    with pytest.raises(QueryFailed, match="fler än 200 000 rader"):
        engine.run(catalog, "SELECT i FROM range(250000) t(i)")
    # a wide result is bounded by its values (rows x columns), not only its rows
    wide = "SELECT " + ", ".join(f"i AS c{n}" for n in range(20)) + " FROM range(150000) t(i)"
    cap = engine.MAX_RESULT_CELLS // 20
    with pytest.raises(QueryFailed, match=f"fler än {cap:,}".replace(",", " ")):
        engine.run(catalog, wide)
    assert engine.run(catalog, wide, max_rows=2).row_count == 150_000
    assert engine.run(catalog, "SELECT count(*) FROM risker").rows == [(33,)]


def test_counting_past_the_time_limit_returns_the_first_rows(catalog):
    sql = "SELECT a.i FROM range(1000000) a(i), range(100000) b"
    result = engine.run(catalog, sql, max_rows=3, timeout=0.5)
    assert len(result.rows) == 3 and result.notes and "fler än 3" in result.notes[0]
    assert engine.run(catalog, "SELECT count(*) FROM risker", timeout=2).rows == [(33,)]


def test_stream_yields_chunks_and_keeps_the_time_limit(catalog):
    header, chunks = engine.stream(catalog, "SELECT i FROM range(25000) t(i)", chunk_rows=10_000)
    assert header.columns == ("i",) and header.rows == []
    sizes = [len(c) for c in chunks]
    assert sizes == [10_000, 10_000, 5_000]
    header, chunks = engine.stream(
        catalog, "SELECT a.i FROM range(1000000) a(i), range(100000) b", timeout=0.5
    )
    with pytest.raises(Cancelled):
        for _ in chunks:
            pass
    with pytest.raises(Rejected):
        engine.stream(catalog, "SELECT * FROM glob('/etc/*')")
    assert engine.run(catalog, "SELECT count(*) FROM risker", timeout=2).rows == [(33,)]


def test_swedish_question_length_is_capped():
    engine.check_question("Vilka risker saknar kontroll?")
    with pytest.raises(Rejected, match="för lång"):
        engine.check_question("risker " * 50_000)


# --- 4. runaway statements in a child process with an address-space limit -----------------

ADDRESS_SPACE = 3 * 1024**3  # DuckDB's 2 GB memory limit plus the interpreter
RUNAWAY = [
    # quadratic text functions
    ("SELECT damerau_levenshtein(repeat('ab',15000), repeat('ba',15000))", "damerau_levenshtein"),
    ("SELECT levenshtein(repeat('a', 20000), repeat('b', 20000))", "levenshtein"),
    (
        "SELECT jaro_similarity(string_agg(risk, ''), string_agg(risk, '')) "
        "FROM risker, range(3000)",
        "jaro_similarity",
    ),
    ("SELECT editdist3(repeat('x', 100000), repeat('y', 100000))", "editdist3"),
    # nested list and lambda construction
    ("SELECT list_transform(range(1000000), lambda x: range(1000000))", "list_transform"),
    ("SELECT [range(100000) for x in range(100000)]", "list_apply"),
    ("SELECT len(list_reduce(range(60), lambda a, x: a || a))", "list_reduce"),
    # replacements at every position
    ("SELECT regexp_replace(repeat('a',1000000), '', repeat('b',1000000), 'g')", "regexp_replace"),
    ("SELECT replace(repeat('ab', 1000000), 'a', repeat('c', 100000))", "replace"),
]


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def _ksquery(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ksquery", "--timeout", "2", *args],
        capture_output=True,
        text=True,
        timeout=120,  # a safety net for the machine, not a speed requirement
        preexec_fn=_limit_address_space,
        cwd=ROOT,
    )


@pytest.mark.parametrize(("sql", "word"), RUNAWAY, ids=[w for _, w in RUNAWAY])
def test_runaway_statement_is_refused_in_a_limited_child(sql, word):
    # Refused by the gate, naming the function: not stopped later by a limit (or the machine).
    done = _ksquery("sql", sql)
    assert done.returncode == 2, (done.returncode, done.stderr[-400:])
    first = done.stderr.splitlines()[0] if done.stderr else ""
    assert first.startswith("fel: ") and word in first, done.stderr[-400:]
    assert "minne" not in first and "tidsgräns" not in first


def test_runaway_parameter_is_refused_in_a_limited_child():
    done = _ksquery("sql", "SELECT length(repeat($x, 1000000))", "--param", "x=" + "y" * 3000)
    assert done.returncode == 2, (done.returncode, done.stderr[-400:])
    assert "repeat" in done.stderr


def test_memory_limit_holds_in_a_limited_child():
    # Accepted (each value small) but the aggregate grows: DuckDB's memory limit stops it.
    # A generous time limit, so that on a loaded machine the memory limit is what stops it.
    done = _ksquery(
        "--timeout",
        "60",
        "sql",
        "SELECT length(string_agg(repeat('x', 1000), '')) FROM range(1000000) a, range(10) b",
    )
    assert done.returncode == 2, (done.returncode, done.stderr[-400:])
    assert "minne" in done.stderr


# --- 5. the size model is an upper bound: generated expressions, run in a limited child ------

TEXT = st.sampled_from(["'ab'", "'x'", "''", "risk", "$p", "'%'"])
NUMBER = st.sampled_from(["0", "1", "3", "100", "1000", "20000", "1000000"])


def _text_expr(depth: int):
    if depth == 0:
        return TEXT
    sub = st.deferred(lambda: _text_expr(depth - 1))
    lists = st.one_of(
        NUMBER.map(lambda n: f"range({n})"),
        st.tuples(sub, TEXT).map(lambda a: f"string_split({a[0]}, {a[1]})"),
        st.tuples(NUMBER, sub).map(lambda a: f"list_transform(range({a[0]}), lambda x: {a[1]})"),
    )
    return st.one_of(
        TEXT,
        st.tuples(sub, NUMBER).map(lambda a: f"repeat({a[0]}, {a[1]})"),
        st.tuples(sub, NUMBER, sub).map(lambda a: f"lpad({a[0]}, {a[1]}, {a[2]})"),
        st.tuples(sub, sub).map(lambda a: f"concat({a[0]}, {a[1]})"),
        st.tuples(sub, sub).map(lambda a: f"({a[0]} || {a[1]})"),
        st.tuples(sub, sub, sub).map(lambda a: f"replace({a[0]}, {a[1]}, {a[2]})"),
        st.tuples(sub, sub).map(lambda a: f"regexp_replace({a[0]}, '', {a[1]}, 'g')"),
        st.tuples(lists, sub).map(lambda a: f"array_to_string({a[0]}, {a[1]})"),
        st.tuples(sub, sub).map(lambda a: f"concat_ws({a[0]}, {a[1]}, {a[1]}, {a[1]})"),
        st.tuples(sub, NUMBER).map(lambda a: f"left({a[0]}, {a[1]})"),
        st.tuples(lists).map(lambda a: f"list_aggregate({a[0]}, 'string_agg', '')"),
        sub.map(lambda a: f"upper({a})"),
    )


_CHILD = """
import json, sys
from ksquery.catalog import open_catalog
from ksquery import engine
from ksquery.errors import KsqueryError
catalog = open_catalog()
out = []
for expr in json.loads(sys.stdin.read()):
    sql = f"SELECT max(length(CAST({expr} AS VARCHAR))) FROM (SELECT * FROM risker LIMIT 2)"
    try:
        params = {"p": "p" * engine.MAX_PARAM_SIZE} if "$p" in expr else {}
        out.append(engine.run(catalog, sql, params, timeout=10).rows[0][0])
    except KsqueryError as err:
        out.append(f"{type(err).__name__}: {err}")
print(json.dumps(out))
"""


def test_size_model_bounds_what_generated_expressions_build(catalog):
    accepted: list[str] = []

    @settings(max_examples=300, deadline=None, database=None)
    @given(_text_expr(3))
    def prop(expr):
        sql = f"SELECT max(length(CAST({expr} AS VARCHAR))) FROM (SELECT * FROM risker LIMIT 2)"
        try:
            validate(sql, catalog.schema, catalog.con)
        except Rejected:
            return
        accepted.append(expr)

    prop()
    accepted = sorted(set(accepted), key=len, reverse=True)[:150]
    assert accepted, "the generator should produce some accepted expressions"
    done = subprocess.run(
        [sys.executable, "-c", _CHILD],
        input=json.dumps(accepted),
        capture_output=True,
        text=True,
        timeout=600,  # a safety net for the machine, not a speed requirement
        preexec_fn=_limit_address_space,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-600:]
    for expr, length in zip(accepted, json.loads(done.stdout), strict=True):
        # an accepted expression never builds more than the bound, nor runs into a limit
        # (a type error from DuckDB's binder is an ordinary refusal)
        if isinstance(length, str):
            assert length.startswith("QueryFailed") and "minne" not in length, (expr, length)
            continue
        # sizes are bytes of the value; a number's text can be up to three times its 8 bytes
        assert (length or 0) <= 3 * gate.MAX_VALUE_SIZE, (expr, length)


def test_query_file_with_a_dollar_tag_trick_is_refused(tmp_path):
    # The same text through `ksquery run FILE.sql`: a saved question passes the same gate.
    path = tmp_path / "fil.sql"
    path.write_text(
        "-- title: Test\n-- description: test\n-- aliases: test\n-- source: test\n"
        "-- param: p text = 2020-01-02 | Datum\n"
        "SELECT $p-q$ AS s, f.file FROM (SELECT DATE '2020-01-01' AS \"q$\"), "
        f"glob('{ROOT / 'data'}/**') f -- $p-q$ AS s\n",
        encoding="utf-8",
    )
    done = _ksquery("run", str(path))
    assert done.returncode == 2, (done.returncode, done.stderr[-400:])
    assert "två sätt" in done.stderr and "dictionary" not in done.stdout
