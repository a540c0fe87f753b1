"""Find the data directory, read its dictionary, compile and open the read-only DuckDB."""

from __future__ import annotations

import csv
import hashlib
import importlib
import os
import re
import shutil
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ksquery import cache
from ksquery.cache import user_dir
from ksquery.errors import DataError, os_reason

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any

    import duckdb

# Everything ksquery asks of DuckDB (connect, execute, fetch, cursors and interrupts, the parser's
# statements and tokens, the error types) is DuckDB's C++ extension `_duckdb`, which the `duckdb`
# package re-exports along with ~35 ms of Python (its relational and expression APIs) that
# ksquery never uses; the extension is loaded where it is first needed (see duckdb_module).
_DUCKDB_NAMES = (
    "__version__",
    "connect",
    "DuckDBPyConnection",
    "Error",
    "FatalException",
    "InterruptException",
    "IOException",
    "OutOfMemoryException",
    "StatementType",
    "token_type",
    "tokenize",
)


def duckdb_module() -> ModuleType:
    """DuckDB's C++ extension when it offers all that ksquery uses, else the duckdb package."""
    try:
        module = importlib.import_module("_duckdb")
    except ImportError:
        return importlib.import_module("duckdb")
    if all(hasattr(module, name) for name in _DUCKDB_NAMES):
        return module
    return importlib.import_module("duckdb")


__all__ = ["user_dir"]  # re-exported: the state directory's one seam lives in cache.py

