"""Lidarr: queue badge (fast), status/health/disks/wanted, library, calendar (slow).

The release calendar's coordinator lives in :mod:`.lidarr_calendar`.

Lidarr has no count endpoint for artists: the library totals come from the whole artist list
(about 1 KB per artist). The library coordinator therefore polls three small change signals
(:class:`LibrarySignals`) and downloads the list only when one of them moved, or after
:data:`LIBRARY_REFRESH` without a download.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from stepheybot_music_clients.lidarr import (
    LibraryStats,
    LidarrClient,
    LidarrCommand,
    QueueStatus,
    RootFolder,
)
from stepheybot_music_clients.servarr import HealthItem, HealthType

from ..runtime import BackendRef, BackendRuntime, StepheyBotConfigEntry
from ..sessions import runtime_client
from ..settings import StackSettings
from .base import StackCoordinator
from .lidarr_calendar import LidarrCalendarCoordinator

LIBRARY_REFRESH = timedelta(hours=6)
"""The artist list is downloaded at least this often, even when no change signal moved."""
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
    """``queue/status``: one small request, whatever the queue's size."""

    async def _async_fetch(self) -> QueueStatus:
        return await self.client.queue_status()


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


@dataclass(frozen=True, slots=True)
class LibrarySignals:
    """What moves when the library changes: three requests of one record each.

    * the history (newest record id, record count): grabs, imports, upgrades and deletions of
      track files (files, sizes), and an artist deleted with its history;
    * released albums without files, monitored and not (two ``wanted/missing`` totals): every
      artist with at least one released album changes one of them when it is added (it has no
      files yet) or deleted while something of it is missing; monitoring an album, or in
      Lidarr an artist with missing albums, moves albums from one total to the other.

    Not seen, so only in the artist list after :data:`LIBRARY_REFRESH`: an artist added with
    no released album, an artist deleted with every album on disk and no history, monitoring
    an artist none of whose albums is missing, and albums a metadata refresh adds before
    their release date (album and track totals).
    """

    history_newest: int | None
    history_records: int
    missing_monitored: int
    missing_unmonitored: int


class LidarrLibraryCoordinator(LidarrCoordinator[LibraryStats]):
    """Artist and album totals from the artist list, downloaded only when the library moved.

    In steady state a poll costs three one-record requests (:class:`LibrarySignals`),
    whatever the library's size; the list (parsed in a worker thread by the client) is
    downloaded on the first poll, when a signal moved and after :data:`LIBRARY_REFRESH`.
    """

    _signals: LibrarySignals | None = None
    """The signals when the artist list was last downloaded."""
    _listed_at: datetime | None = None

    async def _async_signals(self) -> LibrarySignals:
        history = await self.client.history(page_size=1)
        return LibrarySignals(
            history_newest=history.records[0].id if history.records else None,
            history_records=history.total_records,
            missing_monitored=await self.client.missing_count(),
            missing_unmonitored=await self.client.missing_count(monitored=False),
        )

    async def _async_fetch(self) -> LibraryStats:
        signals = await self._async_signals()
        now = dt_util.utcnow()
        if (
            self.data is not None
            and signals == self._signals
            and self._listed_at is not None
            and now - self._listed_at < LIBRARY_REFRESH
        ):
            return self.data
        stats = await self.client.library_stats()
        self._signals, self._listed_at = signals, now
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
