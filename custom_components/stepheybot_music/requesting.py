"""``request_download``: ask the stack for music, through the best backend it has.

Lidarr when configured (it knows artists and albums), else the Music Brain, else the
download client in the music category (a magnet link or a ``release:`` search result only).
Nothing is sent twice: what the library already holds and what is already in flight are
answered without asking any backend for a download. A magnet link is never stored or
logged, only its info-hash (its tracker URLs can carry a passkey).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from homeassistant.util.ulid import ulid_now

from .action_errors import backend_failed, failed, invalid
from .clients.errors import AlreadyExistsError, StackError
from .clients.lidarr import Album, Artist, LidarrClient, LidarrCommand, MonitorOption
from .clients.music_brain import RequestOutcome
from .coordinators.download_client import DownloadClientRuntime
from .coordinators.lidarr import LidarrRuntime
from .coordinators.music_brain import MusicBrainRuntime
from .coordinators.navidrome import NavidromeRuntime
from .coordinators.qbittorrent import QBittorrentCoordinator
from .coordinators.transmission import TransmissionCoordinator
from .runtime import BackendRef, StepheyBotConfigEntry
from .search import SearchError, resolve_result
from .tracking.models import TITLE_DASH, RequestKind, Route, TrackedRequest

if TYPE_CHECKING:
    from .tracking.coordinator import RequestCoordinator

MAX_TEXT = 200
"""Longest artist or album name accepted."""
ALBUM_WAIT_TRIES = 5
ALBUM_WAIT = 1.0
"""Lidarr lists a newly added artist's albums once its refresh ran: seconds between looks."""
_MBID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_HEX_HASH = re.compile(r"^[0-9a-fA-F]{40}$")
_BASE32_HASH = re.compile(r"^[A-Za-z2-7]{32}$")


