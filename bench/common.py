"""Shared helpers for the ksquery benchmarks: timing child processes, paired runs, statistics,
a description of the machine, a warmed KSQUERY_HOME, goals and the plain-text report.

Stdlib + duckdb only. Times are wall-clock (time.perf_counter); peak memory is the child's
ru_maxrss from os.wait4 (KiB on Linux), reported in MiB. Measured commands are started from a lean
launcher process (bench/_spawner.py) so that their ru_maxrss is not inflated by this process's own
memory (Linux children start from the parent's high-water mark).
"""

from __future__ import annotations

import argparse
import atexit
import base64
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # /work/main
BENCH = ROOT / "bench"
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python")
KSQUERY = str(VENV_BIN / "ksquery")
FLOOR = [PYTHON, "-c", "import duckdb"]


# --- running and timing child processes ---------------------------------------------------


class CommandFailed(RuntimeError):
    pass


_spawners: dict[str, subprocess.Popen] = {}


def _spawner(kind: str = "run") -> subprocess.Popen:
    """A lean launcher process (bench/_spawner.py), started on first use. "run" only ever runs
    commands (stdlib only, ~11 MiB); "call" imports bench modules for special runners (the pty)."""
    proc = _spawners.get(kind)
    if proc is None or proc.poll() is not None:
        proc = subprocess.Popen(
            [sys.executable, str(BENCH / "_spawner.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            cwd=ROOT,
        )
        _spawners[kind] = proc
        atexit.register(_stop_spawner, proc)
    return proc


def _stop_spawner(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _request(req: dict, kind: str = "run"):
    proc = _spawner(kind)
    proc.stdin.write(json.dumps(req) + "\n")
    proc.stdin.flush()
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError("the benchmark launcher (bench/_spawner.py) died")
    resp = json.loads(line)
    if not resp["ok"]:
        raise RuntimeError(resp["error"])
    return resp["result"]


def call_in_spawner(call: str, *args):
    """Run `module:function(*args)` inside the lean launcher process; JSON in and out."""
    return _request({"call": call, "args": list(args)}, kind="call")


def run_timed(argv, env=None, stdin=None, cwd=None, check=True) -> tuple[float, float]:
    """Run argv to completion; return (wall seconds, peak RSS of the child in MiB).

    The child is started by a lean launcher process (bench/_spawner.py) with subprocess.Popen and
    reaped with os.wait4, so the rusage is the child's own (ru_maxrss is KiB on Linux); started
    from this process it would inherit this process's memory high-water mark. stdout is
    discarded; stderr is shown on failure. `stdin` may be bytes (fed through a pipe) or None.
    """
    req = {
        "argv": [str(a) for a in argv],
        "env": dict(env) if env is not None else None,
        "stdin_b64": base64.b64encode(stdin).decode() if stdin is not None else None,
        "cwd": str(cwd or ROOT),
    }
    res = _request(req)
    if check and res["returncode"] != 0:
        raise CommandFailed(
            f"exit {res['returncode']}: {' '.join(map(str, argv))}\n{res['stderr']}"
        )
    return res["seconds"], res["maxrss_kib"] / 1024.0


def stats(values) -> dict:
    """median, min, max, mean and the number of runs of a list of numbers."""
    values = list(values)
    if not values:
        return {"median": None, "min": None, "max": None, "mean": None, "n": 0}
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "mean": statistics.fmean(values),
        "n": len(values),
    }


def paired(floor_argv, cmd_argv, n, env=None, runner=None, floor_runner=None) -> dict:
    """Run floor and command alternately n times; the ratio is computed per pair.

    On a shared, noisy machine a slow moment hits both halves of a pair, so the median of the
    per-pair ratios is far steadier than a ratio of separately measured medians. The order inside
    a pair alternates (floor first on even pairs, command first on odd) to cancel any order effect.
    `runner(argv, env)` may replace run_timed for the command (e.g. the REPL in a pty).
    """
    run_cmd = runner or (lambda argv, env: run_timed(argv, env=env))
    run_floor = floor_runner or (lambda argv, env: run_timed(argv, env=env))
    floor_t, cmd_t, floor_m, cmd_m, ratios = [], [], [], [], []
    for i in range(n):
        if i % 2 == 0:
            ft, fm = run_floor(floor_argv, env)
            ct, cm = run_cmd(cmd_argv, env)
        else:
            ct, cm = run_cmd(cmd_argv, env)
            ft, fm = run_floor(floor_argv, env)
        floor_t.append(ft)
        cmd_t.append(ct)
        floor_m.append(fm)
        cmd_m.append(cm)
        ratios.append(ct / ft)
    return {
        "floor_s": stats(floor_t),
        "cmd_s": stats(cmd_t),
        "ratio": stats(ratios),
        "floor_maxrss_mib": stats(floor_m),
        "cmd_maxrss_mib": stats(cmd_m),
        "pairs": n,
    }


# --- the machine ---------------------------------------------------------------------------


def machine() -> dict:
    """nproc, CPU model, memory, Python and DuckDB versions, load average at the start."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_mib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_mib = int(line.split()[1]) // 1024
                break
    except OSError:
        pass
    try:
        import duckdb

        duckdb_version = duckdb.__version__
    except ImportError:
        duckdb_version = "not installed"
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "nproc": usable,
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu,
        "mem_total_mib": mem_mib,
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "duckdb": duckdb_version,
        "platform": platform.platform(),
        "loadavg": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def machine_line(m: dict) -> str:
    load = m.get("loadavg")
    load_text = f", load {load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}" if load else ""
    mem = f"{m['mem_total_mib'] / 1024:.1f} GiB RAM" if m.get("mem_total_mib") else "RAM unknown"
    return (
        f"{m['nproc']} CPU ({m['cpu_model']}), {mem}, Python {m['python']}, "
        f"DuckDB {m['duckdb']}, {m['platform']}{load_text}"
    )


# --- a warmed KSQUERY_HOME ----------------------------------------------------------------


def ksquery_env(home: Path | None = None, **extra: str) -> dict:
    """A copy of the environment with KSQUERY_HOME set (a fresh temp dir unless given)."""
    if home is None:
        home = Path(tempfile.mkdtemp(prefix="ksquery-bench-home-"))
        atexit.register(shutil.rmtree, home, True)
    env = dict(os.environ)
    for key in ("KSQUERY_DATA", "KSQUERY_QUERIES"):
        env.pop(key, None)  # the benchmarks name their data explicitly
    # A user's warm start has up-to-date bytecode. With PYTHONDONTWRITEBYTECODE set (as in some
    # sandboxes) and .pyc files older than the sources, every start would recompile those modules;
    # dropping it lets the warm-up run write the bytecode cache once, as a normal install does.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["KSQUERY_HOME"] = str(home)
    env.update(extra)
    return env


def warm(commands, env, report=None) -> dict:
    """Run each command once, untimed for the goals: the first run compiles the data cache
    (KSQUERY_HOME/cache/data-*.duckdb) and the named-question validation cache, and fills the
    OS page cache. Returns the cold times for information."""
    cold = {}
    for name, argv in commands:
        seconds, rss = run_timed(argv, env=env)
        cold[name] = {"seconds": seconds, "maxrss_mib": rss}
        if report:
            report.line(f"  warm-up {name}: {seconds * 1000:.0f} ms (cold run, not counted)")
    return cold


# --- goals and the report -----------------------------------------------------------------


def goal(
    gid: str,
    description: str,
    measured: float | None,
    limit: float | None,
    op: str = "<=",
    unit: str = "",
    note: str = "",
) -> dict:
    """A goal; limit None means 'report only' (never fails)."""
    if measured is None:
        passed = False
    elif limit is None:
        passed = None
    elif op == "<=":
        passed = measured <= limit
    elif op == "<":
        passed = measured < limit
    elif op == ">=":
        passed = measured >= limit
    else:
        raise ValueError(op)
    return {
        "id": gid,
        "description": description,
        "measured": measured,
        "limit": limit,
        "op": op,
        "unit": unit,
        "passed": passed,
        "note": note,
    }


def fmt_value(value, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "us":
        return f"{value:.0f} µs"
    if unit == "MiB":
        return f"{value:.0f} MiB"
    if unit == "files/s":
        return f"{value:.0f} files/s"
    return f"{value:.3g} {unit}".strip()


class Report:
    """Plain English text report plus a JSON document with the same numbers."""

    def __init__(self, script: str, args: argparse.Namespace):
        self.script = script
        self.args = args
        self.machine = machine()
        self.measurements: dict = {}
        self.goals: list[dict] = []
        self.notes: list[str] = []
        self.started = time.time()
        print(f"== {script} ({'quick smoke run' if args.quick else 'full run'}) ==", flush=True)
        print(f"machine: {machine_line(self.machine)}", flush=True)

    def line(self, text: str = "") -> None:
        print(text, flush=True)

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"note: {text}", flush=True)

    def timing(
        self,
        key: str,
        label: str,
        st: dict,
        unit: str = "ms",
        rss: dict | None = None,
        extra: dict | None = None,
    ) -> None:
        """Print one measurement: median, min–max, runs (and peak memory)."""
        scale = {"ms": 1000.0, "us": 1e6, "s": 1.0}.get(unit, 1.0)
        text = (
            f"  {label}: median {st['median'] * scale:.{_dec(unit)}f} {_u(unit)}, "
            f"min–max {st['min'] * scale:.{_dec(unit)}f}–"
            f"{st['max'] * scale:.{_dec(unit)}f} {_u(unit)}, "
            f"runs {st['n']}"
        )
        if rss is not None and rss.get("n"):
            text += f", peak RSS {rss['max']:.0f} MiB (median {rss['median']:.0f})"
        print(text, flush=True)
        entry = {"label": label, "unit": "s", "stats": st}
        if rss is not None:
            entry["maxrss_mib"] = rss
        if extra:
            entry.update(extra)
        self.measurements[key] = entry

    def ratio(self, key: str, label: str, st: dict, extra: dict | None = None) -> None:
        print(
            f"  {label}: median ratio {st['median']:.2f}x, "
            f"min–max {st['min']:.2f}–{st['max']:.2f}x, "
            f"runs {st['n']}",
            flush=True,
        )
        entry = {"label": label, "unit": "x", "stats": st}
        if extra:
            entry.update(extra)
        self.measurements[key] = entry

    def value(self, key: str, label: str, value, unit: str, extra: dict | None = None) -> None:
        print(f"  {label}: {fmt_value(value, unit)}", flush=True)
        entry = {"label": label, "unit": unit, "value": value}
        if extra:
            entry.update(extra)
        self.measurements[key] = entry

    def add_goal(self, g: dict) -> None:
        self.goals.append(g)

    def finish(self) -> int:
        """Print a PASS/FAIL line per goal, write --json, return the exit code."""
        print(flush=True)
        for g in self.goals:
            verdict = "REPORT" if g["passed"] is None else ("PASS" if g["passed"] else "FAIL")
            limit = (
                ""
                if g["limit"] is None
                else f" (goal {g['op']} {fmt_value(g['limit'], g['unit'])})"
            )
            print(
                f"{verdict} {g['id']}: {g['description']} = "
                f"{fmt_value(g['measured'], g['unit'])}{limit}",
                flush=True,
            )
        doc = {
            "script": self.script,
            "quick": bool(self.args.quick),
            "argv": sys.argv,
            "machine": self.machine,
            "started": self.started,
            "duration_s": time.time() - self.started,
            "measurements": self.measurements,
            "goals": self.goals,
            "notes": self.notes,
        }
        if getattr(self.args, "json", None):
            path = Path(self.args.json)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
            )
        failed = any(g["passed"] is False for g in self.goals)
        return 1 if (failed and getattr(self.args, "strict", False)) else 0


def _dec(unit: str) -> int:
    return {"ms": 1, "us": 0, "s": 3}.get(unit, 2)


def _u(unit: str) -> str:
    return {"us": "µs"}.get(unit, unit)


def base_parser(description: str) -> argparse.ArgumentParser:
    """--json FILE, --quick and --strict, shared by every script."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    parser.add_argument("--quick", action="store_true", help="fast smoke run: few repetitions")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when a goal fails (default: goals are reported, exit 0)",
    )
    return parser