_ROOT = Path(__file__).resolve().parent.parent
# An installed wheel ships the sample data as ksquery_data/ next to the package; in the
# repository (and an editable install) it is data/.
SHIPPED_DATA = _ROOT / "ksquery_data" if (_ROOT / "ksquery_data").is_dir() else _ROOT / "data"
DICTIONARY = "dictionary.toml"
# Bump when the compiled layout changes so that old cache files are not reused.
COMPILE_VERSION = "4"
# Data files up to this size are identified by their content (sha256 runs at ~1.5 GB/s, so the
# biggest costs ~10 ms a start); bigger ones (large Parquet) by size, mtime, ctime and inode.
HASH_LIMIT = 16 * 1024 * 1024
TYPES = re.compile(r"^(VARCHAR|INTEGER|BIGINT|DOUBLE|BOOLEAN|DATE|DECIMAL\(\d+,\s*\d+\))$")
RAW_SCHEMA = "lagrad"
DEFAULT_MEMORY_LIMIT = (
    "2GB"  # per query connection; [meta] memory_limit in the dictionary overrides
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Table:
    name: str
    file: str
    description: str
    source: str
    columns: tuple[Column, ...]
    sums: dict | None = None
    products: dict | None = None
    entities: tuple[str, ...] = ()
    search: tuple[str, ...] = ()
    entity_separators: dict = field(default_factory=dict)  # list-valued columns: column -> "; "
    aliases: tuple[str, ...] = ()  # other words people use for the table's rows ("kontroller")
    entity_aliases: dict = field(default_factory=dict)  # column -> {other name: value}

    def column(self, name: str) -> Column | None:
        """Return the column called `name` (case-insensitive), or None."""
        low = name.lower()
        return next((c for c in self.columns if c.name.lower() == low), None)


@dataclass(frozen=True)
class Check:
    id: str
    description: str
    where: str
    sql: str


@dataclass(frozen=True)
class Dictionary:
    data_dir: Path
    meta: dict
    tables: dict[str, Table]
    checks: tuple[Check, ...] = ()
    semantic: dict = field(default_factory=dict)  # the [semantic] model, read by semantic.py

    def table(self, name: str) -> Table | None:
        """Return the table called `name` (case-insensitive), or None."""
        return self.tables.get(name.lower())


@dataclass(frozen=True, eq=False)  # hashed by identity: one Schema per loaded catalog
class Schema:
    """What the validator knows: table names and their columns, lowercase."""

    tables: dict[str, tuple[str, ...]]

    @classmethod
    def from_tables(cls, tables: dict) -> Schema:
        """Build from the catalog's tables (name -> Table)."""
        return cls(
            {name.lower(): tuple(c.name.lower() for c in t.columns) for name, t in tables.items()}
        )


@dataclass
class Derived:
    """What the layers derive once per loaded data set, each field filled by the one module named
    beside it; kept on the catalog, not in module globals, so that two catalogs never share them.
    A field whose type belongs to a later layer is typed loosely here."""

    schema: Schema | None = None  # Catalog.schema
    passed: set[tuple[str, str]] = field(default_factory=set)  # engine.check_cached: verdicts
    plain: frozenset[str] | None = None  # engine.plain_numbers
    derived: dict[str, dict] | None = None  # questions: computed defaults, allowed values
    resolved: dict = field(default_factory=dict)  # questions.resolve
    named: Any = None  # ask: the named questions its word index is keyed by
    entities: list | None = None  # ask: entity values and their stems
    known: set[str] = field(default_factory=set)  # ask: every stem of the data's text and names
    common: set[str] = field(default_factory=set)  # ask: stems too frequent to tell rows apart
    unique_words: set | None = None  # ask: stems that name exactly one value of a column
    documents: list | None = None  # search.documents: the searchable rows
    semantic: Any = None  # semantic.load: the semantic model


@dataclass
class Catalog:
    """The loaded data set: its dictionary and a locked, read-only DuckDB connection."""

    dictionary: Dictionary
    con: duckdb.DuckDBPyConnection
    db_path: Path
    fingerprint: str
    derived: Derived = field(default_factory=Derived)

    @property
    def data_dir(self) -> Path:
        return self.dictionary.data_dir

    @property
    def tables(self) -> dict[str, Table]:
        return self.dictionary.tables

    @property
    def schema(self) -> Schema:
        """The table/column names the validator checks against, built once per catalog."""
        if self.derived.schema is None:
            self.derived.schema = Schema.from_tables(self.tables)
        return self.derived.schema

    def close(self) -> None:
        self.con.close()


def resolve_data_dir(arg: str | os.PathLike | None = None) -> Path:
    """Return the data directory: `--data`, then $KSQUERY_DATA, then the shipped `data/`."""
    chosen = arg or os.environ.get("KSQUERY_DATA") or SHIPPED_DATA
    path = Path(chosen).expanduser()
    if not path.is_dir():
        raise DataError(
            f"datakatalogen {path} finns inte", "ange en katalog med --data eller KSQUERY_DATA"
        )
    return path.resolve()


def load_dictionary(data_dir: Path) -> Dictionary:
    """Parse `dictionary.toml` in `data_dir` into a Dictionary, or raise DataError."""
    path = data_dir / DICTIONARY
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{path}: dataordlistan saknas") from None
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: inte giltig UTF-8 (byte {err.start})") from None
    except OSError as err:
        raise DataError(f"{path}: kan inte läsas ({os_reason(err)})") from None
    raw, remember = _parse_toml(path, text)
    try:
        dictionary = _build_dictionary(data_dir, path, text, raw)
    except DataError:
        if remember is not None:
            raise
        # A cached copy that does not build is damage, not a broken dictionary: read the TOML.
        raw, remember = _parse_toml(path, text, use_cache=False)
        dictionary = _build_dictionary(data_dir, path, text, raw)
    if remember is not None:
        remember()
    return dictionary


def _build_dictionary(data_dir: Path, path: Path, text: str, raw: dict) -> Dictionary:
    tables: dict[str, Table] = {}
    specs, meta = raw.get("tables") or {}, raw.get("meta") or {}
    if not isinstance(specs, dict) or not isinstance(meta, dict):
        raise DataError(f"{path.name}: [tables] och [meta] ska vara tabeller")
    for name, spec in specs.items():
        where = f"{path.name}: tabell {name}"
        try:
            columns = tuple(
                Column(c["name"], c["type"].upper(), c.get("description", ""))
                for c in spec["columns"]
            )
            table = Table(
                name=name,
                file=spec["file"],
                description=spec.get("description", ""),
                source=spec.get("source", ""),
                columns=columns,
                sums=spec.get("sums"),
                products=spec.get("products"),
                entities=tuple(spec.get("entities", ())),
                search=tuple(spec.get("search", ())),
                entity_separators=dict(spec.get("entity_separators", {})),
                aliases=tuple(spec.get("aliases", ())),
                entity_aliases={k: dict(v) for k, v in spec.get("entity_aliases", {}).items()},
            )
        except (KeyError, TypeError, AttributeError) as err:
            raise DataError(f"{where}: saknar eller har felaktig nyckel {err}") from None
        if not isinstance(table.file, str) or not _inside(data_dir, table.file):
            # Never follow a name (or a symlink) out of the data directory, and never show
            # anything of what lies there.
            raise DataError(
                f"{where}: filen '{table.file}' ligger utanför datakatalogen",
                'ange en fil i datakatalogen, t.ex. file = "tabell.csv"',
            )
        for col in columns:
            if not TYPES.match(col.type):
                raise DataError(
                    f"{where}, rad {_line_of(text, col.name, col.type)}: "
                    f"kolumn {col.name} har okänd typ "
                    f"{col.type}",
                    "tillåtna typer: VARCHAR, INTEGER, BIGINT, DOUBLE, DECIMAL(p,s), BOOLEAN, DATE",
                )
        tables[name.lower()] = table
    if not tables:
        raise DataError(f"{path}: inga tabeller")
    try:
        checks = tuple(
            Check(c["id"], c.get("description", ""), c.get("where", ""), c["sql"])
            for c in raw.get("checks", ())
        )
    except (KeyError, TypeError, AttributeError) as err:
        raise DataError(f"{path.name}: en kontroll i [[checks]] saknar nyckel {err}") from None
    return Dictionary(data_dir, meta, tables, checks, raw.get("semantic", {}))


def _inside(data_dir: Path, file: str) -> bool:
    """Whether `file` (relative to `data_dir`, symlinks followed) resolves inside `data_dir`."""
    try:
        root = data_dir.resolve()
        return (root / file).resolve().is_relative_to(root)
    except (OSError, ValueError, RuntimeError):  # a symlink loop, a NUL byte …
        return False


def _parse_toml(path: Path, text: str, use_cache: bool = True):
    """Parse the dictionary, reusing a JSON copy keyed by its content (tomllib costs ~3 ms).

    Returns the data and a function that stores the copy, to call once the data proved valid
    (None when the data came from the cache).
    """
    key = "dictionary-" + hashlib.sha256(text.encode()).hexdigest()[:24]
    cached = cache.load(key) if use_cache else None
    if isinstance(cached, dict):
        return cached, None
    import tomllib

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise DataError(f"{path}: ogiltig TOML ({err})") from None
    return raw, lambda: cache.store(key, raw)


def _line_of(text: str, name: str, type_: str) -> int | str:
    """The line of the dictionary that declares column `name` with `type_`, for error messages."""
    for number, line in enumerate(text.splitlines(), 1):
        if f'"{name}"' in line and type_.lower() in line.lower():
            return number
    return "?"


def open_catalog(data: str | os.PathLike | None = None, early: EarlyOpen | None = None) -> Catalog:
    """Load the data set (compiling it once into a cached DuckDB file) and open it read-only.

    A damaged compiled file (truncated, garbage, foreign) is built again; a read-only cache
    only costs speed: the data set is then compiled into a private temporary directory.
    `early` (the CLI's start-up) is used only if it opened this very file with these settings.
    """
    data_dir = resolve_data_dir(data)
    dictionary = load_dictionary(data_dir)
    settings = _settings(dictionary)
    fingerprint, remember = _fingerprint(dictionary)
    name = f"data-{fingerprint}"
    db_path = cache.path(f"{name}.duckdb")
    # Taken (or closed) before any other connect: DuckDB shares one instance per file.
    con = early.take(db_path, settings) if early is not None else None
    if _intact(db_path, name):
        try:
            if con is None:
                con = _connect_locked(db_path, settings)
                if early is not None:  # the next start opens this file ahead
                    cache.store(_opened_key(data_dir), {"db": name, "settings": list(settings)})
            catalog = Catalog(dictionary, con, db_path, fingerprint)
            remember()
            return catalog
        except _Unreadable:
            pass  # damaged in a way its size does not show: build it again
    elif con is not None:
        con.close()
    db_path, private = _build(dictionary, name)
    try:
        con = _connect_locked(db_path, settings)
    finally:
        if private:
            # The open connection keeps the file; nothing is left behind in the temporary dir.
            shutil.rmtree(db_path.parent, ignore_errors=True)
    remember()  # only data that proved valid leaves its file hashes behind
    if early is not None and not private:
        cache.store(_opened_key(data_dir), {"db": name, "settings": list(settings)})
    return Catalog(dictionary, con, db_path, fingerprint)


def _opened_key(data_dir: Path) -> str:
    return "opened-" + hashlib.sha256(str(data_dir).encode()).hexdigest()[:16]


class EarlyOpen:
    """The compiled database that a data directory opened last time, opened on a helper thread
    at start-up: DuckDB starts in ~20 ms without holding the GIL, while the command's own imports
    and arguments are dealt with. open_catalog checks the data set as always and takes the
    connection only for the very file and settings it would open itself; otherwise it is closed.
    """

    def __init__(self, data: str | os.PathLike | None = None) -> None:
        self._done = threading.Event()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._want: tuple[Path, tuple[str, str, str]] | None = None
        try:
            record = cache.load(_opened_key(resolve_data_dir(data)))
            if not isinstance(record, dict):
                raise TypeError(record)
            db_path = cache.path(f"{record['db']}.duckdb")
            collation, limit, allowed = (str(v) for v in record["settings"])
            settings = (collation, limit, allowed)
            _check_settings(settings)
        except (DataError, TypeError, KeyError, ValueError):
            self._done.set()  # nothing opened before (or a damaged record): open as usual
            return
        self._want = (db_path, settings)
        threading.Thread(target=self._open, name="ksquery-open", daemon=True).start()

    def _open(self) -> None:
        try:
            assert self._want is not None
            self._con = _connect_locked(*self._want)
        except BaseException:  # noqa: BLE001 - open_catalog then opens as usual
            self._con = None
        finally:
            self._done.set()

    def take(
        self, db_path: Path, settings: tuple[str, str, str]
    ) -> duckdb.DuckDBPyConnection | None:
        """The connection if it opened `db_path` with `settings`; else None (and it is closed)."""
        self._done.wait()
        con, self._con = self._con, None
        if con is not None and self._want != (db_path, settings):
            con.close()
            return None
        return con


class _Unreadable(DataError):
    """The compiled database file cannot be opened."""


def _intact(db_path: Path, name: str) -> bool:
    """Whether the compiled file exists with the size recorded when it was built."""
    record = cache.load(name)
    try:
        return isinstance(record, dict) and record.get("size") == db_path.stat().st_size
    except OSError:
        return False


def _build(dictionary: Dictionary, name: str) -> tuple[Path, bool]:
    """Compile into the cache, or into a private temporary directory when the cache cannot be
    written; return the file and whether it is private (to be removed once opened)."""
    for table in dictionary.tables.values():
        path = dictionary.data_dir / table.file
        if path.suffix.lower() != ".parquet":
            check_csv(path, table)
    if cache.writable():
        cache.sweep()
        target = cache.path(f"{name}.duckdb")
        try:
            _compile(dictionary, target)
        except _NoRoom:
            pass  # e.g. the cache's disk is full: try the temporary directory
        else:
            cache.store(name, {"size": target.stat().st_size, "data_dir": str(dictionary.data_dir)})
            _prune(name, dictionary.data_dir)
            cache.prune(spare=("data",))  # the compiled files' records are pruned above
            return target, False
    try:
        folder = cache.private_dir()
    except OSError as err:
        raise DataError(
            f"kunde inte bygga databasen: ingen skrivbar katalog ({os_reason(err)})",
            "sätt KSQUERY_HOME till en skrivbar katalog",
        ) from None
    target = folder / f"{name}.duckdb"
    try:
        _compile(dictionary, target)
    except _NoRoom as err:
        shutil.rmtree(folder, ignore_errors=True)
        raise DataError(str(err), err.hint) from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return target, True


# Compiled files of data directories not opened for this long are removed (a data directory
# that no longer exists, or an older version of the same one, is removed at once).
_UNUSED = 30 * 24 * 3600


def _prune(keep: str, data_dir: Path) -> None:
    """Remove compiled files of older versions of `data_dir` and of vanished data directories."""
    folder = cache.directory()
    try:
        files = list(folder.glob("data-*.duckdb"))
    except OSError:
        return
    now = time.time()
    for db in files:
        name = db.name.removesuffix(".duckdb")
        if name == keep or not re.fullmatch(r"data-[0-9a-f]{24}", name):
            continue
        record = cache.load(name)
        try:
            if isinstance(record, dict):
                owner = Path(str(record.get("data_dir", "")))
                stale = owner == data_dir or not owner.is_dir()
            else:  # no record: an old layout, or a writer between its rename and its record
                stale = now - db.stat().st_mtime > 3600
            stale = stale or now - db.stat().st_atime > _UNUSED
        except OSError:
            continue
        if stale:
            for leftover in (db, db.with_name(db.name + ".wal")):
                try:
                    leftover.unlink(missing_ok=True)
                except OSError:
                    pass
            cache.forget(name)


def _fingerprint(dictionary: Dictionary) -> tuple[str, Callable[[], None]]:
    """Hash the dictionary and each data file: its content when small, else its file identity.

    Size and mtime alone are not enough: an edit that keeps the size and restores the mtime
    (an editor, `touch -r`, a copy with `cp -p`) was served stale.
    """
    duckdb = duckdb_module()

    h = hashlib.sha256(f"{COMPILE_VERSION}|{duckdb.__version__}|{dictionary.data_dir}".encode())
    h.update((dictionary.data_dir / DICTIONARY).read_bytes())
    # Content hashes are remembered per file identity: a file is read again only when its
    # size, mtime, ctime or inode moved (ctime cannot be set back, so no rewrite slips through).
    memo_key = "filehashes-" + hashlib.sha256(str(dictionary.data_dir).encode()).hexdigest()[:16]
    stored = cache.load(memo_key)
    memo: dict = stored if isinstance(stored, dict) else {}
    changed = False
    for table in dictionary.tables.values():
        path = dictionary.data_dir / table.file
        try:
            identity, known = _file_identity(path, memo.get(table.file))
        except FileNotFoundError:
            raise DataError(f"{path}: filen saknas (tabell {table.name} i {DICTIONARY})") from None
        except OSError as err:
            raise DataError(f"{path}: kan inte läsas ({os_reason(err)})") from None
        if known is not None and memo.get(table.file) != known:
            memo[table.file], changed = known, True
        h.update(f"{table.file}|{identity}".encode())

    def remember() -> None:
        if changed:
            cache.store(memo_key, memo)

    return h.hexdigest()[:24], remember


def _file_identity(path: Path, remembered: object = None) -> tuple[str, list | None]:
    """The file's sha256 when it is a regular file of at most HASH_LIMIT bytes (taken from
    `remembered` [stat, hash] while the file's stat is unchanged); else its size, mtime, ctime
    and inode. Returns the identity and the [stat, hash] pair to remember (None for big files)."""
    st = path.stat()
    stamp = f"{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}|{st.st_ino}"
    if stat.S_ISREG(st.st_mode) and st.st_size <= HASH_LIMIT:  # never open a FIFO or a device
        if isinstance(remembered, list) and len(remembered) == 2 and remembered[0] == stamp:
            return str(remembered[1]), remembered
        with path.open("rb") as f:
            identity = "sha256:" + hashlib.file_digest(f, "sha256").hexdigest()
        return identity, [stamp, identity]
    return f"stat:{stamp}", None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _NoRoom(DataError):
    """The compiled database could not be written (disk full, file system refused)."""


def _compile(dictionary: Dictionary, db_path: Path) -> None:
    """Build the database under a temporary name and rename it; nothing is left on failure."""
    duckdb = duckdb_module()

    tmp = cache.temporary_name(db_path)
    leftovers = (tmp, Path(str(tmp) + ".wal"))
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
        con = duckdb.connect(str(tmp), config={"autoinstall_known_extensions": False})
        try:
            con.execute(f"CREATE SCHEMA {RAW_SCHEMA}")
            # tkr -> mnkr with one decimal, half away from zero as the document rounds
            # (round(x / 1000, 1) on a DOUBLE turns 136 350 into 136,3).
            con.execute("CREATE MACRO mnkr(tkr) AS round(tkr / 100) / 10")
            for table in dictionary.tables.values():
                path = dictionary.data_dir / table.file
                try:
                    _load_table(con, path, table)
                except duckdb.Error as err:
                    if _storage_failure(err):
                        raise
                    raise DataError(
                        f"{path.name}: kunde inte läsas in ({_first_line(err)})",
                        f"kontrollera filen mot tabell {table.name} i {DICTIONARY}",
                    ) from None
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, db_path)
    except (OSError, duckdb.Error) as err:
        reason = os_reason(err) if isinstance(err, OSError) else storage_reason(err)
        raise _NoRoom(
            f"kunde inte skriva databasen i {db_path.parent}: {reason}",
            "frigör utrymme eller sätt KSQUERY_HOME till en annan katalog",
        ) from None
    finally:
        for leftover in leftovers:
            try:
                leftover.unlink(missing_ok=True)
            except OSError:
                pass


