"""Event entity: the stack's "Request" fires at every stage change of a download request."""

from __future__ import annotations

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .devices import stack_device_info
from .runtime import StepheyBotConfigEntry
from .tracking.coordinator import RequestCoordinator
from .tracking.models import Stage, TrackedRequest

PARALLEL_UPDATES = 0

REQUEST_EVENT = EventEntityDescription(
    key="request",
    translation_key="request",
    event_types=[stage.value for stage in Stage],
)


class RequestEvent(EventEntity):
    """Triggers with the new stage as event type and the request's event data."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    entity_description = REQUEST_EVENT

    def __init__(self, entry: StepheyBotConfigEntry) -> None:
        """The event entity of the stack's requests."""
        self._requests: RequestCoordinator = entry.runtime_data.requests
        self._attr_unique_id = f"{entry.entry_id}_{REQUEST_EVENT.key}"
        self._attr_device_info = stack_device_info(entry)

    async def async_added_to_hass(self) -> None:
        """Follow the stage changes."""
        await super().async_added_to_hass()
        self.async_on_remove(self._requests.async_add_stage_listener(self._handle_stage))

    @callback
    def _handle_stage(self, request: TrackedRequest, previous: Stage | None) -> None:
        self._trigger_event(request.stage.value, self._requests.event_data(request, previous))
        self.async_write_ha_state()


async def async_setup_entry(
    hass: HomeAssistant,
    entry: StepheyBotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the stack's request event entity."""
    async_add_entities([RequestEvent(entry)])
