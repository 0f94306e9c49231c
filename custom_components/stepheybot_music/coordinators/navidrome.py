"""Navidrome: scanner and now playing (fast), library totals (slow, cheap count endpoints)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from homeassistant.core import HomeAssistant
from stepheybot_music_clients.subsonic import LibraryTotals, SubsonicClient

from ..runtime import BackendRef, BackendRuntime, StepheyBotConfigEntry
from ..sessions import runtime_client
from ..settings import StackSettings
from .base import StackCoordinator


@dataclass(frozen=True, slots=True, kw_only=True)
class NavidromeStatus:
    """The scanner's state and who is listening."""

    scanning: bool
    last_scan: datetime | None
    now_playing: int
    """Streams playing right now."""
    listeners: tuple[str, ...]
    """The users playing something, sorted, each once."""


class NavidromeCoordinator[DataT](StackCoordinator[DataT]):
    """A Navidrome coordinator: knows its client and the server's version."""

    client: SubsonicClient

    def version_of(self, data: DataT) -> str | None:
        """The version from the last ``ping`` (e.g. ``0.58.0 (abc123)``)."""
        server = self.client.server
        return server.server_version if server is not None else None


class NavidromeStatusCoordinator(NavidromeCoordinator[NavidromeStatus]):
    """Polls ``getScanStatus`` and ``getNowPlaying`` at the fast interval."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: StepheyBotConfigEntry,
        backend: BackendRef,
        client: SubsonicClient,
        settings: StackSettings,
    ) -> None:
        """Poll ``client`` at the fast interval."""
        super().__init__(hass, entry, backend, role="status", interval=settings.fast_interval)
        self.client = client

    async def _async_fetch(self) -> NavidromeStatus:
        if self.client.server is None:
            await self.client.ping()
        scan = await self.client.scan_status()
        playing = await self.client.now_playing()
        return NavidromeStatus(
            scanning=scan.scanning,
            last_scan=scan.last_scan,
            now_playing=len(playing),
            listeners=tuple(sorted({entry.username for entry in playing})),
        )

    async def async_start_scan(self) -> None:
        """Start a library scan, then show the scanner running."""
        await self.client.start_scan()
        await self.async_refresh()


class NavidromeLibraryCoordinator(NavidromeCoordinator[LibraryTotals]):
    """Counts artists, albums and songs at the slow interval."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: StepheyBotConfigEntry,
        backend: BackendRef,
        client: SubsonicClient,
        settings: StackSettings,
    ) -> None:
        """Poll ``client`` at the slow interval."""
        super().__init__(hass, entry, backend, role="library", interval=settings.slow_interval)
        self.client = client

    async def _async_fetch(self) -> LibraryTotals:
        return await self.client.library_totals()


@dataclass(kw_only=True)
class NavidromeRuntime(BackendRuntime):
    """A Navidrome backend."""

    status: NavidromeStatusCoordinator
    library: NavidromeLibraryCoordinator


def build(
    hass: HomeAssistant,
    entry: StepheyBotConfigEntry,
    backend: BackendRef,
    settings: StackSettings,
) -> NavidromeRuntime:
    """The runtime of a Navidrome backend (no I/O)."""
    client = runtime_client(hass, entry, backend.subentry_id, SubsonicClient)
    status = NavidromeStatusCoordinator(hass, entry, backend, client, settings)
    library = NavidromeLibraryCoordinator(hass, entry, backend, client, settings)
    return NavidromeRuntime(
        ref=backend, fast=(status,), slow=(library,), status=status, library=library
    )
