"""The forwarded port in Home Assistant: "Port matches VPN", the button, the action, auto-sync.

gluetun (simulated) forwards a port; a VPN reconnect forwards another one while the download
clients keep listening on the old one, which is the ``port_mismatch`` of issue 21. The
listen ports are read back from the simulated world, not through the integration.
"""

from __future__ import annotations

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from custom_components.stepheybot_music.const import DOMAIN
from simulator import Simulator

from .conftest import ENTRY_ID, setup_stack
from .helpers import poll

NAMES = ("gluetun", "qbittorrent", "transmission")
QBT = "binary_sensor.qbittorrent_port_matches_vpn"
TRX = "binary_sensor.transmission_port_matches_vpn"


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def _ports(sim: Simulator) -> dict[str, int]:
    return {name: client.listen_port for name, client in sim.world.download_clients.items()}


async def test_port_matches_vpn_follows_a_reconnect_within_one_poll(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    await setup_stack(hass, sim, NAMES)
    forwarded = sim.world.vpn.forwarded_port
    assert _state(hass, QBT) == "on"
    assert _state(hass, TRX) == "on"
    state = hass.states.get(QBT)
    assert state is not None
    assert state.attributes["listen_port"] == forwarded
    assert state.attributes["forwarded_port"] == forwarded

    sim.world.change_vpn_ip()
    await poll(hass, frozen, 15)  # one VPN poll: gluetun's new port refreshes the comparison
    assert _state(hass, QBT) == "off"
    assert _state(hass, TRX) == "off"
    assert _ports(sim) == {"qbittorrent": forwarded, "transmission": forwarded}  # untouched


async def test_the_button_and_the_action_set_the_forwarded_port(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    await setup_stack(hass, sim, NAMES)
    old = sim.world.vpn.forwarded_port
    sim.world.change_vpn_ip()
    new = sim.world.vpn.forwarded_port
    await poll(hass, frozen, 15)
    assert _state(hass, QBT) == "off"

    await hass.services.async_call(
        "button", "press", {"entity_id": "button.qbittorrent_sync_forwarded_port"}, blocking=True
    )
    await hass.async_block_till_done()
    assert _ports(sim) == {"qbittorrent": new, "transmission": old}
    assert _state(hass, QBT) == "on"
    assert _state(hass, TRX) == "off"

    response = await hass.services.async_call(
        DOMAIN,
        "sync_forwarded_port",
        {"config_entry_id": ENTRY_ID},
        blocking=True,
        return_response=True,
    )
    assert response == {
        "clients": [
            {"backend": "qBittorrent", "listen_port": new, "previous_port": new, "changed": False},
            {"backend": "Transmission", "listen_port": new, "previous_port": old, "changed": True},
        ]
    }
    await hass.async_block_till_done()
    assert _ports(sim) == {"qbittorrent": new, "transmission": new}
    assert _state(hass, TRX) == "on"


async def test_the_option_keeps_the_ports_in_sync_by_itself(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    await setup_stack(hass, sim, NAMES, options={"sync_forwarded_port": True})
    sim.world.change_vpn_ip()
    new = sim.world.vpn.forwarded_port
    await poll(hass, frozen, 15)
    assert _ports(sim) == {"qbittorrent": new, "transmission": new}
    assert _state(hass, QBT) == "on"
    assert _state(hass, TRX) == "on"


async def test_no_forwarded_port_is_unknown_and_the_button_says_why(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    sim.world.vpn.forwarded_port = 0
    await setup_stack(hass, sim, NAMES)
    assert _state(hass, QBT) == "unknown"
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "button",
            "press",
            {"entity_id": "button.qbittorrent_sync_forwarded_port"},
            blocking=True,
        )
    assert "The VPN forwards no port" in str(err.value)
    assert "VPN_PORT_FORWARDING=on" in str(err.value)


async def test_a_stack_without_gluetun_has_nothing_to_sync(
    hass: HomeAssistant, sim: Simulator
) -> None:
    await setup_stack(hass, sim, ("qbittorrent",))
    assert hass.states.get(QBT) is None
    assert hass.states.get("button.qbittorrent_sync_forwarded_port") is None
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "sync_forwarded_port", {"config_entry_id": ENTRY_ID}, blocking=True
        )
    assert err.value.translation_key == "no_port_sync"