def _storage_failure(err: Exception) -> bool:
    """Whether DuckDB failed writing its own file rather than reading the data."""
    duckdb = duckdb_module()

    return isinstance(err, (duckdb.IOException, duckdb.FatalException)) or (
        "No space left" in str(err)
    )


def storage_reason(err: BaseException) -> str:
    """A DuckDB storage error in a few Swedish words (its English text never reaches users)."""
    text = str(err)
    if "No space left" in text or "disk is full" in text.lower():
        return "disken är full"
    if "Read-only file system" in text:
        return "filsystemet är skrivskyddat"
    if "Permission denied" in text:
        return "behörighet saknas"
    return "lagringsfel i DuckDB"


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0][:200] if text else type(err).__name__


def _load_table(con: duckdb.DuckDBPyConnection, path: Path, table: Table) -> None:
    cols = ", ".join(_quote(c.name) for c in table.columns)
    if path.suffix.lower() == ".parquet":
        _check_parquet(con, path, table)
        # A view over the file: nothing is copied, so a large data set opens as fast as a small one.
        literal = "'" + str(path).replace("'", "''") + "'"
        con.execute(
            f"CREATE VIEW {_quote(table.name)} AS SELECT {cols} FROM read_parquet({literal})"
        )
        return
    spec = ", ".join(f"{_sql_string(c.name)}: {_sql_string(c.type)}" for c in table.columns)
    raw = f"{RAW_SCHEMA}.{_quote(table.name)}"
    con.execute(
        f"CREATE TABLE {raw} AS SELECT * FROM read_csv($path, header = true, auto_detect = false, "
        f"delim = ',', quote = '\"', escape = '\"', nullstr = '', columns = {{{spec}}})",
        {"path": str(path)},
    )
    con.execute(f"CREATE VIEW {_quote(table.name)} AS SELECT {cols} FROM {raw}")


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _check_parquet(con: duckdb.DuckDBPyConnection, path: Path, table: Table) -> None:
    rows = con.execute("DESCRIBE SELECT * FROM read_parquet($p)", {"p": str(path)}).fetchall()
    found = {r[0].lower(): r[1].upper() for r in rows}
    for col in table.columns:
        actual = found.get(col.name.lower())
        if actual is None:
            raise DataError(f"{path.name}: kolumnen {col.name} saknas i Parquet-filen")
        if actual.replace(" ", "") != col.type.replace(" ", ""):
            raise DataError(
                f"{path.name}: kolumn {col.name} har typen {actual}, dataordlistan säger {col.type}"
            )


