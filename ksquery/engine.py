"""Run a checked statement with bound parameters, a time limit and Ctrl-C, and return a Result."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from ksquery import cache
from ksquery.catalog import Catalog, duckdb_module, storage_reason
from ksquery.errors import Cancelled, KsqueryError, ParamError, QueryFailed, Rejected
from ksquery.watchdog import Job

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    import duckdb
else:
    duckdb = duckdb_module()  # DuckDB's C++ extension (see catalog.py)

DEFAULT_TIMEOUT = 5.0
TIMEOUT_RANGE = (0.1, 3600.0)  # seconds, for --timeout and the REPL's .timeout
# Bump when the validator's rules change so that cached verdicts on named questions expire.
VALIDATOR_VERSION = "6"
# A bound parameter is at most this big (characters, or elements and characters of a list):
# the validator's size bounds count every parameter as this much (validate.VALUE_BOUND).
MAX_PARAM_SIZE = 100_000
# A result fetched whole is at most this many rows and values (rows x columns); a screen asks
# for the first rows and a count, a file writer streams.
MAX_RESULT_ROWS = 200_000
MAX_RESULT_CELLS = 2_000_000
FETCH_CHUNK = 10_000
# A Swedish question longer than this is refused before any matching runs.
MAX_QUESTION_CHARS = 2_000


@dataclass(frozen=True)
class Result:
    """One answer: what every layer passes on, from the engine to the screen or a file."""

    columns: tuple[str, ...]
    types: tuple[str, ...]
    rows: list[tuple]
    sql: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    title: str | None = None
    question: str | None = None
    source: str | None = None
    elapsed: float = 0.0
    total_rows: int | None = None  # rows the query produced when `rows` holds only the first ones
    notes: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()
    chart: str | None = None
    plan: dict | None = None  # a composed question's plan (ask), for --format json
    context: dict | None = None  # what a follow-up question may build on
    plain: frozenset[str] = frozenset()  # integer columns shown without digit grouping

    @property
    def row_count(self) -> int:
        return self.total_rows if self.total_rows is not None else len(self.rows)

    def with_meta(self, **changes: Any) -> Result:
        """Return a copy with the given fields replaced."""
        return replace(self, **changes)


def check(catalog: Catalog, sql: str):
    """Validate `sql` against the catalog; return the Checked statement or raise Rejected."""
    from ksquery.validate import validate  # imported here: cached named questions skip sqlglot

    return validate(sql, catalog.schema, catalog.con)


def prefetch_checks(catalog: Catalog, statements: list[str]) -> None:
    """Before a script runs: DuckDB's half of the gate for all its statements in one call."""
    if len(statements) > 1:
        from ksquery.validate import prefetch

        prefetch(catalog.con, statements)


def check_question(text: str) -> None:
    """Raise Rejected when a Swedish question is too long to match within the time limit."""
    if len(text) > MAX_QUESTION_CHARS:
        raise Rejected(
            f"frågan är för lång ({len(text)} tecken, högst {MAX_QUESTION_CHARS})",
            "ställ en kortare fråga eller skriv SQL",
        )


def parse_timeout(text: str | float) -> float:
    """Seconds from '2', '2,5' or 2.5; raise KsqueryError unless finite and within TIMEOUT_RANGE."""
    try:
        value = float(str(text).strip().replace(",", "."))
    except ValueError:
        raise KsqueryError(
            f"tidsgränsen ska vara ett antal sekunder, fick '{str(text)[:20]}'"
        ) from None
    low, high = TIMEOUT_RANGE
    if not math.isfinite(value) or not low <= value <= high:
        raise KsqueryError(
            f"tidsgränsen ska vara mellan {low:g} och {high:g} sekunder".replace(".", ",")
        )
    return value


def check_params(params: dict[str, Any] | None) -> None:
    """Raise ParamError when a bound value is bigger than the validator's bounds assume."""
    for name, value in (params or {}).items():
        if _param_size(value) > MAX_PARAM_SIZE:
            raise ParamError(
                f"parametern {str(name)[:40]} är för stor (högst {MAX_PARAM_SIZE} tecken)"
            )


def _param_size(value: Any) -> int:
    if isinstance(value, (str, bytes, bytearray)):
        return len(value)
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, (list, tuple, set, frozenset)):
        return len(value) + sum(_param_size(v) for v in value)
    return 8


