"""The download client route: a magnet link or .torrent URL, in the music category."""

from __future__ import annotations

from stepheybot_music_clients.errors import StackError

from ..action_errors import backend_failed
from ..coordinators.download_client import DownloadClientRuntime
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
    try:
        added = await coordinator.async_add_link(link)
    except StackError as err:
        raise backend_failed(backend.ref, err) from err
    torrent_hash = added.hash or wanted.torrent_hash
    title = wanted.download_title
    if added.name is not None and wanted.title is None and wanted.artist is None:
        title = added.name
    await coordinator.async_request_refresh()
    request = requester.new_for(
        backend.ref,
        Route.DOWNLOAD_CLIENT,
        wanted,
        artist=wanted.artist or title,
        torrent_hash=torrent_hash,
        size=wanted.size,
    )
    verb = "already had" if added.duplicate else "is downloading"
    return await requester.submit(request, f"{backend.ref.title} {verb} {title}.")
