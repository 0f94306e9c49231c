"""The simulated Navidrome, spoken to by hand (raw HTTP), as a real client would see it."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from simulator import Fault, Scale, Simulator
from simulator.backends import BackendSpec
from simulator.backends.navidrome_library import composer_of, index_letter, order_name
from simulator.model import NowPlaying

ADMIN = ("admin", "Sim-admin-pw")
LISTENER = ("listener", "Sim-listener-pw")
SMALL = Scale(artists=5, albums=14, tracks=120, catalog_artists=2, upcoming_albums=1)


def spec(flavor: str = "") -> BackendSpec:
    return BackendSpec(
        name="navidrome",
        kind="navidrome",
        flavor=flavor,
        username=ADMIN[0],
        password=ADMIN[1],
        extra={"users": f"{LISTENER[0]}:{LISTENER[1]}, broken-entry"},
    )


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(specs=[spec()], scale=SMALL, seed=11, download_speed=0) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def creds(user: tuple[str, str] = ADMIN, /, **extra: str) -> dict[str, str]:
    return {"u": user[0], "p": user[1], "v": "1.16.1", "c": "test", "f": "json", **extra}


async def rest(
    http: aiohttp.ClientSession, sim: Simulator, method: str, params: dict[str, str]
) -> tuple[dict[str, Any], aiohttp.ClientResponse]:
    async with http.get(f"{sim.url('navidrome')}/rest/{method}", params=params) as resp:
        assert resp.status == 200
        assert resp.content_type == "application/json"
        body = await resp.json()
    envelope: dict[str, Any] = body["subsonic-response"]
    assert envelope["type"] == "navidrome"
    assert envelope["version"] == "1.16.1"
    assert envelope["openSubsonic"] is True
    return envelope, resp


async def login(http: aiohttp.ClientSession, sim: Simulator, user: tuple[str, str] = ADMIN) -> str:
    body = {"username": user[0], "password": user[1]}
    async with http.post(f"{sim.url('navidrome')}/auth/login", json=body) as resp:
        assert resp.status == 200
        data = await resp.json()
    assert data["isAdmin"] is (user == ADMIN)
    assert (
        data["subsonicToken"]
        == hashlib.md5((user[1] + data["subsonicSalt"]).encode(), usedforsecurity=False).hexdigest()
    )
    assert "lastFMApiKey" not in data  # no release sends it (buildAuthPayload, server/auth.go)
    token: str = data["token"]
    return token


async def native(
    http: aiohttp.ClientSession, sim: Simulator, path: str, token: str | None, **query: str
) -> tuple[int, Any, aiohttp.ClientResponse]:
    headers = {"X-ND-Authorization": f"Bearer {token}"} if token else {}
    async with http.get(f"{sim.url('navidrome')}{path}", params=query, headers=headers) as resp:
        text = await resp.text()
    try:
        data = json.loads(text)
    except ValueError:
        data = text
    return resp.status, data, resp


# ----------------------------------------------------------------------------- protocol


async def test_output_formats_suffix_and_post(http: aiohttp.ClientSession, sim: Simulator) -> None:
    base = f"{sim.url('navidrome')}/rest"
    params = creds()
    del params["f"]
    async with http.get(f"{base}/getScanStatus", params=params) as resp:
        xml = await resp.text()
    assert resp.content_type == "application/xml"
    assert '<subsonic-response xmlns="http://subsonic.org/restapi" status="ok"' in xml
    assert 'type="navidrome"' in xml
    assert f'count="{sim.world.nav_songs}"' in xml
    async with http.get(f"{base}/getOpenSubsonicExtensions", params={"f": "xml"}) as resp:
        extensions = await resp.text()
    assert (
        '<openSubsonicExtensions name="songLyrics"><versions>1</versions><versions>2</versions>'
        in (extensions)
    )
    async with http.get(f"{base}/ping.view", params=creds(f="jsonp", callback="cb")) as resp:
        jsonp = await resp.text()
    assert jsonp.startswith('cb({"subsonic-response":{"status":"ok"')
    async with http.post(f"{base}/getNowPlaying.view", data=creds()) as resp:
        posted = await resp.json()
    assert posted["subsonic-response"]["nowPlaying"] == {}
    async with http.get(f"{base}/getMusicFolders", params=creds()) as resp:
        folders = await resp.json()
    assert folders["subsonic-response"]["musicFolders"]["musicFolder"][0]["id"] == 1
    envelope, _ = await rest(http, sim, "getLicense", creds())
    assert envelope["license"] == {"valid": True}


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        (
            {"u": "admin", "p": ADMIN[1], "v": "1.16.1", "f": "json"},
            10,
            "required 'c' parameter is missing",
        ),
        ({"p": ADMIN[1], "v": "1", "c": "x", "f": "json"}, 10, "required 'u' parameter is missing"),
        (creds(p="nope"), 40, "Wrong username or password."),
        (creds(p="enc:" + b"nope".hex()), 40, "Wrong username or password."),
        (creds(p="enc:zz"), 40, "Wrong username or password."),
        (creds(("ghost", "x")), 40, "Wrong username or password."),
        ({"u": "admin", "v": "1", "c": "x", "f": "json"}, 40, "Wrong username or password."),
        ({"u": "admin", "t": "0" * 32, "s": "abc", "v": "1", "c": "x", "f": "json"}, 40, "Wrong"),
        ({"u": "admin", "jwt": "a.b.c", "v": "1", "c": "x", "f": "json"}, 40, "Wrong"),
    ],
    ids=[
        "no-c",
        "no-u",
        "wrong-p",
        "wrong-enc",
        "bad-hex",
        "no-user",
        "no-creds",
        "bad-token",
        "bad-jwt",
    ],
)
async def test_request_errors(
    http: aiohttp.ClientSession, sim: Simulator, params: dict[str, str], code: int, message: str
) -> None:
    envelope, _ = await rest(http, sim, "ping", params)
    assert envelope["status"] == "failed"
    assert envelope["error"]["code"] == code
    assert message in envelope["error"]["message"]


async def test_every_credential_form_works(http: aiohttp.ClientSession, sim: Simulator) -> None:
    salt = "c0ffee"
    token = hashlib.md5((ADMIN[1] + salt).encode(), usedforsecurity=False).hexdigest()
    forms = [
        creds(),
        creds(p="enc:" + ADMIN[1].encode().hex()),
        {"u": "admin", "t": token.upper(), "s": salt, "v": "1", "c": "x", "f": "json"},
        {"u": "admin", "jwt": await login(http, sim), "v": "1", "c": "x", "f": "json"},
    ]
    for params in forms:
        envelope, _ = await rest(http, sim, "ping", params)
        assert envelope["status"] == "ok"


async def test_status_codes_outside_the_envelope(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    base = f"{sim.url('navidrome')}/rest"
    async with http.get(f"{base}/getOpenSubsonicExtensions", params={"f": "json"}) as resp:
        public = await resp.json()
    names = [e["name"] for e in public["subsonic-response"]["openSubsonicExtensions"]]
    assert "formPost" in names
    for method, status in (("nonsense", 404), ("search.view", 410), ("getPodcasts", 501)):
        async with http.get(f"{base}/{method}", params=creds()) as resp:
            assert resp.status == status
            assert resp.content_type == "text/plain"


# ----------------------------------------------------------------------------- library


async def test_album_lists(http: aiohttp.ClientSession, sim: Simulator) -> None:
    world = sim.world
    albums = list(world.navidrome_albums())
    envelope, resp = await rest(
        http, sim, "getAlbumList2", creds(type="alphabeticalByName", size="500")
    )
    names = [a["name"] for a in envelope["albumList2"]["album"]]
    assert names == sorted((a.title for a in albums), key=str.lower)
    assert resp.headers["x-total-count"] == str(world.nav_albums) == str(len(albums))
    envelope, resp = await rest(
        http, sim, "getAlbumList2", creds(type="alphabeticalByName", size="3", offset="2")
    )
    assert [a["name"] for a in envelope["albumList2"]["album"]] == names[2:5]
    envelope, resp = await rest(http, sim, "getAlbumList", creds(type="newest", size="2"))
    newest = envelope["albumList"]["album"]
    assert [a["isDir"] for a in newest] == [True, True]
    assert newest[0]["title"] == max(albums, key=lambda a: a.id).title
    years = sorted(a.release_date.year for a in albums)
    low, high = years[1], years[-2]
    envelope, resp = await rest(
        http,
        sim,
        "getAlbumList2",
        creds(type="byYear", fromYear=str(high), toYear=str(low), size="500"),
    )
    found = [a["year"] for a in envelope["albumList2"]["album"]]
    assert found == sorted((y for y in years if low <= y <= high), reverse=True)
    assert resp.headers["x-total-count"] == str(len(found))
    genre = albums[0].genre
    envelope, _ = await rest(
        http, sim, "getAlbumList2", creds(type="byGenre", genre=genre, size="500")
    )
    assert len(envelope["albumList2"]["album"]) == sum(a.genre == genre for a in albums)
    envelope, resp = await rest(http, sim, "getAlbumList2", creds(type="random", size="4"))
    assert len(envelope["albumList2"]["album"]) == 4
    envelope, resp = await rest(http, sim, "getAlbumList2", creds(type="starred"))
    assert envelope["albumList2"] == {}  # empty lists are omitted
    assert resp.headers["x-total-count"] == "0"
    envelope, _ = await rest(
        http, sim, "getAlbumList2", creds(type="alphabeticalByArtist", size="500")
    )
    artists = [order_name(a["artist"]) for a in envelope["albumList2"]["album"]]
    assert artists == sorted(artists)


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        ({}, 10, "required 'type' parameter is missing"),
        ({"type": "sideways"}, 0, "type 'sideways' not implemented"),
        ({"type": "byYear"}, 10, "'fromYear' and 'toYear'"),
        ({"type": "byGenre"}, 10, "required 'genre' parameter is missing"),
        ({"type": "newest", "size": "ten"}, 0, "invalid value for 'size'"),
    ],
)
async def test_album_list_errors(
    http: aiohttp.ClientSession, sim: Simulator, extra: dict[str, str], code: int, message: str
) -> None:
    envelope, _ = await rest(http, sim, "getAlbumList2", creds(**extra))
    assert envelope["error"] == {"code": code, "message": envelope["error"]["message"]}
    assert message in envelope["error"]["message"]


async def test_album_list_size_is_capped_at_500(http: aiohttp.ClientSession) -> None:
    scale = Scale(artists=30, albums=700, tracks=2000, catalog_artists=1, upcoming_albums=0)
    async with Simulator(specs=[spec()], scale=scale, seed=2) as big:
        envelope, resp = await rest(http, big, "getAlbumList2", creds(type="newest", size="900"))
        assert len(envelope["albumList2"]["album"]) == 500
        assert int(resp.headers["x-total-count"]) == big.world.nav_albums > 500


async def test_artists_index(http: aiohttp.ClientSession, sim: Simulator) -> None:
    envelope, _ = await rest(http, sim, "getArtists", creds(LISTENER))
    artists = envelope["artists"]
    assert artists["ignoredArticles"].startswith("The El La")
    entries = [(group["name"], a) for group in artists["index"] for a in group["artist"]]
    assert len(entries) == sim.world.nav_artists
    for letter, artist in entries:
        assert letter == index_letter(artist["name"])
        assert not letter.startswith("T") or not artist["name"].startswith("The ")
    assert sum(a["albumCount"] for _, a in entries) == sim.world.nav_albums


async def test_search3(http: aiohttp.ClientSession, sim: Simulator) -> None:
    world = sim.world
    album = sorted(world.navidrome_albums(), key=lambda a: a.id)[3]
    envelope, _ = await rest(
        http, sim, "search3", creds(query=f'"{album.title}*"', songCount="500")
    )
    found = envelope["searchResult3"]
    assert album.title in [a["name"] for a in found["album"]]
    assert {s["title"] for s in found["song"]} >= {t.title for t in world.tracks_of(album)}
    envelope, _ = await rest(
        http, sim, "search3", creds(artistCount="0", albumCount="0", songCount="5", songOffset="7")
    )
    assert set(envelope["searchResult3"]) == {"song"}
    assert len(envelope["searchResult3"]["song"]) == 5
    envelope, _ = await rest(http, sim, "search3", creds(query="zzqx"))
    assert envelope["searchResult3"] == {}


# ----------------------------------------------------------------------------- scanning, playing


async def test_scan_progress_and_permissions(http: aiohttp.ClientSession, sim: Simulator) -> None:
    envelope, _ = await rest(http, sim, "startScan", creds(LISTENER))
    assert envelope["error"]["code"] == 50
    envelope, _ = await rest(http, sim, "getScanStatus", creds(LISTENER))
    assert envelope["scanStatus"]["scanning"] is False
    assert envelope["scanStatus"]["lastScan"].endswith("Z")
    envelope, _ = await rest(http, sim, "startScan", creds(fullScan="true"))
    assert envelope["scanStatus"]["scanning"] is True
    assert envelope["scanStatus"]["scanType"] == "full"
    await sim.advance(sim.world.scan_duration * 0.3)
    envelope, _ = await rest(http, sim, "getScanStatus", creds())
    status = envelope["scanStatus"]
    assert status["scanning"] is True
    assert 0 < status["count"] < sim.world.nav_songs
    # a Go time.Duration: nanoseconds (responses.go @ v0.56.1:486)
    assert status["elapsedTime"] == int(sim.world.scan_duration * 0.3 * 1e9)
    assert status["folderCount"] < sim.world.nav_albums
    await sim.advance(sim.world.scan_duration)
    envelope, _ = await rest(http, sim, "getScanStatus", creds())
    idle = envelope["scanStatus"]
    assert idle["count"] == sim.world.nav_songs
    assert idle["folderCount"] == sim.world.nav_albums  # folders with audio files
    # 0.56+: the last scan's type and duration stay while idle
    assert (idle["scanType"], idle["elapsedTime"]) == ("full", int(sim.world.scan_duration * 1e9))


async def test_imported_albums_appear_only_after_a_scan(
    http: aiohttp.ClientSession, sim: Simulator
) -> None:
    world = sim.world
    token = await login(http, sim)
    missing = next(a for a in world.albums.values() if a.monitored and not a.in_navidrome)
    songs_before = world.nav_songs
    _, before = await rest(http, sim, "getAlbumList2", creds(type="alphabeticalByName", size="1"))
    missing.track_files = missing.track_count  # imported on disk, not yet scanned
    envelope, _ = await rest(http, sim, "search3", creds(query=missing.title))
    assert missing.title not in [a["name"] for a in envelope["searchResult3"].get("album", [])]
    await rest(http, sim, "startScan", creds())
    await sim.advance(world.scan_duration + 1)
    _, after = await rest(http, sim, "getAlbumList2", creds(type="alphabeticalByName", size="1"))
    assert int(after.headers["x-total-count"]) == int(before.headers["x-total-count"]) + 1
    envelope, _ = await rest(http, sim, "search3", creds(query=missing.title))
    assert missing.title in [a["name"] for a in envelope["searchResult3"]["album"]]
    status, library, _ = await native(http, sim, "/api/library", token)
    assert status == 200
    assert library[0]["totalSongs"] == songs_before + missing.track_count == world.nav_songs


async def test_now_playing_entries(http: aiohttp.ClientSession, sim: Simulator) -> None:
    world = sim.world
    album = next(iter(world.navidrome_albums()))
    tracks = list(world.tracks_of(album))
    now = world.clock.now()
    for track, player in zip(tracks[:3], ("Feishin", "Sonixd", "Feishin"), strict=True):
        world.now_playing.append(
            NowPlaying(track=track, username="listener", player_name=player, started=now)
        )
    await sim.advance(65)
    envelope, _ = await rest(http, sim, "getNowPlaying", creds())
    entries = envelope["nowPlaying"]["entry"]
    assert [e["title"] for e in entries] == [t.title for t in tracks[:3]]
    assert [e["playerId"] for e in entries] == [1, 2, 1]
    assert {e["minutesAgo"] for e in entries} == {1}
    assert entries[0]["positionMs"] == min(65, tracks[0].duration) * 1000


# ----------------------------------------------------------------------------- native API


async def test_native_counts_and_rows(http: aiohttp.ClientSession, sim: Simulator) -> None:
    world = sim.world
    token = await login(http, sim, LISTENER)
    for resource, total, only in (
        ("artist", world.nav_artists, {"role": "albumartist"}),
        ("album", world.nav_albums, {}),
        ("song", world.nav_songs, {}),
    ):
        status, rows, resp = await native(
            http, sim, f"/api/{resource}", token, _start="0", _end="1", **only
        )
        assert status == 200
        assert len(rows) == 1
        assert resp.headers["X-Total-Count"] == str(total)
        # the refreshed token is the bare JWT (server/auth.go @ v0.58.5:286)
        refreshed = resp.headers["X-ND-Authorization"]
        assert not refreshed.startswith("Bearer ")
        assert refreshed.count(".") == 2
        # _end=0 (or no _end) means "no limit": every row, as the real Navidrome does
        _, everything, _ = await native(
            http, sim, f"/api/{resource}", token, _start="0", _end="0", **only
        )
        assert len(everything) == total
        _, tail, _ = await native(http, sim, f"/api/{resource}", refreshed, _start="2", **only)
        assert tail == everything[2:]
    _, page, _ = await native(http, sim, "/api/song", token, _start="9", _end="14")
    _, songs, _ = await native(http, sim, "/api/song", token)
    assert page == songs[9:14]
    assert [s["title"] for s in songs[:3]] == [
        t.title
        for t in world.tracks_of(
            min(world.navidrome_albums(), key=lambda a: (a.title.lower(), a.id))
        )
    ][:3]
    status, text, resp = await native(http, sim, "/api/library", token)
    assert (status, text) == (403, "Access denied: admin privileges required")
    assert resp.headers["X-ND-Authorization"].count(".") == 2  # refreshed before the handler
    # an unknown route is chi's 404, before any authentication: no token, no refresh
    status, text, resp = await native(http, sim, "/api/nothing-here", None)
    assert (status, text) == (404, "404 page not found\n")
    assert "X-ND-Authorization" not in resp.headers
    # deluan/rest ignores a number it cannot parse: 0
    _, rows, _ = await native(http, sim, "/api/song", token, _start="x", _end="2")
    assert rows == songs[:2]


async def test_native_auth_and_faults(http: aiohttp.ClientSession, sim: Simulator) -> None:
    url = f"{sim.url('navidrome')}/auth/login"
    async with http.post(url, json={"username": "admin", "password": "wrong"}) as resp:
        assert resp.status == 401
        assert (await resp.json())["error"] == "Invalid username or password"
    async with http.post(url, data=b"not json") as resp:
        assert resp.status == 422
        assert await resp.json() == {"error": "invalid request payload"}
    status, body, resp = await native(http, sim, "/api/artist", None)
    assert (status, body) == (401, {"error": "Not authenticated"})
    assert "X-ND-Authorization" not in resp.headers
    assert (await native(http, sim, "/api/artist", "forged.token.value"))[0] == 401
    token = await login(http, sim)
    status, library, _ = await native(http, sim, "/api/library", token)
    assert status == 200
    assert (library[0]["totalAlbums"], library[0]["totalSongs"]) == (
        sim.world.nav_albums,
        sim.world.nav_songs,
    )
    # every participant of the library, composers included (library_repository.go @ v0.58.5)
    assert library[0]["totalArtists"] > sim.world.nav_artists
    await sim.set_fault("navidrome", Fault.SESSION_EXPIRED)
    assert (await native(http, sim, "/api/artist", token))[0] == 401
    token = await login(http, sim)
    assert (await native(http, sim, "/api/artist", token))[0] == 200
    # the token also works as a cookie or a query parameter (jwtauth v5.3.3), not as a bare header
    url_artist = f"{sim.url('navidrome')}/api/artist"
    async with http.get(url_artist, params={"jwt": token}) as resp:
        assert resp.status == 200
    async with http.get(url_artist, cookies={"jwt": token}) as resp:
        assert resp.status == 200
    async with http.get(url_artist, headers={"X-ND-Authorization": token}) as resp:
        assert resp.status == 401
    await sim.advance(49 * 3600, step=3600)
    assert (await native(http, sim, "/api/artist", token))[0] == 401  # expired
    token = await login(http, sim)
    await sim.set_fault("navidrome", Fault.AUTH_REVOKED)
    assert (await native(http, sim, "/api/artist", token))[0] == 401
    envelope, _ = await rest(http, sim, "ping", creds())
    assert envelope["error"]["code"] == 40
    async with http.post(url, json={"username": ADMIN[0], "password": ADMIN[1]}) as resp:
        assert resp.status == 401
    await sim.clear_fault("navidrome")
    await sim.set_fault("navidrome", Fault.BANNED)
    async with http.post(url, json={"username": ADMIN[0], "password": ADMIN[1]}) as resp:
        assert resp.status == 429


async def test_old_navidrome(http: aiohttp.ClientSession) -> None:
    async with Simulator(specs=[spec("0.54.5")], scale=SMALL, seed=11) as old:
        envelope, _ = await rest(http, old, "getScanStatus", creds())
        assert envelope["serverVersion"].startswith("0.54.5 (")
        assert envelope["scanStatus"]["count"] == 0  # before 0.55: the last scan's file count
        token = await login(http, old)
        assert (await native(http, old, "/api/library", token))[0] == 404


async def total(
    http: aiohttp.ClientSession, sim: Simulator, token: str, resource: str, **query: str
) -> int:
    status, _, resp = await native(
        http, sim, f"/api/{resource}", token, _start="0", _end="1", **query
    )
    assert status == 200
    return int(resp.headers["X-Total-Count"])


@pytest.mark.parametrize("flavor", ["0.54.5", "0.55", "0.58"])
async def test_flavours_count_artists_songs_and_missing_files(
    http: aiohttp.ClientSession, flavor: str
) -> None:
    """What each release counts, with two albums whose files were deleted since the scan."""
    gone = spec(flavor)
    gone.extra["missing_albums"] = "2"
    async with Simulator(specs=[gone], scale=SMALL, seed=11) as sim:
        world = sim.world
        version = (0, int(flavor.split(".")[1]))
        albums = list(world.navidrome_albums())
        composers = {c for a in albums if (c := composer_of(a)) is not None}
        assert composers, "the library must have composers to tell the meanings apart"
        album_artists = world.nav_artists
        token = await login(http, sim, LISTENER)
        envelope, _ = await rest(http, sim, "getArtists", creds(LISTENER))
        indexed = sum(len(group["artist"]) for group in envelope["artists"]["index"])
        envelope, _ = await rest(http, sim, "getScanStatus", creds(LISTENER))
        scan = envelope["scanStatus"]
        _, resp = await rest(
            http, sim, "getAlbumList2", creds(LISTENER, type="alphabeticalByName", size="1")
        )
        assert int(resp.headers["x-total-count"]) == world.nav_albums  # never missing albums
        everyone = await total(http, sim, token, "artist")
        by_role = await total(http, sim, token, "artist", role="albumartist")
        present = await total(http, sim, token, "artist", role="albumartist", missing="false")
        as_json = await total(
            http,
            sim,
            token,
            "artist",
            _filters=json.dumps({"role": "albumartist", "missing": False}),
        )
        songs = await total(http, sim, token, "song")
        songs_present = await total(http, sim, token, "song", missing="false")
        if version < (0, 55):  # artists are album artists; deleted files leave the database
            assert everyone == by_role == present == indexed == album_artists
            assert songs == songs_present == world.nav_songs
            assert scan["count"] == 0
            assert "scanType" not in scan
            return
        assert everyone == album_artists + len(composers) + 2  # every participant
        assert await total(http, sim, token, "artist", role="composer") == len(composers)
        assert await total(http, sim, token, "artist", role="conductor") == 0
        assert await total(http, sim, token, "artist", role="nonsense") == 0
        assert songs == world.nav_songs + 20
        assert songs_present == world.nav_songs
        assert await total(http, sim, token, "album", missing="false") == world.nav_albums
        assert await total(http, sim, token, "album") == world.nav_albums + 2
        assert by_role == album_artists + 2
        if version == (0, 55):  # no missing artists yet: the filter is ignored
            assert present == as_json == indexed == album_artists + 2
            assert scan["count"] == world.nav_songs + 20  # CountAll: missing files too
            assert "scanType" not in scan
            assert "elapsedTime" not in scan
            assert (await native(http, sim, "/api/library", token))[0] == 404
        else:
            assert present == as_json == indexed == album_artists
            assert scan["count"] == world.nav_songs  # Σ library.TotalSongs
            assert scan["scanType"] == "full"
            assert await total(http, sim, token, "song", library_id="2") == 0
            admin = await login(http, sim)
            _, library, resp = await native(http, sim, "/api/library", admin)
            assert resp.headers["X-Total-Count"] == "1"
            assert library[0]["totalArtists"] == album_artists + len(composers)
            assert library[0]["totalMissingFiles"] == 20


@pytest.mark.parametrize(("flavor", "error"), [("0.55", None), ("0.58", 70)])
async def test_get_artists_on_an_empty_library(
    http: aiohttp.ClientSession, flavor: str, error: int | None
) -> None:
    empty = Scale(artists=3, albums=6, tracks=40, catalog_artists=1, missing_ratio=1.0)
    async with Simulator(specs=[spec(flavor)], scale=empty, seed=11) as sim:
        assert sim.world.nav_artists == 0
        envelope, _ = await rest(http, sim, "getArtists", creds())
        if error is None:
            assert "index" not in envelope["artists"]
        else:  # "Library not found or empty" (server/subsonic/browsing.go @ v0.58.5:116-118)
            assert envelope["status"] == "failed"
            assert envelope["error"]["code"] == error
        envelope, _ = await rest(http, sim, "getScanStatus", creds())
        assert envelope["scanStatus"]["count"] == 0


async def test_cheap_endpoints_answer_small_at_100k_tracks(http: aiohttp.ClientSession) -> None:
    """The count endpoints answer the totals in a few hundred bytes at 100,000 tracks.

    Timings live in bench/; this checks what makes them cheap: tiny bodies with the totals.
    """
    scale = Scale(artists=2000, albums=9000, tracks=100_000, catalog_artists=10, upcoming_albums=1)
    async with Simulator(specs=[spec()], scale=scale, seed=5) as huge:
        token = await login(http, huge)
        world = huge.world
        status, _ = await rest(http, huge, "getScanStatus", creds())
        assert status["scanStatus"]["count"] == world.nav_songs
        _, resp = await rest(
            http, huge, "getAlbumList2", creds(type="alphabeticalByName", size="1")
        )
        assert int(resp.headers["x-total-count"]) == world.nav_albums
        _, rows, resp = await native(
            http, huge, "/api/artist", token, _start="0", _end="1", role="albumartist"
        )
        assert len(rows) == 1
        assert int(resp.headers["X-Total-Count"]) == world.nav_artists
        assert (resp.content_length or 0) < 2048
        _, rows, _ = await native(http, huge, "/api/song", token, _start="0", _end="0")
        assert len(rows) == world.nav_songs > 80_000


# ----------------------------------------------------------------------------- events (SSE)


async def next_event(resp: aiohttp.ClientResponse) -> tuple[int, str, dict[str, Any]]:
    raw = await asyncio.wait_for(resp.content.readuntil(b"\n\n"), 5)
    fields = dict(line.split(": ", 1) for line in raw.decode().strip().split("\n"))
    return int(fields["id"]), fields["event"], json.loads(fields["data"])


async def event_named(resp: aiohttp.ClientResponse, name: str) -> dict[str, Any]:
    """The next event called ``name`` (others, such as scan progress, are skipped)."""
    for _ in range(200):
        _, event, data = await next_event(resp)
        if event == name:
            return data
    raise AssertionError(f"no {name} event")


@pytest.mark.parametrize("flavor", ["0.55", "0.58"])
async def test_server_sent_events(http: aiohttp.ClientSession, flavor: str) -> None:
    async with Simulator(specs=[spec(flavor)], scale=SMALL, seed=11, download_speed=0) as sim:
        world = sim.world
        url = f"{sim.url('navidrome')}/api/events"
        async with http.get(url) as resp:
            assert resp.status == 401
        token = await login(http, sim, LISTENER)
        async with http.get(url, params={"jwt": token}) as resp:  # as the UI's EventSource
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "text/event-stream"
            assert resp.headers["Cache-Control"] == "no-cache, no-transform"
            assert resp.headers["X-ND-Authorization"].count(".") == 2
            event_id, event, data = await next_event(resp)
            assert (event_id, event) == (0, "serverStart")
            assert data["version"].startswith({"0.55": "0.55.2 (", "0.58": "0.58.5 ("}[flavor])
            await sim.advance(15)
            alive = await event_named(resp, "keepAlive")
            assert alive["ts"] == int(world.clock.now().timestamp())
            # a scan that brings a newly imported album
            album = next(a for a in world.albums.values() if a.monitored and not a.in_navidrome)
            album.track_files = album.track_count
            await rest(http, sim, "startScan", creds())
            started = await event_named(resp, "scanStatus")
            assert (started["scanning"], started["count"]) == (True, 0)
            if flavor == "0.55":
                assert set(started) == {"scanning", "count", "folderCount"}
            else:
                assert started["scanType"] == "quick"
                assert started["error"] == ""
            await sim.advance(world.scan_duration + 1)
            done = await event_named(resp, "scanStatus")
            while done["scanning"]:
                done = await event_named(resp, "scanStatus")
            assert done["count"] == world.nav_songs
            assert await event_named(resp, "refreshResource") == {"*": "*"}
            if flavor == "0.58":  # nowPlayingCount from 0.57
                track = next(iter(world.tracks_of(album)))
                world.now_playing.append(
                    NowPlaying(
                        track=track, username="listener", player_name="x", started=world.clock.now()
                    )
                )
                assert await event_named(resp, "nowPlayingCount") == {"count": 1}
