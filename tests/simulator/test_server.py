"""The simulator's server: listeners, fault injection, control endpoint, stack file."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest
from stepheybot_music_clients.stackfile import load_stack_file

from simulator import Fault, Simulator
from simulator.backends import BackendSpec, builder
from simulator.control import ROUTES
from simulator.model import ACTIVE_STATUSES

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


CONTROL_ROUTES = {
    "/control/state": "GET",
    "/control/fault": "POST",
    "/control/advance": "POST",
    "/control/vpn": "POST",
    "/control/container": "POST",
    "/control/push": "POST",
    "/control/blockers": "POST",
}


async def test_a_get_on_a_post_route_answers_405_with_its_usage() -> None:
    assert {route.path: route.method for route in ROUTES} == CONTROL_ROUTES
    async with _sim() as sim, aiohttp.ClientSession() as session:
        base = f"http://127.0.0.1:{sim.control_port}"
        for route in ROUTES:
            wrong = "POST" if route.method == "GET" else "GET"
            async with session.request(wrong, base + route.path) as resp:
                assert (resp.status, resp.headers["Allow"]) == (405, route.method), route.path
                answer = await resp.json()
            assert answer["error"] == f"{route.path} takes {route.method}, not {wrong}"
            assert answer["usage"]["path"] == route.path
            if route.method == "POST":
                assert answer["usage"]["body"] == route.body
                assert set(answer["usage"]["example"]) <= set(route.body)
        async with session.get(base + "/control") as resp:
            index = await resp.json()
        assert [r["path"] for r in index["routes"]] == list(CONTROL_ROUTES)
        async with session.get(base + "/control/faults") as resp:
            assert resp.status == 404
            missing = await resp.json()
        assert missing["error"] == "no control route /control/faults"
        assert [r["path"] for r in missing["routes"]] == list(CONTROL_ROUTES)


FAULTS = [str(f) for f in Fault]
HEALTHS = ["none", "starting", "healthy", "unhealthy"]
STATES = ["created", "running", "paused", "restarting", "removing", "exited", "dead"]


@pytest.mark.parametrize(
    ("path", "body", "error", "valid"),
    [
        ("/fault", {"backend": "nope", "fault": "down"}, "unknown backend 'nope'", ["navidrome"]),
        ("/fault", {"fault": "down"}, "unknown backend None", ["navidrome"]),
        ("/fault", {"backend": "navidrome", "fault": "meltdown"}, "unknown fault", FAULTS),
        ("/fault", {"backend": "navidrome"}, "set needs a fault", FAULTS),
        ("/fault", {"backend": "navidrome", "action": "stop"}, "unknown action", ["set", "clear"]),
        ("/container", {"name": "nope"}, "unknown container 'nope'", "containers"),
        ("/container", {"name": "lidarr", "health": "ill"}, "unknown health 'ill'", HEALTHS),
        ("/container", {"name": "lidarr", "state": "gone"}, "unknown state 'gone'", STATES),
        ("/container", {"name": "lidarr", "recreate": "yes"}, "recreate must be true", None),
        ("/vpn", {"up": "no"}, "up must be true or false, not 'no'", None),
        ("/push", {"backend": "qbittorrent"}, "unknown backend", ["lidarr", "navidrome"]),
        ("/push", {"backend": "lidarr"}, "cut (true or false) is required", None),
        ("/advance", {"seconds": -5}, "seconds must be a number, 0 or more, not -5", None),
        ("/advance", [60], "/control/advance takes a JSON object", None),
    ],
)
async def test_a_wrong_body_answers_400_with_the_usage_and_the_valid_names(
    path: str, body: object, error: str, valid: list[str] | str | None
) -> None:
    async with _sim() as sim, aiohttp.ClientSession() as session:
        url = f"http://127.0.0.1:{sim.control_port}/control{path}"
        before = (sim.clock.now(), sim.world.containers["lidarr"].id)
        async with session.post(url, json=body) as resp:
            assert resp.status == 400
            answer = await resp.json()
        assert answer["error"].startswith(error), answer
        expected = list(sim.world.containers) if valid == "containers" else valid
        assert answer.get("valid") == expected
        assert answer["usage"]["path"] == f"/control{path}"
        assert answer["usage"]["method"] == "POST"
        assert "example" in answer["usage"]
        # nothing changed
        assert (sim.clock.now(), sim.world.containers["lidarr"].id) == before
        assert sim.faults("navidrome").faults == frozenset()
        assert sim.world.vpn.up


async def test_a_body_that_is_not_json_answers_400() -> None:
    async with _sim() as sim, aiohttp.ClientSession() as session:
        url = f"http://127.0.0.1:{sim.control_port}/control/vpn"
        async with session.post(url, data=b"up=false") as resp:
            assert resp.status == 400
            answer = await resp.json()
        assert answer["error"] == "/control/vpn takes a JSON object"
        assert sim.world.vpn.up
        async with session.post(url) as resp:  # no body: nothing to change
            assert resp.status == 200
            assert (await resp.json())["status"] == "running"


async def test_the_state_has_each_download_clients_torrents_and_their_true_totals() -> None:
    specs = [
        BackendSpec(name="lidarr", kind="lidarr", api_key="k" * 32),
        BackendSpec(name="qbittorrent", kind="qbittorrent", username="admin", password="pw1"),
        BackendSpec(name="transmission", kind="transmission"),
    ]
    async with (
        Simulator(seed=3, specs=specs, docker_socket=False) as sim,
        aiohttp.ClientSession() as session,
    ):
        world = sim.world
        magnet = "magnet:?xt=urn:btih:" + "ab" * 20
        assert world.add_magnet(magnet, category="music", client="transmission")
        await sim.advance(5)
        async with session.get(f"http://127.0.0.1:{sim.control_port}/control/state") as resp:
            state = await resp.json()
    torrents = list(world.torrents.values())
    clients = state["download_clients"]
    assert list(clients) == ["qbittorrent", "transmission"]
    assert clients["transmission"]["kind"] == "transmission"
    assert clients["transmission"]["torrents"] == 1
    assert state["torrents"] == len(torrents) == sum(c["torrents"] for c in clients.values())
    for key in ("music_active", "music_wanting", "download_speed"):
        assert state["downloads"][key] == sum(c[key] for c in clients.values()), key
    assert state["downloads"]["music_wanting"] == sum(
        t.category == "music" and t.status in ACTIVE_STATUSES for t in torrents
    )
    assert state["downloads"]["download_speed"] == sum(t.dl_speed for t in torrents) > 0
    new = [a for a in world.artists.values() if a.name in state["artists_to_request"]]
    assert new
    assert all(not a.in_lidarr for a in new)
    assert state["artists_to_request"] == sorted(state["artists_to_request"])


def _readme_section(title: str) -> str:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.index(f"\n## {title}\n")
    end = readme.index("\n## ", start + 1)
    return readme[start:end]


def test_the_readme_documents_every_control_route_and_body_field() -> None:
    section = _readme_section("Simulated stack")
    rows = {
        line.split("|")[1].strip(): line for line in section.splitlines() if line.startswith("| `")
    }
    assert set(rows) == {f"`{route.method} {route.path}`" for route in ROUTES}
    for route in ROUTES:
        row = rows[f"`{route.method} {route.path}`"]
        for name in route.body:
            assert f"`{name}`" in row, (route.path, name)
        if route.example:
            assert json.dumps(route.example) in row, route.path
    for value in [*(str(f) for f in Fault), *HEALTHS, *STATES]:
        assert f"`{value}`" in section, value
    assert "`405`" in section
    assert "`400`" in section
    assert "(`valid`)" in section
