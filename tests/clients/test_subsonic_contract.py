"""Contract tests of the Subsonic client against a real supysonic and the simulated Navidrome.

The ``target`` fixture runs every contract test three times: against supysonic 0.7.9 (a
real Subsonic server that only understands password auth and counts by paging) and against
the simulator's Navidrome 0.55 and 0.58 flavours (token auth, OpenSubsonic, cheap counts;
their behaviours come from the upstream source, cited in simulator/backends/navidrome*.py).
Cases neither server can produce (garbage bodies, odd error codes) use a tiny loopback
aiohttp server.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from stepheybot_music_clients.errors import (
    BackendRequestError,
    CannotConnectError,
    InvalidAuthError,
    IpBannedError,
    ServerError,
    StackError,
    UnexpectedResponseError,
    WrongApplicationError,
)
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.subsonic import (
    AuthMode,
    LibraryTotals,
    SubsonicClient,
    TotalsMethod,
)
from yarl import URL

from simulator import Fault, Scale, Simulator
from simulator.backends import BackendSpec
from simulator.model import NowPlaying
from tests.compat import REAL, SIMULATOR, compat
from tests.loopback import free_port, serve
from tests.servers.supysonic import SupysonicServer, running_supysonic

SIM_ADMIN = ("admin", "Nd-admin-pw-5")
SIM_LISTENER = ("listener", "Nd-listener-pw-8")
SMALL = Scale(artists=4, albums=10, tracks=70, catalog_artists=2, upcoming_albums=1)
HUGE = Scale(artists=2000, albums=9000, tracks=100_000, catalog_artists=10, upcoming_albums=1)


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def supysonic() -> Iterator[SupysonicServer]:
    """One real supysonic (with its daemon) for the whole module."""
    with running_supysonic() as server:
        yield server


@dataclass(slots=True)
class Target:
    """One server under contract, and the truth to compare its answers with."""

    name: str
    url: str
    admin: tuple[str, str]
    listener: tuple[str, str]
    artists: list[str]
    albums: list[str]
    titles: list[str]
    settled_auth: AuthMode
    sim: Simulator | None = None
    server: SupysonicServer | None = None
    version: str = ""
    """The simulated Navidrome release (empty for supysonic)."""

    @property
    def totals(self) -> tuple[int, int, int]:
        """(artists, albums, songs) as the library really holds them."""
        return len(self.artists), len(self.albums), len(self.titles)


def sim_spec(*, flavor: str = "") -> BackendSpec:
    return BackendSpec(
        name="navidrome",
        kind="navidrome",
        flavor=flavor,
        username=SIM_ADMIN[0],
        password=SIM_ADMIN[1],
        extra={"users": f"{SIM_LISTENER[0]}:{SIM_LISTENER[1]}"},
    )


def sim_target(sim: Simulator, version: str = "0.58.0") -> Target:
    world = sim.world
    albums = list(world.navidrome_albums())
    return Target(
        version=version,
        name="navidrome",
        url=sim.url("navidrome"),
        admin=SIM_ADMIN,
        listener=SIM_LISTENER,
        artists=sorted({world.artist_of(a).name for a in albums}),
        albums=sorted(a.title for a in albums),
        titles=sorted(t.title for a in albums for t in world.tracks_of(a)),
        settled_auth=AuthMode.TOKEN,
        sim=sim,
    )


ND_055 = "0.55"
ND_058 = "0.58"
FLAVORS = {ND_055: "0.55.2", ND_058: "0.58.5"}
"""The simulator's Navidrome flavours and the release each plays."""


@pytest.fixture(
    params=[
        pytest.param("supysonic", marks=pytest.mark.real_server),
        f"navidrome-{ND_055}",
        f"navidrome-{ND_058}",
    ]
)
async def target(request: pytest.FixtureRequest) -> AsyncIterator[Target]:
    if request.param == "supysonic":
        server: SupysonicServer = request.getfixturevalue("supysonic")
        library = server.library
        yield Target(
            name="supysonic",
            url=server.url,
            admin=(server.username, server.password),
            listener=(server.listener, server.listener_password),
            artists=sorted(library.artists),
            albums=sorted(library.albums),
            titles=sorted(library.titles),
            settled_auth=AuthMode.PASSWORD,
            server=server,
        )
        return
    flavor = str(request.param).removeprefix("navidrome-")
    async with Simulator(
        specs=[sim_spec(flavor=flavor)], scale=SMALL, seed=7, download_speed=0
    ) as sim:
        yield sim_target(sim, FLAVORS[flavor])


@dataclass(slots=True)
class Recorder:
    """Every URL the session requested (query included), via aiohttp tracing."""

    urls: list[URL] = field(default_factory=list)

    def trace(self) -> aiohttp.TraceConfig:
        config = aiohttp.TraceConfig()

        async def on_start(_: Any, __: Any, params: aiohttp.TraceRequestStartParams) -> None:
            self.urls.append(params.url)

        config.on_request_start.append(on_start)
        return config

    def rest(self) -> list[URL]:
        return [u for u in self.urls if u.path.startswith("/rest/")]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def session(recorder: Recorder) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(trace_configs=[recorder.trace()]) as http:
        yield http


def make_client(
    session: aiohttp.ClientSession, target: Target, *, listener: bool = False, **kwargs: Any
) -> SubsonicClient:
    user, password = target.listener if listener else target.admin
    options: dict[str, Any] = {"username": user, "password": password, **kwargs}
    return SubsonicClient(session, target.url, **options)


# ----------------------------------------------------------------------------- identity


