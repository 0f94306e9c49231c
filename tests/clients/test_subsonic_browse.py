"""The Subsonic client's browsing and media calls against a real supysonic and the simulator.

What the media browser needs: artists by letter, an artist's albums, an album's songs,
newest albums page by page, playlists, ``stream`` (with ``Range``) and ``getCoverArt``.
Each runs against supysonic 0.7.9 (a real Subsonic server, password auth) and the simulated
Navidrome 0.55 and 0.58 (token auth), and is compared with what the library really holds.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from stepheybot_music_clients.errors import BackendRequestError
from stepheybot_music_clients.subsonic import AlbumListType, AuthMode, SubsonicClient

from simulator import Simulator
from simulator.backends.navidrome_browsing import PLAYLISTS, audio_body, playlist_songs
from simulator.backends.navidrome_library import LibraryIndex
from tests.clients.test_subsonic_contract import (
    FLAVORS,
    ND_055,
    ND_058,
    SIM_ADMIN,
    SMALL,
    Recorder,
    sim_spec,
)
from tests.compat import REAL, SIMULATOR, compat
from tests.servers.supysonic import (
    ALBUMS,
    COVERED_ALBUM,
    SupysonicServer,
    running_supysonic,
)


@dataclass(slots=True)
class Library:
    """A server under test and the truth about its library."""

    name: str
    url: str
    user: str
    password: str = field(repr=False)
    albums: dict[str, list[str]] = field(repr=False)
    """Album name -> its song titles in track order."""
    artists: dict[str, set[str]] = field(repr=False)
    """Artist name -> its album names."""
    files: dict[str, bytes] = field(repr=False)
    """Song title -> the bytes of its file as stored."""
    sim: Simulator | None = None
    server: SupysonicServer | None = None


@pytest.fixture(scope="module")
def supysonic() -> Iterator[SupysonicServer]:
    """One real supysonic for the module."""
    with running_supysonic() as server:
        yield server


def _supysonic_library(server: SupysonicServer) -> Library:
    albums: dict[str, list[str]] = {}
    artists: dict[str, set[str]] = {}
    files: dict[str, bytes] = {}
    music = server.directory / "music"
    for song in sorted(server.library.songs, key=lambda s: (s.album, s.track)):
        albums.setdefault(song.album, []).append(song.title)
        artists.setdefault(song.artist, set()).add(song.album)
        path = music / song.artist / song.album / f"{song.track:02d} {song.title}.mp3"
        files[song.title] = Path(path).read_bytes()
    return Library(
        name="supysonic",
        url=server.url,
        user=server.username,
        password=server.password,
        albums=albums,
        artists=artists,
        files=files,
        server=server,
    )


def _sim_library(sim: Simulator) -> Library:
    world = sim.world
    albums: dict[str, list[str]] = {}
    artists: dict[str, set[str]] = {}
    files: dict[str, bytes] = {}
    for album in world.navidrome_albums():
        tracks = list(world.tracks_of(album))
        albums[album.title] = [t.title for t in tracks]
        artists.setdefault(world.artist_of(album).name, set()).add(album.title)
        files |= {t.title: audio_body(album) for t in tracks}
    return Library(
        name="navidrome",
        url=sim.url("navidrome"),
        user=SIM_ADMIN[0],
        password=SIM_ADMIN[1],
        albums=albums,
        artists=artists,
        files=files,
        sim=sim,
    )


@pytest.fixture(
    params=[
        pytest.param("supysonic", marks=pytest.mark.real_server),
        f"navidrome-{ND_055}",
        f"navidrome-{ND_058}",
    ]
)
async def library(request: pytest.FixtureRequest) -> AsyncIterator[Library]:
    if request.param == "supysonic":
        yield _supysonic_library(request.getfixturevalue("supysonic"))
        return
    flavor = str(request.param).removeprefix("navidrome-")
    assert flavor in FLAVORS
    async with Simulator(
        specs=[sim_spec(flavor=flavor)], scale=SMALL, seed=7, download_speed=0
    ) as sim:
        yield _sim_library(sim)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def session(recorder: Recorder) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(trace_configs=[recorder.trace()]) as http:
        yield http


def client_of(session: aiohttp.ClientSession, library: Library) -> SubsonicClient:
    return SubsonicClient(session, library.url, username=library.user, password=library.password)


# ----------------------------------------------------------------------------- browsing


@compat("subsonic", "API 1.16, password auth", proof=REAL, source="supysonic 0.7.9 (PyPI)")
@compat("navidrome", "0.55", proof=SIMULATOR, source="navidrome/navidrome server/ @ v0.55.2")
@compat("navidrome", "0.58+", proof=SIMULATOR, source="navidrome/navidrome server/ @ v0.58.5")
async def test_artists_albums_songs_match_the_library(
    session: aiohttp.ClientSession, library: Library
) -> None:
    client = client_of(session, library)
    letters = await client.artists()
    artists = {a.name: a for index in letters for a in index.artists}
    assert set(artists) == set(library.artists)
    assert [i.name for i in letters] == sorted(i.name for i in letters)
    for name, artist in artists.items():
        found = await client.artist(artist.id)
        assert found.artist.name == name
        assert {a.name for a in found.albums} == library.artists[name]
        for album in found.albums:
            songs = await client.album(album.id)
            assert songs.album.name == album.name
            assert [s.title for s in songs.songs] == library.albums[album.name]
            assert all(s.album_id == album.id for s in songs.songs)
            assert songs.album.song_count == len(songs.songs)


async def test_newest_albums_come_in_pages(
    session: aiohttp.ClientSession, library: Library
) -> None:
    client = client_of(session, library)
    seen: list[str] = []
    offset = 0
    while page := await client.album_list(AlbumListType.NEWEST, size=3, offset=offset):
        assert len(page) <= 3
        seen += [a.id for a in page]
        offset += len(page)
    assert len(seen) == len(set(seen)) == len(library.albums)
    if library.sim is not None:  # the simulator's newest: the last album added first
        newest = max(library.sim.world.navidrome_albums(), key=lambda a: a.id)
        first = await client.album_list(AlbumListType.NEWEST, size=1)
        assert first[0].name == newest.title
        assert first[0].created is not None


async def test_unknown_ids_are_error_70(session: aiohttp.ClientSession, library: Library) -> None:
    client = client_of(session, library)
    unknown = str(uuid.uuid4())  # supysonic's ids are UUIDs: a well-formed one it lacks
    for call in (client.artist, client.album, client.playlist):
        with pytest.raises(BackendRequestError) as caught:
            await call(unknown)
        assert caught.value.code == 70
    with pytest.raises(BackendRequestError) as caught:
        async with client.stream(unknown):
            pass
    assert caught.value.code == 70


# ----------------------------------------------------------------------------- playlists


async def _create_supysonic_playlist(
    session: aiohttp.ClientSession, library: Library, client: SubsonicClient, name: str
) -> list[str]:
    """Make a playlist of the first two songs of the first album (the client never writes)."""
    first = (await client.album_list(AlbumListType.ALPHABETICAL_BY_NAME, size=1))[0]
    songs = (await client.album(first.id)).songs[:2]
    query = [
        ("u", library.user),
        ("p", "enc:" + library.password.encode().hex()),
        ("v", "1.16.1"),
        ("c", "test"),
        ("f", "json"),
        ("name", name),
        *(("songId", s.id) for s in songs),
    ]
    async with session.get(f"{library.url}/rest/createPlaylist", params=query) as resp:
        assert resp.status == 200
    return [s.title for s in songs]


@compat("subsonic", "API 1.16, password auth", proof=REAL, source="supysonic 0.7.9 (PyPI)")
@compat("navidrome", "0.58+", proof=SIMULATOR, source="navidrome/navidrome server/ @ v0.58.5")
async def test_playlists_and_their_songs(session: aiohttp.ClientSession, library: Library) -> None:
    client = client_of(session, library)
    if library.server is not None:
        name = f"Road {uuid.uuid4().hex[:6]}"
        expected = {name: await _create_supysonic_playlist(session, library, client, name)}
    else:
        assert library.sim is not None
        world = library.sim.world
        albums = LibraryIndex(world).albums
        expected = {
            p.name: titles
            for p in PLAYLISTS
            if (titles := [t.title for _, t in playlist_songs(world, albums, p)])
        }
    listed = {p.name: p for p in await client.playlists()}
    assert set(expected) <= set(listed)
    for name, titles in expected.items():
        found = await client.playlist(listed[name].id)
        assert [s.title for s in found.songs] == titles
        assert found.playlist.song_count == len(titles)


# ----------------------------------------------------------------------------- media


@compat("subsonic", "API 1.16, password auth", proof=REAL, source="supysonic 0.7.9 (PyPI)")
@compat("navidrome", "0.58+", proof=SIMULATOR, source="navidrome/navidrome server/ @ v0.58.5")
async def test_stream_sends_the_file_and_honours_range(
    session: aiohttp.ClientSession, library: Library, recorder: Recorder
) -> None:
    client = client_of(session, library)
    album = (await client.album_list(AlbumListType.ALPHABETICAL_BY_NAME, size=1))[0]
    song = (await client.album(album.id)).songs[0]
    expected = library.files[song.title]
    async with client.stream(song.id) as audio:
        body = await audio.content.read()
        assert audio.status == 200
    assert body == expected
    assert audio.headers["Content-Type"].startswith("audio/")
    assert int(audio.headers["Content-Length"]) == len(expected)
    async with client.stream(song.id, byte_range="bytes=100-199") as part:
        chunk = await part.content.read()
    assert part.status == 206
    assert chunk == expected[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(expected)}"
    async with client.stream(song.id, byte_range=f"bytes={len(expected) + 10}-") as past:
        assert past.status == 416  # passed on to the player, not an error
    streamed = [u for u in recorder.rest() if u.path.endswith("/stream")]
    assert len(streamed) == 3
    if client.auth_in_use is AuthMode.TOKEN:  # Navidrome: never the password, even encoded
        assert all("p" not in u.query and {"t", "s"} <= set(u.query) for u in streamed)


@compat("subsonic", "API 1.16, password auth", proof=REAL, source="supysonic 0.7.9 (PyPI)")
@compat("navidrome", "0.58+", proof=SIMULATOR, source="navidrome/navidrome server/ @ v0.58.5")
async def test_cover_art_is_an_image(session: aiohttp.ClientSession, library: Library) -> None:
    client = client_of(session, library)
    albums = await client.album_list(AlbumListType.ALPHABETICAL_BY_NAME, size=50)
    covered = [a for a in albums if a.cover_art]
    if library.server is not None:  # only the album with a cover.jpg in its folder has one
        assert [a.name for a in covered] == [COVERED_ALBUM]
        assert len(albums) == len(ALBUMS)
    else:
        assert len(covered) == len(albums)
    art = await client.cover_art(covered[0].cover_art or "", size=300)
    assert art.content_type in ("image/jpeg", "image/png")
    assert art.body[:4] in (b"\xff\xd8\xff\xe0", b"\x89PNG")


async def test_search_names_the_songs_type_and_covers(
    session: aiohttp.ClientSession, library: Library
) -> None:
    client = client_of(session, library)
    album = (await client.album_list(AlbumListType.ALPHABETICAL_BY_NAME, size=1))[0]
    title = (await client.album(album.id)).songs[0].title
    found = await client.search3(title, artist_count=0, album_count=0, song_count=5)
    song = next(s for s in found.songs if s.title == title)
    assert song.content_type is not None
    assert song.content_type.startswith("audio/")
    if library.sim is not None:  # supysonic's library has one cover, on another album
        assert song.cover_art
