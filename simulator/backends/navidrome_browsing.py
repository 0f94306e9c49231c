"""Navidrome's browsing and media calls: ``getArtist``, ``getAlbum``, playlists, ``stream``, art.

As releases 0.55 to 0.58 play them (navidrome/navidrome @ v0.58.5):

- ``getArtist`` / ``getAlbum``: an ``ArtistID3`` with its ``album`` list / an ``AlbumID3``
  with its ``song`` list; an unknown id is error 70 ``Artist not found`` / ``Album not
  found`` (server/subsonic/browsing.go:165-213).
- ``getPlaylists`` sorted by name, ``getPlaylist`` with ``entry``; an unknown id is error 70
  ``playlist not found`` (server/subsonic/playlists.go:17-58, ``buildPlaylist``:155-172).
  The world has no playlists, so three are derived from the library (:func:`playlists`).
- ``stream`` (no transcoding asked): the file as is through ``http.ServeContent``, so
  ``Range`` works (206 with ``Content-Range``, 416 past the end) and ``Accept-Ranges: bytes``
  is sent (server/subsonic/stream.go:20-80); an unknown id is error 70 as a JSON envelope.
  The simulated file is a short run of silent MPEG frames (or a FLAC header and zeros).
- ``getCoverArt``: an image, ``cache-control: public, max-age=315360000``; an id that is no
  artwork id is error 70 ``Artwork not found`` (server/subsonic/media_retrieval.go:56-92).
  The simulated image is a 1x1 PNG coloured from the id.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..model import Album, Track
from ..world import World
from .navidrome_errors import Params, SubsonicError, required
from .navidrome_library import Json, entity_id

if TYPE_CHECKING:
    from .navidrome import Navidrome, Payload, User

PLAYLIST_SONGS = 12
"""Songs in each derived playlist (at most)."""
_FRAME = b"\xff\xfb\x90\x64" + bytes(413)
"""One silent MPEG-1 Layer III frame (128 kbit/s, 44.1 kHz)."""
_FRAMES = 40
_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


@dataclass(frozen=True, slots=True)
class DerivedPlaylist:
    """A playlist made from the library: a name and how it picks songs."""

    name: str
    picks: Callable[[Album, Track], bool]


PLAYLISTS = (
    DerivedPlaylist("Long Drive", lambda album, track: track.duration >= 300),
    DerivedPlaylist("Openers", lambda album, track: track.number == 1),
    DerivedPlaylist("Second Sides", lambda album, track: track.number == 2),
)


def _png(seed: str) -> bytes:
    """A 1x1 RGB PNG whose colour comes from ``seed``."""
    red, green, blue = hashlib.md5(seed.encode(), usedforsecurity=False).digest()[:3]

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes([0, red, green, blue]))
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def playlist_songs(
    world: World, albums: Iterable[Album], playlist: DerivedPlaylist
) -> list[tuple[Album, Track]]:
    """The first :data:`PLAYLIST_SONGS` songs ``playlist`` picks from ``albums`` (by name)."""
    found: list[tuple[Album, Track]] = []
    for album in albums:
        for track in world.tracks_of(album):
            if playlist.picks(album, track):
                found.append((album, track))
                if len(found) == PLAYLIST_SONGS:
                    return found
    return found


def audio_body(album: Album) -> bytes:
    """The simulated file of a song: silent MP3 frames, or a FLAC marker and zeros."""
    if album.quality.startswith("MP3"):
        return _FRAME * _FRAMES
    return b"fLaC" + bytes(len(_FRAME) * _FRAMES - 4)


class Browsing:
    """The calls, over one :class:`.navidrome.Navidrome` facade."""

    def __init__(self, navidrome: Navidrome) -> None:
        self.nav = navidrome

    # ----------------------------------------------------------------- lookups
    def _artist(self, artist_id: str) -> tuple[Json, list[Album]] | None:
        index = self.nav.index()
        for artist in index.artists:
            if entity_id("artist", artist.mbid) == artist_id:
                albums = index.artist_albums[artist.mbid]
                return self.nav.shapes.artist_id3(artist, len(albums)), albums
        return None

    def _album(self, album_id: str) -> Album | None:
        for album in self.nav.index().albums:
            if entity_id("album", album.mbid) == album_id:
                return album
        return None

    def _song(self, song_id: str) -> tuple[Album, Track] | None:
        match = re.fullmatch(r"tr-(\d+)-(\d+)", song_id)
        album = self.nav.world.albums.get(int(match[1])) if match else None
        if match is None or album is None or not album.in_navidrome:
            return None
        number = int(match[2])
        track = next((t for t in self.nav.world.tracks_of(album) if t.number == number), None)
        return (album, track) if track is not None else None

    def _playlist(self, playlist: DerivedPlaylist, user: User) -> tuple[Json, list[Json]]:
        songs = playlist_songs(self.nav.world, self.nav.index().albums, playlist)
        playlist_id = entity_id("playlist", playlist.name)
        created = self.nav.world.clock.now().isoformat()
        shape: Json = {
            "id": playlist_id,
            "name": playlist.name,
            "songCount": len(songs),
            "duration": sum(t.duration for _, t in songs),
            "public": True,
            "owner": next(u.name for u in self.nav.users.values() if u.admin),
            "created": created,
            "changed": created,
            "coverArt": f"pl-{playlist_id}_0",
        }
        return shape, [self.nav.shapes.song(a, t) for a, t in songs]

    # ----------------------------------------------------------------- envelopes
    async def get_artist(self, params: Params, user: User) -> Payload:
        """``getArtist``."""
        found = self._artist(required(params, "id"))
        if found is None:
            raise SubsonicError(70, "Artist not found")
        shape, albums = found
        index = self.nav.index()
        listed = [self.nav.shapes.album_id3(a, index.duration(a)) for a in albums]
        return {"artist": {**shape, "album": listed} if listed else shape}, {}

    async def get_album(self, params: Params, user: User) -> Payload:
        """``getAlbum``."""
        album = self._album(required(params, "id"))
        if album is None:
            raise SubsonicError(70, "Album not found")
        shape = self.nav.shapes.album_id3(album, self.nav.index().duration(album))
        songs = [self.nav.shapes.song(album, t) for t in self.nav.world.tracks_of(album)]
        return {"album": {**shape, "song": songs}}, {}

    async def get_playlists(self, params: Params, user: User) -> Payload:
        """``getPlaylists``: the derived playlists with songs, by name."""
        shapes = [self._playlist(p, user)[0] for p in sorted(PLAYLISTS, key=lambda p: p.name)]
        listed = [s for s in shapes if s["songCount"]]
        return {"playlists": {"playlist": listed} if listed else {}}, {}

    async def get_playlist(self, params: Params, user: User) -> Payload:
        """``getPlaylist``."""
        wanted = required(params, "id")
        for playlist in PLAYLISTS:
            if entity_id("playlist", playlist.name) == wanted:
                shape, entries = self._playlist(playlist, user)
                return {"playlist": {**shape, "entry": entries} if entries else shape}, {}
        raise SubsonicError(70, "playlist not found")

    # ----------------------------------------------------------------- binary
    async def stream(self, request: web.Request, params: Params, user: User) -> web.Response:
        """``stream``: the song's file, with ``Range``."""
        found = self._song(required(params, "id"))
        if found is None:
            raise SubsonicError(70)
        album, track = found
        body = audio_body(album)
        _, content_type, _ = self.nav.shapes.suffix(album)
        headers = {
            "Accept-Ranges": "bytes",
            "X-Content-Type-Options": "nosniff",
            "X-Content-Duration": str(track.duration),
        }
        wanted = request.headers.get("Range", "")
        match = _RANGE.match(wanted.strip())
        if not wanted or match is None or not (match[1] or match[2]):
            return web.Response(body=body, content_type=content_type, headers=headers)
        size = len(body)
        if match[1]:
            start = int(match[1])
            end = min(int(match[2]), size - 1) if match[2] else size - 1
        else:  # the last N bytes
            start, end = max(0, size - int(match[2])), size - 1
        if start >= size or start > end:
            return web.Response(
                status=416,
                text="invalid range: failed to overlap\n",
                headers={"Content-Range": f"bytes */{size}"},
            )
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        return web.Response(
            status=206, body=body[start : end + 1], content_type=content_type, headers=headers
        )

    def _entity(self, item_id: str) -> bool:
        """Whether ``item_id`` is the id of an album or artist in the library."""
        index = self.nav.index()
        return any(entity_id("album", a.mbid) == item_id for a in index.albums) or any(
            entity_id("artist", a.mbid) == item_id for a in index.artists
        )

    async def cover_art(self, request: web.Request, params: Params, user: User) -> web.Response:
        """``getCoverArt``: a 1x1 PNG for any artwork id of a known kind.

        Like Navidrome, a plain album or artist id of the library works too (it looks the
        entity up: ``core/artwork/artwork.go`` ``getArtworkId`` @ v0.63.2); the music card
        asks by the id its search found.
        """
        cover_id = required(params, "id")
        known = re.fullmatch(r"(al|ar|mf|pl)-[0-9a-z-]+_[0-9a-f]+", cover_id) is not None
        if not known and not self._entity(cover_id):
            raise SubsonicError(70, "Artwork not found")
        return web.Response(
            body=_png(cover_id),
            content_type="image/png",
            headers={"cache-control": "public, max-age=315360000"},
        )


def methods(browsing: Browsing) -> dict[str, Any]:
    """The envelope calls, by Subsonic method name."""
    return {
        "getArtist": browsing.get_artist,
        "getAlbum": browsing.get_album,
        "getPlaylists": browsing.get_playlists,
        "getPlaylist": browsing.get_playlist,
    }
