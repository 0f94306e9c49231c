"""Reauthenticating one backend reloads that backend alone (issue 17 item 10).

The other backends' entities keep their objects and their states (no state change at all
while the one backend reloads); the reloaded backend's entities come back available; the
entities that follow it from elsewhere (the stack's sensors, gluetun's leak sensor) follow
its new coordinators; and its recovery is logged once (item 9).
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_platform
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity

from custom_components.stepheybot_music.const import DOMAIN
from custom_components.stepheybot_music.entity import FollowsCoordinators
from simulator import Fault, Simulator

from .conftest import setup_stack, subentry_id
from .helpers import poll

NAMES = ["navidrome", "lidarr", "qbittorrent", "transmission", "gluetun"]
PACKAGE = "custom_components.stepheybot_music"


def entities(hass: HomeAssistant) -> dict[str, Entity]:
    """Every entity object of the integration, by entity id."""
    return {
        entity_id: entity
        for platform in entity_platform.async_get_platforms(hass, DOMAIN)
        for entity_id, entity in platform.entities.items()
    }


def of_backend(hass: HomeAssistant, entry_id: str, name: str) -> set[str]:
    """The entity ids of one simulated backend."""
    registry = er.async_get(hass)
    return {
        e.entity_id
        for e in er.async_entries_for_config_entry(registry, entry_id)
        if e.config_subentry_id == subentry_id(name)
    }


async def reauthenticate(
    hass: HomeAssistant,
    sim: Simulator,
    frozen: FrozenDateTimeFactory,
    entry: Any,
    name: str,
    *,
    new_key: str | None = None,
) -> tuple[list[str], dict[str, Entity]]:
    """Revoke ``name``'s credentials, then reauthenticate it; (state changes, entities before).

    With ``new_key`` the backend takes a new API key (the subentry changes), else the old
    credentials work again (the subentry stays as it is).
    """
    await sim.set_fault(name, Fault.AUTH_REVOKED)
    await sim.set_fault(name, Fault.SESSION_EXPIRED)  # a session already open keeps working
    await poll(hass, frozen, 3600)
    (flow,) = entry.async_get_active_flows(hass, {"reauth"})
    await sim.clear_fault(name, Fault.AUTH_REVOKED)
    before = entities(hass)
    changed: list[str] = []

    def _changed(event: Event[Any]) -> None:
        changed.append(event.data["entity_id"])

    unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, _changed)
    spec = sim.spec(name)
    if new_key is not None:
        spec.api_key = new_key
    secret = {CONF_PASSWORD: spec.password} if spec.password else {CONF_API_KEY: spec.api_key}
    credentials = {"username": spec.username, **secret} if spec.username else secret
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], credentials)
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done(wait_background_tasks=True)
    unsubscribe()
    return changed, before


async def test_reauthenticating_one_backend_leaves_the_others_alone(
    hass: HomeAssistant,
    sim: Simulator,
    frozen: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await setup_stack(hass, sim, NAMES)
    caplog.set_level(logging.INFO, logger=PACKAGE)
    lidarr = of_backend(hass, entry.entry_id, "lidarr")
    others = {
        eid for name in NAMES if name != "lidarr" for eid in of_backend(hass, entry.entry_id, name)
    }
    assert lidarr
    assert others

    changed, before = await reauthenticate(hass, sim, frozen, entry, "lidarr", new_key="b" * 32)
    assert entry.subentries[subentry_id("lidarr")].data[CONF_API_KEY] == "b" * 32

    after = entities(hass)
    assert entry.state is ConfigEntryState.LOADED
    assert not set(changed) & others, sorted(set(changed) & others)
    shown = others & set(before)  # entities disabled by default have no object
    assert shown
    assert all(after.get(eid) is before[eid] for eid in shown), "the others are not re-created"
    assert lidarr & set(after) == lidarr & set(before)
    assert all(after[eid] is not before[eid] for eid in lidarr & set(after))
    assert hass.states.get("sensor.lidarr_queue").state == "2"
    recoveries = [r.getMessage() for r in caplog.records if r.getMessage() == "Lidarr recovered"]
    assert recoveries == ["Lidarr recovered"]

    # qBittorrent is followed from elsewhere: its new coordinator is, its old one is not
    old = entry.runtime_data.backends[subentry_id("qbittorrent")].coordinator
    changed, before = await reauthenticate(hass, sim, frozen, entry, "qbittorrent")
    new = entry.runtime_data.backends[subentry_id("qbittorrent")].coordinator
    assert new is not old
    followers = [e for e in entities(hass).values() if isinstance(e, FollowsCoordinators)]
    assert any(new in f._followed for f in followers)
    assert not any(old in f._followed for f in followers)
    leak = hass.states.get("binary_sensor.gluetun_vpn_leak")
    assert leak is not None
    assert leak.state == "off"
    downloads = of_backend(hass, entry.entry_id, "qbittorrent")
    assert all(
        hass.states.get(eid).state != "unavailable"
        for eid in downloads
        if eid.startswith("sensor.qbittorrent_download")
    )
    others = {
        eid
        for name in NAMES
        if name != "qbittorrent"
        for eid in of_backend(hass, entry.entry_id, name)
    }
    assert not set(changed) & others - {"binary_sensor.gluetun_vpn_leak"}, sorted(
        set(changed) & others
    )

    # gluetun is compared with by the download clients' listen ports: they follow its new data
    old_vpn = entry.runtime_data.backends[subentry_id("gluetun")].coordinator
    changed, before = await reauthenticate(hass, sim, frozen, entry, "gluetun")
    new_vpn = entry.runtime_data.backends[subentry_id("gluetun")].coordinator
    assert new_vpn is not old_vpn
    ports = [
        backend.listen_port
        for name in ("qbittorrent", "transmission")
        if (backend := entry.runtime_data.backends[subentry_id(name)]).listen_port is not None
    ]
    assert ports
    assert all(port.vpn is new_vpn for port in ports)
    followers = [e for e in entities(hass).values() if isinstance(e, FollowsCoordinators)]
    assert not any(old_vpn in f._followed for f in followers)
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_reconfiguring_one_backend_leaves_the_others_alone(
    hass: HomeAssistant, sim: Simulator
) -> None:
    entry = await setup_stack(hass, sim, NAMES)
    others = {
        eid for name in NAMES if name != "lidarr" for eid in of_backend(hass, entry.entry_id, name)
    }
    before = entities(hass)
    changed: list[str] = []
    unsubscribe = hass.bus.async_listen(
        EVENT_STATE_CHANGED, lambda event: changed.append(event.data["entity_id"])
    )
    result = await entry.start_subentry_reconfigure_flow(hass, subentry_id("lidarr"))
    typed = {"name": "Lidarr (music)", "url": sim.url("lidarr"), "verify_ssl": True}
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], typed)
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done(wait_background_tasks=True)
    unsubscribe()

    after = entities(hass)
    shown = others & set(before)
    assert all(after.get(eid) is before[eid] for eid in shown), "the others are not re-created"
    assert not set(changed) & others, sorted(set(changed) & others)
    device_id = dr.async_get_device_id_by_identifier(
        hass, (DOMAIN, subentry_id("lidarr")), config_entry_id=entry.entry_id
    )
    device = dr.async_get(hass).async_get(device_id) if device_id else None
    assert device is not None
    assert device.name == "Lidarr (music)"
    assert hass.states.get("sensor.lidarr_queue").state == "2"
    assert entry.runtime_data.backends[subentry_id("lidarr")].ref.title == "Lidarr (music)"
    assert await hass.config_entries.async_unload(entry.entry_id)
