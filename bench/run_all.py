"""Run every ksquery benchmark, collect their JSON and print a Markdown summary.

    .venv/bin/python bench/run_all.py [--quick] [--strict] [--json FILE]

Runs bench/startup.py, engine.py and scale.py one after another (never in parallel:
they would disturb each other's timings), writes each script's results to
bench/results/<name>.json and everything together to bench/results/latest.json, then prints a
table (goal, measured, limit, pass/fail) and the machine line, ready to paste into the README.
Exit code: 0, or 2 when a script crashed; with --strict also 1 when a goal failed.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import BENCH, PYTHON, ROOT, base_parser, fmt_value, machine, machine_line  # noqa: E402

SCRIPTS = ["startup", "engine", "scale"]
RESULTS = BENCH / "results"


def markdown(docs: dict[str, dict], crashed: list[str]) -> str:
    lines = ["| goal | measured | limit | result |", "|---|---|---|---|"]
    for name in SCRIPTS:
        doc = docs.get(name)
        if doc is None:
            lines.append(f"| {name}.py | — | — | ERROR (script failed) |")
            continue
        for g in doc["goals"]:
            limit = (
                "report only"
                if g["limit"] is None
                else f"{g['op']} {fmt_value(g['limit'], g['unit'])}"
            )
            result = "—" if g["passed"] is None else ("PASS" if g["passed"] else "**FAIL**")
            desc = g["description"].replace("|", "\\|")
            lines.append(f"| {desc} | {fmt_value(g['measured'], g['unit'])} | {limit} | {result} |")
    return "\n".join(lines)


def git_state() -> dict:
    """The commit measured and whether the working tree had uncommitted changes outside bench/."""

    def git(*argv: str) -> str:
        try:
            return subprocess.run(
                ["git", *argv], cwd=ROOT, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    dirty = [
        line[3:]
        for line in git("status", "--porcelain").splitlines()
        if not line[3:].startswith("bench/")
    ]
    return {"commit": git("rev-parse", "--short", "HEAD"), "dirty_files": dirty}


def main() -> int:
    parser = base_parser(__doc__.splitlines()[0])
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    command = (
        "cd "
        + str(ROOT)
        + " && .venv/bin/python bench/run_all.py"
        + (" --quick" if args.quick else "")
    )
    started = time.time()
    code = git_state()
    docs: dict[str, dict] = {}
    crashed: list[str] = []
    for name in SCRIPTS:
        out = RESULTS / f"{name}.json"
        out.unlink(missing_ok=True)
        argv = [PYTHON, str(BENCH / f"{name}.py"), "--json", str(out)] + (
            ["--quick"] if args.quick else []
        )
        print(f"\n$ {' '.join(shlex.quote(a) for a in argv)}", flush=True)
        t = time.perf_counter()
        rc = subprocess.call(argv, cwd=ROOT)
        print(f"({name}.py finished in {time.perf_counter() - t:.0f} s, exit {rc})", flush=True)
        if out.exists():
            docs[name] = json.loads(out.read_text(encoding="utf-8"))
        if rc not in (0, 1) or name not in docs:
            crashed.append(name)
    m = machine()
    table = markdown(docs, crashed)
    goals = [g for name in SCRIPTS if name in docs for g in docs[name]["goals"]]
    summary = {
        "command": command,
        "quick": bool(args.quick),
        "started": started,
        "duration_s": time.time() - started,
        "machine": m,
        "machine_line": machine_line(m),
        "git": code,
        "goals": goals,
        "failed": [g["id"] for g in goals if g["passed"] is False],
        "crashed": crashed,
        "markdown": table,
        "scripts": docs,
    }
    (RESULTS / "latest.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
        )
    print("\n" + table)
    print(f"\nMachine: {machine_line(m)}")
    dirty = f" + {len(code['dirty_files'])} uncommitted files" if code["dirty_files"] else ""
    print(f"Code: commit {code['commit'] or 'unknown'}{dirty}")
    print(
        f"Command: `{command}` ({summary['duration_s'] / 60:.1f} min); "
        "results in bench/results/latest.json"
    )
    print()
    for g in goals:
        verdict = "REPORT" if g["passed"] is None else ("PASS" if g["passed"] else "FAIL")
        limit = (
            "" if g["limit"] is None else f" (goal {g['op']} {fmt_value(g['limit'], g['unit'])})"
        )
        print(f"{verdict} {g['id']}: {fmt_value(g['measured'], g['unit'])}{limit}")
    for name in crashed:
        print(f"FAIL {name}.py: the script did not finish")
    if crashed:
        return 2
    return 1 if (args.strict and summary["failed"]) else 0


if __name__ == "__main__":
    raise SystemExit(main())
