"""Internal: a small, fresh process that starts and times the benchmarked commands.

Why: on Linux a child's ru_maxrss starts from its parent's memory high-water mark (fork copies
the address space's counters and exec records them), so a child of a benchmark process that has
DuckDB and a catalog loaded would report at least the benchmark's own peak RSS. Launching every
measured command from this lean process (only the stdlib, ~10 MiB) keeps the reported peak
memory the command's own. Timing is also done here, around Popen + os.wait4 only.

Protocol: one JSON request per line on stdin, one JSON response per line on the original stdout.
    {"argv": [...], "env": {...}|null, "stdin_b64": str|null, "cwd": str|null}
    {"call": "module:function", "args": [...]}      (a function of a bench module)
Response: {"ok": true, "result": ...} or {"ok": false, "error": "..."}.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time


def run_local(argv, env=None, stdin=None, cwd=None) -> dict:
    """Run argv to completion: wall seconds, the child's own ru_maxrss (KiB), exit code and the
    tail of stderr."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [str(a) for a in argv],
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env,
            cwd=cwd,
        )
        if stdin is not None:
            try:
                proc.stdin.write(stdin)
            except BrokenPipeError:
                pass
            proc.stdin.close()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, tell Popen
        tail = ""
        if proc.returncode != 0:
            err.seek(0)
            tail = err.read().decode("utf-8", "replace").strip()[-600:]
    return {
        "seconds": seconds,
        "maxrss_kib": usage.ru_maxrss,
        "returncode": proc.returncode,
        "stderr": tail,
    }


def serve() -> None:
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything printed by imported code goes to stderr, not into the protocol
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            if req.get("call"):
                module, func = req["call"].split(":")
                result = getattr(importlib.import_module(module), func)(*req.get("args", []))
            else:
                data = (
                    base64.b64decode(req["stdin_b64"]) if req.get("stdin_b64") is not None else None
                )
                result = run_local(req["argv"], req.get("env"), data, req.get("cwd"))
            resp = {"ok": True, "result": result}
        except Exception as err:  # noqa: BLE001 - reported to the benchmark
            resp = {"ok": False, "error": f"{type(err).__name__}: {err}"}
        proto.write(json.dumps(resp) + "\n")
        proto.flush()


if __name__ == "__main__":
    serve()
