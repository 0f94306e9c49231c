"""A port mismatch fixed by ``sync_forwarded_port`` on real qBittorrent and Transmission.

gluetun is simulated (it forwards a port chosen free for the test); the download client is a
fresh real server of each version (qbittorrent-nox 5.3 and 4.5.2, transmission-daemon 4.1 in
the toolbox and 3.00 on the host: run under ``scripts/host-servers``). The port is read back
from the server with a raw request, not through the integration.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from stepheybot_music_clients.models import BackendKind

from custom_components.stepheybot_music.const import DOMAIN
from simulator import Simulator
from tests.servers import qbittorrent as qbt
from tests.servers import transmission as trx
from tests.servers.qbittorrent import qbt_factory  # noqa: F401  (fixture)
from tests.servers.transmission import transmission_server  # noqa: F401  (fixture)

from .conftest import simulator_specs, subentry

pytestmark = pytest.mark.real_server

ENTRY = "01STACKREALPORTSYNC000000"


@dataclass(slots=True)
class RealPeer:
    kind: BackendKind
    title: str
    url: str
    username: str
    password: str
    read_port: Callable[[], int]


def _qbittorrent(server: qbt.QbtServer) -> RealPeer:
    def read() -> int:
        cookie = qbt.login_cookie(server)
        status, body, _ = qbt.http_request(server, "GET", "/api/v2/app/preferences", cookie=cookie)
        assert status == 200
        return int(json.loads(body)["listen_port"])

    return RealPeer(
        BackendKind.QBITTORRENT, "qBittorrent", server.url, server.username, server.password, read
    )


def _transmission(server: trx.TransmissionServer) -> RealPeer:
    return RealPeer(
        BackendKind.TRANSMISSION,
        "Transmission",
        server.base_url,
        server.username,
        server.password,
        lambda: int(server.rpc("session-get")["peer-port"]),
    )


@pytest.fixture(
    params=["qbittorrent 5.3", "qbittorrent 4.5", "transmission 4", "transmission 3.00"]
)
def peer(
    request: pytest.FixtureRequest,
    qbt_factory: Callable[..., qbt.QbtServer],  # noqa: F811
    transmission_server: Callable[..., trx.TransmissionServer],  # noqa: F811
) -> RealPeer:
    kind, version = str(request.param).split()
    if kind == "qbittorrent":
        return _qbittorrent(qbt_factory(version))
    return _transmission(transmission_server(version))


@pytest.fixture
async def gluetun() -> AsyncIterator[Simulator]:
    async with Simulator(
        seed=7, specs=simulator_specs(("gluetun",)), speed=0, docker_socket=False
    ) as sim:
        sim.world.vpn.forwarded_port = trx.free_port()
        yield sim


async def test_the_action_fixes_a_mismatch_on_the_real_client(
    hass: HomeAssistant, peer: RealPeer, gluetun: Simulator
) -> None:
    forwarded = gluetun.world.vpn.forwarded_port
    before = peer.read_port()
    assert before != forwarded
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Real port sync",
        entry_id=ENTRY,
        data={},
        subentries_data=[
            subentry(gluetun, "gluetun"),
            ConfigSubentryData(
                data={
                    CONF_URL: peer.url,
                    CONF_USERNAME: peer.username,
                    CONF_PASSWORD: peer.password,
                    CONF_VERIFY_SSL: True,
                },
                subentry_id="01SUBREALPEER000000000000",
                subentry_type=str(peer.kind),
                title=peer.title,
                unique_id=f"{peer.kind}_{peer.url}",
            ),
        ],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    sensor = f"binary_sensor.{peer.kind}_port_matches_vpn"
    state = hass.states.get(sensor)
    assert state is not None
    assert state.state == "off"
    assert state.attributes["listen_port"] == before

    response = await hass.services.async_call(
        DOMAIN,
        "sync_forwarded_port",
        {"config_entry_id": ENTRY},
        blocking=True,
        return_response=True,
    )
    assert response == {
        "clients": [
            {
                "backend": peer.title,
                "listen_port": forwarded,
                "previous_port": before,
                "changed": True,
            }
        ]
    }
    assert peer.read_port() == forwarded
    await hass.async_block_till_done()
    state = hass.states.get(sensor)
    assert state is not None
    assert state.state == "on"
    assert await hass.config_entries.async_unload(entry.entry_id)
