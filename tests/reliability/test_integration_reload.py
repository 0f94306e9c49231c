"""Reloading a stack: a backend added meanwhile is kept, no entity is added twice."""

from __future__ import annotations

import asyncio
from types import MappingProxyType

import pytest
from homeassistant.config_entries import ConfigEntry, ConfigEntryState, ConfigSubentry
from homeassistant.core import HomeAssistant

from simulator import Fault, Simulator
from tests.integration.conftest import (
    simulator_specs,
    stack_entry,
    subentry,
    subentry_id,
)

pytestmark = pytest.mark.usefixtures("enable_custom_integrations")


def state_of(entry: ConfigEntry[object]) -> ConfigEntryState:
    """The entry's state now (a call, so type checkers do not narrow it across awaits)."""
    return entry.state


async def test_backend_added_during_setup_is_kept(hass: HomeAssistant) -> None:
    # real time: Lidarr answers slowly, so the subentry arrives while set-up waits for it
    async with Simulator(
        seed=7, specs=simulator_specs(["lidarr", "gluetun"]), speed=0, slow_delay=0.5
    ) as live:
        await live.set_fault("lidarr", Fault.SLOW)
        entry = stack_entry(live, ["lidarr"])
        entry.add_to_hass(hass)
        setup = hass.async_create_task(hass.config_entries.async_setup(entry.entry_id))
        async with asyncio.timeout(5):
            while state_of(entry) is not ConfigEntryState.SETUP_IN_PROGRESS:
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)
        assert not setup.done(), "set-up must still wait for Lidarr"
        gluetun = subentry(live, "gluetun")
        gluetun["data"] = MappingProxyType(dict(gluetun["data"]))
        hass.config_entries.async_add_subentry(entry, ConfigSubentry(**gluetun))
        await setup
        await live.clear_fault("lidarr")
        await hass.async_block_till_done(wait_background_tasks=True)

        assert state_of(entry) is ConfigEntryState.LOADED
        assert subentry_id("gluetun") in entry.runtime_data.backends
        state = hass.states.get("binary_sensor.gluetun_vpn")
        assert state is not None
        assert state.state == "on"
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_a_refresh_ending_during_unload_adds_no_entity_twice(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    names = ["lidarr", "qbittorrent"]
    async with Simulator(seed=7, specs=simulator_specs(names), speed=0) as sim:
        entry = stack_entry(sim, names)
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        runtime = entry.runtime_data
        status = runtime.backends[subentry_id("lidarr")].slow[0]
        qbittorrent = runtime.backends[subentry_id("qbittorrent")]
        logout = qbittorrent.close
        assert logout is not None

        async def slow_logout() -> None:
            # Lidarr's status refresh ends while qBittorrent logs out: the entities are gone
            status.async_update_listeners()
            await logout()

        qbittorrent.close = slow_logout
        caplog.clear()
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        duplicates = [r.getMessage() for r in caplog.records if "already" in r.getMessage()]
        assert not duplicates, duplicates
        assert await hass.config_entries.async_unload(entry.entry_id)
