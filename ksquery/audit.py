"""`ksquery check`: recompute sums, products, cross-table checks and the text's numeric claims."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ksquery import engine
from ksquery.catalog import Catalog, Table
from ksquery.errors import DataError, KsqueryError


@dataclass(frozen=True)
class Finding:
    kind: str  # summa, produkt, kontroll, påstående
    table: str
    row: str
    document: Any
    computed: Any
    where: str
    line: int | None
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def roles(catalog: Catalog) -> dict:
    """The data set's own names for generic roles (`[meta.roles]` in the dictionary)."""
    found = catalog.dictionary.meta.get("roles")
    return found if isinstance(found, dict) else {}


def _role_column(catalog: Catalog, table: Table, role: str) -> str:
    """The quoted provenance column of `table` for `role` (line, source_table), or NULL."""
    name = roles(catalog).get(role)
    return _q(name) if isinstance(name, str) and _has(table, name) else "NULL"


def audit(catalog: Catalog) -> list[Finding]:
    """Return every disagreement the data set has with itself; an empty list when all holds."""
    findings: list[Finding] = []
    for table in catalog.tables.values():
        if table.sums:
            findings += _sums(catalog, table)
        if table.products:
            findings += _products(catalog, table)
    for check in catalog.dictionary.checks:
        try:  # a data directory's own SQL passes the same gate as a user's (no COPY, one SELECT)
            engine.check_cached(catalog, check.sql)
        except KsqueryError as err:
            raise KsqueryError(f"kontrollen {check.id} i [[checks]] godtas inte: {err}") from None
        for row in _rows(catalog, check.sql):
            findings.append(
                Finding(
                    "kontroll",
                    check.id,
                    str(row[0]),
                    row[1],
                    row[2],
                    check.where,
                    row[3] if len(row) > 3 else None,
                    check.description,
                )
            )
    claims = roles(catalog).get("claims")
    if isinstance(claims, dict) and catalog.dictionary.table(str(claims.get("table", ""))):
        findings += _claims(catalog, claims)
    return findings


def _rows(catalog: Catalog, sql: str) -> list[tuple]:
    # On the catalog's long-lived query thread: a check runs dozens of queries, each would
    # otherwise start a thread of its own.
    return engine.execute(catalog.con, sql, {}, timeout=30).rows


def _has(table: Table, name: str) -> bool:
    return table.column(name) is not None


def _sums(catalog: Catalog, table: Table) -> list[Finding]:
    spec = table.sums or {}
    group = [_q(g) for g in spec.get("group", [])]
    row, parent, value = _q(spec["row"]), _q(spec["parent"]), _q(spec["value"])
    line = _role_column(catalog, table, "line")
    line = f"p.{line}" if line != "NULL" else line
    where = _role_column(catalog, table, "source_table")
    where = f"p.{where}" if where != "NULL" else _sql_text(table.name)
    on = " AND ".join([f"c.{parent} = p.{row}"] + [f"c.{g} = p.{g}" for g in group])
    keys = ", ".join(f"p.{g}" for g in group)
    sql = f"""
        SELECT p.{row}, {keys}, p.{value} AS printed, sum(c.{value}) AS computed, {line}, {where}
        FROM {_q(table.name)} p JOIN {_q(table.name)} c ON {on}
        GROUP BY ALL HAVING p.{value} IS DISTINCT FROM sum(c.{value})
        ORDER BY {line}, {keys}"""
    out = []
    for r in _rows(catalog, sql):
        label = f"{r[0]} " + " ".join(str(k) for k in r[1 : 1 + len(group)])
        out.append(
            Finding(
                "summa",
                table.name,
                label.strip(),
                r[-4],
                r[-3],
                str(r[-1]),
                r[-2],
                "summan av raderna som ingår stämmer inte",
            )
        )
    return out


