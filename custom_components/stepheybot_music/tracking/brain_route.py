"""Requests the Music Brain carries: ``download/status/<id>``, one small request each.

``queued``/``pending`` keep a request at ``requested`` (the Music Brain has not handed it to
Transmission yet); Transmission's download states are ``downloading`` (progress, size, ETA from
the speed, the torrent hash); a finished download goes to ``importing`` and to ``in_library``
once Navidrome scanned it (:class:`LibraryScan`). The Music Brain never reports a failure (it
drops failed requests), so a request it no longer knows (dropped, or it restarted) fails as
``removed``. A request by name has no id (the Music Brain only has its Lidarr monitor the
artist): it is ``in_library`` once Navidrome has the album (or, for an artist, the artist),
one ``search3`` per poll.
"""

from __future__ import annotations

from datetime import datetime

from stepheybot_music_clients.errors import BackendRequestError, StackError
from stepheybot_music_clients.music_brain import DownloadState, DownloadStatus

from ..coordinators.music_brain import MusicBrainRuntime
from .advance import at, downloading, failed
from .library_scan import LibraryScan, navidrome_has
from .models import FailureReason, Stage, TrackedRequest

_WAITING = frozenset({DownloadState.QUEUED, DownloadState.PENDING, DownloadState.UNKNOWN})
_DONE = frozenset({DownloadState.SEEDING, DownloadState.SEED_PENDING, DownloadState.COMPLETED})


async def async_advance(
    backend: MusicBrainRuntime,
    requests: list[TrackedRequest],
    now: datetime,
    scan: LibraryScan,
) -> list[TrackedRequest]:
    """The requests as the Music Brain shows them now; raises the client's errors."""
    client = backend.requests.client
    out = []
    for request in requests:
        if request.brain_request_id is None:
            out.append(await _by_name(request, now, scan))
            continue
        try:
            status = await client.download_status(request.brain_request_id)
        except BackendRequestError as err:
            if err.code != 404:
                raise
            message = f"{backend.ref.title} no longer knows this request (restarted or dropped)."
            out.append(failed(request, FailureReason.REMOVED, now, message))
            continue
        out.append(await _from_status(request, status, now, scan))
    return out


async def _by_name(request: TrackedRequest, now: datetime, scan: LibraryScan) -> TrackedRequest:
    """A request by name: ``in_library`` once Navidrome has it (it stays put otherwise)."""
    navidrome = scan.navidrome
    if navidrome is None:
        return request
    try:
        there = await navidrome_has(navidrome, request.artist, request.album)
    except StackError:
        return request  # Navidrome down: asked again next poll
    return at(request, Stage.IN_LIBRARY, now) if there else request


async def _from_status(
    request: TrackedRequest, status: DownloadStatus, now: datetime, scan: LibraryScan
) -> TrackedRequest:
    if status.state in _DONE or status.progress >= 1.0:
        return await scan.async_settle(request, now)
    if status.state in _WAITING:
        return request
    size = status.file_size
    speed = status.download_speed
    eta = (1.0 - status.progress) * size / speed if size and speed else None
    return downloading(
        request,
        now,
        progress=status.progress,
        eta=round(eta) if eta is not None else None,
        size=size,
        torrent_hash=status.torrent_hash.lower() if status.torrent_hash else None,
    )
