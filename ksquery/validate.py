"""The gate every statement passes before DuckDB runs it: sqlglot first, DuckDB's parser second.

`validate(sql, schema)` returns a `Checked` or raises `Rejected` with a Swedish reason. It never
raises anything else, whatever the input. The text that runs is always the user's own; sqlglot's
tree is only read, never rendered back into SQL that DuckDB executes.
"""

from __future__ import annotations

import difflib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from ksquery.catalog import Schema
from ksquery.errors import Rejected

logging.getLogger("sqlglot").setLevel(logging.ERROR)

MAX_CHARS = 20_000
MAX_DEPTH = 30  # sqlglot recurses per nesting level and overflows near 43
MAX_SIZE_ARG = 1_000_000  # largest literal count for functions that build big values at once

ALLOWED_FUNCTIONS = frozenset(
    """
    abs acos asin atan atan2 avg bit_length cbrt ceil ceiling cos cot degrees even exp factorial
    floor gamma greatest least ln log log10 log2 mod pi pow power radians random round round_even
    roundbankers sign signbit sin sqrt tan trunc isnan isinf isfinite add subtract multiply divide
    count count_star sum min max avg mean median mode quantile quantile_cont quantile_disc stddev
    stddev_pop stddev_samp var_pop var_samp variance first last any_value arg_max arg_min argmax
    argmin max_by min_by bool_and bool_or string_agg group_concat listagg list array_agg histogram
    product fsum sumkahan kahan_sum favg corr covar_pop covar_samp regr_slope regr_intercept
    regr_r2 regr_count entropy kurtosis skewness approx_count_distinct approx_quantile
    row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value
    nth_value
    concat concat_ws length len lower upper lcase ucase trim ltrim rtrim left right substr
    substring replace reverse strpos instr position contains starts_with ends_with prefix suffix
    like_escape ilike_escape regexp_matches regexp_replace regexp_extract regexp_extract_all
    regexp_full_match regexp_split_to_array string_split str_split split_part string_to_array
    translate ascii chr unicode ord format printf lpad rpad repeat initcap nfc_normalize
    strip_accents levenshtein damerau_levenshtein jaccard jaro_similarity jaro_winkler_similarity
    hamming mismatches editdist3 md5 sha256 hash to_base to_hex hex bar array_to_string
    list_aggregate list_aggr array_aggregate list_sort array_sort list_reverse_sort list_distinct
    array_distinct list_unique list_contains list_has array_contains array_has list_position
    list_indexof array_position list_extract list_element array_extract list_slice array_slice
    list_concat list_cat array_concat array_cat list_value list_pack array_value list_transform
    array_transform apply list_apply list_filter array_filter filter list_reduce array_reduce
    reduce list_sum list_min list_max list_avg list_count list_string_agg list_has_any list_has_all
    array_length cardinality unnest flatten list_zip struct_pack struct_extract row map
    map_extract map_keys map_values element_at generate_series range
    date_part datepart date_trunc datetrunc date_diff datediff date_sub date_add year month day
    quarter week dayofweek dayofyear isodow isoyear hour minute second epoch make_date
    make_timestamp strftime strptime today current_date now age last_day monthname dayname
    to_days to_months to_years to_weeks to_hours to_minutes to_seconds
    coalesce ifnull nullif if iff typeof try_cast to_json json_extract json_extract_string
    json_array_length json_keys json_object json_array json_valid alias collate
    array_extract list_select array_select list_where array_where mnkr
    """.split()
)
ALLOWED_TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest"})
# Functions that build a whole value in one uninterruptible call, with the index of the size
# argument: the bound of what they build is checked before anything runs.
SIZE_FUNCTIONS = {
    "repeat": 1,
    "lpad": 1,
    "rpad": 1,
    "range": 0,
    "generate_series": 0,
    "bar": 3,
    "list_resize": 1,
    "array_resize": 1,
}
MAX_VALUE_SIZE = 10_000_000
VALUE_BOUND = 100_000  # assumed size of any other value, e.g. a text column
SYSTEM_NAMES = frozenset(
    {
        "current_user",
        "current_catalog",
        "current_schema",
        "current_role",
        "session_user",
        "user",
        "current_database",
        "current_query",
    }
)
FORBIDDEN_WORDS = frozenset(
    {
        "EXPORT",
        "IMPORT",
        "INSTALL",
        "LOAD",
        "ATTACH",
        "DETACH",
        "COPY",
        "CREATE",
        "DROP",
        "ALTER",
        "INSERT",
        "UPDATE",
        "DELETE",
        "MERGE",
        "SET",
        "RESET",
        "PRAGMA",
        "CALL",
        "CHECKPOINT",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "USE",
        "VACUUM",
        "TRUNCATE",
        "GRANT",
        "REVOKE",
        "FORCE",
        "UPSERT",
        "COMMENT",
        "EXPLAIN",
        "ANALYZE",
        "ABORT",
        "END",
        "START",
        "PREPARE",
        "EXECUTE",
        "DEALLOCATE",
        "DESCRIBE",
        "SHOW",
        "SUMMARIZE",
        "REPLACE",
    }
)
FORMAT_FUNCTIONS = {"printf", "format"}
# Statement kinds we name in messages; everything not a query is refused with its keyword.
_KIND_NAMES = {
    "Create": "CREATE",
    "Drop": "DROP",
    "Insert": "INSERT",
    "Update": "UPDATE",
    "Delete": "DELETE",
    "Merge": "MERGE",
    "Copy": "COPY",
    "Attach": "ATTACH",
    "Detach": "DETACH",
    "Set": "SET",
    "Pragma": "PRAGMA",
    "Transaction": "BEGIN",
    "Commit": "COMMIT",
    "Rollback": "ROLLBACK",
    "Use": "USE",
    "Describe": "DESCRIBE",
    "Alter": "ALTER",
    "Install": "INSTALL",
    "Load": "LOAD",
    "Export": "EXPORT",
    "Import": "IMPORT",
    "Call": "CALL",
    "Checkpoint": "CHECKPOINT",
    "TruncateTable": "TRUNCATE",
    "Analyze": "ANALYZE",
    "Grant": "GRANT",
    "Revoke": "REVOKE",
}
_WRITE_NODES = tuple(
    getattr(exp, n)
    for n in (
        "Create",
        "Drop",
        "Insert",
        "Update",
        "Delete",
        "Merge",
        "Copy",
        "Attach",
        "Detach",
        "Set",
        "Pragma",
        "Transaction",
        "Commit",
        "Rollback",
        "Use",
        "Alter",
        "Command",
        "TruncateTable",
        "Analyze",
        "Grant",
        "Revoke",
        "Install",
        "Load",
        "Export",
        "Import",
        "Call",
    )
    if hasattr(exp, n)
)
_QUERY_ROOTS = (exp.Query, exp.Values)
_FIRST_WORD = re.compile(r"^\s*(?:--[^\n]*\n|/\*.*?\*/|\s)*([A-Za-z_]+)", re.S)


