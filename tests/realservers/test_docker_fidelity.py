"""The simulator's engines against the real ones: the same requests, the same kind of replies.

dockerd 20.10 is compared with the simulator's Docker flavour ``1.41``, podman 4.3.1 with its
``podman-4.3`` flavour. Both get the same containers (running, exited with code 3, paused,
created, healthy, unhealthy; the same names, states and healthchecks) and then the same requests:
``/_ping``, ``/version``, the list filtered by name and by each health value, inspect, podman's
native list, a missing container, an unknown path. Compared: the status; every header but
``Date``, the transport ones and ``X-Reference-Id`` (names and values; ``Content-Type`` by media
type); the JSON shape (keys and value types, not values, where an engine sends more in inspect
than the simulator plays, only what the simulator sends); and the meaning of the values the
client reads: which containers a filter returns, their ``State``, the health in podman's native
``Status``, the kind of ``Status`` text, and inspect's state and health.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from simulator import Simulator
from simulator.backends import BackendSpec
from simulator.model import Container as WorldContainer
from simulator.model import Health
from tests.compat import REAL, compat
from tests.servers import containers as ct

from .engines import Made

pytestmark = pytest.mark.real_server

FLAVOR = {"docker": "1.41", "podman": "podman-4.3"}
LABELS = {"com.docker.compose.project": "stepheybot-music"}
TRANSPORT = {"date", "content-length", "transfer-encoding", "connection", "keep-alive"}
PER_REQUEST = {"x-reference-id"}
MAPS = {"Labels", "Networks", "Details", "Namespaces"}
"""Objects whose keys are data (label names, network names, component details)."""
INSPECT_SUBSET = {"$", "$.Config", "$.HostConfig", "$.NetworkSettings"}
"""Inspect objects of which the simulator plays only what the client reads."""
WORLD_HEALTH = {"healthy": Health.HEALTHY, "unhealthy": Health.UNHEALTHY}
WORLD_STATE = {"healthy": "running", "unhealthy": "running"}


@dataclass(frozen=True, slots=True)
class Reply:
    """One reply, read whole."""

    status: int
    headers: dict[str, str]
    body: Any
    """Decoded JSON, else the text."""


async def _get(session: aiohttp.ClientSession, path: str) -> Reply:
    async with session.get(f"http://localhost{path}") as resp:
        text = await resp.text()
        headers = {k.lower(): v for k, v in resp.headers.items()}
        media = resp.content_type
    body: Any = json.loads(text) if media == "application/json" else text
    return Reply(resp.status, headers, body)


def _header_diff(sim: Reply, real: Reply) -> list[str]:
    def relevant(reply: Reply) -> dict[str, str]:
        kept = {k: v for k, v in reply.headers.items() if k not in TRANSPORT}
        if kept.get("server", "").startswith("Python/"):
            del kept["server"]  # aiohttp's own, where the engine sends none (no route matched)
        if "content-type" in kept:
            kept["content-type"] = kept["content-type"].split(";")[0]
        return {k: "(any)" if k in PER_REQUEST else v for k, v in kept.items()}

    ours, theirs = relevant(sim), relevant(real)
    return [
        f"header {name}: simulator {ours.get(name)!r}, real {theirs.get(name)!r}"
        for name in sorted(ours.keys() | theirs.keys())
        if ours.get(name) != theirs.get(name)
    ]


def _type(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _shape_diff(
    sim: Any, real: Any, path: str = "$", subset: frozenset[str] = frozenset()
) -> list[str]:
    """Where the simulator's JSON differs in keys or types from the real one."""
    key = path.rsplit(".", 1)[-1]
    if isinstance(sim, dict) and isinstance(real, dict):
        if key in MAPS:
            return []
        found = [f"{path}.{k}: real has no such key" for k in sorted(sim.keys() - real.keys())]
        if path not in subset:
            found += [f"{path}.{k}: missing" for k in sorted(real.keys() - sim.keys())]
        for k in sorted(sim.keys() & real.keys()):
            found += _shape_diff(sim[k], real[k], f"{path}.{k}", subset)
        return found
    if isinstance(sim, list) and isinstance(real, list):
        if not sim or not real:
            return []
        return [d for item in sim for d in _shape_diff(item, real[0], f"{path}[]", subset)]
    if _type(sim) != _type(real):
        return [f"{path}: simulator {_type(sim)}, real {_type(real)}"]
    return []


def _status_kind(text: str) -> str:
    """A list ``Status`` without its durations: ``Up (healthy)``, ``Exited (3)``, ``Created``."""
    text = re.sub(r"^Up .+?( \(|$)", r"Up\1", text)
    return re.sub(r"^(Exited \(\d+\)) .+ ago$", r"\1", text)


def _rows(reply: Reply) -> dict[str, dict[str, Any]]:
    assert isinstance(reply.body, list), reply
    return {str(row["Names"][0]).lstrip("/"): row for row in reply.body}


