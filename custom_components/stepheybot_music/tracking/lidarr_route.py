"""Requests Lidarr carries: its search command, its queue and its albums' track files.

One poll of one Lidarr costs one ``queue/details`` request for the albums of every request
in flight, one ``command/{id}`` per request still searching, and one album lookup (by ids)
for the requests whose queue items are gone or never came. Nothing grows with the library.

Stages, per request (its albums are ``lidarr_album_ids``):

* ``searching`` while its search command runs, and after it for up to
  :data:`NOTHING_FOUND_GRACE` while no queue item of its albums appears;
* ``downloading`` while a queue item of its albums exists (progress, ETA and size summed over
  the items; the torrent hash from the first item's ``downloadId``);
* ``importing`` once every item is downloaded (``importPending``, ``importing``, ``imported``);
* ``in_library`` when the items are gone, the albums have all their track files, and the
  music server can play them: with a Navidrome in the stack, once Navidrome lists each album
  (``search3``, by artist and title; the request waits at ``importing`` meanwhile, and asks
  Navidrome for a scan, see :class:`LibraryScan`; an album Navidrome lists under another name
  is in the library once a scan that started after the import has finished). Without
  Navidrome, Lidarr's import is the best signal there is. A whole-artist request (album ids =
  the albums monitored when it was made) reaches it when at least one album arrived; its
  message says how many;
* ``failed``: ``download_failed`` (an item failed in the download client), ``import_failed``
  (``importFailed``, or ``importBlocked``: Lidarr waits for a manual import), ``removed`` (the
  items left the queue and no album arrived), ``nothing_found`` (the search ended, or failed,
  and nothing was grabbed within the grace period); always with Lidarr's own message. A
  request of several albums fails for its items only when none is left going and none of
  its albums arrived (one failed album does not sink the others).

Upgrade requests (``kind=upgrade``) have their files already: they reach ``in_library`` when
a grabbed item leaves the queue (imported), and ``nothing_found`` when nothing was grabbed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from stepheybot_music_clients.errors import BackendRequestError, StackError
from stepheybot_music_clients.lidarr import (
    Album,
    CommandStatus,
    DownloadStatus,
    LidarrClient,
    QueueItem,
    TrackedDownloadState,
)

from ..coordinators.download_client import TorrentBucket
from ..coordinators.lidarr import LidarrRuntime
from .advance import at, downloading, failed
from .library_scan import LibraryScan, navidrome_has
from .models import FailureReason, RequestKind, Stage, TrackedRequest

NOTHING_FOUND_GRACE = timedelta(minutes=10)
"""How long after its search ended a request may wait for a grabbed item to show in the queue."""

_DOWNLOAD_FAILED = frozenset(
    {TrackedDownloadState.DOWNLOAD_FAILED, TrackedDownloadState.DOWNLOAD_FAILED_PENDING}
)
_IMPORT_FAILED = frozenset(
    {TrackedDownloadState.IMPORT_FAILED, TrackedDownloadState.IMPORT_BLOCKED}
)
_DOWNLOADED = frozenset(
    {
        TrackedDownloadState.IMPORT_PENDING,
        TrackedDownloadState.IMPORTING,
        TrackedDownloadState.IMPORTED,
    }
)
_SEARCH_FAILED = frozenset(
    {
        CommandStatus.FAILED,
        CommandStatus.ABORTED,
        CommandStatus.CANCELLED,
        CommandStatus.ORPHANED,
    }
)


_QUEUE_STATES = {
    DownloadStatus.DOWNLOADING: TorrentBucket.DOWNLOADING,
    DownloadStatus.PAUSED: TorrentBucket.PAUSED,
    DownloadStatus.QUEUED: TorrentBucket.QUEUED,
    DownloadStatus.DELAY: TorrentBucket.QUEUED,
}
"""Lidarr's queue status of a download, as a download state (when no client of the stack has
it). Lidarr reports qBittorrent's ``pausedDL`` as paused, ``queuedDL``/checking/``metaDL`` as
queued, and ``stalledDL`` as a warning with :data:`LIDARR_STALLED` (``GetItems()`` in
``src/NzbDrone.Core/Download/Clients/QBittorrent/QBittorrent.cs``, Lidarr commit 00ba296)."""

LIDARR_STALLED = "The download is stalled with no connections"
"""Lidarr's message for a stalled qBittorrent download (see :data:`_QUEUE_STATES`)."""


def queue_state(item: QueueItem) -> TorrentBucket | None:
    """What Lidarr's queue says a download is doing (None: it does not say)."""
    if item.status is DownloadStatus.WARNING:
        lines = [line for group in item.status_messages for line in group.messages]
        said = [item.error_message, *lines]
        return TorrentBucket.STALLED if LIDARR_STALLED in said else None
    return _QUEUE_STATES.get(item.status)