def check_cached(catalog: Catalog, sql: str) -> None:
    """Validate fixed SQL once per content and catalog; later runs skip the validator entirely
    (in this process without even hashing it again)."""
    passed = catalog.derived.passed
    if (VALIDATOR_VERSION, sql) in passed:
        return
    digest = hashlib.sha256(f"{VALIDATOR_VERSION}|{catalog.fingerprint}|{sql}".encode())
    key = "verdict-" + digest.hexdigest()[:32]
    if not cache.marked(key):
        check(catalog, sql)
        cache.mark(key)  # a read-only cache only costs speed
        cache.mark(_seen_key(sql))
    if len(passed) >= 4096:  # a long session of generated SQL: start over rather than grow
        passed.clear()
    passed.add((VALIDATOR_VERSION, sql))


def _seen_key(sql: str) -> str:
    return "seen-" + hashlib.sha256(f"{VALIDATOR_VERSION}|{sql}".encode()).hexdigest()[:32]


def seen_before(sql: str) -> bool:
    """Whether this text passed the gate before against some catalog: only a hint, to skip
    importing the validator ahead of time; check_cached still decides per catalog."""
    return cache.marked(_seen_key(sql))


def run(
    catalog: Catalog,
    sql: str,
    params: dict[str, Any] | None = None,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    max_rows: int | None = None,
    validated: bool = False,
) -> Result:
    """Validate (unless already done) and run `sql`; raise Rejected, QueryFailed or Cancelled."""
    if not validated:
        check(catalog, sql)
    return execute(
        catalog.con,
        sql,
        params or {},
        timeout=timeout,
        max_rows=max_rows,
        plain=plain_numbers(catalog),
    )


def plain_numbers(catalog: Catalog) -> frozenset[str]:
    """The integer columns this data set shows without digit grouping ([meta.display]
    plain_numbers and the source-line role); output also treats `NAME_…` and `…_id` so."""
    known = catalog.derived.plain
    if known is not None:
        return known
    meta = catalog.dictionary.meta
    names = list((meta.get("display") or {}).get("plain_numbers") or [])
    line = (meta.get("roles") or {}).get("line")
    known = catalog.derived.plain = frozenset(
        str(n).lower() for n in [*names, *([line] if line else [])]
    )
    return known


