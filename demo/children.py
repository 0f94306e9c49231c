"""Child processes of the demo: each in its own process group, logged to a file, stopped by PID."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import aiohttp

HOST = "127.0.0.1"


class DemoError(Exception):
    """A part of the demo did not come up; the message says which and where its log is."""


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


class Child:
    """One child process in a process group of its own, its output in ``log``."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log: Path,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log = log
        self.cwd = cwd
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The process id (also the process group id), once started."""
        return self.process.pid if self.process else None

    def start(self) -> None:
        """Start the process in a new session, so a terminal's Ctrl-C reaches only us."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 (our own fixed command lines)
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.cwd,
                env=self.env,
                start_new_session=True,
            )

    def running(self) -> bool:
        """Whether the process has been started and has not exited."""
        return self.process is not None and self.process.poll() is None

    def check_alive(self) -> None:
        """Raise :class:`DemoError` (with the end of its log) if the process has exited."""
        if self.process is None or self.process.poll() is None:
            return
        raise DemoError(
            f"{self.name} exited with code {self.process.returncode}; "
            f"its log is {self.log}:\n{self.tail()}"
        )

    def tail(self, lines: int = 15) -> str:
        """The last lines of the log."""
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM the process group, SIGKILL it after ``timeout``; return the exit code."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait(5)
        # whatever the leader left behind in its group goes too
        _signal_group(process.pid, signal.SIGKILL)
        return process.returncode


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


async def wait_until(
    what: str,
    probe: Callable[[], Awaitable[bool]],
    *,
    child: Child | None = None,
    timeout: float = 60.0,
    interval: float = 0.5,
) -> None:
    """Poll ``probe`` until it returns True; fail early if ``child`` dies, late on timeout."""
    deadline = time.monotonic() + timeout
    last_error = ""
    while True:
        if child is not None:
            child.check_alive()
        try:
            if await probe():
                return
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError, KeyError) as err:
            last_error = f" (last error: {type(err).__name__}: {err})"
        if time.monotonic() > deadline:
            where = f"; see {child.log}:\n{child.tail()}" if child is not None else ""
            raise DemoError(f"{what} was not ready after {timeout:.0f} s{last_error}{where}")
        await asyncio.sleep(interval)


async def http_ok(session: aiohttp.ClientSession, url: str) -> bool:
    """Whether ``url`` answers 200."""
    async with session.get(url, timeout=aiohttp.ClientTimeout(total=5)) as resp:
        return resp.status == 200