@compat("subsonic", "API 1.16, password auth", proof=REAL, source="supysonic 0.7.9 (PyPI)")
@compat("navidrome", "0.55", proof=SIMULATOR, source="navidrome/navidrome server/ @ v0.55.2")
@compat("navidrome", "0.58+", proof=SIMULATOR, source="navidrome/navidrome server/ @ v0.58.5")
async def test_probe_identifies_the_server(session: aiohttp.ClientSession, target: Target) -> None:
    client = make_client(session, target)
    info = await client.probe()
    assert info.kind is BackendKind.NAVIDROME
    details = await client.server_info()
    if target.name == "supysonic":
        assert (info.application, info.version, info.api_version) == ("Subsonic", None, "1.12.0")
        assert details.open_subsonic is False
        assert details.extensions == ()
        assert details.is_navidrome is False
        assert client.name == "Subsonic"
    else:
        assert info.application == "Navidrome"
        assert info.version is not None
        assert info.version.startswith(f"{target.version} (")
        assert info.api_version == "1.16.1"
        assert details.open_subsonic is True
        assert details.is_navidrome is True
        names = {e.name for e in details.extensions}
        assert {"formPost", "songLyrics"} <= names
        assert next(e for e in details.extensions if e.name == "songLyrics").versions == (1, 2)
    assert client.server == details


async def test_wrong_password_is_invalid_auth(
    session: aiohttp.ClientSession, target: Target
) -> None:
    secret = "Wrong-pw-" + target.name
    client = SubsonicClient(session, target.url, username=target.admin[0], password=secret)
    with pytest.raises(InvalidAuthError) as caught:
        await client.probe()
    message = caught.value.message
    assert "rejected the user name or password" in message
    assert "Check the user name and password" in message
    assert secret not in message
    assert secret.encode().hex() not in message


async def test_unknown_user_is_invalid_auth(session: aiohttp.ClientSession, target: Target) -> None:
    client = SubsonicClient(session, target.url, username="nobody", password="whatever")
    with pytest.raises(InvalidAuthError, match="user 'nobody'"):
        await client.ping()