def execute(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: dict[str, Any],
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    max_rows: int | None = None,
    plain: frozenset[str] = frozenset(),
) -> Result:
    """Run on this thread, guarded by the watchdog: a time limit or Ctrl-C interrupts DuckDB.

    With `max_rows`, only the first rows are kept and the rest are counted in chunks, so memory
    stays bounded whatever the result's size; when the time limit ends the count, the first
    rows come back with a note. Without it, a result over MAX_RESULT_ROWS is refused.
    """
    check_params(params)
    started = time.perf_counter()
    deadline = None if timeout is None else time.monotonic() + timeout
    # A cursor per query: an interrupted call can never leave the shared connection busy.
    cursor = con.cursor()
    rows: list | None = None  # the first rows, once fetched
    try:
        with _Guard(cursor, deadline, timeout) as job:
            try:
                cur = cursor.execute(sql, params or None)
                desc = cur.description or []
                limit = min(MAX_RESULT_ROWS, MAX_RESULT_CELLS // max(len(desc), 1))
                keep = limit + 1 if max_rows is None else max_rows
                rows = cur.fetchmany(keep) if keep else []
                total = len(rows)
                if max_rows is None and total > limit:
                    raise QueryFailed(
                        f"resultatet har fler än {limit:,} rader".replace(",", " "),
                        "begränsa resultatet, t.ex. med WHERE, GROUP BY eller LIMIT",
                    )
                while len(rows) == keep and (chunk := len(cur.fetchmany(FETCH_CHUNK))):
                    total += chunk
            except Exception:
                if job.reason == "timeout" and rows is not None and max_rows is not None:
                    # the count ran out of time: the first rows, with a note
                    note = f"fler än {len(rows)} rader; alla hann inte räknas inom tidsgränsen"
                    partial = _result(desc, rows, None, sql, params, started, plain)
                    return partial.with_meta(notes=(note,))
                raise
    finally:
        cursor.close()
    return _result(desc, rows, total, sql, params, started, plain)


class _Guard(Job):
    """A guarded call whose DuckDB errors come out as the library's own, and which, when the
    watchdog stopped it, raises Cancelled (Ctrl-C or the time limit)."""

    __slots__ = ("timeout",)

    def __init__(self, cursor: Any, deadline: float | None, timeout: float | None) -> None:
        super().__init__(cursor, deadline)
        self.timeout = timeout

    def __exit__(self, kind: Any, err: Any, tb: Any) -> None:
        super().__exit__(kind, err, tb)
        if err is None or isinstance(err, KsqueryError):
            if self.reason == "sigint":  # DuckDB finished anyway; the Ctrl-C was for this call
                raise _stopped(self)
            return
        if isinstance(err, KeyboardInterrupt) or self.reason is not None:
            raise _stopped(self) from None
        if isinstance(err, Exception):
            _raise(err)


def _stopped(job: _Guard) -> Cancelled:
    if job.reason != "timeout":
        return Cancelled("frågan avbröts (Ctrl-C)")
    return Cancelled(
        f"frågan avbröts efter tidsgränsen {job.timeout:g} s",
        "höj gränsen med --timeout SEKUNDER eller .timeout SEKUNDER",
    )


def stream(
    catalog: Catalog,
    sql: str,
    params: dict[str, Any] | None = None,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    chunk_rows: int = FETCH_CHUNK,
    validated: bool = False,
) -> tuple[Result, Iterator[list[tuple]]]:
    """Run `sql` and return its header (a Result without rows) and its rows chunk by chunk.

    For csv and json of any size: memory holds one chunk. The time limit covers the whole
    statement, fetching included; Ctrl-C or the limit interrupts DuckDB and raises Cancelled.
    """
    if not validated:
        check(catalog, sql)
    params = params or {}
    check_params(params)
    deadline = None if timeout is None else time.monotonic() + timeout
    cursor = catalog.con.cursor()
    started = time.perf_counter()
    try:
        with _Guard(cursor, deadline, timeout):
            desc = cursor.execute(sql, params or None).description
    except BaseException:
        cursor.close()
        raise
    header = _result(desc or [], [], None, sql, params, started)

    def chunks() -> Iterator[list[tuple]]:
        try:
            while True:
                with _Guard(cursor, deadline, timeout):
                    rows = cursor.fetchmany(chunk_rows)
                if not rows:
                    return
                yield rows
        finally:
            cursor.close()

    return header, chunks()


def _raise(err: BaseException) -> None:
    """DuckDB's error as the library's own, in Swedish."""
    if isinstance(err, duckdb.InterruptException):
        raise Cancelled("frågan avbröts") from None
    if _spill_failed(err):
        raise QueryFailed(
            f"frågan kunde inte köras: {_spill_reason(err)} där stora frågor mellanlagras",
            "frigör utrymme där ksquery har sin cache (eller sätt KSQUERY_HOME till en annan "
            "disk), eller begränsa frågan med WHERE, GROUP BY eller LIMIT",
        ) from None
    if isinstance(err, duckdb.OutOfMemoryException):
        raise QueryFailed(
            "frågan behöver mer minne än gränsen tillåter",
            "begränsa resultatet, t.ex. med WHERE eller LIMIT",
        ) from None
    if isinstance(err, duckdb.Error):
        raise QueryFailed(_swedish(err), f"DuckDB: {_first_line(err)}") from None
    raise QueryFailed(f"frågan misslyckades ({type(err).__name__})") from None


def _spill_failed(err: BaseException) -> bool:
    """Whether DuckDB failed writing its temporary files: a full or read-only disk under a query
    that spills (an IO error, or out of memory because nothing more could be offloaded)."""
    text = str(err)
    if isinstance(err, duckdb.OutOfMemoryException):
        return "offload" in text or "max_temp_directory_size" in text
    return isinstance(err, (duckdb.IOException, duckdb.FatalException)) and any(
        sign in text
        for sign in ("No space left", "Could not write", "Read-only file system", "disk is full")
    )


def _spill_reason(err: BaseException) -> str:
    reason = storage_reason(err)
    if reason == "lagringsfel i DuckDB" and isinstance(err, duckdb.OutOfMemoryException):
        return "disken är full"  # the space DuckDB may use for temporary files is used up
    return reason


def _result(desc, rows, total, sql, params, started, plain=frozenset()) -> Result:
    return Result(
        columns=tuple(d[0] for d in desc),
        types=tuple(str(d[1]) for d in desc),
        rows=rows,
        sql=sql,
        params=dict(params),
        elapsed=time.perf_counter() - started,
        total_rows=total,
        plain=plain,
    )


_KINDS = {
    "ConversionException": "ett värde kan inte omvandlas till rätt typ",
    "BinderException": "frågan passar inte tabellerna (kolumn, typ eller gruppering)",
    "CatalogException": "ett namn i frågan finns inte",
    "OutOfRangeException": "ett tal hamnar utanför sitt intervall",
    "InvalidInputException": "ogiltig indata",
    "ParserException": "syntaxfel",
    "DivisionByZeroException": "division med noll",
}


def _swedish(err: Exception) -> str:
    """One Swedish line for a DuckDB error; its own English words go in the hint."""
    return "frågan kunde inte köras: " + _KINDS.get(type(err).__name__, "DuckDB avbröt frågan")


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0][:200] if text else type(err).__name__
