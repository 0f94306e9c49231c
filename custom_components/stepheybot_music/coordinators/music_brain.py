"""The StepheyBot Music Brain: its download requests (fast) and library numbers (slow).

The Music Brain answers invented library numbers (``source: "mock"``) when it cannot
reach Navidrome. They are never shown; a repair issue says why instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from stepheybot_music_clients.music_brain import DownloadStats, LibraryStats, MusicBrainClient

from ..issues import IssueKind, async_clear_issue, async_raise_issue
from ..runtime import BackendRef, BackendRuntime, StepheyBotConfigEntry
from ..sessions import runtime_client
from ..settings import StackSettings
from .base import StackCoordinator


@dataclass(frozen=True, slots=True, kw_only=True)
class BrainRequests:
    """The Music Brain's download requests (in-memory counters of the service)."""

    stats: DownloadStats
    version: str | None = None


class MusicBrainRequestsCoordinator(StackCoordinator[BrainRequests]):
    """``/api/v1/download/stats`` at the fast interval (served from memory: cheap)."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: StepheyBotConfigEntry,
        backend: BackendRef,
        client: MusicBrainClient,
        settings: StackSettings,
    ) -> None:
        """Poll ``client`` at the fast interval."""
        super().__init__(hass, entry, backend, role="requests", interval=settings.fast_interval)
        self.client = client
        self._version: str | None = None

    def version_of(self, data: BrainRequests) -> str | None:
        """The Music Brain's version."""
        return data.version

    async def _async_fetch(self) -> BrainRequests:
        if self._version is None:
            self._version = (await self.client.probe()).version or None
        stats = await self.client.download_stats()
        return BrainRequests(stats=stats, version=self._version)


class MusicBrainLibraryCoordinator(StackCoordinator[LibraryStats]):
    """``/api/v1/library/stats`` at the slow interval (the service asks Navidrome)."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: StepheyBotConfigEntry,
        backend: BackendRef,
        client: MusicBrainClient,
        settings: StackSettings,
    ) -> None:
        """Poll ``client`` at the slow interval."""
        super().__init__(hass, entry, backend, role="library", interval=settings.slow_interval)
        self.client = client

    async def _async_fetch(self) -> LibraryStats:
        stats = await self.client.library_stats()
        if stats.is_mock:
            async_raise_issue(
                self.hass,
                IssueKind.MOCK_DATA,
                self.backend.subentry_id,
                {"backend": self.backend.title, "url": self.backend.url},
                severity=ir.IssueSeverity.WARNING,
            )
        else:
            async_clear_issue(self.hass, IssueKind.MOCK_DATA, self.backend.subentry_id)
        return stats


@dataclass(kw_only=True)
class MusicBrainRuntime(BackendRuntime):
    """A Music Brain backend."""

    requests: MusicBrainRequestsCoordinator
    library: MusicBrainLibraryCoordinator


def build(
    hass: HomeAssistant,
    entry: StepheyBotConfigEntry,
    backend: BackendRef,
    settings: StackSettings,
) -> MusicBrainRuntime:
    """The runtime of a Music Brain backend (no I/O)."""
    client = runtime_client(hass, entry, backend.subentry_id, MusicBrainClient)
    requests = MusicBrainRequestsCoordinator(hass, entry, backend, client, settings)
    library = MusicBrainLibraryCoordinator(hass, entry, backend, client, settings)
    return MusicBrainRuntime(
        ref=backend, fast=(requests,), slow=(library,), requests=requests, library=library
    )
