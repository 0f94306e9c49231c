"""Fixtures for the exporter tests: the simulator, an in-process exporter, a scrape parser.

The exporter runs in the test's event loop on 127.0.0.1 (any free port) and is scraped
over real HTTP, exactly as Prometheus would; the simulator plays every backend.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
import pytest_socket
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families
from stepheybot_music_exporter.config import ExporterConfig, load_config
from stepheybot_music_exporter.server import Exporter, tls_context

from simulator import Simulator


@dataclass(slots=True)
class Scrape:
    """One scrape: status, body, and the samples by metric name and labels."""

    status: int
    text: str
    headers: Mapping[str, str]
    samples: dict[str, dict[frozenset[tuple[str, str]], float]] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    helps: dict[str, str] = field(default_factory=dict)

    def value(self, metric: str, /, **labels: str) -> float:
        """The value of one series; fails the test when it is absent."""
        series = self.samples.get(metric, {})
        key = frozenset(labels.items())
        have = sorted(sorted(s) for s in series)
        assert key in series, f"{metric}{labels} is missing; have {have}"
        return series[key]

    def get(self, metric: str, /, **labels: str) -> float | None:
        """The value of one series, or None."""
        return self.samples.get(metric, {}).get(frozenset(labels.items()))

    def series(self, name: str) -> dict[frozenset[tuple[str, str]], float]:
        """Every series of a metric."""
        return self.samples.get(name, {})

    def up(self, backend: str) -> float:
        """``stepheybot_music_backend_up`` of one backend."""
        return self.value("stepheybot_music_backend_up", backend=backend)


def parse(status: int, text: str, headers: Mapping[str, str]) -> Scrape:
    """Parse the text exposition format into a :class:`Scrape`."""
    scrape = Scrape(status=status, text=text, headers=headers)
    if status != 200 or "version=0.0.4" not in headers.get("Content-Type", ""):
        return scrape
    for family in text_string_to_metric_families(text):
        scrape.types[family.name] = family.type
        scrape.helps[family.name] = family.documentation
        for sample in family.samples:
            series = scrape.samples.setdefault(sample.name, {})
            key = frozenset(sample.labels.items())
            assert key not in series, f"duplicate series {sample.name}{sample.labels}"
            series[key] = sample.value
    return scrape


@dataclass(slots=True)
class RunningExporter:
    """An exporter serving in the test's event loop."""

    url: str
    exporter: Exporter
    config: ExporterConfig
    ssl_context: ssl.SSLContext | None = None

    async def scrape(
        self,
        path: str = "/metrics",
        *,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float = 30.0,
    ) -> Scrape:
        """GET a path of the exporter and parse the answer (``auth``: basic user, password)."""
        sent = dict(headers or {})
        if auth is not None:
            sent["Authorization"] = aiohttp.encode_basic_auth(*auth)
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                self.url + path,
                headers=sent,
                ssl=self.ssl_context if self.ssl_context is not None else True,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as resp,
        ):
            text = await resp.text()
            return parse(resp.status, text, dict(resp.headers))


@asynccontextmanager
async def running_exporter(
    config: ExporterConfig, *, client_ssl: ssl.SSLContext | None = None
) -> AsyncIterator[RunningExporter]:
    """Serve an exporter for ``config`` on 127.0.0.1 (free port); clean up afterwards."""
    exporter = Exporter(config)
    runner = web.AppRunner(exporter.app(), access_log=None)
    await runner.setup()
    server_ssl = tls_context(config)
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_ssl)
    await site.start()
    host, port = runner.addresses[0][:2]
    scheme = "https" if server_ssl else "http"
    try:
        yield RunningExporter(
            url=f"{scheme}://{host}:{port}",
            exporter=exporter,
            config=config,
            ssl_context=client_ssl,
        )
    finally:
        await runner.cleanup()


def exporter_config(
    stack_file: Path, *args: str, env: Mapping[str, str] | None = None
) -> ExporterConfig:
    """Load an exporter configuration the way the command line does."""
    return load_config(["--config", str(stack_file), *args], env or {})


type ExporterStarter = Callable[..., Awaitable[RunningExporter]]


@pytest.fixture(autouse=True)
def _allow_unix_sockets() -> None:
    """pytest-homeassistant's connect guard blocks AF_UNIX; the Docker socket needs it."""
    pytest_socket.socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    """The whole simulated stack (frozen clock: time moves only with ``advance``)."""
    async with Simulator(seed=7, slow_delay=3.0) as simulator:
        yield simulator


@pytest.fixture
def stack_file(sim: Simulator, tmp_path: Path) -> Path:
    """The simulator's stack file."""
    path = tmp_path / "stack.yaml"
    sim.write_stack_file(path)
    return path


@pytest.fixture
async def start_exporter(stack_file: Path) -> AsyncIterator[ExporterStarter]:
    """Start exporters on the simulator's stack file (extra CLI arguments allowed)."""
    async with AsyncExitStack() as stack:

        async def start(*args: str, path: Path | None = None, **kwargs: object) -> RunningExporter:
            config = exporter_config(path or stack_file, *args)
            return await stack.enter_async_context(running_exporter(config, **kwargs))  # type: ignore[arg-type]

        yield start