async def test_auto_mode_settles_on_the_servers_auth(
    session: aiohttp.ClientSession,
    target: Target,
    recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(session, target)
    undecided = client.auth_in_use
    await client.ping()
    await client.now_playing()
    await client.ping()
    assert undecided is None
    assert client.auth_in_use is target.settled_auth
    queries = [dict(u.query) for u in recorder.rest()]
    hex_password = "enc:" + target.admin[1].encode().hex()
    if target.name == "supysonic":
        # token first (answered with error 10), then the same call with p=enc:, then p only
        assert [u.path for u in recorder.rest()] == ["/rest/ping"] * 2 + [
            "/rest/getNowPlaying",
            "/rest/ping",
        ]
        assert {"t", "s"} <= queries[0].keys()
        assert "p" not in queries[0]
        for query in queries[1:]:
            assert query["p"] == hex_password
            assert "t" not in query
            assert "s" not in query
        switches = [r for r in caplog.records if "switching to password" in r.getMessage()]
        assert len(switches) == 1
    else:
        assert len(queries) == 3
        for query in queries:
            assert "p" not in query
            expected = hashlib.md5(
                (target.admin[1] + query["s"]).encode(), usedforsecurity=False
            ).hexdigest()
            assert query["t"] == expected
        assert len({q["s"] for q in queries}) == 3  # a fresh salt per request
    for query in queries:
        assert (query["u"], query["v"], query["c"], query["f"]) == (
            target.admin[0],
            "1.16.1",
            "stepheybot-music",
            "json",
        )


async def test_forced_auth_modes(session: aiohttp.ClientSession, target: Target) -> None:
    password_client = make_client(session, target, auth_mode="password")
    await password_client.ping()
    assert password_client.auth_in_use is AuthMode.PASSWORD
    token_client = make_client(session, target, auth_mode=AuthMode.TOKEN)
    if target.name == "supysonic":
        with pytest.raises(BackendRequestError) as caught:
            await token_client.ping()
        assert caught.value.code == 10
        assert "set the authentication mode to password or auto" in caught.value.message
    else:
        await token_client.ping()
        assert token_client.auth_in_use is AuthMode.TOKEN


# ----------------------------------------------------------------------------- library


async def test_search3_everything_matches_the_library(
    session: aiohttp.ClientSession, target: Target
) -> None:
    client = make_client(session, target)
    found = await client.search3("", artist_count=500, album_count=500, song_count=500)
    assert sorted(a.name for a in found.artists) == target.artists
    assert sorted(a.name for a in found.albums) == target.albums
    assert sorted(s.title for s in found.songs) == target.titles
    assert sum(a.song_count or 0 for a in found.albums) == len(target.titles)
    assert all(s.track and s.track >= 1 for s in found.songs)
    assert all(s.album in target.albums for s in found.songs)
    assert {a.artist for a in found.albums} <= set(target.artists)


@pytest.mark.parametrize("pick", ["artist", "album"])
async def test_search3_by_name(session: aiohttp.ClientSession, target: Target, pick: str) -> None:
    client = make_client(session, target)
    query = target.artists[-1] if pick == "artist" else target.albums[0]
    needle = query.lower()
    found = await client.search3(query, artist_count=100, album_count=100, song_count=500)
    assert sorted(a.name for a in found.artists) == [
        n for n in target.artists if needle in n.lower()
    ]
    assert sorted(a.name for a in found.albums) == [n for n in target.albums if needle in n.lower()]
    assert sorted(s.title for s in found.songs) == [n for n in target.titles if needle in n.lower()]
    assert found.artists or found.albums


async def test_search3_artist_musicbrainz_ids(
    session: aiohttp.ClientSession, target: Target
) -> None:
    client = make_client(session, target)
    found = await client.search3("", artist_count=500, album_count=0, song_count=0)
    assert found.artists
    if target.sim is None:
        # supysonic 0.7.9 is no OpenSubsonic server: it never sends musicBrainzId
        assert {a.musicbrainz_id for a in found.artists} == {None}
    else:
        world = target.sim.world
        by_name = {a.name: a.mbid for a in world.artists.values()}
        assert {a.name: a.musicbrainz_id for a in found.artists} == {
            a.name: by_name[a.name] for a in found.artists
        }


async def test_search3_paging_and_omitted_lists(
    session: aiohttp.ClientSession, target: Target
) -> None:
    client = make_client(session, target)
    first = await client.search3("", artist_count=1, album_count=2, song_count=3)
    second = await client.search3(
        "",
        artist_count=1,
        album_count=2,
        song_count=3,
        artist_offset=1,
        album_offset=2,
        song_offset=3,
    )
    assert (len(first.artists), len(first.albums), len(first.songs)) == (1, 2, 3)
    assert not {s.id for s in first.songs} & {s.id for s in second.songs}
    assert not {a.id for a in first.albums} & {a.id for a in second.albums}
    nothing = await client.search3("zzqx-matches-nothing-zzqx")
    assert (nothing.artists, nothing.albums, nothing.songs) == ((), (), ())


@compat("subsonic", "API 1.16, password auth", proof=REAL, source="supysonic 0.7.9 (PyPI)")
@compat("navidrome", "0.55", proof=SIMULATOR, source="navidrome/navidrome server/ @ v0.55.2")
@compat("navidrome", "0.58+", proof=SIMULATOR, source="navidrome/navidrome server/ @ v0.58.5")
async def test_library_totals_are_exact(session: aiohttp.ClientSession, target: Target) -> None:
    client = make_client(session, target)
    totals = await client.library_totals()
    assert (totals.artists, totals.albums, totals.songs) == target.totals
    expected = TotalsMethod.PAGED if target.name == "supysonic" else TotalsMethod.EXACT_CHEAP
    assert totals.source is expected
    listener = make_client(session, target, listener=True)
    other = await listener.library_totals()
    assert (other.artists, other.albums, other.songs) == target.totals


@pytest.mark.real_server
async def test_paged_totals_walk_every_page_on_supysonic(
    session: aiohttp.ClientSession, supysonic: SupysonicServer
) -> None:
    client = SubsonicClient(
        session, supysonic.url, username=supysonic.username, password=supysonic.password
    )
    await client.probe()
    client.stats.reset()
    totals = await client.library_totals(page_size=2)
    library = supysonic.library
    assert (totals.artists, totals.albums, totals.songs) == (
        len(library.artists),
        len(library.albums),
        len(library.songs),
    )
    assert totals.source is TotalsMethod.PAGED
    pages = len(library.albums) // 2 + 1
    assert client.stats.by_path == {"/rest/getArtists": 1, "/rest/getAlbumList2": pages}


# ----------------------------------------------------------------------------- scanning


async def test_scan_start_and_status(session: aiohttp.ClientSession, target: Target) -> None:
    client = make_client(session, target)
    before = await client.scan_status()
    assert before.scanning is False
    started = await client.start_scan(full=True)
    if target.sim is not None:
        sim = target.sim
        assert started.scanning is True
        assert started.count == 0
        await sim.advance(sim.world.scan_duration / 2)
        halfway = await client.scan_status()
        assert halfway.scanning is True
        assert 0 < halfway.count < len(target.titles)
        await sim.advance(sim.world.scan_duration)
        done = await client.scan_status()
        assert done.count == len(target.titles)  # Navidrome >= 0.55: total songs when idle
        assert done.folder_count == len(target.albums)  # folders with audio files
        assert done.last_scan is not None
        assert before.last_scan is not None
        assert done.last_scan > before.last_scan
    else:
        assert started.count >= 0
        deadline = time.monotonic() + 20
        done = await client.scan_status()
        while done.scanning:
            assert time.monotonic() < deadline, "supysonic's scan did not finish"
            await asyncio.sleep(0.1)
            done = await client.scan_status()
        assert done.count == 0  # supysonic: progress, 0 when idle
        assert done.folder_count is None
        assert done.last_scan is None
    assert done.scanning is False
    totals = await client.library_totals()
    assert (totals.artists, totals.albums, totals.songs) == target.totals


async def test_non_admin_cannot_start_a_scan(
    session: aiohttp.ClientSession, target: Target
) -> None:
    client = make_client(session, target, listener=True)
    with pytest.raises(BackendRequestError) as caught:
        await client.start_scan()
    assert caught.value.code == 50
    message = caught.value.message
    assert f"refused startScan for user '{target.listener[0]}'" in message
    assert "it needs an admin user" in message
    assert "Scanning the library needs admin rights" in message


# ----------------------------------------------------------------------------- now playing


async def test_now_playing(session: aiohttp.ClientSession, target: Target) -> None:
    client = make_client(session, target)
    assert await client.now_playing() == ()
    if target.sim is not None:
        world = target.sim.world
        album = next(iter(world.navidrome_albums()))
        track = next(iter(world.tracks_of(album)))
        world.now_playing.append(
            NowPlaying(
                track=track, username="listener", player_name="Feishin", started=world.clock.now()
            )
        )
        await target.sim.advance(150)
        expected_title, expected_album = track.title, album.title
        expected_artist = world.artist_of(album).name
        user = "listener"
    else:
        song = (await client.search3(target.titles[0])).songs[0]
        await stream(target, song.id)
        assert song.album is not None
        assert song.artist is not None
        expected_title, expected_album, expected_artist = song.title, song.album, song.artist
        user = target.admin[0]
    (entry,) = await client.now_playing()
    assert (entry.username, entry.title, entry.album, entry.artist) == (
        user,
        expected_title,
        expected_album,
        expected_artist,
    )
    if target.sim is not None:
        assert entry.player_name == "Feishin"
        assert entry.minutes_ago == 2
        assert entry.song_id == track.id
    else:
        assert 0 <= entry.minutes_ago < 1
        assert entry.player_name is None


async def stream(target: Target, song_id: str) -> None:
    """Stream a song from supysonic by hand (that is what puts it in now playing)."""
    user, password = target.admin
    query = urllib.parse.urlencode(
        {"u": user, "p": password, "v": "1.12.0", "c": "test", "id": song_id}
    )
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{target.url}/rest/stream?{query}") as resp,
    ):
        assert resp.status == 200
        assert len(await resp.read()) > 1000


