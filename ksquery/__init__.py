"""ksquery: ask a budget in SQL or Swedish, from the terminal or a notebook.

    import ksquery
    kb = ksquery.open()          # or ksquery.open("path/to/data")
    kb.question("investeringar_per_ar").to_df()

The heavy modules (DuckDB, the gate) load on first use, so `import ksquery` stays cheap.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time

__version__ = "0.1.0"
__all__ = ["KnowledgeBase", "KsqueryError", "Result", "__version__", "open"]

if TYPE_CHECKING:
    from ksquery.api import KnowledgeBase, Result, open
    from ksquery.errors import KsqueryError


def __getattr__(name: str) -> object:
    if name in ("KnowledgeBase", "Result", "open"):
        from ksquery import api

        return getattr(api, name)
    if name == "KsqueryError":
        from ksquery.errors import KsqueryError

        return KsqueryError
    raise AttributeError(f"module 'ksquery' has no attribute {name!r}")
