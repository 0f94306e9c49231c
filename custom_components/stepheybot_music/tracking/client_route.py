"""Requests a download client carries (qBittorrent or Transmission), by info-hash.

Reads only what the client's coordinator already polled (no request of its own): while the
coordinator's last poll failed, the requests stay where they are. A torrent downloads
(``downloading``, progress, ETA, size), errs (``failed``, ``download_failed`` with the client's
message), completes (``importing``, then ``in_library`` once Navidrome scanned it: see
:class:`LibraryScan`), or disappears (``failed``, ``removed``; a new request's torrent may take
:data:`LISTING_GRACE` to show; after completion a removed torrent is no loss: the files stay
and the scan goes on, as it does when the client then reports an error, e.g. qBittorrent's
``missingFiles`` once post-processing moved the files).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from stepheybot_music_clients.downloads import TorrentView

from ..coordinators.download_client import DownloadClientRuntime
from .advance import downloading, failed
from .library_scan import LibraryScan
from .models import FailureReason, Stage, TrackedRequest

LISTING_GRACE = timedelta(minutes=5)
"""How long a new request may wait for its torrent to show in the client's poll."""


async def async_advance(
    backend: DownloadClientRuntime,
    requests: list[TrackedRequest],
    now: datetime,
    scan: LibraryScan,
) -> list[TrackedRequest] | None:
    """The requests as the client's last poll shows them; None while that poll failed."""
    coordinator = backend.coordinator
    if not coordinator.last_update_success or coordinator.data is None:
        return None
    out = []
    for request in requests:
        if request.torrent_hash is None:
            out.append(request)
            continue
        torrent = coordinator.find_torrent(request.torrent_hash)
        out.append(await _from_torrent(request, torrent, now, scan, backend.ref.title))
    return out


async def _from_torrent(
    request: TrackedRequest,
    torrent: TorrentView | None,
    now: datetime,
    scan: LibraryScan,
    client: str,
) -> TrackedRequest:
    if request.stage is Stage.IMPORTING:
        # downloaded: the torrent may go, or err once post-processing moved its files away
        return await scan.async_settle(request, now)
    if torrent is None:
        if request.stage is Stage.REQUESTED and now - request.created_at < LISTING_GRACE:
            return request  # added just now: the client's next poll lists it
        return failed(
            request, FailureReason.REMOVED, now, f"The torrent was removed from {client}."
        )
    if torrent.progress >= 1.0:  # downloaded, even if the client reports an error since
        return await scan.async_settle(request, now)
    if torrent.error is not None:
        return failed(request, FailureReason.DOWNLOAD_FAILED, now, torrent.error)
    return downloading(
        request, now, progress=torrent.progress, eta=torrent.eta, size=torrent.size or None
    )
