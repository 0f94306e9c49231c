"""Diagnostics: the whole stack and one device, with every secret redacted."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
    get_diagnostics_for_device,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.stepheybot_music.const import DOMAIN
from simulator import Fault, Simulator

from .conftest import ALL_BACKENDS, setup_stack, subentry_id


def _secrets(sim: Simulator) -> list[str]:
    found: list[str] = []
    for name in ALL_BACKENDS:
        spec = sim.spec(name)
        found += [value for value in (spec.password, spec.api_key) if value]
    found += [sim.world.vpn.public_ip, sim.world.vpn.home_ip]
    return found


async def test_config_entry_diagnostics(
    hass: HomeAssistant,
    sim: Simulator,
    hass_client: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
) -> None:
    await sim.set_fault("jackett", Fault.HTTP_500)
    entry = await setup_stack(hass, sim)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    dumped = json.dumps(diagnostics)
    for secret in _secrets(sim):
        assert secret not in dumped
    backends = diagnostics["backends"]
    assert isinstance(backends, dict)
    lidarr = backends[subentry_id("lidarr")]
    assert lidarr["config"]["url"] == sim.url("lidarr")
    assert lidarr["config"]["api_key"] == "**REDACTED**"
    jackett = backends[subentry_id("jackett")]["coordinators"]["indexers"]
    assert jackett["last_update_success"] is False
    assert jackett["last_exception"].startswith("UpdateFailed: Jackett")
    assert diagnostics == snapshot(exclude=props("url", "last_exception"))


async def test_device_diagnostics(
    hass: HomeAssistant,
    sim: Simulator,
    hass_client: ClientSessionGenerator,
    device_registry: dr.DeviceRegistry,
) -> None:
    entry = await setup_stack(hass, sim, ["qbittorrent", "docker"])

    def device(identifier: str) -> dr.DeviceEntry:
        found = device_registry.async_get_device_by_identifier((DOMAIN, identifier), entry.entry_id)
        assert found is not None
        return found

    qbittorrent = await get_diagnostics_for_device(
        hass, hass_client, entry, device(subentry_id("qbittorrent"))
    )
    assert qbittorrent["kind"] == "qbittorrent"
    assert qbittorrent["config"]["password"] == "**REDACTED**"
    assert qbittorrent["config"]["username"] == "**REDACTED**"
    data = qbittorrent["coordinators"]["downloads"]["data"]
    assert data["external_address"] == "**REDACTED**"
    assert data["counts"]["downloading"] == 2

    container = await get_diagnostics_for_device(
        hass, hass_client, entry, device(f"{subentry_id('docker')}_container_gluetun")
    )
    assert container["kind"] == "docker"
    assert "gluetun" in container["coordinators"]["containers"]["data"]["containers"]

    stack = await get_diagnostics_for_device(hass, hass_client, entry, device(entry.entry_id))
    assert set(stack["backends"]) == {subentry_id("qbittorrent"), subentry_id("docker")}
