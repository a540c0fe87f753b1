"""The gate every statement passes before DuckDB runs it: sqlglot first, DuckDB's parser second.

`validate(sql, schema)` returns a `Checked` or raises `Rejected` with a Swedish reason. It never
raises anything else, whatever the input. The text that runs is always the user's own; sqlglot's
tree is only read, never rendered back into SQL that DuckDB executes.
"""

from __future__ import annotations

import bisect
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError
from sqlglot.optimizer.scope import traverse_scope
from sqlglot.tokens import TokenType

from ksquery.catalog import Schema, duckdb_module
from ksquery.errors import Rejected, did_you_mean

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    import duckdb
else:
    duckdb = duckdb_module()  # DuckDB's C++ extension (see catalog.py)

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
    "to_base": 2,
}
OPTIONAL_SIZE = frozenset({"bar", "to_base"})  # the size argument may be left out (a default)
# Functions that put a separator between the elements of a list: (list, separator) indexes.
JOIN_FUNCTIONS = {
    "array_to_string": (0, 1),
    "list_string_agg": (0, 1),
    "list_aggregate": (0, 2),
    "list_aggr": (0, 2),
    "array_aggregate": (0, 2),
}
MAX_VALUE_SIZE = 10_000_000
VALUE_BOUND = 100_000  # assumed size of any other value: a text column, a bound parameter
SMALL = 8  # a number, a date or a truth value
# Functions that keep at most n characters of their first argument: index of n.
PREFIX_FUNCTIONS = {"left": 1, "right": 1, "substr": 2, "substring": 2, "prefix": 1}
# Functions whose one call takes time (and memory) of the product of its two texts' lengths.
QUADRATIC_FUNCTIONS = frozenset(
    {
        "levenshtein",
        "damerau_levenshtein",
        "editdist3",
        "jaro_similarity",
        "jaro_winkler_similarity",
    }
)
MAX_LAMBDA_DEPTH = 4  # lambdas inside lambda bodies
MAX_LAMBDA_WORK = 10 * MAX_VALUE_SIZE  # bytes one list-function call may build in all
MAX_QUADRATIC_COST = 10_000_000  # length x length: about 0.3 s and 80 MB for the slowest
# List functions that apply a lambda to every element; the reduce family carries a value along.
REDUCE_FUNCTIONS = frozenset({"list_reduce", "array_reduce", "reduce"})
LAMBDA_FUNCTIONS = REDUCE_FUNCTIONS | {
    "list_transform",
    "array_transform",
    "apply",
    "list_apply",
    "array_apply",
    "list_filter",
    "array_filter",
    "filter",
}
FILTER_FUNCTIONS = frozenset({"list_filter", "array_filter", "filter"})
# Words that start a statement DuckDB answers from its catalog: allowed on the budget's views.
SHOW_WORDS = frozenset({"DESCRIBE", "SHOW", "SUMMARIZE"})
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
_DIALECT = Dialect.get_or_raise("duckdb")
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
    first = _FIRST_WORD.match(sql)
    if first and first.group(1).upper() in SHOW_WORDS:
        # DESCRIBE t, SUMMARIZE t, SHOW TABLES: DuckDB's own parse decides, on the views only.
        unsupported = Rejected(
            f"{first.group(1).upper()} stöds bara som DESCRIBE TABELL, SUMMARIZE TABELL, "
            "SHOW TABELL eller SHOW TABLES",
            "skriv .tables eller .describe TABELL",
        )
        return _duckdb_only(sql, schema, con, unsupported)
    tree, parse_error, tokens = _parse(sql)
    if tree is None:
        # sqlglot cannot read it; DuckDB's own parser decides alone, or we report sqlglot's error.
        return _duckdb_only(sql, schema, con, parse_error)
    nodes = _Nodes(tree)
    _check_kind(tree, sql, nodes)
    _check_same_tokens(sql, tokens)
    ctes = {c.alias_or_name.lower() for c in nodes.of(exp.CTE)}
    tables = _check_tables(nodes, schema, _cte_refs(tree) if ctes else set(), ctes)
    _check_functions(tree, nodes)
    _check_columns(nodes, schema, tables)
    placeholders = nodes.of(exp.Placeholder)
    params = tuple(dict.fromkeys(p.name for p in placeholders if p.args.get("this")))
    if con is not None:
        # DuckDB numbers `?` placeholders 1, 2, …: the same names must come out of both parses.
        unnamed = sum(1 for p in placeholders if not p.args.get("this"))
        expected = set(params) | {str(i + 1) for i in range(unnamed)}
        # The exact text that will run, parameters included, is what DuckDB's gate inspects.
        _duckdb_gate(sql, schema, con, expected, pivot=isinstance(tree, exp.Pivot))
    return Checked(sql, tuple(sorted(tables)), params)