class RequestStatus(StrEnum):
    """What became of a request."""

    REQUESTED = "requested"
    ALREADY_REQUESTED = "already_requested"
    ALREADY_IN_LIBRARY = "already_in_library"


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestResult:
    """The answer to a request: its status, the tracked request and one short sentence."""

    status: RequestStatus
    request: TrackedRequest | None
    """The new request, or the one already in flight; None when already in the library."""
    message: str

    def as_dict(self) -> dict[str, Any]:
        """Response data of the ``request_download`` action."""
        return {
            "status": self.status.value,
            "message": self.message,
            "request": self.request.as_dict() if self.request else None,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Wanted:
    """What was asked for, checked; ``field`` is how it was said (for error messages)."""

    field: str
    artist: str | None = None
    album: str | None = None
    latest: bool = False
    musicbrainz_id: str | None = None
    """Of an artist or a release group (which one is found out through Lidarr)."""
    artist_mbid: str | None = None
    album_mbid: str | None = None
    link: str | None = None
    """A magnet link or a .torrent URL (never stored or logged)."""
    torrent_hash: str | None = None
    title: str | None = None
    """A display name for a download (a magnet's ``dn``, a release's title)."""
    size: int | None = None
    library: bool = False
    """Already in the library (a ``library:`` search result)."""

    @property
    def name(self) -> str:
        """``Artist \u2013 Album``, the artist, or the download's title."""
        artist = self.artist or self.title or self.torrent_hash or self.musicbrainz_id or "?"
        return _named(artist, self.album)


# --------------------------------------------------------------------------- input


def _text(field: str, value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise invalid("text_too_long", field=field, max=str(MAX_TEXT))
    return value or None


def magnet_parts(magnet: str) -> tuple[str, str | None] | None:
    """``(info-hash, display name)`` of a magnet link, None when it has no BitTorrent hash."""
    if not magnet.lower().startswith("magnet:?"):
        return None
    info_hash: str | None = None
    name: str | None = None
    for key, value in parse_qsl(magnet[8:], keep_blank_values=True):
        if key == "dn" and value.strip():
            name = value.strip()[:MAX_TEXT]
        if key != "xt" or not value.lower().startswith("urn:btih:") or info_hash:
            continue
        digest = value[9:]
        if _HEX_HASH.match(digest):
            info_hash = digest.lower()
        elif _BASE32_HASH.match(digest):
            try:
                info_hash = base64.b32decode(digest.upper()).hex()
            except binascii.Error:  # pragma: no cover - the pattern admits only valid base32
                return None
    return (info_hash, name) if info_hash else None


def parse_request(
    *,
    artist: str | None = None,
    album: str | None = None,
    latest: bool = False,
    musicbrainz_id: str | None = None,
    result_id: str | None = None,
    magnet: str | None = None,
) -> tuple[Wanted, str | None]:
    """Check the input; returns what is wanted and the search result id still to resolve."""
    artist, album = _text("artist", artist), _text("album", album)
    musicbrainz_id = _text("musicbrainz_id", musicbrainz_id)
    result_id = result_id.strip() if result_id else None
    magnet = magnet.strip() if magnet else None
    given = [
        field
        for field, value in (
            ("artist", artist),
            ("musicbrainz_id", musicbrainz_id),
            ("result_id", result_id),
            ("magnet", magnet),
        )
        if value
    ]
    if not given:
        raise invalid("album_without_artist" if album else "nothing_requested")
    if len(given) > 1:
        raise invalid("several_requested", fields=", ".join(given))
    field = given[0]
    if album and field != "artist":
        raise invalid("album_without_artist")
    if latest and album:
        raise invalid("latest_with_album")
    if latest and field not in ("artist", "musicbrainz_id"):
        raise invalid("latest_without_artist", field=field)
    if musicbrainz_id is not None:
        musicbrainz_id = musicbrainz_id.lower()
        if not _MBID.match(musicbrainz_id):
            raise invalid("invalid_musicbrainz_id", value=musicbrainz_id[:40])
    if magnet is not None:
        parts = magnet_parts(magnet)
        if parts is None:
            raise invalid("invalid_magnet")
        return Wanted(field=field, link=magnet, torrent_hash=parts[0], title=parts[1]), None
    wanted = Wanted(
        field=field, artist=artist, album=album, latest=latest, musicbrainz_id=musicbrainz_id
    )
    return wanted, result_id


def _wanted_of_result(entry: StepheyBotConfigEntry, result_id: str) -> Wanted:
    """What a search result stands for (the search cache keeps a release's link)."""
    try:
        found = resolve_result(entry, result_id)
    except SearchError as err:
        raise invalid(err.translation_key, **err.placeholders) from err
    link = found.magnet or found.link
    torrent_hash = found.info_hash
    if found.magnet and (parts := magnet_parts(found.magnet)) is not None:
        torrent_hash = torrent_hash or parts[0]
    by_id = None if found.artist or link else (found.album_mbid or found.artist_mbid)
    return Wanted(
        field="result_id",
        musicbrainz_id=by_id,
        artist=found.artist,
        album=found.album,
        artist_mbid=found.artist_mbid,
        album_mbid=found.album_mbid,
        link=link,
        torrent_hash=torrent_hash.lower() if torrent_hash else None,
        title=found.title,
        size=found.size,
        library=found.in_library,
    )


# --------------------------------------------------------------------------- entry point


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
        wanted = _wanted_of_result(entry, result_id)
    return await _Requester(hass, entry, source).async_request(wanted)


class _Requester:
    """One request's way through the stack."""

    def __init__(self, hass: HomeAssistant, entry: StepheyBotConfigEntry, source: str) -> None:
        self.hass = hass
        self.entry = entry
        self.source = source
        self.runtime = entry.runtime_data
        self.tracker: RequestCoordinator = entry.runtime_data.requests

    # ---------------------------------------------------------------- routing

    async def async_request(self, wanted: Wanted) -> RequestResult:
        if wanted.library:
            return _in_library(wanted.name)
        lidarr = self.runtime.of_type(LidarrRuntime)
        brains = self.runtime.of_type(MusicBrainRuntime)
        clients = self.runtime.of_type(DownloadClientRuntime)
        if wanted.link is not None:
            if (found := self._in_flight(torrent_hash=wanted.torrent_hash)) is not None:
                return _already_requested(found)
            if brains and wanted.link.lower().startswith("magnet:"):
                return await self._brain_magnet(brains[0], wanted)
            if clients:
                return await self._download_client(_pick(clients), wanted)
            raise invalid("needs_download_client", stack=self.entry.title)
        if lidarr:
            return await self._guarded(lidarr[0].ref, self._lidarr(lidarr[0], wanted))
        if brains:
            if wanted.artist is None or wanted.latest:
                field = "latest" if wanted.latest else wanted.field
                raise invalid("needs_lidarr", field=field, stack=self.entry.title)
            return await self._brain_names(brains[0], wanted)
        if clients:
            raise invalid("needs_release", field=wanted.field, stack=self.entry.title)
        raise invalid("no_request_backend", stack=self.entry.title)

    async def _guarded[T](self, ref: BackendRef, work: Awaitable[T]) -> T:
        try:
            return await work
        except StackError as err:
            raise backend_failed(ref, err) from err

    def _in_flight(self, **keys: str | None) -> TrackedRequest | None:
        given = {key: value for key, value in keys.items() if value}
        return self.tracker.find_in_flight(**given) if given else None

    def _same(
        self, *, artist: str, album: str | None, artist_mbid: str | None, album_mbid: str | None
    ) -> TrackedRequest | None:
        """The download request in flight for this album, or for this artist as a whole.

        A request for every album of an artist covers each of its albums too.
        """
        if album is not None:
            found = self._in_flight(
                artist=artist, album=album, artist_mbid=artist_mbid, album_mbid=album_mbid
            )
            if found is not None and found.kind is RequestKind.DOWNLOAD:
                return found
        name = artist.casefold()
        return next(
            (
                request
                for request in self.tracker.store.in_flight()
                if request.kind is RequestKind.DOWNLOAD
                and request.album is None
                and (
                    request.artist.casefold() == name
                    or (artist_mbid is not None and request.artist_mbid == artist_mbid)
                )
            ),
            None,
        )

    def _by_names(self, artist: str, album: str | None) -> TrackedRequest | None:
        return self._same(artist=artist, album=album, artist_mbid=None, album_mbid=None)

    async def _submit(self, request: TrackedRequest, message: str) -> RequestResult:
        stored = await self.tracker.async_submit(request)
        return RequestResult(status=RequestStatus.REQUESTED, request=stored, message=message)

    def _new(self, ref: BackendRef, route: Route, **fields: Any) -> TrackedRequest:
        return TrackedRequest(
            request_id=ulid_now(),
            route=route,
            backend_id=ref.subentry_id,
            source=self.source,
            **fields,
        )

    # ---------------------------------------------------------------- Lidarr

    async def _lidarr(self, backend: LidarrRuntime, wanted: Wanted) -> RequestResult:
        client = backend.status.client
        named = wanted.artist and not (wanted.artist_mbid or wanted.album_mbid)
        if named and (found := self._by_names(wanted.artist or "", wanted.album)):
            return _already_requested(found)
        artist, album_mbid = await self._lidarr_artist(client, wanted)
        lidarr = _LidarrRequest(self, backend, artist)
        if wanted.album or album_mbid or wanted.latest:
            return await lidarr.album(title=wanted.album, mbid=album_mbid, latest=wanted.latest)
        return await lidarr.whole_artist()

    async def _lidarr_artist(
        self, client: LidarrClient, wanted: Wanted
    ) -> tuple[Artist, str | None]:
        """The artist to request (a lookup result: id 0 when not in Lidarr) and the album id."""
        album_mbid = wanted.album_mbid
        if wanted.musicbrainz_id is not None:
            mbid = wanted.musicbrainz_id
            artists = await client.lookup_artist(f"lidarr:{mbid}")
            if artists:
                return artists[0], None
            albums = [a for a in await client.lookup_album(f"lidarr:{mbid}") if a.artist_foreign_id]
            if albums and albums[0].artist_foreign_id:
                owner = await client.lookup_artist(f"lidarr:{albums[0].artist_foreign_id}")
                if owner:
                    return owner[0], mbid
            raise invalid("musicbrainz_id_not_found", value=mbid)
        if wanted.artist_mbid is not None:
            artists = await client.lookup_artist(f"lidarr:{wanted.artist_mbid}")
            if artists:
                return artists[0], album_mbid
        name = wanted.artist or ""
        artists = await client.lookup_artist(name)
        exact = [a for a in artists if a.name.casefold() == name.casefold()]
        if not (exact or artists):
            raise invalid("artist_not_found", artist=name)
        return (exact or artists)[0], album_mbid

    # ---------------------------------------------------------------- Music Brain

    async def _brain_names(self, backend: MusicBrainRuntime, wanted: Wanted) -> RequestResult:
        artist = wanted.artist or ""
        if (found := self._by_names(artist, wanted.album)) is not None:
            return _already_requested(found)
        if await self._in_navidrome(artist, wanted.album):
            return _in_library(wanted.name)
        client = backend.requests.client
        answer = await self._guarded(
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
        request = self._new(
            backend.ref,
            Route.MUSIC_BRAIN,
            artist=artist,
            album=wanted.album,
            artist_mbid=wanted.artist_mbid,
            album_mbid=wanted.album_mbid,
        )
        return await self._submit(
            request,
            f"{backend.ref.title} asked Lidarr to monitor {artist} and search its missing albums.",
        )

    async def _brain_magnet(self, backend: MusicBrainRuntime, wanted: Wanted) -> RequestResult:
        client = backend.requests.client
        title = _download_title(wanted)
        answer = await self._guarded(
            backend.ref,
            client.request_download(
                wanted.artist or title,
                wanted.album or title,
                album=wanted.album,
                magnet=wanted.link,
            ),
        )
        request = self._new(
            backend.ref,
            Route.MUSIC_BRAIN,
            artist=wanted.artist or title,
            album=wanted.album,
            artist_mbid=wanted.artist_mbid,
            album_mbid=wanted.album_mbid,
            brain_request_id=answer.request_id,
            torrent_hash=wanted.torrent_hash,
            size=wanted.size,
        )
        return await self._submit(request, f"{backend.ref.title} queued {title}.")

    async def _in_navidrome(self, artist: str, album: str | None) -> bool:
        """Whether a Navidrome of the stack has this album (or, without one, this artist)."""
        for backend in self.runtime.of_type(NavidromeRuntime):
            found = await self._guarded(
                backend.ref,
                backend.status.client.search3(
                    album or artist,
                    artist_count=0 if album else 20,
                    album_count=20 if album else 0,
                    song_count=0,
                ),
            )
            if album is None:
                if any(a.name.casefold() == artist.casefold() for a in found.artists):
                    return True
            elif any(
                a.name.casefold() == album.casefold()
                and (a.artist or "").casefold() == artist.casefold()
                for a in found.albums
            ):
                return True
        return False

    # ---------------------------------------------------------------- download client

    async def _download_client(
        self, backend: DownloadClientRuntime, wanted: Wanted
    ) -> RequestResult:
        link = wanted.link or ""
        coordinator = backend.coordinator
        category = self.runtime.settings.music_category
        torrent_hash = wanted.torrent_hash
        title = _download_title(wanted)
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
        request = self._new(
            backend.ref,
            Route.DOWNLOAD_CLIENT,
            artist=wanted.artist or title,
            album=wanted.album,
            artist_mbid=wanted.artist_mbid,
            album_mbid=wanted.album_mbid,
            torrent_hash=torrent_hash,
            size=wanted.size,
        )
        verb = "already had" if had else "is downloading"
        return await self._submit(request, f"{backend.ref.title} {verb} {title}.")


class _LidarrRequest:
    """A request through Lidarr for one artist (found by lookup)."""

    def __init__(self, requester: _Requester, backend: LidarrRuntime, artist: Artist) -> None:
        self.requester = requester
        self.backend = backend
        self.client = backend.status.client
        self.artist = artist

    def _request(
        self, *, album: Album | None, ids: tuple[int, ...], command: int | None, lidarr_id: int
    ) -> TrackedRequest:
        return self.requester._new(
            self.backend.ref,
            Route.LIDARR,
            artist=self.artist.name,
            album=album.title if album else None,
            artist_mbid=self.artist.foreign_artist_id,
            album_mbid=album.foreign_album_id if album else None,
            lidarr_artist_id=lidarr_id,
            lidarr_album_ids=ids,
            lidarr_command_id=command,
        )

    def _same(self, album: Album | None) -> TrackedRequest | None:
        return self.requester._same(
            artist=self.artist.name,
            album=album.title if album else None,
            artist_mbid=self.artist.foreign_artist_id,
            album_mbid=album.foreign_album_id if album else None,
        )

    async def whole_artist(self) -> RequestResult:
        """Every album: add the artist monitored (searching), or search what is missing."""
        if (found := self._same(None)) is not None:
            return _already_requested(found)
        name = self.artist.name
        title = self.backend.ref.title
        if not self.artist.id:
            added = await self._add(MonitorOption.ALL, search=True)
            albums = await self._albums_after_add(added.id)
            ids = tuple(a.id for a in albums if a.monitored)
            request = self._request(album=None, ids=ids, command=None, lidarr_id=added.id)
            return await self.requester._submit(
                request, f"{title} added {name} and searches for its albums."
            )
        now = dt_util.utcnow()
        albums = await self.client.albums(artist_id=self.artist.id)
        missing = [a for a in albums if not _has_files(a) and _released(a, now)]
        if not missing:
            return _in_library(name)
        unmonitored = [a.id for a in missing if not a.monitored]
        if unmonitored:
            await self.client.monitor_albums(unmonitored)
        command = await self.client.command(LidarrCommand.ARTIST_SEARCH, artist_id=self.artist.id)
        request = self._request(
            album=None,
            ids=tuple(a.id for a in missing),
            command=command.id,
            lidarr_id=self.artist.id,
        )
        return await self.requester._submit(
            request, f"{title} searches for the {len(missing)} missing albums of {name}."
        )

    async def album(self, *, title: str | None, mbid: str | None, latest: bool) -> RequestResult:
        """One album (by title, release-group id, or the latest): monitor it and search it."""
        lidarr = self.backend.ref.title
        if not self.artist.id and latest:
            added = await self._add(MonitorOption.LATEST, search=True)
            albums = await self._albums_after_add(added.id)
            target = next((a for a in albums if a.monitored), None) or _latest(albums)
            request = self._request(
                album=target,
                ids=(target.id,) if target else (),
                command=None,
                lidarr_id=added.id,
            )
            what = _named(self.artist.name, target.title if target else None)
            return await self.requester._submit(request, f"{lidarr} added and searches {what}.")
        if self.artist.id:
            artist_id = self.artist.id
            albums = await self.client.albums(artist_id=artist_id)
        else:
            added = await self._add(MonitorOption.NONE, search=False)
            artist_id = added.id
            albums = await self._albums_after_add(artist_id)
            if not albums:
                raise failed(
                    "lidarr_albums_pending", backend=self.backend.ref.title, artist=self.artist.name
                )
        target = _latest(albums) if latest else _album(albums, title=title, mbid=mbid)
        if target is None:
            raise invalid(
                "album_not_found", artist=self.artist.name, album=title or mbid or "latest"
            )
        what = _named(self.artist.name, target.title)
        if _has_files(target):
            return _in_library(what)
        if (found := self._same(target)) is not None:
            return _already_requested(found)
        command = await self.client.add_album(target.id)
        request = self._request(
            album=target,
            ids=(target.id,),
            command=command.id if command else None,
            lidarr_id=artist_id,
        )
        return await self.requester._submit(request, f"{lidarr} searches for {what}.")

    async def _add(self, monitor: MonitorOption, *, search: bool) -> Artist:
        """Add the artist with the first root folder's (or the first) profiles."""
        client = self.client
        roots = await client.root_folders()
        root = next((r for r in roots if r.accessible), roots[0] if roots else None)
        if root is None:
            raise failed("lidarr_no_root_folder", backend=self.backend.ref.title)
        quality = root.default_quality_profile_id or (await client.quality_profiles())[0].id
        metadata = root.default_metadata_profile_id or (await client.metadata_profiles())[0].id
        return await client.add_artist(
            self.artist,
            quality_profile_id=quality,
            metadata_profile_id=metadata,
            root_folder_path=root.path,
            monitor=monitor,
            search=search,
        )

    async def _albums_after_add(self, artist_id: int) -> list[Album]:
        """The albums of a just-added artist (Lidarr lists them once its refresh ran)."""
        for attempt in range(ALBUM_WAIT_TRIES):
            albums = await self.client.albums(artist_id=artist_id)
            if albums or attempt == ALBUM_WAIT_TRIES - 1:
                return albums
            await asyncio.sleep(ALBUM_WAIT)
        return []  # pragma: no cover - the loop always returns


# --------------------------------------------------------------------------- helpers


def _pick(clients: list[DownloadClientRuntime]) -> DownloadClientRuntime:
    """The download client to use: the first that answers, else the first."""
    return next((c for c in clients if c.coordinator.last_update_success), clients[0])


def _download_title(wanted: Wanted) -> str:
    if wanted.artist:
        return _named(wanted.artist, wanted.album)
    return wanted.title or f"torrent {(wanted.torrent_hash or '')[:8]}".strip()


def _named(artist: str, album: str | None) -> str:
    return f"{artist}{TITLE_DASH}{album}" if album else artist


def _has_files(album: Album) -> bool:
    """Whether Lidarr has every track of the album on disk."""
    return bool(album.track_file_count) and (album.percent_of_tracks or 0.0) >= 100.0


def _released(album: Album, now: datetime) -> bool:
    return album.release_date is None or album.release_date <= now


def _latest(albums: list[Album]) -> Album | None:
    """The newest released album (studio albums first)."""
    now = dt_util.utcnow()
    released = [a for a in albums if a.release_date is not None and a.release_date <= now]
    studio = [a for a in released if (a.album_type or "").casefold() == "album"]
    pool = studio or released
    return max(pool, key=lambda a: a.release_date or now) if pool else None


def _album(albums: list[Album], *, title: str | None, mbid: str | None) -> Album | None:
    """The album with this release-group id, else this title (exact, else contained)."""
    if mbid:
        found = next((a for a in albums if a.foreign_album_id == mbid), None)
        if found is not None or not title:
            return found
    needle = (title or "").casefold()
    exact = [a for a in albums if a.title.casefold() == needle]
    if exact:
        return exact[0]
    close = sorted((a for a in albums if needle in a.title.casefold()), key=lambda a: len(a.title))
    return close[0] if close else None


def _in_library(what: str) -> RequestResult:
    return RequestResult(
        status=RequestStatus.ALREADY_IN_LIBRARY,
        request=None,
        message=f"{what} is already in the library.",
    )


def _already_requested(request: TrackedRequest) -> RequestResult:
    return RequestResult(
        status=RequestStatus.ALREADY_REQUESTED,
        request=request,
        message=f"{request.title} was already requested ({request.stage.value}).",
    )