@dataclass(frozen=True)
class Checked:
    """A statement that passed the gate: the user's own text, the tables and parameters it uses."""

    sql: str
    tables: tuple[str, ...]
    params: tuple[str, ...]


def validate(sql: object, schema: Schema, con: duckdb.DuckDBPyConnection | None = None) -> Checked:
    """Return the checked statement or raise Rejected; never raises anything else."""
    if not isinstance(sql, str):
        raise Rejected("frågan måste vara text")
    try:
        return _validate_cached(sql, schema, con)
    except Rejected as err:
        # Messages echo names from the user's text: keep them on one harmless line.
        raise Rejected(_one_line(str(err)), _one_line(err.hint) if err.hint else None) from None
    except RecursionError:
        raise Rejected("frågan är för djupt nästlad") from None
    except Exception as err:  # noqa: BLE001 - the contract is: only Rejected leaves this module
        raise Rejected(f"frågan kunde inte kontrolleras ({type(err).__name__})") from None


def _one_line(text: str) -> str:
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)


@lru_cache(maxsize=512)
def _validate_cached(sql: str, schema: Schema, con: duckdb.DuckDBPyConnection | None) -> Checked:
    _precheck(sql)
    tree, parse_error = _parse(sql)
    if tree is None:
        # sqlglot cannot read it; DuckDB's own parser decides alone, or we report sqlglot's error.
        return _duckdb_only(sql, schema, con, parse_error)
    _check_kind(tree, sql)
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    tables = _check_tables(tree, schema, ctes)
    _check_functions(tree)
    _check_columns(tree, schema, tables)
    params = tuple(dict.fromkeys(p.name for p in tree.find_all(exp.Placeholder) if p.name))
    if con is not None:
        _duckdb_gate(_gate_text(sql, tree), schema, ctes, con, pivot=isinstance(tree, exp.Pivot))
    return Checked(sql, tuple(sorted(tables)), params)