class _Nodes:
    """Every node of one parse tree, walked once and breadth first as find_all walks: the checks
    pick their kinds from this list instead of walking the tree some twenty times."""

    def __init__(self, tree: exp.Expression) -> None:
        self._all = list(tree.walk())

    def of(self, *kinds: type) -> list[Any]:
        """The nodes of these kinds, in the order tree.find_all(*kinds) yields them."""
        return [node for node in self._all if isinstance(node, kinds)]

    def first(self, kind: type) -> Any:
        """The node tree.find(kind) returns, or None."""
        return next((node for node in self._all if isinstance(node, kind)), None)


def _cte_refs(tree: exp.Expression) -> set[int]:
    """Ids of the table nodes that name a CTE in their scope, resolved as DuckDB resolves them.

    A name outside its CTE's scope is the catalog's table. DuckDB lets the i-th CTE see only
    the ones before it, and a recursive CTE see itself only in its UNION's recursive side.
    """
    roots = [q for q in tree.find_all(exp.Query) if q.find_ancestor(exp.Query) is None]
    refs: set[int] = set()
    try:
        scopes = [scope for root in roots for scope in traverse_scope(root)]
    except Exception:  # noqa: BLE001 - unknown shapes: no CTE is trusted, every name is checked
        return refs
    for scope in scopes:
        visible = {str(k).lower(): v for k, v in scope.cte_sources.items()}
        for table in scope.tables:
            cte = visible.get(table.name.lower())
            if table.db or cte is None:
                continue
            body = cte.expression
            if table.find_ancestor(type(body)) is not None and _inside(table, body):
                # a CTE naming itself: only the recursive side of a UNION sees it
                if not (isinstance(body, exp.Union) and _inside(table, body.expression)):
                    continue
            refs.add(id(table))
    return refs


def _inside(node: exp.Expression, ancestor: Any) -> bool:
    parent = node.parent
    while parent is not None:
        if parent is ancestor:
            return True
        parent = parent.parent
    return False


# --- cheap checks before any parser runs -------------------------------------------------


def _precheck(sql: str) -> None:
    if not sql.strip():
        raise Rejected("tom fråga", "skriv en SELECT-fråga eller en fråga på svenska")
    if len(sql) > MAX_CHARS:
        raise Rejected(f"frågan är för lång ({len(sql)} tecken, högst {MAX_CHARS})")
    control = _CONTROL.search(sql)
    if control is not None:
        line = sql.count("\n", 0, control.start()) + 1
        raise Rejected(f"otillåtet styrtecken U+{ord(control.group()):04X} på rad {line}")
    if _max_depth(sql) > MAX_DEPTH:
        raise Rejected(f"frågan är för djupt nästlad (högst {MAX_DEPTH} parentesnivåer)")


# C0 controls but tab, newline and carriage return; DEL and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Parentheses and brackets, and the strings and comments whose parentheses do not count (an
# unclosed string or comment runs to the end).
_NESTING = re.compile(r"""'[^']*'?|"[^"]*"?|--[^\n]*|/\*(?:.*?\*/|.*)|[(\[\])]""", re.S)


def _max_depth(sql: str) -> int:
    """Deepest parenthesis nesting outside quotes and comments."""
    depth = best = 0
    for match in _NESTING.finditer(sql):
        piece = match.group()
        if piece == "(" or piece == "[":
            depth += 1
            best = max(best, depth)
        elif piece == ")" or piece == "]":
            depth -= 1
    return best


def _parse(sql: str) -> tuple[exp.Expression | None, Rejected | None, list]:
    try:
        tokens = _DIALECT.tokenize(sql)
        parsed = _DIALECT.parser().parse(tokens, sql)
    except ParseError as err:
        match = _FIRST_WORD.match(sql)
        if match and match.group(1).upper() in FORBIDDEN_WORDS:
            raise _not_read_only(match.group(1).upper()) from None
        return None, _syntax_error(sql, err), []
    except TokenError:
        return (
            None,
            Rejected(
                "syntaxfel: ett citattecken eller en kommentar avslutas aldrig",
                "stäng strängen med ' eller kommentaren med */",
            ),
            [],
        )
    # A comment after the last `;` is an empty statement, not a second one.
    statements = [s for s in parsed if s is not None and not isinstance(s, exp.Semicolon)]
    if not statements:
        raise Rejected("tom fråga", "skriv en SELECT-fråga eller en fråga på svenska")
    if len(statements) > 1:
        raise Rejected(
            f"flera satser ({len(statements)}) på en gång; bara en fråga i taget är tillåten"
        )
    return statements[0], None, tokens  # type: ignore[return-value]  # sqlglot 30: Expr


