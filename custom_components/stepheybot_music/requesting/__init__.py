"""``request_download``: ask the stack for music, through the best backend it has.

Lidarr when configured (it knows artists and albums), else the Music Brain, else the
download client in the music category (a magnet link or a ``release:`` search result only).
Nothing is sent twice: what the library already holds and what is already in flight are
answered without asking any backend for a download. A magnet link is never stored or
logged, only its info-hash (its tracker URLs can carry a passkey).

Modules: ``ask`` (the input, checked), ``duplicates`` (what is in flight or in the library),
``lidarr``, ``brain`` and ``download_client`` (one route each), ``requester`` (what the
routes share), ``result`` (the answer).
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant

from ..action_errors import invalid
from ..coordinators.download_client import DownloadClientRuntime
from ..coordinators.lidarr import LidarrRuntime
from ..coordinators.music_brain import MusicBrainRuntime
from ..runtime import StepheyBotConfigEntry
from . import brain, download_client, lidarr
from .ask import MAX_TEXT, Wanted, magnet_parts, parse_request, wanted_of_result
from .duplicates import in_flight
from .requester import Requester, guarded
from .result import RequestResult, RequestStatus, already_requested, in_library

__all__ = [
    "MAX_TEXT",
    "RequestResult",
    "RequestStatus",
    "Wanted",
    "async_request_download",
    "magnet_parts",
    "parse_request",
]


async def async_request_download(
    hass: HomeAssistant,
    entry: StepheyBotConfigEntry,
    *,
    artist: str | None = None,
    album: str | None = None,
    latest: bool = False,
    musicbrainz_id: str | None = None,
    result_id: str | None = None,
    magnet: str | None = None,
    source: str = "action",
) -> RequestResult:
    """Request music by name, MusicBrainz id, search result or magnet link.

    Raises ``ServiceValidationError`` for input that cannot be requested (its message names
    the field and what is allowed) and ``HomeAssistantError`` when a backend refuses or is
    down (its message names the backend and what to do); nothing is stored then.
    """
    wanted, result_id = parse_request(
        artist=artist,
        album=album,
        latest=latest,
        musicbrainz_id=musicbrainz_id,
        result_id=result_id,
        magnet=magnet,
    )
    if result_id is not None:
        wanted = wanted_of_result(entry, result_id)
    requester = Requester(hass, entry, source)
    async with requester.tracker.submit_lock:  # two at once must not both pass the checks
        return await _async_route(requester, wanted)


async def _async_route(requester: Requester, wanted: Wanted) -> RequestResult:
    """Send ``wanted`` the way the stack allows, unless it is in the library or in flight."""
    if wanted.library:
        return in_library(wanted.name)
    runtime, stack = requester.runtime, requester.entry.title
    lidarrs = runtime.of_type(LidarrRuntime)
    brains = runtime.of_type(MusicBrainRuntime)
    clients = runtime.of_type(DownloadClientRuntime)
    if wanted.link is not None:
        if (found := in_flight(requester.tracker, torrent_hash=wanted.torrent_hash)) is not None:
            return already_requested(found)
        if brains and wanted.link.lower().startswith("magnet:"):
            return await brain.async_request_magnet(requester, brains[0], wanted)
        if clients:
            return await download_client.async_request(
                requester, download_client.pick(clients), wanted
            )
        raise invalid("needs_download_client", stack=stack)
    if lidarrs:
        return await guarded(lidarrs[0].ref, lidarr.async_request(requester, lidarrs[0], wanted))
    if brains:
        if wanted.artist is None or wanted.latest:
            field = "latest" if wanted.latest else wanted.field
            raise invalid("needs_lidarr", field=field, stack=stack)
        return await brain.async_request_names(requester, brains[0], wanted)
    if clients:
        raise invalid("needs_release", field=wanted.field, stack=stack)
    raise invalid("no_request_backend", stack=stack)