# --- cheap checks before any parser runs -------------------------------------------------


def _precheck(sql: str) -> None:
    if not sql.strip():
        raise Rejected("tom fråga", "skriv en SELECT-fråga eller en fråga på svenska")
    if len(sql) > MAX_CHARS:
        raise Rejected(f"frågan är för lång ({len(sql)} tecken, högst {MAX_CHARS})")
    for i, ch in enumerate(sql):
        if (ord(ch) < 32 and ch not in "\t\n\r") or 0x7F <= ord(ch) < 0xA0:
            line = sql.count("\n", 0, i) + 1
            raise Rejected(f"otillåtet styrtecken U+{ord(ch):04X} på rad {line}")
    if _max_depth(sql) > MAX_DEPTH:
        raise Rejected(f"frågan är för djupt nästlad (högst {MAX_DEPTH} parentesnivåer)")


def _max_depth(sql: str) -> int:
    """Deepest parenthesis nesting outside quotes and comments."""
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


def _parse(sql: str) -> tuple[exp.Expression | None, Rejected | None]:
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except ParseError as err:
        match = _FIRST_WORD.match(sql)
        if match and match.group(1).upper() in FORBIDDEN_WORDS:
            raise _not_read_only(match.group(1).upper()) from None
        return None, _syntax_error(sql, err)
    except TokenError:
        return None, Rejected(
            "syntaxfel: ett citattecken eller en kommentar avslutas aldrig",
            "stäng strängen med ' eller kommentaren med */",
        )
    if not statements:
        raise Rejected("tom fråga", "skriv en SELECT-fråga eller en fråga på svenska")
    if len(statements) > 1:
        raise Rejected(
            f"flera satser ({len(statements)}) på en gång; bara en fråga i taget är tillåten"
        )
    return statements[0], None  # type: ignore[return-value]  # sqlglot 30 types it as Expr


def _syntax_error(sql: str, err: ParseError) -> Rejected:
    info = err.errors[0] if err.errors else {}
    line, col = info.get("line") or 1, info.get("col") or 1
    desc = _swedish_parse_error(str(info.get("description") or ""))
    first = _FIRST_WORD.match(sql)
    if first and first.group(1).upper() not in _STARTERS:
        hint = _suggest(first.group(1).upper(), _STARTERS)
        if hint:  # "selec 1 …": the statement's first word is a typo
            return Rejected(
                f"syntaxfel på rad 1: okänt nyckelord '{first.group(1)}' — menade du '{hint}'?"
            )
    text_line = sql.splitlines()[line - 1] if sql.splitlines() else sql
    # sqlglot's column is 1-based and points at the last character of the offending token
    start = max(0, col - len(info.get("highlight") or "x"))
    marked = text_line[:start] + "»" + text_line[start:col] + "«" + text_line[col:]
    return Rejected(
        f"syntaxfel på rad {line}, kolumn {col}: {desc}",
        f"vid: {marked.strip()[:160]}",
    )


_STARTERS = ("SELECT", "WITH", "FROM", "VALUES", "PIVOT", "UNPIVOT")


def _swedish_parse_error(description: str) -> str:
    """sqlglot's English parse message in a few Swedish words."""
    if m := re.search(r"Expecting (\S+)", description):
        return f"här väntades {m.group(1)}"
    if "Required keyword" in description or "missing" in description:
        return "något saknas här"
    if "Unexpected token" in description or "Invalid expression" in description:
        return "oväntat ord"
    return "ogiltig SQL"


# --- statement kind ---------------------------------------------------------------------


def _kind_name(node: exp.Expression, sql: str = "") -> str:
    if isinstance(node, exp.Command):
        return str(node.this).upper()
    if type(node).__name__ in _KIND_NAMES:
        return _KIND_NAMES[type(node).__name__]
    match = _FIRST_WORD.match(sql)
    return match.group(1).upper() if match else type(node).__name__.upper()


def _not_read_only(kind: str) -> Rejected:
    """The refusal for any statement that is not a read-only query, named by its keyword."""
    hint = "bara läsfrågor (SELECT, WITH, VALUES, PIVOT) körs"
    if kind in ("DESCRIBE", "SHOW", "SUMMARIZE"):
        hint = "skriv .tables eller .describe TABELL"
    return Rejected(f"{kind} är inte tillåtet: databasen är skrivskyddad och bara läsbar", hint)


