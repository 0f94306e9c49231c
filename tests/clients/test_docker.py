"""DockerClient against the simulator's Docker Engine over the unix socket and over TCP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_socket
from stepheybot_music_clients.docker import (
    Container,
    ContainerHealth,
    ContainerState,
    DockerClient,
    Engine,
    HealthSource,
    docker_session_for,
    socket_path,
)
from stepheybot_music_clients.errors import (
    BackendRequestError,
    BackendTimeoutError,
    CannotConnectError,
    InvalidAuthError,
    UnexpectedResponseError,
    WrongApplicationError,
)
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.transport import InvalidUrlError

from simulator import Fault, Simulator
from simulator.backends import BackendSpec
from simulator.backends.docker import status_text
from simulator.model import Container as WorldContainer
from simulator.model import Health
from tests.compat import SIMULATOR, compat

REPO = Path(__file__).resolve().parents[2]


def _sim(flavor: str = "", **extra: str) -> Simulator:
    spec = BackendSpec(name="docker", kind="docker", flavor=flavor, extra=dict(extra))
    return Simulator(
        seed=21, specs=[spec], speed=0, tick_interval=3600, slow_delay=2.0, docker_socket=True
    )


@pytest.fixture(autouse=True)
def _allow_unix_sockets() -> None:
    """pytest-homeassistant's connect guard blocks AF_UNIX; the Docker socket needs it."""
    pytest_socket.socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with _sim() as simulator:
        yield simulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
async def unix_client(sim: Simulator) -> AsyncIterator[DockerClient]:
    path = sim.docker_socket_path()
    assert path is not None
    url = f"unix://{path}"
    unix_session = docker_session_for(url)
    assert unix_session is not None
    async with unix_session:
        yield DockerClient(unix_session, url)


def _assert_matches(got: Container, want: WorldContainer, *, source: HealthSource) -> None:
    assert got.name == want.name
    assert got.id == want.id
    assert got.image == want.image
    assert got.state is ContainerState(want.state)
    # health only while running: what an engine recorded before a pause or stop is stale
    expected_health = want.health if want.state == "running" else "none"
    assert got.health is ContainerHealth(expected_health), (want, got)
    assert got.health_source is source
    assert got.created == want.created.replace(microsecond=0)


@compat(
    "docker",
    "Engine 29 (API 1.52+)",
    proof=SIMULATOR,
    source="moby/moby api/types/container/container.go @ docker-v29.7.2",
)
async def test_over_the_unix_socket(sim: Simulator, unix_client: DockerClient) -> None:
    info = await unix_client.probe()
    assert info.kind is BackendKind.DOCKER
    assert info.application == "Docker Engine"
    assert info.version == "29.0.1"
    assert info.api_version == "1.52"
    assert str(unix_client.url) == f"unix:{sim.docker_socket_path()}"
    assert await unix_client.ping() == "1.52"

    containers = await unix_client.containers()
    world = sim.world.containers
    assert set(containers) == set(world)
    for name, container in containers.items():
        _assert_matches(container, world[name], source=HealthSource.SUMMARY)
        assert container.failing_streak == world[name].failing_streak
        assert container.status == status_text(world[name], sim.clock.now())
        assert container.is_running
        assert container.started_at is None  # only inspect knows it


async def test_over_tcp(sim: Simulator, session: aiohttp.ClientSession) -> None:
    client = DockerClient(session, sim.url("docker"))
    assert client.socket_path is None
    version = await client.version()
    assert version.version == "29.0.1"
    assert version.api_version == "1.52"
    assert version.min_api_version == "1.44"
    assert version.os == "linux"
    assert version.engine is Engine.DOCKER
    assert version.platform == "Docker Engine - Community"
    assert client.engine is Engine.DOCKER
    containers = await client.containers()
    assert set(containers) == set(sim.world.containers)


@compat(
    "docker",
    "Engine 29 (API 1.52+)",
    proof=SIMULATOR,
    source="moby/moby api/types/container/container.go @ docker-v29.7.2",
)
async def test_health_changes_and_failing_streak(sim: Simulator, unix_client: DockerClient) -> None:
    world = sim.world
    world.set_container_health("gluetun", Health.UNHEALTHY)
    world.set_container_state("qbittorrent", "exited", exit_code=137)
    world.set_container_state("lidarr", "paused")
    await sim.advance(3600 * 5)
    containers = await unix_client.containers()
    gluetun = containers["gluetun"]
    assert gluetun.health is ContainerHealth.UNHEALTHY
    assert gluetun.failing_streak == 3
    assert "(unhealthy)" in gluetun.status
    qbit = containers["qbittorrent"]
    assert qbit.state is ContainerState.EXITED
    assert not qbit.is_running
    assert qbit.status.startswith("Exited (137) ")
    assert containers["lidarr"].state is ContainerState.PAUSED
    assert containers["lidarr"].status.endswith("(Paused)")
    for name, container in containers.items():
        _assert_matches(container, world.containers[name], source=HealthSource.SUMMARY)


