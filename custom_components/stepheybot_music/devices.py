"""Devices: the stack, one per backend (linked to its subentry), one per watched container."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo

from .backends import BACKEND_TYPES
from .const import DOMAIN, UNIX_SCHEME
from .coordinators.docker import DockerRuntime
from .runtime import BackendRef, StackRuntimeData, StepheyBotConfigEntry

STACK_MODEL = "Music stack"
MANUFACTURER = "StepheyBot"
CONTAINER_MARK = "_container_"


def stack_device_info(entry: StepheyBotConfigEntry) -> DeviceInfo:
    """The device of the stack itself (its totals; parent of every backend's device)."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        name=entry.title,
        manufacturer=MANUFACTURER,
        model=STACK_MODEL,
        entry_type=DeviceEntryType.SERVICE,
    )


def backend_device_info(ref: BackendRef) -> DeviceInfo:
    """The device of one backend (its parent is set when it is registered)."""
    backend = BACKEND_TYPES[ref.kind]
    info = DeviceInfo(
        identifiers={(DOMAIN, ref.subentry_id)},
        name=ref.title,
        manufacturer=backend.manufacturer,
        model=backend.application,
        entry_type=DeviceEntryType.SERVICE,
    )
    if not ref.url.startswith(f"{UNIX_SCHEME}:"):
        info["configuration_url"] = ref.url
    return info


def container_identifier(ref: BackendRef, container: str) -> str:
    """A container's device identifier: by name, so recreating it keeps the device."""
    return f"{ref.subentry_id}{CONTAINER_MARK}{container}"


def container_device_info(hass: HomeAssistant, ref: BackendRef, container: str) -> DeviceInfo:
    """The device of one watched container, below its Docker backend's device.

    Named "<container> container" (translated), so the gluetun container's device is never
    mistaken for the gluetun backend's, which is called "gluetun" too.
    """
    return DeviceInfo(
        identifiers={(DOMAIN, container_identifier(ref, container))},
        translation_key="container",
        translation_placeholders={"name": container},
        manufacturer="Docker",
        model="Container",
        via_device_id=dr.async_get_device_id_by_identifier(
            hass, (DOMAIN, ref.subentry_id), config_entry_id=ref.entry_id
        ),
    )


@callback
def async_register_devices(
    hass: HomeAssistant, entry: StepheyBotConfigEntry, runtime: StackRuntimeData
) -> None:
    """Register the stack's device and every backend's, before any entity needs them."""
    registry = dr.async_get(hass)
    stack = registry.async_get_or_create(config_entry_id=entry.entry_id, **stack_device_info(entry))
    for backend in runtime.backends.values():
        info = backend_device_info(backend.ref)
        info["via_device_id"] = stack.id
        registry.async_get_or_create(
            config_entry_id=entry.entry_id, config_subentry_id=backend.ref.subentry_id, **info
        )


def _container_of(
    entry: StepheyBotConfigEntry, device: dr.DeviceEntry
) -> tuple[DockerRuntime, str] | None:
    """``(Docker backend, container name)`` when ``device`` is a container of this stack."""
    for _, identifier in device.identifiers:
        subentry_id, mark, name = identifier.partition(CONTAINER_MARK)
        backend = entry.runtime_data.backends.get(subentry_id)
        if mark and isinstance(backend, DockerRuntime):
            return backend, name
    return None


def removable_device(entry: StepheyBotConfigEntry, device: dr.DeviceEntry) -> bool:
    """Whether the user may delete ``device``: a container Docker answers without.

    The stack's and the backends' devices go with the stack and its backends; while
    Docker does not answer (or the stack is not loaded), nobody can tell whether a
    container is gone.
    """
    if entry.state is not ConfigEntryState.LOADED:
        return False
    found = _container_of(entry, device)
    if found is None:
        return False
    backend, name = found
    reported = backend.reported()
    return reported is not None and name not in reported


@callback
def async_remove_unwatched_containers(hass: HomeAssistant, entry: StepheyBotConfigEntry) -> None:
    """Delete the devices of containers the options no longer watch (stale devices)."""
    settings = entry.runtime_data.settings
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        found = _container_of(entry, device)
        if found is not None and not settings.watches(found[1]):
            registry.async_remove_device(device.id)
