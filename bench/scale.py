"""ksquery on a large Parquet data set (10 million rows): start-up, aggregates vs raw DuckDB,
peak memory.

    .venv/bin/python bench/scale.py [--rows N] [--quick] [--json FILE] [--strict]

The data set is generated once with DuckDB SQL (deterministic: every value is a hash of the row
number) into bench/.data/budget-<rows>-v1/ (gitignored) and reused. --quick uses 1 million rows
unless --rows is given. KSQUERY_HOME is a fresh temporary directory, warmed once (the first open
compiles the small catalog database that holds the view over the Parquet file).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import (  # noqa: E402
    BENCH,
    FLOOR,
    KSQUERY,
    PYTHON,
    ROOT,
    Report,
    base_parser,
    goal,
    ksquery_env,
    paired,
    run_timed,
    stats,
    warm,
)

DATA_VERSION = "v1"
PREFIXES = [
    "Al",
    "Bolle",
    "Ek",
    "Fal",
    "Gran",
    "Häll",
    "Kal",
    "Kung",
    "Lin",
    "Ljung",
    "Mal",
    "Mjöl",
    "Norr",
    "Nyn",
    "Ox",
    "Sand",
    "Sig",
    "Sol",
    "Stor",
    "Strö",
    "Sunds",
    "Tran",
    "Ulri",
    "Upp",
    "Vall",
    "Vän",
    "Väst",
    "Ål",
    "Öster",
]
SUFFIXES = ["sås", "köping", "by", "berg", "holm", "lund", "stad", "vik", "fors", "näs"]
KOMMUNER = [p + s for p in PREFIXES for s in SUFFIXES]  # 29 × 10 = 290
NAMNDER = [
    "Kommunstyrelsen",
    "Barn- och ungdomsnämnden",
    "Socialnämnden",
    "Äldrenämnden",
    "Kultur- och fritidsnämnden",
    "Samhällsbyggnadsnämnden",
    "Miljönämnden",
    "Tekniska nämnden",
    "Gymnasienämnden",
    "Valnämnden",
]
POSTER = [
    "Verksamhetens intäkter",
    "Personalkostnader",
    "Lokalkostnader",
    "Kapitalkostnader",
    "Köp av verksamhet",
    "Övriga kostnader",
    "Verksamhetens kostnader",
    "Verksamhetens nettokostnader",
    "Kommunbidrag",
    "Årets resultat",
]

AGGREGATES = {
    "sum_by_year": "SELECT år, sum(belopp) AS summa FROM budget GROUP BY år ORDER BY år",
    "top10_kommun_2025": "SELECT kommun, sum(belopp) AS summa FROM budget WHERE år = 2025 "
    "GROUP BY kommun ORDER BY summa DESC, kommun LIMIT 10",
    "avg_by_namnd_post": "SELECT nämnd, post, avg(belopp) AS medel FROM budget "
    "GROUP BY nämnd, post "
    "ORDER BY nämnd, post",
    "distinct_kommun_by_year": "SELECT år, count(DISTINCT kommun) AS kommuner FROM budget "
    "GROUP BY år ORDER BY år",
}

DICTIONARY = """# Synthetic data for ksquery's scale benchmark (bench/scale.py), not real figures.
[meta]
title = "Syntetisk budget, {rows} rader"

