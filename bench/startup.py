"""Start-up time of ksquery commands and the REPL, relative to `python -c "import duckdb"`.

Every measurement is PAIRED: floor and command alternate in one loop and the ratio is taken per
pair, so noise from a shared 2-core machine hits both sides. Times are warm starts: KSQUERY_HOME
is a fresh temporary directory that is warmed once (data cache compiled, named-question
validations cached) before anything is timed.

    .venv/bin/python bench/startup.py [--pairs N] [--quick] [--json FILE] [--strict]
"""

from __future__ import annotations

import codecs
import fcntl
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import (  # noqa: E402
    FLOOR,
    KSQUERY,
    PYTHON,
    ROOT,
    Report,
    base_parser,
    call_in_spawner,
    goal,
    ksquery_env,
    paired,
    run_timed,
    stats,
    warm,
)

PROMPT = "ksquery> "
ASK_TEXT = [KSQUERY, "ask", "investeringar per år"]
SQL_TEXT = [
    KSQUERY,
    "sql",
    "SELECT risk, riskvärde FROM risker WHERE riskvärde >= 6 ORDER BY riskvärde DESC",
]
ASK_NAMED = [KSQUERY, "ask", "investeringar_per_ar"]
CHECK = [KSQUERY, "check"]
REPL = [PYTHON, "repl.py"]
# The floor of a prompt: `python -c "import duckdb; input()"`, with the prompt text as input()'s
# argument so that the same pty runner sees when it is ready, and Ctrl-D ending it with exit 0.
REPL_FLOOR = [
    PYTHON,
    "-c",
    f"import duckdb\ntry:\n    input({PROMPT!r})\nexcept EOFError:\n    pass",
]
PIPED = [KSQUERY]
PIPED_COUNT = 200
# A plain DuckDB loop over the same read-only database: read the statements, run each, print rows.
PLAIN_LOOP = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
for sql in sys.stdin.read().split(";"):
    if sql.strip():
        for row in con.execute(sql).fetchall():
            print(*row, sep="\t")
