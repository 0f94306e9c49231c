"""DockerClient against the simulator's podman flavours (the Docker-compatible service).

podman's Docker list carries no health up to 5.8.2; the client reads podman's native list, or,
behind a docker-socket-proxy that refuses it, the Docker list plus the ``health``-filtered
lists. Either way the requests per poll do not grow with the number of containers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import aiohttp
import pytest
import pytest_socket
from stepheybot_music_clients.docker import (
    ContainerHealth,
    ContainerState,
    DockerClient,
    Engine,
    HealthSource,
    docker_session_for,
)
from stepheybot_music_clients.errors import BackendRequestError, InvalidAuthError

from simulator import Simulator
from simulator.backends import BackendSpec
from simulator.model import Health
from tests.compat import SIMULATOR, compat

FLAVORS = ("podman-5.8", "podman-4.3")


def _sim(flavor: str, **extra: str) -> Simulator:
    spec = BackendSpec(name="docker", kind="docker", flavor=flavor, extra=dict(extra))
    return Simulator(
        seed=21, specs=[spec], speed=0, tick_interval=3600, slow_delay=2.0, docker_socket=True
    )


@pytest.fixture(autouse=True)
def _allow_unix_sockets() -> None:
    """pytest-homeassistant's connect guard blocks AF_UNIX; the Docker socket needs it."""
    pytest_socket.socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def _trouble(sim: Simulator) -> None:
    """An unhealthy, a starting, a stopped-while-unhealthy and a paused container."""
    world = sim.world
    world.set_container_health("navidrome", Health.UNHEALTHY)
    world.recreate_container("gluetun")  # health: starting
    world.set_container_health("stepheybot-music", Health.UNHEALTHY)
    world.set_container_state("stepheybot-music", "exited", exit_code=1)
    world.set_container_state("lidarr", "paused")


def _expected(sim: Simulator) -> dict[str, tuple[ContainerState, ContainerHealth]]:
    return {
        name: (
            ContainerState.from_api(c.state),
            ContainerHealth(c.health) if c.state == "running" else ContainerHealth.NONE,
        )
        for name, c in sim.world.containers.items()
    }


@compat(
    "podman",
    "5.x (5.8.2 played)",
    proof=SIMULATOR,
    source="containers/podman pkg/api/handlers/compat/containers.go @ v5.8.2",
)
@pytest.mark.parametrize("flavor", FLAVORS)
async def test_unhealthy_shows_through_the_socket(flavor: str) -> None:
    async with _sim(flavor) as sim:
        _trouble(sim)
        url = f"unix://{sim.docker_socket_path()}"
        unix_session = docker_session_for(url)
        assert unix_session is not None
        async with unix_session:
            client = DockerClient(unix_session, url)
            info = await client.probe()
            assert info.application == "Podman Engine"
            assert info.version == ("5.8.2" if flavor == "podman-5.8" else "4.3.1")
            assert client.engine is Engine.PODMAN
            client.stats.reset()
            containers = await client.containers()
            # the native list: one request, health in its Status
            assert client.stats.by_path == {"/v4.0.0/libpod/containers/json": 1}
            got = {name: (c.state, c.health) for name, c in containers.items()}
            assert got == _expected(sim)
            assert got["navidrome"] == (ContainerState.RUNNING, ContainerHealth.UNHEALTHY)
            assert got["gluetun"][1] is ContainerHealth.STARTING
            for name, container in containers.items():
                world = sim.world.containers[name]
                assert container.health_source is HealthSource.LIBPOD
                assert container.id == world.id
                assert container.image == world.image
                assert container.created == world.created
            assert containers["stepheybot-music"].exit_code == 1
            assert containers["stepheybot-music"].finished_at is not None
            assert containers["navidrome"].finished_at is None


@compat(
    "podman",
    "5.x (5.8.2 played)",
    proof=SIMULATOR,
    source="containers/podman pkg/api/handlers/compat/containers.go @ v5.8.2",
)
@pytest.mark.parametrize("flavor", FLAVORS)
async def test_behind_a_socket_proxy_the_health_filter_is_used(
    flavor: str, session: aiohttp.ClientSession
) -> None:
    async with _sim(flavor, proxy="1") as sim:
        _trouble(sim)
        client = DockerClient(session, sim.url("docker"))
        # no version() first, as the exporter does: the first reply's header says podman
        first = await client.containers(["navidrome", "gluetun", "lidarr", "stepheybot-music"])
        assert client.engine is Engine.PODMAN
        assert client.stats.by_path == {
            "/containers/json": 4,  # the list, then healthy, unhealthy, starting
            "/v4.0.0/libpod/containers/json": 1,  # refused by the proxy (403), once
        }
        expected = _expected(sim)
        assert {n: (c.state, c.health) for n, c in first.items()} == {n: expected[n] for n in first}
        assert {c.health_source for c in first.values()} == {HealthSource.HEALTH_FILTER}
        assert first["navidrome"].status.startswith("Up ")  # no "(unhealthy)" from podman

        # cost per poll: 4 requests, whatever the number of containers on the host
        for i in range(40):
            sim.world.containers[f"extra-{i}"] = replace(
                sim.world.containers["navidrome"], name=f"extra-{i}", id=f"{i:064x}"
            )
        client.stats.reset()
        everything = await client.containers()
        assert client.stats.requests == 4
        assert len(everything) == len(sim.world.containers)
        assert everything["extra-7"].health is ContainerHealth.UNHEALTHY
        client.stats.reset()
        await client.containers(["navidrome"])
        assert client.stats.by_path == {"/containers/json": 4}


