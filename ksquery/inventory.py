"""What the data set holds, as Results both the command and the REPL show: tables, a table's
columns, the named questions, and the audit's findings."""

from __future__ import annotations

from decimal import Decimal

from ksquery import engine, questions
from ksquery.audit import Finding
from ksquery.catalog import Catalog
from ksquery.errors import KsqueryError, did_you_mean
from ksquery.output import format_value, safe


def tables(catalog: Catalog) -> engine.Result:
    """Every table with its row count and description."""
    rows = [
        (
            t.name,
            engine.execute(catalog.con, f'SELECT count(*) FROM "{t.name}"', {}).rows[0][0],
            t.description,
        )
        for t in catalog.tables.values()
    ]
    return engine.Result(("tabell", "rader", "innehåll"), ("",) * 3, rows)


def describe(catalog: Catalog, name: str) -> engine.Result:
    """A table's columns with type and Swedish description; KsqueryError for an unknown name."""
    if not name.strip():
        raise KsqueryError("ange en tabell", "tabellerna: " + ", ".join(catalog.tables))
    table = catalog.dictionary.table(name.strip())
    if table is None:
        close = did_you_mean(name, catalog.tables)
        raise KsqueryError(
            f"okänd tabell '{safe(name)[:60]}'" + (f" — menade du '{close[0]}'?" if close else ""),
            "tabellerna: " + ", ".join(catalog.tables),
        )
    return engine.Result(
        ("kolumn", "typ", "betydelse"),
        ("",) * 3,
        [(c.name, c.type, c.description) for c in table.columns],
        title=f"{table.name}: {table.description}",
        source=table.source,
    )


def question_list(named: dict[str, questions.Question], filter_text: str = "") -> engine.Result:
    """The named questions with their parameters' defaults, optionally filtered by a word."""
    rows = [
        (q.id, q.title, ", ".join(f"{p.name}={format_value(p.default, p.name)}" for p in q.params))
        for q in named.values()
        if not filter_text or filter_text.lower() in (q.id + q.title + " ".join(q.aliases)).lower()
    ]
    return engine.Result(("fråga", "titel", "parametrar"), ("",) * 3, rows)


def findings(found: list[Finding]) -> engine.Result:
    """The audit's findings as one row each, numbers exact (4,227, not 4,23)."""

    def exact(value: object) -> object:
        return None if value is None else Decimal(str(value))

    def place(f: Finding) -> str:
        return f"{f.where}, rad {f.line}" if f.line else f.where

    rows = [
        (f.kind, f.row, exact(f.document), exact(f.computed), f"{f.message} ({place(f)})")
        for f in found
    ]
    return engine.Result(
        ("typ", "rad", "dokumentet", "beräknat", "förklaring"),
        ("",) * 5,
        rows,
        title="Avvikelser i dokumentet" if found else "Allt stämmer: inga avvikelser i dokumentet",
    )
