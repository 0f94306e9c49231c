"""The real qBittorrent the benchmark measures against, behind a counting relay.

Starts qbittorrent-nox 5.3 with the test helper (:mod:`tests.servers.qbittorrent`), loads
N synthetic stopped torrents (half in the ``music`` category), and can change 1% of them,
restart the server on the same profile (a lost session), and check whether a control
session survived (qBittorrent 5.3 keeps 15 sessions and evicts the least recently used).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import qbittorrent as qs

from . import procs
from .relay import Counters, RelayProcess

MUSIC = "music"
RESTART_TIMEOUT = 300.0


@dataclass(slots=True)
class QbtBackend:
    """One running qbittorrent-nox with N torrents and a relay in front of it."""

    server: qs.QbtServer
    size: int
    hashes: list[str]
    categories: dict[str, str] = field(default_factory=dict)
    relay: RelayProcess | None = None
    version: str = ""
    _round: int = 0
    _cookie: str = ""

    # --- lifecycle -------------------------------------------------------------------------

    @classmethod
    def start(cls, size: int) -> QbtBackend:
        """Start qBittorrent 5.3, load ``size`` torrents and put a relay in front of it."""
        server = qs.start_server("5.3")
        try:
            cookie = qs.login_cookie(server)
            half = size // 2
            music = qs.add_synthetic_torrents(
                server, half, cookie=cookie, category=MUSIC, name_prefix="Music Album"
            )
            other = qs.add_synthetic_torrents(
                server, size - half, cookie=cookie, name_prefix="Other Torrent"
            )
            qs.wait_for_torrent_count(server, size, cookie=cookie, timeout=600)
            _, body, _ = qs.http_request(server, "GET", "/api/v2/app/version", cookie=cookie)
            qs.http_request(server, "POST", "/api/v2/auth/logout", cookie=cookie)
            backend = cls(
                server=server,
                size=size,
                hashes=music + other,
                categories=dict.fromkeys(music, MUSIC) | dict.fromkeys(other, ""),
                version=body.decode().strip().removeprefix("v"),
            )
            backend._start_relay()
        except BaseException:
            qs.stop_server(server)
            raise
        return backend

    def _start_relay(self) -> None:
        self.relay = RelayProcess.start(self.server.host, "relay-qbittorrent")

    def stop(self) -> None:
        """Stop the relay and the server (by PID) and remove the profile."""
        if self.relay is not None:
            self.relay.stop()
            self.relay = None
        qs.stop_server(self.server)

    @property
    def relay_port(self) -> int:
        """Where the relay listens."""
        assert self.relay is not None
        return self.relay.port

    @property
    def url(self) -> str:
        """The URL clients use: the relay's."""
        return f"http://127.0.0.1:{self.relay_port}"

    @property
    def pid(self) -> int:
        """qBittorrent's PID (changes on restart)."""
        return self.server.pid

    @property
    def profile(self) -> Path:
        """The server's profile directory."""
        return self.server.profile

    def counters(self) -> Counters:
        """The relay's cumulative counters."""
        assert self.relay is not None
        return self.relay.stats()

    def cpu_seconds(self) -> float:
        """qBittorrent's CPU time so far."""
        return procs.cpu_seconds(self.server.pid)

    def memory_kib(self) -> dict[str, int]:
        """qBittorrent's RSS now and peak."""
        return procs.memory_kib(self.server.pid)

    # --- the harness's own session (direct, not through the relay) ------------------------

    def _request(self, method: str, path: str, form: dict[str, str] | None = None) -> int:
        if not self._cookie:
            self._cookie = qs.login_cookie(self.server)
        status, _, _ = qs.http_request(self.server, method, path, form=form, cookie=self._cookie)
        if status == 403:
            self._cookie = qs.login_cookie(self.server)
            status, _, _ = qs.http_request(
                self.server, method, path, form=form, cookie=self._cookie
            )
        return status

    def change_one_percent(self) -> int:
        """Move the next 1% of torrents into or out of ``music``; return how many changed."""
        count = max(1, self.size // 100)
        start = (self._round * count) % self.size
        self._round += 1
        chunk = (self.hashes * 2)[start : start + count]
        groups: dict[str, list[str]] = {}
        for info_hash in chunk:
            new = "" if self.categories[info_hash] == MUSIC else MUSIC
            self.categories[info_hash] = new
            groups.setdefault(new, []).append(info_hash)
        for category, hashes in groups.items():
            status = self._request(
                "POST",
                "/api/v2/torrents/setCategory",
                {"hashes": "|".join(hashes), "category": category},
            )
            if status != 200:
                raise RuntimeError(f"setCategory answered HTTP {status}")
        return len(chunk)

    def control_session(self) -> str:
        """Log in a fresh session that the harness then leaves idle."""
        return qs.login_cookie(self.server)

    def session_alive(self, cookie: str) -> bool:
        """Tell whether a session still works (403 once qBittorrent evicted it)."""
        status, _, _ = qs.http_request(self.server, "GET", "/api/v2/app/version", cookie=cookie)
        return status == 200

    # --- restart (a lost session) ---------------------------------------------------------

    def restart(self) -> float:
        """Stop qBittorrent and start it again on the same profile and port; return seconds.

        Returns once the Web UI answers and lists every torrent again, so the clients'
        next call finds a running server that has forgotten their sessions.
        """
        started = time.perf_counter()
        process = self.server.process
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
            process.wait(10)
        args = [qs.BINARIES["5.3"], f"--profile={self.profile}", "--confirm-legal-notice"]
        with (self.profile / "stdout.log").open("ab") as log:
            new = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(self.profile)},
            )
        self.server.process = new
        self.server.pid = new.pid
        self._cookie = ""

        def up() -> bool:
            try:
                return qs.http_request(self.server, "GET", "/", timeout=2)[0] == 200
            except OSError:
                return False

        procs.wait_for(up, what="qBittorrent restart", timeout=RESTART_TIMEOUT, process=new)
        cookie = qs.login_cookie(self.server)
        qs.wait_for_torrent_count(self.server, self.size, cookie=cookie, timeout=RESTART_TIMEOUT)
        qs.http_request(self.server, "POST", "/api/v2/auth/logout", cookie=cookie)
        return time.perf_counter() - started