def _settings(dictionary: Dictionary) -> tuple[str, str, str]:
    """The connection's settings from the dictionary: collation ('' for none), memory limit and
    the one directory files may be read from; raise DataError on a bad value."""
    settings = (
        str(dictionary.meta.get("collation") or ""),
        str(dictionary.meta.get("memory_limit", DEFAULT_MEMORY_LIMIT)),
        str(dictionary.data_dir) + os.sep,
    )
    _check_settings(settings)
    return settings


def _check_settings(settings: tuple[str, str, str]) -> None:
    collation, limit, _ = settings
    if collation and not re.fullmatch(r"[A-Za-z_]{1,20}", collation):
        raise DataError(f"{DICTIONARY}: ogiltig collation '{collation}'")
    if not re.fullmatch(r"\d{1,5}(?:\.\d+)?\s?(?:MB|GB|MiB|GiB)", limit):
        raise DataError(f"{DICTIONARY}: ogiltig memory_limit '{limit}' (t.ex. \"2GB\")")


def _connect_locked(db_path: Path, settings: tuple[str, str, str]) -> duckdb.DuckDBPyConnection:
    """Open read-only, allow file reads only inside the data dir, then lock the configuration."""
    duckdb = duckdb_module()
    _check_settings(settings)
    try:
        con = duckdb.connect(
            str(db_path),
            read_only=True,
            config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
        )
    except duckdb.Error as err:
        raise _Unreadable(f"kunde inte öppna {db_path}: {_first_line(err)}") from None
    locked = con.execute("SELECT current_setting('lock_configuration')").fetchone()
    if locked and locked[0]:
        # DuckDB shares one instance per file within a process; it was locked by an earlier open.
        external = con.execute("SELECT current_setting('enable_external_access')").fetchone()
        if external and external[0]:
            con.close()
            raise DataError(f"{db_path}: databasen är redan öppen utan skydd")
        return con
    collation, limit, allowed = settings
    # One statement list, one call: on a helper thread each call back into Python waits for the
    # GIL. Text sorts in the data set's language by default (Å, Ä, Ö after Z with "sv"); a value
    # built from many small ones (string_agg over a large range) is stopped by the memory limit
    # rather than by the machine running out of memory; files are read from the data dir only.
    con.execute(
        (f"SET default_collation = '{collation}'; " if collation else "")
        + f"SET memory_limit = '{limit}'; "
        + f"SET allowed_directories = [{_sql_string(allowed)}]; "
        + "SET enable_external_access = false; SET lock_configuration = true"
    )
    return con


