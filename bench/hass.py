"""A real Home Assistant instance for the benchmark (pytest-homeassistant-custom-component's).

Both HA core's ``qbittorrent`` integration and ours are set up as config entries the way
Home Assistant does it (``hass.config_entries.async_setup``), entities included, and then
polled with ``coordinator.async_refresh()``: exactly what the coordinator's timer calls
every update interval. The timers themselves are switched off so no poll happens behind
the harness's back.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any
from unittest.mock import patch

import homeassistant  # noqa: F401  (first: it installs its voluptuous shim)
from aiohttp.resolver import AsyncResolver
from homeassistant import loader
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import frame
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_test_home_assistant,
)

import custom_components  # noqa: F401  (ours, before HA resolves custom_components)

from . import procs


@contextlib.asynccontextmanager
async def home_assistant() -> AsyncIterator[HomeAssistant]:
    """A running Home Assistant with custom integrations enabled."""
    config_dir = procs.WORK / "hass"
    config_dir.mkdir(parents=True, exist_ok=True)
    # HA's shared aiohttp session resolves names through zeroconf, which needs the network
    # integration; every URL here is a loopback IP, so aiohttp's plain resolver is used (as
    # pytest-homeassistant-custom-component's tests do).
    resolver = patch(
        "homeassistant.helpers.aiohttp_client._async_make_resolver",
        side_effect=_plain_resolver,
    )
    with resolver:
        async with async_test_home_assistant(config_dir=str(config_dir)) as hass:
            frame.async_setup(hass)
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            try:
                yield hass
            finally:
                await hass.async_stop(force=True)


def _plain_resolver(_: HomeAssistant) -> AsyncResolver:
    resolver = AsyncResolver()
    resolver.real_close = resolver.close  # type: ignore[attr-defined]  # HA closes it so
    return resolver


async def add_entry(
    hass: HomeAssistant,
    domain: str,
    data: dict[str, Any],
    *,
    options: dict[str, Any] | None = None,
    subentries: list[dict[str, Any]] | None = None,
) -> ConfigEntry:
    """Add a config entry and set it up as Home Assistant does; raise if it did not load."""
    entry = MockConfigEntry(
        domain=domain,
        data=data,
        options=options or {},
        subentries_data=subentries or (),
    )
    entry.add_to_hass(hass)
    ok = await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    if not ok:
        raise RuntimeError(f"{domain} entry did not set up: {entry.state} {entry.reason}")
    result: ConfigEntry = entry
    return result


def stop_timers(coordinator: DataUpdateCoordinator[Any]) -> None:
    """No scheduled refreshes: the harness calls ``async_refresh`` itself."""
    coordinator.update_interval = None
    coordinator._unschedule_refresh()
