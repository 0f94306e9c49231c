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

from dataclasses import dataclass
from datetime import datetime, timedelta

from stepheybot_music_clients import qbittorrent, transmission

from ..coordinators.download_client import DownloadClientRuntime
from ..coordinators.qbittorrent import QBittorrentCoordinator
from ..coordinators.transmission import TransmissionCoordinator
from .advance import downloading, failed
from .library_scan import LibraryScan
from .models import FailureReason, Stage, TrackedRequest

LISTING_GRACE = timedelta(minutes=5)
"""How long a new request may wait for its torrent to show in the client's poll."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TorrentView:
    """What tracking needs of one torrent, from either client."""

    progress: float
    eta: int | None
    size: int
    error: str | None
    """Why the torrent cannot go on (None when it can)."""


def _qbittorrent(torrent: qbittorrent.Torrent) -> TorrentView:
    error = None
    if torrent.state is qbittorrent.TorrentState.ERROR:
        error = (
            "qBittorrent cannot find the downloaded files."
            if torrent.state_raw == "missingFiles"
            else "qBittorrent reports an error for this torrent."
        )
    return TorrentView(progress=torrent.progress, eta=torrent.eta, size=torrent.size, error=error)


def _transmission(torrent: transmission.Torrent) -> TorrentView:
    error = None
    if torrent.state is transmission.TorrentState.ERROR:
        error = torrent.error_string or "Transmission reports an error for this torrent."
    return TorrentView(progress=torrent.progress, eta=torrent.eta, size=torrent.size, error=error)


class TorrentFinder:
    """Finds torrents by info-hash in a download client's last poll.

    Transmission's list is keyed by its own ids: the id of each hash is remembered, so a
    lookup costs a full pass only while the hash is not where it was last found (first
    lookup, a torrent not listed yet or gone, an id changed by a daemon restart).
    """

    def __init__(self) -> None:
        """Nothing remembered yet."""
        self._ids: dict[str, int] = {}

    def find(self, backend: DownloadClientRuntime, info_hash: str) -> TorrentView | None:
        """The torrent with ``info_hash`` (lower case) in the last poll, or None."""
        coordinator = backend.coordinator
        if isinstance(coordinator, QBittorrentCoordinator):
            found = coordinator.torrents.get(info_hash)
            return _qbittorrent(found) if found is not None else None
        if isinstance(coordinator, TransmissionCoordinator):
            torrents = coordinator.torrents
            known = self._ids.get(info_hash)
            torrent = torrents.get(known) if known is not None else None
            if torrent is None or torrent.hash.lower() != info_hash:
                torrent = next((t for t in torrents.values() if t.hash.lower() == info_hash), None)
                if torrent is None:
                    self._ids.pop(info_hash, None)
                    return None
                self._ids[info_hash] = torrent.id
            return _transmission(torrent)
        return None  # pragma: no cover - every download client is one of the two

    def forget(self, info_hash: str | None) -> None:
        """Drop a hash no request follows any more."""
        if info_hash is not None:
            self._ids.pop(info_hash, None)


async def async_advance(
    backend: DownloadClientRuntime,
    requests: list[TrackedRequest],
    now: datetime,
    scan: LibraryScan,
    finder: TorrentFinder,
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
        torrent = finder.find(backend, request.torrent_hash)
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
