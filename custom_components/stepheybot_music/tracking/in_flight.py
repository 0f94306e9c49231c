"""The stack's "Requests in flight" sensor: how many, and a short list of them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.sensor import SensorEntity, SensorEntityDescription, SensorStateClass
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from ..devices import stack_device_info
from ..diagnosis import waiting_for
from ..runtime import StepheyBotConfigEntry
from .coordinator import RequestCoordinator

LISTED = 10
"""At most this many requests in the sensor's attributes (newest first)."""

REQUESTS_IN_FLIGHT = SensorEntityDescription(
    key="requests_in_flight",
    translation_key="requests_in_flight",
    state_class=SensorStateClass.MEASUREMENT,
)


class RequestsInFlightSensor(CoordinatorEntity[RequestCoordinator], SensorEntity):
    """Requests not yet in the library nor failed (title, stage and progress listed)."""

    _attr_has_entity_name = True
    entity_description = REQUESTS_IN_FLIGHT

    def __init__(self, entry: StepheyBotConfigEntry) -> None:
        """The sensor of the stack's request coordinator."""
        super().__init__(entry.runtime_data.requests)
        self._attr_unique_id = f"{entry.entry_id}_{REQUESTS_IN_FLIGHT.key}"
        self._attr_device_info = stack_device_info(entry)

    async def async_added_to_hass(self) -> None:
        """Follow the diagnosis too: a request's ``waiting_for`` changes with the stack."""
        await super().async_added_to_hass()
        watch = self.coordinator.config_entry.runtime_data.diagnosis
        self.async_on_remove(watch.async_add_listener(self.async_write_ha_state))

    @property
    def available(self) -> bool:
        """Always: the requests are known even while their backends are down."""
        return True

    @property
    def native_value(self) -> int:
        """How many requests are in flight."""
        return len(self.coordinator.data or ())

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """The newest requests in flight: title, stage, progress, download state, waiting for.

        ``waiting_for`` is what holds a request back (``diagnosis``), None while it moves.
        """
        runtime = self.coordinator.config_entry.runtime_data
        observation = runtime.diagnosis.observation
        listed = []
        for r in (self.coordinator.data or ())[:LISTED]:
            waiting = waiting_for(runtime, r, observation=observation)
            listed.append(
                {
                    "title": r.title,
                    "stage": r.stage.value,
                    "progress": r.progress,
                    "download_state": r.download_state.value if r.download_state else None,
                    "waiting_for": waiting.as_dict() if waiting else None,
                }
            )
        return {"requests": listed}
