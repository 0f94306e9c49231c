"""Models of the Subsonic client: server info, scan status, now playing, search, totals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiohttp


class AuthMode(StrEnum):
    """How the client proves who it is on ``/rest`` calls."""

    AUTO = "auto"
    """Token auth first; switch to password auth for good if the server cannot do tokens."""
    TOKEN = "token"  # noqa: S105 (a mode name, not a secret)
    """``t = md5(password + salt)`` with a fresh random salt per request (Navidrome)."""
    PASSWORD = "password"  # noqa: S105 (a mode name, not a secret)
    """``p=enc:<hex>`` (servers that store hashed passwords, such as supysonic)."""


class TotalsMethod(StrEnum):
    """How :class:`LibraryTotals` was obtained, i.e. what it cost."""

    EXACT_CHEAP = "exact_cheap"
    """Count endpoints and headers only: a fixed number of small requests at any library size."""
    PAGED = "paged"
    """At least one count came from paging through lists: cost grows with the library."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenSubsonicExtension:
    """One OpenSubsonic extension the server advertises."""

    name: str
    versions: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SubsonicServerInfo:
    """What ``ping`` and ``getOpenSubsonicExtensions`` tell about the server."""

    application: str
    """``"Navidrome"`` or ``"Subsonic"`` (plus the server's ``type`` when it sends one)."""
    server_type: str | None
    """The envelope's ``type`` (``"navidrome"``), ``None`` for plain Subsonic servers."""
    server_version: str | None
    """The envelope's ``serverVersion`` (e.g. ``"0.58.0 (abc123)"``)."""
    api_version: str
    """The Subsonic REST API version the server speaks (e.g. ``"1.16.1"``)."""
    open_subsonic: bool
    extensions: tuple[OpenSubsonicExtension, ...] = ()

    @property
    def is_navidrome(self) -> bool:
        """Whether the server says it is Navidrome."""
        return self.server_type == "navidrome"


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanStatus:
    """The media library scanner's state (``getScanStatus`` / ``startScan``)."""

    scanning: bool
    count: int
    """Files processed so far while scanning. When idle, Navidrome >= 0.55 reports the song
    count of every library here (0.55 and 0.56 include files gone missing), supysonic 0:
    :meth:`.SubsonicClient.library_totals` is the number to show."""
    folder_count: int | None = None
    """Folders with audio files (Navidrome only; processed so far while scanning)."""
    last_scan: datetime | None = None
    """When the last scan finished (aware, Navidrome only)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NowPlayingEntry:
    """One stream currently playing on the server."""

    username: str
    title: str
    artist: str | None
    album: str | None
    minutes_ago: float
    """Minutes since the play started (or was last reported)."""
    player_name: str | None
    song_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchArtist:
    """An artist found by ``search3``."""

    id: str
    name: str
    album_count: int | None
    musicbrainz_id: str | None = None
    """OpenSubsonic ``musicBrainzId`` (Navidrome), None when the server does not know it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchAlbum:
    """An album found by ``search3``."""

    id: str
    name: str
    artist: str | None
    artist_id: str | None
    song_count: int | None
    year: int | None
    cover_art: str | None = None
    """The id to pass to ``getCoverArt`` (None: the server has none)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchSong:
    """A song found by ``search3``."""

    id: str
    title: str
    artist: str | None
    album: str | None
    album_id: str | None
    track: int | None
    duration: int | None
    """Length in seconds."""
    content_type: str | None = None
    """The MIME type of the file as stored (e.g. ``audio/flac``)."""
    cover_art: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchResult:
    """The three lists of ``search3`` (a list the server omitted is empty here)."""

    artists: tuple[SearchArtist, ...] = ()
    albums: tuple[SearchAlbum, ...] = ()
    songs: tuple[SearchSong, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class LibraryTotals:
    """How many album artists, albums and songs the library holds, and how we counted them."""

    artists: int
    """Album artists: artists credited as album artist on at least one album (what
    ``getArtists`` lists), not every track participant (composers, performers, ...)."""
    albums: int
    songs: int
    source: TotalsMethod


# ----------------------------------------------------------------- browsing (ID3 model)


class AlbumListType(StrEnum):
    """The orders of ``getAlbumList2`` the media browser uses."""

    NEWEST = "newest"
    """Most recently added first."""
    ALPHABETICAL_BY_NAME = "alphabeticalByName"
    ALPHABETICAL_BY_ARTIST = "alphabeticalByArtist"


@dataclass(frozen=True, slots=True, kw_only=True)
class Artist:
    """An album artist (``ArtistID3``)."""

    id: str
    name: str
    album_count: int | None = None
    cover_art: str | None = None
    """The id to pass to ``getCoverArt`` (None: the server has none)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ArtistIndex:
    """One letter of ``getArtists``: ``#`` holds names that start with no letter."""

    name: str
    artists: tuple[Artist, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Album:
    """An album (``AlbumID3``)."""

    id: str
    name: str
    artist: str | None = None
    artist_id: str | None = None
    song_count: int | None = None
    duration: int | None = None
    """Seconds."""
    year: int | None = None
    cover_art: str | None = None
    created: datetime | None = None
    """When the server added it (aware)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Song:
    """A playable song (a ``Child`` that is no directory)."""

    id: str
    title: str
    artist: str | None = None
    album: str | None = None
    album_id: str | None = None
    track: int | None = None
    disc: int | None = None
    duration: int | None = None
    """Seconds."""
    content_type: str | None = None
    """The MIME type of the file as stored (e.g. ``audio/flac``)."""
    cover_art: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ArtistAlbums:
    """``getArtist``: an artist and its albums."""

    artist: Artist
    albums: tuple[Album, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class AlbumSongs:
    """``getAlbum``: an album and its songs, in disc and track order."""

    album: Album
    songs: tuple[Song, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Playlist:
    """A playlist the user may read (``getPlaylists``)."""

    id: str
    name: str
    song_count: int | None = None
    duration: int | None = None
    owner: str | None = None
    cover_art: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaylistSongs:
    """``getPlaylist``: a playlist and its entries, in playlist order."""

    playlist: Playlist
    songs: tuple[Song, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CoverArt:
    """An image from ``getCoverArt`` (small: read whole)."""

    content_type: str
    body: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioStream:
    """An open ``stream`` reply: what to pass on to a player, and the body to copy."""

    status: int
    """200, 206 for a ``Range`` request, 416 for a range past the end."""
    headers: dict[str, str]
    """Content type, length and range headers (no server or cookie headers)."""
    content: aiohttp.StreamReader