def _products(catalog: Catalog, table: Table) -> list[Finding]:
    spec = table.products or {}
    result, factors, label = (
        _q(spec["result"]),
        [_q(f) for f in spec["factors"]],
        _q(spec.get("row", spec["result"])),
    )
    line = _role_column(catalog, table, "line")
    product = " * ".join(factors)
    sql = (
        f"SELECT {label}, {result}, {product}, {line} FROM {_q(table.name)} "
        f"WHERE {result} IS DISTINCT FROM {product}"
    )
    return [
        Finding(
            "produkt",
            table.name,
            str(r[0]),
            r[1],
            r[2],
            table.source,
            r[3],
            f"{spec['result']} ≠ {' × '.join(spec['factors'])}",
        )
        for r in _rows(catalog, sql)
    ]


_UNIT = {"mnkr": Decimal(1000), "tkr": Decimal(1), "procent": Decimal(1), "st": Decimal(1)}


_CLAIM_ROLES = ("id", "text", "section", "line", "value", "unit", "decimals", "sql")


def _claims(catalog: Catalog, spec: dict) -> list[Finding]:
    table = catalog.dictionary.table(str(spec["table"]))
    assert table is not None
    columns = []
    for role in _CLAIM_ROLES:
        column = table.column(str(spec.get(role, "")))
        if column is None:
            raise DataError(
                f"[meta.roles] claims: kolumnen för '{role}' ({spec.get(role)}) "
                f"finns inte i {table.name}"
            )
        columns.append(_q(column.name))
    out = []
    claims = _rows(
        catalog, f"SELECT {', '.join(columns)} FROM {_q(table.name)} ORDER BY {columns[3]}"
    )
    batch = _claim_values(catalog, [c[7] for c in claims])
    for (cid, text, section, line, printed, unit, decimals, sql), known in zip(
        claims, batch, strict=True
    ):

        def claim(computed, message, cid=cid, printed=printed, section=section, line=line):
            return Finding(
                "påstående", table.name, cid, _plain(printed), computed, section, line, message
            )

        try:
            if known is _UNKNOWN:
                # The claims' SQL is fixed data: validated once per content and catalog (on disk).
                engine.check_cached(catalog, sql)
                rows = _rows(catalog, sql)
                raw = rows[0][0] if rows and rows[0] else None
            else:
                raw = known
        except KsqueryError as err:
            out.append(claim(None, f"SQL:en kunde inte köras: {err}"))
            continue
        if raw is None:
            out.append(claim(None, f"»{text}« kan inte räknas om ur tabellerna (värdet saknas)"))
            continue
        actual = Decimal(str(raw)) / _UNIT.get(unit, Decimal(1))
        quantum = Decimal(1).scaleb(-int(decimals))
        rounded = (actual / quantum).quantize(Decimal(1), rounding=ROUND_HALF_UP) * quantum
        if rounded != Decimal(str(printed)):
            out.append(claim(_plain(actual), f"»{text}« ({unit})"))
    return out


_UNKNOWN = object()


def _claim_values(catalog: Catalog, sqls: list) -> list:
    """The first value of each claim's SQL, all in one statement (one DuckDB round trip instead
    of one per claim), or _UNKNOWN for each when that statement cannot run: each claim then runs
    alone and reports its own error. Every claim's SQL and the combined statement pass the gate
    (verdicts cached on disk per content and catalog)."""
    if not sqls or not all(isinstance(sql, str) for sql in sqls):
        return [_UNKNOWN] * len(sqls)
    parts = [
        f"(SELECT v FROM (\n{sql.strip().rstrip(';')}\n) AS t(v) LIMIT 1) AS v{i}"
        for i, sql in enumerate(sqls)
    ]
    combined = "SELECT " + ",\n".join(parts)
    try:
        for sql in sqls:
            engine.check_cached(catalog, sql)
        engine.check_cached(catalog, combined)
        rows = _rows(catalog, combined)
    except KsqueryError:
        return [_UNKNOWN] * len(sqls)
    if len(rows) != 1 or len(rows[0]) != len(sqls):
        return [_UNKNOWN] * len(sqls)
    return list(rows[0])


def _plain(value: Any) -> Any:
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return int(number)
    return float(round(number, 3))