"""
PIPED_TEMPLATES = [
    "SELECT risk, riskvärde FROM risker WHERE riskvärde >= {v} ORDER BY riskvärde DESC, risk "
    "LIMIT {n};",
    "SELECT år, sum(belopp_tkr) AS summa FROM investeringar WHERE nivå = 'objekt' AND år >= {y} "
    "GROUP BY år ORDER BY år LIMIT {n};",
    "SELECT post, belopp_tkr FROM drift WHERE år = {y2} AND enhet = 'kommunstyrelsen' "
    "ORDER BY ordning LIMIT {n};",
    "SELECT r.risk, k.ansvarig FROM risker r JOIN internkontroll k USING (risk_id) "
    "WHERE r.riskvärde >= {v} ORDER BY r.risk LIMIT {n};",
    "SELECT ansvarig, count(*) AS antal FROM internkontroll GROUP BY ansvarig "
    "ORDER BY antal DESC, ansvarig LIMIT {n};",
]


def piped_input(run: int, count: int = PIPED_COUNT) -> bytes:
    """`count` distinct statements, different in every run (a LIMIT that counts on), so that no
    run finds a statement validated by an earlier one."""
    lines = []
    for j in range(count):
        template = PIPED_TEMPLATES[j % len(PIPED_TEMPLATES)]
        n = 100_000 + run * count + j
        lines.append(template.format(v=1 + j % 12, y=2024 + j % 6, y2=2024 + j % 4, n=n))
    return ("\n".join(lines) + "\n").encode("utf-8")


ROWS, COLS = 30, 100

# --- a minimal terminal: enough to see where prompt_toolkit leaves the cursor ----------------

_TOKEN = re.compile(
    r"\x1b\[([0-9;?>]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[^\[\]]|\x1b$|[\r\n\b]|[^\x1b\r\n\b]+"
)


def prompt_visible(text: str) -> bool:
    """True when the current screen line reads 'ksquery> ' up to the cursor.

    prompt_toolkit draws the prompt's trailing space as a cursor movement (ESC[9C), not as a
    space character, so the literal bytes 'ksquery> ' never reach the terminal; this replays the
    line-level effect of the output (text, CR, LF, cursor left/right, erase) and looks at the
    line as a user would see it, with the cursor after the prompt.
    """
    line: list[str] = []
    col = 0
    for m in _TOKEN.finditer(text):
        tok = m.group(0)
        if m.group(2):
            final, arg = m.group(2), m.group(1)
            n = int(arg) if arg.isdigit() else 1
            if final == "C":
                col += n
            elif final == "D":
                col = max(0, col - n)
            elif final == "G":
                col = max(0, n - 1)
            elif final in "JK" and arg in ("", "0"):
                del line[col:]
            elif final in "JK" and arg == "2":
                line = []
            elif final == "H":  # cursor position: row;col
                parts = arg.split(";")
                col = max(0, int(parts[1]) - 1) if len(parts) > 1 and parts[1].isdigit() else 0
        elif tok == "\r":
            col = 0
        elif tok == "\n":
            line, col = [], 0
        elif tok == "\b":
            col = max(0, col - 1)
        elif not tok.startswith("\x1b"):
            for ch in tok:
                while len(line) < col:
                    line.append(" ")
                if col < len(line):
                    line[col] = ch
                else:
                    line.append(ch)
                col += 1
    shown = "".join(line[:col]).ljust(col)
    return shown.endswith(PROMPT)


class ReplRunner:
    """Time the REPL to a usable prompt; the pty work runs in the lean launcher process."""

    def __init__(self, timeout: float = 60.0):
        self.timeout = timeout
        self.exit_times: list[float] = []

    def __call__(self, argv, env) -> tuple[float, float]:
        at_prompt, rss, exit_s = call_in_spawner(
            "startup:repl_once", [str(a) for a in argv], env, self.timeout
        )
        self.exit_times.append(exit_s)
        return at_prompt, rss


def repl_once(argv, env, timeout: float = 60.0) -> list[float]:
    """Start the REPL in a pseudo-terminal (TERM=xterm, 100x30), wait until the prompt is drawn,
    send Ctrl-D and wait for the exit.

    Returns [seconds to prompt, peak RSS MiB, seconds to exit]."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    child_env = dict(env, TERM="xterm", COLUMNS=str(COLS), LINES=str(ROWS))
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(a) for a in argv],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=child_env,
        cwd=ROOT,
        start_new_session=True,
        close_fds=True,
    )
    os.close(slave)
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    text = ""
    answered_cpr = 0
    at_prompt = None
    deadline = start + timeout
    try:
        while at_prompt is None:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise RuntimeError(
                    f"no prompt within {timeout:.0f} s; output so far: {text[-400:]!r}"
                )
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if not data:
                raise RuntimeError(f"REPL exited before its prompt; output: {text[-400:]!r}")
            text += decoder.decode(data)
            # Answer cursor-position requests the way a real terminal does.
            while text.count("\x1b[6n") > answered_cpr:
                answered_cpr += 1
                os.write(master, f"\x1b[{ROWS - 2};1R".encode())
            if PROMPT in text or prompt_visible(text):
                at_prompt = time.perf_counter() - start
        os.write(master, b"\x04")  # Ctrl-D: leave the REPL
        t_eof = time.perf_counter()
        end = t_eof + 15.0
        while time.perf_counter() < end:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not data:
                    break
                text += decoder.decode(data)
                while text.count("\x1b[6n") > answered_cpr:
                    answered_cpr += 1
                    os.write(master, f"\x1b[{ROWS - 2};1R".encode())
            elif proc.poll() is not None:
                break
    except BaseException:
        _kill(proc)
        raise
    finally:
        os.close(master)
    try:
        _, status, usage = _wait4(proc.pid, 15.0)
    except TimeoutError:
        _kill(proc)
        raise RuntimeError("REPL did not exit after Ctrl-D") from None
    exit_s = time.perf_counter() - t_eof
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"REPL exited with {proc.returncode}: {text[-400:]!r}")
    return [at_prompt, usage.ru_maxrss / 1024.0, exit_s]


def _wait4(pid: int, timeout: float):
    end = time.perf_counter() + timeout
    while True:
        got, status, usage = os.wait4(pid, os.WNOHANG)
        if got == pid:
            return got, status, usage
        if time.perf_counter() > end:
            raise TimeoutError
        time.sleep(0.002)


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # its own session: only the REPL we started
    except (ProcessLookupError, PermissionError):
        pass
    try:
        os.waitpid(proc.pid, 0)
    except ChildProcessError:
        pass
    proc.returncode = -9


# --- where the time goes (report only) ----------------------------------------------------

