"""In-process costs of ksquery's layers over DuckDB: validation, named questions, the batch
runner and Swedish question matching.

    .venv/bin/python bench/engine.py [--quick] [--json FILE] [--strict]

KSQUERY_HOME is a fresh temporary directory, warmed once (data cache compiled, named-question
validations cached) before anything is timed.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import (  # noqa: E402
    KSQUERY,
    ROOT,
    Report,
    base_parser,
    goal,
    ksquery_env,
    run_timed,
    stats,
)

# Realistic queries over 1–3 tables: filters, aggregates, joins, CTEs, window functions.
VALIDATION_QUERIES = [
    "SELECT risk, riskvärde FROM risker WHERE riskvärde >= 6 ORDER BY riskvärde DESC",
    "SELECT år, sum(belopp_tkr) AS summa FROM investeringar WHERE nivå = 'objekt' "
    "GROUP BY år ORDER BY år",
    "SELECT post, belopp_tkr FROM drift WHERE år = 2025 AND enhet = 'kommunstyrelsen' "
    "ORDER BY ordning",
    "SELECT ansvarig, count(*) AS antal FROM internkontroll GROUP BY ansvarig ORDER BY antal DESC",
    "SELECT r.risk, r.riskvärde, k.metod, k.ansvarig FROM risker r JOIN internkontroll k "
    "ON k.risk_id = r.risk_id ORDER BY r.riskvärde DESC",
    "SELECT r.risk, r.riskvärde FROM risker r LEFT JOIN internkontroll k USING (risk_id) "
    "WHERE k.kontroll_id IS NULL AND r.riskvärde >= 8 ORDER BY r.risk",
    "WITH per_år AS (SELECT år, sum(belopp_tkr) AS summa FROM investeringar WHERE nivå = 'objekt' "
    "GROUP BY år) SELECT år, summa, summa - lag(summa) OVER (ORDER BY år) AS förändring "
    "FROM per_år ORDER BY år",
    "WITH a AS (SELECT post, belopp_tkr FROM drift WHERE år = 2024 AND enhet = 'kommunstyrelsen'), "
    "b AS (SELECT post, belopp_tkr FROM drift WHERE år = 2025 AND enhet = 'kommunstyrelsen') "
    "SELECT b.post, b.belopp_tkr - a.belopp_tkr AS förändring FROM a JOIN b USING (post) "
    "ORDER BY förändring",
    "SELECT kategori, år, sum(belopp_tkr) AS summa, round(sum(belopp_tkr) / 1000, 1) AS mnkr "
    "FROM investeringar WHERE nivå = 'objekt' GROUP BY kategori, år ORDER BY kategori, år",
    "SELECT nämnd, count(*) AS antal, count(*) FILTER (WHERE prioriterad) AS prioriterade "
    "FROM utredningar GROUP BY nämnd ORDER BY antal DESC",
    "SELECT s.skala, s.nivå, s.benämning, count(r.risk_id) AS risker FROM skalor s "
    "LEFT JOIN risker r ON s.skala = 'Sannolikhet' AND r.sannolikhet = s.nivå "
    "GROUP BY s.skala, s.nivå, s.benämning "
    "ORDER BY s.skala, s.nivå",
    "SELECT o.namn, o.typ, count(a.avsnitt_id) AS stycken FROM organisation o LEFT JOIN avsnitt a "
    "ON a.rubrik = o.namn GROUP BY o.namn, o.typ ORDER BY stycken DESC",
    "SELECT r.risk_id, r.risk, k.kontroll_id, k.ansvarig, u.utredning FROM risker r "
    "JOIN internkontroll k ON k.risk_id = r.risk_id "
    "LEFT JOIN utredningar u ON u.nämnd = 'Kommunstyrelsen' "
    "WHERE r.riskvärde >= 9 ORDER BY r.risk_id",
    "SELECT rubrik, text FROM avsnitt WHERE text ILIKE '%e-arkiv%' ORDER BY avsnitt_id",
    "SELECT år, budgettyp, belopp_tkr FROM drift WHERE post = 'Kommunbidrag' AND enhet = $enhet "
    "ORDER BY år",
    "SELECT risk, sannolikhet * väsentlighet AS beräknat, riskvärde FROM risker "
    "WHERE sannolikhet * väsentlighet <> riskvärde OR accepteras ORDER BY risk COLLATE sv",
]

NAMED_FOR_RATIO = [
    "investeringar_per_ar",
    "risker_med_varde",
    "drift_forandring",
    "kontroller_per_ansvarig",
    "kommunbidrag",
]

SWEDISH_QUESTIONS = [
    "Hur stort är kommunbidraget 2027?",
    "kommunbidrget för KS 2025",
    "Vilket anslag får kommunstyrelsen 2026?",
    "Hur mycket ökar kommunbidraget mellan 2024 och 2025?",
    "Personalkostnader 2026",
    "Vad är verksamhetens nettokostnader 2025?",
    "investeringar per år",
    "Hur mycket investeras 2026?",
    "Vilka investeringar görs i Bälinge företagspark?",
    "Investeringar per kategori 2025",
    "Vilka risker har riskvärde 8 eller mer?",
    "Vilka risker med värde 9 saknar kontroll?",
    "högsta riskerna",
    "Vilka risker accepteras?",
    "Vem ansvarar för kontrollerna?",
    "internkontrollplanen 2025",
    "Vilka utredningar har kommunstyrelsen föreslagit?",
    "Vilka är de politiska inriktningarna?",
    "Hur är organisationen uppbyggd?",
    "Driftbudget för exploateringsenheten 2027",
]


def _median_us(samples: list[float]) -> float:
    return stats(samples)["median"] * 1e6


def bench_validation(report: Report, catalog, reps: int) -> None:
    from ksquery import validate as v

    report.line(
        "\n(a) validation, uncached (_validate_cached.__wrapped__), "
        f"{len(VALIDATION_QUERIES)} queries"
    )
    raw = v._validate_cached.__wrapped__
    for sql in VALIDATION_QUERIES:  # each must pass the gate, or the benchmark is wrong
        v.validate(sql, catalog.schema, catalog.con)
        raw(sql, catalog.schema, catalog.con)
    per_query: list[list[float]] = [[] for _ in VALIDATION_QUERIES]
    for _ in range(reps):
        for i, sql in enumerate(VALIDATION_QUERIES):
            t = time.perf_counter()
            raw(sql, catalog.schema, catalog.con)
            per_query[i].append(time.perf_counter() - t)
    medians = []
    for i, samples in enumerate(per_query):
        st = stats(samples)
        medians.append(st["median"])
        short = re.sub(r"\s+", " ", VALIDATION_QUERIES[i])[:60]
        report.timing(
            f"validate.q{i + 1:02d}",
            f"q{i + 1:02d} {short}…",
            st,
            "us",
            extra={"sql": VALIDATION_QUERIES[i]},
        )
    overall = stats(medians)
    everything = stats([s for samples in per_query for s in samples])
    report.timing("validate.per_query_medians", "median over the per-query medians", overall, "us")
    report.timing("validate.all_samples", "all validation calls pooled", everything, "us")
    # The cached path, what a repeated query costs (lru_cache hit), for contrast.
    hits = []
    for _ in range(reps):
        t = time.perf_counter()
        v.validate(VALIDATION_QUERIES[0], catalog.schema, catalog.con)
        hits.append(time.perf_counter() - t)
    report.timing(
        "validate.cached_hit", "cached validate() (lru_cache hit), q01", stats(hits), "us"
    )
    report.add_goal(
        goal(
            "engine.validate_median_us",
            "uncached validation, median per query",
            overall["median"] * 1e6,
            1000,
            "<=",
            "us",
        )
    )


def bench_session(report: Report, catalog, named, reps: int) -> None:
    """A new ad hoc statement in a session (commands.handle, as the REPL and piped input run it:
    parameters, validation, the query thread) minus the same statement run by DuckDB alone on the
    same connection. Every run gets a statement the session has not seen (LIMIT counts on)."""
    from ksquery import commands

    queries = [q for q in VALIDATION_QUERIES if "$" not in q]  # no session parameter needed
    report.line(
        f"\n(a2) a new ad hoc statement in a session: commands.handle − con.execute().fetchall(), "
        f"{len(queries)} queries over 1–3 tables, paired, {reps} runs each"
    )
    from ksquery import validate

    state = commands.State(catalog, named)
    dialect = validate._DIALECT
    counter = 1_000_000
    per_query: list[list[float]] = [[] for _ in queries]
    # The floor under the gate, in the same state (a new text, queries in between): DuckDB's own
    # parse of the statement (one json_serialize_sql query) and sqlglot's tokenize and parse.
    duck: list[list[float]] = [[] for _ in queries]
    glot: list[list[float]] = [[] for _ in queries]
    for _ in range(reps):
        for i, base in enumerate(queries):
            counter += 1
            sql = f"{base} LIMIT {counter}"
            t0 = time.perf_counter()
            out = commands.handle(state, sql)
            t1 = time.perf_counter()
            catalog.con.execute(sql).fetchall()
            t2 = time.perf_counter()
            if not out or not hasattr(out[0], "rows"):
                raise RuntimeError(f"the session refused {sql!r}: {out}")
            per_query[i].append((t1 - t0) - (t2 - t1))
            other = f"{base} LIMIT {counter + 50_000_000}"
            t3 = time.perf_counter()
            catalog.con.execute("SELECT json_serialize_sql($1)", [other]).fetchall()
            t4 = time.perf_counter()
            dialect.parser().parse(dialect.tokenize(other), other)
            t5 = time.perf_counter()
            duck[i].append(t4 - t3)
            glot[i].append(t5 - t4)
    medians = [stats(v)["median"] for v in per_query]
    overall = stats(medians)
    report.timing("session.per_query_medians", "median over the per-query medians", overall, "ms")
    floor_duck = stats([stats(v)["median"] for v in duck])
    floor_glot = stats([stats(v)["median"] for v in glot])
    report.timing(
        "session.floor_duckdb_parse",
        "  floor: DuckDB's own parse (json_serialize_sql), median over the per-query medians",
        floor_duck,
        "ms",
    )
    report.timing(
        "session.floor_sqlglot_parse",
        "  floor: sqlglot tokenize + parse, median over the per-query medians",
        floor_glot,
        "ms",
    )
    report.value(
        "session.floor_both_parsers",
        "  floor: both parsers of the gate together (report only)",
        (floor_duck["median"] + floor_glot["median"]) * 1000,
        "ms",
    )
    report.add_goal(
        goal(
            "engine.session_new_query_ms",
            "a new ad hoc statement in a session: median ms over raw DuckDB (1–3 tables)",
            overall["median"] * 1000,
            1.0,
            "<=",
            "ms",
        )
    )


def bench_named(report: Report, catalog, named, reps: int) -> None:
    from ksquery import questions

    report.line(
        f"\n(b) named question, whole answer (questions.run) vs DuckDB alone on the same "
        f"connection and bound params; interleaved, {reps} runs each"
    )
    for qid in NAMED_FOR_RATIO:
        q = named[qid]
        params = questions.bind(catalog, q, {})
        expected = catalog.con.execute(q.sql, params).fetchall()
        got = questions.run(catalog, q)
        if got.rows != expected:
            raise RuntimeError(f"{qid}: ksquery and DuckDB disagree")
        ks, raw = [], []
        for i in range(reps):
            order = (0, 1) if i % 2 == 0 else (1, 0)
            for which in order:
                t = time.perf_counter()
                if which == 0:
                    questions.run(catalog, q)
                    ks.append(time.perf_counter() - t)
                else:
                    catalog.con.execute(q.sql, params).fetchall()
                    raw.append(time.perf_counter() - t)
        ks_st, raw_st = stats(ks), stats(raw)
        ratio = ks_st["median"] / raw_st["median"]
        report.line(f"  {qid} ({len(expected)} rows)")
        report.timing(f"named.{qid}.ksquery", "  questions.run", ks_st, "us")
        report.timing(f"named.{qid}.duckdb", "  con.execute().fetchall()", raw_st, "us")
        report.value(f"named.{qid}.ratio", "  ratio of medians", ratio, "x")
        report.add_goal(
            goal(
                f"engine.named.{qid}", f"questions.run / DuckDB alone, {qid}", ratio, 1.3, "<=", "x"
            )
        )
    _named_breakdown(report, catalog, named[NAMED_FOR_RATIO[0]], reps)


def _on_fresh_cursor(con, sql, params):
    cur = con.cursor()
    try:
        return cur.execute(sql, params).fetchall()
    finally:
        cur.close()


def _guard_only(con):
    """What guarding a call costs without the call: the watchdog job, SIGINT's handler swap."""
    from ksquery import engine

    with engine._Guard(con, None, engine.DEFAULT_TIMEOUT):
        pass