@compat(
    "docker",
    "Engine 29 (API 1.52+)",
    proof=SIMULATOR,
    source="moby/moby daemon/container/view.go @ docker-v29.7.2",
)
async def test_stale_health_of_a_stopped_or_paused_container_is_not_reported(
    sim: Simulator, unix_client: DockerClient
) -> None:
    world = sim.world
    world.set_container_health("navidrome", Health.UNHEALTHY)
    world.set_container_state("navidrome", "exited", exit_code=137)
    world.set_container_state("gluetun", "paused")
    # Docker 29 keeps the last result in the list's Health after a stop
    raw = await unix_client.request("GET", "/containers/json", params={"all": "1"})
    rows = {row["Names"][0]: row for row in raw.json()}
    assert rows["/navidrome"]["Health"] == {"Status": "unhealthy", "FailingStreak": 3}
    assert rows["/gluetun"]["Health"]["Status"] == "healthy"
    containers = await unix_client.containers(["navidrome", "gluetun"])
    assert containers["navidrome"].state is ContainerState.EXITED
    assert containers["navidrome"].health is ContainerHealth.NONE
    assert containers["navidrome"].failing_streak is None
    assert containers["gluetun"].state is ContainerState.PAUSED
    assert containers["gluetun"].health is ContainerHealth.NONE
    stopped = await unix_client.inspect("navidrome")
    assert stopped.health is ContainerHealth.NONE
    assert stopped.exit_code == 137


@compat(
    "docker",
    "Engine 27 (API 1.47)",
    proof=SIMULATOR,
    source="moby/moby container/state.go @ v27.5.1",
)
async def test_old_api_reads_health_from_the_status_text(session: aiohttp.ClientSession) -> None:
    async with _sim(flavor="1.47") as sim:
        world = sim.world
        world.set_container_health("navidrome", Health.UNHEALTHY)
        world.recreate_container("gluetun")  # health: starting
        world.set_container_state("lidarr", "paused")
        client = DockerClient(session, sim.url("docker"))
        info = await client.probe()
        assert info.version == "27.5.1"
        assert info.api_version == "1.47"
        containers = await client.containers()
        assert containers["gluetun"].health is ContainerHealth.STARTING
        assert containers["gluetun"].status.endswith("(health: starting)")
        assert containers["navidrome"].health is ContainerHealth.UNHEALTHY
        assert containers["stepheybot-music"].health is ContainerHealth.HEALTHY
        assert containers["qbittorrent"].health is ContainerHealth.NONE
        for name, container in containers.items():
            _assert_matches(container, world.containers[name], source=HealthSource.STATUS_TEXT)
            assert container.failing_streak is None


async def test_recreation_keeps_the_name(sim: Simulator, unix_client: DockerClient) -> None:
    before = (await unix_client.containers(["gluetun"]))["gluetun"]
    await sim.advance(60)
    sim.world.recreate_container("gluetun")
    after = (await unix_client.containers(["gluetun"]))["gluetun"]
    assert after.name == before.name
    assert after.id != before.id
    assert after.id == sim.world.containers["gluetun"].id
    assert after.health is ContainerHealth.STARTING
    assert after.created is not None
    assert before.created is not None
    assert after.created > before.created


async def test_names_filter_is_exact(sim: Simulator, unix_client: DockerClient) -> None:
    picked = await unix_client.containers(["gluetun", "/navidrome", "missing"])
    assert set(picked) == {"gluetun", "navidrome"}
    # the daemon's name filter is a regex search; the client keeps exact names only
    assert await unix_client.containers(["glue"]) == {}
    before = unix_client.stats.requests
    assert await unix_client.containers([]) == {}
    assert unix_client.stats.requests == before


async def test_inspect(sim: Simulator, unix_client: DockerClient) -> None:
    world = sim.world.containers["navidrome"]
    sim.world.set_container_health("navidrome", Health.UNHEALTHY)
    by_name = await unix_client.inspect("navidrome")
    assert by_name.id == world.id
    assert by_name.image == world.image
    assert by_name.health is ContainerHealth.UNHEALTHY
    assert by_name.health_source is HealthSource.INSPECT
    assert by_name.failing_streak == 3
    assert by_name.started_at == world.started_at
    assert by_name.created == world.created
    assert by_name.finished_at is None
    assert by_name.exit_code == 0
    assert by_name.restart_count == 0
    by_id = await unix_client.inspect(world.id[:12])
    assert by_id == by_name

    no_check = await unix_client.inspect("/lidarr")
    assert no_check.health is ContainerHealth.NONE
    assert no_check.failing_streak is None

    sim.world.set_container_state("lidarr", "exited", exit_code=1)
    stopped = await unix_client.inspect("lidarr")
    assert stopped.exit_code == 1
    assert stopped.finished_at is not None

    with pytest.raises(BackendRequestError) as caught:
        await unix_client.inspect("nope")
    assert caught.value.code == 404
    assert "no container called 'nope'" in caught.value.message


