"""From a finished download to the library: Navidrome scans it, then it is ``in_library``.

Used by the routes that do not import through Lidarr (Music Brain, download client). With a
Navidrome backend, a request waiting at ``importing`` starts a library scan (or joins the one
this poll started; when Navidrome refuses, e.g. to a user who is not an admin, it waits for
Navidrome's own next scan) and reaches ``in_library`` when that scan has finished; without Navidrome
it reaches ``in_library`` at once (one stage change, from ``downloading``). The scan state is
held in memory: after a restart a request still at ``importing`` simply starts a new scan.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from stepheybot_music_clients.errors import StackError

from ..coordinators.navidrome import NavidromeRuntime
from ..runtime import StackRuntimeData
from .advance import at
from .models import Stage, TrackedRequest

_LOGGER = logging.getLogger(__package__)

_NEVER = datetime.min.replace(tzinfo=UTC)
"""Baseline of a scan started when Navidrome had never scanned (no last scan time)."""


async def navidrome_has(navidrome: NavidromeRuntime, artist: str, album: str | None) -> bool:
    """Whether Navidrome lists this album of ``artist`` (or, without an album, the artist).

    One ``search3``; names compared without case. Raises the client's errors.
    """
    found = await navidrome.status.client.search3(
        album or artist,
        artist_count=0 if album else 20,
        album_count=20 if album else 0,
        song_count=0,
    )
    name = artist.casefold()
    if album is None:
        return any(a.name.casefold() == name for a in found.artists)
    title = album.casefold()
    return any(
        a.name.casefold() == title and (a.artist or "").casefold() == name for a in found.albums
    )


class LibraryScan:
    """Waits for Navidrome to scan what the download clients finished."""

    def __init__(self, runtime: StackRuntimeData) -> None:
        """Scan with the first Navidrome backend of ``runtime``, if any."""
        self._runtime = runtime
        self._baselines: dict[str, datetime] = {}
        """Per request: Navidrome's last scan time before the scan it waits for."""
        self._started: datetime | None = None
        """The baseline of a scan started during this poll (others may join it)."""
        self._since: dict[str, datetime] = {}
        """Per request: when it began waiting for a scan (its download or Lidarr's import done)."""

    @property
    def navidrome(self) -> NavidromeRuntime | None:
        """The Navidrome backend scans are asked of (the stack's first), if any."""
        return next(iter(self._runtime.of_type(NavidromeRuntime)), None)

    def new_poll(self) -> None:
        """A new poll starts: a scan started earlier can no longer be joined."""
        self._started = None

    def forget(self, request_id: str) -> None:
        """Drop what is remembered about a request that left ``importing``."""
        self._baselines.pop(request_id, None)
        self._since.pop(request_id, None)

    def waiting_since(self, request_id: str) -> datetime | None:
        """When ``request_id`` began waiting for the music server to list it, if it does.

        Held in memory, like the baselines: after a restart it starts again (and so does
        the scan it waits for).
        """
        return self._since.get(request_id)

    async def async_settle(self, request: TrackedRequest, now: datetime) -> TrackedRequest:
        """``request`` (downloaded) at ``importing``, or ``in_library`` once scanned."""
        request = at(request, Stage.IMPORTING, now)
        navidrome = self.navidrome
        if navidrome is None:
            return at(request, Stage.IN_LIBRARY, now)
        self._since.setdefault(request.request_id, now)
        status = navidrome.status
        data = status.data
        if not status.last_update_success or data is None:
            return request
        last = data.last_scan or _NEVER
        baseline = self._baselines.get(request.request_id)
        if baseline is not None:
            if data.scanning or last <= baseline:
                return request
            self.forget(request.request_id)
            return at(request, Stage.IN_LIBRARY, now)
        if data.scanning:
            if self._started is not None:
                self._baselines[request.request_id] = self._started
            return request  # a scan someone else started may have missed the new files
        try:
            await status.async_start_scan()
        except StackError as err:
            # e.g. not an admin: Navidrome's own next scan (scheduled, watcher) will do
            _LOGGER.debug(
                "%s did not start a library scan, waiting for its next one: %s",
                navidrome.ref.title,
                err,
            )
        self._baselines[request.request_id] = self._started = last
        return request