def _check_kind(tree: exp.Expression, sql: str) -> None:
    if not isinstance(tree, _QUERY_ROOTS + (exp.Pivot,)):
        kind = _kind_name(tree, sql)
        statements = FORBIDDEN_WORDS | set(_KIND_NAMES.values())
        if kind in statements or isinstance(tree, _WRITE_NODES):
            raise _not_read_only(kind)
        hint = _suggest(kind, _STARTERS)
        raise Rejected(
            f"syntaxfel: '{kind.lower()[:30]}' är ingen SQL-fråga"
            + (f" — menade du '{hint}'?" if hint else ""),
            "en fråga börjar med SELECT, WITH, FROM eller VALUES",
        )
    for node in tree.find_all(*_WRITE_NODES):
        raise Rejected(f"{_kind_name(node)} är inte tillåtet, inte heller inuti en fråga")


# --- tables, functions, columns ----------------------------------------------------------


def _suggest(name: str, options: Iterable[str]) -> str | None:
    folded = {o.lower(): o for o in options}
    found = difflib.get_close_matches(name.lower(), sorted(folded), n=1, cutoff=0.6)
    return folded[found[0]] if found else None


def _check_tables(tree: exp.Expression, schema: Schema, ctes: set[str]) -> set[str]:
    used: set[str] = set()
    for table in tree.find_all(exp.Table):
        target = table.this
        if isinstance(target, exp.Func):
            name = _func_name(target)
            if name not in ALLOWED_TABLE_FUNCTIONS:
                raise Rejected(
                    f"tabellfunktionen {name} är inte tillåten",
                    "bara budgetens tabeller kan läsas; skriv .tables för att se dem",
                )
            continue
        name = table.name.lower()
        if not name:
            continue
        if table.catalog or (table.db and table.db.lower() != "main"):
            raise Rejected(
                f"tabellen {table.sql(dialect='duckdb')[:60]} är inte tillåten: "
                "bara budgetens tabeller"
            )
        if name in ctes and not table.db:
            continue
        if name in schema.tables:
            used.add(name)
            continue
        if isinstance(target, exp.Identifier) and target.quoted and re.search(r"[./\\:]", name):
            raise Rejected(
                f"filer kan inte läsas ('{table.name[:60]}')",
                "fråga budgetens tabeller; skriv .tables",
            )
        hint = _suggest(name, list(schema.tables) + sorted(ctes))
        raise Rejected(
            f"okänd tabell '{table.name[:60]}'" + (f" — menade du '{hint}'?" if hint else ""),
            "skriv .tables för att se alla tabeller",
        )
    return used


def _func_name(func: exp.Func) -> str:
    if isinstance(func, exp.Anonymous):
        return str(func.name).lower()
    return func.sql_name().lower()


def _check_functions(tree: exp.Expression) -> None:
    # Known sqlglot classes are standard SQL functions; the DuckDB gate checks every exact name.
    for func in tree.find_all(exp.Anonymous):
        name = str(func.name).lower()
        if name not in ALLOWED_FUNCTIONS:
            close = difflib.get_close_matches(name, sorted(ALLOWED_FUNCTIONS), n=1, cutoff=0.8)
            hint = close[0] if close else None
            raise Rejected(
                f"funktionen {name} är inte tillåten" + (f" — menade du '{hint}'?" if hint else ""),
            )
    for cls_name in (
        "CurrentUser",
        "CurrentCatalog",
        "CurrentSchema",
        "CurrentRole",
        "SessionUser",
    ):
        cls = getattr(exp, cls_name, None)
        found = tree.find(cls) if cls is not None else None
        if found is not None:
            raise Rejected(f"systemvärdet {found.sql(dialect='duckdb').lower()} är inte tillåtet")
    if isinstance(tree, exp.Pivot):
        # DuckDB cannot serialize PIVOT, so its exact gate cannot bound sizes: refuse them here.
        for pivot_func in tree.find_all(exp.Func):
            name = _func_name(pivot_func)
            if (
                name in SIZE_FUNCTIONS
                or name in FORMAT_FUNCTIONS
                or isinstance(pivot_func, exp.Repeat if hasattr(exp, "Repeat") else ())
            ):
                raise Rejected(f"{name} stöds inte i PIVOT")
    for cls_name in ("ReadCSV", "ReadParquet", "ReadJSON"):
        cls = getattr(exp, cls_name, None)
        if cls is not None and tree.find(cls) is not None:
            raise Rejected("filer kan inte läsas", "fråga budgetens tabeller; skriv .tables")


