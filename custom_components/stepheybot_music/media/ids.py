"""What a ``media-source://stepheybot_music/...`` id names, and the paths of the media views.

An identifier is ``<backend>`` followed by a kind and its arguments, each part quoted
(Subsonic ids are opaque strings)::

    <backend>                      the backend's folders (artists, recently added, playlists)
    <backend>/artists              the index letters
    <backend>/letter/<L>/<offset>  a page of the artists under one letter
    <backend>/artist/<id>          an artist's albums
    <backend>/album/<id>           an album's songs (plays as a whole)
    <backend>/newest/<offset>      a page of recently added albums
    <backend>/playlists            the playlists
    <backend>/playlist/<id>        a playlist's songs (plays as a whole)
    <backend>/song/<id>/<type>     one song; <type> is its MIME type with "-" for the first "/"

``<backend>`` is the config subentry id of a Navidrome backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote, unquote

from ..const import DOMAIN

VIEW_ROOT = f"/api/{DOMAIN}"
DEFAULT_AUDIO = "audio/mpeg"
PLAYLIST_MIME = "audio/x-mpegurl"


class Kind(StrEnum):
    """What an identifier points at."""

    BACKEND = ""
    ARTISTS = "artists"
    LETTER = "letter"
    ARTIST = "artist"
    ALBUM = "album"
    NEWEST = "newest"
    PLAYLISTS = "playlists"
    PLAYLIST = "playlist"
    SONG = "song"


_ARITY = {
    Kind.BACKEND: 0,
    Kind.ARTISTS: 0,
    Kind.LETTER: 2,
    Kind.ARTIST: 1,
    Kind.ALBUM: 1,
    Kind.NEWEST: 1,
    Kind.PLAYLISTS: 0,
    Kind.PLAYLIST: 1,
    Kind.SONG: 2,
}


class BadMediaIdError(ValueError):
    """An identifier this integration never made."""


@dataclass(frozen=True, slots=True)
class MediaId:
    """A parsed identifier."""

    backend: str
    kind: Kind = Kind.BACKEND
    args: tuple[str, ...] = ()

    @classmethod
    def parse(cls, identifier: str) -> MediaId:
        """Read an identifier; raise :class:`BadMediaIdError` for one we did not make."""
        parts = [unquote(p) for p in identifier.split("/")]
        if not parts or not parts[0]:
            raise BadMediaIdError(identifier)
        backend, rest = parts[0], parts[1:]
        try:
            kind = Kind(rest[0]) if rest else Kind.BACKEND
        except ValueError as err:
            raise BadMediaIdError(identifier) from err
        args = tuple(rest[1:])
        if len(args) != _ARITY[kind] or any(not a for a in args):
            raise BadMediaIdError(identifier)
        if kind in (Kind.LETTER, Kind.NEWEST) and not args[-1].isdigit():
            raise BadMediaIdError(identifier)
        return cls(backend, kind, args)

    @property
    def identifier(self) -> str:
        """The identifier (without ``media-source://<domain>/``)."""
        parts = [self.backend, *([str(self.kind)] if self.kind else []), *self.args]
        return "/".join(quote(p, safe="") for p in parts)

    @property
    def media_source_id(self) -> str:
        """The full ``media-source://`` id."""
        return f"media-source://{DOMAIN}/{self.identifier}"

    @property
    def offset(self) -> int:
        """The page offset of a paged kind (letter, newest)."""
        return int(self.args[-1])

    @property
    def song_mime(self) -> str:
        """A song's MIME type."""
        major, _, minor = self.args[1].partition("-")
        return f"{major}/{minor}" if minor else DEFAULT_AUDIO


def song_id(backend: str, song: str, content_type: str | None) -> MediaId:
    """The id of a song of ``content_type`` (``audio/mpeg`` when unknown)."""
    return MediaId(backend, Kind.SONG, (song, (content_type or DEFAULT_AUDIO).replace("/", "-", 1)))


def stream_path(backend: str, song: str) -> str:
    """The view path that streams a song."""
    return f"{VIEW_ROOT}/stream/{quote(backend, safe='')}/{quote(song, safe='')}"


def cover_path(backend: str, cover: str) -> str:
    """The view path of a cover image."""
    return f"{VIEW_ROOT}/cover/{quote(backend, safe='')}/{quote(cover, safe='')}"


def m3u_path(backend: str, kind: Kind, item: str) -> str:
    """The view path of an album's or playlist's M3U."""
    return f"{VIEW_ROOT}/m3u/{quote(backend, safe='')}/{kind}/{quote(item, safe='')}.m3u"
