"""The exporter's Docker collector against dockerd 20.10 and podman 4.3's Docker API.

A stack file watches real containers (running, exited, paused, created, healthy, unhealthy) and
one that does not exist; every scrape exports ``container_up`` and one ``container_health``
series per status, the current one at 1.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from stepheybot_music_exporter.collectors.docker import HEALTH_STATUSES

from tests.compat import REAL, compat
from tests.exporter.conftest import Scrape, exporter_config, running_exporter
from tests.servers import containers as ct
from tests.servers.socket_proxy import running_socket_proxy

from .engines import Made

pytestmark = pytest.mark.real_server

UP = {"running": 1, "exited": 0, "paused": 0, "created": 0, "healthy": 1, "unhealthy": 1}
HEALTH = {"healthy": "healthy", "unhealthy": "unhealthy"}


def _stack(tmp_path: Path, url: str, containers: list[str]) -> Path:
    path = tmp_path / "stack.yaml"
    backend = {"kind": "docker", "url": url, "containers": containers}
    path.write_text(yaml.safe_dump({"name": "real", "backends": [backend]}))
    return path


def _assert_series(scrape: Scrape, made: Made) -> None:
    assert scrape.status == 200
    assert scrape.up("docker") == 1
    for what, up in UP.items():
        name = made.name(what)
        assert scrape.value("stepheybot_music_container_up", container=name) == up, what
        current = {
            status
            for status in HEALTH_STATUSES
            if scrape.value("stepheybot_music_container_health", container=name, status=status)
        }
        assert current == {HEALTH.get(what, "none")}, what
    missing = made.name("missing")
    assert scrape.value("stepheybot_music_container_up", container=missing) == 0
    assert scrape.get("stepheybot_music_container_health", container=missing, status="none") is None


@compat("docker", "Engine 20.10 (API 1.41)", proof=REAL, source="docker.io 20.10.24 (Debian 12)")
@compat("podman", "4.3 (Docker API 1.41)", proof=REAL, source="podman 4.3.1 (Debian 12)")
async def test_container_series_over_the_socket(
    engine: ct.ContainerEngine, made: Made, tmp_path: Path
) -> None:
    made.standard()
    stack = _stack(tmp_path, engine.url, [*made.names(), made.name("missing")])
    async with running_exporter(exporter_config(stack)) as exporter:
        for _ in range(3):
            _assert_series(await exporter.scrape(), made)
        collector = exporter.exporter.stacks["real"].collectors[0]
        stats = collector.client().stats  # type: ignore[attr-defined]
    if engine.kind == "podman":
        # first scrape: the Docker list says podman, then its native list; then one a scrape
        assert stats.by_path == {"/containers/json": 1, "/v4.0.0/libpod/containers/json": 3}
    else:
        assert stats.by_path == {"/containers/json": 3}


@compat("docker", "Engine 20.10 (API 1.41)", proof=REAL, source="docker.io 20.10.24 (Debian 12)")
@compat("podman", "4.3 (Docker API 1.41)", proof=REAL, source="podman 4.3.1 (Debian 12)")
async def test_container_series_through_a_socket_proxy(
    engine: ct.ContainerEngine, made: Made, tmp_path: Path
) -> None:
    made.standard()
    async with running_socket_proxy(engine.socket) as proxy:
        stack = _stack(tmp_path, proxy.url, [*made.names(), made.name("missing")])
        async with running_exporter(exporter_config(stack)) as exporter:
            for _ in range(2):
                _assert_series(await exporter.scrape(), made)
        assert proxy.refused == (
            ["/v4.0.0/libpod/containers/json"] if engine.kind == "podman" else []
        )
