"""The StepheyBot Music integration: a self-hosted music stack as devices and entities.

Layers: ``stepheybot_music_clients`` (HA-free, its own package) -> ``coordinators`` (one
module per backend) -> entity platforms. The config entry is the stack; each backend is a
config subentry.
"""

from __future__ import annotations

# isort: off
from . import vendor  # noqa: F401  (first: makes the client library importable)

# isort: on
import asyncio

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.typing import ConfigType

from .backend_reload import async_apply_changes, snapshot
from .const import DOMAIN
from .control_intents import async_setup_control_intents
from .coordinators import BUILDERS
from .coordinators.health import backend_health, forget_removed
from .devices import (
    async_register_devices,
    async_remove_unwatched_containers,
    removable_device,
)
from .diagnosis_answers import async_setup_diagnosis_intents
from .diagnosis_watch import DiagnosisWatch
from .frontend_card import async_register_card
from .intents import async_setup_intents
from .issues import async_clear_orphan_issues
from .llm import async_setup_llm_api
from .play_actions import async_setup_play_actions
from .play_intents import async_setup_play_intents
from .port_sync import attach_listen_ports
from .push import async_remove_push, async_start_push, async_stop_push
from .runtime import BackendRef, StackRuntimeData, StepheyBotConfigEntry
from .services import async_setup_services
from .settings import StackSettings
from .tracking.coordinator import RequestCoordinator
from .tracking.store import RequestStore
from .websocket import async_setup_websocket

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CALENDAR,
    Platform.EVENT,
    Platform.SENSOR,
    Platform.SWITCH,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions (by ``config_entry_id``), intents, LLM API, card commands."""
    async_setup_services(hass)
    async_setup_websocket(hass)
    await async_register_card(hass)
    async_setup_intents(hass)
    async_setup_diagnosis_intents(hass)
    async_setup_control_intents(hass)
    async_setup_llm_api(hass)
    async_setup_play_actions(hass)
    async_setup_play_intents(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: StepheyBotConfigEntry) -> bool:
    """Set up a stack: build every backend, refresh the fast data, add the entities."""
    # first: a backend added (or options changed) while set-up awaits must reload it
    entry.async_on_unload(entry.add_update_listener(_async_reload))
    settings = StackSettings.from_options(entry.options)
    runtime = StackRuntimeData(settings=settings)
    for subentry in entry.subentries.values():
        ref = BackendRef.of(entry, subentry)
        backend = BUILDERS[ref.kind](hass, entry, ref, settings)
        runtime.backends[subentry.subentry_id] = backend
        # a failure logged before a reload is still waiting for its recovery line
        backend_health(hass, subentry.subentry_id).keep(c.role for c in backend.coordinators)
    attach_listen_ports(hass, entry, runtime)
    runtime.built_from = snapshot(entry)
    entry.runtime_data = runtime
    store = RequestStore(hass, entry.entry_id)
    await store.async_load()
    runtime.requests = RequestCoordinator(hass, entry, store)
    runtime.diagnosis = DiagnosisWatch(hass, entry)

    async_register_devices(hass, entry, runtime)

    fast = [coordinator for backend in runtime.backends.values() for coordinator in backend.fast]
    await asyncio.gather(*(coordinator.async_refresh() for coordinator in fast))
    if runtime.backends and all(
        backend.fast
        and not any(
            coordinator.last_update_success
            or isinstance(coordinator.last_exception, ConfigEntryAuthFailed)
            for coordinator in backend.fast
        )
        for backend in runtime.backends.values()
    ):
        # Nothing answers (Home Assistant started before the stack?): let it retry.
        # If only some backends fail, only their entities are unavailable.
        raise ConfigEntryNotReady(translation_domain=DOMAIN, translation_key="stack_unreachable")

    @callback
    def _refresh_slow(_: HomeAssistant) -> None:
        """Refresh the heavy library data in the background, once Home Assistant runs."""
        for backend in runtime.backends.values():
            for coordinator in backend.slow:
                entry.async_create_background_task(
                    hass, coordinator.async_refresh(), f"{DOMAIN} {coordinator.name} first refresh"
                )

    entry.async_on_unload(async_at_started(hass, _refresh_slow))

    async_clear_orphan_issues(hass, _all_subentry_ids(hass))
    forget_removed(hass, _all_subentry_ids(hass))
    async_remove_unwatched_containers(hass, entry)

    await async_start_push(hass, entry)  # before the platforms: each push has a sensor
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # Every coordinator polls while the stack is loaded, whichever entity listens (or none:
    # the Music Brain's library with a Navidrome, disabled entities): voice, the LLM API and
    # the actions read them, and the Music Brain's mock-data repair is raised by its poll.
    for coordinator in (
        runtime.requests,
        *(c for backend in runtime.backends.values() for c in backend.coordinators),
    ):
        entry.async_on_unload(coordinator.async_add_listener(_keep_polling))
    entry.async_on_unload(runtime.diagnosis.async_start())
    entry.async_create_background_task(
        hass, runtime.requests.async_refresh(), f"{DOMAIN} requests first refresh"
    )
    return True


@callback
def _keep_polling() -> None:
    """A listener that only keeps its coordinator polling."""


async def async_unload_entry(hass: HomeAssistant, entry: StepheyBotConfigEntry) -> bool:
    """Unload a stack and end the sessions its clients hold (qBittorrent logout)."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await async_stop_push(hass, entry)
        await entry.runtime_data.requests.async_unload()
        await asyncio.gather(
            *(backend.async_close() for backend in entry.runtime_data.backends.values())
        )
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: StepheyBotConfigEntry) -> None:
    """The stack is deleted: Lidarr's notifications that called it go too."""
    await async_remove_push(hass, entry)


async def _async_reload(hass: HomeAssistant, entry: StepheyBotConfigEntry) -> None:
    """Apply a change: a changed backend reloads alone, anything else reloads the stack."""
    await async_apply_changes(hass, entry)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: StepheyBotConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a container that Docker no longer reports."""
    return removable_device(entry, device)


def _all_subentry_ids(hass: HomeAssistant) -> set[str]:
    return {
        subentry_id
        for stack in hass.config_entries.async_entries(DOMAIN)
        for subentry_id in stack.subentries
    }
