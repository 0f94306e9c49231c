"""The simulated gluetun answers, release by release, what upstream's own code answered.

``tests/data/gluetun/`` holds the requests and the replies of gluetun's ``internal/server``
compiled at each tag (see its README). Every scenario is replayed against the simulator's
flavour of that tag: status, ``Content-Type``, ``WWW-Authenticate``, ``Location`` and
``Allow`` must be equal, and the body too, except where the recording's stubs (version,
public IP, PUT outcomes, settings) differ from the simulated world: those are compared by
shape. A configuration gluetun refuses must make the simulator refuse to start, with
gluetun's message.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from simulator import Fault, Simulator
from simulator.backends import BackendSpec
from simulator.backends.gluetun import GluetunStartupError, release_of
from tests.compat import SIMULATOR, compat

DATA = Path(__file__).resolve().parents[1] / "data" / "gluetun"
HEADERS = ("Content-Type", "Www-Authenticate", "Location", "Allow")
SHAPE_ONLY = ("/v1/version", "/v1/publicip/ip", "/v1/vpn/settings", "/v1/openvpn/settings")
"""Paths whose recorded body comes from the harness's stubs: compared by keys."""


@dataclass(slots=True)
class Reply:
    """One recorded reply."""

    status: int
    body: str
    headers: dict[str, str]


@dataclass(slots=True)
class Recording:
    """One scenario as recorded for one tag."""

    name: str
    startup_error: str | None = None
    replies: list[Reply] = field(default_factory=list)


def _go_quoted(text: str) -> tuple[str, str]:
    """A Go ``%q`` string at the start of ``text`` and what follows it."""
    end = 1
    while text[end] != '"':
        end += 2 if text[end] == "\\" else 1
    return json.loads(text[: end + 1]), text[end + 1 :]


def _reply(line: str) -> Reply:
    status, rest = line.split(" -> ", 1)[1].split(" ", 1)
    body, rest = _go_quoted(rest)
    headers = {}
    for part in rest.strip().removeprefix("[").removesuffix("]").split("] ["):
        if part:
            name, value = part.split(": ", 1)
            headers[name] = value
    return Reply(int(status), body, headers)


