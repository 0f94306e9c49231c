"""MusicBrainClient against the simulator's Music Brain over loopback."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aiohttp import web
from stepheybot_music_clients.errors import (
    BackendRequestError,
    BackendTimeoutError,
    CannotConnectError,
    UnexpectedResponseError,
    WrongApplicationError,
)
from stepheybot_music_clients.gluetun import GluetunClient
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.music_brain import (
    Connection,
    DownloadState,
    MusicBrainClient,
    RequestOutcome,
    SearchSource,
)
from stepheybot_music_clients.timestamps import parse_timestamp
from stepheybot_music_clients.transmission import (
    TorrentState,
    TransmissionClient,
)

from simulator import Fault, Simulator
from simulator.backends import BackendSpec
from simulator.model import TorrentStatus
from tests.loopback import serve

HASH = "0123456789abcdef0123456789abcdef01234567"
MAGNET = f"magnet:?xt=urn:btih:{HASH}&dn=Velvet+Foxes+-+Night+Drive+%5BFLAC%5D"
TR_PASSWORD = "tr-pass-for-brain"


def _specs(**extra: str) -> list[BackendSpec]:
    return [
        BackendSpec(name="music_brain", kind="music_brain", extra=dict(extra)),
        BackendSpec(
            name="transmission", kind="transmission", username="admin", password=TR_PASSWORD
        ),
    ]


def _sim(**extra: str) -> Simulator:
    return Simulator(
        seed=8,
        specs=_specs(**extra),
        speed=0,
        tick_interval=3600,
        slow_delay=2.0,
        docker_socket=False,
    )


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with _sim() as simulator:
        yield simulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def client(sim: Simulator, session: aiohttp.ClientSession) -> MusicBrainClient:
    return MusicBrainClient(session, sim.url("music_brain"))


async def test_probe_and_rfc3339_timestamps(sim: Simulator, client: MusicBrainClient) -> None:
    info = await client.probe()
    assert info.kind is BackendKind.MUSIC_BRAIN
    assert info.application == "StepheyBot Music"
    assert info.version == "0.1.0"
    health = await client.health()
    assert health.status == "healthy"
    assert health.service == "stepheybot-music"
    assert health.timestamp == sim.clock.now()


async def test_stats_equal_the_world(sim: Simulator, client: MusicBrainClient) -> None:
    world = sim.world
    stats = await client.brain_stats()
    assert stats.version == "0.1.0"
    assert stats.navidrome.enabled
    assert stats.navidrome.connected
    assert stats.navidrome.url == "http://navidrome:4533"
    assert stats.navidrome.error is None
    assert stats.lidarr.connected
    assert stats.library_artists == world.nav_artists
    assert stats.library_albums == world.nav_albums
    assert stats.library_songs == world.nav_songs
    artists = world.lidarr_artists()
    albums = [world.albums[i] for a in artists for i in a.album_ids]
    assert stats.lidarr_artists == len(artists)
    assert stats.lidarr_monitored_artists == sum(1 for a in artists if a.monitored)
    assert stats.lidarr_albums == len(albums)
    assert stats.lidarr_track_files == sum(a.track_files for a in albums)
    assert stats.lidarr_size_bytes is not None
    assert stats.lidarr_size_bytes == sum(a.size for a in albums if a.has_files)
    assert stats.timestamp == sim.clock.now()


async def test_stats_when_navidrome_is_unreachable(
    sim: Simulator, client: MusicBrainClient
) -> None:
    sim.world.set_brain_reachable("navidrome", False)
    stats = await client.brain_stats()
    assert stats.navidrome.enabled
    assert not stats.navidrome.connected
    assert stats.navidrome.error is not None
    assert "error sending request" in stats.navidrome.error
    assert stats.library_artists is None
    assert stats.library_songs is None
    assert stats.lidarr_artists == len(sim.world.lidarr_artists())
    sim.world.set_brain_reachable("lidarr", False)
    stats = await client.brain_stats()
    assert not stats.lidarr.connected
    assert stats.lidarr_artists is None
    assert stats.lidarr_size_bytes is None


async def test_status_follows_the_line_to_navidrome(
    sim: Simulator, client: MusicBrainClient, session: aiohttp.ClientSession
) -> None:
    status = await client.status()
    assert status.api_version == "v1"
    assert status.navidrome == Connection(
        enabled=True, connected=True, url="http://navidrome:4533", error=None
    )
    assert status.serves_mock_library is False
    assert status.timestamp == sim.clock.now()

    sim.world.set_brain_reachable("navidrome", False)
    cut = await client.status()
    assert cut.navidrome.enabled
    assert not cut.navidrome.connected
    assert cut.navidrome.url == "http://navidrome:4533"
    assert cut.navidrome.error is not None
    assert cut.navidrome.error.startswith(
        "error sending request for url (http://navidrome:4533/): error trying to connect"
    )
    assert cut.serves_mock_library is True
    assert (await client.library_stats()).is_mock  # what the flag predicts

    sim.world.set_brain_reachable("navidrome", True)
    assert (await client.status()).serves_mock_library is False
    assert client.stats.by_path["/api/v1/status"] == 3

    # the payload keeps the service's static lists and both timestamp spellings
    async with session.get(sim.url("music_brain") + "/api/v1/status") as resp:
        raw = await resp.json()
    assert raw["implemented"] == ["health", "status", "navidrome_test"]
    assert "navidrome_integration" in raw["features"]
    assert raw["timestamp"].endswith("+00:00")
    assert raw["navidrome"]["timestamp"].endswith("Z")
    assert raw["navidrome"]["navidrome_addon"]["version"] == "simple_addon_v1"


async def test_status_when_the_navidrome_container_stops(session: aiohttp.ClientSession) -> None:
    specs = [
        *_specs(),
        BackendSpec(name="navidrome", kind="navidrome", username="admin", password="nd-pw"),
    ]
    async with Simulator(seed=8, specs=specs, speed=0, docker_socket=False) as sim:
        client = MusicBrainClient(session, sim.url("music_brain"))
        assert (await client.status()).navidrome.connected
        await sim.set_fault("navidrome", Fault.DOWN)
        down = await client.status()
        assert down.navidrome.enabled
        assert not down.navidrome.connected
        assert down.serves_mock_library
        assert (await client.library_stats()).is_mock
        await sim.clear_fault("navidrome")
        assert (await client.status()).navidrome.connected

        # a line cut on purpose stays cut when the container comes back
        sim.world.set_brain_reachable("navidrome", False)
        await sim.set_fault("navidrome", Fault.DOWN)
        await sim.clear_fault("navidrome", Fault.DOWN)
        assert (await client.status()).serves_mock_library


async def test_status_errors(sim: Simulator, session: aiohttp.ClientSession) -> None:
    other = web.Application()

    async def old_status(_: web.Request) -> web.Response:
        return web.json_response({"api_version": "v1", "features": []})

    other.router.add_get("/api/v1/status", old_status)
    async with serve(other) as url:
        with pytest.raises(UnexpectedResponseError) as shape:
            await MusicBrainClient(session, url).status()
    assert "sent its status in a shape we do not understand (KeyError: 'navidrome')" in (
        shape.value.message
    )

    await sim.set_fault("music_brain", Fault.HTTP_500)
    with pytest.raises(UnexpectedResponseError, match="HTTP 500"):
        await MusicBrainClient(session, sim.url("music_brain")).status()
    await sim.clear_fault("music_brain")

    await sim.set_fault("music_brain", Fault.DOWN)
    async with aiohttp.ClientSession() as fresh:
        with pytest.raises(CannotConnectError) as down:
            await MusicBrainClient(fresh, sim.url("music_brain")).status()
    assert "Cannot connect to StepheyBot Music Brain" in down.value.message


async def test_unconfigured_backends(session: aiohttp.ClientSession) -> None:
    async with _sim(navidrome="unconfigured", lidarr="unconfigured") as sim:
        client = MusicBrainClient(session, sim.url("music_brain"))
        status = await client.status()
        assert status.navidrome == Connection(
            enabled=False, connected=False, url=None, error="Navidrome not configured"
        )
        assert status.serves_mock_library  # no Navidrome: library numbers are made up
        assert (await client.library_stats()).is_mock
        stats = await client.brain_stats()
        assert stats.navidrome.enabled is False
        assert stats.navidrome.url is None
        assert stats.navidrome.error == "Navidrome not configured"
        assert stats.lidarr.enabled is False
        assert stats.lidarr.error == "Lidarr not configured"
        result = await client.request_download("Velvet Foxes", "Night Drive")
        assert result.outcome is RequestOutcome.QUEUED_WITHOUT_MONITORING
        assert result.warning == "Artist search failed but download is queued"


async def test_library_stats_and_the_mock_fallback(
    sim: Simulator, client: MusicBrainClient, session: aiohttp.ClientSession
) -> None:
    world = sim.world
    real = await client.library_stats()
    assert real.is_mock is False
    assert real.source == "navidrome"
    assert real.total_tracks == world.nav_songs
    assert real.total_albums == world.nav_albums
    assert real.total_artists == world.nav_artists
    assert real.timestamp == sim.clock.now()

    world.set_brain_reachable("navidrome", False)
    mock = await client.library_stats()
    assert mock.is_mock is True
    assert mock.source == "mock"
    assert mock.total_tracks is None
    assert mock.total_albums is None
    assert mock.total_artists is None
    assert mock.note is not None
    assert "mock data" in mock.note
    # the service itself did send made-up numbers with HTTP 200
    async with session.get(sim.url("music_brain") + "/api/v1/library/stats") as resp:
        assert resp.status == 200
        assert (await resp.json())["total_tracks"] == 1250


async def test_request_download_progress_complete(
    sim: Simulator, client: MusicBrainClient, session: aiohttp.ClientSession
) -> None:
    world = sim.world
    stats = await client.download_stats()
    assert stats.total_downloads == 0
    assert stats.last_updated is None  # 1970-01-01T00:00:00Z: the monitor never ran
    requested_at = sim.clock.now()

    result = await client.request_download(
        "Velvet Foxes", "Night Drive", album="Night Drive", magnet=MAGNET
    )
    assert result.outcome is RequestOutcome.QUEUED
    assert result.request_id is not None
    assert result.artist_added is False
    assert "direct download" in result.message
    request_id = result.request_id
    assert world.brain_requests[request_id].source == "home-assistant"

    queued = await client.download_status(request_id)
    assert queued.state is DownloadState.QUEUED
    assert queued.artist_name == "Velvet Foxes"
    assert queued.track_title == "Night Drive"
    assert queued.album_title == "Night Drive"
    assert queued.progress == 0.0
    assert queued.torrent_hash is None
    assert queued.requested_at == requested_at
    assert await client.active_downloads() == []
    stats = await client.download_stats()
    assert (stats.total_downloads, stats.queued_downloads, stats.active_downloads) == (1, 1, 0)
    assert stats.last_updated == requested_at

    await sim.advance(2)  # the brain hands the magnet to Transmission
    (active,) = await client.active_downloads()
    torrent = world.torrents[HASH]
    assert active.request_id == request_id
    assert active.torrent_hash == HASH
    assert active.name == torrent.name
    assert active.state is DownloadState.DOWNLOADING
    assert active.progress == pytest.approx(torrent.progress, abs=1e-4)
    assert 0 < active.progress < 1
    assert active.size == torrent.size
    assert active.download_speed == torrent.dl_speed > 0
    assert active.eta == torrent.eta
    assert active.added_at == world.brain_requests[request_id].started_at
    assert active.completed_at is None
    assert not active.is_complete

    # the same torrent in Transmission, as the Brain adds it: in /hot_downloads, no label
    transmission = TransmissionClient(
        session, sim.url("transmission"), username="admin", password=TR_PASSWORD
    )
    (seen,) = await transmission.torrents([HASH])
    assert seen.labels == ()
    assert seen.download_dir == "/hot_downloads"
    assert seen.state is TorrentState.DOWNLOADING

    status = await client.download_status(request_id)
    assert status.state is DownloadState.DOWNLOADING
    assert status.artist_name == "Unknown"  # the service rebuilds active records
    assert status.track_title == torrent.name
    assert status.file_size == torrent.size
    assert status.torrent_hash == HASH
    assert status.started_at == world.brain_requests[request_id].started_at

    await sim.advance(120)
    (done,) = await client.active_downloads()
    assert done.is_complete
    assert done.state is DownloadState.SEEDING
    assert done.completed_at == world.torrents[HASH].completion_on
    assert done.eta is None or done.eta == 0
    finished = await client.download_status(request_id)
    assert finished.state is DownloadState.SEEDING
    assert finished.progress == 1.0
    assert finished.completed_at == done.completed_at
    stats = await client.download_stats()
    assert stats.active_downloads == 1  # finished torrents stay in the active map
    assert stats.queued_downloads == 0
    assert stats.completed_downloads >= 1
    assert stats.last_updated is not None
    assert stats.last_updated > requested_at
    assert stats.timestamp == sim.clock.now()


async def test_completed_count_is_inflated(sim: Simulator, client: MusicBrainClient) -> None:
    await client.request_download("A", "B", magnet=MAGNET)
    await sim.advance(60)
    first = (await client.download_stats()).completed_downloads
    await sim.advance(180)
    later = (await client.download_stats()).completed_downloads
    assert later > first  # re-counted while the torrent stays in Transmission


async def test_lidarr_monitoring_path(sim: Simulator, client: MusicBrainClient) -> None:
    world = sim.world
    catalog = next(a for a in world.artists.values() if not a.in_lidarr)
    result = await client.request_download(catalog.name, "Anything")
    assert result.outcome is RequestOutcome.MONITORING
    assert result.request_id is None
    assert result.artist_added is True
    assert result.warning is None
    assert world.artists[catalog.mbid].in_lidarr

    again = await client.request_download(catalog.name, "Anything")
    assert again.outcome is RequestOutcome.QUEUED_WITHOUT_MONITORING
    assert again.warning == "Artist monitoring failed but download is queued"
    assert again.request_id is None

    nobody = await client.request_download("Zzyzx Nonexistent", "Nothing")
    assert nobody.warning == "Artist not found in database but download is queued"

    world.set_brain_reachable("lidarr", False)
    cut = await client.request_download(catalog.name, "Anything")
    assert cut.warning == "Artist search failed but download is queued"


async def test_success_false_with_http_200(sim: Simulator, client: MusicBrainClient) -> None:
    with pytest.raises(BackendRequestError) as caught:
        await client.request_download("A", "B", magnet="https://example.invalid/file.torrent")
    assert "Invalid magnet URL" in caught.value.message
    assert sim.world.brain_requests == {}

    with pytest.raises(BackendRequestError) as missing:
        await client.download_status("a7d7c1a2-2f4e-4b8e-9f1e-5a0c3e4b2d10")
    assert missing.value.code == 404
    assert "does not know download request" in missing.value.message
    assert "only in memory" in missing.value.message


async def test_pause_resume_cancel(sim: Simulator, client: MusicBrainClient) -> None:
    world = sim.world
    result = await client.request_download("A", "B", magnet=MAGNET)
    assert result.request_id is not None
    await sim.advance(2)

    assert await client.pause(HASH) == f"Download paused: {HASH}"
    assert world.torrents[HASH].status is TorrentStatus.STOPPED_DOWNLOADING
    (paused,) = await client.active_downloads()
    assert paused.state is DownloadState.STOPPED

    assert (await client.resume(HASH)).startswith("Download resumed:")
    assert world.torrents[HASH].status is TorrentStatus.DOWNLOADING

    with pytest.raises(BackendRequestError, match="Torrent not found"):
        await client.pause(HASH.upper())  # hashes are case-sensitive

    assert (await client.cancel(HASH)).startswith("Download cancelled:")
    assert HASH not in world.torrents
    assert await client.active_downloads() == []
    with pytest.raises(BackendRequestError, match="does not know download request"):
        await client.download_status(result.request_id)
    with pytest.raises(BackendRequestError, match="Failed to cancel download: Torrent not found"):
        await client.cancel(HASH)


async def test_global_search(sim: Simulator, client: MusicBrainClient) -> None:
    world = sim.world
    album = next(a for a in world.navidrome_albums() if world.releases_for(a))
    artist = world.artist_of(album).name
    results = await client.global_search(artist)
    assert results.query == artist
    assert results.total == len(results.results)
    by_source = {s: [r for r in results.results if r.source is s] for s in SearchSource}
    assert set(results.sources) == {s for s, items in by_source.items() if items}
    local = by_source[SearchSource.LOCAL]
    assert local
    assert all(r.available and r.stream_url == f"/api/v1/stream/{r.id}" for r in local)
    assert all(r.artist == artist for r in local)
    assert {r.title for r in local} >= {t.title for t in world.tracks_of(album)} or len(local) == 50
    lidarr = by_source[SearchSource.LIDARR]
    assert lidarr
    assert all(r.magnet_url and r.magnet_url.startswith("magnet:") for r in lidarr)
    assert all(r.indexer and r.size_mb is not None for r in lidarr)
    musicbrainz = by_source[SearchSource.MUSICBRAINZ]
    assert any(r.musicbrainz_id == world.artist_of(album).mbid for r in musicbrainz)
    assert all(not r.available for r in musicbrainz)

    local_only = await client.global_search(artist, category="album", search_type="local")
    assert SearchSource.MUSICBRAINZ not in local_only.sources

    tracks = await client.global_search(album.title, category="track")
    assert any(r.result_type == "track" for r in tracks.results)

    odd = await client.global_search("AC/DC 100%")
    assert odd.query == "AC/DC 100%"
    with pytest.raises(ValueError, match="category"):
        await client.global_search("x", category="everything")


async def test_global_search_timeout(sim: Simulator, session: aiohttp.ClientSession) -> None:
    client = MusicBrainClient(session, sim.url("music_brain"), timeout=0.3)
    artist = sim.world.artist_of(next(iter(sim.world.navidrome_albums()))).name
    await sim.set_fault("music_brain", Fault.SLOW)  # answers after 2 s
    with pytest.raises(BackendTimeoutError, match=r"did not answer within 0\.3 s"):
        await client.global_search(artist)
    with pytest.raises(BackendTimeoutError, match=r"did not answer within 0\.5 s"):
        await client.global_search(artist, timeout=0.5)
    patient = await client.global_search(artist, timeout=10)
    assert patient.query == artist
    assert patient.results


async def test_monitor_heartbeat(sim: Simulator, client: MusicBrainClient) -> None:
    started = sim.clock.now()
    await sim.advance(31)
    stats = await client.download_stats()
    assert stats.last_updated == started + timedelta(seconds=30)
    sim.world.set_brain_reachable("transmission", False)
    assert (await client.download_stats()).last_updated is None


async def test_static_and_leaky_routes_are_never_called(
    sim: Simulator, client: MusicBrainClient
) -> None:
    await client.probe()
    await client.status()
    await client.brain_stats()
    await client.library_stats()
    await client.download_stats()
    await client.active_downloads()
    await client.global_search("a")
    assert not any("/navidrome/" in path for path in client.stats.by_path)


async def test_unknown_api_route_is_json_404(client: MusicBrainClient) -> None:
    with pytest.raises(UnexpectedResponseError) as caught:
        await client._get("/api/v1/system", "its system information")
    assert "has no route /api/v1/system (HTTP 404)" in caught.value.message


async def test_down_slow_and_broken(sim: Simulator, session: aiohttp.ClientSession) -> None:
    client = MusicBrainClient(session, sim.url("music_brain"), timeout=0.3)
    await sim.set_fault("music_brain", Fault.DOWN)
    async with aiohttp.ClientSession() as fresh:
        with pytest.raises(CannotConnectError) as down:
            await MusicBrainClient(fresh, sim.url("music_brain")).probe()
    assert "Cannot connect to StepheyBot Music Brain" in down.value.message
    await sim.clear_fault("music_brain")

    await sim.set_fault("music_brain", Fault.SLOW)
    with pytest.raises(BackendTimeoutError, match=r"did not answer within 0\.3 s"):
        await client.brain_stats()
    await sim.clear_fault("music_brain")

    await sim.set_fault("music_brain", Fault.HTTP_500)
    with pytest.raises(UnexpectedResponseError, match="HTTP 500"):
        await client.download_stats()
    with pytest.raises(UnexpectedResponseError, match="HTTP 500"):
        await client.probe()
    await sim.clear_fault("music_brain")

    for fault in (Fault.MALFORMED_JSON, Fault.TRUNCATED_JSON):
        await sim.set_fault("music_brain", fault)
        with pytest.raises(UnexpectedResponseError, match="not valid JSON"):
            await client.active_downloads()
        with pytest.raises(WrongApplicationError):
            await client.probe()
        await sim.clear_fault("music_brain")
    assert (await client.library_stats()).is_mock is False


async def test_wrong_application(sim: Simulator, session: aiohttp.ClientSession) -> None:
    with pytest.raises(WrongApplicationError) as caught:
        await MusicBrainClient(session, sim.url("transmission")).probe()
    assert "did not answer /health as the Music Brain does (HTTP 404" in caught.value.message

    other = web.Application()

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "service": "something-else"})

    other.router.add_get("/health", health)
    async with serve(other) as url:
        with pytest.raises(WrongApplicationError, match="'something-else', not 'stepheybot-music'"):
            await MusicBrainClient(session, url).probe()

    # and the Music Brain's SPA page is no gluetun
    with pytest.raises(WrongApplicationError, match="no gluetun control server"):
        await GluetunClient(session, sim.url("music_brain")).probe()


async def test_timestamps_with_z_and_nanoseconds(
    sim: Simulator, client: MusicBrainClient, session: aiohttp.ClientSession
) -> None:
    async with session.get(sim.url("music_brain") + "/api/v1/download/stats") as resp:
        stamp = (await resp.json())["timestamp"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", stamp)
    async with session.get(sim.url("music_brain") + "/health") as resp:
        stamp = (await resp.json())["timestamp"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}\+00:00", stamp)
    assert (await client.download_stats()).timestamp == (await client.health()).timestamp


def test_timestamp_parsing() -> None:
    want = datetime(2025, 6, 28, 3, 59, 4, 512345, tzinfo=UTC)
    assert parse_timestamp("2025-06-28T03:59:04.512345678+00:00") == want
    assert parse_timestamp("2025-06-28T03:59:04.512345678Z") == want
    assert parse_timestamp("2025-06-28T03:59:04.51Z") == want.replace(microsecond=510000)
    assert parse_timestamp("2025-06-28T03:59:04") == want.replace(microsecond=0)
    assert parse_timestamp("1970-01-01T00:00:00Z") is None
    assert parse_timestamp("0001-01-01T00:00:00Z") is None
    assert parse_timestamp(None) is None
    assert parse_timestamp("") is None
    with pytest.raises(ValueError, match="Invalid isoformat"):
        parse_timestamp("yesterday")
    with pytest.raises(TypeError):
        parse_timestamp(1751083144)