PHASES = r"""
import json, time
t = [time.perf_counter()]
import ksquery.cli; t.append(time.perf_counter())
from ksquery.catalog import EarlyOpen, open_catalog
early = EarlyOpen(); t.append(time.perf_counter())
from ksquery import engine, output, questions; t.append(time.perf_counter())
cat = open_catalog(None, early); t.append(time.perf_counter())
named = questions.load_all(); t.append(time.perf_counter())
import ksquery.validate; t.append(time.perf_counter())
from ksquery import ask; t.append(time.perf_counter())
r = engine.run(cat, SQL); t.append(time.perf_counter())
output.render(r, "table", width=100, max_rows=None); t.append(time.perf_counter())
names = ["import ksquery.cli (catalog; no DuckDB yet)",
         "start opening the database (helper thread)",
         "import engine, output, questions (DuckDB's C++ extension)",
         "open_catalog (dictionary, fingerprint, the connection opened ahead)",
         "load named questions", "import validate (sqlglot)",
         "import ask (rapidfuzz, snowball)", "validate + run SQL", "render table"]
print(json.dumps({n: b - a for n, a, b in zip(names, t, t[1:])}))
"""


def breakdown(env, runs: int) -> dict:
    """Median time of each start-up phase, measured inside fresh interpreters."""
    script = PHASES.replace("engine.run(cat, SQL)", f"engine.run(cat, {SQL_TEXT[2]!r})")
    samples: dict[str, list[float]] = {}
    for _ in range(runs):
        t = time.perf_counter()
        out = subprocess.run(
            [PYTHON, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, check=True
        )
        wall = time.perf_counter() - t
        phases = json.loads(out.stdout)
        for name, seconds in phases.items():
            samples.setdefault(name, []).append(seconds)
        samples.setdefault("interpreter start + exit (wall − phases)", []).append(
            wall - sum(phases.values())
        )
        samples.setdefault("wall, whole process", []).append(wall)
    return {name: stats(values) for name, values in samples.items()}


def import_top(env, argv, top: int = 10) -> list[tuple[str, float]]:
    """Packages (and ksquery modules) by cumulative import time (python -X importtime), one run.

    Counts each top-level package at whatever depth it is first imported, so that duckdb shows up
    even though ksquery.cli imports it."""
    out = subprocess.run(
        [PYTHON, "-X", "importtime", *argv], env=env, cwd=ROOT, capture_output=True, text=True
    )
    rows: dict[str, float] = {}
    for line in out.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)", line)
        if not m:
            continue
        name = m.group(4)
        if ("." not in name or name.startswith("ksquery.")) and name not in ("site", "encodings"):
            rows[name] = max(rows.get(name, 0.0), int(m.group(2)) / 1000.0)
    return sorted(rows.items(), key=lambda r: -r[1])[:top]


def bench_piped(report: Report, env: dict, pairs: int) -> None:
    """200 distinct statements piped into `ksquery` vs a plain DuckDB loop over the same database
    file (paired, new statements in every run)."""
    home = Path(env["KSQUERY_HOME"])

    def plain_argv() -> list[str]:
        # The newest compiled database: ksquery rebuilds it (and prunes old ones) when data change.
        databases = sorted((home / "cache").glob("data-*.duckdb"), key=lambda f: f.stat().st_mtime)
        if not databases:
            raise RuntimeError("no compiled database in the warmed KSQUERY_HOME")
        return [PYTHON, "-c", PLAIN_LOOP, str(databases[-1])]

    report.line(
        f"\n{PIPED_COUNT} distinct statements piped into ksquery vs a plain DuckDB loop "
        f"(python + duckdb.connect(read_only) + execute/fetchall/print), {pairs} pairs"
    )
    run_timed(PIPED, env=env, stdin=piped_input(10_000))  # untimed: page cache, bytecode
    ks_t, plain_t, ratios = [], [], []
    for i in range(pairs):
        data = piped_input(i)
        order = (0, 1) if i % 2 == 0 else (1, 0)
        got = {}
        for which in order:
            argv = PIPED if which == 0 else plain_argv()
            got[which] = run_timed(argv, env=env, stdin=data)[0]
        ks_t.append(got[0])
        plain_t.append(got[1])
        ratios.append(got[0] / got[1])
    report.timing("piped.ksquery", f"ksquery < {PIPED_COUNT} statements", stats(ks_t), "ms")
    report.timing("piped.plain", "plain DuckDB loop", stats(plain_t), "ms")
    report.value(
        "piped.per_statement_ms",
        "per statement, ksquery vs plain (whole run / 200, medians)",
        stats(ks_t)["median"] / PIPED_COUNT * 1000,
        "ms",
        {"plain_ms": stats(plain_t)["median"] / PIPED_COUNT * 1000},
    )
    report.ratio("piped.ratio", "ksquery / plain loop", stats(ratios), {"pairs": pairs})
    report.add_goal(
        goal(
            "startup.piped",
            f"{PIPED_COUNT} distinct statements piped into ksquery: ratio to a plain DuckDB loop",
            stats(ratios)["median"],
            2.0,
            "<=",
            "x",
        )
    )


