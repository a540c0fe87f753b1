"""The library under the command line and the REPL, for notebooks and scripts.

    import ksquery
    kb = ksquery.open()                       # the shipped data, or open("path/to/data")
    kb.sql("SELECT år, sum(belopp_tkr) FROM investeringar GROUP BY år", )
    kb.question("investeringar_per_ar", till=2027).to_df()

Every method returns a Result (the same object the CLI prints) through the same gate, time limit
and memory limit as the command line.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ksquery import engine, questions
from ksquery.catalog import Catalog, open_catalog
from ksquery.errors import KsqueryError, QuestionError


@dataclass(frozen=True)
class Result(engine.Result):
    """An answer with notebook conveniences: `.to_df()`, `.to_arrow()` and an HTML table."""

    @classmethod
    def of(cls, result: engine.Result) -> Result:
        """Wrap an engine Result (no copy of the rows)."""
        if isinstance(result, cls):
            return result
        return cls(**{f.name: getattr(result, f.name) for f in fields(engine.Result)})

    def to_df(self) -> Any:
        """A pandas DataFrame of the rows; KsqueryError when pandas is not installed."""
        try:
            import pandas
        except ImportError:
            raise KsqueryError(
                "pandas är inte installerat", "installera det med: pip install pandas"
            ) from None
        return pandas.DataFrame.from_records(self.rows, columns=list(self.columns))

    def to_arrow(self) -> Any:
        """A pyarrow Table of the rows; KsqueryError when pyarrow is not installed."""
        try:
            import pyarrow
        except ImportError:
            raise KsqueryError(
                "pyarrow är inte installerat", "installera det med: pip install pyarrow"
            ) from None
        columns = {name: [r[i] for r in self.rows] for i, name in enumerate(self.columns)}
        return pyarrow.table(columns)

    def __repr__(self) -> str:
        from ksquery import output

        return output.render(self, "table", width=100, max_rows=20)

    def _repr_html_(self) -> str:
        from ksquery import output

        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(output.format_value(v, c, plain=self.plain))}</td>"
                for v, c in zip(row, self.columns, strict=True)
            )
            + "</tr>"
            for row in self.rows[:200]
        )
        title = f"<p><b>{html.escape(self.title)}</b></p>" if self.title else ""
        more = len(self.rows) - 200
        foot = f"<p>… {more} rader till</p>" if more > 0 else ""
        source = f"<p>Källa: {html.escape(self.source)}</p>" if self.source else ""
        return f"{title}<table><tr>{head}</tr>{body}</table>{foot}{source}"


class KnowledgeBase:
    """One opened data set and its named questions."""

    def __init__(
        self, catalog: Catalog, queries: Path, timeout: float | None = engine.DEFAULT_TIMEOUT
    ) -> None:
        self.catalog = catalog
        self.queries = queries
        self.timeout = timeout

    def __repr__(self) -> str:
        return (
            f"<ksquery {self.catalog.dictionary.meta.get('title', '')!s} ({self.catalog.data_dir})>"
        )

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database connection."""
        self.catalog.close()

    def named(self) -> dict[str, questions.Question]:
        """The named questions, as this data set reads them (computed defaults filled in)."""
        return {
            qid: questions.resolve(self.catalog, q)
            for qid, q in questions.load_all(self.queries).items()
        }

    def sql(self, text: str, *, max_rows: int | None = None, **params: Any) -> Result:
        """Run one read-only statement through the gate; `$name` binds `name=` values."""
        return Result.of(
            engine.run(self.catalog, text, params, timeout=self.timeout, max_rows=max_rows)
        )

    def question(self, qid: str, **params: Any) -> Result:
        """Run a named question by id; parameters are checked as on the command line."""
        found = questions.load_all(self.queries).get(qid)
        if found is None:
            raise QuestionError(f"okänd fråga '{qid}'", "se kb.named() för frågorna")
        return Result.of(questions.run(self.catalog, found, params, timeout=self.timeout))

    def ask(self, text: str, **params: Any) -> Result:
        """A named question's id or a Swedish question, answered as `ksquery ask` answers it."""
        named = questions.load_all(self.queries)
        if text.strip() in named:
            return self.question(text.strip(), **params)
        from ksquery import ask

        return Result.of(ask.answer(self.catalog, named, text, params, timeout=self.timeout))

    def check(self) -> Result:
        """The audit's findings (sums, products, cross-checks, text claims), one row each."""
        from ksquery import audit, inventory

        return Result.of(inventory.findings(audit.audit(self.catalog)))

    def tables(self) -> Result:
        """Every table with its row count and description."""
        from ksquery import inventory

        return Result.of(inventory.tables(self.catalog))

    def describe(self, table: str) -> Result:
        """A table's columns with type and Swedish description."""
        from ksquery import inventory

        return Result.of(inventory.describe(self.catalog, table))


def open(  # noqa: A001 - the public name mirrors sqlite-utils' Database(...) / duckdb.connect
    data: str | os.PathLike | None = None,
    *,
    queries: str | os.PathLike | None = None,
    timeout: float | None = engine.DEFAULT_TIMEOUT,
) -> KnowledgeBase:
    """Open a data directory (default: --data's order: KSQUERY_DATA, then the shipped data)."""
    return KnowledgeBase(open_catalog(data), questions.queries_dir(queries), timeout)
