"""The one on-disk cache: a version, keyed JSON values, atomic writes, rebuild on damage.

Everything here only costs or saves speed: a missing, damaged, foreign or read-only cache makes
`load` return None and `store` return False, and the caller computes the value again.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

# Bump when the layout of any cached value changes: older entries are then ignored.
VERSION = "1"
_KEY = re.compile(r"[A-Za-z0-9_.-]{1,120}")
# Leftovers of a writer that died (SIGKILL, power loss): `name.tmp<pid>` and DuckDB's `.wal`.
_TEMPORARY = re.compile(r"\.tmp(\d+)(?:\.wal)?$")


def user_dir(kind: str) -> Path:
    """Return the user's state or cache directory (XDG), or under $KSQUERY_HOME when set."""
    home = os.environ.get("KSQUERY_HOME")
    if home:
        return Path(home) / kind
    if kind == "cache":
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    else:
        base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "ksquery"


def directory() -> Path:
    """The cache directory (it may not exist yet, and may not be writable)."""
    return user_dir("cache")


def path(name: str) -> Path:
    """Where a cached file called `name` lives (for artefacts that are not JSON values)."""
    if not _KEY.fullmatch(name):
        raise ValueError(f"bad cache name {name!r}")
    return directory() / name


def load(key: str) -> Any | None:
    """The value stored under `key` by this VERSION, or None when absent, foreign or damaged."""
    try:
        data = json.loads(path(f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != VERSION or "value" not in data:
        return None
    return data["value"]


def store(key: str, value: Any) -> bool:
    """Store a JSON-able value under `key` atomically; False when the cache cannot be written."""
    text = json.dumps({"version": VERSION, "value": value}, ensure_ascii=False)
    return write_atomic(path(f"{key}.json"), text.encode("utf-8"))


def marked(key: str) -> bool:
    """Whether `mark(key)` was called under this VERSION: a yes/no value that costs one stat."""
    try:
        return _mark_path(key).exists()
    except (OSError, ValueError):
        return False


def mark(key: str) -> bool:
    """Remember `key` as true (an empty file); False when the cache cannot be written."""
    try:
        target = _mark_path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch()
        return True
    except (OSError, ValueError):
        return False


def _mark_path(key: str) -> Path:
    if not _KEY.fullmatch(key):
        raise ValueError(f"bad cache key {key!r}")
    # Marks live apart from the values, in a folder of their VERSION: a bump orphans them all.
    return directory() / f"marks-{VERSION}" / key


def forget(key: str) -> None:
    """Remove the value stored under `key`, if any and if possible."""
    try:
        path(f"{key}.json").unlink(missing_ok=True)
    except OSError:
        pass


def write_atomic(target: Path, data: bytes) -> bool:
    """Write `data` to `target` under a temporary name and rename it; False on any OSError."""
    tmp = temporary_name(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, target)
        return True
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        return False


def temporary_name(target: Path) -> Path:
    """The name a writer in this process builds `target` under before renaming it."""
    return target.with_name(f"{target.name}.tmp{os.getpid()}")


def writable() -> bool:
    """Whether the cache directory can be created and written to."""
    folder = directory()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK | os.X_OK)


def private_dir() -> Path:
    """A new private temporary directory, for a compile when the cache is read-only."""
    import tempfile

    return Path(tempfile.mkdtemp(prefix="ksquery-"))


def sweep() -> list[Path]:
    """Remove temporary files left by writers that no longer run; return what was removed."""
    try:
        entries = list(directory().iterdir())
    except OSError:
        return []
    return _unlink(
        entry
        for entry in entries
        if (m := _TEMPORARY.search(entry.name)) is not None and not _alive(int(m.group(1)))
    )


def prune(keep: int = 8, spare: tuple[str, ...] = ()) -> list[Path]:
    """Keep the `keep` most recently written values of each kind (`dictionary-…`, `ask-index-…`
    …) except the kinds in `spare`; older versions only fill the disk. Return what was removed."""
    try:
        files = [p for p in directory().glob("*.json") if _VERSIONED.fullmatch(p.name)]
        groups: dict[str, list[tuple[float, Path]]] = {}
        for entry in files:
            kind = _VERSIONED.fullmatch(entry.name).group(1)  # type: ignore[union-attr]
            groups.setdefault(kind, []).append((entry.stat().st_mtime, entry))
    except OSError:
        return []
    return _unlink(
        entry
        for kind, entries in groups.items()
        if kind not in spare
        for _, entry in sorted(entries, reverse=True)[keep:]
    )


def _unlink(paths: Iterable[Path]) -> list[Path]:
    """Remove each path that can be removed; return those removed."""
    removed: list[Path] = []
    for path in paths:
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            pass
    return removed


# A value keyed by a content hash: `kind-<hex>.json`.
_VERSIONED = re.compile(r"([a-z][a-z-]*?)-[0-9a-f]{16,64}\.json")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OverflowError:
        return False  # no process has such a number
    except PermissionError:
        return True  # someone else's process: leave its files alone
    return True
