"""Switches of a download client: alternative speed limits, and all music downloads."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .backend_entities import BackendEntities
from .coordinators.download_client import (
    DownloadClientCoordinator,
    DownloadClientData,
    DownloadClientRuntime,
)
from .entity import BackendEntity, async_backend_action
from .runtime import StepheyBotConfigEntry

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class DownloadClientSwitchDescription(SwitchEntityDescription):
    """A switch of a download client."""

    is_on_fn: Callable[[DownloadClientData], bool]
    turn_fn: Callable[[DownloadClientCoordinator[Any, Any], bool], Awaitable[None]]


SWITCHES: tuple[DownloadClientSwitchDescription, ...] = (
    DownloadClientSwitchDescription(
        key="alternative_speed_limits",
        translation_key="alternative_speed_limits",
        is_on_fn=lambda data: data.alt_speed_limits,
        turn_fn=lambda coordinator, on: coordinator.async_set_alt_speed(on),
    ),
    DownloadClientSwitchDescription(
        key="music_downloads",
        translation_key="music_downloads",
        is_on_fn=lambda data: data.music_running > 0 or not data.music_ids,
        turn_fn=lambda coordinator, on: coordinator.async_set_music_running(on),
    ),
)


class DownloadClientSwitch(BackendEntity[DownloadClientData], SwitchEntity):
    """A switch of a download client."""

    entity_description: DownloadClientSwitchDescription

    def __init__(
        self,
        coordinator: DownloadClientCoordinator[Any, Any],
        description: DownloadClientSwitchDescription,
    ) -> None:
        """Switch ``description`` on ``coordinator``'s client."""
        super().__init__(coordinator, description)
        self._client = coordinator

    @property
    def is_on(self) -> bool:
        """The state read from the last poll."""
        return self.entity_description.is_on_fn(self.coordinator.data)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn on (speed limits on; music downloads resumed)."""
        await async_backend_action(
            self.coordinator.backend, self.entity_description.turn_fn(self._client, True)
        )

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn off (speed limits off; music downloads paused)."""
        await async_backend_action(
            self.coordinator.backend, self.entity_description.turn_fn(self._client, False)
        )


SWITCH_ENTITIES = BackendEntities[SwitchEntity]()
"""Every backend's switches, by runtime class."""


@SWITCH_ENTITIES.register(DownloadClientRuntime)
def _download_client_switches(
    entry: StepheyBotConfigEntry,
    backend: DownloadClientRuntime,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> list[SwitchEntity]:
    return [DownloadClientSwitch(backend.coordinator, description) for description in SWITCHES]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: StepheyBotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the switches of every download client."""
    SWITCH_ENTITIES.async_add(entry, async_add_entities)
