"""The few error types the library raises; the CLI and REPL turn them into one Swedish line."""

from __future__ import annotations

import errno
from collections.abc import Iterable


def did_you_mean(word: str, options: Iterable[str], n: int = 1, cutoff: float = 0.6) -> list[str]:
    """The options closest to a mistyped `word`, best first and in their own spelling, compared
    without case: the 'menade du …?' of an error message."""
    import difflib  # only when a suggestion is needed

    folded: dict[str, str] = {}
    for option in options:
        folded.setdefault(option.lower(), option)
    found = difflib.get_close_matches(word.lower(), list(folded), n=n, cutoff=cutoff)
    return [folded[f] for f in found]


class KsqueryError(Exception):
    """Base error: `str(err)` is a one-line Swedish message; `hint` is an optional next step."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class DataError(KsqueryError):
    """A data file or the data dictionary is broken or missing."""


class Rejected(KsqueryError):
    """The validator refused a statement."""


class QuestionError(KsqueryError):
    """A named question is unknown or its file is malformed."""


class ParamError(KsqueryError):
    """A parameter value is missing, of the wrong type or outside its allowed values."""


class QueryFailed(KsqueryError):
    """DuckDB refused or failed a statement that passed validation."""


class Cancelled(KsqueryError):
    """The query was interrupted by the time limit or by Ctrl-C."""


class NoAnswer(KsqueryError):
    """A free-text question matched nothing well enough."""

    exit_code = 1


_OS_REASONS = {
    errno.ENOENT: "katalogen eller filen finns inte",
    errno.EACCES: "behörighet saknas",
    errno.EPERM: "behörighet saknas",
    errno.EISDIR: "det är en katalog",
    errno.ENOTDIR: "en del av sökvägen är inte en katalog",
    errno.EEXIST: "finns redan och är inte en katalog",
    errno.ENOSPC: "disken är full",
    errno.EROFS: "filsystemet är skrivskyddat",
}


def os_reason(err: OSError) -> str:
    """A file-system error in a few Swedish words."""
    return _OS_REASONS.get(err.errno or 0, err.strerror or type(err).__name__)
