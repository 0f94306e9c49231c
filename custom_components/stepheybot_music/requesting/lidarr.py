"""The Lidarr route: add the artist (monitored) or the one album, then search."""

from __future__ import annotations

import asyncio
from datetime import datetime

from homeassistant.util import dt as dt_util
from stepheybot_music_clients.lidarr import (
    Album,
    Artist,
    LidarrClient,
    LidarrCommand,
    MonitorOption,
)

from ..action_errors import failed, invalid
from ..coordinators.lidarr import LidarrRuntime
from ..tracking.models import Route, TrackedRequest
from .ask import Wanted, named
from .duplicates import albums_in_flight, by_names, carrying, same
from .requester import Requester
from .result import RequestResult, already_requested, in_library

ALBUM_WAIT_TRIES = 5
ALBUM_WAIT = 1.0
"""Lidarr lists a newly added artist's albums once its refresh ran: seconds between looks."""


async def async_request(
    requester: Requester, backend: LidarrRuntime, wanted: Wanted
) -> RequestResult:
    """An artist (every album, or the latest) or one album, found by name or MusicBrainz id."""
    client = backend.status.client
    by_name = wanted.artist and not (wanted.artist_mbid or wanted.album_mbid)
    if by_name and (found := by_names(requester.tracker, wanted.artist or "", wanted.album)):
        return already_requested(found)
    artist, album_mbid = await _artist(client, wanted)
    lidarr = _LidarrRequest(requester, backend, artist)
    if wanted.album or album_mbid or wanted.latest:
        return await lidarr.album(title=wanted.album, mbid=album_mbid, latest=wanted.latest)
    return await lidarr.whole_artist()


async def _artist(client: LidarrClient, wanted: Wanted) -> tuple[Artist, str | None]:
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


class _LidarrRequest:
    """A request through Lidarr for one artist (found by lookup)."""

    def __init__(self, requester: Requester, backend: LidarrRuntime, artist: Artist) -> None:
        self.requester = requester
        self.backend = backend
        self.client = backend.status.client
        self.artist = artist

    def _request(
        self, *, album: Album | None, ids: tuple[int, ...], command: int | None, lidarr_id: int
    ) -> TrackedRequest:
        return self.requester.new(
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
        return same(
            self.requester.tracker,
            artist=self.artist.name,
            album=album.title if album else None,
            artist_mbid=self.artist.foreign_artist_id,
            album_mbid=album.foreign_album_id if album else None,
        )

    def _on_their_way(self, albums: list[Album]) -> tuple[list[Album], list[TrackedRequest]]:
        """``albums`` less those a request in flight carries, and that request per album left out.

        The same request appears once for each album of ``albums`` it carries.
        """
        requests = albums_in_flight(
            self.requester.tracker,
            artist=self.artist.name,
            artist_mbid=self.artist.foreign_artist_id,
        )
        left: list[Album] = []
        carried: list[TrackedRequest] = []
        for album in albums:
            found = carrying(
                requests,
                backend_id=self.backend.ref.subentry_id,
                album_id=album.id,
                title=album.title,
                album_mbid=album.foreign_album_id,
            )
            if found is None:
                left.append(album)
            else:
                carried.append(found)
        return left, carried

    async def whole_artist(self) -> RequestResult:
        """Every album: add the artist monitored (searching), or search what is missing.

        Albums already on their way (another request carries them) or already on disk are
        left out: the request names, and Lidarr searches, only the others.
        """
        if (found := self._same(None)) is not None:
            return already_requested(found)
        name = self.artist.name
        title = self.backend.ref.title
        busy = albums_in_flight(
            self.requester.tracker, artist=name, artist_mbid=self.artist.foreign_artist_id
        )
        if not self.artist.id:
            added = await self._add(MonitorOption.ALL, search=not busy)
            albums = await self._albums_after_add(added.id)
            wanted, carried = self._on_their_way([a for a in albums if a.monitored])
            if carried and not wanted:
                return already_requested(carried[0])
            # added without its search when something is on its way: search the others
            command = await self._search(wanted) if busy else None
            ids = tuple(a.id for a in wanted)
            request = self._request(album=None, ids=ids, command=command, lidarr_id=added.id)
            return await self.requester.submit(
                request, f"{title} added {name} and searches for its albums{_besides(carried)}."
            )
        now = dt_util.utcnow()
        albums = await self.client.albums(artist_id=self.artist.id)
        missing = [a for a in albums if not _has_files(a) and _released(a, now)]
        if not missing:
            return in_library(name)
        wanted, carried = self._on_their_way(missing)
        if not wanted:
            return already_requested(carried[0])
        unmonitored = [a.id for a in wanted if not a.monitored]
        if unmonitored:
            await self.client.monitor_albums(unmonitored)
        if carried:
            command_id = await self._search(wanted)
        else:
            started = await self.client.command(
                LidarrCommand.ARTIST_SEARCH, artist_id=self.artist.id
            )
            command_id = started.id
        request = self._request(
            album=None,
            ids=tuple(a.id for a in wanted),
            command=command_id,
            lidarr_id=self.artist.id,
        )
        return await self.requester.submit(
            request,
            f"{title} searches for the {len(wanted)} missing albums of {name}{_besides(carried)}.",
        )

    async def _search(self, albums: list[Album]) -> int | None:
        """Search these albums only (not the artist's others, some already on their way)."""
        if not albums:
            return None
        ids = [a.id for a in albums]
        command = await self.client.command(LidarrCommand.ALBUM_SEARCH, album_ids=ids)
        return command.id

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
            what = named(self.artist.name, target.title if target else None)
            return await self.requester.submit(request, f"{lidarr} added and searches {what}.")
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
        what = named(self.artist.name, target.title)
        if _has_files(target):
            return in_library(what)
        if (found := self._same(target)) is not None:
            return already_requested(found)
        command = await self.client.add_album(target.id)
        request = self._request(
            album=target,
            ids=(target.id,),
            command=command.id if command else None,
            lidarr_id=artist_id,
        )
        return await self.requester.submit(request, f"{lidarr} searches for {what}.")

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


def _besides(carried: list[TrackedRequest]) -> str:
    """``; 1 more is already on its way`` (the albums other requests carry), or nothing."""
    count = len(carried)
    if not count:
        return ""
    one = count == 1
    return f"; {count} more {'is' if one else 'are'} already on {'its' if one else 'their'} way"


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
