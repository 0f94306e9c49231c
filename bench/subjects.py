"""What the benchmark measures: our pollers and the peers, behind one interface.

A subject does one poll (an HA coordinator refresh, an exporter scrape, a client sync) per
:meth:`Subject.poll`. In-process subjects (Home Assistant, the client layer) are charged the
benchmark process's CPU time (all threads: HA core runs its library in the executor);
subprocess subjects (the exporters) are charged their own process's CPU time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tracemalloc
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import aiohttp
import yaml
from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from tests.servers.qbittorrent import free_port

from . import procs
from .hass import add_entry, stop_timers

PROMETHEUS_ACCEPT = (
    "application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.5,"
    "text/plain;version=0.0.4;q=0.3,*/*;q=0.1"
)


class Subject(ABC):
    """One thing that polls qBittorrent."""

    name: ClassVar[str]
    role: ClassVar[str]
    """``ha`` (a coordinator poll), ``exporter`` (a scrape) or ``client`` (a client call)."""
    ours: ClassVar[bool]
    pid: int | None = None
    """Set for subprocess subjects: their CPU and memory are read from this PID."""

    @abstractmethod
    async def setup(self) -> None:
        """Get ready (log in, first full sync); not measured."""

    @abstractmethod
    async def poll(self) -> bool:
        """One poll; True when it produced data."""

    async def close(self) -> None:  # noqa: B027
        """Release everything."""

    async def memory(self) -> dict[str, int]:
        """Memory facts in KiB: RSS for processes, the traced peak of one poll in-process."""
        if self.pid is not None:
            return procs.memory_kib(self.pid)
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            await self.poll()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return {"poll_peak": peak // 1024}


# --- Home Assistant -------------------------------------------------------------------------


class HaCore(Subject):
    """HA core's ``qbittorrent`` integration (installed ``homeassistant``, its pinned library)."""

    name = "HA core qbittorrent"
    role = "ha"
    ours = False

    def __init__(self, hass: HomeAssistant, url: str, username: str, password: str) -> None:
        self.hass = hass
        self.data = {"url": url, "username": username, "password": password, "verify_ssl": False}
        self.coordinator: DataUpdateCoordinator[Any] | None = None

    async def setup(self) -> None:
        entry = await add_entry(self.hass, "qbittorrent", self.data)
        self.coordinator = entry.runtime_data
        assert self.coordinator is not None
        stop_timers(self.coordinator)

    async def poll(self) -> bool:
        assert self.coordinator is not None
        await self.coordinator.async_refresh()
        return self.coordinator.last_update_success


class HaCoreTransmission(Subject):
    """HA core's ``transmission`` integration (its pinned ``transmission-rpc``, in the executor)."""

    name = "HA core transmission"
    role = "ha"
    ours = False

    def __init__(self, hass: HomeAssistant, port: int, username: str, password: str) -> None:
        self.hass = hass
        self.data = {
            "host": "127.0.0.1",
            "port": port,
            "path": "/transmission/rpc",
            "ssl": False,
            "username": username,
            "password": password,
        }
        self.coordinator: DataUpdateCoordinator[Any] | None = None

    async def setup(self) -> None:
        entry = await add_entry(self.hass, "transmission", self.data)
        self.coordinator = entry.runtime_data
        assert self.coordinator is not None
        stop_timers(self.coordinator)

    async def poll(self) -> bool:
        assert self.coordinator is not None
        await self.coordinator.async_refresh()
        return self.coordinator.last_update_success


