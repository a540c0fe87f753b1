"""The benchmarks stay runnable: a quick smoke run produces every goal (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT


def test_bench_quick_run_reports_every_goal(tmp_path):
    out = tmp_path / "bench.json"
    p = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run_all.py"), "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    text = out.read_text(encoding="utf-8")
    for goal in (
        "startup.ask_named",
        "startup.ask_text",
        "startup.sql",
        "startup.check",
        "startup.repl",
        "startup.piped",
        "engine.session_new_query_ms",
        "engine.validate_median_us",
        "engine.batch_marginal_ms",
        "engine.interpret_median_ms",
        "scale.startup_ratio",
        "scale.peak_rss_mib",
    ):
        assert goal in text, goal
    assert json.loads(text)
