"""Lidarr: queue badge (fast), status/health/disks/wanted, library, calendar (slow).

The release calendar's coordinator lives in :mod:`.lidarr_calendar`.

Lidarr has no count endpoint for artists: the library totals come from the whole artist list
(about 1 KB per artist). The library coordinator therefore polls three small change signals
(:class:`LibrarySignals`) and downloads the list only when one of them moved, or after
:data:`LIBRARY_MAX_AGE` without a download; the exporter follows the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from stepheybot_music_clients.lidarr import (
    LibrarySignals,
    LibraryStats,
    LibraryWatch,
    LidarrClient,
    LidarrCommand,
    QueueStatus,
    RootFolder,
    StuckImports,
    read_stuck_imports,
)
from stepheybot_music_clients.servarr import HealthItem, HealthType

from ..runtime import BackendRef, BackendRuntime, StepheyBotConfigEntry
from ..sessions import runtime_client
from ..settings import StackSettings
from .base import StackCoordinator
from .lidarr_calendar import LidarrCalendarCoordinator

PROBLEM_HEALTH = frozenset({HealthType.WARNING, HealthType.ERROR})


@dataclass(frozen=True, slots=True, kw_only=True)
class LidarrStatus:
    """Lidarr's version, health checks, root folders and missing albums."""

    version: str
    health: tuple[HealthItem, ...]
    root_folders: tuple[RootFolder, ...]
    missing: int
    """Monitored, released albums without files."""
    cutoff_unmet: int
    """Monitored albums on disk below their quality profile's cutoff."""

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
    """``queue/status``: one small request; the queue itself only while it holds items.

    The queue's pages (one request for any ordinary queue) give :attr:`stuck_imports`, counted
    by the client library as the exporter counts them. ``queue/status`` cannot stand in: its
    ``warnings`` flag misses an ``importFailed`` without messages (Lidarr v2.14.5.4824
    ``CompletedDownloadService.cs``, ``QueueStatusController.cs``).
    """

    stuck_imports: StuckImports | None = None
    """The imports Lidarr waits on the person for, as of the last successful poll."""

    async def _async_fetch(self) -> QueueStatus:
        status = await self.client.queue_status()
        self.stuck_imports = (
            await read_stuck_imports(self.client) if status.total_count else StuckImports()
        )
        return status


class LidarrStatusCoordinator(LidarrCoordinator[LidarrStatus]):
    """System status, health, root folders, missing and cutoff-unmet counts: five requests."""

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
            cutoff_unmet=await self.client.cutoff_unmet_count(),
        )

    async def async_command(self, command: LidarrCommand) -> None:
        """Start a Lidarr command (search missing, RSS sync)."""
        await self.client.command(command)


class LidarrLibraryCoordinator(LidarrCoordinator[LibraryStats]):
    """Artist and album totals from the artist list, downloaded only when the library moved.

    In steady state a poll costs three one-record requests (:class:`LibrarySignals`),
    whatever the library's size; the list (parsed in a worker thread by the client) is
    downloaded on the first poll, when a signal moved and after :data:`LIBRARY_MAX_AGE`:
    the exporter's rule too (:class:`LibraryWatch`), so both show the same totals.
    """

    _watch: LibraryWatch | None = None

    async def _async_fetch(self) -> LibraryStats:
        if self._watch is None:
            self._watch = LibraryWatch()
        signals = await LibrarySignals.read(self.client)
        now = dt_util.utcnow().timestamp()
        if self.data is not None and not self._watch.due(signals, now):
            return self.data
        stats = await self.client.library_stats()
        self._watch.listed(signals, now)
        return stats


@dataclass(kw_only=True)
class LidarrRuntime(BackendRuntime):
    """A Lidarr backend."""

    queue: LidarrQueueCoordinator
    status: LidarrStatusCoordinator
    library: LidarrLibraryCoordinator
    calendar: LidarrCalendarCoordinator


def build(
    hass: HomeAssistant,
    entry: StepheyBotConfigEntry,
    backend: BackendRef,
    settings: StackSettings,
) -> LidarrRuntime:
    """The runtime of a Lidarr backend (no I/O)."""
    client = runtime_client(hass, entry, backend.subentry_id, LidarrClient)
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
        slow=1,
    )
    calendar = LidarrCalendarCoordinator(hass, entry, backend, client, settings=settings)
    return LidarrRuntime(
        ref=backend,
        fast=(queue,),
        slow=(status, library, calendar),
        queue=queue,
        status=status,
        library=library,
        calendar=calendar,
    )