# sqlglot token types that hold a string literal (DuckDB calls every one of them string_const).
_STRING_TOKENS = frozenset(
    getattr(TokenType, n)
    for n in (
        "STRING",
        "BIT_STRING",
        "BYTE_STRING",
        "HEX_STRING",
        "HEREDOC_STRING",
        "NATIONAL_STRING",
        "RAW_STRING",
        "UNICODE_STRING",
    )
    if hasattr(TokenType, n)
)


_QUOTED_TOKENS = _STRING_TOKENS | {TokenType.IDENTIFIER}


def _check_same_tokens(sql: str, tokens: list) -> None:
    """Refuse text whose strings, comments or placeholders the two parsers split differently.

    sqlglot's tree is only trusted where both tokenizers agree on where every string literal
    starts, where comments are, and that every piece of DuckDB's code is code for sqlglot too;
    `$a-b$ … $a-b$` is one string for sqlglot and live code for DuckDB, for example.
    """
    try:
        duck = _duckdb_tokens(sql)
    except Exception:  # noqa: BLE001 - DuckDB cannot split it: it would not run either
        raise _two_readings() from None
    string_const, comment = duckdb.token_type.string_const, duckdb.token_type.comment
    glot_strings = {t.start for t in tokens if t.token_type in _STRING_TOKENS}
    duck_strings = {pos for pos, kind in duck if kind == string_const}
    if glot_strings != duck_strings:
        raise _two_readings()
    starts = [t.start for t in tokens]
    ends = [t.end for t in tokens]
    duck_starts = [pos for pos, _ in duck]
    bounds = duck_starts[1:] + [len(sql)]
    for token in tokens:  # a quoted token is one token for both: nothing starts inside it
        if token.token_type in _QUOTED_TOKENS:
            i = bisect.bisect_right(duck_starts, token.start)
            if i < len(duck_starts) and duck_starts[i] <= token.end:
                raise _two_readings()
    for (pos, kind), stop in zip(duck, bounds, strict=True):
        i = bisect.bisect_right(starts, pos) - 1
        inside = i >= 0 and ends[i] >= pos  # inside the span of sqlglot's token i
        if kind == string_const:
            # … and the other way round: sqlglot starts nothing inside DuckDB's string
            j = bisect.bisect_right(starts, pos)
            if j < len(starts) and starts[j] < stop:
                raise _two_readings()
        if kind == comment:
            # nothing sqlglot reads as code may start inside DuckDB's comment
            j = bisect.bisect_left(starts, pos)
            if inside or (j < len(starts) and starts[j] < stop):
                raise _two_readings()
        elif not inside:
            raise _two_readings()  # DuckDB reads code where sqlglot saw a comment or nothing


def _duckdb_tokens(sql: str) -> list[tuple[int, Any]]:
    """DuckDB's tokens with character offsets (DuckDB counts UTF-8 bytes)."""
    duck = duckdb.tokenize(sql)
    if sql.isascii():
        return duck
    data = sql.encode()
    out, byte, char = [], 0, 0
    for pos, kind in duck:
        char += len(data[byte:pos].decode("utf-8", "replace"))
        byte = pos
        out.append((char, kind))
    return out


def _two_readings() -> Rejected:
    return Rejected(
        "frågan kan läsas på två sätt (citattecken, $-citat, kommentar eller parameter "
        "tolkas olika) och körs därför inte",
        "skriv strängar med '…', parametrar som $namn och kommentarer med -- eller /* */",
    )


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


def _check_kind(tree: exp.Expression, sql: str, nodes: _Nodes) -> None:
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
    for node in nodes.of(*_WRITE_NODES):
        raise Rejected(f"{_kind_name(node)} är inte tillåtet, inte heller inuti en fråga")
    for pivot in nodes.of(exp.Pivot):
        if pivot is not tree and isinstance(pivot.parent, (exp.CTE, exp.Subquery)):
            # DuckDB cannot serialize it there, so its own gate could not check it
            raise Rejected(
                "PIVOT går bara att köra som en egen fråga, inte inuti WITH eller en underfråga",
                "skriv PIVOT … som hela frågan, eller använd GROUP BY med sum(…) FILTER (…)",
            )


# --- tables, functions, columns ----------------------------------------------------------


def _suggest(name: str, options: Iterable[str]) -> str | None:
    return next(iter(did_you_mean(name, options)), None)


