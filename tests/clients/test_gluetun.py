"""GluetunClient against the simulator's gluetun control server over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from stepheybot_music_clients.errors import (
    BackendTimeoutError,
    CannotConnectError,
    InvalidAuthError,
    UnexpectedResponseError,
    WrongApplicationError,
)
from stepheybot_music_clients.gluetun import (
    GluetunClient,
    PortForward,
    VpnStatus,
)
from stepheybot_music_clients.models import BackendKind

from simulator import Fault, Simulator
from simulator.backends import BackendSpec

API_KEY = "gluetun-api-key-7f3a9c"
PASSWORD = "gluetun-basic-pw-51"


def _spec(auth: str, flavor: str = "") -> BackendSpec:
    return BackendSpec(
        name="gluetun",
        kind="gluetun",
        flavor=flavor,
        api_key=API_KEY if auth == "apikey" else "",
        username="ha" if auth == "basic" else "",
        password=PASSWORD if auth == "basic" else "",
        extra={"auth": auth},
    )


def _sim(*specs: BackendSpec) -> Simulator:
    return Simulator(
        seed=11,
        specs=list(specs),
        speed=0,
        tick_interval=3600,
        slow_delay=2.0,
        docker_socket=False,
    )


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with _sim(_spec("apikey")) as simulator:
        yield simulator


def _client(
    sim: Simulator, session: aiohttp.ClientSession, *, api_key: str = API_KEY, timeout: float = 10
) -> GluetunClient:
    return GluetunClient(session, sim.url("gluetun"), api_key=api_key, timeout=timeout)


async def _read_everything(client: GluetunClient) -> None:
    info = await client.probe()
    assert info.kind is BackendKind.GLUETUN
    assert info.application == "gluetun"
    assert info.version == "3.41.1"
    assert await client.vpn_status() is VpnStatus.RUNNING
    assert (await client.public_ip()).ip is not None
    assert (await client.port_forwarded()).port is not None


@pytest.mark.parametrize(
    ("auth", "credentials"),
    [
        ("none", {}),
        ("apikey", {"api_key": API_KEY}),
        ("basic", {"username": "ha", "password": PASSWORD}),
    ],
)
async def test_each_auth_mode(
    session: aiohttp.ClientSession, auth: str, credentials: dict[str, str]
) -> None:
    async with _sim(_spec(auth)) as sim:
        client = GluetunClient(
            session,
            sim.url("gluetun"),
            api_key=credentials.get("api_key", ""),
            username=credentials.get("username", ""),
            password=credentials.get("password", ""),
        )
        await _read_everything(client)
        assert client.has_credentials is bool(credentials)
        assert PASSWORD not in repr(client)
        assert API_KEY not in repr(client)


@pytest.mark.parametrize("auth", ["apikey", "basic"])
async def test_missing_credentials_explain_the_roles(
    session: aiohttp.ClientSession, auth: str
) -> None:
    async with _sim(_spec(auth)) as sim:
        client = GluetunClient(session, sim.url("gluetun"))
        with pytest.raises(InvalidAuthError) as caught:
            await client.probe()
        message = caught.value.message
        assert "HTTP 401 to GET /v1/version" in message
        assert "3.41.1" in message
        assert "HTTP_CONTROL_SERVER_AUTH_CONFIG_FILEPATH" in message
        assert "HTTP_CONTROL_SERVER_AUTH_DEFAULT_ROLE" in message
        assert "GET /v1/publicip/ip" in message
        assert API_KEY not in message
        assert PASSWORD not in message


async def test_wrong_api_key(sim: Simulator, session: aiohttp.ClientSession) -> None:
    wrong = "wrong-key-000111"
    client = _client(sim, session, api_key=wrong)
    with pytest.raises(InvalidAuthError) as caught:
        await client.vpn_status()
    message = caught.value.message
    assert "HTTP 401 to GET /v1/vpn/status" in message
    assert "rejected the API key" in message
    assert wrong not in message
    assert API_KEY not in message


async def test_wrong_basic_password(session: aiohttp.ClientSession) -> None:
    async with _sim(_spec("basic")) as sim:
        wrong = "not-it-42"
        client = GluetunClient(session, sim.url("gluetun"), username="ha", password=wrong)
        with pytest.raises(InvalidAuthError) as caught:
            await client.public_ip()
        assert "user name and password" in caught.value.message
        assert wrong not in caught.value.message


async def test_revoked_key(sim: Simulator, session: aiohttp.ClientSession) -> None:
    client = _client(sim, session)
    await client.probe()
    await sim.set_fault("gluetun", Fault.AUTH_REVOKED)
    with pytest.raises(InvalidAuthError, match="HTTP 401 to GET /v1/portforward"):
        await client.port_forwarded()


async def test_vpn_drop_and_restore(sim: Simulator, session: aiohttp.ClientSession) -> None:
    world = sim.world
    client = _client(sim, session)
    before = await client.public_ip()
    assert before.ip == world.vpn.public_ip
    assert before.country == world.vpn.country
    assert before.region == world.vpn.region
    assert before.city == world.vpn.city
    assert before.organization == world.vpn.organization
    assert before.hostname is None  # omitted by gluetun
    assert await client.port_forwarded() == PortForward(
        port=world.vpn.forwarded_port, ports=(world.vpn.forwarded_port,)
    )

    world.set_vpn(up=False)
    assert await client.vpn_status() is VpnStatus.STOPPED
    down = await client.public_ip()
    assert down.ip is None
    assert down.country is None
    assert await client.port_forwarded() == PortForward(port=None, ports=())

    world.set_vpn(up=True)
    assert await client.vpn_status() is VpnStatus.RUNNING
    assert (await client.public_ip()).ip == before.ip


async def test_ip_change_is_visible(sim: Simulator, session: aiohttp.ClientSession) -> None:
    world = sim.world
    client = _client(sim, session)
    old = (await client.public_ip()).ip
    new = world.change_vpn_ip()
    assert new != old
    assert (await client.public_ip()).ip == new
    assert (await client.port_forwarded()).port == world.vpn.forwarded_port


async def test_leak_is_detectable(sim: Simulator, session: aiohttp.ClientSession) -> None:
    world = sim.world
    client = _client(sim, session)
    assert (await client.public_ip()).ip == world.external_address
    world.set_vpn(leak=True)
    vpn_ip = (await client.public_ip()).ip
    assert vpn_ip == world.vpn.public_ip
    assert world.external_address == world.vpn.home_ip
    assert vpn_ip != world.external_address


async def test_set_vpn_status(sim: Simulator, session: aiohttp.ClientSession) -> None:
    client = _client(sim, session)
    assert await client.set_vpn_status(running=False) == "stopped"
    assert sim.world.vpn.up is False
    assert await client.set_vpn_status(running=False) == "already stopped"
    assert await client.set_vpn_status(running=True) == "running"
    assert sim.world.vpn.up is True


async def test_bad_vpn_status_request_is_refused(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    async with session.put(
        sim.url("gluetun") + "/v1/vpn/status",
        json={"status": "paused"},
        headers={"X-API-Key": API_KEY},
    ) as resp:
        assert resp.status == 400
    await sim.set_fault("gluetun", Fault.MALFORMED_JSON)
    client = _client(sim, session)
    with pytest.raises(UnexpectedResponseError, match="not valid JSON"):
        await client.set_vpn_status(running=True)


async def test_other_vpn_states(session: aiohttp.ClientSession) -> None:
    async with _sim(_spec("none")) as sim:
        client = GluetunClient(session, sim.url("gluetun"))
        sim.world.vpn.status = "crashed"
        assert await client.vpn_status() is VpnStatus.CRASHED
        sim.world.vpn.status = "weird-future-state"
        assert await client.vpn_status() is VpnStatus.UNKNOWN


async def test_legacy_port_forward_route(session: aiohttp.ClientSession) -> None:
    async with _sim(_spec("apikey", flavor="3.40")) as sim:
        client = _client(sim, session)
        assert (await client.probe()).version == "3.40.3"
        forwarded = await client.port_forwarded()
        assert forwarded.port == sim.world.vpn.forwarded_port
        assert client.stats.by_path == {
            "/v1/version": 1,
            "/v1/portforward": 1,
            "/v1/openvpn/portforwarded": 1,
        }


async def test_the_legacy_route_redirects_on_341(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    client = _client(sim, session)
    forwarded = await client._legacy_port_forwarded()
    assert forwarded.ports == (sim.world.vpn.forwarded_port,)
    async with session.get(
        sim.url("gluetun") + "/v1/openvpn/portforwarded",
        headers={"X-API-Key": API_KEY},
        allow_redirects=False,
    ) as resp:
        assert resp.status == 301
        assert resp.headers["Location"] == "/v1/portforward"


async def test_unknown_paths_and_methods_before_auth(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    base = sim.url("gluetun")
    async with session.get(base + "/v1/nothing") as resp:
        assert resp.status == 404
    async with session.delete(base + "/v1/vpn/status") as resp:
        assert resp.status == 405
    async with session.get(base + "/v1/vpn/status") as resp:
        assert resp.status == 401
        assert await resp.text() == "Unauthorized"
    async with session.get(base + "/v1/vpn/status", params={"api_key": API_KEY}) as resp:
        assert resp.status == 200


async def test_down_slow_and_broken(sim: Simulator, session: aiohttp.ClientSession) -> None:
    client = _client(sim, session, timeout=0.3)
    await sim.set_fault("gluetun", Fault.DOWN)
    async with aiohttp.ClientSession() as fresh:
        with pytest.raises(CannotConnectError) as down:
            await _client(sim, fresh).probe()
    assert "Cannot connect to gluetun" in down.value.message
    await sim.clear_fault("gluetun")

    await sim.set_fault("gluetun", Fault.SLOW)
    with pytest.raises(BackendTimeoutError, match=r"did not answer within 0\.3 s"):
        await client.vpn_status()
    await sim.clear_fault("gluetun")

    await sim.set_fault("gluetun", Fault.HTTP_500)
    with pytest.raises(UnexpectedResponseError, match="HTTP 500"):
        await client.vpn_status()
    with pytest.raises(UnexpectedResponseError, match="HTTP 500"):
        await client.probe()
    await sim.clear_fault("gluetun")

    for fault in (Fault.MALFORMED_JSON, Fault.TRUNCATED_JSON):
        await sim.set_fault("gluetun", fault)
        with pytest.raises(UnexpectedResponseError, match="not valid JSON"):
            await client.public_ip()
        with pytest.raises(UnexpectedResponseError, match="not valid JSON"):
            await client.port_forwarded()
        await sim.clear_fault("gluetun")
    assert await client.vpn_status() is VpnStatus.RUNNING


async def test_wrong_application(session: aiohttp.ClientSession) -> None:
    specs = [_spec("none"), BackendSpec(name="transmission", kind="transmission")]
    async with _sim(*specs) as sim:
        client = GluetunClient(session, sim.url("transmission"))
        with pytest.raises(WrongApplicationError) as caught:
            await client.probe()
        assert "no gluetun control server at /v1/version (HTTP 404" in caught.value.message
        assert "port 8000" in caught.value.message
