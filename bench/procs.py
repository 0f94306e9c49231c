"""Processes the harness starts and measures: CPU clocks, memory, start and stop by PID."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work" / f"run-{os.getpid()}"
"""This run's scratch files (logs, port files, stack files): per process, so runs never collide."""
CPUCLOCK_SCHED = 2


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads, nanosecond resolution) of another process.

    Linux exposes a CPU clock per process (``MAKE_PROCESS_CPUCLOCK``), far finer than the
    10 ms ticks of ``/proc/<pid>/stat``: polls that cost a millisecond are measurable.
    """
    clock_id = ((~pid) << 3) | CPUCLOCK_SCHED
    return time.clock_gettime(clock_id)


def memory_kib(pid: int) -> dict[str, int]:
    """``VmRSS`` (now) and ``VmHWM`` (peak) of a process, in KiB."""
    out: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def start(
    args: Sequence[str], *, name: str, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start a helper process in its own process group, logging to ``<WORK>/<name>.log``."""
    WORK.mkdir(parents=True, exist_ok=True)
    with (WORK / f"{name}.log").open("wb") as log:
        return subprocess.Popen(
            list(args),
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )


def python(*args: str, name: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start ``python <args>`` with this interpreter."""
    return start([sys.executable, *args], name=name, env=env)


def log_tail(name: str, size: int = 3000) -> str:
    """The end of a helper's log (for error messages)."""
    path = WORK / f"{name}.log"
    return path.read_text(errors="replace")[-size:] if path.exists() else ""


def stop(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """SIGTERM by PID, then SIGKILL if it does not exit."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout)


def wait_for(
    predicate: Callable[[], bool],
    *,
    what: str,
    timeout: float,
    process: subprocess.Popen[bytes] | None = None,
    log: str = "",
) -> None:
    """Poll ``predicate`` until true; fail early if ``process`` exits."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: process exited with {process.returncode}\n{log_tail(log)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not ready after {timeout:g} s\n{log_tail(log)}")
        time.sleep(0.05)