_UNKNOWN = None  # a source whose columns we cannot list: DuckDB's binder decides


def _output_names(query: Any, schema: Schema, ctes: dict) -> set[str] | None:
    """Column names a derived table or CTE exposes, or None when they cannot be listed."""
    if isinstance(query, exp.Subquery):
        query = query.this
    if isinstance(query, exp.SetOperation):
        return _output_names(query.left, schema, ctes)
    if not isinstance(query, exp.Select):
        return _UNKNOWN
    names: set[str] = set()
    for proj in query.expressions:
        if isinstance(proj, exp.Star) or (
            isinstance(proj, exp.Column) and isinstance(proj.this, exp.Star)
        ):
            sources = _sources(query, schema, ctes)
            if sources is _UNKNOWN:
                return _UNKNOWN
            names |= sources
        elif proj.alias_or_name:
            names.add(proj.alias_or_name.lower())
        else:
            return _UNKNOWN
    return names


def _sources(select: exp.Select, schema: Schema, ctes: dict) -> set[str] | None:
    """Names visible from the FROM and JOIN clauses of one SELECT, or None if any is unknowable."""
    names: set[str] = set()
    items = []
    if select.args.get("from_") is not None:
        items.append(select.args["from_"].this)
    items.extend(j.this for j in select.args.get("joins") or ())
    for item in items:
        alias = item.args.get("alias") if isinstance(item, (exp.Table, exp.Subquery)) else None
        if alias is not None and alias.args.get("columns"):
            names.update(c.name.lower() for c in alias.args["columns"])
            continue
        if isinstance(item, exp.Table) and isinstance(item.this, exp.Identifier):
            name = item.name.lower()
            if name in ctes and not item.db:
                cte_names = ctes[name]
                if cte_names is _UNKNOWN:
                    return _UNKNOWN
                names |= cte_names
            elif name in schema.tables:
                names.update(schema.tables[name])
            else:
                return _UNKNOWN
        elif isinstance(item, exp.Subquery):
            sub = _output_names(item, schema, ctes)
            if sub is _UNKNOWN:
                return _UNKNOWN
            names |= sub
        else:
            return _UNKNOWN
    return names


def _check_columns(tree: exp.Expression, schema: Schema, tables: set[str]) -> None:
    ctes: dict[str, set[str] | None] = {}
    for cte in tree.find_all(exp.CTE):
        cols = cte.args.get("alias") and cte.args["alias"].args.get("columns")
        ctes[cte.alias_or_name.lower()] = (
            {c.name.lower() for c in cols} if cols else _output_names(cte.this, schema, ctes)
        )
    aliases: dict[str, str] = {}
    for table in tree.find_all(exp.Table):
        name = table.name.lower()
        if name in schema.tables:
            aliases[(table.alias or table.name).lower()] = name
    lambdas = {e.name.lower() for lam in tree.find_all(exp.Lambda) for e in lam.expressions}
    lambdas |= {c.expression.name.lower() for c in tree.find_all(exp.Comprehension) if c.expression}
    scope_cache: dict[int, set[str] | None] = {}
    for col in tree.find_all(exp.Column):
        name = col.name.lower()
        if not name or isinstance(col.this, exp.Star):
            continue
        qualifier = col.table.lower() if col.table else ""
        if qualifier:
            if qualifier in aliases and name not in schema.tables[aliases[qualifier]]:
                _unknown_column(col.name, aliases[qualifier], schema.tables[aliases[qualifier]])
            continue  # a derived table's alias or a struct field: DuckDB's binder decides
        if name in lambdas:
            continue
        visible: set[str] = set()
        unknowable = False
        select = col.find_ancestor(exp.Select)
        if select is None:
            continue
        while select is not None:  # correlated subqueries see the outer scopes too
            key = id(select)
            if key not in scope_cache:
                found = _sources(select, schema, ctes)
                if found is not None:
                    found = found | {p.alias.lower() for p in select.expressions if p.alias}
                scope_cache[key] = found
            scope = scope_cache[key]
            if scope is None:
                unknowable = True
                break
            visible |= scope
            select = select.find_ancestor(exp.Select)
        if unknowable or name in visible:
            continue
        options = {c for t in tables for c in schema.tables[t]}
        if len(tables) == 1:
            _unknown_column(col.name, next(iter(tables)), schema.tables[next(iter(tables))])
        hint = _suggest(name, options)
        where = f" i {', '.join(sorted(tables))}" if tables else ""
        raise Rejected(
            f"okänd kolumn '{col.name[:60]}'{where}" + (f" — menade du '{hint}'?" if hint else ""),
            "skriv .describe TABELL för att se kolumnerna",
        )


