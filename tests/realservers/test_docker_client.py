"""The Docker client against real engines: dockerd 20.10 (API 1.41) and podman 4.3's Docker API.

Each test runs on both engines (the ``engine`` fixture), with real containers: running, exited
(code 3), paused, created, healthy and unhealthy. podman's Docker list has no health, so before
the fix an unhealthy podman container read as ``none``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from stepheybot_music_clients.docker import (
    ContainerHealth,
    ContainerState,
    DockerClient,
    Engine,
    HealthSource,
    docker_session_for,
)
from stepheybot_music_clients.errors import BackendRequestError

from tests.compat import REAL, compat
from tests.servers import containers as ct
from tests.servers.socket_proxy import running_socket_proxy

from .engines import Made

pytestmark = pytest.mark.real_server

EXPECTED = {
    "running": (ContainerState.RUNNING, ContainerHealth.NONE),
    "exited": (ContainerState.EXITED, ContainerHealth.NONE),
    "paused": (ContainerState.PAUSED, ContainerHealth.NONE),
    "created": (ContainerState.CREATED, ContainerHealth.NONE),
    "healthy": (ContainerState.RUNNING, ContainerHealth.HEALTHY),
    "unhealthy": (ContainerState.RUNNING, ContainerHealth.UNHEALTHY),
}
NATIVE_LIST = "/v4.0.0/libpod/containers/json"


@pytest.fixture
async def client(engine: ct.ContainerEngine) -> AsyncIterator[DockerClient]:
    """A client on the engine's unix socket."""
    session = docker_session_for(engine.url)
    assert session is not None
    async with session:
        yield DockerClient(session, engine.url)


def _raw(engine: ct.ContainerEngine, path: str, filters: dict[str, list[str]]) -> list[str]:
    """Names the engine lists for ``filters`` (straight from its API)."""
    query = json.dumps(filters).replace(" ", "")
    rows = engine.api_json("GET", f"{path}?all=1&filters={query}")
    return sorted(str(row["Names"][0]).lstrip("/") for row in rows)


@compat("docker", "Engine 20.10 (API 1.41)", proof=REAL, source="docker.io 20.10.24 (Debian 12)")
@compat("podman", "4.3 (Docker API 1.41)", proof=REAL, source="podman 4.3.1 (Debian 12)")
async def test_probe_names_the_engine(engine: ct.ContainerEngine, client: DockerClient) -> None:
    assert await client.ping() == "1.41"
    info = await client.probe()
    version = await client.version()
    assert info.api_version == version.api_version == "1.41"
    assert info.version == version.version == engine.version
    if engine.kind == "docker":
        assert info.application == "Docker Engine"
        assert version.engine is Engine.DOCKER
        assert version.min_api_version == "1.12"
    else:
        assert info.application == "Podman Engine"
        assert version.engine is Engine.PODMAN
        assert version.platform == "linux/amd64/debian-12"
        assert version.min_api_version == "1.24"
    assert client.engine is version.engine


@compat("docker", "Engine 20.10 (API 1.41)", proof=REAL, source="docker.io 20.10.24 (Debian 12)")
@compat("podman", "4.3 (Docker API 1.41)", proof=REAL, source="podman 4.3.1 (Debian 12)")
async def test_states_and_health(
    engine: ct.ContainerEngine, client: DockerClient, made: Made
) -> None:
    made.standard()
    await client.version()  # as the Home Assistant coordinator does, once
    client.stats.reset()
    containers = await client.containers([*made.names(), made.name("missing")])
    assert {name: (c.state, c.health) for name, c in containers.items()} == {
        made.name(what): expected for what, expected in EXPECTED.items()
    }
    unhealthy = containers[made.name("unhealthy")]
    assert unhealthy.health is ContainerHealth.UNHEALTHY, "podman's unhealthy must not read none"
    if engine.kind == "docker":
        assert client.stats.by_path == {"/containers/json": 1}
        assert unhealthy.health_source is HealthSource.STATUS_TEXT
        assert unhealthy.status.endswith("(unhealthy)")
    else:
        assert client.stats.by_path == {NATIVE_LIST: 1}
        assert unhealthy.health_source is HealthSource.LIBPOD
        exited = containers[made.name("exited")]
        assert exited.exit_code == 3
        assert exited.finished_at is not None
        assert unhealthy.started_at is not None


@compat("docker", "Engine 20.10 (API 1.41)", proof=REAL, source="docker.io 20.10.24 (Debian 12)")
@compat("podman", "4.3 (Docker API 1.41)", proof=REAL, source="podman 4.3.1 (Debian 12)")
async def test_without_version_first_the_reply_tells_podman(
    engine: ct.ContainerEngine, client: DockerClient, made: Made
) -> None:
    """The exporter never calls version(): the first list's headers must do."""
    made.run("unhealthy", "unhealthy")
    first = await client.containers([made.name("unhealthy")])
    assert first[made.name("unhealthy")].health is ContainerHealth.UNHEALTHY
    assert client.engine is Engine(engine.kind)
    client.stats.reset()
    await client.containers([made.name("unhealthy")])
    assert client.stats.requests == 1


