"""Reading the ID3 browsing replies (``getArtists``, ``getArtist``, ``getAlbum``, playlists).

Pure functions from a ``subsonic-response`` envelope to the models; the client calls them
inside :func:`..transport.parsing`, so a shape we do not understand is a clear error.
Navidrome and supysonic both omit empty lists and optional fields (a song without a track
number, an album without cover art), so everything but ids and names is optional.
"""

from __future__ import annotations

from typing import Any

from stepheybot_music_clients.subsonic.models import (
    Album,
    AlbumSongs,
    Artist,
    ArtistAlbums,
    ArtistIndex,
    Playlist,
    PlaylistSongs,
    Song,
)
from stepheybot_music_clients.timestamps import parse_timestamp

type Json = dict[str, Any]


def _int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def artist(item: Json) -> Artist:
    """An ``ArtistID3``."""
    return Artist(
        id=str(item["id"]),
        name=str(item["name"]),
        album_count=_int(item.get("albumCount")),
        cover_art=_text(item.get("coverArt")),
    )


def album(item: Json) -> Album:
    """An ``AlbumID3`` (``name``; a few servers send ``title`` too)."""
    return Album(
        id=str(item["id"]),
        name=str(item.get("name") or item.get("title") or ""),
        artist=_text(item.get("artist")),
        artist_id=_text(item.get("artistId")),
        song_count=_int(item.get("songCount")),
        duration=_int(item.get("duration")),
        year=_int(item.get("year")),
        cover_art=_text(item.get("coverArt")),
        created=parse_timestamp(item.get("created")),
    )


def song(item: Json) -> Song:
    """A ``Child`` that is a song."""
    return Song(
        id=str(item["id"]),
        title=str(item.get("title") or ""),
        artist=_text(item.get("artist")),
        album=_text(item.get("album")),
        album_id=_text(item.get("albumId")),
        track=_int(item.get("track")),
        disc=_int(item.get("discNumber")),
        duration=_int(item.get("duration")),
        content_type=_text(item.get("contentType")),
        cover_art=_text(item.get("coverArt")),
    )


def artist_indexes(envelope: Json) -> tuple[ArtistIndex, ...]:
    """``getArtists``: the letters and their artists, as the server grouped them."""
    return tuple(
        ArtistIndex(
            name=str(index["name"]), artists=tuple(artist(a) for a in index.get("artist", []))
        )
        for index in envelope["artists"].get("index", [])
    )


def artist_albums(envelope: Json) -> ArtistAlbums:
    """``getArtist``."""
    found = envelope["artist"]
    found_albums = tuple(album(a) for a in found.get("album", []))
    return ArtistAlbums(artist=artist(found), albums=found_albums)


def album_songs(envelope: Json) -> AlbumSongs:
    """``getAlbum``."""
    found = envelope["album"]
    return AlbumSongs(album=album(found), songs=tuple(song(s) for s in found.get("song", [])))


def albums(envelope: Json) -> tuple[Album, ...]:
    """``getAlbumList2``."""
    return tuple(album(a) for a in envelope["albumList2"].get("album", []))


def playlist(item: Json) -> Playlist:
    """A ``Playlist``."""
    return Playlist(
        id=str(item["id"]),
        name=str(item["name"]),
        song_count=_int(item.get("songCount")),
        duration=_int(item.get("duration")),
        owner=_text(item.get("owner")),
        cover_art=_text(item.get("coverArt")),
    )


def playlists(envelope: Json) -> tuple[Playlist, ...]:
    """``getPlaylists``."""
    return tuple(playlist(p) for p in envelope["playlists"].get("playlist", []))


def playlist_songs(envelope: Json) -> PlaylistSongs:
    """``getPlaylist``."""
    found = envelope["playlist"]
    return PlaylistSongs(
        playlist=playlist(found), songs=tuple(song(s) for s in found.get("entry", []))
    )
