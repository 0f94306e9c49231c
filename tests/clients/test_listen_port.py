"""PortSync: the download client's listen port against the VPN's forwarded port, and setting it.

Every test runs against real qbittorrent-nox 5.3 and 4.5.2, real transmission-daemon 4.1
(toolbox) and 3.00 (host side: run under ``scripts/host-servers``), and the simulator's
facades. The port is read back *outside* the client under test (a raw request, or the
simulated world), so a set that does not take fails the test.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import aiohttp
import pytest
from stepheybot_music_clients.errors import BackendRequestError
from stepheybot_music_clients.listen_port import (
    LISTEN_PORT_MAX_AGE,
    ListenPortWatch,
    NoForwardedPortError,
    PortSync,
    port_matches,
)
from stepheybot_music_clients.qbittorrent import QBittorrentClient
from stepheybot_music_clients.transmission import TransmissionClient

from simulator import Simulator
from simulator.backends import BackendSpec
from tests.servers import qbittorrent as qbt
from tests.servers import transmission as trx
from tests.servers.qbittorrent import qbt45, qbt53  # noqa: F401  (session fixtures)
from tests.servers.transmission import transmission3, transmission4  # noqa: F401

SIM_PASSWORD = "sim-Port-77"

FLAVORS = [
    pytest.param("real-qbittorrent-5.3", marks=pytest.mark.real_server),
    pytest.param("real-qbittorrent-4.5", marks=pytest.mark.real_server),
    pytest.param("real-transmission-4", marks=pytest.mark.real_server),
    pytest.param("real-transmission-3.00", marks=pytest.mark.real_server),
    pytest.param("sim-qbittorrent-5.3"),
    pytest.param("sim-qbittorrent-4.5"),
    pytest.param("sim-transmission-4"),
]


@dataclass(slots=True)
class Peer:
    """One download client to test: the client under test and an independent read of its port."""

    sync: PortSync
    read_port: Callable[[], int]
    """The listen port as the server (or the simulated world) has it, not via the client."""
    application: str


def _qbt_port(server: qbt.QbtServer) -> int:
    cookie = qbt.login_cookie(server)
    status, body, _ = qbt.http_request(server, "GET", "/api/v2/app/preferences", cookie=cookie)
    assert status == 200, status
    return int(json.loads(body)["listen_port"])


def _qbt_set(server: qbt.QbtServer, port: int) -> None:
    cookie = qbt.login_cookie(server)
    form = {"json": json.dumps({"listen_port": port})}
    status, _, _ = qbt.http_request(
        server, "POST", "/api/v2/app/setPreferences", form=form, cookie=cookie
    )
    assert status == 200, status


@pytest.fixture(params=FLAVORS)
async def peer(request: pytest.FixtureRequest) -> AsyncIterator[Peer]:
    flavor: str = request.param
    where, kind, version = flavor.split("-", 2)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        if where == "real" and kind == "qbittorrent":
            server: qbt.QbtServer = request.getfixturevalue(
                "qbt53" if version == "5.3" else "qbt45"
            )
            original = _qbt_port(server)
            client = QBittorrentClient(
                session, server.url, username=server.username, password=server.password
            )
            yield Peer(PortSync(client), lambda: _qbt_port(server), "qBittorrent")
            _qbt_set(server, original)  # the server is shared: leave it as it was
            await client.logout()
        elif where == "real":
            daemon: trx.TransmissionServer = request.getfixturevalue(
                "transmission4" if version == "4" else "transmission3"
            )
            original = int(daemon.rpc("session-get")["peer-port"])
            t_client = TransmissionClient(
                session, daemon.url, username=daemon.username, password=daemon.password
            )
            yield Peer(
                PortSync(t_client),
                lambda: int(daemon.rpc("session-get")["peer-port"]),
                "Transmission",
            )
            daemon.rpc("session-set", {"peer-port": original})
        else:
            spec = BackendSpec(
                name=kind, kind=kind, flavor=version, username="admin", password=SIM_PASSWORD
            )
            async with Simulator(seed=3, specs=[spec], docker_socket=False) as sim:
                state = sim.world.download_clients[kind]
                sim_client: QBittorrentClient | TransmissionClient
                if kind == "qbittorrent":
                    sim_client = QBittorrentClient(
                        session, sim.url(kind), username="admin", password=SIM_PASSWORD
                    )
                else:
                    sim_client = TransmissionClient(
                        session, sim.url(kind), username="admin", password=SIM_PASSWORD
                    )
                yield Peer(
                    PortSync(sim_client),
                    lambda: state.listen_port,
                    "qBittorrent" if kind == "qbittorrent" else "Transmission",
                )


async def test_state_compares_the_listen_port_with_the_forwarded_one(peer: Peer) -> None:
    listening = peer.read_port()
    other = trx.free_port()
    assert other != listening
    state = await peer.sync.state(other)
    assert (state.client, state.listen_port, state.forwarded_port) == (
        peer.application,
        listening,
        other,
    )
    assert state.matches is False
    assert (await peer.sync.state(listening)).matches is True
    assert (await peer.sync.state(0)).matches is None  # the VPN forwards no port
    assert (await peer.sync.state(None)).matches is None  # not known


async def test_sync_sets_the_forwarded_port_and_it_persists(peer: Peer) -> None:
    before = peer.read_port()
    forwarded = trx.free_port()
    result = await peer.sync.sync(forwarded)
    assert (result.before, result.after, result.changed) == (before, forwarded, True)
    assert peer.read_port() == forwarded  # read back outside the client
    assert (await peer.sync.state(forwarded)).matches is True
    again = await peer.sync.sync(forwarded)
    assert (again.before, again.after, again.changed) == (forwarded, forwarded, False)


async def test_sync_without_a_forwarded_port_says_what_to_turn_on(peer: Peer) -> None:
    before = peer.read_port()
    for forwarded in (0, None):
        with pytest.raises(NoForwardedPortError) as err:
            await peer.sync.sync(forwarded)
        assert err.value.message == (
            f"The VPN forwards no port, so there is none to give {peer.application}. Turn on "
            "port forwarding in gluetun (VPN_PORT_FORWARDING=on, with a provider that "
            "supports it) and let gluetun's control server answer the forwarded-port route."
        )
        assert isinstance(err.value, BackendRequestError)
    assert peer.read_port() == before


@pytest.mark.parametrize("port", [0, -1, 65536])
async def test_a_port_out_of_range_is_refused_before_any_request(peer: Peer, port: int) -> None:
    client = peer.sync.client
    setter = client.set_listen_port
    with pytest.raises(ValueError, match="is not a TCP port"):
        await setter(port)
    assert client.stats.requests == 0


@pytest.mark.parametrize(
    ("forwarded", "listening", "matches"),
    [(51413, 51413, True), (51413, 6881, False), (0, 6881, None), (None, 6881, None)],
)
def test_port_matches(forwarded: int | None, listening: int, matches: bool | None) -> None:
    assert port_matches(forwarded, listening) is matches
    assert port_matches(forwarded, None) is None


def test_the_watch_reads_again_only_when_the_port_may_be_wrong() -> None:
    watch = ListenPortWatch()
    assert watch.due(51413, 0.0)  # never read
    watch.record(51413, 0.0)
    assert not watch.due(51413, 10.0)  # matched, fresh
    assert not watch.due(None, 10.0)  # the VPN's port unknown: the reading stands
    assert not watch.due(0, 10.0)  # no port forwarded: nothing to match
    assert watch.due(40000, 10.0)  # the VPN moved to another port
    assert watch.due(51413, LISTEN_PORT_MAX_AGE)  # old: someone may have changed it
    watch.record(6881, 20.0)
    assert watch.due(51413, 21.0)  # read while it did not match: read until it does
