"""Navidrome's view of the world's library: sorted indexes and the JSON shapes of its entities.

The world says which albums Navidrome has scanned (``Album.in_navidrome``) and keeps the
counts (``nav_artists``, ``nav_albums``, ``nav_songs``). :class:`LibraryIndex` sorts that
library once and is rebuilt only when the world's album count changes (albums only ever
join Navidrome's library), so count and first-page requests cost O(1) or O(log n) at any
size; a rebuild sorts the albums again (milliseconds at 100,000 tracks) and reuses the album
durations already known. Tracks are never stored: pages of songs come from prefix sums.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time
from itertools import accumulate
from typing import Any

from ..model import Album, Artist, Track
from ..world import World

IGNORED_ARTICLES = "The El La Los Las Le Les Os As O A"
_ARTICLES = tuple(word + " " for word in IGNORED_ARTICLES.split())
COMPOSERS = ("Clara Wieck", "Moondog", "Nadia Boulanger", "Arvo Part", "Hildegard of Bingen")
"""Composers credited on some tracks: participants that are no album artist (see
:func:`composer_of`)."""
MISSING_TRACKS = 10
"""Songs of each album whose files went missing (see :class:`MissingFiles`)."""

type Json = dict[str, Any]


def entity_id(kind: str, key: str) -> str:
    """A stable, opaque Navidrome-style id (32 hex digits)."""
    return hashlib.md5(f"{kind}:{key}".encode(), usedforsecurity=False).hexdigest()


def order_name(name: str) -> str:
    """The name Navidrome sorts and indexes by: lower case, leading article removed."""
    for article in _ARTICLES:
        if name.startswith(article):
            return name[len(article) :].lower()
    return name.lower()


def index_letter(name: str) -> str:
    """The ``getArtists`` index an artist goes into (``#`` for non-letters)."""
    first = order_name(name)[:1].upper()
    return first if first.isalpha() else "#"


def composer_of(album: Album) -> str | None:
    """The composer credited on an album's tracks (every third album has one), or None.

    Navidrome's scanner (0.55+) makes an artist of every participant of every track, not
    only of album artists (``participants.AllArtists()``, scanner/phase_1_folders.go @ v0.55.2
    and v0.58.5): composers are what make "every artist" differ from "album artists".
    """
    return COMPOSERS[album.id % len(COMPOSERS)] if album.id % 3 == 0 else None


@dataclass(frozen=True, slots=True)
class MissingFiles:
    """Albums whose files were deleted from disk after a scan (``spec.extra["missing_albums"]``).

    Since 0.55 Navidrome keeps such rows, flagged ``missing`` (media files and albums:
    persistence/mediafile_repository.go and album_repository.go @ v0.55.2; artists whose
    albums are all missing from 0.56: artist_repository.go @ v0.56.1 ``markMissing``).
    Each missing album has its own album artist and :data:`MISSING_TRACKS` songs.
    """

    albums: int = 0

    @property
    def songs(self) -> int:
        """Missing songs."""
        return self.albums * MISSING_TRACKS

    @property
    def artists(self) -> int:
        """Album artists of missing albums only (missing themselves from 0.56)."""
        return self.albums

    @staticmethod
    def artist_name(n: int) -> str:
        """The name of the ``n``-th missing album's artist."""
        return f"Vanished Artist {n + 1}"

    def artist_rows(self) -> list[Json]:
        """``/api/artist`` rows of the missing artists."""
        return [
            {
                "id": entity_id("missing-artist", str(n)),
                "name": self.artist_name(n),
                "orderArtistName": order_name(self.artist_name(n)),
                "albumCount": 1,
                "songCount": MISSING_TRACKS,
                "missing": True,
            }
            for n in range(self.artists)
        ]

    def album_rows(self) -> list[Json]:
        """``/api/album`` rows of the missing albums."""
        return [
            {
                "id": entity_id("missing-album", str(n)),
                "name": f"Lost Album {n + 1}",
                "albumArtist": self.artist_name(n),
                "albumArtistId": entity_id("missing-artist", str(n)),
                "songCount": MISSING_TRACKS,
                "missing": True,
            }
            for n in range(self.albums)
        ]

    def song_rows(self) -> list[Json]:
        """``/api/song`` rows of the missing songs."""
        return [
            {
                "id": entity_id("missing-song", f"{n}/{t}"),
                "title": f"Lost Song {t + 1}",
                "album": f"Lost Album {n + 1}",
                "albumId": entity_id("missing-album", str(n)),
                "artist": self.artist_name(n),
                "trackNumber": t + 1,
                "missing": True,
            }
            for n in range(self.albums)
            for t in range(MISSING_TRACKS)
        ]


def go_time(moment: datetime) -> str:
    """An aware datetime the way Go's JSON encoder writes it (RFC 3339, UTC ``Z``)."""
    text = moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return re.sub(r"\.0+Z$", "Z", text)


class LibraryIndex:
    """Sorted albums and artists of Navidrome's library, with song prefix sums."""

    def __init__(self, world: World, previous: LibraryIndex | None = None) -> None:
        self.world = world
        self.key = world.nav_albums
        self.albums: list[Album] = sorted(
            world.navidrome_albums(), key=lambda a: (a.title.lower(), a.id)
        )
        self.song_ends = list(accumulate(a.track_count for a in self.albums))
        """``song_ends[i]``: songs in ``albums[: i + 1]`` (the song order is album order)."""
        by_artist: dict[str, list[Album]] = {}
        for album in self.albums:
            by_artist.setdefault(album.artist_mbid, []).append(album)
        self.artist_albums = by_artist
        self.artists: list[Artist] = sorted(
            (world.artists[mbid] for mbid in by_artist), key=lambda a: (order_name(a.name), a.mbid)
        )
        composed: dict[str, list[Album]] = {}
        for album in self.albums:
            if (composer := composer_of(album)) is not None:
                composed.setdefault(composer, []).append(album)
        self.composer_albums = composed
        """Composer name -> the albums with tracks they composed."""
        self.composers: list[str] = sorted(composed, key=order_name)
        self.total_size = sum(a.size for a in self.albums)
        self._by_artist: list[Album] | None = None
        self._newest: list[Album] | None = None
        self._durations: dict[int, int] = previous._durations if previous else {}
        self._total_duration: int | None = None

    @property
    def songs(self) -> int:
        """Songs in the library."""
        return self.song_ends[-1] if self.song_ends else 0

    def by_artist(self) -> list[Album]:
        """Albums ordered by artist, then name (built on first use)."""
        if self._by_artist is None:
            self._by_artist = sorted(
                self.albums,
                key=lambda a: (order_name(self.world.artists[a.artist_mbid].name), a.title.lower()),
            )
        return self._by_artist

    def newest(self) -> list[Album]:
        """Albums, most recently added first (built on first use)."""
        if self._newest is None:
            self._newest = sorted(self.albums, key=lambda a: -a.id)
        return self._newest

    def duration(self, album: Album) -> int:
        """An album's length in seconds (cached)."""
        if album.id not in self._durations:
            self._durations[album.id] = sum(t.duration for t in self.world.tracks_of(album))
        return self._durations[album.id]

    def total_duration(self) -> int:
        """The library's length in seconds (computed once per index)."""
        if self._total_duration is None:
            self._total_duration = sum(self.duration(a) for a in self.albums)
        return self._total_duration

    def songs_from(self, start: int, count: int) -> Iterator[tuple[Album, Track]]:
        """Up to ``count`` songs from position ``start``, in album order: O(log n + count)."""
        if count <= 0 or start >= self.songs:
            return
        position = bisect_right(self.song_ends, start)
        skip = start - (self.song_ends[position - 1] if position else 0)
        for album in self.albums[position:]:
            for track in self.world.tracks_of(album):
                if skip:
                    skip -= 1
                    continue
                yield album, track
                count -= 1
                if count == 0:
                    return


class Shapes:
    """The JSON of Navidrome's artists, albums and songs (Subsonic and native API)."""

    def __init__(self, world: World, previous: LibraryIndex | None = None) -> None:
        self.world = world

    def created(self, album: Album) -> datetime:
        """When Navidrome first saw the album (deterministic)."""
        return datetime.combine(album.release_date, time(12, 0), tzinfo=UTC)

    @staticmethod
    def suffix(album: Album) -> tuple[str, str, int]:
        """File suffix, content type and bit rate (kbit/s) for an album's quality."""
        if album.quality.startswith("MP3"):
            return "mp3", "audio/mpeg", 320
        return "flac", "audio/flac", 1411 if album.quality == "FLAC" else 2304

    def artist_id3(self, artist: Artist, album_count: int) -> Json:
        """An ``ArtistID3``."""
        artist_id = entity_id("artist", artist.mbid)
        return {
            "id": artist_id,
            "name": artist.name,
            "coverArt": f"ar-{artist_id}_0",
            "albumCount": album_count,
            "artistImageUrl": f"/share/img/ar-{artist_id}_0",
            "musicBrainzId": artist.mbid,
            "sortName": order_name(artist.name),
            "roles": ["albumartist", "artist"],
        }

    def album_id3(self, album: Album, duration: int) -> Json:
        """An ``AlbumID3``."""
        artist = self.world.artist_of(album)
        album_id = entity_id("album", album.mbid)
        return {
            "id": album_id,
            "name": album.title,
            "artist": artist.name,
            "artistId": entity_id("artist", artist.mbid),
            "coverArt": f"al-{album_id}_0",
            "songCount": album.track_count,
            "duration": duration,
            "created": go_time(self.created(album)),
            "year": album.release_date.year,
            "genre": album.genre,
            "genres": [{"name": album.genre}],
            "musicBrainzId": album.mbid,
            "isCompilation": False,
            "sortName": album.title.lower(),
            "releaseTypes": [album.album_type],
        }

    def album_child(self, album: Album, duration: int) -> Json:
        """An album as a ``Child`` directory (``getAlbumList``)."""
        artist = self.world.artist_of(album)
        album_id = entity_id("album", album.mbid)
        return {
            "id": album_id,
            "parent": entity_id("artist", artist.mbid),
            "isDir": True,
            "title": album.title,
            "name": album.title,
            "album": album.title,
            "artist": artist.name,
            "year": album.release_date.year,
            "genre": album.genre,
            "coverArt": f"al-{album_id}_0",
            "duration": duration,
            "created": go_time(self.created(album)),
            "artistId": entity_id("artist", artist.mbid),
            "songCount": album.track_count,
            "isVideo": False,
        }

    def song(self, album: Album, track: Track) -> Json:
        """A song as a ``Child``."""
        artist = self.world.artist_of(album)
        suffix, content_type, bit_rate = self.suffix(album)
        album_id = entity_id("album", album.mbid)
        return {
            "id": track.id,
            "parent": album_id,
            "isDir": False,
            "title": track.title,
            "album": album.title,
            "artist": artist.name,
            "track": track.number,
            "year": album.release_date.year,
            "genre": album.genre,
            "coverArt": f"mf-{track.id}_0",
            "size": track.size,
            "contentType": content_type,
            "suffix": suffix,
            "duration": track.duration,
            "bitRate": bit_rate,
            "path": f"{artist.name}/{album.title}/{track.number:02d} - {track.title}.{suffix}",
            "discNumber": 1,
            "created": go_time(self.created(album)),
            "albumId": album_id,
            "artistId": entity_id("artist", artist.mbid),
            "type": "music",
            "isVideo": False,
            "mediaType": "song",
        }

    def native_artist(self, artist: Artist, albums: list[Album], songs: int) -> Json:
        """A row of ``/api/artist``."""
        return {
            "id": entity_id("artist", artist.mbid),
            "name": artist.name,
            "orderArtistName": order_name(artist.name),
            "albumCount": len(albums),
            "songCount": songs,
            "size": sum(a.size for a in albums),
            "mbzArtistId": artist.mbid,
            "genres": [{"name": g} for g in artist.genres],
        }

    @staticmethod
    def native_composer(name: str, albums: list[Album]) -> Json:
        """A row of ``/api/artist`` for a composer (a participant, no album artist)."""
        return {
            "id": entity_id("composer", name),
            "name": name,
            "orderArtistName": order_name(name),
            "albumCount": 0,
            "songCount": len(albums),
            "size": 0,
            "genres": [],
        }

    def native_album(self, album: Album, duration: int) -> Json:
        """A row of ``/api/album``."""
        artist = self.world.artist_of(album)
        return {
            "id": entity_id("album", album.mbid),
            "name": album.title,
            "albumArtist": artist.name,
            "albumArtistId": entity_id("artist", artist.mbid),
            "artist": artist.name,
            "artistId": entity_id("artist", artist.mbid),
            "songCount": album.track_count,
            "duration": duration,
            "size": album.size,
            "minYear": album.release_date.year,
            "maxYear": album.release_date.year,
            "genre": album.genre,
            "mbzAlbumId": album.mbid,
            "createdAt": go_time(self.created(album)),
            "updatedAt": go_time(self.created(album)),
        }

    def native_song(self, album: Album, track: Track) -> Json:
        """A row of ``/api/song``."""
        artist = self.world.artist_of(album)
        suffix, _, bit_rate = self.suffix(album)
        return {
            "id": track.id,
            "title": track.title,
            "album": album.title,
            "albumId": entity_id("album", album.mbid),
            "artist": artist.name,
            "artistId": entity_id("artist", artist.mbid),
            "albumArtist": artist.name,
            "trackNumber": track.number,
            "discNumber": 1,
            "duration": track.duration,
            "size": track.size,
            "suffix": suffix,
            "bitRate": bit_rate,
            "year": album.release_date.year,
            "genre": album.genre,
            "path": f"{artist.name}/{album.title}/{track.number:02d} - {track.title}.{suffix}",
        }
