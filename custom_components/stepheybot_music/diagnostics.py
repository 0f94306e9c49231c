"""Diagnostics: every backend's configuration (secrets redacted), poll and push state, data."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .coordinators.base import StackCoordinator
from .devices import CONTAINER_MARK
from .diagnosis import diagnostics as stack_diagnostics
from .runtime import BackendRuntime, StepheyBotConfigEntry

TO_REDACT = {
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_USERNAME,
    "public_ip",
    "external_address",
}
"""Credentials, and the addresses that locate the user (VPN exit, home connection)."""


def _plain(value: Any) -> Any:
    """A JSON-ready copy of coordinator data (dataclasses, enums, times, tuples)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {item.name: _plain(getattr(value, item.name)) for item in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(_plain(key)): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    return value


def _coordinator(coordinator: StackCoordinator[Any]) -> dict[str, Any]:
    error = coordinator.last_exception
    interval = coordinator.update_interval
    return {
        "update_interval": interval.total_seconds() if interval is not None else None,
        "last_update_success": coordinator.last_update_success,
        "last_exception": f"{type(error).__name__}: {error}" if error is not None else None,
        "data": _plain(coordinator.data),
    }


def _backend(entry: StepheyBotConfigEntry, backend: BackendRuntime) -> dict[str, Any]:
    subentry = entry.subentries[backend.ref.subentry_id]
    pusher = entry.runtime_data.push.get(backend.ref.subentry_id)
    return async_redact_data(
        {
            "kind": str(backend.ref.kind),
            "title": subentry.title,
            "config": dict(subentry.data),
            "coordinators": {
                coordinator.role: _coordinator(coordinator) for coordinator in backend.coordinators
            },
            "push": pusher.state.as_dict() if pusher is not None else None,
        },
        TO_REDACT,
    )


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: StepheyBotConfigEntry
) -> dict[str, Any]:
    """The whole stack."""
    return {
        "title": entry.title,
        "options": dict(entry.options),
        "backends": {
            subentry_id: _backend(entry, backend)
            for subentry_id, backend in entry.runtime_data.backends.items()
        },
        "requests": [request.as_dict() for request in entry.runtime_data.requests.store.all()],
        "diagnosis": stack_diagnostics(entry.runtime_data),
    }


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: StepheyBotConfigEntry, device: dr.DeviceEntry
) -> dict[str, Any]:
    """One backend (for a container: its Docker backend), or the stack for its own device."""
    for _, identifier in device.identifiers:
        subentry_id = identifier.split(CONTAINER_MARK, 1)[0]
        if (backend := entry.runtime_data.backends.get(subentry_id)) is not None:
            return _backend(entry, backend)
    return await async_get_config_entry_diagnostics(hass, entry)