# ------------------------------------------------------------------- simulated Navidrome only


async def totals_cost(
    scale: Scale, user: tuple[str, str], flavor: str
) -> tuple[LibraryTotals, int, int, dict[str, int]]:
    spec = sim_spec(flavor=flavor)
    async with Simulator(specs=[spec], scale=scale, seed=3) as sim, aiohttp.ClientSession() as http:
        client = SubsonicClient(http, sim.url("navidrome"), username=user[0], password=user[1])
        totals = await client.library_totals()
        world = sim.world
        assert (totals.artists, totals.albums, totals.songs) == (
            world.nav_artists,
            world.nav_albums,
            world.nav_songs,
        )
        assert totals.source is TotalsMethod.EXACT_CHEAP
        return totals, client.stats.requests, client.stats.body_bytes, dict(client.stats.by_path)


@compat("navidrome", "0.55", proof=SIMULATOR, source="navidrome/navidrome server/ @ v0.55.2")
@compat("navidrome", "0.58+", proof=SIMULATOR, source="navidrome/navidrome server/ @ v0.58.5")
@pytest.mark.parametrize("flavor", [ND_055, ND_058])
@pytest.mark.parametrize("user", [SIM_ADMIN, SIM_LISTENER], ids=["admin", "listener"])
async def test_cheap_totals_cost_does_not_grow_with_the_library(
    user: tuple[str, str], flavor: str
) -> None:
    small, small_requests, small_bytes, small_paths = await totals_cost(SMALL, user, flavor)
    huge, huge_requests, huge_bytes, huge_paths = await totals_cost(HUGE, user, flavor)
    assert huge.songs > 80_000
    assert huge.songs > 100 * small.songs
    assert huge_requests == small_requests
    assert huge_paths == small_paths
    # the bodies differ only by the digits of the counts and the first row's names
    assert abs(huge_bytes - small_bytes) < 100
    assert huge_bytes < 4_000
    # the same three counts for admins and others on every release (no /api/library)
    assert huge_paths == {
        "/rest/ping": 1,
        "/auth/login": 1,
        "/api/artist": 1,
        "/rest/getAlbumList2": 1,
        "/api/song": 1,
    }


async def test_cheap_totals_on_old_navidrome_and_while_scanning(
    session: aiohttp.ClientSession, recorder: Recorder
) -> None:
    async with Simulator(specs=[sim_spec(flavor="0.54.5")], scale=SMALL, seed=7) as sim:
        expected = sim_target(sim).totals
        client = SubsonicClient(
            session, sim.url("navidrome"), username=SIM_ADMIN[0], password=SIM_ADMIN[1]
        )
        totals = await client.library_totals()
        assert (totals.artists, totals.albums, totals.songs) == expected
        assert totals.source is TotalsMethod.EXACT_CHEAP
        # 0.54 knows neither roles nor missing files: no filter it would only warn about
        native = [u for u in recorder.urls if u.path.startswith("/api/")]
        assert {u.path: dict(u.query) for u in native} == {
            "/api/artist": {"_start": "0", "_end": "1"},
            "/api/song": {"_start": "0", "_end": "1"},
        }
    async with Simulator(specs=[sim_spec()], scale=SMALL, seed=7) as sim:
        expected = sim_target(sim).totals
        client = SubsonicClient(
            session, sim.url("navidrome"), username=SIM_LISTENER[0], password=SIM_LISTENER[1]
        )
        sim.world.start_scan()
        await sim.advance(1)
        totals = await client.library_totals()
        assert (totals.artists, totals.albums, totals.songs) == expected  # not scan progress


@compat("navidrome", "0.55", proof=SIMULATOR, source="navidrome/navidrome server/ @ v0.55.2")
@compat("navidrome", "0.58+", proof=SIMULATOR, source="navidrome/navidrome server/ @ v0.58.5")
@pytest.mark.parametrize("flavor", [ND_055, ND_058])
@pytest.mark.parametrize("user", [SIM_ADMIN, SIM_LISTENER], ids=["admin", "listener"])
async def test_artists_are_album_artists_and_missing_files_do_not_count(
    session: aiohttp.ClientSession, recorder: Recorder, user: tuple[str, str], flavor: str
) -> None:
    """Composers and files deleted since the last scan: one meaning for admins and others.

    Failed before: admins summed /api/library's totalArtists (every participant), others
    counted /api/artist unfiltered (every participant, missing ones too), and the songs came
    from getScanStatus, which on 0.55 counts files gone missing.
    """
    spec = sim_spec(flavor=flavor)
    spec.extra["missing_albums"] = "2"
    async with Simulator(specs=[spec], scale=SMALL, seed=7) as sim:
        world = sim.world
        client = SubsonicClient(session, sim.url("navidrome"), username=user[0], password=user[1])
        totals = await client.library_totals()
        # 0.55 has no missing artists: the artists of deleted albums stay album artists, in
        # getArtists too (server/subsonic/browsing.go @ v0.55.2:41)
        artists = world.nav_artists + (2 if flavor == ND_055 else 0)
        assert (totals.artists, totals.albums, totals.songs) == (
            artists,
            world.nav_albums,
            world.nav_songs,
        )
        envelope = await client._call("getArtists")
        assert sum(len(i["artist"]) for i in envelope["artists"]["index"]) == totals.artists
        queries = {u.path: dict(u.query) for u in recorder.urls if u.path.startswith("/api/")}
        assert queries["/api/artist"]["role"] == "albumartist"
        assert queries["/api/artist"].get("missing") == (None if flavor == ND_055 else "false")
        assert queries["/api/song"]["missing"] == "false"


