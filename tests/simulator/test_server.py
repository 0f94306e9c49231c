"""The simulator's server: listeners, fault injection, control endpoint, stack file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from stepheybot_music_clients.stackfile import load_stack_file

from simulator import Fault, Simulator
from simulator.backends import BackendSpec, builder

PING = "/rest/ping?u=admin&p=pw&v=1.16.1&c=test&f=json"


def _sim(**kwargs: object) -> Simulator:
    spec = BackendSpec(name="navidrome", kind="navidrome", username="admin", password="pw")
    return Simulator(seed=3, specs=[spec], docker_socket=False, **kwargs)  # type: ignore[arg-type]


async def _get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, timeout=aiohttp.ClientTimeout(total=timeout)) as resp,
    ):
        return resp.status, await resp.read()


async def test_generic_faults_and_recovery() -> None:
    async with _sim(slow_delay=1.0) as sim:
        url = sim.url("navidrome") + PING
        status, body = await _get(url)
        assert status == 200
        assert b'"status":"ok"' in body.replace(b" ", b"")

        await sim.set_fault("navidrome", Fault.DOWN)
        with pytest.raises(aiohttp.ClientConnectorError):
            await _get(url)
        await sim.clear_fault("navidrome", Fault.DOWN)
        assert (await _get(url))[0] == 200

        await sim.set_fault("navidrome", Fault.HTTP_500)
        assert (await _get(url))[0] == 500
        await sim.clear_fault("navidrome")

        await sim.set_fault("navidrome", Fault.MALFORMED_JSON)
        status, body = await _get(url)
        assert status == 200
        with pytest.raises(ValueError, match="Expecting value"):
            __import__("json").loads(body)
        await sim.clear_fault("navidrome", Fault.MALFORMED_JSON)

        healthy = (await _get(url))[1]
        await sim.set_fault("navidrome", Fault.TRUNCATED_JSON)
        status, body = await _get(url)
        assert status == 200
        assert body == healthy[: len(healthy) // 2]
        await sim.clear_fault("navidrome")

        await sim.set_fault("navidrome", Fault.SLOW)
        with pytest.raises(TimeoutError):
            await _get(url, timeout=0.3)
        await sim.clear_fault("navidrome", Fault.SLOW)
        assert sim.faults("navidrome").faults == frozenset()

        generation = sim.faults("navidrome").session_generation
        await sim.set_fault("navidrome", Fault.SESSION_EXPIRED)
        assert sim.faults("navidrome").session_generation == generation + 1
        assert Fault.SESSION_EXPIRED not in sim.faults("navidrome").faults


async def test_control_endpoint(tmp_path: Path) -> None:
    async with _sim() as sim, aiohttp.ClientSession() as session:
        control = f"http://127.0.0.1:{sim.control_port}/control"

        async def post(path: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
            async with session.post(control + path, json=body) as resp:
                return resp.status, await resp.json()

        status, state = await post("/fault", {"backend": "navidrome", "fault": "http_500"})
        assert (status, state["faults"]) == (200, ["http_500"])
        status, state = await post("/fault", {"backend": "navidrome", "action": "clear"})
        assert state["faults"] == []
        assert (await post("/fault", {"backend": "nope", "fault": "down"}))[0] == 404
        assert (await post("/fault", {"backend": "navidrome", "fault": "meltdown"}))[0] == 400

        before = sim.clock.now()
        await post("/advance", {"seconds": 120})
        assert (sim.clock.now() - before).total_seconds() >= 120

        _, vpn = await post("/vpn", {"up": False, "leak": True, "change_ip": True})
        assert vpn["status"] == "stopped"
        assert vpn["leak"] is True

        _, container = await post("/container", {"name": "lidarr", "recreate": True})
        assert container["id"] == sim.world.containers["lidarr"].id
        _, container = await post("/container", {"name": "navidrome", "health": "unhealthy"})
        assert container["health"] == "unhealthy"
        _, container = await post("/container", {"name": "gluetun", "state": "exited"})
        assert container["state"] == "exited"
        assert (await post("/container", {"name": "nope"}))[0] == 404

        async with session.get(control + "/state") as resp:
            state = await resp.json()
        assert state["backends"]["navidrome"]["listening"] is True
        assert state["vpn"] == {"status": "stopped", "leak": True}
        assert state["navidrome"]["albums"] == sim.world.nav_albums

        path = tmp_path / "stack.yaml"
        sim.write_stack_file(path)
        (stack,) = load_stack_file(path, env={})
        navidrome = stack.backend("navidrome")
        assert navidrome.url == sim.url("navidrome")
        assert navidrome.password == "pw"


async def test_time_runs_at_speed() -> None:
    async with _sim(speed=100.0, tick_interval=0.05) as sim:
        start = sim.clock.now()
        await asyncio.sleep(0.3)
        assert (sim.clock.now() - start).total_seconds() >= 20


async def test_down_also_drops_kept_alive_connections() -> None:
    async with _sim() as sim, aiohttp.ClientSession() as session:
        url = sim.url("navidrome") + PING
        async with session.get(url) as resp:
            assert resp.status == 200
        await sim.set_fault("navidrome", Fault.DOWN)
        with pytest.raises(aiohttp.ClientError):
            async with session.get(url) as resp:
                await resp.read()
        await sim.clear_fault("navidrome")
        async with session.get(url) as resp:
            assert resp.status == 200


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(KeyError, match="unknown backend kind"):
        builder("plex")
