"""GluetunClient against the simulated gluetun of every release, over loopback.

Each flavour of the simulator plays one release as its source does (``simulator/backends/
gluetun.py``, replayed against upstream's own code in ``tests/simulator/
test_gluetun_facade.py``). The client must read what each release lets it read, without
calling a missing grant an authentication failure, and word its advice for that release.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from stepheybot_music_clients.errors import (
    BackendTimeoutError,
    CannotConnectError,
    InvalidAuthError,
    UnexpectedResponseError,
    WrongApplicationError,
)
from stepheybot_music_clients.gluetun import (
    ControlServer,
    GluetunClient,
    PortForward,
    RouteNotPermittedError,
    VpnStatus,
)
from stepheybot_music_clients.gluetun.roles import (
    LEGACY_PORT_ROUTE,
    PORT_ROUTE,
    control_server_of,
    grant,
    needs_credentials,
    rejected,
)
from stepheybot_music_clients.models import BackendKind

from simulator import Fault, Simulator
from simulator.backends import BackendSpec
from simulator.backends.gluetun import SERVER, GluetunStartupError, release_of
from tests.compat import SIMULATOR, compat
from tests.loopback import serve

API_KEY = "gluetun-api-key-7f3a9c"
PASSWORD = "gluetun-basic-pw-51"
ROUTES_340 = [
    "GET /v1/version",
    "GET /v1/vpn/status",
    "GET /v1/publicip/ip",
    "GET /v1/openvpn/portforwarded",
]
ROUTES_341 = [*ROUTES_340[:3], "GET /v1/portforward"]


def role(routes: list[str], *, auth: str = "apikey", name: str = "stepheybot") -> str:
    """An auth file with one role."""
    lines = ["[[roles]]", f'name = "{name}"', f'auth = "{auth}"']
    if auth == "apikey":
        lines.append(f'apikey = "{API_KEY}"')
    if auth == "basic":
        lines += ['username = "ha"', f'password = "{PASSWORD}"']
    lines.append(f"routes = {json.dumps(routes)}")
    return "\n".join(lines) + "\n"


def spec(flavor: str = "3.41", *, api_key: str = "", **extra: str) -> BackendSpec:
    return BackendSpec(name="gluetun", kind="gluetun", flavor=flavor, api_key=api_key, extra=extra)


def simulator(*specs: BackendSpec) -> Simulator:
    return Simulator(
        seed=11, specs=list(specs), speed=0, tick_interval=3600, slow_delay=2.0, docker_socket=False
    )


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    """v3.41.1 with ``HTTP_CONTROL_SERVER_AUTH_DEFAULT_ROLE`` = an API key."""
    async with simulator(spec(api_key=API_KEY)) as running:
        yield running


def client(
    sim: Simulator,
    session: aiohttp.ClientSession,
    *,
    api_key: str = "",
    username: str = "",
    password: str = "",
    timeout: float = 10,
) -> GluetunClient:
    return GluetunClient(
        session,
        sim.url("gluetun"),
        api_key=api_key,
        username=username,
        password=password,
        timeout=timeout,
    )


def quiet_401s(gluetun: GluetunClient) -> dict[str, int]:
    """Requests per path (each 401 is an INFO line in gluetun's log)."""
    return dict(gluetun.stats.by_path)


# --------------------------------------------------------------------------- v3.39.0


@compat(
    "gluetun",
    "v3.39.0",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/handlerv1.go @ v3.39.0",
)
async def test_v3_39_0_has_no_auth_and_the_legacy_port(session: aiohttp.ClientSession) -> None:
    async with simulator(spec("3.39")) as sim:
        gluetun = client(sim, session, api_key="ignored-by-3.39.0")
        reading = await gluetun.read()
        assert reading.status is VpnStatus.RUNNING
        assert reading.public_ip is not None
        assert reading.public_ip.ip == sim.world.vpn.public_ip
        assert reading.forwarded == PortForward(
            port=sim.world.vpn.forwarded_port, ports=(sim.world.vpn.forwarded_port,)
        )
        assert reading.build is not None
        assert reading.build.version == "v3.39.0"
        assert gluetun.release is ControlServer.OPEN
        assert (reading.not_permitted, reading.advice) == ((), None)
        await gluetun.read()
        # the version named the release: the port came from the legacy route at once
        assert quiet_401s(gluetun) == {
            "/v1/version": 1,
            "/v1/vpn/status": 2,
            "/v1/publicip/ip": 2,
            "/v1/openvpn/portforwarded": 2,
        }


@compat(
    "gluetun",
    "v3.39.0",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/handlerv1.go @ v3.39.0",
)
async def test_v3_39_0_port_found_after_the_400(session: aiohttp.ClientSession) -> None:
    async with simulator(spec("3.39")) as sim:
        gluetun = client(sim, session)
        assert (await gluetun.port_forwarded()).port == sim.world.vpn.forwarded_port
        assert gluetun.release is ControlServer.OPEN
        assert quiet_401s(gluetun) == {"/v1/portforward": 1, "/v1/openvpn/portforwarded": 1}


# --------------------------------------------------------------------------- v3.39.1 - v3.40.4


@compat(
    "gluetun",
    "v3.39.1 - v3.40.4",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/settings.go @ v3.40.4",
)
@pytest.mark.parametrize("flavor", ["3.39.1", "3.40.0", "3.40.4"])
async def test_default_340_reads_everything_without_credentials(
    session: aiohttp.ClientSession, flavor: str
) -> None:
    """Issue 16: no auth file, so the public role grants the four routes; nothing is wrong."""
    async with simulator(spec(flavor)) as sim:
        gluetun = client(sim, session)
        for _ in range(3):
            reading = await gluetun.read()
            assert reading.status is VpnStatus.RUNNING
            assert reading.public_ip is not None
            assert reading.public_ip.ip == sim.world.vpn.public_ip
            assert reading.forwarded is not None
            assert reading.forwarded.port == sim.world.vpn.forwarded_port
            assert reading.not_permitted == ()
            assert reading.advice is None
        assert reading.build is not None
        assert reading.build.version == f"v{flavor}"
        assert gluetun.release is ControlServer.PUBLIC_ROLE
        # /v1/portforward (401 on this release) is never asked: no 401 in gluetun's log
        assert "/v1/portforward" not in quiet_401s(gluetun)
        info = await client(sim, session).probe()
        assert (info.kind, info.version) == (BackendKind.GLUETUN, flavor)


@compat(
    "gluetun",
    "v3.39.1 - v3.40.4",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/settings.go @ v3.40.4",
)
async def test_340_without_the_version_route_finds_the_port_once(
    session: aiohttp.ClientSession,
) -> None:
    routes = ["GET /v1/vpn/status", "GET /v1/publicip/ip", LEGACY_PORT_ROUTE]
    async with simulator(spec("3.40", auth_config=role(routes, auth="none"))) as sim:
        gluetun = client(sim, session)
        first = await gluetun.read()
        assert first.build is None
        assert first.forwarded is not None
        assert first.forwarded.port == sim.world.vpn.forwarded_port
        assert first.not_permitted == ()  # the version is optional
        assert gluetun.release is ControlServer.PUBLIC_ROLE
        await gluetun.read()
        await gluetun.read()
        # one 401 each for the version and /v1/portforward, in the first poll only
        assert quiet_401s(gluetun) == {
            "/v1/version": 1,
            "/v1/vpn/status": 3,
            "/v1/publicip/ip": 3,
            "/v1/portforward": 1,
            "/v1/openvpn/portforwarded": 3,
        }


@compat(
    "gluetun",
    "v3.39.1 - v3.40.4",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/settings.go @ v3.40.4",
)
async def test_340_role_with_a_key(session: aiohttp.ClientSession) -> None:
    async with simulator(spec("3.40", auth_config=role(ROUTES_340))) as sim:
        reading = await client(sim, session, api_key=API_KEY).read()
        assert reading.forwarded is not None
        assert reading.forwarded.port == sim.world.vpn.forwarded_port
        assert reading.not_permitted == ()

        wrong = "wrong-key-000111"
        with pytest.raises(InvalidAuthError) as caught:
            await client(sim, session, api_key=wrong).read()
        message = caught.value.message
        assert "HTTP 401 to every route StepheyBot Music read" in message
        assert "rejects the API key" in message
        assert wrong not in message
        assert API_KEY not in message

        with pytest.raises(InvalidAuthError) as missing:
            await client(sim, session).probe()
        assert "it needs credentials" in missing.value.message
        assert "HTTP_CONTROL_SERVER_AUTH_DEFAULT_ROLE" in missing.value.message
        assert "On v3.39.1 to v3.40.x only the file works" in missing.value.message


@compat(
    "gluetun",
    "v3.39.1 - v3.40.4",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/settings.go @ v3.40.4",
)
async def test_340_role_without_the_port_route(session: aiohttp.ClientSession) -> None:
    """The key works for the rest: the port is unavailable, no reauthentication."""
    async with simulator(spec("3.40", auth_config=role(ROUTES_340[:3]))) as sim:
        gluetun = client(sim, session, api_key=API_KEY)
        reading = await gluetun.read()
        assert reading.status is VpnStatus.RUNNING
        assert reading.public_ip is not None
        assert reading.forwarded is None
        assert reading.not_permitted == (LEGACY_PORT_ROUTE,)
        assert reading.advice is not None
        assert reading.advice.startswith(
            'gluetun v3.40.4 does not let StepheyBot Music read "GET /v1/openvpn/portforwarded"'
        )
        assert 'Not "GET /v1/portforward": this version refuses to start with it.' in (
            reading.advice
        )
        with pytest.raises(RouteNotPermittedError) as single:
            await gluetun.port_forwarded()
        assert single.value.routes == (LEGACY_PORT_ROUTE,)
        assert "although GET /v1/vpn/status works with the same credentials" in (
            single.value.message
        )


@compat(
    "gluetun",
    "v3.39.1 - v3.40.4",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/settings.go @ v3.40.4",
)
async def test_340_refuses_to_start_with_the_new_port_route() -> None:
    """Why the advice for 3.40 never names ``GET /v1/portforward`` as a route to add."""
    with pytest.raises(GluetunStartupError) as refused:
        async with simulator(spec("3.40", auth_config=role(ROUTES_341))):
            pass
    assert str(refused.value) == (
        "setting up control server: validating auth settings: role stepheybot (1 of 1): "
        "route 4 of 4: route not supported by the control server: GET /v1/portforward"
    )


@compat(
    "gluetun",
    "v3.39.1 - v3.40.4",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/settings.go @ v3.40.4",
)
async def test_340_status_not_granted_is_not_an_auth_error(
    session: aiohttp.ClientSession,
) -> None:
    routes = ["GET /v1/publicip/ip", LEGACY_PORT_ROUTE]
    async with simulator(spec("3.40", auth_config=role(routes))) as sim:
        gluetun = client(sim, session, api_key=API_KEY)
        with pytest.raises(RouteNotPermittedError) as caught:
            await gluetun.read()
        assert not isinstance(caught.value, InvalidAuthError)
        assert caught.value.routes == ("GET /v1/vpn/status",)
        assert '"GET /v1/vpn/status"' in caught.value.message
        with pytest.raises(RouteNotPermittedError):
            await gluetun.vpn_status()


@compat(
    "gluetun",
    "v3.39.1 - v3.40.4",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/settings.go @ v3.40.4",
)
async def test_340_basic_credentials(session: aiohttp.ClientSession) -> None:
    async with simulator(spec("3.40", auth_config=role(ROUTES_340, auth="basic"))) as sim:
        reading = await client(sim, session, username="ha", password=PASSWORD).read()
        assert reading.forwarded is not None
        with pytest.raises(InvalidAuthError) as wrong:
            await client(sim, session, username="ha", password="not-it-42").read()
        assert "user name and password" in wrong.value.message
        assert "not-it-42" not in wrong.value.message
        assert "reverse proxy" not in wrong.value.message  # gluetun got them, and said no


@compat(
    "gluetun",
    "v3.39.1 - v3.40.4",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/settings.go @ v3.40.4",
)
async def test_basic_credentials_lost_on_the_way(session: aiohttp.ClientSession) -> None:
    """gluetun asks for Basic credentials that were sent: something in between drops them."""
    async with simulator(spec("3.40", auth_config=role(ROUTES_340, auth="basic"))) as sim:

        async def strip(request: web.Request) -> web.Response:
            headers = {k: v for k, v in request.headers.items() if k.lower() == "x-api-key"}
            async with session.get(sim.url("gluetun") + request.path, headers=headers) as resp:
                kept = ("Content-Type", "WWW-Authenticate")
                return web.Response(
                    status=resp.status,
                    body=await resp.read(),
                    headers={k: resp.headers[k] for k in kept if k in resp.headers},
                )

        front = web.Application()
        front.router.add_get("/{tail:.*}", strip)
        async with serve(front) as url:
            gluetun = GluetunClient(session, url, username="ha", password=PASSWORD)
            with pytest.raises(InvalidAuthError) as caught:
                await gluetun.read()
        assert "drops the Authorization header" in caught.value.message


# --------------------------------------------------------------------------- v3.41.x


@compat(
    "gluetun",
    "v3.41.0 - v3.41.1",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/portforward.go @ v3.41.1",
)
@pytest.mark.parametrize("flavor", ["3.41.0", "3.41.1"])
async def test_default_341_reads_everything_without_credentials(
    session: aiohttp.ClientSession, flavor: str
) -> None:
    async with simulator(spec(flavor)) as sim:
        gluetun = client(sim, session)
        reading = await gluetun.read()
        assert reading.forwarded is not None
        assert reading.forwarded.port == sim.world.vpn.forwarded_port
        assert reading.build is not None
        assert reading.build.version == f"v{flavor}"
        assert gluetun.release is ControlServer.PORTFORWARD
        assert "/v1/openvpn/portforwarded" not in quiet_401s(gluetun)


@compat(
    "gluetun",
    "v3.41.0 - v3.41.1",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/portforward.go @ v3.41.1",
)
async def test_341_default_role(sim: Simulator, session: aiohttp.ClientSession) -> None:
    reading = await client(sim, session, api_key=API_KEY).read()
    assert reading.forwarded is not None
    assert reading.public_ip is not None

    with pytest.raises(InvalidAuthError) as missing:
        await client(sim, session).read()
    message = missing.value.message
    assert "it needs credentials" in message
    assert 'HTTP_CONTROL_SERVER_AUTH_DEFAULT_ROLE=\'{"auth":"apikey","apikey":"<key>"}\'' in (
        message
    )
    assert "gluetun's next release makes that the default" in message  # not "since 3.41.1"
    assert "Since 3.41.1" not in message

    with pytest.raises(InvalidAuthError, match="rejects the API key"):
        await client(sim, session, api_key="nope-nope").vpn_status()


@compat(
    "gluetun",
    "v3.41.0 - v3.41.1",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/portforward.go @ v3.41.1",
)
@pytest.mark.parametrize("with_version", [True, False])
async def test_341_role_with_only_the_old_port_route(
    session: aiohttp.ClientSession, with_version: bool
) -> None:
    """The old route answers 301 to a route the role lacks: port unavailable, the fix named."""
    routes = [*ROUTES_340[int(not with_version) : 3], LEGACY_PORT_ROUTE]
    async with simulator(spec("3.41", auth_config=role(routes))) as sim:
        gluetun = client(sim, session, api_key=API_KEY)
        reading = await gluetun.read()
        assert reading.status is VpnStatus.RUNNING
        assert reading.forwarded is None
        assert reading.not_permitted == (PORT_ROUTE,)
        assert reading.advice is not None
        assert 'read "GET /v1/portforward"' in reading.advice
        assert 'needs "GET /v1/portforward" too' in reading.advice
        assert gluetun.release is ControlServer.PORTFORWARD
        again = await gluetun.read()
        assert again.not_permitted == (PORT_ROUTE,)
        # later polls ask the new route only (one 401), never the redirecting one again
        assert quiet_401s(gluetun).get("/v1/openvpn/portforwarded", 0) == int(not with_version)


@compat(
    "gluetun",
    "v3.41.0 - v3.41.1",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/portforward.go @ v3.41.1",
)
async def test_341_several_ports_and_none(session: aiohttp.ClientSession) -> None:
    async with simulator(spec("3.41", ports="[40123, 40124]")) as sim:
        assert await client(sim, session).port_forwarded() == PortForward(
            port=40123, ports=(40123, 40124)
        )
    async with simulator(spec("3.41", ports="[]")) as sim:
        reading = await client(sim, session).read()
        assert reading.forwarded == PortForward(port=None, ports=())
        assert reading.not_permitted == ()


@compat(
    "gluetun",
    "v3.41.0 - v3.41.1",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/portforward.go @ v3.41.1",
)
@pytest.mark.parametrize("flavor", ["3.39", "3.40", "3.41", "current"])
async def test_wireguard(session: aiohttp.ClientSession, flavor: str) -> None:
    """``/v1/vpn/status`` covers WireGuard; ``/v1/openvpn/status`` would say stopped."""
    async with simulator(spec(flavor, vpn_type="wireguard", default_role='{"auth":"none"}')) as sim:
        reading = await client(sim, session).read()
        assert reading.status is VpnStatus.RUNNING
        assert reading.forwarded is not None
        assert reading.forwarded.port == sim.world.vpn.forwarded_port


@compat(
    "gluetun",
    "v3.41.0 - v3.41.1",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/portforward.go @ v3.41.1",
)
async def test_an_upgrade_from_340_is_followed(session: aiohttp.ClientSession) -> None:
    """gluetun replaced by 3.41 on the same address: the client drops what it learnt."""
    async with simulator(spec("3.40")) as old:
        port = old.spec("gluetun").port
        gluetun = client(old, session)
        await gluetun.read()
        assert gluetun.release is ControlServer.PUBLIC_ROLE
    with pytest.raises(CannotConnectError):
        await gluetun.read()
    new_spec = spec("3.41")
    new_spec.port = port
    async with simulator(new_spec) as new:
        reading = await gluetun.read()
        assert reading.build is not None
        assert reading.build.version == "v3.41.1"
        assert reading.forwarded is not None
        assert reading.forwarded.port == new.world.vpn.forwarded_port
        assert gluetun.release is ControlServer.PORTFORWARD


@compat(
    "gluetun",
    "v3.41.0 - v3.41.1",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/portforward.go @ v3.41.1",
)
async def test_an_upgrade_between_two_polls_is_followed(session: aiohttp.ClientSession) -> None:
    """Replaced by 3.41 with no failed request in between: the old route's 301 tells."""
    async with simulator(spec("3.40")) as sim:
        gluetun = client(sim, session)
        first = await gluetun.read()
        assert first.build is not None
        assert first.build.version == "v3.40.4"
        server = sim._running["gluetun"].runner.app[SERVER]
        server.release = release_of("3.41")
        server.reconfigure(None)
        upgraded = await gluetun.read()
        assert upgraded.forwarded is not None
        assert upgraded.forwarded.port == sim.world.vpn.forwarded_port
        assert upgraded.not_permitted == ()
        assert gluetun.release is ControlServer.PORTFORWARD
        assert upgraded.build is None  # asked again at the next poll
        assert (await gluetun.version()).version == "v3.41.1"
        again = await gluetun.read()
        assert again.build is not None
        assert again.build.version == "v3.41.1"


# --------------------------------------------------------------------------- latest (master)


@compat(
    "gluetun",
    "vNext: latest (unreleased master)",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/middleware.go @ master b1193252",
)
async def test_latest_needs_credentials(session: aiohttp.ClientSession) -> None:
    async with simulator(spec("current")) as sim:
        with pytest.raises(InvalidAuthError) as caught:
            await client(sim, session).probe()
        message = caught.value.message
        assert "it needs credentials" in message
        assert "GET /v1/vpn/status" in message


@compat(
    "gluetun",
    "vNext: latest (unreleased master)",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/middleware.go @ master b1193252",
)
async def test_latest_with_a_key(session: aiohttp.ClientSession) -> None:
    async with simulator(spec("current", api_key=API_KEY, ports="[40123, 40124]")) as sim:
        gluetun = client(sim, session, api_key=API_KEY)
        reading = await gluetun.read()
        assert reading.build is not None
        assert reading.build.version == "latest"
        assert gluetun.release is ControlServer.PRIVATE
        assert reading.forwarded == PortForward(port=40123, ports=(40123, 40124))
    async with simulator(spec("current", api_key=API_KEY, ports="null")) as sim:
        reading = await client(sim, session, api_key=API_KEY).read()
        assert reading.forwarded == PortForward(port=None, ports=())


@compat(
    "gluetun",
    "vNext: latest (unreleased master)",
    proof=SIMULATOR,
    source="qdm12/gluetun internal/server/middlewares/auth/middleware.go @ master b1193252",
)
async def test_latest_role_without_the_version(session: aiohttp.ClientSession) -> None:
    async with simulator(spec("current", auth_config=role(ROUTES_341[1:]))) as sim:
        gluetun = client(sim, session, api_key=API_KEY)
        reading = await gluetun.read()
        assert reading.build is None
        assert reading.forwarded is not None
        assert (reading.not_permitted, reading.advice) == ((), None)
        with pytest.raises(RouteNotPermittedError) as caught:
            await gluetun.version()
        assert caught.value.routes == ("GET /v1/version",)


# --------------------------------------------------------------------------- the advice


@pytest.mark.parametrize(
    ("flavor", "release"),
    [("3.40", ControlServer.PUBLIC_ROLE), ("3.41", ControlServer.PORTFORWARD)],
)
async def test_the_advised_role_is_valid_for_its_release(
    session: aiohttp.ClientSession, flavor: str, release: ControlServer
) -> None:
    """The role the setup advice writes starts that release and grants every datum."""
    advice = needs_credentials(release)
    routes = json.loads(re.findall(r"routes = (\[[^\]]*\])", advice)[0])
    async with simulator(spec(flavor, auth_config=role(routes))) as sim:
        reading = await client(sim, session, api_key=API_KEY).read()
        assert reading.forwarded is not None
        assert reading.public_ip is not None
        assert reading.build is not None
        assert reading.not_permitted == ()


def test_advice_per_release() -> None:
    assert control_server_of("v3.39.0") is ControlServer.OPEN
    assert control_server_of("v3.39.1") is ControlServer.PUBLIC_ROLE
    assert control_server_of("v3.40.4") is ControlServer.PUBLIC_ROLE
    assert control_server_of("v3.41.0") is ControlServer.PORTFORWARD
    assert control_server_of("v3.42.0") is ControlServer.PRIVATE
    assert control_server_of("latest") is ControlServer.PRIVATE
    assert control_server_of("pr-3001") is None
    # never the route 3.40 refuses at start-up, except to warn against it
    for text in (needs_credentials(ControlServer.PUBLIC_ROLE), rejected(ControlServer.PUBLIC_ROLE)):
        assert '"GET /v1/portforward"' not in text.replace(
            'refuses to start when a role lists "GET /v1/portforward"', ""
        )
    assert "HTTP_CONTROL_SERVER_AUTH_DEFAULT_ROLE='" not in needs_credentials(
        ControlServer.PUBLIC_ROLE
    )
    assert "makes every control-server route private" in needs_credentials(ControlServer.PRIVATE)
    for text in (
        needs_credentials(ControlServer.OPEN),
        rejected(ControlServer.OPEN),
        grant([PORT_ROUTE], ControlServer.OPEN),
    ):
        assert "no authentication, so the HTTP 401 comes from something in front of it" in text
    unknown = grant([PORT_ROUTE, LEGACY_PORT_ROUTE, "GET /v1/publicip/ip"], None, None)
    assert unknown.startswith(
        'gluetun does not let StepheyBot Music read "GET /v1/publicip/ip" and the forwarded '
        'port ("GET /v1/portforward" on v3.41.0 and later, "GET /v1/openvpn/portforwarded" on '
        "v3.39.1 to v3.40.x)"
    )
    assert 'a role with auth = "none"' in grant(
        ["GET /v1/publicip/ip"], ControlServer.PORTFORWARD, credentials=False
    )


# --------------------------------------------------------------------------- every release


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
    async with simulator(spec("3.41", auth_config=role(ROUTES_341, auth=auth))) as sim:
        gluetun = client(sim, session, **credentials)
        info = await gluetun.probe()
        assert (info.kind, info.application, info.version) == (
            BackendKind.GLUETUN,
            "gluetun",
            "3.41.1",
        )
        assert gluetun.has_credentials is bool(credentials)
        assert PASSWORD not in repr(gluetun)
        assert API_KEY not in repr(gluetun)


async def test_revoked_key(sim: Simulator, session: aiohttp.ClientSession) -> None:
    gluetun = client(sim, session, api_key=API_KEY)
    await gluetun.read()
    await sim.set_fault("gluetun", Fault.AUTH_REVOKED)
    with pytest.raises(InvalidAuthError, match="rejects the API key"):
        await gluetun.read()
    with pytest.raises(InvalidAuthError):
        await gluetun.port_forwarded()


async def test_single_reads_not_granted(session: aiohttp.ClientSession) -> None:
    routes = ["GET /v1/vpn/status", "GET /v1/portforward"]
    async with simulator(spec("3.41", auth_config=role(routes))) as sim:
        gluetun = client(sim, session, api_key=API_KEY)
        with pytest.raises(RouteNotPermittedError) as ip:
            await gluetun.public_ip()
        assert ip.value.routes == ("GET /v1/publicip/ip",)
        with pytest.raises(RouteNotPermittedError) as put:
            await gluetun.set_vpn_status(running=False)
        assert put.value.routes == ("PUT /v1/vpn/status",)
        assert '"PUT /v1/vpn/status"' in put.value.message
        assert sim.world.vpn.up


async def test_vpn_drop_and_restore(sim: Simulator, session: aiohttp.ClientSession) -> None:
    world = sim.world
    gluetun = client(sim, session, api_key=API_KEY)
    before = await gluetun.public_ip()
    assert before.ip == world.vpn.public_ip
    assert before.country == world.vpn.country
    assert before.region == world.vpn.region
    assert before.city == world.vpn.city
    assert before.organization == world.vpn.organization
    assert before.hostname is None  # omitted by gluetun
    assert await gluetun.port_forwarded() == PortForward(
        port=world.vpn.forwarded_port, ports=(world.vpn.forwarded_port,)
    )

    world.set_vpn(up=False)
    down = await gluetun.read()
    assert down.status is VpnStatus.STOPPED
    assert down.public_ip is not None
    assert (down.public_ip.ip, down.public_ip.country) == (None, None)  # {"public_ip":""}
    assert down.forwarded == PortForward(port=None, ports=())  # {"port":0}

    world.set_vpn(up=True)
    assert await gluetun.vpn_status() is VpnStatus.RUNNING
    assert (await gluetun.public_ip()).ip == before.ip


async def test_ip_change_is_visible(sim: Simulator, session: aiohttp.ClientSession) -> None:
    world = sim.world
    gluetun = client(sim, session, api_key=API_KEY)
    old = (await gluetun.public_ip()).ip
    new = world.change_vpn_ip()
    assert new != old
    assert (await gluetun.public_ip()).ip == new
    assert (await gluetun.port_forwarded()).port == world.vpn.forwarded_port


async def test_leak_is_detectable(sim: Simulator, session: aiohttp.ClientSession) -> None:
    world = sim.world
    gluetun = client(sim, session, api_key=API_KEY)
    assert (await gluetun.public_ip()).ip == world.external_address
    world.set_vpn(leak=True)
    vpn_ip = (await gluetun.public_ip()).ip
    assert vpn_ip == world.vpn.public_ip
    assert world.external_address == world.vpn.home_ip
    assert vpn_ip != world.external_address


async def test_set_vpn_status(sim: Simulator, session: aiohttp.ClientSession) -> None:
    gluetun = client(sim, session, api_key=API_KEY)
    assert await gluetun.set_vpn_status(running=False) == "stopped"
    assert sim.world.vpn.up is False
    assert await gluetun.set_vpn_status(running=False) == "already stopped"
    assert await gluetun.set_vpn_status(running=True) == "running"
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
        assert await resp.text() == (
            "invalid status: paused: possible values are: stopped, running\n"
        )
    await sim.set_fault("gluetun", Fault.MALFORMED_JSON)
    with pytest.raises(UnexpectedResponseError, match="not valid JSON"):
        await client(sim, session, api_key=API_KEY).set_vpn_status(running=True)


async def test_other_vpn_states(session: aiohttp.ClientSession) -> None:
    async with simulator(spec("3.41")) as sim:
        gluetun = client(sim, session)
        sim.world.vpn.status = "crashed"
        assert await gluetun.vpn_status() is VpnStatus.CRASHED
        sim.world.vpn.status = "weird-future-state"
        assert await gluetun.vpn_status() is VpnStatus.UNKNOWN


async def test_down_slow_and_broken(sim: Simulator, session: aiohttp.ClientSession) -> None:
    gluetun = client(sim, session, api_key=API_KEY, timeout=0.3)
    await sim.set_fault("gluetun", Fault.DOWN)
    async with aiohttp.ClientSession() as fresh:
        with pytest.raises(CannotConnectError) as down:
            await client(sim, fresh, api_key=API_KEY).probe()
    assert "Cannot connect to gluetun" in down.value.message
    await sim.clear_fault("gluetun")

    await sim.set_fault("gluetun", Fault.SLOW)
    with pytest.raises(BackendTimeoutError, match=r"did not answer within 0\.3 s"):
        await gluetun.vpn_status()
    await sim.clear_fault("gluetun")

    await sim.set_fault("gluetun", Fault.HTTP_500)
    with pytest.raises(UnexpectedResponseError, match="HTTP 500"):
        await gluetun.vpn_status()
    with pytest.raises(UnexpectedResponseError, match="HTTP 500"):
        await gluetun.read()
    await sim.clear_fault("gluetun")

    for fault in (Fault.MALFORMED_JSON, Fault.TRUNCATED_JSON):
        await sim.set_fault("gluetun", fault)
        with pytest.raises(UnexpectedResponseError, match="not valid JSON"):
            await gluetun.public_ip()
        with pytest.raises(UnexpectedResponseError, match="not valid JSON"):
            await gluetun.port_forwarded()
        await sim.clear_fault("gluetun")
    assert await gluetun.vpn_status() is VpnStatus.RUNNING


async def test_wrong_application(session: aiohttp.ClientSession) -> None:
    specs = [spec("3.41"), BackendSpec(name="transmission", kind="transmission")]
    async with simulator(*specs) as sim:
        gluetun = GluetunClient(session, sim.url("transmission"))
        with pytest.raises(WrongApplicationError) as caught:
            await gluetun.probe()
        assert "no gluetun control server at /v1/version (HTTP 404" in caught.value.message
        assert "port 8000" in caught.value.message


async def test_a_redirect_is_not_followed(session: aiohttp.ClientSession) -> None:
    """A proxy's login redirect is reported, not followed (and never sent the key)."""
    seen: list[str] = []

    async def login(request: web.Request) -> web.Response:
        seen.append(request.path)
        raise web.HTTPFound("/login")

    front = web.Application()
    front.router.add_get("/{tail:.*}", login)
    async with serve(front) as url:
        gluetun = GluetunClient(session, url, api_key=API_KEY)
        with pytest.raises(WrongApplicationError) as caught:
            await gluetun.read()
    assert "HTTP 302, redirecting to '/login'" in caught.value.message
    assert seen == ["/v1/version"]


async def test_a_web_page_is_not_gluetun(session: aiohttp.ClientSession) -> None:
    async def page(_: web.Request) -> web.Response:
        return web.Response(text="<html>Welcome</html>", content_type="text/html")

    front = web.Application()
    front.router.add_get("/{tail:.*}", page)
    async with serve(front) as url:
        with pytest.raises(WrongApplicationError, match="no gluetun control server at /v1/version"):
            await GluetunClient(session, url).probe()