def _unknown_column(name: str, table: str, columns: tuple[str, ...]) -> None:
    hint = _suggest(name, columns)
    raise Rejected(
        f"okänd kolumn '{name[:60]}' i {table}" + (f" — menade du '{hint}'?" if hint else ""),
        f"skriv .describe {table} för att se kolumnerna",
    )


# --- the second gate: DuckDB's own parser ------------------------------------------------


def _gate_text(sql: str, tree: exp.Expression) -> str:
    """The text DuckDB's serializer checks: the user's own, unless it holds parameters.

    json_serialize_sql cannot serialize `$name` placeholders, so only for this check (never
    to run) the placeholders are replaced by NULL in sqlglot's rendering of the tree.
    """
    if tree.find(exp.Placeholder) is None:
        return sql
    copy = tree.copy()
    for ph in list(copy.find_all(exp.Placeholder)):
        ph.replace(exp.Null())
    return copy.sql(dialect="duckdb")


def _duckdb_gate(
    sql: str, schema: Schema, ctes: set[str], con: duckdb.DuckDBPyConnection, pivot: bool = False
) -> None:
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as err:
        raise Rejected(f"syntaxfel: {_first_line(err)}") from None
    if len(statements) != 1:
        raise Rejected(
            f"flera satser ({len(statements)}) på en gång; bara en fråga i taget är tillåten"
        )
    kind = statements[0].type
    if pivot and kind == duckdb.StatementType.MULTI:
        return  # PIVOT without an IN list: DuckDB plans it in two steps; sqlglot checked it
    if kind != duckdb.StatementType.SELECT:
        raise _not_read_only(kind.name)
    tree = _serialize(con, sql)
    if tree.get("error"):
        # PIVOT and a few other forms cannot be serialized; sqlglot has checked the statement.
        return
    _walk_duckdb(tree, schema, ctes)


def _serialize(con: duckdb.DuckDBPyConnection, sql: str) -> dict:
    """DuckDB's own parse tree of one SELECT as JSON ({"error": true, …} when it cannot)."""
    raw = con.execute("SELECT json_serialize_sql($1)", [sql]).fetchone()
    return json.loads(raw[0]) if raw else {"error": True}