def _check_tables(nodes: _Nodes, schema: Schema, cte_refs: set[int], ctes: set[str]) -> set[str]:
    used: set[str] = set()
    for table in nodes.of(exp.Table):
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
        if id(table) in cte_refs:
            continue
        if name in schema.tables:
            used.add(name)
            continue
        if isinstance(target, exp.Identifier) and target.quoted and re.search(r"[./\\:]", name):
            raise Rejected(
                f"filer kan inte läsas ('{table.name[:60]}')",
                "fråga budgetens tabeller; skriv .tables",
            )
        if name in ctes:
            raise Rejected(
                f"'{table.name[:60]}' är en CTE som inte syns här: en WITH gäller bara sin egen "
                "fråga, och en CTE ser bara de CTE:er som står före den",
                "flytta WITH så att den omsluter frågan som använder namnet",
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


def _check_functions(tree: exp.Expression, nodes: _Nodes) -> None:
    # Known sqlglot classes are standard SQL functions; the DuckDB gate checks every exact name.
    for func in nodes.of(exp.Anonymous):
        name = str(func.name).lower()
        if name not in ALLOWED_FUNCTIONS:
            hint = next(iter(did_you_mean(name, ALLOWED_FUNCTIONS, cutoff=0.8)), None)
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
        found = nodes.first(cls) if cls is not None else None
        if found is not None:
            raise Rejected(f"systemvärdet {found.sql(dialect='duckdb').lower()} är inte tillåtet")
    if isinstance(tree, exp.Pivot):
        # DuckDB cannot serialize PIVOT, so its exact gate cannot bound sizes: refuse them here.
        for pivot_func in nodes.of(exp.Func):
            name = _func_name(pivot_func)
            if (
                name in SIZE_FUNCTIONS
                or name in FORMAT_FUNCTIONS
                or name in QUADRATIC_FUNCTIONS
                or name in JOIN_FUNCTIONS
                or name in ("regexp_replace", "replace", "concat_ws", "array_join")
                or isinstance(pivot_func, exp.Repeat if hasattr(exp, "Repeat") else ())
            ):
                raise Rejected(f"{name} stöds inte i PIVOT")
        if nodes.first(exp.Lambda) is not None:
            raise Rejected("lambdafunktioner stöds inte i PIVOT")
    for cls_name in ("ReadCSV", "ReadParquet", "ReadJSON"):
        cls = getattr(exp, cls_name, None)
        if cls is not None and nodes.first(cls) is not None:
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


def _check_columns(nodes: _Nodes, schema: Schema, tables: set[str]) -> None:
    ctes: dict[str, set[str] | None] = {}
    for cte in nodes.of(exp.CTE):
        cols = cte.args.get("alias") and cte.args["alias"].args.get("columns")
        ctes[cte.alias_or_name.lower()] = (
            {c.name.lower() for c in cols} if cols else _output_names(cte.this, schema, ctes)
        )
    aliases: dict[str, str] = {}
    for table in nodes.of(exp.Table):
        name = table.name.lower()
        if name in schema.tables:
            aliases[(table.alias or table.name).lower()] = name
    lambdas = {e.name.lower() for lam in nodes.of(exp.Lambda) for e in lam.expressions}
    lambdas |= {c.expression.name.lower() for c in nodes.of(exp.Comprehension) if c.expression}
    scope_cache: dict[int, set[str] | None] = {}
    for col in nodes.of(exp.Column):
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


def _duckdb_gate(
    sql: str,
    schema: Schema,
    con: duckdb.DuckDBPyConnection,
    params: set[str],
    pivot: bool = False,
) -> None:
    """Check DuckDB's own parse of the exact text that runs, parameters included.

    One DuckDB call on the way through: its JSON tree exists only for exactly one SELECT, and its
    PARAMETER nodes are the statement's placeholders. Anything else takes the slow path, which
    asks DuckDB's statement splitter why (several statements, another kind, PIVOT).
    """
    tree, lambdas = _serialize(con, sql)
    statements = tree.get("statements")
    if tree.get("error") or not isinstance(statements, list) or len(statements) != 1:
        _not_one_select(sql, con, params, pivot)
        return
    if _walk_duckdb(tree, schema, lambdas) != params:
        raise _two_readings()  # the parsers found different placeholders: refuse, never guess


def _not_one_select(
    sql: str, con: duckdb.DuckDBPyConnection, params: set[str], pivot: bool
) -> None:
    """Why DuckDB did not serialize the text as one SELECT: raise, or return for a PIVOT that
    DuckDB plans in two steps or cannot serialize (sqlglot has checked it)."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as err:
        raise Rejected(f"syntaxfel: {_first_line(err)}") from None
    if len(statements) != 1:
        raise Rejected(
            f"flera satser ({len(statements)}) på en gång; bara en fråga i taget är tillåten"
        )
    kind = statements[0].type
    if set(statements[0].named_parameters) != params:
        raise _two_readings()
    if pivot and kind in (duckdb.StatementType.MULTI, duckdb.StatementType.SELECT):
        return
    if kind != duckdb.StatementType.SELECT:
        raise _not_read_only(kind.name)
    raise Rejected(
        "frågan kunde inte kontrolleras av DuckDB:s egen tolkning",
        "PIVOT går bara att köra som en egen fråga",
    )


# DuckDB's JSON for statements a script is about to run, fetched together (see prefetch)
_PREFETCHED: dict[str, str] = {}
PREFETCH_MAX = 2_000  # statements fetched in one call …
PREFETCH_CHARS = 200_000  # … and their text, so the JSON kept stays a few megabytes


def prefetch(con: duckdb.DuckDBPyConnection, texts: Iterable[str]) -> None:
    """Ask DuckDB for the parse trees of a script's statements in one call, for the gate to use
    as they run: each statement still gets its own whole check, on the very text it runs, but
    not a DuckDB round trip of its own (~0,25 ms each). Never raises: a miss costs only time."""
    todo: list[str] = []
    size = 0
    for t in dict.fromkeys(texts):
        size += len(t)
        if len(todo) == PREFETCH_MAX or size > PREFETCH_CHARS:
            break  # the rest is checked one by one, as always
        if len(t) <= MAX_CHARS:
            todo.append(t)
    _PREFETCHED.clear()
    if len(todo) < 2:
        return
    try:
        rows = con.execute(
            "SELECT s, json_serialize_sql(s) FROM unnest($1::VARCHAR[]) AS t(s)", [todo]
        ).fetchall()
    except duckdb.Error:
        return
    _PREFETCHED.update((str(s), str(j)) for s, j in rows if j is not None)


def _serialize(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[dict, bool]:
    """DuckDB's own parse tree of one SELECT as JSON ({"error": true, …} when it cannot), and
    whether the JSON text names a LAMBDA anywhere (no lambda node without the word)."""
    text = _PREFETCHED.pop(sql, None)
    if text is None:
        raw = con.execute("SELECT json_serialize_sql($1)", [sql]).fetchone()
        if not raw:
            return {"error": True}, False
        text = raw[0]
    return json.loads(text), "LAMBDA" in text


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


def _scoped(node: object):
    """Every JSON object in DuckDB's tree with the CTE names visible there and a lambda flag.

    DuckDB's scoping: a WITH's body sees all its CTEs, the i-th CTE only the ones before it, and
    a recursive CTE itself only in the recursive (right) side of its UNION. A name outside that
    scope is the catalog's table, so it must be one of the budget's tables.
    """
    stack: list[tuple[object, frozenset[str], bool]] = [(node, frozenset(), False)]
    while stack:
        item, visible, in_lambda = stack.pop()
        if isinstance(item, list):  # its scalars hold nothing to check
            stack.extend((v, visible, in_lambda) for v in item if isinstance(v, (dict, list)))
            continue
        if not isinstance(item, dict):
            continue
        yield item, visible, in_lambda
        if item.get("class") == "SUBQUERY":
            in_lambda = False  # a subquery's functions are checked on their own
        elif item.get("class") == "LAMBDA":
            in_lambda = True  # sized by the list function that applies the lambda
        inner = visible
        entries = (item.get("cte_map") or {}).get("map") if isinstance(item, dict) else None
        if entries:
            names: list[str] = []
            for entry in entries:
                query = (entry.get("value") or {}).get("query_node")
                stack.append((query, visible | frozenset(names), in_lambda))
                names.append(str(entry.get("key", "")).lower())
            inner = visible | frozenset(names)
        recursive = item.get("type") == "RECURSIVE_CTE_NODE"
        for key, value in item.items():
            if key == "cte_map" or not isinstance(value, (dict, list)):
                continue
            if recursive and key == "right":
                stack.append((value, inner | {str(item.get("cte_name", "")).lower()}, in_lambda))
            else:
                stack.append((value, inner, in_lambda))


def _lambda_depth(node: object) -> int:
    """The deepest nesting of lambdas inside lambda bodies."""
    best = 0
    stack: list[tuple[object, int]] = [(node, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, list):
            stack.extend((v, depth) for v in item)
        elif isinstance(item, dict):
            if item.get("class") == "LAMBDA":
                depth += 1
                best = max(best, depth)
            stack.extend((v, depth) for v in item.values() if isinstance(v, (dict, list)))
    return best


def _walk_duckdb(node: object, schema: Schema, lambdas: bool = True) -> set[str]:
    """Check DuckDB's tree and return its placeholders' names; `lambdas` False: the JSON text
    has no LAMBDA (its nesting is 0)."""
    # Sizing a lambda evaluates its body at two points, so nesting costs 2^depth: keep it small.
    if lambdas and _lambda_depth(node) > MAX_LAMBDA_DEPTH:
        raise Rejected(f"lambdafunktioner får nästlas högst {MAX_LAMBDA_DEPTH} nivåer")
    memo: dict = {}
    params: set[str] = set()
    for item, visible, in_lambda in _scoped(node):
        kind = item.get("type")
        if kind == "BASE_TABLE":
            name = str(item.get("table_name", "")).lower()
            qualified = str(item.get("schema_name", "")).lower()
            if item.get("catalog_name") or qualified not in ("", "main"):
                where = ".".join(p for p in (item.get("catalog_name"), qualified, name) if p)
                raise Rejected(f"tabellen {where[:80]} är inte tillåten: bara budgetens tabeller")
            if name not in schema.tables and (qualified or name not in visible):
                if re.search(r"[./\\:]", name):
                    raise Rejected(
                        f"filer kan inte läsas ('{name[:60]}')",
                        "fråga budgetens tabeller; skriv .tables",
                    )
                raise Rejected(
                    f"okänd tabell '{name[:60]}'", "skriv .tables för att se alla tabeller"
                )
        elif kind == "SHOW_REF":
            _check_show(item, schema)
        elif kind == "TABLE_FUNCTION":
            fn = item.get("function") or {}
            name = str(fn.get("function_name", "")).lower()
            if name not in ALLOWED_TABLE_FUNCTIONS:
                raise Rejected(f"tabellfunktionen {name} är inte tillåten")
        elif item.get("class") == "FUNCTION":
            _check_duckdb_function(item)
            if not in_lambda:
                _size(item, (), memo)  # raises when a value it builds could be too big
        elif item.get("class") == "COLUMN_REF":
            names = item.get("column_names") or []
            if len(names) == 1 and str(names[0]).lower() in SYSTEM_NAMES:
                raise Rejected(f"systemvärdet {str(names[0]).lower()} är inte tillåtet")
        elif item.get("class") == "PARAMETER":
            params.add(str(item.get("identifier", "")))
    return params


def _check_show(item: dict, schema: Schema) -> None:
    """DESCRIBE, SUMMARIZE and SHOW answer from the budget's views, never the stored schema."""
    show = item.get("show_type")
    name = str(item.get("table_name", "")).strip('"').lower()
    if show in ("DESCRIBE", "SUMMARY") and item.get("query") and not name:
        return  # its query is walked like any other: tables, functions, sizes
    qualified = str(item.get("schema_name", "")).lower()
    if (
        show == "SHOW"
        and not item.get("catalog_name")
        and qualified in ("", "main")
        and name in schema.tables
    ):
        return
    if show == "SHOW_SPECIAL" and name == "tables" and not qualified:
        return  # SHOW TABLES lists the views of the main schema: the budget's tables
    target = ".".join(p for p in (qualified, name) if p) or "hela databasen"
    raise Rejected(
        f"{target[:60]} kan inte visas: bara budgetens tabeller "
        "(DESCRIBE TABELL, SUMMARIZE TABELL, SHOW TABLES)",
        "skriv .tables eller .describe TABELL",
    )


def _check_duckdb_function(item: dict) -> None:
    name = str(item.get("function_name", "")).lower()
    if item.get("schema") or item.get("catalog"):
        raise Rejected(f"funktionen {item.get('schema')}.{name} är inte tillåten")
    symbolic = not re.search(r"[a-z]", name)
    if not (symbolic and item.get("is_operator")) and name not in ALLOWED_FUNCTIONS:
        raise Rejected(f"funktionen {name} är inte tillåten")
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


# --- the size of what one call builds ----------------------------------------------------
#
# One function call runs to its end before DuckDB looks at the time limit or the memory limit,
# so whatever a single call builds or computes is bounded before the statement runs. `_size`
# gives an upper bound of the bytes (or list elements) an expression yields, as a polynomial
# with non-negative coefficients of its inputs: constants count their length, columns and
# bound parameters VALUE_BOUND (the engine caps parameters at that size), numbers SMALL.


def _too_big(name: str) -> Rejected:
    return Rejected(
        f"{name} bygger ett för stort värde (högst {MAX_VALUE_SIZE:,} tecken)".replace(",", " "),
        "stora värden byggs i ett svep och kan inte avbrytas",
    )


def _children(node: dict) -> list[dict]:
    """The nearest expressions below `node` (through argument wrappers and CASE branches)."""
    found: list[dict] = []
    stack: list[object] = [v for k, v in node.items() if k not in ("lhs",)]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if "class" in item:
                found.append(item)
            else:
                stack.extend(item.values())
    return found


def _size(node: object, env: tuple, memo: dict) -> float:
    """An upper bound of what `node` yields; raises Rejected where one call could be too big."""
    if not isinstance(node, dict):
        return 0
    key = (id(node), env)
    if key not in memo:
        memo[key] = _size_of(node, env, memo)
    return memo[key]


def _size_of(node: dict, env: tuple, memo: dict) -> float:
    kind = node.get("class")
    if kind == "CONSTANT":
        return len(str((node.get("literal") or {}).get("text", "")))
    if kind == "COLUMN_REF":
        names = node.get("column_names") or []
        bound = dict(env).get(str(names[0]).lower()) if len(names) == 1 else None
        return VALUE_BOUND if bound is None else bound
    if kind in ("COMPARISON", "CONJUNCTION") or (
        kind == "FUNCTION" and node.get("is_operator") and node.get("function_name") != "||"
    ):
        return SMALL  # a truth value or a number; the operands are checked on their own
    if kind in ("PARAMETER", "SUBQUERY", "STAR", "LAMBDA") or kind != "FUNCTION":
        if kind in ("CAST", "CASE", "OPERATOR", "COLLATE", "BETWEEN"):
            return sum(_size(c, env, memo) for c in _children(node)) + SMALL
        return VALUE_BOUND
    name = str(node.get("function_name", "")).lower()
    args = _args(node)
    if name == "repeat":
        size = _size(args[0] if args else None, env, memo) * _count(
            name, args[1] if len(args) > 1 else None
        )
    elif name in ("range", "generate_series"):
        size = _range_count(name, args) * SMALL  # numbers of eight bytes
    elif name in SIZE_FUNCTIONS:  # lpad, rpad, list_resize, array_resize, bar: the result size
        index = SIZE_FUNCTIONS[name]
        if len(args) <= index and name in OPTIONAL_SIZE:
            size = 100.0  # the default width or length
        else:
            size = _count(name, args[index] if len(args) > index else None)
        size += sum(_size(a, env, memo) for i, a in enumerate(args) if i != index)
    elif name in QUADRATIC_FUNCTIONS:
        sizes = [_size(a, env, memo) for a in args[:2]]
        if len(sizes) == 2 and sizes[0] * sizes[1] > MAX_QUADRATIC_COST:
            raise Rejected(
                f"{name} jämför för långa texter i ett svep (längd × längd högst "
                f"{MAX_QUADRATIC_COST:,})".replace(",", " "),
                "korta texterna först, t.ex. left(text, 1000)",
            )
        return SMALL
    elif name in LAMBDA_FUNCTIONS or any(_is_lambda(a) for a in args):
        size = _lambda_size(name, args, env, memo)  # any function given a lambda is sized so
    elif name in PREFIX_FUNCTIONS and len(args) > PREFIX_FUNCTIONS[name]:
        # left(x, n), substr(x, i, n) …: at most n of x, whatever x is
        size = _size(args[0], env, memo)
        length = _constant(args[PREFIX_FUNCTIONS[name]])
        if length is not None and length >= 0:
            size = min(size, length)
    elif name in JOIN_FUNCTIONS or name == "concat_ws":
        # a separator between every two elements: elements x separator
        if name == "concat_ws":
            count, sep = float(max(len(args) - 1, 0)), _size(args[0] if args else None, env, memo)
        else:
            at_list, at_sep = JOIN_FUNCTIONS[name]
            count = _items(args[at_list] if len(args) > at_list else None, env, memo)
            sep = _size(args[at_sep], env, memo) if len(args) > at_sep else 1.0
        size = count * sep + sum(_size(a, env, memo) for a in args) + SMALL
    elif name in ("regexp_replace", "replace"):
        text, repl = _size(args[0] if args else None, env, memo), 0.0
        if len(args) > 2:
            repl = _size(args[2], env, memo)
        size = text + (text + 1) * repl  # at most one replacement at every position
        size += sum(_size(a, env, memo) for a in args[3:])
    else:
        size = sum(_size(a, env, memo) for a in args) + SMALL
    if size > MAX_VALUE_SIZE:
        raise _too_big(name)
    return size


def _lambda_params(node: dict) -> list[str]:
    """The lambda's parameter names in order: `x` or `(acc, x, i)`."""
    lhs = node.get("lhs") or {}
    refs = [lhs] if lhs.get("class") == "COLUMN_REF" else _args(lhs)
    return [
        str(d["column_names"][0]).lower()
        for d in refs
        if isinstance(d, dict) and d.get("column_names")
    ]


def _work(node: object, env: tuple, memo: dict) -> float:
    """What evaluating `node` once builds in all: every call in it, lambdas included."""
    total = 0.0
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict) or item.get("class") == "SUBQUERY":
            continue  # a subquery's calls are checked where they stand
        if item.get("class") == "FUNCTION":
            name = str(item.get("function_name", "")).lower()
            if name in LAMBDA_FUNCTIONS or any(_is_lambda(a) for a in _args(item)):
                total += _lambda_work(name, _args(item), env, memo)
                continue
            total += _size(item, env, memo)
        stack.extend(v for k, v in item.items() if isinstance(v, (dict, list)) and k != "lhs")
    return total