def item_message(item: QueueItem) -> str | None:
    """What Lidarr says about a queue item (its error, else its status messages)."""
    if item.error_message:
        return item.error_message
    lines = [line for group in item.status_messages for line in group.messages]
    return " ".join(lines) or None


def _complete(album: Album) -> bool:
    return bool(album.track_count) and (album.track_file_count or 0) >= (album.track_count or 0)


class LidarrRoute:
    """Advances the requests of the Lidarr backends of one stack."""

    def __init__(self) -> None:
        """Nothing seen yet."""
        self._search_ended: dict[str, datetime] = {}
        """When each request's search was first seen finished (in memory)."""

    def forget(self, request_id: str) -> None:
        """Drop what is remembered about a finished request."""
        self._search_ended.pop(request_id, None)

    async def async_advance(
        self,
        backend: LidarrRuntime,
        requests: list[TrackedRequest],
        now: datetime,
        scan: LibraryScan,
    ) -> list[TrackedRequest]:
        """The requests as Lidarr shows them now; raises the client's errors."""
        client = backend.queue.client
        requests = [await _with_albums(client, request) for request in requests]
        album_ids = sorted({i for request in requests for i in request.lidarr_album_ids})
        items: dict[int, list[QueueItem]] = {}
        for item in await client.queue_details(album_ids) if album_ids else ():
            items.setdefault(item.album_id or 0, []).append(item)

        out: dict[str, TrackedRequest] = {}
        lookups: list[TrackedRequest] = []
        broken: dict[str, list[QueueItem]] = {}
        """Requests of several albums whose items all failed: did any album arrive?"""
        for request in requests:
            mine = [item for i in request.lidarr_album_ids for item in items.get(i, ())]
            if mine:
                self.forget(request.request_id)
                live = [item for item in mine if _failure(item) is None]
                several = len(request.lidarr_album_ids) > 1
                if live or not several or request.kind is RequestKind.UPGRADE:
                    out[request.request_id] = _from_queue(request, live or mine, now)
                else:
                    broken[request.request_id] = mine
                    lookups.append(request)
            elif request.stage in (Stage.DOWNLOADING, Stage.IMPORTING):
                if request.kind is RequestKind.UPGRADE:
                    out[request.request_id] = at(request, Stage.IN_LIBRARY, now)
                else:
                    lookups.append(request)
            else:
                searched = await self._search(client, request, now)
                out[request.request_id] = searched
                if (
                    searched.kind is RequestKind.DOWNLOAD
                    and not searched.finished
                    and request.request_id in self._search_ended
                ):
                    lookups.append(searched)

        if lookups:
            wanted = sorted({i for request in lookups for i in request.lidarr_album_ids})
            albums = {a.id: a for a in await client.albums(album_ids=wanted)} if wanted else {}
            for request in lookups:
                failing = broken.get(request.request_id)
                if failing is None:
                    out[request.request_id] = await self._from_albums(request, albums, now, scan)
                    continue
                ids = request.lidarr_album_ids
                arrived = [albums[i] for i in ids if i in albums and _complete(albums[i])]
                out[request.request_id] = (
                    await _playable(request, arrived, now, scan)
                    if arrived
                    else _from_queue(request, failing, now)
                )
        return [out[request.request_id] for request in requests]

    async def _search(
        self, client: LidarrClient, request: TrackedRequest, now: datetime
    ) -> TrackedRequest:
        """A request without queue items: its search runs, ended, or found nothing."""
        searching = at(request, Stage.SEARCHING, now, "Lidarr is searching for a release.")
        if request.lidarr_command_id is not None:
            try:
                command = await client.command_status(request.lidarr_command_id)
            except BackendRequestError as err:
                if err.code != 404:
                    raise
            else:
                if not command.finished:
                    return searching
                if command.status in _SEARCH_FAILED:
                    self.forget(request.request_id)
                    detail = f": {command.message}" if command.message else "."
                    return failed(
                        request,
                        FailureReason.NOTHING_FOUND,
                        now,
                        f"Lidarr's search {command.status.value}{detail}",
                    )
        ended = self._search_ended.setdefault(request.request_id, now)
        if now - ended < NOTHING_FOUND_GRACE:
            return searching
        if request.kind is RequestKind.UPGRADE:
            self.forget(request.request_id)
            return failed(
                request, FailureReason.NOTHING_FOUND, now, "Lidarr found no better release."
            )
        return searching

    async def _from_albums(
        self, request: TrackedRequest, albums: dict[int, Album], now: datetime, scan: LibraryScan
    ) -> TrackedRequest:
        """A request without queue items, from its albums' track files."""
        ids = request.lidarr_album_ids
        arrived = [albums[i] for i in ids if i in albums and _complete(albums[i])]
        if ids and len(arrived) == len(ids):
            self.forget(request.request_id)
            return await _playable(request, arrived, now, scan)
        searching = request.stage is Stage.SEARCHING
        ended = self._search_ended.get(request.request_id, now)
        if searching and now - ended < NOTHING_FOUND_GRACE:
            return request
        self.forget(request.request_id)
        if arrived:
            return await _playable(request, arrived, now, scan)
        if searching:
            return failed(request, FailureReason.NOTHING_FOUND, now, "Lidarr found no release.")
        return failed(
            request,
            FailureReason.REMOVED,
            now,
            "The download left Lidarr's queue without being imported.",
        )