async def test_socket_proxy_without_containers_section(session: aiohttp.ClientSession) -> None:
    async with _sim(containers="0") as sim:
        client = DockerClient(session, sim.url("docker"))
        assert (await client.probe()).api_version == "1.52"
        with pytest.raises(InvalidAuthError) as caught:
            await client.containers()
        assert "HTTP 403" in caught.value.message
        assert "CONTAINERS=1" in caught.value.message
        with pytest.raises(InvalidAuthError, match="CONTAINERS=1"):
            await client.inspect("gluetun")


async def test_missing_socket(tmp_path: Path) -> None:
    url = f"unix://{tmp_path / 'docker.sock'}"
    unix_session = docker_session_for(url)
    assert unix_session is not None
    async with unix_session:
        with pytest.raises(CannotConnectError) as caught:
            await DockerClient(unix_session, url).probe()
    assert f"There is no Docker socket at {tmp_path / 'docker.sock'}" in caught.value.message
    assert "Mount it into this container" in caught.value.message
    assert "/var/run/docker.sock:/var/run/docker.sock:ro" in caught.value.message


async def test_nothing_listening_on_the_socket(tmp_path: Path) -> None:
    import socket

    path = tmp_path / "dead.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))  # bound, never listening: connection refused
        unix_session = docker_session_for(str(path))
        assert unix_session is not None
        async with unix_session:
            with pytest.raises(CannotConnectError, match="Docker daemon is running"):
                await DockerClient(unix_session, str(path)).probe()


_AS_NOBODY = """
import asyncio, json, sys
from stepheybot_music_clients.docker import DockerClient, docker_session_for
from stepheybot_music_clients.errors import StackError

async def main(url):
    session = docker_session_for(url)
    async with session:
        try:
            await DockerClient(session, url).probe()
        except StackError as err:
            print(json.dumps({"type": type(err).__name__, "message": err.message}))
        else:
            print(json.dumps({"type": None}))

asyncio.run(main(sys.argv[1]))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run the client as nobody")
async def test_permission_denied_on_the_socket(sim: Simulator) -> None:
    path = sim.docker_socket_path()
    assert path is not None
    result = subprocess.run(
        [sys.executable, "-c", _AS_NOBODY, f"unix://{path}"],
        cwd=REPO,
        user=65534,
        group=65534,
        extra_groups=[],
        env={"PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["type"] == "CannotConnectError"
    assert "Permission denied" in outcome["message"]
    assert "group_add" in outcome["message"]


def test_urls() -> None:
    assert socket_path("unix:///var/run/docker.sock") == "/var/run/docker.sock"
    assert socket_path("/run/user/1000/docker.sock") == "/run/user/1000/docker.sock"
    assert socket_path("http://socket-proxy:2375") is None
    assert docker_session_for("http://socket-proxy:2375") is None
    with pytest.raises(InvalidUrlError):
        socket_path("unix://")


async def test_socket_url_needs_a_unix_session(session: aiohttp.ClientSession) -> None:
    with pytest.raises(ValueError, match="docker_session_for"):
        DockerClient(session, "unix:///var/run/docker.sock")


async def test_down_slow_and_broken(sim: Simulator, session: aiohttp.ClientSession) -> None:
    client = DockerClient(session, sim.url("docker"), timeout=0.3)
    await sim.set_fault("docker", Fault.DOWN)
    async with aiohttp.ClientSession() as fresh:
        with pytest.raises(CannotConnectError) as down:
            await DockerClient(fresh, sim.url("docker")).probe()
    assert "Cannot connect to Docker" in down.value.message
    await sim.clear_fault("docker")

    await sim.set_fault("docker", Fault.SLOW)
    with pytest.raises(BackendTimeoutError, match=r"did not answer within 0\.3 s"):
        await client.containers()
    await sim.clear_fault("docker")

    await sim.set_fault("docker", Fault.HTTP_500)
    with pytest.raises(UnexpectedResponseError, match="HTTP 500"):
        await client.containers()
    with pytest.raises(UnexpectedResponseError, match="HTTP 500"):
        await client.ping()  # a broken daemon, not another application
    await sim.clear_fault("docker")

    for fault in (Fault.MALFORMED_JSON, Fault.TRUNCATED_JSON):
        await sim.set_fault("docker", fault)
        with pytest.raises(UnexpectedResponseError, match="not valid JSON"):
            await client.containers()
        with pytest.raises(UnexpectedResponseError, match="not valid JSON"):
            await client.version()
        await sim.clear_fault("docker")
    assert len(await client.containers()) == len(sim.world.containers)


async def test_wrong_application(session: aiohttp.ClientSession) -> None:
    # gluetun answers 400 (v3.39.0) or 401 (v3.41: unknown routes need credentials) to /_ping
    for flavor in ("3.39", "3.41"):
        spec = BackendSpec(name="gluetun", kind="gluetun", flavor=flavor)
        async with Simulator(seed=1, specs=[spec], speed=0, docker_socket=False) as sim:
            with pytest.raises(WrongApplicationError) as caught:
                await DockerClient(session, sim.url("gluetun")).probe()
            assert "is not a Docker daemon" in caught.value.message
