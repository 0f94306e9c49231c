"""The simulator's container engines reply as the upstream source says (Docker 29, podman 5.8).

The releases with a real server here (Docker 20.10, podman 4.3) are compared with it in
``tests/realservers/test_docker_fidelity.py``; these flavours come from the source alone.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from simulator import Simulator
from simulator.backends import BackendSpec
from simulator.model import Health
from tests.compat import SIMULATOR, compat

LIBPOD = "/v5.0.0/libpod/containers/json"


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def _sim(flavor: str, **extra: str) -> Simulator:
    spec = BackendSpec(name="docker", kind="docker", flavor=flavor, extra=dict(extra))
    return Simulator(seed=4, specs=[spec], speed=0, docker_socket=False)


async def _get(session: aiohttp.ClientSession, url: str) -> tuple[int, dict[str, str], object]:
    async with session.get(url) as resp:
        text = await resp.text()
        body = json.loads(text) if resp.content_type == "application/json" else text
        return resp.status, dict(resp.headers), body


def _listing(filters: dict[str, list[str]]) -> str:
    return "/containers/json?all=1&filters=" + json.dumps(filters)


@compat(
    "podman",
    "5.x (5.8.2 played)",
    proof=SIMULATOR,
    source="containers/podman pkg/api/handlers/compat/containers.go @ v5.8.2",
)
async def test_podman_5_8_replies_as_upstream(session: aiohttp.ClientSession) -> None:
    async with _sim("podman-5.8") as sim:
        base = sim.url("docker").rstrip("/")
        sim.world.set_container_health("navidrome", Health.UNHEALTHY)
        status, headers, body = await _get(session, f"{base}/_ping")
        assert (status, body) == (200, "OK")
        assert headers["Libpod-Api-Version"] == "5.8.2"
        assert headers["Api-Version"] == "1.44"
        assert headers["Server"] == "Libpod/5.8.2 (linux)"
        assert headers["Builder-Version"] == "1"
        assert headers["OSType"] == "linux"

        _, _, version = await _get(session, f"{base}/version")
        assert isinstance(version, dict)
        assert [c["Name"] for c in version["Components"]] == [
            "Podman Engine",
            "Conmon",
            "OCI Runtime (crun)",
        ]
        assert (version["Version"], version["ApiVersion"], version["MinAPIVersion"]) == (
            "5.8.2",
            "1.44",
            "1.24",
        )

        _, _, rows = await _get(session, base + _listing({"name": ["navidrome"]}))
        assert isinstance(rows, list)
        (row,) = rows
        assert "Health" not in row
        assert "HostConfig" not in row  # collides with ContainerCreateConfig's: dropped
        assert row["DefaultReadOnlyNonRecursive"] is False
        assert row["Status"].startswith("Up ")
        assert "(unhealthy)" not in row["Status"]

        async def names(health: str) -> set[str]:
            _, _, found = await _get(session, base + _listing({"health": [health]}))
            assert isinstance(found, list)
            return {r["Names"][0] for r in found}

        assert await names("unhealthy") == {"/navidrome"}
        assert await names("none") == set(), "podman's filter never matches none"
        assert "/lidarr" not in await names("healthy")  # no healthcheck

        _, _, native = await _get(session, f"{base}{LIBPOD}?all=true")
        assert isinstance(native, list)
        by_name = {r["Names"][0]: r for r in native}
        assert by_name["navidrome"]["Status"] == "unhealthy"
        assert by_name["lidarr"]["Status"] == ""
        assert by_name["lidarr"]["Restarts"] == 0

        # inspect: State.Health only with a healthcheck (5.x)
        _, _, lidarr = await _get(session, f"{base}/containers/lidarr/json")
        assert isinstance(lidarr, dict)
        assert "Health" not in lidarr["State"]
        status, headers, missing = await _get(session, f"{base}/containers/nope/json")
        assert status == 404
        assert missing == {
            "cause": "no such container",
            "message": 'no container with name or ID "nope" found: no such container',
            "response": 404,
        }
        status, headers, text = await _get(session, f"{base}/nope")
        assert (status, text) == (404, "Not Found\n")
        assert "Libpod-Api-Version" not in headers


async def test_the_socket_proxy_refuses_podmans_own_api(session: aiohttp.ClientSession) -> None:
    async with _sim("podman-5.8", proxy="1") as sim:
        base = sim.url("docker").rstrip("/")
        assert (await _get(session, f"{base}/containers/json"))[0] == 200
        # a versioned Docker path passes the proxy (the simulated engine serves only unversioned
        # ones, so it answers 404 itself)
        status, _, body = await _get(session, f"{base}/v1.44/containers/json")
        assert (status, body) == (404, "Not Found\n")
        status, _, page = await _get(session, f"{base}{LIBPOD}")
        assert status == 403
        assert "Request forbidden by administrative rules." in str(page)
        assert (await _get(session, f"{base}/images/json"))[0] == 403


@compat(
    "docker",
    "Engine 29 (API 1.52+)",
    proof=SIMULATOR,
    source="moby/moby daemon/container/view.go @ docker-v29.7.2",
)
async def test_docker_29_replies_as_upstream(session: aiohttp.ClientSession) -> None:
    async with _sim("1.52") as sim:
        base = sim.url("docker").rstrip("/")
        world = sim.world
        world.set_container_health("navidrome", Health.UNHEALTHY)
        world.set_container_state("navidrome", "exited", exit_code=137)
        _, headers, _ = await _get(session, f"{base}/_ping")
        assert headers["Api-Version"] == "1.52"
        assert headers["Swarm"] == "inactive"
        assert headers["Server"] == "Docker/29.0.1 (linux)"
        _, _, version = await _get(session, f"{base}/version")
        assert isinstance(version, dict)
        assert version["Components"][0]["Name"] == "Engine"
        assert version["MinAPIVersion"] == "1.44"

        _, _, rows = await _get(session, base + _listing({"name": ["navidrome", "lidarr"]}))
        assert isinstance(rows, list)
        by_name = {r["Names"][0]: r for r in rows}
        # the last result is kept after a stop; "none" without a healthcheck
        assert by_name["/navidrome"]["Health"] == {"Status": "unhealthy", "FailingStreak": 3}
        assert by_name["/navidrome"]["Status"].startswith("Exited (137) ")
        assert by_name["/lidarr"]["Health"] == {"Status": "none", "FailingStreak": 0}
        _, _, stale = await _get(session, base + _listing({"health": ["unhealthy"]}))
        assert isinstance(stale, list)
        assert [r["Names"][0] for r in stale] == ["/navidrome"]
        _, _, inspected = await _get(session, f"{base}/containers/navidrome/json")
        assert isinstance(inspected, dict)
        assert inspected["State"]["Health"]["Status"] == "unhealthy"
        status, _, error = await _get(session, base + _listing({"health": ["sick"]}))
        assert status == 400
        assert error == {
            "message": "invalid filter 'health=sick': invalid value for health (sick): "
            "must be one of none, starting, healthy, unhealthy"
        }
