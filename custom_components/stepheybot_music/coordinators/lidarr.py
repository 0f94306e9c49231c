"""Lidarr: the queue badge (fast), status/health/disks/missing (slow), library (slowest).

Lidarr has no count endpoint for artists: the library totals come from the whole artist
list, so that coordinator polls six times less often than the other slow ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.core import HomeAssistant

from ..backends import lidarr_client
from ..clients.lidarr import LibraryStats, LidarrClient, LidarrCommand, QueueStatus, RootFolder
from ..clients.servarr import HealthItem, HealthType
from ..runtime import BackendRef, BackendRuntime, StepheyBotConfigEntry
from ..sessions import runtime_client
from ..settings import StackSettings
from .base import StackCoordinator

LIBRARY_INTERVAL_FACTOR = 6
"""The artist list is polled this many times less often than the other slow data."""
PROBLEM_HEALTH = frozenset({HealthType.WARNING, HealthType.ERROR})


@dataclass(frozen=True, slots=True, kw_only=True)
class LidarrStatus:
    """Lidarr's version, health checks, root folders and missing albums."""

    version: str
    health: tuple[HealthItem, ...]
    root_folders: tuple[RootFolder, ...]
    missing: int
    """Monitored, released albums without files."""

    @property
    def problems(self) -> tuple[HealthItem, ...]:
        """The health checks that are warnings or errors."""
        return tuple(item for item in self.health if item.type in PROBLEM_HEALTH)


class LidarrCoordinator[DataT](StackCoordinator[DataT]):
    """A Lidarr coordinator with its client."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: StepheyBotConfigEntry,
        backend: BackendRef,
        client: LidarrClient,
        *,
        role: str,
        settings: StackSettings,
        slow: int = 0,
    ) -> None:
        """Poll at the fast interval, or ``slow`` times the slow interval."""
        interval = settings.slow_interval * slow if slow else settings.fast_interval
        super().__init__(hass, entry, backend, role=role, interval=interval)
        self.client = client


class LidarrQueueCoordinator(LidarrCoordinator[QueueStatus]):
    """``queue/status``: one small request, whatever the queue's size."""

    async def _async_fetch(self) -> QueueStatus:
        return await self.client.queue_status()


class LidarrStatusCoordinator(LidarrCoordinator[LidarrStatus]):
    """System status, health, root folders and the missing count: four small requests."""

    def version_of(self, data: LidarrStatus) -> str | None:
        """Lidarr's version."""
        return data.version

    async def _async_fetch(self) -> LidarrStatus:
        status = await self.client.system_status()
        return LidarrStatus(
            version=status.version,
            health=tuple(await self.client.health()),
            root_folders=tuple(await self.client.root_folders()),
            missing=await self.client.missing_count(),
        )

    async def async_command(self, command: LidarrCommand) -> None:
        """Start a Lidarr command (search missing, RSS sync)."""
        await self.client.command(command)


class LidarrLibraryCoordinator(LidarrCoordinator[LibraryStats]):
    """Artist and album totals from the artist list (expensive on big libraries)."""

    async def _async_fetch(self) -> LibraryStats:
        return await self.client.library_stats()


@dataclass(kw_only=True)
class LidarrRuntime(BackendRuntime):
    """A Lidarr backend."""

    queue: LidarrQueueCoordinator
    status: LidarrStatusCoordinator
    library: LidarrLibraryCoordinator


def build(
    hass: HomeAssistant,
    entry: StepheyBotConfigEntry,
    backend: BackendRef,
    settings: StackSettings,
) -> LidarrRuntime:
    """The runtime of a Lidarr backend (no I/O)."""
    client = runtime_client(hass, entry, backend.subentry_id, lidarr_client)
    queue = LidarrQueueCoordinator(hass, entry, backend, client, role="queue", settings=settings)
    status = LidarrStatusCoordinator(
        hass, entry, backend, client, role="status", settings=settings, slow=1
    )
    library = LidarrLibraryCoordinator(
        hass,
        entry,
        backend,
        client,
        role="library",
        settings=settings,
        slow=LIBRARY_INTERVAL_FACTOR,
    )
    return LidarrRuntime(
        ref=backend,
        fast=(queue,),
        slow=(status, library),
        queue=queue,
        status=status,
        library=library,
    )