def arrived_message(request: TrackedRequest, arrived: int) -> str | None:
    """``3 albums by X are in your library.`` (a whole-artist request), ``2 of 3 albums ...``."""
    total = len(request.lidarr_album_ids)
    if request.album is not None and arrived == total:
        return None  # one album: its title says it all
    albums = "album" if arrived == 1 and arrived == total else "albums"
    count = f"{arrived} of {total} {albums}" if arrived < total else f"{arrived} {albums}"
    verb = "is" if arrived == 1 else "are"
    return f"{count} by {request.artist} {verb} in your library."


async def _playable(
    request: TrackedRequest, arrived: list[Album], now: datetime, scan: LibraryScan
) -> TrackedRequest:
    """``request`` with ``arrived`` imported: ``in_library`` once the music server can play them.

    Navidrome lists them, or scanned since; until then ``importing`` while Navidrome scans.
    """
    message = arrived_message(request, len(arrived))
    navidrome = scan.navidrome
    if navidrome is None:
        return at(request, Stage.IN_LIBRARY, now, message)  # Lidarr's import: the best signal
    try:
        listed = [await navidrome_has(navidrome, request.artist, a.title) for a in arrived]
    except StackError:
        listed = [False]  # Navidrome down: it is asked again at the next poll
    if all(listed):
        scan.forget(request.request_id)
        return at(request, Stage.IN_LIBRARY, now, message)
    scanned = await scan.async_settle(request, now)
    if scanned.stage is Stage.IN_LIBRARY:
        # a scan since the import ended, and Navidrome lists the album under another name
        return at(request, Stage.IN_LIBRARY, now, message)
    waiting = f"Lidarr imported it; waiting for {navidrome.ref.title} to scan it."
    return at(scanned, Stage.IMPORTING, now, waiting)


async def _with_albums(client: LidarrClient, request: TrackedRequest) -> TrackedRequest:
    """A whole-artist request made without album ids gets the artist's monitored albums."""
    if request.lidarr_album_ids or request.lidarr_artist_id is None:
        return request
    albums = await client.albums(artist_id=request.lidarr_artist_id)
    return replace(request, lidarr_album_ids=tuple(a.id for a in albums if a.monitored))


def _failure(item: QueueItem) -> tuple[FailureReason, str] | None:
    """Why a queue item cannot go on (with Lidarr's message), or None."""
    if item.tracked_download_state in _DOWNLOAD_FAILED or item.status is DownloadStatus.FAILED:
        return FailureReason.DOWNLOAD_FAILED, item_message(item) or "The download failed."
    if item.tracked_download_state in _IMPORT_FAILED:
        message = item_message(item) or "Lidarr could not import the download."
        return FailureReason.IMPORT_FAILED, message
    return None


def _from_queue(request: TrackedRequest, items: list[QueueItem], now: datetime) -> TrackedRequest:
    """A request with queue items: downloading, importing or failed (an item failed)."""
    for item in items:
        if (why := _failure(item)) is not None:
            return failed(request, why[0], now, why[1])
    first = items[0].download_id
    torrent_hash = first.lower() if first and items[0].protocol == "torrent" else None
    if all(item.tracked_download_state in _DOWNLOADED for item in items):
        done = at(request, Stage.IMPORTING, now)
        return replace(done, torrent_hash=torrent_hash or done.torrent_hash)
    # A release of several albums is one queue item per album, each with the whole
    # download's size: count every download once.
    downloads = {item.download_id or f"#{item.id}": item for item in items}.values()
    size = sum(item.size for item in downloads)
    left = sum(item.size_left for item in downloads)
    etas = [max(0.0, item.time_left) for item in items if item.time_left is not None]
    return downloading(
        request,
        now,
        progress=(size - left) / size if size > 0 else 0.0,
        eta=max(etas) if etas else None,
        size=size or None,
        torrent_hash=torrent_hash,
        message=next((m for item in items if (m := item_message(item))), None),
        download_state=queue_state(items[0]),
    )