@compat("docker", "Engine 20.10 (API 1.41)", proof=REAL, source="docker.io 20.10.24 (Debian 12)")
@compat("podman", "4.3 (Docker API 1.41)", proof=REAL, source="podman 4.3.1 (Debian 12)")
async def test_through_a_socket_proxy(engine: ct.ContainerEngine, made: Made) -> None:
    """docker-socket-proxy's rules refuse podman's native list: the health filter answers."""
    made.standard()
    async with (
        running_socket_proxy(engine.socket) as proxy,
        aiohttp.ClientSession() as session,
    ):
        client = DockerClient(session, proxy.url)
        await client.probe()
        client.stats.reset()
        containers = await client.containers(made.names())
        assert {name: (c.state, c.health) for name, c in containers.items()} == {
            made.name(what): expected for what, expected in EXPECTED.items()
        }
        client.stats.reset()
        await client.containers(made.names())
        if engine.kind == "podman":
            assert proxy.refused == [NATIVE_LIST], "tried once, then never again"
            # the list, then healthy, unhealthy, starting
            assert client.stats.by_path == {"/containers/json": 4}
            assert {c.health_source for c in containers.values()} == {HealthSource.HEALTH_FILTER}
        else:
            assert proxy.refused == []
            assert client.stats.by_path == {"/containers/json": 1}


@compat("docker", "Engine 20.10 (API 1.41)", proof=REAL, source="docker.io 20.10.24 (Debian 12)")
@compat("podman", "4.3 (Docker API 1.41)", proof=REAL, source="podman 4.3.1 (Debian 12)")
async def test_requests_do_not_grow_with_the_containers(
    engine: ct.ContainerEngine, client: DockerClient, made: Made
) -> None:
    made.run("unhealthy", "unhealthy")
    async with running_socket_proxy(engine.socket) as proxy, aiohttp.ClientSession() as session:
        proxied = DockerClient(session, proxy.url)
        await client.containers()
        await proxied.containers()
        client.stats.reset()
        proxied.stats.reset()
        before = await client.containers(), await proxied.containers()
        costs = client.stats.requests, proxied.stats.requests
        for i in range(6):
            made.run(f"more{i}", "running")
        client.stats.reset()
        proxied.stats.reset()
        after = await client.containers(), await proxied.containers()
        assert (client.stats.requests, proxied.stats.requests) == costs
    assert costs == ((1, 4) if engine.kind == "podman" else (1, 1))
    for found_before, found_after in zip(before, after, strict=True):
        assert len(found_after) == len(found_before) + 6
        assert found_after[made.name("unhealthy")].health is ContainerHealth.UNHEALTHY


@compat("docker", "Engine 20.10 (API 1.41)", proof=REAL, source="docker.io 20.10.24 (Debian 12)")
@compat("podman", "4.3 (Docker API 1.41)", proof=REAL, source="podman 4.3.1 (Debian 12)")
async def test_a_stopped_container_keeps_no_health(
    engine: ct.ContainerEngine, client: DockerClient, made: Made
) -> None:
    """Both engines keep the last health after a stop; the client does not report it."""
    name = made.run("unhealthy", "unhealthy").name
    engine.api_json("POST", f"/containers/{name}/kill")
    ct.hostside.wait_for(
        lambda: engine.inspect(name)["State"]["Status"] == "exited",
        timeout=20,
        what=f"{name} exiting",
    )
    assert name in _raw(engine, "/containers/json", {"health": ["unhealthy"]}), "kept stale"
    stopped = (await client.containers([name]))[name]
    assert (stopped.state, stopped.health) == (ContainerState.EXITED, ContainerHealth.NONE)
    inspected = await client.inspect(name)
    assert (inspected.state, inspected.health) == (ContainerState.EXITED, ContainerHealth.NONE)
    assert inspected.exit_code == 137


@compat("docker", "Engine 20.10 (API 1.41)", proof=REAL, source="docker.io 20.10.24 (Debian 12)")
@compat("podman", "4.3 (Docker API 1.41)", proof=REAL, source="podman 4.3.1 (Debian 12)")
async def test_inspect(engine: ct.ContainerEngine, client: DockerClient, made: Made) -> None:
    made.standard()
    for what, (state, health) in EXPECTED.items():
        container = await client.inspect(made.name(what))
        assert (container.state, container.health) == (state, health), what
        assert container.name == made.name(what)
        assert container.health_source is HealthSource.INSPECT
    unhealthy = await client.inspect(made.name("unhealthy"))
    assert unhealthy.failing_streak is not None
    assert unhealthy.failing_streak >= 1
    # podman 4.3 sends State.Health {"Status": ""} for a container without a healthcheck
    running = await client.inspect(made.name("running"))
    assert running.failing_streak is None
    exited = await client.inspect(made.name("exited"))
    assert exited.exit_code == 3
    assert exited.started_at is not None
    assert exited.finished_at is not None
    with pytest.raises(BackendRequestError) as caught:
        await client.inspect(made.name("missing"))
    assert caught.value.code == 404
    assert f"no container called {made.name('missing')!r}" in caught.value.message
