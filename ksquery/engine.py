"""Run a checked statement with bound parameters, a time limit and Ctrl-C, and return a Result."""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb

from ksquery.catalog import Catalog, user_dir
from ksquery.errors import Cancelled, QueryFailed

DEFAULT_TIMEOUT = 5.0
# Bump when the validator's rules change so that cached verdicts on named questions expire.
VALIDATOR_VERSION = "4"


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


def check_cached(catalog: Catalog, sql: str) -> None:
    """Validate fixed SQL once per content and catalog; later runs skip the validator entirely."""
    key = hashlib.sha256(f"{VALIDATOR_VERSION}|{catalog.fingerprint}|{sql}".encode()).hexdigest()
    marker = user_dir("cache") / "validated" / key[:32]
    if marker.exists():
        return
    check(catalog, sql)
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        pass  # a read-only cache only costs speed


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
        worker=worker_for(catalog),
    )


class Worker:
    """One long-lived thread that runs queries, so that each query does not pay a thread start.

    Queries run off the main thread because Ctrl-C (SIGINT) is only seen by the main thread, and
    DuckDB ignores it there about half the time; waiting here lets us interrupt the cursor.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="ksquery-query", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            self._jobs.get()()

    def submit(self, job) -> None:
        self._jobs.put(job)


def worker_for(catalog: Catalog) -> Worker:
    """The catalog's query thread, started on first use."""
    worker = catalog.memo.get("worker")
    if worker is None:
        worker = catalog.memo["worker"] = Worker()
    return worker


def execute(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: dict[str, Any],
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    max_rows: int | None = None,
    worker: Worker | None = None,
) -> Result:
    """Run off the main thread so that a time limit or Ctrl-C can interrupt DuckDB at once."""
    box: dict[str, Any] = {}
    started = time.perf_counter()
    # A cursor per query: an interrupted call can never leave the shared connection busy.
    cursor = con.cursor()
    finished = threading.Event()

    def work() -> None:
        try:
            cur = cursor.execute(sql, params or None)
            desc = cur.description or []
            if max_rows is None:
                rows = cur.fetchall()
                total = len(rows)
            else:
                rows = cur.fetchmany(max_rows)
                total = len(rows)
                while len(chunk := cur.fetchmany(10_000)):
                    total += len(chunk)
            box["ok"] = (desc, rows, total)
        except BaseException as err:  # noqa: BLE001 - handed to the calling thread
            box["err"] = err
        finally:
            finished.set()

    if worker is None:
        threading.Thread(target=work, name="ksquery-query", daemon=True).start()
    else:
        worker.submit(work)
    # Wait on an Event, not Thread.join: on Python 3.11 a join interrupted by Ctrl-C marks the
    # thread as stopped while it still runs (bpo-45274), and DuckDB would never be interrupted.
    try:
        done = finished.wait(timeout)
    except KeyboardInterrupt:
        _stop(cursor, finished)
        raise Cancelled("frågan avbröts (Ctrl-C)") from None
    if not done:
        _stop(cursor, finished)
        raise Cancelled(
            f"frågan avbröts efter tidsgränsen {timeout:g} s",
            "höj gränsen med --timeout SEKUNDER eller .timeout SEKUNDER",
        )
    cursor.close()
    if "err" in box:
        err = box["err"]
        if isinstance(err, duckdb.InterruptException):
            raise Cancelled("frågan avbröts") from None
        if isinstance(err, duckdb.OutOfMemoryException):
            raise QueryFailed(
                "frågan behöver mer minne än gränsen tillåter",
                "begränsa resultatet, t.ex. med WHERE eller LIMIT",
            ) from None
        if isinstance(err, duckdb.Error):
            raise QueryFailed(_swedish(err), f"DuckDB: {_first_line(err)}") from None
        raise QueryFailed(f"frågan misslyckades ({type(err).__name__})") from None
    desc, rows, total = box["ok"]
    return Result(
        columns=tuple(d[0] for d in desc),
        types=tuple(str(d[1]) for d in desc),
        rows=rows,
        sql=sql,
        params=dict(params),
        elapsed=time.perf_counter() - started,
        total_rows=total,
    )


def _stop(cursor: duckdb.DuckDBPyConnection, finished: threading.Event) -> None:
    """Interrupt until the worker has ended: an interrupt sent before DuckDB starts is lost."""
    while not finished.is_set():
        cursor.interrupt()
        finished.wait(0.05)
    cursor.close()


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