def main() -> int:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--pairs", type=int, default=None, help="pairs per measurement (default 21, quick 3)"
    )
    args = parser.parse_args()
    pairs = args.pairs or (3 if args.quick else 21)
    report = Report("startup", args)
    env = ksquery_env()
    report.note(
        "warm starts: KSQUERY_HOME is a fresh temp dir, warmed once by running every command "
        "(compiles the data cache and caches named-question validation); cold runs are not counted"
    )
    repl = ReplRunner()
    cold = warm([("ask text", ASK_TEXT), ("sql", SQL_TEXT), ("ask named", ASK_NAMED)], env, report)
    run_timed(CHECK, env=env, check=False)  # warms the check's own caches
    t, _ = repl(REPL, env)
    report.line(f"  warm-up repl: {t * 1000:.0f} ms to prompt (not counted)")
    repl.exit_times.clear()
    report.measurements["cold"] = cold

    report.line(
        f"\nfloor = {' '.join(FLOOR[1:])!r} (same interpreter); "
        f"{pairs} pairs each, order alternating"
    )
    floor_repl = ReplRunner()

    def check_runner(argv, env):  # `ksquery check` exits 1 when it finds disagreements
        res = run_timed(argv, env=env, check=False)
        return res

    # (key, label, argv, runner, floor argv, floor runner, limit): the goals of issue 13
    cases = [
        ("ask_named", "ksquery ask investeringar_per_ar", ASK_NAMED, None, FLOOR, None, 1.25),
        ("ask_text", 'ksquery ask "investeringar per år"', ASK_TEXT, None, FLOOR, None, 1.4),
        (
            "sql",
            'ksquery sql "SELECT risk, riskvärde FROM risker …"',
            SQL_TEXT,
            None,
            FLOOR,
            None,
            1.7,
        ),
        ("check", "ksquery check", CHECK, check_runner, FLOOR, None, 2.0),
        (
            "repl",
            "REPL (python repl.py in a pty) to a usable prompt, vs a floor prompt",
            REPL,
            repl,
            REPL_FLOOR,
            floor_repl,
            1.9,
        ),
    ]
    for key, label, argv, runner, floor_argv, floor_runner, limit in cases:
        report.line(f"\n{label}")
        res = paired(floor_argv, argv, pairs, env=env, runner=runner, floor_runner=floor_runner)
        report.timing(f"{key}.floor", "floor", res["floor_s"], "ms", res["floor_maxrss_mib"])
        report.timing(f"{key}.cmd", "command", res["cmd_s"], "ms", res["cmd_maxrss_mib"])
        report.ratio(
            f"{key}.ratio", "command / floor", res["ratio"], {"pairs": pairs, "argv": argv[1:]}
        )
        if runner is repl:
            report.timing(
                "repl.exit_after_ctrl_d",
                "Ctrl-D to exit (not part of the goal)",
                stats(repl.exit_times),
            )
        report.add_goal(
            goal(
                f"startup.{key}",
                f"{label}: median ratio to floor",
                res["ratio"]["median"],
                limit,
                "<=",
                "x",
            )
        )

    bench_piped(report, env, pairs)

    report.line("\nwhere the time goes (report only)")
    py_pass = [run_timed([PYTHON, "-c", "pass"], env=env) for _ in range(3 if args.quick else 11)]
    report.timing(
        "python_bare",
        "python -c pass",
        stats([p[0] for p in py_pass]),
        "ms",
        stats([p[1] for p in py_pass]),
    )
    phases = breakdown(env, 1 if args.quick else 7)
    for name, st in phases.items():
        report.timing(f"phase.{name}", f"phase {name}", st, "ms")
    top = import_top(env, SQL_TEXT)
    report.line(
        "  top-level imports by cumulative time (python -X importtime, ksquery sql, one run):"
    )
    for name, ms in top:
        report.line(f"    {name:<28} {ms:7.1f} ms")
    report.measurements["importtime_top"] = {
        "label": "python -X importtime, ksquery sql",
        "unit": "ms",
        "value": top,
    }
    return report.finish()


if __name__ == "__main__":
    raise SystemExit(main())
