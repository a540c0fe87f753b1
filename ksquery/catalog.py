"""Find the data directory, read its dictionary, compile and open the read-only DuckDB."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb

from ksquery.errors import DataError

SHIPPED_DATA = Path(__file__).resolve().parent.parent / "data"
DICTIONARY = "dictionary.toml"
# Bump when the compiled layout changes so that old cache files are not reused.
COMPILE_VERSION = "4"
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
class Catalog:
    """The loaded data set: its dictionary and a locked, read-only DuckDB connection."""

    dictionary: Dictionary
    con: duckdb.DuckDBPyConnection
    db_path: Path
    fingerprint: str
    # Things derived once per loaded data set (schema, question index, query thread …), kept
    # here rather than in module globals so that two catalogs never share them.
    memo: dict = field(default_factory=dict)

    @property
    def data_dir(self) -> Path:
        return self.dictionary.data_dir

    @property
    def tables(self) -> dict[str, Table]:
        return self.dictionary.tables

    @property
    def schema(self) -> Schema:
        """The table/column names the validator checks against, built once per catalog."""
        if "schema" not in self.memo:
            self.memo["schema"] = Schema.from_tables(self.tables)
        return self.memo["schema"]

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


def load_dictionary(data_dir: Path) -> Dictionary:
    """Parse `dictionary.toml` in `data_dir` into a Dictionary, or raise DataError."""
    path = data_dir / DICTIONARY
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{path}: dataordlistan saknas") from None
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: inte giltig UTF-8 (byte {err.start})") from None
    raw, remember = _parse_toml(path, text)
    tables: dict[str, Table] = {}
    for name, spec in (raw.get("tables") or {}).items():
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
    remember()
    return Dictionary(data_dir, raw.get("meta", {}), tables, checks)


def _parse_toml(path: Path, text: str):
    """Parse the dictionary, reusing a JSON copy keyed by its content (tomllib costs ~3 ms).

    Returns the data and a function that stores the copy, to call once the data proved valid.
    """
    key = hashlib.sha256(text.encode()).hexdigest()[:24]
    cached = user_dir("cache") / f"dictionary-{key}.json"
    try:
        return json.loads(cached.read_text(encoding="utf-8")), lambda: None
    except (OSError, ValueError):
        pass
    import tomllib

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise DataError(f"{path}: ogiltig TOML ({err})") from None

    def remember() -> None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
            tmp.replace(cached)
        except OSError:
            pass  # a read-only cache only costs speed

    return raw, remember


def _line_of(text: str, name: str, type_: str) -> int | str:
    """The line of the dictionary that declares column `name` with `type_`, for error messages."""
    for number, line in enumerate(text.splitlines(), 1):
        if f'"{name}"' in line and type_.lower() in line.lower():
            return number
    return "?"


def open_catalog(data: str | os.PathLike | None = None) -> Catalog:
    """Load the data set (compiling it once into a cached DuckDB file) and open it read-only."""
    data_dir = resolve_data_dir(data)
    dictionary = load_dictionary(data_dir)
    fingerprint = _fingerprint(dictionary)
    db_path = user_dir("cache") / f"data-{fingerprint}.duckdb"
    if not db_path.exists():
        _compile(dictionary, db_path)
    con = _connect_locked(db_path, dictionary)
    return Catalog(dictionary, con, db_path, fingerprint)


def _fingerprint(dictionary: Dictionary) -> str:
    """Hash the dictionary and each file's path, size and mtime: cheap even for large Parquet."""
    h = hashlib.sha256(f"{COMPILE_VERSION}|{duckdb.__version__}|{dictionary.data_dir}".encode())
    h.update((dictionary.data_dir / DICTIONARY).read_bytes())
    for table in dictionary.tables.values():
        path = dictionary.data_dir / table.file
        try:
            st = path.stat()
        except FileNotFoundError:
            raise DataError(f"{path}: filen saknas (tabell {table.name} i {DICTIONARY})") from None
        h.update(f"{table.file}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()[:24]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _compile(dictionary: Dictionary, db_path: Path) -> None:
    """Validate every file, then build the database under a temporary name and rename it."""
    for table in dictionary.tables.values():
        path = dictionary.data_dir / table.file
        if path.suffix.lower() == ".parquet":
            continue
        check_csv(path, table)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_suffix(f".tmp{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(tmp), config={"autoinstall_known_extensions": False})
        try:
            con.execute(f"CREATE SCHEMA {RAW_SCHEMA}")
            # tkr -> mnkr with one decimal, half away from zero as the document rounds
            # (round(x / 1000, 1) on a DOUBLE turns 136 350 into 136,3).
            con.execute("CREATE MACRO mnkr(tkr) AS round(tkr / 100) / 10")
            for table in dictionary.tables.values():
                _load_table(con, dictionary.data_dir / table.file, table)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, db_path)
    except duckdb.Error as err:
        raise DataError(f"kunde inte läsa in data: {str(err).splitlines()[0]}") from None
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)


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


def _connect_locked(db_path: Path, dictionary: Dictionary) -> duckdb.DuckDBPyConnection:
    """Open read-only, allow file reads only inside the data dir, then lock the configuration."""
    try:
        con = duckdb.connect(
            str(db_path),
            read_only=True,
            config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
        )
    except duckdb.Error as err:
        raise DataError(f"kunde inte öppna {db_path}: {str(err).splitlines()[0]}") from None
    locked = con.execute("SELECT current_setting('lock_configuration')").fetchone()
    if locked and locked[0]:
        # DuckDB shares one instance per file within a process; it was locked by an earlier open.
        external = con.execute("SELECT current_setting('enable_external_access')").fetchone()
        if external and external[0]:
            con.close()
            raise DataError(f"{db_path}: databasen är redan öppen utan skydd")
        return con
    collation = dictionary.meta.get("collation")
    if collation:
        # Text sorts in the data set's language by default: Å, Ä, Ö after Z with "sv".
        if not re.fullmatch(r"[A-Za-z_]{1,20}", str(collation)):
            raise DataError(f"{DICTIONARY}: ogiltig collation '{collation}'")
        con.execute(f"SET default_collation = '{collation}'")
    # A value built from many small ones (string_agg over a large range) is stopped here rather
    # than by the machine running out of memory.
    limit = str(dictionary.meta.get("memory_limit", DEFAULT_MEMORY_LIMIT))
    if not re.fullmatch(r"\d{1,5}(?:\.\d+)?\s?(?:MB|GB|MiB|GiB)", limit):
        raise DataError(f"{DICTIONARY}: ogiltig memory_limit '{limit}' (t.ex. \"2GB\")")
    con.execute(f"SET memory_limit = '{limit}'")
    con.execute("SET allowed_directories = $d", {"d": [str(dictionary.data_dir) + os.sep]})
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
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
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    try:
        header = next(reader, None)
        expected = [c.name for c in table.columns]
        if header != expected:
            raise DataError(
                f"{path.name}, rad 1: rubrikraden är {','.join(header or [])}, "
                f"dataordlistan väntar sig {','.join(expected)}"
            )
        for row in reader:
            line = reader.line_num
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
        raise DataError(f"{path.name}, rad {reader.line_num}: felaktig CSV ({err})") from None


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
