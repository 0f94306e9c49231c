"""Navidrome in Home Assistant's media browser: browse, resolve, stream, covers, M3U.

Through Home Assistant's own media_source API and HTTP server, against the simulated
Navidrome: every page matches the simulated library, a resolved song streams the file
(with ``Range``), an album resolves to an M3U of signed stream URLs a player can fetch
without a token, and no Navidrome address or credential shows anywhere a browser or
player sees (browse payloads, resolved URLs, M3U, view answers) nor in the log.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from homeassistant.components import media_source
from homeassistant.components.media_player.browse_media import SearchMediaQuery
from homeassistant.components.media_player.const import MediaClass
from homeassistant.components.media_player.errors import BrowseError
from homeassistant.components.media_source import Unresolvable
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.stepheybot_music.const import DOMAIN
from custom_components.stepheybot_music.media.browse import PAGE
from simulator import Fault, Simulator
from simulator.backends.navidrome_browsing import PLAYLISTS, audio_body, playlist_songs
from simulator.backends.navidrome_library import LibraryIndex, entity_id

from .conftest import setup_stack, subentry_id

ROOT = f"media-source://{DOMAIN}"
BACKEND = subentry_id("navidrome")
HA_URL = "http://127.0.0.1:8123"


@pytest.fixture
async def media(hass: HomeAssistant, sim: Simulator) -> Simulator:
    """A stack with Navidrome, media_source and the HTTP server set up."""
    await async_process_ha_core_config(hass, {"internal_url": HA_URL})
    assert await async_setup_component(hass, "media_source", {})
    await setup_stack(hass, sim, ["navidrome"])
    return sim


CREDENTIAL_PARAMS = re.compile(r"[?&](u|t|s|p|jwt)=")
"""Subsonic's credential parameters in a URL."""


def assert_clean(text: str, sim: Simulator) -> None:
    """No Navidrome password (plain or hex-encoded), address or credential parameter."""
    spec = sim.spec("navidrome")
    assert spec.password
    for secret in (spec.password, spec.password.encode().hex(), sim.url("navidrome")):
        assert secret not in text, f"{secret!r} leaked"
    assert CREDENTIAL_PARAMS.search(text) is None, CREDENTIAL_PARAMS.search(text)


def our_log(caplog: pytest.LogCaptureFixture) -> str:
    """What this integration, its client library and Home Assistant's HTTP layer logged."""
    names = ("custom_components", "stepheybot_music_clients", "homeassistant")
    return "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(names))


async def browse(hass: HomeAssistant, identifier: str = "") -> Any:
    media_id = f"{ROOT}/{identifier}" if identifier else ROOT
    return await media_source.async_browse_media(hass, media_id)


async def test_browse_artists_albums_songs(hass: HomeAssistant, media: Simulator) -> None:
    world = media.world
    root = await browse(hass)
    assert [c.title for c in root.children] == ["Artists", "Recently added", "Playlists"]
    letters = await browse(hass, root.children[0].identifier)
    artists: dict[str, Any] = {}
    for letter in letters.children:
        page = await browse(hass, letter.identifier)
        artists |= {a.title: a for a in page.children}
    in_library = list(world.navidrome_albums())
    assert set(artists) == {world.artist_of(a).name for a in in_library}
    name, node = sorted(artists.items())[0]
    albums = await browse(hass, node.identifier)
    expected = {a.title: a for a in in_library if world.artist_of(a).name == name}
    assert {c.title.rsplit(" (", 1)[0] for c in albums.children} == set(expected)
    album_node = albums.children[0]
    assert album_node.can_play
    assert album_node.thumbnail.startswith(f"/api/{DOMAIN}/cover/")
    album = expected[album_node.title.rsplit(" (", 1)[0]]
    songs = await browse(hass, album_node.identifier)
    assert [c.title for c in songs.children] == [
        f"{t.number}. {t.title}" for t in world.tracks_of(album)
    ]
    assert all(c.can_play and not c.can_expand for c in songs.children)
    payload = json.dumps([root.as_dict(), letters.as_dict(), albums.as_dict(), songs.as_dict()])
    assert_clean(payload, media)


async def test_recently_added_comes_in_pages(hass: HomeAssistant, media: Simulator) -> None:
    newest = LibraryIndex(media.world).newest()
    assert len(newest) > PAGE  # the default world: more than one page
    first = await browse(hass, f"{BACKEND}/newest/0")
    assert len(first.children) == PAGE + 1
    more = first.children[-1]
    assert more.title == "More…"
    names = [c.title for c in first.children[:PAGE]]
    assert names[0].startswith(f"{media.world.artist_of(newest[0]).name} - {newest[0].title}")
    second = await browse(hass, more.identifier)
    names += [c.title for c in second.children if c.title != "More…"]
    assert len(names) == min(len(newest), 2 * PAGE)


async def test_playlists(hass: HomeAssistant, media: Simulator) -> None:
    world = media.world
    albums = LibraryIndex(world).albums
    listed = await browse(hass, f"{BACKEND}/playlists")
    assert [c.title for c in listed.children] == sorted(p.name for p in PLAYLISTS)
    wanted = next(p for p in PLAYLISTS if p.name == listed.children[0].title)
    opened = await browse(hass, listed.children[0].identifier)
    assert [c.title for c in opened.children] == [
        f"{world.artist_of(a).name} - {t.title}" for a, t in playlist_songs(world, albums, wanted)
    ]