def _named_breakdown(report: Report, catalog, q, reps: int) -> None:
    """Where questions.run spends its time beyond DuckDB (report only)."""
    from ksquery import engine, questions

    params = questions.bind(catalog, q, {})
    steps = {
        "questions.run (whole answer)": lambda: questions.run(catalog, q),
        "bind (defaults, cached choices)": lambda: questions.bind(catalog, q, {}),
        "check_cached (sha256 + marker stat)": lambda: engine.check_cached(catalog, q.sql),
        "engine.execute (cursor + watchdog guard)": lambda: engine.execute(
            catalog.con, q.sql, params
        ),
        "con.execute().fetchall()": lambda: catalog.con.execute(q.sql, params).fetchall(),
        "con.cursor() + close": lambda: catalog.con.cursor().close(),
        "fresh cursor: execute().fetchall(), no thread": lambda: _on_fresh_cursor(
            catalog.con, q.sql, params
        ),
        "watchdog guard only (no query)": lambda: _guard_only(catalog.con),
    }
    samples: dict[str, list[float]] = {k: [] for k in steps}
    for _ in range(reps):
        for name, fn in steps.items():
            t = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - t)
    report.line(f"  breakdown of questions.run for {q.id} (report only)")
    for name, values in samples.items():
        report.timing(f"named.breakdown.{name}", f"  {name}", stats(values), "us")