class OurHa(Subject):
    """Our integration: a stack config entry with backends as subentries, set up by HA.

    One poll refreshes every coordinator of the backends of ``kind`` (for qBittorrent: the
    downloads coordinator), entities included, as the update timer would.
    """

    name = "our HA integration"
    role = "ha"
    ours = True

    def __init__(
        self, hass: HomeAssistant, backends: list[dict[str, Any]], *, poll_kinds: set[str]
    ) -> None:
        self.hass = hass
        self.backends = backends
        self.poll_kinds = poll_kinds
        self.backend_kind = ",".join(sorted(poll_kinds))
        self.coordinators: list[DataUpdateCoordinator[Any]] = []
        self.entry: Any = None
        self.setup_seconds = 0.0

    async def setup(self) -> None:
        import time

        subentries = [
            {
                "data": {k: v for k, v in b.items() if k not in ("kind", "name")},
                "subentry_type": b["kind"],
                "title": b.get("name", b["kind"]),
                "unique_id": f"{b['kind']}-{b['url']}",
            }
            for b in self.backends
        ]
        started = time.perf_counter()
        self.entry = await add_entry(
            self.hass, "stepheybot_music", {}, options={"push": False}, subentries=subentries
        )
        self.setup_seconds = time.perf_counter() - started
        for backend in self.entry.runtime_data.backends.values():
            coordinators = list(backend.coordinators)
            for coordinator in coordinators:
                stop_timers(coordinator)
            if str(backend.ref.kind) in self.poll_kinds:
                self.coordinators += coordinators
        if not self.coordinators:
            raise RuntimeError(f"no coordinator of kind {sorted(self.poll_kinds)}")
        for coordinator in self.coordinators:
            if coordinator.data is None:
                await coordinator.async_refresh()

    async def poll(self) -> bool:
        ok = True
        for coordinator in self.coordinators:
            await coordinator.async_refresh()
            ok = ok and coordinator.last_update_success
        return ok


class OurClient(Subject):
    """Our client layer alone: ``QBittorrentClient.sync()`` (one session, merged deltas)."""

    name = "our qBittorrent client"
    role = "client"
    ours = True

    def __init__(self, url: str, username: str, password: str) -> None:
        self.url, self.username, self.password = url, username, password
        self.session: aiohttp.ClientSession | None = None
        self.client: Any = None

    async def setup(self) -> None:
        from stepheybot_music_clients.qbittorrent import QBittorrentClient

        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        self.client = QBittorrentClient(
            self.session, self.url, username=self.username, password=self.password, timeout=120
        )
        await self.client.sync()

    async def poll(self) -> bool:
        data = await self.client.sync()
        return data is not None

    async def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                await self.client.logout()
        if self.session is not None:
            await self.session.close()


class OurTransmissionClient(Subject):
    """Our client layer alone: ``session-stats`` plus ``TransmissionClient.sync()``."""

    name = "our Transmission client"
    role = "client"
    ours = True

    def __init__(self, url: str, username: str, password: str) -> None:
        self.url, self.username, self.password = url, username, password
        self.session: aiohttp.ClientSession | None = None
        self.client: Any = None

    async def setup(self) -> None:
        from stepheybot_music_clients.transmission import TransmissionClient

        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        self.client = TransmissionClient(
            self.session, self.url, username=self.username, password=self.password, timeout=120
        )
        await self.poll()

    async def poll(self) -> bool:
        stats = await self.client.session_stats()
        snapshot = await self.client.sync(
            torrent_count=stats.torrent_count, uptime=stats.current.seconds_active
        )
        return len(snapshot.torrents) == stats.torrent_count

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()


# --- exporters (subprocesses, scraped over HTTP like Prometheus does) -------------------------