def _range_count(name: str, args: list) -> float:
    """How many numbers range/generate_series yields; every bound must be a fixed number."""
    for arg in args:
        _count(name, arg)  # within MAX_SIZE_ARG, no data may set it
    values = [_constant(a) or 0.0 for a in args]
    if len(values) == 1:
        values = [0.0, values[0]]
    step = max(abs(values[2]), 1.0) if len(values) > 2 else 1.0
    return abs(values[1] - values[0]) / step + 1 if values else 0.0


def _items(node: object, env: tuple, memo: dict) -> float:
    """An upper bound of the number of elements of a list expression."""
    if isinstance(node, dict) and node.get("class") == "FUNCTION":
        name = str(node.get("function_name", "")).lower()
        args = _args(node)
        if name in ("range", "generate_series"):
            return _range_count(name, args)
        if name in LAMBDA_FUNCTIONS - REDUCE_FUNCTIONS:
            return _items(args[0] if args else None, env, memo)
        if name in ("list_value", "list_pack", "array_value"):
            return len(args)
    return _size(node, env, memo)  # each element takes room: never more than the size


def _lambda_work(name: str, args: list, env: tuple, memo: dict) -> float:
    """The work of one list-function call: the body's work for every element, then checked."""
    count = _items(args[0] if args else None, env, memo)
    items = _size(args[0] if args else None, env, memo)
    total = sum(_work(a, env, memo) for a in args if not _is_lambda(a))
    for lam in (a for a in args if _is_lambda(a)):
        params = _lambda_params(lam)
        zero = env + tuple((p, 0.0) for p in params)
        full = env + tuple((p, items) for p in params)
        total += count * _work(lam.get("expr"), zero, memo) + _work(lam.get("expr"), full, memo)
    if total > MAX_LAMBDA_WORK:
        raise _too_big(name)
    return total


