"""Where an export may be written: never into the data it reads, never over a file unasked.

The CLI (`--out`, `--force`) and the REPL (`.export FIL`, `.export! FIL`) both call safe_target.
"""

from __future__ import annotations

import os
from pathlib import Path

from ksquery.catalog import SHIPPED_DATA, Catalog
from ksquery.errors import KsqueryError, os_reason
from ksquery.output import printable
from ksquery.questions import SHIPPED_QUERIES, queries_dir


class ExportRefused(KsqueryError):
    """An export would write into the data or the questions, or over a file unasked."""


def protected(catalog: Catalog) -> list[Path]:
    """The directories no export may write into: the data read, the shipped data, the queries."""
    folders = [catalog.data_dir, SHIPPED_DATA, queries_dir(), SHIPPED_QUERIES]
    out: list[Path] = []
    for folder in folders:
        try:
            resolved = Path(folder).resolve()
        except (OSError, RuntimeError):
            continue
        if resolved not in out:
            out.append(resolved)
    return out


def _resolve(path: str | os.PathLike) -> Path:
    given = Path(path).expanduser()
    try:
        return given.resolve()  # follows every symlink, also a dangling last one
    except (OSError, RuntimeError) as err:
        reason = os_reason(err) if isinstance(err, OSError) else "symbolisk länk i en slinga"
        raise ExportRefused(f"kan inte skriva {printable(str(given))}: {reason}") from None


def check_folder(folder: str | os.PathLike, catalog: Catalog) -> Path:
    """Return the resolved folder, or raise ExportRefused when it lies in a protected directory."""
    target = _resolve(folder)
    for root in protected(catalog):
        if target.is_relative_to(root):
            raise ExportRefused(
                f"vägrar skriva i {printable(str(folder))}: den ligger i {root}, "
                "som ksquery läser data eller frågor från",
                "välj en katalog utanför datakatalogen och frågekatalogen",
            )
    return target


def safe_target(path: str | os.PathLike, catalog: Catalog, force: bool = False) -> Path:
    """Return the resolved path to write an export to, its folder created; raise ExportRefused
    for a path in the data or queries directory (after `..` and symlinks), an existing file
    unless `force`, or a directory."""
    target = check_folder(path, catalog)
    shown = printable(str(path))
    if target.is_dir():
        raise ExportRefused(f"{shown} är en katalog", "ange ett filnamn")
    if target.exists() and not force:
        raise ExportRefused(
            f"{shown} finns redan", "skriv över med --force (i skalet: .export! FIL)"
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ExportRefused(
            f"kan inte skapa katalogen {printable(str(target.parent))}: {os_reason(err)}"
        ) from None
    return target
