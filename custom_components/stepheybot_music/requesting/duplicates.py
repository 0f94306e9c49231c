"""Nothing is sent twice: the requests in flight and what Navidrome already holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..coordinators.navidrome import NavidromeRuntime
from ..runtime import StackRuntimeData
from ..tracking.library_scan import navidrome_has
from ..tracking.models import RequestKind, TrackedRequest
from .requester import guarded

if TYPE_CHECKING:
    from ..tracking.coordinator import RequestCoordinator


def in_flight(tracker: RequestCoordinator, **keys: str | None) -> TrackedRequest | None:
    """The request in flight matching every key given (those None or empty are ignored)."""
    given = {key: value for key, value in keys.items() if value}
    return tracker.find_in_flight(**given) if given else None


def same(
    tracker: RequestCoordinator,
    *,
    artist: str,
    album: str | None,
    artist_mbid: str | None,
    album_mbid: str | None,
) -> TrackedRequest | None:
    """The download request in flight for this album, or for this artist as a whole.

    A request for every album of an artist covers each of its albums too.
    """
    if album is not None:
        found = in_flight(
            tracker, artist=artist, album=album, artist_mbid=artist_mbid, album_mbid=album_mbid
        )
        if found is not None and found.kind is RequestKind.DOWNLOAD:
            return found
    name = artist.casefold()
    return next(
        (
            request
            for request in tracker.store.in_flight()
            if request.kind is RequestKind.DOWNLOAD
            and request.album is None
            and (
                request.artist.casefold() == name
                or (artist_mbid is not None and request.artist_mbid == artist_mbid)
            )
        ),
        None,
    )


def albums_in_flight(
    tracker: RequestCoordinator, *, artist: str, artist_mbid: str | None
) -> list[TrackedRequest]:
    """The download requests in flight for one album of this artist (any route)."""
    name = artist.casefold()
    return [
        request
        for request in tracker.store.in_flight()
        if request.kind is RequestKind.DOWNLOAD
        and request.album is not None
        and (
            request.artist.casefold() == name
            or (artist_mbid is not None and request.artist_mbid == artist_mbid)
        )
    ]


def carrying(
    requests: list[TrackedRequest],
    *,
    backend_id: str,
    album_id: int,
    title: str,
    album_mbid: str | None,
) -> TrackedRequest | None:
    """The request of ``requests`` that already carries this album (Lidarr id, id or title)."""
    for request in requests:
        if (
            (request.backend_id == backend_id and album_id in request.lidarr_album_ids)
            or (album_mbid is not None and request.album_mbid == album_mbid)
            or (request.album or "").casefold() == title.casefold()
        ):
            return request
    return None


def by_names(tracker: RequestCoordinator, artist: str, album: str | None) -> TrackedRequest | None:
    """``same`` by names alone."""
    return same(tracker, artist=artist, album=album, artist_mbid=None, album_mbid=None)


async def in_navidrome(runtime: StackRuntimeData, artist: str, album: str | None) -> bool:
    """Whether a Navidrome of the stack has this album (or, without one, this artist)."""
    for backend in runtime.of_type(NavidromeRuntime):
        if await guarded(backend.ref, navidrome_has(backend, artist, album)):
            return True
    return False
