"""Reload one backend, not the stack: new credentials of Navidrome leave Lidarr's entities alone.

A reauthentication or a reconfiguration changes one config subentry. Reloading the whole
config entry would make every entity of every backend unavailable and new again; here only
that backend's coordinators, client and entities are rebuilt:

1. its entities leave their platforms (their registry entries, ids and devices stay);
2. its coordinators shut down and its client logs out;
3. its runtime is built anew from the subentry (the same builder as at set-up, with its
   listen-port coordinator and its push), its fast coordinators refresh, the slow ones in
   the background;
4. what follows it from elsewhere (the stack's sensors, gluetun's leak sensor, the listen
   ports compared with gluetun's, the card) is told which new coordinator replaces which
   old one (:func:`~.runtime.signal_replaced`);
5. its entities are made again by each platform's :class:`~.backend_entities.BackendEntities`.

Its health (:mod:`.coordinators.health`) lives on, so a failure logged before is answered
by one recovery line. Anything else that changed (options, the stack's name, a backend
added or removed) still reloads the stack.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_platform
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .const import DOMAIN
from .coordinators import BUILDERS
from .coordinators.base import StackCoordinator
from .coordinators.download_client import DownloadClientRuntime
from .coordinators.gluetun import GluetunCoordinator, GluetunRuntime
from .coordinators.health import backend_health
from .devices import async_register_devices
from .port_sync import attach_listen_ports
from .push import make_pusher
from .runtime import (
    BackendRef,
    BackendRuntime,
    StackRuntimeData,
    StepheyBotConfigEntry,
    signal_replaced,
)

_LOGGER = logging.getLogger(__name__)

type Replaced = dict[StackCoordinator[Any], StackCoordinator[Any]]
"""Old coordinator -> the new one of the same backend and role."""


def snapshot(entry: StepheyBotConfigEntry) -> dict[str, Any]:
    """What the running stack was built from: its title, options and backends."""
    return {
        "title": entry.title,
        "options": dict(entry.options),
        "backends": {
            subentry_id: (subentry.subentry_type, subentry.title, dict(subentry.data))
            for subentry_id, subentry in entry.subentries.items()
        },
    }


def changed_backends(entry: StepheyBotConfigEntry) -> list[str] | None:
    """The backends whose subentry alone changed since set-up; None when the stack must reload."""
    if entry.state is not ConfigEntryState.LOADED:
        return None
    runtime = entry.runtime_data
    before, now = runtime.built_from, snapshot(entry)
    if before["title"] != now["title"] or before["options"] != now["options"]:
        return None
    if set(before["backends"]) != set(now["backends"]):
        return None
    return [
        subentry_id
        for subentry_id, built in before["backends"].items()
        if built != now["backends"][subentry_id]
    ]


async def async_apply_changes(hass: HomeAssistant, entry: StepheyBotConfigEntry) -> None:
    """The update listener's work: reload the changed backends, or the stack if need be."""
    changed = changed_backends(entry)
    if changed is None:
        hass.config_entries.async_schedule_reload(entry.entry_id)
        return
    for subentry_id in changed:
        await async_reload_backend(hass, entry, subentry_id)


def async_schedule_backend_reload(
    hass: HomeAssistant, entry: StepheyBotConfigEntry, subentry_id: str
) -> None:
    """Reload one backend soon (its credentials work again, unchanged)."""
    if entry.state is not ConfigEntryState.LOADED:
        hass.config_entries.async_schedule_reload(entry.entry_id)
        return
    entry.async_create_task(
        hass, async_reload_backend(hass, entry, subentry_id), f"{DOMAIN} reload {subentry_id}"
    )


