"""A real Prometheus 3.x scrapes the exporter; PromQL queries return what the world holds.

Two jobs, as a user would configure them: ``/metrics`` directly, and the multi-target
``/probe?target=<stack>`` pattern with the usual relabelling.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from simulator import Fault, Simulator
from tests.loopback import free_port

from .conftest import ExporterStarter

pytestmark = pytest.mark.real_server


@dataclass(slots=True)
class Prometheus:
    """A running Prometheus server."""

    url: str
    pid: int

    async def query(self, promql: str) -> list[dict[str, Any]]:
        """Evaluate an instant query; return its result vector."""
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{self.url}/api/v1/query", params={"query": promql}) as resp,
        ):
            body = await resp.json()
        assert body["status"] == "success", body
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    async def wait_for(self, promql: str, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Poll a query until it returns at least one series."""
        deadline = time.monotonic() + timeout
        while True:
            result = await self.query(promql)
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"{promql} returned nothing within {timeout:g} s")
            await asyncio.sleep(0.2)


@contextlib.asynccontextmanager
async def running_prometheus(config: dict[str, Any], workdir: Path) -> AsyncIterator[Prometheus]:
    """Start ``prometheus`` with ``config``; stop it by PID afterwards."""
    config_path = workdir / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config))
    port = free_port()
    log = (workdir / "prometheus.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        "prometheus",
        f"--config.file={config_path}",
        f"--storage.tsdb.path={workdir / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    server = Prometheus(url=f"http://127.0.0.1:{port}", pid=process.pid)
    try:
        deadline = time.monotonic() + 30
        async with aiohttp.ClientSession() as session:
            while True:
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(f"{server.url}/-/ready") as resp:
                        if resp.status == 200:
                            break
                if process.returncode is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "prometheus did not start:\n" + (workdir / "prometheus.log").read_text()
                    )
                await asyncio.sleep(0.1)
        yield server
    finally:
        if process.returncode is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                os.kill(process.pid, signal.SIGKILL)
                await process.wait()
        log.close()


def _value(result: list[dict[str, Any]]) -> float:
    assert len(result) == 1, result
    return float(result[0]["value"][1])


async def test_prometheus_scrapes_the_exporter(
    sim: Simulator, start_exporter: ExporterStarter, tmp_path: Path
) -> None:
    world = sim.world
    await sim.advance(30)
    await sim.set_fault("jackett", Fault.HTTP_500)
    exporter = await start_exporter()
    address = exporter.url.removeprefix("http://")
    stack = sim.stack_name
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
        "scrape_configs": [
            {"job_name": "music", "static_configs": [{"targets": [address]}]},
            {
                "job_name": "music-probe",
                "metrics_path": "/probe",
                "static_configs": [{"targets": [stack]}],
                "relabel_configs": [
                    {"source_labels": ["__address__"], "target_label": "__param_target"},
                    {"source_labels": ["__param_target"], "target_label": "instance"},
                    {"target_label": "__address__", "replacement": address},
                ],
            },
        ],
    }
    async with running_prometheus(config, tmp_path) as prometheus:
        tracks = await prometheus.wait_for('stepheybot_music_library_tracks{job="music"}')
        assert _value(tracks) == world.nav_songs
        assert _value(await prometheus.query('up{job="music"}')) == 1
        up = await prometheus.wait_for('stepheybot_music_backend_up{job="music"}')
        assert {s["metric"]["backend"]: float(s["value"][1]) for s in up} == {
            b.name: 0.0 if b.name == "jackett" else 1.0
            for b in exporter.config.default_stack.backends
        }
        failure = await prometheus.query(
            'stepheybot_music_backend_failure{job="music", reason="server_error"}'
        )
        assert [s["metric"]["backend"] for s in failure] == ["jackett"]
        downloaded = await prometheus.query(
            'stepheybot_music_downloaded_bytes_total{job="music", client="qbittorrent"}'
        )
        assert _value(downloaded) == world.download_clients["qbittorrent"].downloaded
        build = await prometheus.query("stepheybot_music_exporter_build_info")
        assert [s["metric"]["job"] for s in build] == ["music"], "only /metrics has self-metrics"

        probed = await prometheus.wait_for(
            f'stepheybot_music_library_albums{{job="music-probe", instance="{stack}"}}'
        )
        assert _value(probed) == world.nav_albums
        assert _value(await prometheus.query('up{job="music-probe"}')) == 1

        # Prometheus sends its 1 s scrape timeout; a backend slower than that is cut off
        # in time and the rest of the scrape still lands
        await sim.clear_fault("jackett")
        await sim.set_fault("navidrome", Fault.SLOW)
        await prometheus.wait_for(
            'stepheybot_music_backend_failure{job="music", backend="navidrome", reason="timeout"}'
        )
        assert _value(await prometheus.query('up{job="music"}')) == 1
        assert (
            _value(
                await prometheus.query(
                    'stepheybot_music_backend_up{job="music", backend="jackett"}'
                )
            )
            == 1
        )
