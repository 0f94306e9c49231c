"""When Lidarr's artist list must be downloaded again: one rule for Home Assistant and the exporter.

Lidarr has no count endpoint for artists: the library totals come from the whole artist list
(about 1 KB per artist, tens of MB on big libraries). Both consumers therefore poll three
one-record change signals (:class:`LibrarySignals`) and download the list only when one of
them moved, or when the last download is older than the maximum age. Before this module the
exporter refreshed on a timer alone and Home Assistant on the signals, so the two showed
different artist totals for up to fifteen minutes after a change (issue 17, item 12).
"""

from __future__ import annotations

from dataclasses import dataclass

from stepheybot_music_clients.lidarr.client import LidarrClient
from stepheybot_music_clients.models import LIBRARY_MAX_AGE


@dataclass(frozen=True, slots=True)
class LibrarySignals:
    """What moves when the library changes: three requests of one record each.

    * the history (newest record id, record count): grabs, imports, upgrades and deletions of
      track files (files, sizes), and an artist deleted with its history;
    * released albums without files, monitored and not (two ``wanted/missing`` totals): every
      artist with at least one released album changes one of them when it is added (it has no
      files yet) or deleted while something of it is missing; monitoring an album, or in
      Lidarr an artist with missing albums, moves albums from one total to the other.

    Not seen, so only in the artist list after :data:`LIBRARY_MAX_AGE`: an artist added with
    no released album, an artist deleted with every album on disk and no history, monitoring
    an artist none of whose albums is missing, and albums a metadata refresh adds before
    their release date (album and track totals).
    """

    history_newest: int | None
    history_records: int
    missing_monitored: int
    missing_unmonitored: int

    @classmethod
    async def read(cls, client: LidarrClient) -> LibrarySignals:
        """The current signals (three small requests, whatever the library's size)."""
        history = await client.history(page_size=1)
        return cls(
            history_newest=history.records[0].id if history.records else None,
            history_records=history.total_records,
            missing_monitored=await client.missing_count(),
            missing_unmonitored=await client.missing_count(monitored=False),
        )


class LibraryWatch:
    """Remembers the signals of the last artist-list download and says when one is due."""

    def __init__(self, max_age: float = LIBRARY_MAX_AGE) -> None:
        self.max_age = max_age
        self._signals: LibrarySignals | None = None
        self._listed_at: float | None = None

    def due(self, signals: LibrarySignals, now: float) -> bool:
        """Whether the list must be downloaded: never yet, a signal moved, or too old."""
        return (
            self._signals is None
            or self._listed_at is None
            or signals != self._signals
            or now - self._listed_at >= self.max_age
        )

    def listed(self, signals: LibrarySignals, now: float) -> None:
        """Record a successful download made when the signals were ``signals``."""
        self._signals, self._listed_at = signals, now
