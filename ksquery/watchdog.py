"""Stop the query running on the calling thread: at its deadline, or on Ctrl-C.

A query runs on the thread that asks for it; one long-lived watchdog thread interrupts it. The
earlier design ran every query on a query thread, and each query paid two thread hand-offs
(0,2–0,4 ms on a 2-core machine) for a time limit and a Ctrl-C that hardly ever come.

Ctrl-C while DuckDB holds the main thread in C++: Python runs its SIGINT handler only when that
thread is back in Python, but the C-level handler writes the signal's number to the wake-up
socket at once (signal.set_wakeup_fd), and the watchdog interrupts DuckDB when it reads it. The
KeyboardInterrupt that the handler raises afterwards is the caller's to turn into Cancelled.

The watchdog wakes every SLICE seconds while queries run and for IDLE seconds after the last one,
then sleeps until the next query arms it, so a run of queries arms it without waking a thread.
"""

from __future__ import annotations

import os
import select
import signal
import threading
import time
from contextlib import contextmanager
from typing import Any

SLICE = 0.02  # seconds between the watchdog's looks while a query runs
IDLE = 2.0  # seconds without a query before the watchdog sleeps until the next one


class Job:
    """One guarded call: what to interrupt, until when, and why it was stopped (None: it wasn't)."""

    __slots__ = ("cursor", "deadline", "reason", "on_main")

    def __init__(self, cursor: Any, deadline: float | None) -> None:
        self.cursor = cursor
        self.deadline = deadline
        self.reason: str | None = None  # "timeout" or "sigint"
        self.on_main = False  # whether Ctrl-C stops it (only the main thread gets SIGINT)

    def stop(self, reason: str) -> None:
        """Interrupt DuckDB; the first reason given is the one reported."""
        if self.reason is None:
            self.reason = reason
        try:
            self.cursor.interrupt()
        except Exception:  # noqa: BLE001 - closed meanwhile: the call has returned
            pass


class Watchdog:
    def __init__(self) -> None:
        self._jobs: set[Job] = set()  # the calls running now, on any thread
        self._sleeping = False
        self._wake = threading.Event()
        # A pipe, not a socket pair: importing socket costs a one-shot command milliseconds. On
        # Windows, where the wake-up fd must be a socket, Ctrl-C relies on DuckDB running
        # Python's handler (see _catch_sigint).
        self._recv, self._send = os.pipe() if os.name == "posix" else (-1, -1)
        for end in (self._recv, self._send):
            if end >= 0:
                os.set_blocking(end, False)
        threading.Thread(target=self._loop, name="ksquery-watchdog", daemon=True).start()

    @contextmanager
    def watching(self, job: Job):
        """Guard the calls inside: interrupt job.cursor at job.deadline or on Ctrl-C."""
        restore = self._catch_sigint(job) if threading.current_thread() is _MAIN else None
        self._jobs.add(job)
        if self._sleeping:  # looked at after adding the job: see _loop
            self._wake.set()
        try:
            yield job
        finally:
            self._jobs.discard(job)
            if restore is not None:
                _handle_pending()  # a Ctrl-C that came during the call is this call's
                restore()

    def _catch_sigint(self, job: Job):
        """On the main thread, while the call runs: Ctrl-C stops the job instead of raising
        KeyboardInterrupt (DuckDB runs Python's handlers itself, in the middle of a query), and
        its byte on the wake-up socket lets the watchdog stop DuckDB where it does not. Return
        what puts the process's own handler and socket back, or None when they are not Python's."""
        previous = signal.getsignal(signal.SIGINT)
        if previous is None:
            return None  # a handler set outside Python: leave Ctrl-C alone

        def stop(signum, frame) -> None:
            job.stop("sigint")

        fd = None
        if self._send >= 0:
            fd = signal.set_wakeup_fd(self._send, warn_on_full_buffer=False)
        signal.signal(signal.SIGINT, stop)
        job.on_main = True

        def restore() -> None:
            signal.signal(signal.SIGINT, previous)
            if fd is not None:
                signal.set_wakeup_fd(fd)

        return restore

    def _loop(self) -> None:
        idle_since = time.monotonic()
        while True:
            jobs = list(self._jobs)
            now = time.monotonic()
            if jobs:
                idle_since = now
            elif now - idle_since > IDLE:
                # _sleeping first, then look again: a query armed in between sees it and wakes us
                self._sleeping = True
                if not self._jobs:
                    self._wake.wait()
                self._wake.clear()
                self._sleeping = False
                idle_since = time.monotonic()
                continue
            deadlines = [j.deadline for j in jobs if j.deadline is not None and j.reason is None]
            wait = min([SLICE, *(max(0.0, d - now) for d in deadlines)])
            if self._recv >= 0:
                ready, _, _ = select.select([self._recv], [], [], wait)
                sigint = bool(ready) and signal.SIGINT in self._drain()
            else:
                time.sleep(wait)
                sigint = False
            now = time.monotonic()
            for job in jobs:
                if job not in self._jobs:
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


def _handle_pending() -> None:
    """Entering a Python function runs the signal handlers that are due (CPython's eval breaker)."""


_MAIN = threading.main_thread()
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