def _meaning(reply: Reply, path: str) -> Any:
    """What the client reads from a reply, values included."""
    if not isinstance(reply.body, (list, dict)):
        return reply.body
    if isinstance(reply.body, dict) and "message" in reply.body:
        return reply.body
    if "/libpod/" in path:
        return {
            n: (r["State"], r["Status"], r["Exited"], r["ExitCode"])
            for n, r in _rows(reply).items()
        }
    if path.startswith("/containers/json"):
        return {n: (r["State"], _status_kind(r["Status"])) for n, r in _rows(reply).items()}
    if "State" in reply.body:
        state = reply.body["State"]
        return (
            state["Status"],
            state["Running"],
            state["Paused"],
            state["ExitCode"],
            (state.get("Health") or {}).get("Status"),
        )
    if "Components" in reply.body:
        return (reply.body["ApiVersion"], [c["Name"] for c in reply.body["Components"]][:1])
    return reply.body


class UnixSession:
    """An aiohttp session on a unix socket."""

    def __init__(self, path: str | Path) -> None:
        self.session = aiohttp.ClientSession(connector=aiohttp.UnixConnector(path=str(path)))

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *_: object) -> None:
        await self.session.close()


@pytest.fixture
async def simulated(engine: ct.ContainerEngine) -> AsyncIterator[Simulator]:
    """The simulator playing ``engine``'s flavour, alone."""
    spec = BackendSpec(name="docker", kind="docker", flavor=FLAVOR[engine.kind])
    async with Simulator(seed=5, specs=[spec], speed=0, docker_socket=True) as sim:
        yield sim


def _mirror(sim: Simulator, made: Made) -> None:
    """Give the simulated world the real containers: names, states, healthchecks."""
    now = sim.clock.now()
    for what in ct.STANDARD_STATES:
        name = made.name(what)
        sim.world.containers[name] = WorldContainer(
            name=name,
            id=sim.world.names.container_id(),
            image="local/busybox:latest",
            created=now - timedelta(minutes=5),
            started_at=now - timedelta(minutes=4),
            state=WORLD_STATE.get(what, what),
            health=WORLD_HEALTH.get(what, Health.NONE),
            failing_streak=1 if what == "unhealthy" else 0,
            exit_code=3 if what == "exited" else 0,
        )


def _requests(made: Made) -> Iterator[str]:
    by_prefix = {"name": [made.prefix]}

    def listing(filters: dict[str, list[str]]) -> str:
        return "/containers/json?all=1&filters=" + json.dumps(filters).replace(" ", "")

    yield "/_ping"
    yield "/version"
    yield listing(by_prefix)
    yield f"/containers/json?filters={json.dumps(by_prefix).replace(' ', '')}"  # running only
    for health in ("healthy", "unhealthy", "starting", "none", "bogus"):
        yield listing({**by_prefix, "health": [health]})
    for what in ct.STANDARD_STATES:
        yield f"/containers/{made.name(what)}/json"
    yield f"/containers/{made.name('missing')}/json"
    yield "/v4.0.0/libpod/containers/json?all=true&filters=" + json.dumps(by_prefix).replace(
        " ", ""
    )
    yield "/no/such/path"


@compat("docker", "Engine 20.10 (API 1.41)", proof=REAL, source="docker.io 20.10.24 (Debian 12)")
@compat("podman", "4.3 (Docker API 1.41)", proof=REAL, source="podman 4.3.1 (Debian 12)")
async def test_simulator_replies_as_the_real_engine(
    engine: ct.ContainerEngine, made: Made, simulated: Simulator
) -> None:
    for what in ct.STANDARD_STATES:
        made.run(what, what, exit_code=3, labels=LABELS)
    _mirror(simulated, made)
    sim_socket = simulated.docker_socket_path()
    assert sim_socket is not None
    problems: list[str] = []
    async with UnixSession(sim_socket) as ours, UnixSession(engine.socket) as theirs:
        for path in _requests(made):
            sim, real = await _get(ours, path), await _get(theirs, path)
            subset = (
                frozenset(INSPECT_SUBSET)
                if "/json" in path and "containers/json" not in path
                else frozenset()
            )
            found = (
                [f"status: simulator {sim.status}, real {real.status}"]
                if sim.status != real.status
                else []
            )
            found += _header_diff(sim, real)
            if isinstance(real.body, list) and real.body and isinstance(sim.body, list):
                sim_rows, real_rows = _rows(sim), _rows(real)
                for name in sorted(sim_rows.keys() & real_rows.keys()):
                    found += _shape_diff(sim_rows[name], real_rows[name], f"${name}")
            else:
                found += _shape_diff(sim.body, real.body, subset=subset)
            if _meaning(sim, path) != _meaning(real, path):
                found.append(
                    f"values: simulator {_meaning(sim, path)!r}, real {_meaning(real, path)!r}"
                )
            problems += [f"{path}: {problem}" for problem in found]
    assert not problems, "\n".join(problems)