def _valid_values(catalog, param) -> list:
    from ksquery import questions

    if param.type == "bool":
        return ["ja", "nej"]
    if param.low is not None:
        return list(range(param.low, param.high + 1))
    values = questions.choices_for(catalog, param)
    return list(values) if values else []


def _with_default(text: str, name: str, value) -> str:
    pattern = re.compile(
        rf"^(--\s*param:\s*{re.escape(name)}\s+\w+\s*=\s*)([^|\n]*?)(\s*(?:\||$))", re.M
    )
    return pattern.sub(lambda m: f"{m.group(1)}{value}{m.group(3)}", text, count=1)


PLAIN_TEMPLATES = [
    "SELECT år, sum(belopp_tkr) AS summa FROM investeringar WHERE nivå = 'objekt' AND år >= {y} "
    "GROUP BY år ORDER BY år;",
    "SELECT post, belopp_tkr FROM drift WHERE år = {y2} AND enhet = 'kommunstyrelsen' "
    "ORDER BY ordning;",
    "SELECT risk, riskvärde FROM risker WHERE riskvärde >= {v} ORDER BY riskvärde DESC, risk;",
    "SELECT r.risk, k.ansvarig FROM risker r JOIN internkontroll k USING (risk_id) "
    "WHERE r.riskvärde >= {v} ORDER BY r.risk;",
    "WITH t AS (SELECT kategori, sum(belopp_tkr) AS s FROM investeringar "
    "WHERE nivå = 'objekt' AND år = {y} "
    "GROUP BY kategori) SELECT * FROM t ORDER BY s DESC LIMIT {n};",
]


