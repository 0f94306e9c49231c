"""The Music Brain route: it asks its Lidarr for an artist, or downloads a magnet link."""

from __future__ import annotations

from stepheybot_music_clients.music_brain import RequestOutcome

from ..action_errors import failed
from ..coordinators.music_brain import MusicBrainRuntime
from ..tracking.models import Route
from .ask import Wanted
from .duplicates import by_names, in_navidrome
from .requester import Requester, guarded
from .result import RequestResult, already_requested, in_library


async def async_request_names(
    requester: Requester, backend: MusicBrainRuntime, wanted: Wanted
) -> RequestResult:
    """An artist (or one of its albums) by name: the Brain has Lidarr monitor the artist."""
    artist = wanted.artist or ""
    if (found := by_names(requester.tracker, artist, wanted.album)) is not None:
        return already_requested(found)
    if await in_navidrome(requester.runtime, artist, wanted.album):
        return in_library(wanted.name)
    client = backend.requests.client
    answer = await guarded(
        backend.ref,
        client.request_download(artist, wanted.album or artist, album=wanted.album),
    )
    if answer.outcome is not RequestOutcome.MONITORING:
        raise failed(
            "brain_not_monitoring",
            backend=backend.ref.title,
            artist=artist,
            reason=answer.warning or answer.message or str(answer.outcome),
        )
    request = requester.new_for(backend.ref, Route.MUSIC_BRAIN, wanted, artist=artist)
    return await requester.submit(
        request,
        f"{backend.ref.title} asked Lidarr to monitor {artist} and search its missing albums.",
    )


async def async_request_magnet(
    requester: Requester, backend: MusicBrainRuntime, wanted: Wanted
) -> RequestResult:
    """A magnet link: the Brain queues its download."""
    client = backend.requests.client
    title = wanted.download_title
    answer = await guarded(
        backend.ref,
        client.request_download(
            wanted.artist or title,
            wanted.album or title,
            album=wanted.album,
            magnet=wanted.link,
        ),
    )
    request = requester.new_for(
        backend.ref,
        Route.MUSIC_BRAIN,
        wanted,
        artist=wanted.artist or title,
        brain_request_id=answer.request_id,
        torrent_hash=wanted.torrent_hash,
        size=wanted.size,
    )
    return await requester.submit(request, f"{backend.ref.title} queued {title}.")