def recordings(tag: str) -> list[Recording]:
    """The scenarios of ``out_<tag>.txt`` in order."""
    found: list[Recording] = []
    for line in (DATA / f"out_{tag}.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("### scenario "):
            found.append(Recording(line.removeprefix("### scenario ")))
        elif line.startswith("STARTUP ERROR: "):
            found[-1].startup_error = line.removeprefix("STARTUP ERROR: ")
        elif " -> " in line and found[-1].startup_error is None:
            found[-1].replies.append(_reply(line))
    return found


SCENARIOS: dict[str, dict[str, Any]] = {
    s["name"]: s for s in json.loads((DATA / "scen.json").read_text(encoding="utf-8"))
}

TAGS = {
    "v3.39.0": "3.39.0",
    "v3.39.1": "3.39.1",
    "v3.40.4": "3.40.4",
    "v3.41.0": "3.41.0",
    "v3.41.1": "3.41.1",
    "master": "current",
    "master_defaultrole_none": "current",
}


def _spec(flavor: str, scenario: dict[str, Any], default_role: str | None) -> BackendSpec:
    extra = {"vpn_type": scenario.get("vpn_type", "openvpn")}
    extra["ports"] = "null" if scenario.get("nil_ports") else json.dumps(scenario.get("ports", []))
    if "toml" in scenario:
        extra["auth_config"] = scenario["toml"]
    if default_role is not None or "default_role" in scenario:
        extra["default_role"] = default_role or scenario["default_role"]
    return BackendSpec(name="gluetun", kind="gluetun", flavor=flavor, extra=extra)


def _headers(request: dict[str, Any]) -> dict[str, str]:
    headers = dict(request.get("headers", {}))
    if "_basic" in headers:
        user, password = headers.pop("_basic").split(":", 1)
        headers["Authorization"] = aiohttp.encode_basic_auth(user, password)
    return headers


def _same_body(path: str, expected: str, actual: str) -> bool:
    if path.split("?", maxsplit=1)[0] in SHAPE_ONLY or expected.startswith('{"outcome"'):
        try:
            want, got = json.loads(expected), json.loads(actual)
        except ValueError:
            return expected == actual
        if path.startswith("/v1/publicip/ip") and isinstance(got, dict):
            return "public_ip" in got and "public_ip" in want
        if path.endswith("/settings"):  # every setting in real life, a stub in the recording
            return isinstance(got, dict) and isinstance(want, dict)
        return isinstance(got, dict) and isinstance(want, dict) and want.keys() == got.keys()
    return expected == actual


async def _replay(tag: str, recording: Recording) -> list[str]:
    """The differences between the recording and the simulator, as readable lines."""
    base_name = recording.name.removesuffix("+defaultrole-none")
    scenario = SCENARIOS[base_name]
    default_role = '{"auth":"none"}' if tag == "master_defaultrole_none" else None
    spec = _spec(TAGS[tag], scenario, default_role)
    simulator = Simulator(specs=[spec], seed=3, speed=0, tick_interval=3600, docker_socket=False)
    if recording.startup_error is not None or not recording.replies:
        # an empty master block is the panic on a route without a space
        expected = recording.startup_error or "panic: runtime error: index out of range"
        with pytest.raises(GluetunStartupError) as refused:
            await simulator.start()
        message = str(refused.value)
        prefix = "" if expected.startswith("panic") else "setting up control server: "
        return [] if message.startswith(prefix + expected) else [f"refused with {message!r}"]
    problems: list[str] = []
    async with simulator, aiohttp.ClientSession() as session:
        requests = scenario["requests"]
        assert len(requests) == len(recording.replies), recording.name
        for request, want in zip(requests, recording.replies, strict=True):
            path = request["path"]
            async with session.request(
                request["method"],
                simulator.url("gluetun") + path,
                data=request.get("body"),
                headers=_headers(request),
                allow_redirects=bool(request.get("follow")),
            ) as resp:
                body = (await resp.read()).decode()
                got = {h: resp.headers[h] for h in HEADERS if h in resp.headers}
                where = f"{request['method']} {path}"
                if resp.status != want.status:
                    problems.append(f"{where}: HTTP {resp.status}, upstream {want.status}")
                if got != want.headers:
                    problems.append(f"{where}: headers {got}, upstream {want.headers}")
                if not _same_body(path, want.body, body):
                    problems.append(f"{where}: body {body!r}, upstream {want.body!r}")
    return problems


def _cases(*tags: str) -> list[Any]:
    return [
        pytest.param(tag, recording, id=f"{tag}:{recording.name}")
        for tag in tags
        for recording in recordings(tag)
    ]


@compat(
    "gluetun",
    "v3.39.0",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/handlerv1.go @ v3.39.0",
)
@pytest.mark.parametrize(("tag", "recording"), _cases("v3.39.0"))
async def test_v3_39_0_replies_as_upstream(tag: str, recording: Recording) -> None:
    assert await _replay(tag, recording) == []


@compat(
    "gluetun",
    "v3.39.1 - v3.40.4",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/settings.go @ v3.40.4",
)
@pytest.mark.parametrize(("tag", "recording"), _cases("v3.39.1", "v3.40.4"))
async def test_v3_40_replies_as_upstream(tag: str, recording: Recording) -> None:
    assert await _replay(tag, recording) == []


@compat(
    "gluetun",
    "v3.41.0 - v3.41.1",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/settings.go @ v3.41.1",
)
@pytest.mark.parametrize(("tag", "recording"), _cases("v3.41.0", "v3.41.1"))
async def test_v3_41_replies_as_upstream(tag: str, recording: Recording) -> None:
    assert await _replay(tag, recording) == []


@compat(
    "gluetun",
    "vNext: latest (unreleased master)",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/middleware.go @ master b1193252",
)
@pytest.mark.parametrize(("tag", "recording"), _cases("master", "master_defaultrole_none"))
async def test_master_replies_as_upstream(tag: str, recording: Recording) -> None:
    assert await _replay(tag, recording) == []


def test_every_recording_is_replayed() -> None:
    """Each tag's file has every scenario (master stops at its panic)."""
    for tag in TAGS:
        names = [r.name.removesuffix("+defaultrole-none") for r in recordings(tag)]
        assert names, tag
        assert names == list(SCENARIOS)[: len(names)], tag
    assert len(recordings("v3.41.1")) == len(SCENARIOS)


def test_flavours_name_releases() -> None:
    assert release_of("").version == "v3.41.1"
    assert release_of("3.39").version == "v3.39.0"
    assert release_of("3.40").version == "v3.40.4"
    assert release_of("v3.39.1").flavor == "3.40"
    assert release_of("3.41").version == "v3.41.1"
    assert release_of("latest") is release_of("current")
    with pytest.raises(ValueError, match=r"unknown gluetun flavor '3\.42'"):
        release_of("3.42")


# --------------------------------------------------------------------------- the world


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    spec = BackendSpec(name="gluetun", kind="gluetun", api_key="world-key")
    async with Simulator(
        specs=[spec], seed=3, speed=0, tick_interval=3600, docker_socket=False
    ) as running:
        yield running


async def _get(sim: Simulator, path: str, key: str = "world-key") -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            sim.url("gluetun") + path, headers={"X-API-Key": key}, allow_redirects=False
        ) as resp,
    ):
        return resp.status, await resp.text()


