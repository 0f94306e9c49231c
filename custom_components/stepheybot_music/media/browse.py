"""Pages of the media browser: each one Subsonic call, never a walk over the library.

A backend's folder lists three folders; "Artists" lists the index letters (one
``getArtists``, kept a minute), a letter lists its artists :data:`PAGE` at a time, an
artist its albums (``getArtist``), an album its songs (``getAlbum``), "Recently added"
:data:`PAGE` albums of ``getAlbumList2?type=newest`` at a time, "Playlists" the playlists
and a playlist its songs. Thumbnails point at the cover view: the browser fetches them with
the user's own Home Assistant credentials, never Navidrome's.
"""

from __future__ import annotations

from homeassistant.components.media_player.const import MediaClass, MediaType
from homeassistant.components.media_source import BrowseMediaSource
from stepheybot_music_clients.subsonic import (
    Album,
    AlbumListType,
    Artist,
    Playlist,
    Song,
)

from ..const import DOMAIN
from .ids import PLAYLIST_MIME, Kind, MediaId, cover_path, song_id
from .library import IndexCache, Library

PAGE = 50
"""Albums or artists on one page; a "More" folder opens the next."""
COVER_SIZE = 300
"""Pixels asked of ``getCoverArt`` for thumbnails."""


def _thumbnail(lib: Library, cover: str | None) -> str | None:
    return f"{cover_path(lib.backend_id, cover)}?size={COVER_SIZE}" if cover else None


def _folder(
    media_id: MediaId,
    title: str,
    media_class: MediaClass,
    *,
    children_class: MediaClass | None = None,
    can_play: bool = False,
    thumbnail: str | None = None,
    children: list[BrowseMediaSource] | None = None,
) -> BrowseMediaSource:
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=media_id.identifier,
        media_class=media_class,
        media_content_type=PLAYLIST_MIME if can_play else MediaType.MUSIC,
        title=title,
        can_play=can_play,
        can_expand=True,
        children=children,
        children_media_class=children_class,
        thumbnail=thumbnail,
    )


def _more(media_id: MediaId, offset: int) -> BrowseMediaSource:
    page = MediaId(media_id.backend, media_id.kind, (*media_id.args[:-1], str(offset)))
    return _folder(page, "More…", MediaClass.DIRECTORY)


def backend_node(lib: Library, *, children: bool) -> BrowseMediaSource:
    """A backend's folder: artists, recently added, playlists."""
    me = MediaId(lib.backend_id)
    kids = None
    if children:
        kids = [
            _folder(
                MediaId(lib.backend_id, Kind.ARTISTS),
                "Artists",
                MediaClass.DIRECTORY,
                children_class=MediaClass.ARTIST,
            ),
            _folder(
                MediaId(lib.backend_id, Kind.NEWEST, ("0",)),
                "Recently added",
                MediaClass.DIRECTORY,
                children_class=MediaClass.ALBUM,
            ),
            _folder(
                MediaId(lib.backend_id, Kind.PLAYLISTS),
                "Playlists",
                MediaClass.DIRECTORY,
                children_class=MediaClass.PLAYLIST,
            ),
        ]
    title = lib.title if lib.title == lib.entry.title else f"{lib.entry.title}: {lib.title}"
    node = _folder(me, title, MediaClass.DIRECTORY, children=kids)
    node.can_search = True
    return node


def artist_node(lib: Library, artist: Artist) -> BrowseMediaSource:
    """An artist (opens its albums)."""
    return _folder(
        MediaId(lib.backend_id, Kind.ARTIST, (artist.id,)),
        artist.name,
        MediaClass.ARTIST,
        children_class=MediaClass.ALBUM,
        thumbnail=_thumbnail(lib, artist.cover_art),
    )


def album_node(
    lib: Library,
    album: Album,
    children: list[BrowseMediaSource] | None = None,
    *,
    with_artist: bool = False,
) -> BrowseMediaSource:
    """An album: plays as a whole, opens its songs (titled with its artist where asked)."""
    title = f"{album.name} ({album.year})" if album.year else album.name
    if with_artist and album.artist:
        title = f"{album.artist} - {title}"
    return _folder(
        MediaId(lib.backend_id, Kind.ALBUM, (album.id,)),
        title,
        MediaClass.ALBUM,
        children_class=MediaClass.TRACK,
        can_play=True,
        thumbnail=_thumbnail(lib, album.cover_art),
        children=children,
    )


def playlist_node(
    lib: Library, playlist: Playlist, children: list[BrowseMediaSource] | None = None
) -> BrowseMediaSource:
    """A playlist: plays as a whole, opens its songs."""
    return _folder(
        MediaId(lib.backend_id, Kind.PLAYLIST, (playlist.id,)),
        playlist.name,
        MediaClass.PLAYLIST,
        children_class=MediaClass.TRACK,
        can_play=True,
        thumbnail=_thumbnail(lib, playlist.cover_art),
        children=children,
    )


