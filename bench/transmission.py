"""The real transmission-daemon 4.x the benchmark measures against, behind a counting relay.

Starts the toolbox's transmission-daemon with the test helper (:mod:`tests.servers.transmission`),
adds N synthetic stopped torrents (one 16 KiB piece each, no data on disk, half labelled
``music``) over one kept-alive connection, and can relabel 1% of them and restart the daemon
on the same config folder (a new RPC session id: torrent ids are renumbered, so every client
lists everything again). It has the same interface as :class:`bench.qbt.QbtBackend`, so the
qBittorrent scenarios run unchanged.

A freshly added or loaded torrent counts as ``recently-active`` for the daemon's 60 s window
(``RecentlyActiveSeconds``, ``libtransmission/rpcimpl.cc``), so :meth:`TrBackend.settle` waits
until that window is empty before a steady-state measurement.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any

from tests.servers import transmission as ts

from . import procs
from .relay import Counters, RelayProcess

MUSIC = "music"
LOAD_TIMEOUT = 1800.0
RESTART_TIMEOUT = 600.0
SETTLE_TIMEOUT = 180.0
TORRENT_SIZE = 16 * 1024


class _Rpc:
    """One kept-alive RPC connection with the session-id handshake (the harness's own)."""

    def __init__(self, server: ts.TransmissionServer) -> None:
        self.server = server
        self.conn = http.client.HTTPConnection("127.0.0.1", server.rpc_port, timeout=120)

    def call(self, method: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        body = json.dumps({"method": method, "arguments": arguments or {}}).encode()
        for _ in range(3):
            headers = {
                "Content-Type": "application/json",
                "Authorization": ts.basic_auth(self.server.username, self.server.password),
                "X-Transmission-Session-Id": self.server.session_id,
            }
            try:
                self.conn.request("POST", ts.RPC_PATH, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.server.rpc_port, timeout=120
                )
                continue
            if resp.status == 409:
                self.server.session_id = resp.getheader("X-Transmission-Session-Id", "")
                continue
            if resp.status != 200:
                raise RuntimeError(f"{method}: HTTP {resp.status} {data[:200]!r}")
            reply: dict[str, Any] = json.loads(data)
            if reply.get("result") != "success":
                raise RuntimeError(f"{method}: {reply.get('result')!r}")
            args: dict[str, Any] = reply.get("arguments", {})
            return args
        raise RuntimeError(f"{method}: no answer after three tries")

    def close(self) -> None:
        self.conn.close()


@dataclass(slots=True)
class TrBackend:
    """One running transmission-daemon 4.x with N torrents and a relay in front of it."""

    server: ts.TransmissionServer
    size: int
    hashes: list[str]
    labelled: dict[str, bool] = field(default_factory=dict)
    relay: RelayProcess | None = None
    version: str = ""
    kind: str = "transmission"
    _round: int = 0

    # --- lifecycle -------------------------------------------------------------------------

    @classmethod
    def start(cls, size: int) -> TrBackend:
        """Start transmission-daemon 4.x, add ``size`` stopped torrents, put a relay in front."""
        server = ts.start_transmission("4", extra_settings={"message-level": 1})
        try:
            rpc = _Rpc(server)
            hashes: list[str] = []
            labelled: dict[str, bool] = {}
            try:
                for i in range(size):
                    music = i % 2 == 0
                    torrent = ts.make_torrent(
                        server.download_dir,
                        f"{'Music Album' if music else 'Other Torrent'} {size}-{i:06d}",
                        size=TORRENT_SIZE,
                        write_data=False,
                    )
                    args: dict[str, Any] = {
                        "metainfo": base64.b64encode(torrent.metainfo).decode(),
                        "paused": True,
                    }
                    if music:
                        args["labels"] = [MUSIC]
                    rpc.call("torrent-add", args)
                    hashes.append(torrent.info_hash)
                    labelled[torrent.info_hash] = music
                count = len(rpc.call("torrent-get", {"fields": ["id"]})["torrents"])
                if count != size:
                    raise RuntimeError(f"transmission lists {count} torrents, not {size}")
            finally:
                rpc.close()
            backend = cls(
                server=server, size=size, hashes=hashes, labelled=labelled, version=server.version
            )
            backend.relay = RelayProcess.start(f"127.0.0.1:{server.rpc_port}", "relay-transmission")
        except BaseException:
            ts.stop_transmission(server)
            raise
        return backend

    def stop(self) -> None:
        """Stop the relay and the daemon (by PID) and remove its folder."""
        if self.relay is not None:
            self.relay.stop()
            self.relay = None
        ts.stop_transmission(self.server)

    def settle(self, timeout: float = SETTLE_TIMEOUT) -> float:
        """Wait until no torrent is ``recently-active`` (the 60 s after adding or loading)."""
        started = time.perf_counter()
        rpc = _Rpc(self.server)
        try:
            procs.wait_for(
                lambda: (
                    not rpc.call("torrent-get", {"ids": "recently-active", "fields": ["id"]})[
                        "torrents"
                    ]
                ),
                what="transmission's recently-active window to empty",
                timeout=timeout,
            )
        finally:
            rpc.close()
        return time.perf_counter() - started

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
        """The daemon's PID (changes on restart)."""
        return self.server.pid

    def counters(self) -> Counters:
        """The relay's cumulative counters."""
        assert self.relay is not None
        return self.relay.stats()

    def memory_kib(self) -> dict[str, int]:
        """The daemon's RSS now and peak."""
        return procs.memory_kib(self.server.pid)

    # --- changes ---------------------------------------------------------------------------

    def change_one_percent(self) -> int:
        """Move the next 1% of torrents into or out of the ``music`` label; return how many."""
        count = max(1, self.size // 100)
        start = (self._round * count) % self.size
        self._round += 1
        chunk = (self.hashes * 2)[start : start + count]
        groups: dict[bool, list[str]] = {}
        for info_hash in chunk:
            self.labelled[info_hash] = not self.labelled[info_hash]
            groups.setdefault(self.labelled[info_hash], []).append(info_hash)
        rpc = _Rpc(self.server)
        try:
            for music, hashes in groups.items():
                rpc.call("torrent-set", {"ids": hashes, "labels": [MUSIC] if music else []})
        finally:
            rpc.close()
        return len(chunk)

    # --- restart (a new session id, torrents renumbered) -----------------------------------

    def restart(self) -> float:
        """Stop the daemon and start it again on the same config folder and port; return s.

        Returns once RPC answers and lists every torrent again.
        """
        started = time.perf_counter()
        process = self.server.process
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(120)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
            process.wait(10)
        home = self.server.home
        argv = [
            "transmission-daemon",
            "-f",
            "-g",
            str(home / "config"),
            "-e",
            str(home / "daemon.log"),
        ]
        with (home / "stdout.log").open("ab") as out:
            new = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=home,
            )
        self.server.process = new
        self.server.pid = new.pid
        self.server.session_id = ""
        rpc = _Rpc(self.server)

        def listed() -> bool:
            try:
                return len(rpc.call("torrent-get", {"fields": ["id"]})["torrents"]) == self.size
            except (RuntimeError, OSError):
                return False

        try:
            procs.wait_for(
                listed, what="transmission restart", timeout=RESTART_TIMEOUT, process=new
            )
        finally:
            rpc.close()
        return time.perf_counter() - started