# --- CSV checking: one line naming file, line and column ---------------------------------

_INT = re.compile(r"^[+-]?\d+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LIMITS = {"INTEGER": 2**31, "BIGINT": 2**63}


def check_csv(path: Path, table: Table) -> None:
    """Raise DataError naming file, line and column of the first cell that breaks the dictionary."""
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise DataError(f"{path}: filen saknas (tabell {table.name} i {DICTIONARY})") from None
    except UnicodeDecodeError as err:
        line = path.read_bytes()[: err.start].count(b"\n") + 1
        raise DataError(f"{path.name}, rad {line}: inte giltig UTF-8 (byte {err.start})") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    # Lines end at \n (or \r\n) only, as DuckDB reads them: str.splitlines would also split
    # at U+2028, U+0085, \x0b, \x0c, \x1c … inside a cell and report a wrong column count.
    lines = text.split("\n")
    lines = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    reader = csv.reader(lines, strict=True)
    ending = None
    try:
        header = next(reader, None)
        ending = _ending(lines, reader.line_num)
        expected = [c.name for c in table.columns]
        if header != expected:
            raise DataError(
                f"{path.name}, rad 1: rubrikraden är {','.join(header or [])}, "
                f"dataordlistan väntar sig {','.join(expected)}"
            )
        for row in reader:
            line = reader.line_num
            if _ending(lines, line) not in (ending, None):
                # DuckDB stops at a file that mixes CRLF and LF with no place named.
                raise DataError(
                    f"{path.name}, rad {line}: raden slutar med {_ending(lines, line)} men "
                    f"filen i övrigt med {ending}",
                    "spara filen med samma radslut på alla rader",
                )
            if len(row) != len(expected):
                raise DataError(
                    f"{path.name}, rad {line}: {len(row)} kolumner, "
                    f"dataordlistan väntar sig {len(expected)}"
                )
            for col, cell in zip(table.columns, row, strict=True):
                problem = _cell_problem(col.type, cell)
                if problem:
                    raise DataError(f"{path.name}, rad {line}, kolumn {col.name}: {problem}")
    except csv.Error as err:
        raise DataError(
            f"{path.name}, rad {reader.line_num}: felaktig CSV ({_csv_reason(err)})",
            "citera fält som innehåller radbrytningar, citattecken eller kommatecken",
        ) from None


def _ending(lines: list[str], number: int) -> str | None:
    """The line ending ('CRLF' or 'LF') of line `number` (1-based), None for the last line."""
    if not 0 < number <= len(lines) or not lines[number - 1].endswith("\n"):
        return None
    return "CRLF" if lines[number - 1].endswith("\r\n") else "LF"


_CSV_REASONS = {
    "new-line character seen in unquoted field": "radbrytning (\\r) i ett fält utan citattecken",
    "unexpected end of data": "filen tar slut inne i ett citerat fält",
    "line contains NUL": "filen innehåller NUL-tecken",
}


def _csv_reason(err: csv.Error) -> str:
    text = str(err)
    for english, swedish in _CSV_REASONS.items():
        if english in text:
            return swedish
    if "expected" in text and "after" in text:
        return "citattecken mitt i ett fält"
    return text


def _cell_problem(type_: str, cell: str) -> str | None:
    if cell == "" or type_ == "VARCHAR":
        return None
    shown = cell if len(cell) <= 30 else cell[:30] + "…"
    if type_ in _LIMITS:
        if not _INT.match(cell):
            return f"'{shown}' är inte ett heltal"
        if not -_LIMITS[type_] <= int(cell) < _LIMITS[type_]:
            return f"'{shown}' är för stort för {type_}"
        return None
    if type_ == "DOUBLE" or type_.startswith("DECIMAL"):
        try:
            value = Decimal(cell)
        except InvalidOperation:
            return f"'{shown}' är inte ett tal (använd punkt som decimaltecken)"
        if not value.is_finite():
            return f"'{shown}' är inte ett ändligt tal"
        if m := re.match(r"DECIMAL\((\d+),\s*(\d+)\)", type_):
            precision, scale = int(m.group(1)), int(m.group(2))
            digits = value.as_tuple()
            exponent = digits.exponent if isinstance(digits.exponent, int) else 0
            decimals = max(0, -exponent)
            whole = len(digits.digits) - decimals if len(digits.digits) > decimals else 0
            if decimals > scale:
                return f"'{shown}' har fler än {scale} decimaler ({type_})"
            if whole > precision - scale:
                return f"'{shown}' är för stort för {type_}"
        return None
    if type_ == "BOOLEAN":
        return None if cell in ("true", "false") else f"'{shown}' är inte true/false"
    if type_ == "DATE":
        return None if _DATE.match(cell) else f"'{shown}' är inte ett datum (ÅÅÅÅ-MM-DD)"
    return None
