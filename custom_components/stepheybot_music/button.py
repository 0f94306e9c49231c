"""Buttons: a Navidrome scan, Lidarr's searches and RSS sync, the forwarded-port sync."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from stepheybot_music_clients.lidarr import LidarrCommand

from .backend_entities import BackendEntities
from .coordinators.base import StackCoordinator
from .coordinators.download_client import DownloadClientRuntime
from .coordinators.lidarr import LidarrRuntime, LidarrStatusCoordinator
from .coordinators.navidrome import NavidromeRuntime, NavidromeStatusCoordinator
from .entity import BackendEntity, async_backend_action
from .port_sync import ListenPortCoordinator
from .runtime import StepheyBotConfigEntry
from .upgrades import async_press_search_upgrades

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class BackendButtonDescription[CoordinatorT: StackCoordinator[Any]](ButtonEntityDescription):
    """A button that runs one action of a backend's coordinator."""

    press_fn: Callable[[CoordinatorT], Awaitable[None]]


START_SCAN = BackendButtonDescription[NavidromeStatusCoordinator](
    key="start_scan",
    translation_key="start_scan",
    press_fn=lambda coordinator: coordinator.async_start_scan(),
)

LIDARR_BUTTONS: tuple[BackendButtonDescription[LidarrStatusCoordinator], ...] = (
    BackendButtonDescription[LidarrStatusCoordinator](
        key="search_missing",
        translation_key="search_missing",
        press_fn=lambda coordinator: coordinator.async_command(LidarrCommand.MISSING_ALBUM_SEARCH),
    ),
    BackendButtonDescription[LidarrStatusCoordinator](
        key="search_upgrades",
        translation_key="search_upgrades",
        press_fn=async_press_search_upgrades,
    ),
    BackendButtonDescription[LidarrStatusCoordinator](
        key="rss_sync",
        translation_key="rss_sync",
        press_fn=lambda coordinator: coordinator.async_command(LidarrCommand.RSS_SYNC),
    ),
)


async def _synced(coordinator: ListenPortCoordinator) -> None:
    await coordinator.async_sync()


SYNC_FORWARDED_PORT = BackendButtonDescription[ListenPortCoordinator](
    key="sync_forwarded_port",
    translation_key="sync_forwarded_port",
    press_fn=_synced,
)


class BackendButton[CoordinatorT: StackCoordinator[Any]](BackendEntity[Any], ButtonEntity):
    """A button of one backend; available while the backend answers."""

    entity_description: BackendButtonDescription[CoordinatorT]

    def __init__(
        self, coordinator: CoordinatorT, description: BackendButtonDescription[CoordinatorT]
    ) -> None:
        """Press ``description`` on ``coordinator``."""
        super().__init__(coordinator, description)
        self._target = coordinator

    async def async_press(self) -> None:
        """Run the action; a refused one raises a translated error."""
        await async_backend_action(
            self.coordinator.backend, self.entity_description.press_fn(self._target)
        )


BUTTONS = BackendEntities[ButtonEntity]()
"""The buttons of the backends that have any, by runtime class."""


@BUTTONS.register(NavidromeRuntime)
def _navidrome_buttons(
    entry: StepheyBotConfigEntry,
    backend: NavidromeRuntime,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> list[ButtonEntity]:
    return [BackendButton(backend.status, START_SCAN)]


@BUTTONS.register(LidarrRuntime)
def _lidarr_buttons(
    entry: StepheyBotConfigEntry,
    backend: LidarrRuntime,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> list[ButtonEntity]:
    return [BackendButton(backend.status, description) for description in LIDARR_BUTTONS]


@BUTTONS.register(DownloadClientRuntime)
def _download_client_buttons(
    entry: StepheyBotConfigEntry,
    backend: DownloadClientRuntime,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> list[ButtonEntity]:
    if backend.listen_port is None:
        return []
    return [BackendButton(backend.listen_port, SYNC_FORWARDED_PORT)]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: StepheyBotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the buttons of Navidrome and Lidarr backends."""
    BUTTONS.async_add(entry, async_add_entities)