@compat("navidrome", "0.55", proof=SIMULATOR, source="navidrome/navidrome server/ @ v0.55.2")
@compat("navidrome", "0.58+", proof=SIMULATOR, source="navidrome/navidrome server/ @ v0.58.5")
@pytest.mark.parametrize("flavor", [ND_055, ND_058])
async def test_the_refreshed_token_is_kept_so_no_new_login(
    session: aiohttp.ClientSession, flavor: str
) -> None:
    """Navidrome renews the JWT in every reply as the bare token: polling never logs in again.

    Failed before: the client only took a ``Bearer ``-prefixed header, so it logged in again
    when its first token expired after 48 h.
    """
    async with Simulator(specs=[sim_spec(flavor=flavor)], scale=SMALL, seed=7) as sim:
        client = SubsonicClient(
            session, sim.url("navidrome"), username=SIM_LISTENER[0], password=SIM_LISTENER[1]
        )
        world = sim.world
        await client.library_totals()
        tokens = {client._jwt}
        for _ in range(3):  # 90 h: the login token died after 48 h
            await sim.advance(30 * 3600, step=3600)
            totals = await client.library_totals()
            assert (totals.albums, totals.songs) == (world.nav_albums, world.nav_songs)
            tokens.add(client._jwt)
        assert client.stats.by_path["/auth/login"] == 1
        assert len(tokens) == 4
        assert all(t and not t.startswith("Bearer") for t in tokens)


async def test_expired_jwt_is_refreshed_once(session: aiohttp.ClientSession) -> None:
    async with Simulator(specs=[sim_spec()], scale=SMALL, seed=7) as sim:
        client = SubsonicClient(
            session, sim.url("navidrome"), username=SIM_LISTENER[0], password=SIM_LISTENER[1]
        )
        first = await client.library_totals()
        assert client.stats.by_path["/auth/login"] == 1
        await sim.set_fault("navidrome", Fault.SESSION_EXPIRED)
        second = await client.library_totals()
        assert second == first
        assert client.stats.by_path["/auth/login"] == 2
        assert client.stats.by_path["/api/artist"] == 3  # one rejected, one retried


async def test_revoked_credentials(session: aiohttp.ClientSession) -> None:
    async with Simulator(specs=[sim_spec()], scale=SMALL, seed=7) as sim:
        listener = SubsonicClient(
            session, sim.url("navidrome"), username=SIM_LISTENER[0], password=SIM_LISTENER[1]
        )
        admin = SubsonicClient(
            session, sim.url("navidrome"), username=SIM_ADMIN[0], password=SIM_ADMIN[1]
        )
        await listener.library_totals()
        await admin.library_totals()
        await sim.set_fault("navidrome", Fault.AUTH_REVOKED)
        with pytest.raises(InvalidAuthError, match="rejected the login of user 'listener'"):
            await listener.library_totals()
        admin.stats.reset()
        with pytest.raises(InvalidAuthError, match="rejected the login of user 'admin'"):
            await admin.library_totals()
        # the JWT is rejected, one fresh login is tried and refused: no loop
        assert admin.stats.by_path == {"/api/artist": 1, "/auth/login": 1}


async def test_login_rate_limit_is_reported(session: aiohttp.ClientSession) -> None:
    async with Simulator(specs=[sim_spec()], scale=SMALL, seed=7) as sim:
        await sim.set_fault("navidrome", Fault.BANNED)
        client = SubsonicClient(
            session, sim.url("navidrome"), username=SIM_ADMIN[0], password=SIM_ADMIN[1]
        )
        with pytest.raises(IpBannedError, match="HTTP 429: too many login attempts") as err:
            await client.library_totals()
        assert err.value.retry_after is None, "the simulator sends no Retry-After"


async def test_login_rate_limit_takes_retry_after(session: aiohttp.ClientSession) -> None:
    def answer(method: str, request: web.Request) -> web.StreamResponse:
        return ok(type="navidrome", serverVersion="0.58.0", openSubsonic=True)

    async def login(_: web.Request) -> web.Response:
        return web.Response(status=429, text="Too Many Requests\n", headers={"Retry-After": "20"})

    app = envelope_app(answer)
    app.router.add_post("/auth/login", login)
    async with serve(app) as url:
        client = SubsonicClient(session, url, username="u", password="pw")
        with pytest.raises(IpBannedError, match="refuses logins from this address") as err:
            await client.library_totals()
    assert err.value.retry_after == 20


@pytest.mark.parametrize("fault", [Fault.MALFORMED_JSON, Fault.TRUNCATED_JSON])
async def test_broken_json_from_the_simulator(session: aiohttp.ClientSession, fault: Fault) -> None:
    async with Simulator(specs=[sim_spec()], scale=SMALL, seed=7) as sim:
        await sim.set_fault("navidrome", fault)
        client = SubsonicClient(
            session, sim.url("navidrome"), username=SIM_ADMIN[0], password=SIM_ADMIN[1]
        )
        with pytest.raises(UnexpectedResponseError, match="not valid JSON"):
            await client.scan_status()