async def test_health_filter_skipped_when_nothing_runs(session: aiohttp.ClientSession) -> None:
    async with _sim("podman-5.8", proxy="1") as sim:
        sim.world.set_container_state("navidrome", "exited", exit_code=0)
        client = DockerClient(session, sim.url("docker"))
        await client.version()
        client.stats.reset()
        stopped = await client.containers(["navidrome"])
        assert stopped["navidrome"].health is ContainerHealth.NONE
        # the native list (refused), the Docker list; no health lists for a stopped container
        assert client.stats.by_path == {
            "/v4.0.0/libpod/containers/json": 1,
            "/containers/json": 1,
        }


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("proxy", ["0", "1"], ids=["native list", "docker list"])
async def test_podman_states(flavor: str, proxy: str, session: aiohttp.ClientSession) -> None:
    async with _sim(flavor, proxy=proxy) as sim:
        world = sim.world
        world.set_container_state("navidrome", "stopped", exit_code=143)
        world.set_container_state("lidarr", "stopping")
        world.set_container_state("jackett", "initialized")
        world.set_container_state("prowlarr", "restarting", exit_code=1)
        client = DockerClient(session, sim.url("docker"))
        containers = await client.containers()
        source = HealthSource.LIBPOD if proxy == "0" else HealthSource.HEALTH_FILTER
        assert {c.health_source for c in containers.values()} == {source}
        assert containers["navidrome"].state is ContainerState.EXITED
        assert containers["lidarr"].state is ContainerState.RUNNING
        assert containers["jackett"].state is ContainerState.CREATED
        assert containers["prowlarr"].state is ContainerState.EXITED
        assert containers["navidrome"].health is ContainerHealth.NONE
        assert containers["gluetun"].health is ContainerHealth.HEALTHY


@pytest.mark.parametrize("flavor", FLAVORS)
async def test_inspect(flavor: str, session: aiohttp.ClientSession) -> None:
    async with _sim(flavor) as sim:
        sim.world.set_container_health("navidrome", Health.UNHEALTHY)
        client = DockerClient(session, sim.url("docker"))
        navidrome = await client.inspect("navidrome")
        assert navidrome.health is ContainerHealth.UNHEALTHY
        assert navidrome.failing_streak == 3
        # podman 4.3 sends State.Health {"Status": ""} for a container without a healthcheck
        lidarr = await client.inspect("lidarr")
        assert lidarr.health is ContainerHealth.NONE
        assert lidarr.failing_streak is None
        with pytest.raises(BackendRequestError) as caught:
            await client.inspect("nope")
        assert caught.value.code == 404


async def test_proxy_without_the_containers_section(session: aiohttp.ClientSession) -> None:
    async with _sim("podman-5.8", containers="0") as sim:
        client = DockerClient(session, sim.url("docker"))
        assert (await client.probe()).application == "Podman Engine"
        with pytest.raises(InvalidAuthError) as caught:
            await client.containers()
        assert "CONTAINERS=1" in caught.value.message


async def test_an_engine_swap_is_followed(session: aiohttp.ClientSession) -> None:
    """A URL that answered as podman and later as Docker (the daemon was replaced)."""
    async with _sim("podman-5.8") as podman, _sim("1.52") as docker:
        client = DockerClient(session, podman.url("docker"))
        await client.containers()
        assert client.engine is Engine.PODMAN
        client.url = client.url.with_port(docker.spec("docker").port)
        client.stats.reset()
        containers = await client.containers()
        assert client.engine is Engine.DOCKER
        assert client.stats.by_path == {"/v4.0.0/libpod/containers/json": 1, "/containers/json": 1}
        assert {c.health_source for c in containers.values()} == {HealthSource.SUMMARY}
        client.stats.reset()
        await client.containers()
        assert client.stats.by_path == {"/containers/json": 1}