def _dicts(node: object):
    """Every JSON object in DuckDB's parse tree, depth first."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            yield item
            stack.extend(v for v in item.values() if isinstance(v, (dict, list)))


def _walk_duckdb(node: object, schema: Schema, ctes: set[str]) -> None:
    for item in _dicts(node):
        kind = item.get("type")
        if kind == "BASE_TABLE":
            name = str(item.get("table_name", "")).lower()
            if item.get("catalog_name") or str(item.get("schema_name", "")).lower() not in (
                "",
                "main",
            ):
                raise Rejected(f"tabellen {name} är inte tillåten: bara budgetens tabeller")
            if name not in schema.tables and name not in ctes:
                raise Rejected(
                    f"okänd tabell '{name[:60]}'", "skriv .tables för att se alla tabeller"
                )
        elif kind == "TABLE_FUNCTION":
            fn = item.get("function") or {}
            name = str(fn.get("function_name", "")).lower()
            if name not in ALLOWED_TABLE_FUNCTIONS:
                raise Rejected(f"tabellfunktionen {name} är inte tillåten")
        elif item.get("class") == "FUNCTION":
            _check_duckdb_function(item)
        elif item.get("class") == "COLUMN_REF":
            names = item.get("column_names") or []
            if len(names) == 1 and str(names[0]).lower() in SYSTEM_NAMES:
                raise Rejected(f"systemvärdet {str(names[0]).lower()} är inte tillåtet")


def _check_duckdb_function(item: dict) -> None:
    name = str(item.get("function_name", "")).lower()
    if item.get("schema") or item.get("catalog"):
        raise Rejected(f"funktionen {item.get('schema')}.{name} är inte tillåten")
    symbolic = not re.search(r"[a-z]", name)
    if not (symbolic and item.get("is_operator")) and name not in ALLOWED_FUNCTIONS:
        raise Rejected(f"funktionen {name} är inte tillåten")
    if name in SIZE_FUNCTIONS:
        _size(item)  # raises when the value it builds could be too big
    if name in FORMAT_FUNCTIONS:
        _check_format(name, _args(item))


def _args(item: dict) -> list:
    return [
        a.get("expression", a) if isinstance(a, dict) else a for a in item.get("arguments") or ()
    ]


def _constant(arg: object) -> float | None:
    """The number a constant argument holds (unary minus included), else None."""
    if not isinstance(arg, dict):
        return None
    if arg.get("class") == "FUNCTION" and arg.get("function_name") == "-" and len(_args(arg)) == 1:
        inner = _constant(_args(arg)[0])
        return None if inner is None else -inner
    if arg.get("class") != "CONSTANT":
        return None
    try:
        return float(str((arg.get("literal") or {}).get("text", "")))
    except ValueError:
        return None


def _count(name: str, arg: object) -> float:
    """A size argument must be a literal number within MAX_SIZE_ARG: no data may set it."""
    value = _constant(arg)
    if value is None or abs(value) > MAX_SIZE_ARG:
        raise Rejected(
            f"{name} kräver ett fast tal högst {MAX_SIZE_ARG:,}".replace(",", " ") + " som storlek",
            "stora värden byggs i ett svep och kan inte avbrytas",
        )
    return abs(value)


def _size(arg: object) -> float:
    """An upper bound of the bytes (or list elements) an expression builds in one call."""
    if not isinstance(arg, dict):
        return 0
    if arg.get("class") == "CONSTANT":
        return len(str((arg.get("literal") or {}).get("text", "")))
    name = str(arg.get("function_name", "")).lower() if arg.get("class") == "FUNCTION" else ""
    if name not in SIZE_FUNCTIONS:
        return VALUE_BOUND
    args = _args(arg)
    if name == "repeat":
        size = _size(args[0] if args else None) * _count(name, args[1] if len(args) > 1 else None)
    elif name in ("range", "generate_series"):
        numbers = [_count(name, a) for a in args]
        size = max(numbers, default=0) * 2 + 1
    else:  # lpad, rpad, list_resize, array_resize, bar: the argument is the resulting size
        size = _count(
            name, args[SIZE_FUNCTIONS[name]] if len(args) > SIZE_FUNCTIONS[name] else None
        )
    if size > MAX_VALUE_SIZE:
        raise Rejected(
            f"{name} bygger ett för stort värde (högst {MAX_VALUE_SIZE:,} tecken)".replace(",", " ")
        )
    return size


def _check_format(name: str, args: list) -> None:
    first = args[0] if args else None
    text = ((first or {}).get("literal") or {}).get("text") if isinstance(first, dict) else None
    if text is None or re.search(r"\d{5,}|\*|\{[^}]*\{", str(text)):
        raise Rejected(f"{name} kräver en fast formatsträng utan stora eller variabla bredder")


def _duckdb_only(sql: str, schema: Schema, con, parse_error: Rejected | None) -> Checked:
    """sqlglot failed to parse: accept only what DuckDB parses as one fully checked SELECT."""
    if con is None or parse_error is None:
        raise parse_error or Rejected("frågan kunde inte tolkas")
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error:
        raise parse_error from None
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise parse_error
    tree = _serialize(con, sql)
    if tree.get("error"):
        raise parse_error
    nodes = list(_dicts(tree))
    ctes = {
        str(entry["key"]).lower()
        for item in nodes
        if isinstance(item.get("cte_map"), dict)
        for entry in item["cte_map"].get("map") or ()
        if isinstance(entry, dict) and "key" in entry
    }
    _walk_duckdb(tree, schema, ctes)
    tables = {str(i.get("table_name", "")).lower() for i in nodes if i.get("type") == "BASE_TABLE"}
    return Checked(sql, tuple(sorted(t for t in tables if t in schema.tables)), ())


def _first_line(err: Exception) -> str:
    return str(err).splitlines()[0][:160] if str(err) else type(err).__name__
