"""The Navidrome backends of the loaded stacks, and a short-lived cache of artist indexes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from stepheybot_music_clients.subsonic import ArtistIndex, SubsonicClient

from ..const import DOMAIN
from ..coordinators.navidrome import NavidromeRuntime
from ..runtime import StepheyBotConfigEntry

INDEX_TTL = 60.0
"""Seconds an artist index is reused while someone browses letter by letter."""


@dataclass(frozen=True, slots=True)
class Library:
    """One Navidrome backend: its stack, its name and its client."""

    entry: StepheyBotConfigEntry
    backend_id: str
    title: str
    client: SubsonicClient


def libraries(hass: HomeAssistant) -> list[Library]:
    """Every Navidrome backend of every loaded stack, by stack then backend title."""
    found: list[Library] = []
    entries: list[StepheyBotConfigEntry] = hass.config_entries.async_entries(DOMAIN)
    for entry in entries:
        if entry.state is not ConfigEntryState.LOADED:
            continue
        for backend_id, runtime in entry.runtime_data.backends.items():
            if isinstance(runtime, NavidromeRuntime):
                found.append(Library(entry, backend_id, runtime.ref.title, runtime.status.client))
    return sorted(found, key=lambda lib: (lib.entry.title.casefold(), lib.title.casefold()))


def library(hass: HomeAssistant, backend_id: str) -> Library | None:
    """The loaded Navidrome backend ``backend_id``, if there is one."""
    return next((lib for lib in libraries(hass) if lib.backend_id == backend_id), None)


@dataclass(slots=True)
class IndexCache:
    """``getArtists`` per backend for :data:`INDEX_TTL` seconds (letters, then one letter)."""

    _kept: dict[str, tuple[float, tuple[ArtistIndex, ...]]] = field(default_factory=dict)

    async def artists(self, lib: Library) -> tuple[ArtistIndex, ...]:
        """The backend's artist index, fetched at most once a minute."""
        now = time.monotonic()
        kept = self._kept.get(lib.backend_id)
        if kept is not None and now - kept[0] < INDEX_TTL:
            return kept[1]
        indexes = await lib.client.artists()
        self._kept[lib.backend_id] = (now, indexes)
        return indexes