async def test_the_api_key_becomes_the_default_role(sim: Simulator) -> None:
    """3.41 with ``spec.api_key``: ``HTTP_CONTROL_SERVER_AUTH_DEFAULT_ROLE`` closes every route."""
    assert await _get(sim, "/v1/vpn/status") == (200, '{"status":"running"}\n')
    assert await _get(sim, "/v1/vpn/status", key="") == (401, "Unauthorized\n")
    assert await _get(sim, "/v1/vpn/settings") == (200, '{"type":"openvpn"}\n')
    await sim.set_fault("gluetun", Fault.AUTH_REVOKED)
    assert await _get(sim, "/v1/vpn/status") == (401, "Unauthorized\n")


async def test_the_forwarded_port_follows_the_world(sim: Simulator) -> None:
    world = sim.world
    assert await _get(sim, "/v1/portforward") == (200, f'{{"port":{world.vpn.forwarded_port}}}\n')
    world.set_vpn(up=False)
    assert await _get(sim, "/v1/portforward") == (200, '{"port":0}\n')
    assert await _get(sim, "/v1/publicip/ip") == (200, '{"public_ip":""}\n')
    assert await _get(sim, "/v1/vpn/status") == (200, '{"status":"stopped"}\n')


async def test_a_340_api_key_is_a_file_role_for_the_four_routes() -> None:
    spec = BackendSpec(name="gluetun", kind="gluetun", flavor="3.40", api_key="k340")
    async with Simulator(
        specs=[spec], seed=3, speed=0, tick_interval=3600, docker_socket=False
    ) as sim:
        for path in ("/v1/version", "/v1/vpn/status", "/v1/openvpn/portforwarded"):
            assert (await _get(sim, path, key="k340"))[0] == 200
            assert (await _get(sim, path, key=""))[0] == 401
        # the file has a role: the public defaults are gone for everything else
        assert (await _get(sim, "/v1/dns/status", key="k340"))[0] == 401


async def test_master_sets_ports_with_put() -> None:
    spec = BackendSpec(
        name="gluetun",
        kind="gluetun",
        flavor="current",
        extra={"default_role": '{"auth":"apikey","apikey":"m"}'},
    )
    async with (
        Simulator(specs=[spec], seed=3, speed=0, tick_interval=3600, docker_socket=False) as sim,
        aiohttp.ClientSession() as session,
    ):
        url = sim.url("gluetun") + "/v1/portforward"
        async with session.put(url, json={"ports": [1234, 5678]}, headers={"X-API-Key": "m"}) as r:
            assert r.status == 200
        assert await _get(sim, "/v1/portforward", key="m") == (
            200,
            '{"port":1234,"ports":[1234,5678]}\n',
        )
        async with session.put(url, data="nope", headers={"X-API-Key": "m"}) as r:
            assert (r.status, await r.text()) == (400, "failed setting forwarded ports\n")