# ------------------------------------------------------------------- odd servers (loopback)


def envelope_app(answer: Callable[[str, web.Request], web.StreamResponse]) -> web.Application:
    async def rest(request: web.Request) -> web.StreamResponse:
        return answer(request.match_info["method"], request)

    app = web.Application()
    app.router.add_route("*", "/rest/{method}", rest)
    return app


def ok(payload: dict[str, Any] | None = None, **extra: Any) -> web.Response:
    return web.json_response(
        {"subsonic-response": {"status": "ok", "version": "1.16.1", **extra, **(payload or {})}}
    )


def failed(code: int, message: str = "boom") -> web.Response:
    return web.json_response(
        {
            "subsonic-response": {
                "status": "failed",
                "version": "1.16.1",
                "error": {"code": code, "message": message},
            }
        }
    )


@pytest.mark.parametrize(
    ("response", "error", "text"),
    [
        (
            lambda: web.Response(text="<html>hello</html>"),
            UnexpectedResponseError,
            "not valid JSON",
        ),
        (
            lambda: web.json_response({"hello": "world"}),
            WrongApplicationError,
            "not a Subsonic server",
        ),
        (lambda: web.json_response([1, 2]), WrongApplicationError, "not a Subsonic server"),
        (
            lambda: web.Response(
                text='<subsonic-response status="ok" version="1.1.0"/>', content_type="text/xml"
            ),
            UnexpectedResponseError,
            "answered in XML",
        ),
        (
            lambda: web.json_response({"subsonic-response": {"status": "maybe"}}),
            UnexpectedResponseError,
            "unknown status 'maybe'",
        ),
        (
            lambda: web.Response(status=404, text="404 page not found"),
            WrongApplicationError,
            "no Subsonic API",
        ),
        (
            lambda: web.Response(status=501, text="not implemented"),
            BackendRequestError,
            "does not support the ping call (HTTP 501)",
        ),
        (lambda: web.Response(status=410, text="gone"), BackendRequestError, "(HTTP 410)"),
        (
            lambda: web.Response(status=401, text="no"),
            InvalidAuthError,
            "rejected the credentials (HTTP 401)",
        ),
        (
            lambda: web.Response(status=500, text="oops"),
            ServerError,
            "internal error (HTTP 500)",
        ),
        (
            lambda: web.json_response({"subsonic-response": {"status": "ok"}}),
            UnexpectedResponseError,
            "its ping reply in a shape we do not understand",
        ),
    ],
    ids=[
        "html",
        "other-json",
        "json-list",
        "xml",
        "status",
        "404",
        "501",
        "410",
        "401",
        "500",
        "no-version",
    ],
)
async def test_garbage_replies(
    session: aiohttp.ClientSession,
    response: Callable[[], web.Response],
    error: type[Exception],
    text: str,
) -> None:
    async with serve(envelope_app(lambda _m, _r: response())) as url:
        client = SubsonicClient(
            session, url, username="u", password="Odd-pw-1", auth_mode="password"
        )
        with pytest.raises(error) as caught:
            await client.ping()
    assert text in str(caught.value)
    assert "Odd-pw-1" not in str(caught.value)


@pytest.mark.parametrize(
    ("code", "error", "text"),
    [
        (0, BackendRequestError, "failed getScanStatus: boom (Subsonic error 0)"),
        (10, BackendRequestError, "required parameter is missing in getScanStatus"),
        (20, BackendRequestError, "Update StepheyBot Music"),
        (30, BackendRequestError, "Update the server"),
        (41, InvalidAuthError, "Set the authentication mode to password or auto"),
        (42, InvalidAuthError, "Set the authentication mode to token"),
        (44, InvalidAuthError, "Subsonic error 44: boom"),
        (70, BackendRequestError, "found nothing for getScanStatus: boom (Subsonic error 70)"),
        (99, BackendRequestError, "(Subsonic error 99)"),
    ],
)
async def test_error_codes(
    session: aiohttp.ClientSession, code: int, error: type[Exception], text: str
) -> None:
    async with serve(envelope_app(lambda _m, _r: failed(code))) as url:
        client = SubsonicClient(session, url, username="u", password="pw", auth_mode="password")
        with pytest.raises(error) as caught:
            await client.scan_status()
    assert text in str(caught.value)
    if isinstance(caught.value, BackendRequestError):
        assert caught.value.code == code


async def test_bad_scan_status_shape(session: aiohttp.ClientSession) -> None:
    def answer(method: str, request: web.Request) -> web.StreamResponse:
        return ok({"scanStatus": {"scanning": "perhaps", "count": 3}})

    async with serve(envelope_app(answer)) as url:
        client = SubsonicClient(session, url, username="u", password="pw")
        with pytest.raises(UnexpectedResponseError, match="the scan status in a shape"):
            await client.scan_status()


async def test_xml_style_booleans_and_go_zero_time(session: aiohttp.ClientSession) -> None:
    def answer(method: str, request: web.Request) -> web.StreamResponse:
        status = {"scanning": "false", "count": 12, "lastScan": "0001-01-01T00:00:00Z"}
        return ok({"scanStatus": status})

    async with serve(envelope_app(answer)) as url:
        client = SubsonicClient(session, url, username="u", password="pw")
        status = await client.scan_status()
    assert (status.scanning, status.count, status.last_scan) == (False, 12, None)