def song_node(lib: Library, song: Song, *, with_artist: bool) -> BrowseMediaSource:
    """A song: plays, opens nothing."""
    title = song.title
    if song.track and not with_artist:
        title = f"{song.track}. {title}"
    if with_artist and song.artist:
        title = f"{song.artist} - {title}"
    media_id = song_id(lib.backend_id, song.id, song.content_type)
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=media_id.identifier,
        media_class=MediaClass.TRACK,
        media_content_type=media_id.song_mime,
        title=title,
        can_play=True,
        can_expand=False,
        thumbnail=_thumbnail(lib, song.cover_art),
    )


async def browse(lib: Library, media_id: MediaId, cache: IndexCache) -> BrowseMediaSource:
    """The page ``media_id`` names, from one call to the backend (none for fixed folders)."""
    client = lib.client
    backend = lib.backend_id
    match media_id.kind:
        case Kind.BACKEND:
            return backend_node(lib, children=True)
        case Kind.ARTISTS:
            letters = await cache.artists(lib)
            kids = [
                _folder(
                    MediaId(backend, Kind.LETTER, (index.name, "0")),
                    f"{index.name} ({len(index.artists)})",
                    MediaClass.DIRECTORY,
                    children_class=MediaClass.ARTIST,
                )
                for index in letters
            ]
            return _folder(
                media_id,
                "Artists",
                MediaClass.DIRECTORY,
                children_class=MediaClass.DIRECTORY,
                children=kids,
            )
        case Kind.LETTER:
            letter, offset = media_id.args[0], media_id.offset
            index = next((i for i in await cache.artists(lib) if i.name == letter), None)
            artists = index.artists if index is not None else ()
            kids = [artist_node(lib, a) for a in artists[offset : offset + PAGE]]
            if offset + PAGE < len(artists):
                kids.append(_more(media_id, offset + PAGE))
            return _folder(
                media_id,
                f"Artists: {letter}",
                MediaClass.DIRECTORY,
                children_class=MediaClass.ARTIST,
                children=kids,
            )
        case Kind.ARTIST:
            found = await client.artist(media_id.args[0])
            node = artist_node(lib, found.artist)
            node.children = [album_node(lib, a) for a in found.albums]
            return node
        case Kind.ALBUM:
            songs = await client.album(media_id.args[0])
            many_artists = len({s.artist for s in songs.songs}) > 1
            kids = [song_node(lib, s, with_artist=many_artists) for s in songs.songs]
            return album_node(lib, songs.album, kids)
        case Kind.NEWEST:
            offset = media_id.offset
            page = await client.album_list(AlbumListType.NEWEST, size=PAGE + 1, offset=offset)
            kids = [album_node(lib, a, with_artist=True) for a in page[:PAGE]]
            if len(page) > PAGE:
                kids.append(_more(media_id, offset + PAGE))
            return _folder(
                media_id,
                "Recently added",
                MediaClass.DIRECTORY,
                children_class=MediaClass.ALBUM,
                children=kids,
            )
        case Kind.PLAYLISTS:
            kids = [playlist_node(lib, p) for p in await client.playlists()]
            return _folder(
                media_id,
                "Playlists",
                MediaClass.DIRECTORY,
                children_class=MediaClass.PLAYLIST,
                children=kids,
            )
        case Kind.PLAYLIST:
            found_list = await client.playlist(media_id.args[0])
            kids = [song_node(lib, s, with_artist=True) for s in found_list.songs]
            return playlist_node(lib, found_list.playlist, kids)
        case Kind.SONG:
            raise ValueError("a song is played, not browsed")


SEARCH_SIZE = 20
"""Artists, albums and songs asked of ``search3`` by one media browser search."""


async def search(
    lib: Library, text: str, classes: list[MediaClass] | None
) -> list[BrowseMediaSource]:
    """One ``search3``: artists, albums and songs whose names contain ``text``."""
    wanted = set(classes or (MediaClass.ARTIST, MediaClass.ALBUM, MediaClass.TRACK))
    found = await lib.client.search3(
        text,
        artist_count=SEARCH_SIZE if MediaClass.ARTIST in wanted else 0,
        album_count=SEARCH_SIZE if MediaClass.ALBUM in wanted else 0,
        song_count=SEARCH_SIZE if MediaClass.TRACK in wanted else 0,
    )
    nodes = [artist_node(lib, Artist(id=a.id, name=a.name)) for a in found.artists]
    nodes += [
        album_node(
            lib,
            Album(id=a.id, name=a.name, artist=a.artist, year=a.year, cover_art=a.cover_art),
            with_artist=True,
        )
        for a in found.albums
    ]
    nodes += [
        song_node(
            lib,
            Song(
                id=s.id,
                title=s.title,
                artist=s.artist,
                album=s.album,
                track=s.track,
                content_type=s.content_type,
                cover_art=s.cover_art,
            ),
            with_artist=True,
        )
        for s in found.songs
    ]
    return nodes
