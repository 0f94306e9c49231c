"""The simulated Navidrome, spoken to by hand (raw HTTP), as a real client would see it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from simulator import Fault, Scale, Simulator
from simulator.backends import BackendSpec
from simulator.backends.navidrome_library import index_letter, order_name

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
    assert status["elapsedTime"] == int(sim.world.scan_duration * 0.3 * 1000)
    await sim.advance(sim.world.scan_duration)
    envelope, _ = await rest(http, sim, "getScanStatus", creds())
    assert envelope["scanStatus"]["count"] == sim.world.nav_songs
    assert "scanType" not in envelope["scanStatus"]


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
    from simulator.model import NowPlaying

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
    for resource, total in (
        ("artist", world.nav_artists),
        ("album", world.nav_albums),
        ("song", world.nav_songs),
    ):
        status, rows, resp = await native(
            http, sim, f"/api/{resource}", token, _start="0", _end="1"
        )
        assert status == 200
        assert len(rows) == 1
        assert resp.headers["X-Total-Count"] == str(total)
        refreshed = resp.headers["X-ND-Authorization"]
        assert refreshed.startswith("Bearer ")
        # _end=0 (or no _end) means "no limit": every row, as the real Navidrome does
        _, everything, _ = await native(http, sim, f"/api/{resource}", token, _start="0", _end="0")
        assert len(everything) == total
        _, tail, _ = await native(http, sim, f"/api/{resource}", refreshed[7:], _start="2")
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
    status, _, _ = await native(http, sim, "/api/library", token)
    assert status == 403
    assert (await native(http, sim, "/api/playlist", token))[0] == 404
    assert (await native(http, sim, "/api/song", token, _start="x"))[0] == 400


async def test_native_auth_and_faults(http: aiohttp.ClientSession, sim: Simulator) -> None:
    url = f"{sim.url('navidrome')}/auth/login"
    async with http.post(url, json={"username": "admin", "password": "wrong"}) as resp:
        assert resp.status == 401
        assert (await resp.json())["error"] == "Invalid username or password"
    async with http.post(url, data=b"not json") as resp:
        assert resp.status == 422
    assert (await native(http, sim, "/api/artist", None))[0] == 401
    assert (await native(http, sim, "/api/artist", "forged.token.value"))[0] == 401
    token = await login(http, sim)
    status, library, _ = await native(http, sim, "/api/library", token)
    assert status == 200
    assert (library[0]["totalArtists"], library[0]["totalAlbums"], library[0]["totalSongs"]) == (
        sim.world.nav_artists,
        sim.world.nav_albums,
        sim.world.nav_songs,
    )
    await sim.set_fault("navidrome", Fault.SESSION_EXPIRED)
    assert (await native(http, sim, "/api/artist", token))[0] == 401
    token = await login(http, sim)
    assert (await native(http, sim, "/api/artist", token))[0] == 200
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
        _, rows, resp = await native(http, huge, "/api/artist", token, _start="0", _end="1")
        assert len(rows) == 1
        assert int(resp.headers["X-Total-Count"]) == world.nav_artists
        assert (resp.content_length or 0) < 2048
        _, rows, _ = await native(http, huge, "/api/song", token, _start="0", _end="0")
        assert len(rows) == world.nav_songs > 80_000