def make_batch(catalog, named, directory: Path, count: int = 200) -> list[Path]:
    """Write `count` saved query files: copies of queries/*.sql with other default params, and
    plain SQL files with small variations. Deterministic."""
    from ksquery import questions

    directory.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    ids = sorted(named)
    n_copies = count * 3 // 5
    i = 0
    while len(files) < n_copies:
        q = named[ids[i % len(ids)]]
        round_ = i // len(ids)
        text = q.path.read_text(encoding="utf-8")
        values = {}
        for k, p in enumerate(q.params):
            options = _valid_values(catalog, p)
            if options:
                values[p.name] = options[(round_ * 7 + k * 3 + i) % len(options)]
        if "från" in values and "till" in values and values["från"] > values["till"]:
            values["från"], values["till"] = values["till"], values["från"]
        for name, value in values.items():
            text = _with_default(text, name, value)
        path = directory / f"{q.id}_{round_:02d}.sql"
        path.write_text(text, encoding="utf-8")
        try:
            questions.run(catalog, questions.parse_file(path))
        except Exception:  # noqa: BLE001 - an unlucky combination: keep the shipped defaults
            shutil.copyfile(q.path, path)
        files.append(path)
        i += 1
    j = 0
    while len(files) < count:
        template = PLAIN_TEMPLATES[j % len(PLAIN_TEMPLATES)]
        sql = template.format(y=2024 + j % 6, y2=2024 + j % 4, v=1 + j % 12, n=1 + j % 5)
        sql = f"-- plain file {j}\n{sql}" if j >= 30 else sql  # later ones differ by a comment too
        path = directory / f"plain_{j:03d}.sql"
        path.write_text(sql + "\n", encoding="utf-8")
        files.append(path)
        j += 1
    return files