[tables.budget]
file = "budget.parquet"
description = "Syntetiska budgetbelopp per kommun, nämnd, post och år (tkr)."
source = "bench/scale.py"
columns = [
  {{ name = "kommun", type = "VARCHAR", description = "Kommun (påhittat namn)" }},
  {{ name = "nämnd", type = "VARCHAR", description = "Nämnd" }},
  {{ name = "post", type = "VARCHAR", description = "Budgetpost" }},
  {{ name = "år", type = "INTEGER", description = "Budgetår 2010–2029" }},
  {{ name = "belopp", type = "BIGINT", description = "Belopp i tkr" }},
]
"""


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def ensure_data(rows: int, report: Report) -> Path:
    """Generate (once) the Parquet file and its dictionary; return the data directory."""
    import duckdb

    directory = BENCH / ".data" / f"budget-{rows}-{DATA_VERSION}"
    parquet = directory / "budget.parquet"
    dictionary = directory / "dictionary.toml"
    if parquet.exists() and dictionary.exists():
        report.line(
            f"  data: reusing {parquet.relative_to(ROOT)} "
            f"({parquet.stat().st_size / 2**20:.0f} MiB)"
        )
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    tmp = parquet.with_suffix(".parquet.tmp")
    tmp.unlink(missing_ok=True)
    # Knuth-style multiplicative hashes of the row number: deterministic on any machine/version.
    sql = f"""
    COPY (
      WITH r AS (
        SELECT range AS i,
               (range * 2654435761 + 97531) % 4294967296 AS h1,
               (range * 2246822519 + 3266489917) % 4294967291 AS h2
        FROM range({rows})
      )
      SELECT ({_sql_list(KOMMUNER)})[1 + h1 % {len(KOMMUNER)}] AS kommun,
             ({_sql_list(NAMNDER)})[1 + (h1 // {len(KOMMUNER)}) % {len(NAMNDER)}] AS nämnd,
             ({_sql_list(POSTER)})[1 + h2 % {len(POSTER)}] AS post,
             CAST(2010 + (h2 // {len(POSTER)}) % 20 AS INTEGER) AS år,
             CAST((h1 * 31 + h2) % 2000001 - 1000000 AS BIGINT) AS belopp
      FROM r
      ORDER BY i
    ) TO '{tmp}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)
    """
    t = time.perf_counter()
    con = duckdb.connect()
    try:
        con.execute(sql)
        types = con.execute("DESCRIBE SELECT * FROM read_parquet($p)", {"p": str(tmp)}).fetchall()
        count = con.execute("SELECT count(*) FROM read_parquet($p)", {"p": str(tmp)}).fetchone()[0]
    finally:
        con.close()
    got = [(r[0], r[1]) for r in types]
    want = [
        ("kommun", "VARCHAR"),
        ("nämnd", "VARCHAR"),
        ("post", "VARCHAR"),
        ("år", "INTEGER"),
        ("belopp", "BIGINT"),
    ]
    if got != want or count != rows:
        raise RuntimeError(
            f"generated Parquet has {got}, {count} rows; expected {want}, {rows} rows"
        )
    os.replace(tmp, parquet)
    dictionary.write_text(DICTIONARY.format(rows=rows), encoding="utf-8")
    report.line(
        f"  data: generated {rows:,} rows into {parquet.relative_to(ROOT)} "
        f"({parquet.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - t:.1f} s"
    )
    return directory


def _raw_sql(sql: str, parquet: Path) -> str:
    literal = "read_parquet('" + str(parquet).replace("'", "''") + "')"
    return sql.replace("FROM budget", f"FROM {literal}")


def _same(a: list, b: list) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        for u, v in zip(x, y, strict=False):
            if isinstance(u, float) or isinstance(v, float):
                if abs(u - v) > 1e-6 * max(1.0, abs(u), abs(v)):
                    return False
            elif u != v:
                return False
    return True


MEMORY_SCRIPT = r"""
import sys
from ksquery import engine
from ksquery.catalog import open_catalog
cat = open_catalog(sys.argv[1])
for sql in sys.argv[2:]:
    engine.run(cat, sql, timeout=60)
"""

RAW_MEMORY_SCRIPT = r"""
import sys, duckdb
con = duckdb.connect()
for sql in sys.argv[1:]:
    con.execute(sql).fetchall()
"""


def main() -> int:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--rows",
        type=int,
        default=None,
        help="rows to generate (default 10 000 000; quick 1 000 000)",
    )
    parser.add_argument(
        "--pairs", type=int, default=None, help="start-up pairs (default 21, quick 3)"
    )
    args = parser.parse_args()
    rows = args.rows or (1_000_000 if args.quick else 10_000_000)
    pairs = args.pairs or (3 if args.quick else 21)
    reps = 2 if args.quick else 11
    mem_runs = 1 if args.quick else 5
    report = Report("scale", args)
    data_dir = ensure_data(rows, report)
    parquet = data_dir / "budget.parquet"
    report.measurements["data"] = {
        "label": "data set",
        "rows": rows,
        "dir": str(data_dir),
        "parquet_mib": parquet.stat().st_size / 2**20,
    }
    env = ksquery_env()
    report.note(
        "warm starts: KSQUERY_HOME is a fresh temp dir, warmed once per data set (the first open "
        "compiles the catalog database: for Parquet only a view, nothing copied)"
    )

    # (a) start-up on the big data set vs the shipped one
    big = [KSQUERY, "--data", str(data_dir), "sql", "SELECT count(*) FROM budget"]
    shipped = [KSQUERY, "sql", "SELECT count(*) FROM drift"]
    warm([("shipped data", shipped), (f"{rows:,}-row Parquet", big)], env, report)
    report.line(
        f"\n(a) start-up: `ksquery --data {data_dir.relative_to(ROOT)} "
        'sql "SELECT count(*) FROM budget"` '
        f'vs `ksquery sql "SELECT count(*) FROM drift"` (shipped data); {pairs} pairs'
    )
    res = paired(shipped, big, pairs, env=env)
    report.timing("startup.shipped", "shipped data", res["floor_s"], "ms", res["floor_maxrss_mib"])
    report.timing("startup.big", f"{rows:,}-row Parquet", res["cmd_s"], "ms", res["cmd_maxrss_mib"])
    report.ratio("startup.ratio", "big / shipped", res["ratio"])
    report.add_goal(
        goal(
            "scale.startup_ratio",
            f"start-up on {rows:,}-row Parquet vs shipped data, median ratio",
            res["ratio"]["median"],
            1.15,
            "<=",
            "x",
        )
    )

    # (b) aggregates through ksquery vs raw DuckDB, in process, interleaved
    import duckdb

    from ksquery import engine
    from ksquery.catalog import open_catalog

    os.environ["KSQUERY_HOME"] = env["KSQUERY_HOME"]
    catalog = open_catalog(data_dir)
    raw = duckdb.connect()
    report.line(
        "\n(b) aggregates: engine.run(catalog, sql, timeout=60) vs duckdb.connect() "
        "+ read_parquet; "
        f"interleaved, {reps} runs each (after one untimed run of each)"
    )
    for key, sql in AGGREGATES.items():
        rsql = _raw_sql(sql, parquet)
        ks_rows = engine.run(catalog, sql, timeout=60).rows
        raw_rows = raw.execute(rsql).fetchall()
        if not _same(ks_rows, raw_rows):
            raise RuntimeError(f"{key}: ksquery and raw DuckDB disagree")
        ks, rw = [], []
        for i in range(reps):
            for which in (0, 1) if i % 2 == 0 else (1, 0):
                t = time.perf_counter()
                if which == 0:
                    engine.run(catalog, sql, timeout=60)
                    ks.append(time.perf_counter() - t)
                else:
                    raw.execute(rsql).fetchall()
                    rw.append(time.perf_counter() - t)
        report.line(f"  {key}: {sql}")
        report.timing(f"agg.{key}.ksquery", "  engine.run", stats(ks), "ms")
        report.timing(f"agg.{key}.duckdb", "  raw DuckDB", stats(rw), "ms")
        of_medians = stats(ks)["median"] / stats(rw)["median"]
        report.value(f"agg.{key}.ratio_of_medians", "  ratio of medians", of_medians, "x")
        # Paired: run i of each side ran back to back, so a noisy moment hits both.
        per_pair = stats([k / r for k, r in zip(ks, rw, strict=True)])
        report.ratio(f"agg.{key}.ratio", "  engine.run / raw, per pair", per_pair, {"sql": sql})
        report.add_goal(
            goal(
                f"scale.agg.{key}",
                f"engine.run / raw DuckDB, {key}: median of per-pair ratios",
                per_pair["median"],
                1.1,
                "<=",
                "x",
            )
        )
    catalog.close()
    raw.close()

    # (c) peak memory of a process that opens the catalog and runs the 4 aggregates
    report.line(
        "\n(c) peak memory: a fresh process opens the catalog and runs the 4 aggregates "
        f"({mem_runs} runs)"
    )
    sqls = list(AGGREGATES.values())
    ks_mem = [
        run_timed([PYTHON, "-c", MEMORY_SCRIPT, str(data_dir), *sqls], env=env)
        for _ in range(mem_runs)
    ]
    raw_mem = [
        run_timed([PYTHON, "-c", RAW_MEMORY_SCRIPT, *[_raw_sql(s, parquet) for s in sqls]], env=env)
        for _ in range(mem_runs)
    ]
    floor_mem = [run_timed(FLOOR, env=env) for _ in range(mem_runs)]
    for key, label, runs in (
        ("memory.ksquery", "ksquery process (open catalog + 4 aggregates)", ks_mem),
        ("memory.raw_duckdb", "raw DuckDB process, same 4 queries (report only)", raw_mem),
        ("memory.floor", "python -c 'import duckdb' (report only)", floor_mem),
    ):
        report.timing(key, label, stats([m[0] for m in runs]), "ms", stats([m[1] for m in runs]))
    peak = max(m[1] for m in ks_mem)
    report.add_goal(
        goal(
            "scale.peak_rss_mib",
            "peak RSS, open catalog + 4 aggregates (max over runs)",
            peak,
            200,
            "<",
            "MiB",
        )
    )
    return report.finish()


if __name__ == "__main__":
    raise SystemExit(main())