async def test_song_streams_through_home_assistant(
    hass: HomeAssistant,
    media: Simulator,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    album = LibraryIndex(media.world).albums[0]
    songs = await browse(hass, f"{BACKEND}/album/{entity_id('album', album.mbid)}")
    song = songs.children[0]
    played = await media_source.async_resolve_media(hass, song.media_content_id, None)
    assert played.url.startswith(f"/api/{DOMAIN}/stream/{BACKEND}/")
    assert played.mime_type in ("audio/flac", "audio/mpeg")
    expected = audio_body(album)
    client = await hass_client()
    resp = await client.get(played.url)
    assert resp.status == 200
    assert await resp.read() == expected
    assert resp.headers["Content-Type"] == played.mime_type
    resp = await client.get(played.url, headers={"Range": "bytes=10-19"})
    assert resp.status == 206
    assert await resp.read() == expected[10:20]
    assert resp.headers["Content-Range"] == f"bytes 10-19/{len(expected)}"
    anonymous = await hass_client_no_auth()
    assert (await anonymous.get(played.url)).status == 401
    missing = await client.get(f"/api/{DOMAIN}/stream/{BACKEND}/tr-999999-1")
    assert missing.status == 404
    assert_clean(played.url + our_log(caplog), media)


async def test_album_plays_as_an_m3u_of_signed_urls(
    hass: HomeAssistant,
    media: Simulator,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    album = LibraryIndex(media.world).albums[1]
    media_id = f"{ROOT}/{BACKEND}/album/{entity_id('album', album.mbid)}"
    played = await media_source.async_resolve_media(hass, media_id, None)
    assert played.mime_type == "audio/x-mpegurl"
    client = await hass_client()
    resp = await client.get(played.url)
    assert resp.status == 200
    text = await resp.text()
    lines = text.splitlines()
    urls = [URL(line) for line in lines if not line.startswith("#")]
    assert lines[0] == "#EXTM3U"
    assert len(urls) == album.track_count
    assert all(str(u).startswith(f"{HA_URL}/api/{DOMAIN}/stream/") for u in urls)
    assert all(set(u.query) == {"authSig"} for u in urls)
    player = await hass_client_no_auth()  # a player has no token: the signature lets it in
    resp = await player.get(urls[0].path_qs)
    assert resp.status == 200
    assert await resp.read() == audio_body(album)
    assert_clean(text.replace(urls[0].query["authSig"], ""), media)


async def test_cover_art_view(
    hass: HomeAssistant, media: Simulator, hass_client: ClientSessionGenerator
) -> None:
    albums = await browse(hass, f"{BACKEND}/newest/0")
    client = await hass_client()
    resp = await client.get(albums.children[0].thumbnail)
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "image/png"
    assert (await resp.read())[:4] == b"\x89PNG"


async def test_bad_ids_are_clear_errors(hass: HomeAssistant, media: Simulator) -> None:
    with pytest.raises(BrowseError, match="not loaded"):
        await browse(hass, "01NOSUCHBACKEND/artists")
    with pytest.raises(BrowseError, match="Not a StepheyBot Music media id"):
        await browse(hass, f"{BACKEND}/nonsense/1")
    with pytest.raises(BrowseError, match="Album not found"):
        await browse(hass, f"{BACKEND}/album/0123")
    with pytest.raises(Unresolvable, match="open it instead"):
        await media_source.async_resolve_media(hass, f"{ROOT}/{BACKEND}/artists", None)


async def test_search_finds_albums_and_songs_that_play(
    hass: HomeAssistant, media: Simulator
) -> None:
    album = LibraryIndex(media.world).albums[0]
    artist = media.world.artist_of(album).name
    root = await browse(hass)
    assert root.can_search
    found = await media_source.async_search_media(
        hass, f"{ROOT}/{BACKEND}", SearchMediaQuery(search_query=album.title)
    )
    titles = [r.title for r in found.result]
    assert any(t.startswith(f"{artist} - {album.title}") for t in titles), titles
    song = next(r for r in found.result if r.media_class == "track")
    played = await media_source.async_resolve_media(hass, song.media_content_id, None)
    assert played.mime_type == ("audio/mpeg" if album.quality.startswith("MP3") else "audio/flac")
    only_albums = await media_source.async_search_media(
        hass,
        ROOT,
        SearchMediaQuery(search_query=album.title, media_filter_classes=[MediaClass.ALBUM]),
    )
    assert only_albums.result
    assert {r.media_class for r in only_albums.result} == {"album"}
    assert_clean(json.dumps([r.as_dict() for r in found.result]), media)


@pytest.mark.parametrize(
    ("fault", "cause"),
    [
        (Fault.DOWN, "Cannot"),
        (Fault.HTTP_500, "HTTP 500"),
        (Fault.AUTH_REVOKED, "rejected the user name or password"),
    ],
)
async def test_a_failing_navidrome_is_a_clear_error_everywhere(
    hass: HomeAssistant,
    media: Simulator,
    hass_client: ClientSessionGenerator,
    fault: Fault,
    cause: str,
) -> None:
    album = LibraryIndex(media.world).albums[0]
    songs = await browse(hass, f"{BACKEND}/album/{entity_id('album', album.mbid)}")
    played = await media_source.async_resolve_media(hass, songs.children[0].media_content_id, None)
    cover = songs.thumbnail
    client = await hass_client()
    media.faults("navidrome").set(fault)
    with pytest.raises(BrowseError, match=cause) as caught:
        await browse(hass, f"{BACKEND}/newest/0")
    assert str(media.spec("navidrome").password) not in str(caught.value)
    texts = []  # what a player may see: not even Navidrome's address
    for path in (played.url, cover):
        resp = await client.get(path)
        assert resp.status == 502
        text = await resp.text()
        assert cause in text
        texts.append(text)
    assert_clean("\n".join(texts), media)
