"""Lidarr: queue by status, wanted counts, upcoming releases, root folder space, health, artists."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from stepheybot_music_clients.diagnosis import metadata_outage
from stepheybot_music_clients.lidarr import (
    QUEUE_PAGE_SIZE,
    DownloadStatus,
    HealthType,
    LibrarySignals,
    LibraryStats,
    LibraryWatch,
    LidarrClient,
    StuckImports,
)
from stepheybot_music_clients.models import BackendKind

from .. import metrics as m
from .base import Collector, Facts

ARTIST_REFRESH_GRACE = 2.0
"""Seconds a scrape waits for a started artist-list refresh before serving cached counts."""
QUEUE_STATUSES = tuple(status.value for status in DownloadStatus)
"""Every ``status`` of ``stepheybot_music_lidarr_queue``; all are exported, 0 included."""
HEALTH_LEVELS = ("notice", "warning", "error")
UPCOMING_DAYS = 7
"""``stepheybot_music_lidarr_upcoming_albums``: release dates from today (UTC) this many days on."""


class LidarrCollector(Collector[LidarrClient]):
    """Cheap endpoints every scrape; the artist list only when the library moved.

    Lidarr has no count endpoint for artists: ``/api/v1/artist`` sends every artist with
    statistics (tens of MB on big libraries). Each scrape reads the change signals (two small
    requests beside the missing-album count it fetches anyway) and starts a download of the
    list when one moved or the last one is older than ``--lidarr-artists-interval``: the rule
    of Home Assistant's library coordinator (:class:`LibraryWatch`), so both show the same
    totals. A slow download keeps running after that scrape's budget and serves the next ones.
    """

    kind = BackendKind.LIDARR
    client_type = LidarrClient
    _artists: LibraryStats | None = None
    _refresh: asyncio.Task[None] | None = None
    _watch: LibraryWatch | None = None

    async def collect(self, out: m.Samples, facts: Facts) -> None:
        """Everything cheap concurrently, plus the (cached) artist counts."""
        client = self.client()
        signals, (queue, missing, cutoff, upcoming, folders, health) = await asyncio.gather(
            LibrarySignals.read(client),
            asyncio.gather(
                self._queue_statuses(),
                client.missing_count(),
                client.cutoff_unmet_count(),
                self._upcoming(),
                client.root_folders(),
                client.health(),
            ),
        )
        refresh = self._artist_refresh(signals)
        if refresh is not None:
            if self._artists is None:
                await asyncio.shield(refresh)  # the first time, wait (within the budget)
            else:
                # fresh counts when the refresh is quick, the cached ones otherwise
                await asyncio.wait({refresh}, timeout=ARTIST_REFRESH_GRACE)
        statuses, stuck = queue
        for status in QUEUE_STATUSES:
            out.add(m.LIDARR_QUEUE, statuses[status], status=status)
        out.add(m.LIDARR_IMPORT_BLOCKED, stuck)
        out.add(m.LIDARR_MISSING_ALBUMS, missing)
        out.add(m.LIDARR_CUTOFF_UNMET_ALBUMS, cutoff)
        out.add(m.LIDARR_UPCOMING_ALBUMS, upcoming)
        for folder in folders:
            if folder.free_bytes is not None:
                out.add(m.LIDARR_ROOT_FOLDER_FREE, folder.free_bytes, path=folder.path)
            if folder.total_bytes is not None:
                out.add(m.LIDARR_ROOT_FOLDER_TOTAL, folder.total_bytes, path=folder.path)
        levels = Counter(item.type.value for item in health if item.type is not HealthType.OK)
        for level in HEALTH_LEVELS:
            out.add(m.LIDARR_HEALTH_ISSUES, levels[level], level=level)
        problems = (HealthType.WARNING, HealthType.ERROR)
        down = any(
            metadata_outage(item.source, item.message, problem=item.type in problems)
            for item in health
        )
        out.add(m.LIDARR_METADATA_DOWN, int(down))
        if self._artists is not None:
            out.add(m.LIDARR_ARTISTS, self._artists.artists)
            out.add(m.LIDARR_MONITORED_ARTISTS, self._artists.monitored_artists)

    async def _upcoming(self) -> int:
        """Monitored releases of the next :data:`UPCOMING_DAYS` days: one calendar request.

        Its size grows with the releases in that window, never with the library.
        """
        start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        end = start + timedelta(days=UPCOMING_DAYS, seconds=-1)
        return len(await self.client().calendar(start, end))

    async def _queue_statuses(self) -> tuple[Counter[str], int]:
        """Queue items by status, and the stuck imports (counted as Home Assistant does).

        Every page (usually one); :class:`StuckImports` is the client library's count.
        """
        counts: Counter[str] = Counter()
        stuck = StuckImports()
        page_number, seen = 1, 0
        while True:
            page = await self.client().queue(page=page_number, page_size=QUEUE_PAGE_SIZE)
            counts.update(item.status.value for item in page.records)
            stuck = stuck.plus(StuckImports.of(page.records))
            seen += len(page.records)
            if not page.records or seen >= page.total_records:
                return counts, stuck.count
            page_number += 1

    @property
    def refreshing(self) -> asyncio.Task[None] | None:
        """The artist-list download in progress, if any (tests wait for it)."""
        return self._refresh

    def _artist_refresh(self, signals: LibrarySignals) -> asyncio.Task[None] | None:
        """The running artist-list download, started when the library moved or it is old."""
        if self._watch is None:
            self._watch = LibraryWatch(self.options.artist_list_interval)
        if self._refresh is None and self._watch.due(signals, time.monotonic()):
            self._refresh = asyncio.create_task(
                self._refresh_artists(self._watch, signals), name=f"{self.name} artists"
            )
            self._refresh.add_done_callback(_retrieve)
        return self._refresh

    async def _refresh_artists(self, watch: LibraryWatch, signals: LibrarySignals) -> None:
        try:
            stats = await self.client().library_stats()
        finally:
            self._refresh = None
        self._artists = stats
        watch.listed(signals, time.monotonic())

    async def close(self) -> None:
        """Stop a running artist refresh, then release the session."""
        if self._refresh is not None:
            self._refresh.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._refresh
        await super().close()


def _retrieve(task: asyncio.Task[None]) -> None:
    """Mark a refresh's failure as seen: the next stale scrape retries and reports it."""
    if not task.cancelled():
        task.exception()
