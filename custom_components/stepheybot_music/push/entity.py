"""The *Push* sensor of a backend that pushes: where its push stands, and why."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..devices import backend_device_info
from ..runtime import BackendRuntime, StepheyBotConfigEntry
from .state import PushMode

if TYPE_CHECKING:
    from . import Pusher


class PushSensors:
    """The push sensor of each backend that pushes (on the sensor platform)."""

    @callback
    def async_add(
        self, entry: StepheyBotConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
    ) -> None:
        """Add every backend's; keep ``async_add_entities`` for a backend reloaded alone."""
        entry.runtime_data.entity_adders.append((self, async_add_entities))
        for backend in entry.runtime_data.backends.values():
            self.async_add_backend(entry, backend, async_add_entities)

    @callback
    def async_add_backend(
        self,
        entry: StepheyBotConfigEntry,
        backend: BackendRuntime,
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        """Add the push sensor of ``backend``, if it pushes."""
        subentry_id = backend.ref.subentry_id
        if (pusher := entry.runtime_data.push.get(subentry_id)) is not None:
            async_add_entities([PushSensor(pusher)], config_subentry_id=subentry_id)


class PushSensor(SensorEntity):
    """``healthy``, ``broken``, ``unreachable`` or ``starting``; updated as push changes."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_translation_key = "push"
    _attr_device_class = SensorDeviceClass.ENUM
    _attr_options: list[str] | None = [str(mode) for mode in PushMode]  # noqa: RUF012
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, pusher: Pusher) -> None:
        """The push of one backend, on that backend's device."""
        self._state = pusher.state
        ref = pusher.state.ref
        self._attr_unique_id = f"{ref.subentry_id}_push"
        self._attr_device_info = backend_device_info(ref)

    async def async_added_to_hass(self) -> None:
        """Follow the push's changes."""
        self.async_on_remove(self._state.async_add_listener(self.async_write_ha_state))

    @property
    def native_value(self) -> str:
        """The push's mode."""
        return str(self._state.mode)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """How it pushes, what failed, what arrived (never a URL or a secret)."""
        state = self._state
        return {
            "channel": state.channel,
            "problem": state.problem,
            "events": state.events,
            "last_event": state.last_event.isoformat() if state.last_event else None,
        }
