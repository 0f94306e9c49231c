"""The download client route: a magnet link or .torrent URL, in the music category."""

from __future__ import annotations

from stepheybot_music_clients.errors import AlreadyExistsError, StackError

from ..action_errors import backend_failed
from ..coordinators.download_client import DownloadClientRuntime
from ..coordinators.qbittorrent import QBittorrentCoordinator
from ..coordinators.transmission import TransmissionCoordinator
from ..tracking.models import Route
from .ask import Wanted
from .requester import Requester
from .result import RequestResult


def pick(clients: list[DownloadClientRuntime]) -> DownloadClientRuntime:
    """The download client to use: the first that answers, else the first."""
    return next((c for c in clients if c.coordinator.last_update_success), clients[0])


async def async_request(
    requester: Requester, backend: DownloadClientRuntime, wanted: Wanted
) -> RequestResult:
    """Add the torrent (one the client already had is tracked too)."""
    link = wanted.link or ""
    coordinator = backend.coordinator
    category = requester.runtime.settings.music_category
    torrent_hash = wanted.torrent_hash
    title = wanted.download_title
    had = False
    try:
        if isinstance(coordinator, QBittorrentCoordinator):
            try:
                await coordinator.client.add_torrent([link], category=category)
            except AlreadyExistsError:
                had = True
        elif isinstance(coordinator, TransmissionCoordinator):
            added = await coordinator.client.add(link, labels=[category])
            torrent_hash, had = added.hash, added.duplicate
            if wanted.title is None and wanted.artist is None:
                title = added.name
    except StackError as err:
        raise backend_failed(backend.ref, err) from err
    await coordinator.async_request_refresh()
    request = requester.new_for(
        backend.ref,
        Route.DOWNLOAD_CLIENT,
        wanted,
        artist=wanted.artist or title,
        torrent_hash=torrent_hash,
        size=wanted.size,
    )
    verb = "already had" if had else "is downloading"
    return await requester.submit(request, f"{backend.ref.title} {verb} {title}.")
