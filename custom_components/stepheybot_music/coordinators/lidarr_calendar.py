"""Lidarr's release calendar: albums of monitored artists releasing around today.

Lidarr keeps a release date as midnight UTC of that day, so a release is on the UTC date
of its ``releaseDate``. A poll asks ``/api/v1/calendar`` for the configured window only
(days back and ahead of today): its cost grows with the releases in that window, never
with the library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from stepheybot_music_clients.lidarr import Album, LidarrClient

from ..runtime import BackendRef, StepheyBotConfigEntry
from ..settings import StackSettings
from ..tracking.models import TITLE_DASH
from .base import StackCoordinator

UNKNOWN_ARTIST = "Unknown artist"


@dataclass(frozen=True, slots=True, kw_only=True)
class Release:
    """One album release on Lidarr's calendar."""

    album_id: int
    foreign_album_id: str
    """The MusicBrainz release group id."""
    artist: str
    title: str
    album_type: str | None
    day: date
    """The release date."""
    track_count: int | None
    track_file_count: int | None
    """Tracks of the album on disk (None when Lidarr did not say)."""

    @property
    def summary(self) -> str:
        """``Artist \u2013 Album``."""
        return f"{self.artist}{TITLE_DASH}{self.title}"

    @property
    def in_library(self) -> bool:
        """Whether every track is on disk."""
        files, tracks = self.track_file_count or 0, self.track_count or 0
        return tracks > 0 and files >= tracks

    @property
    def description(self) -> str:
        """Its type and whether it is in the library (tracks on disk)."""
        kind = self.album_type or "Album"
        files, tracks = self.track_file_count or 0, self.track_count or 0
        if self.in_library:
            return f"{kind}. In the library ({files} tracks)."
        if files:
            return f"{kind}. Partly in the library ({files} of {tracks} tracks)."
        return f"{kind}. Not in the library yet."


def release_of(album: Album) -> Release | None:
    """The release of a calendar album (None without a release date)."""
    if album.release_date is None:
        return None
    return Release(
        album_id=album.id,
        foreign_album_id=album.foreign_album_id,
        artist=album.artist_name or UNKNOWN_ARTIST,
        title=album.title,
        album_type=album.album_type,
        day=album.release_date.astimezone(UTC).date(),
        track_count=album.track_count,
        track_file_count=album.track_file_count,
    )


async def async_releases(client: LidarrClient, first: date, last: date) -> list[Release]:
    """Releases dated ``first`` to ``last`` (both included): one calendar request.

    Sorted by day, then artist and title.
    """
    start = datetime.combine(first, time.min, UTC)
    end = datetime.combine(last, time(23, 59, 59), UTC)
    releases = [
        release
        for album in await client.calendar(start, end)
        if (release := release_of(album)) is not None and first <= release.day <= last
    ]
    return sorted(releases, key=lambda r: (r.day, r.artist.casefold(), r.title.casefold()))


def days_of(start: datetime, end: datetime) -> tuple[date, date]:
    """The first and last local dates whose all-day events overlap ``[start, end)``."""
    first = dt_util.as_local(start).date()
    last = (dt_util.as_local(end) - timedelta(microseconds=1)).date()
    return first, last


class LidarrCalendarCoordinator(StackCoordinator[tuple[Release, ...]]):
    """The releases of the configured window around today, at the slow interval."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: StepheyBotConfigEntry,
        backend: BackendRef,
        client: LidarrClient,
        *,
        settings: StackSettings,
    ) -> None:
        """Poll ``settings``' calendar window every slow interval."""
        super().__init__(hass, entry, backend, role="calendar", interval=settings.slow_interval)
        self.client = client
        self.days_back = settings.calendar_days_back
        self.days_ahead = settings.calendar_days_ahead

    def window(self) -> tuple[date, date]:
        """The first and last day polled (local dates)."""
        today = dt_util.now().date()
        return today - timedelta(days=self.days_back), today + timedelta(days=self.days_ahead)

    async def _async_fetch(self) -> tuple[Release, ...]:
        return tuple(await async_releases(self.client, *self.window()))