async def test_auto_mode_keeps_token_when_error_10_is_genuine(
    session: aiohttp.ClientSession, recorder: Recorder
) -> None:
    # a token-capable server that says "missing parameter" to both attempts: stay undecided
    async with serve(envelope_app(lambda _m, _r: failed(10, "required 'query' is missing"))) as url:
        client = SubsonicClient(session, url, username="u", password="pw")
        with pytest.raises(BackendRequestError, match="query"):
            await client.search3("x")
    assert client.auth_in_use is None
    assert [("t" in u.query, "p" in u.query) for u in recorder.rest()] == [
        (True, False),
        (False, True),
    ]


async def test_navidrome_without_native_api_is_counted_by_paging(
    session: aiohttp.ClientSession,
) -> None:
    albums = [{"id": f"al{i}", "name": f"Album {i}", "songCount": i + 1} for i in range(5)]

    def answer(method: str, request: web.Request) -> web.StreamResponse:
        navidrome: dict[str, Any] = {
            "type": "navidrome",
            "serverVersion": "0.53.0",
            "openSubsonic": True,
        }
        if method == "getArtists":
            index = [
                {"name": "A", "artist": [{"id": "a1", "name": "A1"}, {"id": "a2", "name": "A2"}]}
            ]
            return ok({"artists": {"index": index}}, **navidrome)
        if method == "getAlbumList2":
            size, offset = int(request.query["size"]), int(request.query.get("offset", 0))
            page = albums[offset : offset + size]
            return ok({"albumList2": {"album": page} if page else {}}, **navidrome)
        return ok(**navidrome)

    async with serve(envelope_app(answer)) as url:  # no /auth/login: 404
        client = SubsonicClient(session, url, username="u", password="pw")
        totals = await client.library_totals(page_size=2)
    assert totals == LibraryTotals(artists=2, albums=5, songs=15, source=TotalsMethod.PAGED)
    assert client.stats.by_path["/auth/login"] == 1
    assert client.stats.by_path["/rest/getAlbumList2"] == 3


async def test_paging_stops_when_the_server_ignores_offset(session: aiohttp.ClientSession) -> None:
    def answer(method: str, request: web.Request) -> web.StreamResponse:
        if method == "getArtists":
            return ok({"artists": {}})
        if method == "getAlbumList2":
            page = [{"id": "same", "name": "Same", "songCount": 1}] * int(request.query["size"])
            return ok({"albumList2": {"album": page}})
        return ok()

    async with serve(envelope_app(answer)) as url:
        client = SubsonicClient(session, url, username="u", password="pw")
        with pytest.raises(UnexpectedResponseError, match="ignores the offset"):
            await client.library_totals(page_size=3)
    assert client.stats.by_path["/rest/getAlbumList2"] == 2


async def test_server_info_tolerates_a_failed_extensions_call(
    session: aiohttp.ClientSession,
) -> None:
    def answer(method: str, request: web.Request) -> web.StreamResponse:
        if method == "getOpenSubsonicExtensions":
            return failed(40)
        return ok(openSubsonic=True, type="gonic", serverVersion="0.16")

    async with serve(envelope_app(answer)) as url:
        client = SubsonicClient(session, url, username="u", password="pw")
        info = await client.server_info()
    assert (info.application, info.open_subsonic, info.extensions) == ("Subsonic (gonic)", True, ())


# ----------------------------------------------------------------------------- secrets