async def async_reload_backend(
    hass: HomeAssistant, entry: StepheyBotConfigEntry, subentry_id: str
) -> None:
    """Rebuild one backend's client, coordinators and entities; the others do not notice."""
    if entry.state is not ConfigEntryState.LOADED:
        hass.config_entries.async_schedule_reload(entry.entry_id)
        return
    runtime = entry.runtime_data
    async with runtime.reload_lock:
        old = runtime.backends.get(subentry_id)
        subentry = entry.subentries.get(subentry_id)
        if old is None or subentry is None:
            hass.config_entries.async_schedule_reload(entry.entry_id)
            return
        if (pusher := runtime.push.pop(subentry_id, None)) is not None:
            await pusher.async_stop()
        await _async_remove_entities(hass, entry, subentry_id)
        for coordinator in old.coordinators:
            await coordinator.async_shutdown()
        await old.async_close()

        ref = BackendRef.of(entry, subentry)
        new = BUILDERS[ref.kind](hass, entry, ref, runtime.settings)
        _attach_listen_port(hass, entry, runtime, new)
        backend_health(hass, subentry_id).keep(c.role for c in new.coordinators)
        runtime.backends[subentry_id] = new
        for coordinator in new.coordinators:  # they poll whichever entity listens, as at set-up
            entry.async_on_unload(coordinator.async_add_listener(_keep_polling))
        runtime.built_from["backends"][subentry_id] = snapshot(entry)["backends"][subentry_id]
        async_register_devices(hass, entry, runtime)
        await asyncio.gather(*(coordinator.async_refresh() for coordinator in new.fast))
        for coordinator in new.slow:
            entry.async_create_background_task(
                hass, coordinator.async_refresh(), f"{DOMAIN} {coordinator.name} first refresh"
            )

        by_role = {coordinator.role: coordinator for coordinator in new.coordinators}
        replaced: Replaced = {
            coordinator: by_role[coordinator.role]
            for coordinator in old.coordinators
            if coordinator.role in by_role
        }
        _follow_new_vpn(entry, runtime, replaced)
        if runtime.settings.push and (pusher := make_pusher(hass, entry, new)) is not None:
            runtime.push[subentry_id] = pusher
            entry.async_create_background_task(hass, pusher.async_start(), f"{DOMAIN} push start")
        async_dispatcher_send(hass, signal_replaced(entry.entry_id), replaced)
        for entities, async_add_entities in runtime.entity_adders:
            entities.async_add_backend(entry, new, async_add_entities)
        _LOGGER.debug("%s reloaded alone", ref.title)


@callback
def _keep_polling() -> None:
    """A listener that only keeps its coordinator polling."""


def _attach_listen_port(
    hass: HomeAssistant,
    entry: StepheyBotConfigEntry,
    runtime: StackRuntimeData,
    backend: BackendRuntime,
) -> None:
    """Give a reloaded download client its listen-port coordinator, as at set-up."""
    view = StackRuntimeData(settings=runtime.settings)
    view.backends = {
        subentry_id: other
        for subentry_id, other in runtime.backends.items()
        if isinstance(other, GluetunRuntime)
    }
    view.backends[backend.ref.subentry_id] = backend
    attach_listen_ports(hass, entry, view)


def _follow_new_vpn(
    entry: StepheyBotConfigEntry, runtime: StackRuntimeData, replaced: Replaced
) -> None:
    """A reloaded gluetun: the download clients' listen ports compare with its new data."""
    for client in runtime.of_type(DownloadClientRuntime):
        port = client.listen_port
        if port is not None and port.vpn in replaced:
            vpn = replaced[port.vpn]
            if isinstance(vpn, GluetunCoordinator):
                port.vpn = vpn
                entry.async_on_unload(vpn.async_add_listener(port.async_vpn_updated))


async def _async_remove_entities(
    hass: HomeAssistant, entry: StepheyBotConfigEntry, subentry_id: str
) -> None:
    """Take the backend's entities off their platforms (the registry keeps them)."""
    registry = er.async_get(hass)
    mine = {
        registered.entity_id
        for registered in er.async_entries_for_config_entry(registry, entry.entry_id)
        if registered.config_subentry_id == subentry_id
    }
    for platform in entity_platform.async_get_platforms(hass, DOMAIN):
        if platform.config_entry is None or platform.config_entry.entry_id != entry.entry_id:
            continue
        for entity_id in mine & set(platform.entities):
            await platform.async_remove_entity(entity_id)