def bench_batch(report: Report, catalog, named, env, reps: int, inproc_reps: int) -> None:
    from ksquery import questions

    report.line("\n(c) batch runner: ksquery run <200 files> --format csv --out DIR vs one file")
    work = Path(tempfile.mkdtemp(prefix="ksquery-bench-batch-"))
    try:
        files = make_batch(catalog, named, work / "in")
        report.line(
            f"  wrote {len(files)} files "
            f"({sum(1 for f in files if not f.name.startswith('plain'))} "
            f"copies of named questions with other defaults, "
            f"{sum(1 for f in files if f.name.startswith('plain'))} plain SQL)"
        )
        out = work / "out"
        csv_out = ["--format", "csv", "--out", str(out), "--force"]
        argv200 = [KSQUERY, "run", *map(str, files), *csv_out]
        argv1 = [KSQUERY, "run", str(files[0]), *csv_out]
        cold, cold_rss = run_timed(argv200, env=env)  # validates each new SQL text once
        report.line(
            f"  warm-up run of 200 (validates and caches each distinct SQL text): "
            f"{cold * 1000:.0f} ms, not counted"
        )
        written = len(list(out.iterdir()))
        if written != len(files):
            raise RuntimeError(f"ksquery run wrote {written} files, expected {len(files)}")
        run_timed(argv1, env=env)
        t200, t1, m200, m1, marginal = [], [], [], [], []
        for i in range(reps):
            if i % 2 == 0:
                a = run_timed(argv1, env=env)
                b = run_timed(argv200, env=env)
            else:
                b = run_timed(argv200, env=env)
                a = run_timed(argv1, env=env)
            t1.append(a[0])
            m1.append(a[1])
            t200.append(b[0])
            m200.append(b[1])
            marginal.append((b[0] - a[0]) / (len(files) - 1))
        report.timing("batch.run1", "ksquery run 1 file", stats(t1), "ms", stats(m1))
        report.timing("batch.run200", "ksquery run 200 files", stats(t200), "ms", stats(m200))
        st = stats(marginal)
        report.timing(
            "batch.marginal", "marginal cost per file (t200 − t1)/199, per pair", st, "ms"
        )
        report.value(
            "batch.cold_marginal",
            "cold: first run of 200, (t200_cold − median t1)/199",
            (cold - stats(t1)["median"]) / (len(files) - 1) * 1000,
            "ms",
            {"cold_run_s": cold, "cold_maxrss_mib": cold_rss},
        )
        report.add_goal(
            goal(
                "engine.batch_marginal_ms",
                "batch runner, marginal cost per file (warm)",
                st["median"] * 1000,
                5.0,
                "<=",
                "ms",
            )
        )

        # In-process: parse and run the same 200 files.
        parse_t, run_t = [], []
        for _ in range(inproc_reps):
            t = time.perf_counter()
            parsed = [questions.parse_file(f) for f in files]
            parse_t.append(time.perf_counter() - t)
            t = time.perf_counter()
            for q in parsed:
                questions.run(catalog, q)
            run_t.append(time.perf_counter() - t)
        report.timing("batch.inproc_parse", "in-process: parse 200 files", stats(parse_t), "ms")
        report.timing(
            "batch.inproc_run", "in-process: questions.run over 200 files", stats(run_t), "ms"
        )
        rate = len(files) / stats(run_t)["median"]
        report.value(
            "batch.inproc_files_per_s", "in-process throughput (questions.run)", rate, "files/s"
        )
        report.add_goal(
            goal(
                "engine.batch_inproc_files_per_s",
                "in-process batch throughput",
                rate,
                None,
                ">=",
                "files/s",
            )
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench_interpret(report: Report, catalog, named, reps: int) -> None:
    from ksquery import ask

    report.line(
        f"\n(d) question matching: ask.interpret over {len(SWEDISH_QUESTIONS)} Swedish questions"
    )
    for text in SWEDISH_QUESTIONS:  # warm the entity and stem caches, as a session would be
        ask.interpret(catalog, named, text)
    per: list[list[float]] = [[] for _ in SWEDISH_QUESTIONS]
    for _ in range(reps):
        for i, text in enumerate(SWEDISH_QUESTIONS):
            t = time.perf_counter()
            readings = ask.interpret(catalog, named, text)
            per[i].append(time.perf_counter() - t)
            if not readings:
                raise RuntimeError(f"no readings for {text!r}")
    medians = [stats(s)["median"] for s in per]
    for i, text in enumerate(SWEDISH_QUESTIONS):
        best = ask.interpret(catalog, named, text)[0]
        report.timing(
            f"interpret.q{i + 1:02d}",
            f"{text!r} → {best.question.id}",
            stats(per[i]),
            "us",
            extra={"text": text, "best": best.question.id, "score": best.score},
        )
    overall = stats(medians)
    report.timing(
        "interpret.per_question_medians", "median over the per-question medians", overall, "us"
    )
    report.add_goal(
        goal(
            "engine.interpret_median_ms",
            "ask.interpret, median per question",
            overall["median"] * 1000,
            10.0,
            "<",
            "ms",
        )
    )


def bench_plan(report: Report, catalog, reps: int) -> None:
    """Reading a composed Swedish question into a plan and its SQL (cache warm, as in a session)."""
    import tomllib

    from ksquery import plan, plancache, semantic

    path = ROOT / "tests" / "eval_composed_dev.toml"
    texts = [q["text"] for q in tomllib.loads(path.read_text(encoding="utf-8"))["q"]]
    report.line(f"\n(e) composed questions: parse + plan SQL over {len(texts)} dev-set questions")
    model = semantic.load(catalog, plan.grammar_words())

    def once(text: str) -> None:
        read = plan.parse(model, text)
        if isinstance(read, plan.Plan):
            try:
                plancache.compile_plan(read, model, catalog.fingerprint)
            except plan.NoPlan:
                pass

    for text in texts:
        once(text)
    per: list[list[float]] = [[] for _ in texts]
    for _ in range(reps):
        for i, text in enumerate(texts):
            t = time.perf_counter()
            once(text)
            per[i].append(time.perf_counter() - t)
    medians = [stats(s)["median"] for s in per]
    overall = stats(medians)
    report.timing(
        "plan.per_question_medians", "median over the per-question medians", overall, "us"
    )
    report.add_goal(
        goal(
            "engine.plan_median_ms",
            "composed question: parse and plan SQL, median per question",
            overall["median"] * 1000,
            5.0,
            "<=",
            "ms",
        )
    )


def main() -> int:
    parser = base_parser(__doc__.splitlines()[0])
    args = parser.parse_args()
    report = Report("engine", args)
    env = ksquery_env()
    os.environ.update({"KSQUERY_HOME": env["KSQUERY_HOME"]})
    for key in ("KSQUERY_DATA", "KSQUERY_QUERIES"):
        os.environ.pop(key, None)
    report.note(
        "warm: KSQUERY_HOME is a fresh temp dir; the catalog is opened and every query run once "
        "before timing"
    )

    from ksquery import questions
    from ksquery.catalog import open_catalog

    t = time.perf_counter()
    catalog = open_catalog()
    report.line(
        f"  first open_catalog (compiles the data cache): {(time.perf_counter() - t) * 1000:.0f} ms"
    )
    named = questions.load_all()
    for q in named.values():  # caches every named question's validation, as the CLI's warm-up does
        questions.run(catalog, q)

    quick = args.quick
    bench_validation(report, catalog, reps=5 if quick else 200)
    bench_session(report, catalog, named, reps=5 if quick else 100)
    bench_named(report, catalog, named, reps=20 if quick else 500)
    bench_batch(report, catalog, named, env, reps=2 if quick else 11, inproc_reps=1 if quick else 5)
    bench_interpret(report, catalog, named, reps=3 if quick else 50)
    bench_plan(report, catalog, reps=3 if quick else 50)
    catalog.close()
    return report.finish()


if __name__ == "__main__":
    raise SystemExit(main())