def _is_lambda(arg: object) -> bool:
    return isinstance(arg, dict) and arg.get("class") == "LAMBDA"


def _lambda_size(name: str, args: list, env: tuple, memo: dict) -> float:
    """A list function applying a lambda: n elements times the body, each checked too.

    With the parameters at zero and at the whole list, the body's bound f gives
    n * f(0) + f(L) >= the sum over the elements, since f is convex and non-decreasing.
    """
    _lambda_work(name, args, env, memo)  # raises when evaluating the body everywhere is too much
    count = _items(args[0] if args else None, env, memo)
    items = _size(args[0] if args else None, env, memo)
    lam = next((a for a in args if _is_lambda(a)), None)
    rest = sum(_size(a, env, memo) for a in args[1:] if a is not lam)
    if lam is None:
        return items + rest + SMALL
    params = _lambda_params(lam)
    body = lam.get("expr")

    def at(*values: float) -> float:
        bound = tuple(zip(params, values, strict=False))
        return _size(body, env + bound + tuple((p, 0.0) for p in params[len(values) :]), memo)

    if name in REDUCE_FUNCTIONS:
        # (accumulator, element[, index]): an accumulator copied more than once per step grows
        # exponentially; otherwise the result gains at most one body per element.
        empty = at(0.0, 0.0)
        big = MAX_VALUE_SIZE / 4
        if at(big, 0.0) - empty > big:
            raise _too_big(name)
        return count * empty + at(0.0, items) + rest
    if name in FILTER_FUNCTIONS:
        return items + rest  # a filter keeps some of the elements, never more
    size = count * at(*([0.0] * len(params))) + at(*([items] * len(params)))
    return max(size, items) + rest


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
    if len(statements) > 1:
        raise Rejected(
            f"flera satser ({len(statements)}) på en gång; bara en fråga i taget är tillåten"
        )
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise parse_error
    tree, lambdas = _serialize(con, sql)
    if tree.get("error"):
        raise parse_error
    _walk_duckdb(tree, schema, lambdas)
    tables = {
        str(i.get("table_name", "")).lower() for i in _dicts(tree) if i.get("type") == "BASE_TABLE"
    }
    params = tuple(sorted(statements[0].named_parameters))
    return Checked(sql, tuple(sorted(t for t in tables if t in schema.tables)), params)


def _first_line(err: Exception) -> str:
    return str(err).splitlines()[0][:160] if str(err) else type(err).__name__