class _ExporterProcess(Subject):
    """An exporter run as its own process and scraped with Prometheus's headers."""

    role = "exporter"
    path = "/metrics"
    process: subprocess.Popen[bytes] | None = None
    port = 0

    def __init__(self) -> None:
        self.http: aiohttp.ClientSession | None = None
        self.last_body = b""

    @abstractmethod
    def launch(self) -> subprocess.Popen[bytes]:
        """Start the process (listening on :attr:`port`)."""

    async def setup(self) -> None:
        self.port = free_port()
        self.process = await asyncio.to_thread(self.launch)
        self.pid = self.process.pid
        self.http = aiohttp.ClientSession()
        deadline = asyncio.get_running_loop().time() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{procs.log_tail(self.log_name)}")
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with self.http.get(f"http://127.0.0.1:{self.port}/") as resp:
                    await resp.read()
                    break
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"{self.name} did not listen:\n{procs.log_tail(self.log_name)}")
            await asyncio.sleep(0.1)
        await self.poll()

    @property
    def log_name(self) -> str:
        return self.name.replace(" ", "-")

    async def poll(self) -> bool:
        assert self.http is not None
        headers = {
            "Accept": PROMETHEUS_ACCEPT,
            "Accept-Encoding": "gzip",
            "X-Prometheus-Scrape-Timeout-Seconds": "30",
        }
        async with self.http.get(
            f"http://127.0.0.1:{self.port}{self.path}",
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=120),
        ) as resp:
            self.last_body = await resp.read()
            return resp.status == 200 and self.up_value(self.last_body)

    @abstractmethod
    def up_value(self, body: bytes) -> bool:
        """Whether the scrape says qBittorrent is up."""

    async def close(self) -> None:
        if self.http is not None:
            await self.http.close()
        if self.process is not None:
            await asyncio.to_thread(procs.stop, self.process)


class PeerExporter(_ExporterProcess):
    """``prometheus-qbittorrent-exporter`` 1.7.0 from PyPI (its own ``main()``)."""

    name = "prometheus-qbittorrent-exporter"
    ours = False

    def __init__(self, relay_port: int, username: str, password: str) -> None:
        super().__init__()
        self.env = {
            "QBITTORRENT_HOST": "127.0.0.1",
            "QBITTORRENT_PORT": str(relay_port),
            "QBITTORRENT_USER": username,
            "QBITTORRENT_PASS": password,
            "EXPORTER_ADDRESS": "127.0.0.1",
            "EXPORTER_LOG_LEVEL": "WARNING",
        }

    def launch(self) -> subprocess.Popen[bytes]:
        return procs.python(
            "-m",
            "qbittorrent_exporter.exporter",
            name=self.log_name,
            env={**self.env, "EXPORTER_PORT": str(self.port)},
        )

    def up_value(self, body: bytes) -> bool:
        return b"qbittorrent_up{" in body and b"} 1.0" in body.split(b"qbittorrent_up{", 1)[1][:200]


class OurExporter(_ExporterProcess):
    """Our exporter (``python -m stepheybot_music_exporter``) with a stack file."""

    name = "our exporter"
    ours = True

    def __init__(self, backends: list[dict[str, Any]], *, label: str = "qbt") -> None:
        super().__init__()
        self.backends = backends
        self.label = label

    def launch(self) -> subprocess.Popen[bytes]:
        stack = procs.WORK / f"stack-{self.label}.yaml"
        stack.write_text(yaml.safe_dump({"name": "bench", "backends": self.backends}))
        os.chmod(stack, 0o600)
        return procs.python(
            "-m",
            "stepheybot_music_exporter",
            "--config",
            str(stack),
            "--listen",
            f"127.0.0.1:{self.port}",
            "--log-level",
            "WARNING",
            name=f"{self.log_name}-{self.label}",
            env={"PYTHONPATH": str(procs.ROOT / "exporter" / "src")},
        )

    @property
    def log_name(self) -> str:
        return "our-exporter"

    def up_value(self, body: bytes) -> bool:
        ups = [
            line
            for line in body.decode(errors="replace").splitlines()
            if line.startswith("stepheybot_music_backend_up{")
        ]
        return bool(ups) and all(line.rstrip().endswith((" 1", " 1.0")) for line in ups)


def python_version() -> str:
    """The benchmark's Python."""
    return sys.version.split()[0]


def package_version(name: str) -> str:
    """An installed distribution's version (or ``?``)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def git_commit() -> str:
    """The commit the benchmark ran on (``+dirty`` when bench/ or the code has changes)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=procs.ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return head


def exporter_metric_names(body: bytes) -> set[str]:
    """Metric names in a scrape (for structural checks)."""
    return {
        line.split("{", 1)[0].split(" ", 1)[0]
        for line in body.decode(errors="replace").splitlines()
        if line and not line.startswith("#")
    }


def root() -> Path:
    """The repository root."""
    return procs.ROOT
