"""The Python API: the same Result, gate and limits as the command line, for notebooks."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import DATA

import ksquery
from ksquery.errors import ParamError, QuestionError, Rejected


@pytest.fixture(scope="module")
def kb():
    with ksquery.open(DATA) as opened:
        yield opened


def test_named_question_and_sql_give_the_cli_result(kb):
    result = kb.question("investeringar_per_ar", till=2027)
    assert isinstance(result, ksquery.Result) and result.question == "investeringar_per_ar"
    assert [r[0] for r in result.rows][-1] == 2027
    assert kb.ask("investeringar_per_ar").rows == kb.question("investeringar_per_ar").rows
    n = kb.sql("SELECT count(*) AS n FROM risker WHERE riskvärde >= $m", m=8).rows
    assert n == [(3,)]


def test_same_gate_and_checks(kb):
    with pytest.raises(Rejected):
        kb.sql("DROP TABLE risker")
    with pytest.raises(ParamError, match="får inte vara större än"):
        kb.question("investeringar_per_ar", från=2029, till=2024)
    with pytest.raises(QuestionError, match="okänd fråga"):
        kb.question("finns_inte")


def test_inventory_and_audit(kb):
    assert "investeringar" in {r[0] for r in kb.tables().rows}
    assert kb.describe("drift").rows
    assert kb.check().rows  # the shipped document has slips


def test_repr_and_html(kb):
    result = kb.question("kommunbidrag")
    assert "Kommunbidrag per år" in repr(result)
    assert "<table>" in result._repr_html_() and "<th>år</th>" in result._repr_html_()


def test_dataframe_or_a_swedish_error(kb):
    result = kb.question("kommunbidrag")
    for method, module in (("to_df", "pandas"), ("to_arrow", "pyarrow")):
        try:
            __import__(module)
        except ImportError:
            with pytest.raises(ksquery.KsqueryError, match=f"{module} är inte installerat"):
                getattr(result, method)()
        else:
            assert len(getattr(result, method)()) == len(result.rows)


def test_import_is_cheap():
    """`import ksquery` loads neither DuckDB nor the gate (the one-shot CLI start-up matters)."""
    code = (
        "import sys, ksquery; print(sorted(m for m in ('duckdb', 'sqlglot') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert set(ksquery.__all__) == {
        "KnowledgeBase",
        "KsqueryError",
        "Result",
        "__version__",
        "open",
    }