async def test_secrets_stay_out_of_logs_errors_and_repr(
    session: aiohttp.ClientSession,
    target: Target,
    recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(session, target)
    await client.library_totals()
    await client.search3("")
    errors: list[str] = []
    wrong = make_client(session, target, password="Also-secret-42")
    with pytest.raises(InvalidAuthError) as caught:
        await wrong.scan_status()
    errors.append(str(caught.value))
    dead = SubsonicClient(
        session, f"http://127.0.0.1:{free_port()}", username="u", password="Dead-pw-9"
    )
    with pytest.raises(CannotConnectError) as refused:
        await dead.ping()
    errors.append(str(refused.value))
    secrets = {target.admin[1], "Also-secret-42", "Dead-pw-9"}
    secrets |= {s.encode().hex() for s in set(secrets)}
    for url in recorder.urls:
        secrets |= {v for k, v in url.query.items() if k in ("t", "s", "p")}
    if client._jwt:
        secrets.add(client._jwt)
    haystacks = [caplog.text, repr(client), repr(wrong), repr(dead), *errors]
    for secret in secrets:
        for haystack in haystacks:
            assert secret not in haystack
    assert "user='admin'" in repr(client)


def native_app(
    *,
    login: dict[str, Any] | list[int] | None,
    album_header: bool,
    artist_status: int = 200,
    refresh: Callable[[int], str] | None = None,
    seen: list[str] | None = None,
) -> web.Application:
    """A Navidrome-like server: token from ``login``, optional quirks.

    ``refresh(n)`` is the ``X-ND-Authorization`` value of the n-th native reply (none when
    it returns ""); ``seen`` collects the token of every native request.
    """
    navidrome: dict[str, Any] = {
        "type": "navidrome",
        "serverVersion": "0.56.0",
        "openSubsonic": True,
    }
    valid = {"jwt-1"}
    replies = 0

    def answer(method: str, request: web.Request) -> web.StreamResponse:
        if method == "getScanStatus":
            return ok({"scanStatus": {"scanning": False, "count": 42}}, **navidrome)
        if method == "getArtists":
            artists = [{"id": f"a{i}", "name": f"A{i}"} for i in range(3)]
            return ok({"artists": {"index": [{"name": "A", "artist": artists}]}}, **navidrome)
        if method == "getAlbumList2":
            headers = {"x-total-count": "7"} if album_header else {}
            response = ok({"albumList2": {}}, **navidrome)
            response.headers.update(headers)
            return response
        return ok(**navidrome)

    async def do_login(request: web.Request) -> web.Response:
        return web.json_response(login)

    async def rows(request: web.Request) -> web.Response:
        nonlocal replies
        token = request.headers.get("X-ND-Authorization", "").removeprefix("Bearer ")
        if seen is not None:
            seen.append(token)
        if token not in valid:
            return web.Response(status=401)
        replies += 1
        headers: dict[str, str] = {}
        if refresh is not None and (fresh := refresh(replies)):
            headers["X-ND-Authorization"] = fresh
            valid.add(fresh.removeprefix("Bearer "))
        resource = request.match_info["resource"]
        if resource == "artist" and artist_status != 200:
            return web.Response(status=artist_status, headers=headers)
        if resource == "artist" and request.query.get("role") != "albumartist":
            return web.Response(status=400, text="the client must ask for album artists")
        total = {"album": "8", "artist": "3", "song": "42"}.get(resource)
        if total:
            headers["X-Total-Count"] = total
        return web.json_response([{}], headers=headers)

    app = envelope_app(answer)
    app.router.add_post("/auth/login", do_login)
    app.router.add_get("/api/{resource}", rows)
    return app


async def test_album_count_falls_back_to_the_native_api(session: aiohttp.ClientSession) -> None:
    app = native_app(login={"token": "jwt-1", "isAdmin": True}, album_header=False)
    async with serve(app) as url:
        client = SubsonicClient(session, url, username="u", password="pw")
        totals = await client.library_totals()
    assert totals == LibraryTotals(artists=3, albums=8, songs=42, source=TotalsMethod.EXACT_CHEAP)
    assert client.stats.by_path["/api/album"] == 1
    assert "/api/library" not in client.stats.by_path


@pytest.mark.parametrize(
    ("value", "status"),
    [("jwt-2", 200), ("Bearer jwt-2", 200), ("jwt-2", 403), ("jwt-2", 404)],
    ids=["bare", "bearer", "on-403", "on-404"],
)
async def test_a_refreshed_token_in_any_reply_is_used_next(
    session: aiohttp.ClientSession, value: str, status: int
) -> None:
    """The real header is the bare JWT; ``Bearer <jwt>`` is accepted too, on any status."""
    seen: list[str] = []
    app = native_app(
        login={"token": "jwt-1"},
        album_header=True,
        artist_status=status,
        refresh=lambda n: value if n == 1 else "",
        seen=seen,
    )
    async with serve(app) as url:
        client = SubsonicClient(session, url, username="u", password="pw")
        for _ in range(2):
            try:
                await client.library_totals()
            except StackError:
                assert status == 403
    assert seen[0] == "jwt-1"
    assert set(seen[1:]) == {"jwt-2"}
    assert client.stats.by_path["/auth/login"] == 1


async def test_native_api_without_counts_falls_back_to_paging(
    session: aiohttp.ClientSession,
) -> None:
    app = native_app(login={"token": "jwt-1"}, album_header=True, artist_status=404)
    async with serve(app) as url:
        client = SubsonicClient(session, url, username="u", password="pw")
        totals = await client.library_totals()
    assert totals == LibraryTotals(artists=3, albums=0, songs=0, source=TotalsMethod.PAGED)
    assert client.stats.by_path["/rest/getArtists"] == 1


@pytest.mark.parametrize("albums", [0, 2])
async def test_error_70_from_get_artists_is_an_empty_library(
    session: aiohttp.ClientSession, albums: int
) -> None:
    """Navidrome 0.58+ answers getArtists on an empty library with error 70.

    Failed before: the totals failed instead of being 0. With albums listed, error 70 is
    a real error and stays one.
    """
    listed = [{"id": f"al{i}", "name": f"Album {i}", "songCount": 3} for i in range(albums)]

    def answer(method: str, request: web.Request) -> web.StreamResponse:
        if method == "getArtists":
            return failed(70, "Library not found or empty")
        if method == "getAlbumList2":
            page = listed[int(request.query.get("offset", 0)) :]
            return ok({"albumList2": {"album": page} if page else {}})
        return ok(type="gonic", serverVersion="0.16")

    async with serve(envelope_app(answer)) as url:
        client = SubsonicClient(session, url, username="u", password="pw")
        if albums:
            with pytest.raises(BackendRequestError) as caught:
                await client.library_totals()
            assert caught.value.code == 70
        else:
            totals = await client.library_totals()
            assert totals == LibraryTotals(artists=0, albums=0, songs=0, source=TotalsMethod.PAGED)


@pytest.mark.parametrize("login", [{"token": ""}, {"nothing": 1}, [1]])
async def test_bad_login_reply(session: aiohttp.ClientSession, login: Any) -> None:
    async with serve(native_app(login=login, album_header=True)) as url:
        client = SubsonicClient(session, url, username="u", password="pw")
        with pytest.raises(UnexpectedResponseError, match="its login reply in a shape"):
            await client.library_totals()


async def test_odd_error_envelopes(session: aiohttp.ClientSession) -> None:
    def answer(method: str, request: web.Request) -> web.StreamResponse:
        if method == "getOpenSubsonicExtensions":
            return web.Response(status=404, text="no such thing")
        if method == "ping":
            return ok()
        body = {"status": "failed", "version": "1", "error": {"code": "abc"}}
        return web.json_response({"subsonic-response": body}, status=200)

    async with serve(envelope_app(answer)) as url:
        client = SubsonicClient(session, url, username="u", password="pw", auth_mode="password")
        info = await client.server_info()
        assert (info.open_subsonic, info.extensions) == (False, ())
        with pytest.raises(BackendRequestError) as caught:
            await client.now_playing()
    assert "failed getNowPlaying: no message (Subsonic error None)" in caught.value.message
