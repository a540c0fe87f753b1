"""Stop the query running on the calling thread: at its deadline, or on Ctrl-C.

A query runs on the thread that asks for it; one long-lived watchdog thread interrupts it. The
earlier design ran every query on a query thread, and each query paid two thread hand-offs
(0,2–0,5 ms on a 2-core machine) for a time limit and a Ctrl-C that hardly ever come.

Ctrl-C while the main thread is inside DuckDB: for the length of the call, SIGINT's Python
handler stops the job instead of raising KeyboardInterrupt (DuckDB runs Python's handlers itself
in the middle of a query), and the C-level handler writes the signal's number to a wake-up pipe
at once (signal.set_wakeup_fd), so the watchdog interrupts DuckDB even where DuckDB does not look.
Both are put back when the call returns.

The watchdog looks every SLICE seconds while queries run and for IDLE seconds after the last
one, then sleeps until the next query wakes it: a run of queries wakes no thread.
"""

from __future__ import annotations

import os
import select
import threading
import time
from typing import Any

try:  # the C module behind `signal`: its enum wrappers cost ~25 µs per query
    import _signal as _sig
except ImportError:  # pragma: no cover - an interpreter without it
    import signal as _sig  # type: ignore[no-redef]

SLICE = 0.02  # seconds between the watchdog's looks while a query runs
IDLE = 2.0  # seconds without a query before the watchdog sleeps until the next one
_SIGINT = int(_sig.SIGINT)
_MAIN = threading.main_thread()


class Job:
    """One guarded call, a context manager: what to interrupt, until when, and why it was
    stopped (None: it wasn't)."""

    __slots__ = ("cursor", "deadline", "reason", "_restore")

    def __init__(self, cursor: Any, deadline: float | None) -> None:
        self.cursor = cursor
        self.deadline = deadline
        self.reason: str | None = None  # "timeout" or "sigint"
        self._restore: tuple | None = None  # main thread: SIGINT's handler, wake-up fd

    def stop(self, reason: str) -> None:
        """Interrupt DuckDB; the first reason given is the one reported."""
        if self.reason is None:
            self.reason = reason
        try:
            self.cursor.interrupt()
        except Exception:  # noqa: BLE001 - closed meanwhile: the call has returned
            pass

    def _on_sigint(self, signum: int, frame: object) -> None:
        self.stop("sigint")

    def __enter__(self) -> Job:
        watch = watchdog()
        if threading.current_thread() is _MAIN:
            previous = _sig.getsignal(_SIGINT)
            if previous is not None:  # None: a handler set outside Python, left alone
                fd = None
                if watch.send >= 0:
                    fd = _sig.set_wakeup_fd(watch.send, warn_on_full_buffer=False)
                _sig.signal(_SIGINT, self._on_sigint)
                self._restore = (previous, fd)
        watch.add(self)
        return self

    def __exit__(self, kind: Any, err: Any, tb: Any) -> None:
        watchdog().jobs.discard(self)
        if self._restore is not None:
            _handle_pending()  # a Ctrl-C that came during the call is this call's
            previous, fd = self._restore
            _sig.signal(_SIGINT, previous)
            if fd is not None:
                _sig.set_wakeup_fd(fd)

    @property
    def on_main(self) -> bool:
        """Whether Ctrl-C stops it (only the main thread gets SIGINT)."""
        return self._restore is not None


def _handle_pending() -> None:
    """Entering a Python function runs the signal handlers that are due (CPython's eval breaker)."""


class Watchdog:
    """The thread that stops guarded calls, and the pipe SIGINT's byte arrives on."""

    def __init__(self) -> None:
        self.jobs: set[Job] = set()  # the calls running now, on any thread
        self._sleeping = False
        self._wake = threading.Event()
        # A pipe, not a socket pair: importing socket costs a one-shot command milliseconds.
        # Where the wake-up fd must be a socket (Windows), -1: no wake-up fd, and Ctrl-C relies
        # on DuckDB running Python's handler.
        self._recv, self.send = os.pipe() if os.name == "posix" else (-1, -1)
        for end in (self._recv, self.send):
            if end >= 0:
                os.set_blocking(end, False)
        threading.Thread(target=self._loop, name="ksquery-watchdog", daemon=True).start()

    def add(self, job: Job) -> None:
        self.jobs.add(job)
        if self._sleeping:  # looked at after adding the job: see _loop
            self._wake.set()

    def _loop(self) -> None:
        idle_since = time.monotonic()
        while True:
            jobs = list(self.jobs)
            now = time.monotonic()
            if jobs:
                idle_since = now
            elif now - idle_since > IDLE:
                # _sleeping first, then look again: a query added in between sees it and wakes us
                self._sleeping = True
                if not self.jobs:
                    self._wake.wait()
                self._wake.clear()
                self._sleeping = False
                idle_since = time.monotonic()
                continue
            deadlines = [j.deadline for j in jobs if j.deadline is not None and j.reason is None]
            wait = min([SLICE, *(max(0.0, d - now) for d in deadlines)])
            if self._recv >= 0:
                ready, _, _ = select.select([self._recv], [], [], wait)
                sigint = bool(ready) and _SIGINT in self._drain()
            else:
                time.sleep(wait)
                sigint = False
            now = time.monotonic()
            for job in jobs:
                if job not in self.jobs:
                    continue  # it ended: a late Ctrl-C went to the caller's own handler
                if sigint and job.on_main:
                    job.stop("sigint")
                elif job.reason is not None or (job.deadline is not None and now >= job.deadline):
                    # again every slice until the call returns: an interrupt sent before DuckDB
                    # started the query is lost
                    job.stop("timeout")

    def _drain(self) -> bytes:
        data = b""
        try:
            while chunk := os.read(self._recv, 512):
                data += chunk
        except (BlockingIOError, InterruptedError):
            pass
        return data


_WATCHDOG: Watchdog | None = None
_START = threading.Lock()


def watchdog() -> Watchdog:
    """The process's watchdog, started on first use."""
    global _WATCHDOG
    if _WATCHDOG is None:
        with _START:
            if _WATCHDOG is None:
                _WATCHDOG = Watchdog()
    return _WATCHDOG
