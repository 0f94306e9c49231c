"""TransmissionClient against the simulator's Transmission RPC over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
from stepheybot_music_clients.errors import (
    BackendRequestError,
    BackendTimeoutError,
    CannotConnectError,
    InvalidAuthError,
    LockedOutError,
    UnexpectedResponseError,
    WhitelistRefusedError,
    WrongApplicationError,
)
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.transmission import (
    TORRENT_FIELDS,
    Torrent,
    TorrentState,
    TransmissionClient,
)

from simulator import Fault, Scale, Simulator
from simulator.backends import BackendSpec
from simulator.model import Torrent as WorldTorrent
from simulator.model import TorrentStatus
from tests.compat import SIMULATOR, compat

PASSWORD = "tr-secret-Pa55"
MAGNET = "magnet:?xt=urn:btih:{}&dn=Test+Album+%5BFLAC%5D"

EXPECTED_STATE = {
    TorrentStatus.DOWNLOADING: TorrentState.DOWNLOADING,
    TorrentStatus.METADATA: TorrentState.METADATA,
    TorrentStatus.STALLED_DOWNLOADING: TorrentState.STALLED_DOWNLOADING,
    TorrentStatus.SEEDING: TorrentState.SEEDING,
    TorrentStatus.STALLED_SEEDING: TorrentState.STALLED_UPLOADING,
    TorrentStatus.STOPPED_DOWNLOADING: TorrentState.STOPPED,
    TorrentStatus.STOPPED_SEEDING: TorrentState.STOPPED,
    TorrentStatus.QUEUED: TorrentState.QUEUED,
    TorrentStatus.CHECKING: TorrentState.CHECKING,
    TorrentStatus.ERROR: TorrentState.ERROR,
}


def _spec(flavor: str = "", **extra: str) -> BackendSpec:
    return BackendSpec(
        name="transmission",
        kind="transmission",
        flavor=flavor,
        username="admin",
        password=PASSWORD,
        extra=dict(extra),
    )


def _sim(*specs: BackendSpec) -> Simulator:
    return Simulator(
        seed=5,
        scale=Scale(torrents=6),
        specs=list(specs) or [_spec()],
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


def _client(
    sim: Simulator, session: aiohttp.ClientSession, *, password: str = PASSWORD, timeout: float = 10
) -> TransmissionClient:
    return TransmissionClient(
        session, sim.url("transmission"), username="admin", password=password, timeout=timeout
    )


def _assert_matches(got: Torrent, want: WorldTorrent) -> None:
    assert got.id == want.transmission_id
    assert got.hash == want.hash
    assert got.name == want.name
    assert got.state is EXPECTED_STATE[want.status], (want.status, got)
    assert got.progress == pytest.approx(want.progress, abs=1e-4)
    assert got.rate_download == want.dl_speed
    assert got.rate_upload == want.up_speed
    assert got.size == want.size
    assert got.left_until_done == want.amount_left
    assert got.labels == tuple(([want.category] if want.category else []) + want.tags)
    assert got.download_dir == want.save_path
    assert got.added == want.added_on.replace(microsecond=0)
    assert got.done == (want.completion_on.replace(microsecond=0) if want.completion_on else None)
    assert got.downloaded == want.downloaded
    assert got.uploaded == want.uploaded
    assert got.is_complete is (want.progress >= 1)


async def test_probe_does_the_session_id_handshake(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    client = _client(sim, session)
    assert client.stats.requests == 0
    info = await client.probe()
    assert info.kind is BackendKind.TRANSMISSION
    assert info.application == "Transmission"
    assert info.version == "4.0.6"
    assert info.api_version == "17"
    # the first request got 409 and the session id, the retry succeeded
    assert client.stats.requests == 2
    assert client.has_session_id
    await client.probe()
    assert client.stats.requests == 3
    assert PASSWORD not in repr(client)


async def test_session_and_turtle_mode(sim: Simulator, session: aiohttp.ClientSession) -> None:
    client = _client(sim, session)
    info = await client.session()
    assert info.version.startswith("4.0.6 (")
    assert info.rpc_version == 17
    assert info.rpc_version_semver == "5.3.0"
    assert info.download_dir == "/downloads/complete"
    assert info.alt_speed_enabled is False

    assert await client.alt_speed(True) is True
    assert sim.world.alt_speed_limits is True
    assert await client.alt_speed() is True
    sim.world.alt_speed_limits = False
    assert await client.alt_speed() is False


async def test_torrents_equal_the_world(sim: Simulator, session: aiohttp.ClientSession) -> None:
    world = sim.world
    await sim.advance(5)
    idle = [t for t in world.torrents.values() if t.status.name.startswith("STOPPED")]
    stopped, queued, checking, idle_seed, magnet, *_ = idle
    magnet.status, magnet.progress = TorrentStatus.METADATA, 0.0
    stopped.status = TorrentStatus.ERROR
    stopped.error = "No data found! Ensure your drives are connected"
    queued.status = TorrentStatus.QUEUED
    checking.status = TorrentStatus.CHECKING
    idle_seed.status, idle_seed.progress = TorrentStatus.STALLED_SEEDING, 1.0
    client = _client(sim, session)

    torrents = await client.torrents()
    assert {t.hash for t in torrents} == set(world.torrents)
    for torrent in torrents:
        _assert_matches(torrent, world.torrents[torrent.hash])
    states = {t.state for t in torrents}
    assert {
        TorrentState.DOWNLOADING,
        TorrentState.STOPPED,
        TorrentState.ERROR,
        TorrentState.QUEUED,
        TorrentState.CHECKING,
        TorrentState.STALLED_UPLOADING,
        TorrentState.METADATA,
    } <= states
    errored = next(t for t in torrents if t.hash == stopped.hash)
    assert errored.error == 3
    assert errored.error_string.startswith("No data found")
    downloading = next(t for t in torrents if t.state is TorrentState.DOWNLOADING)
    assert downloading.rate_download > 0
    assert downloading.eta == world.torrents[downloading.hash].eta
    assert downloading.peers_connected > 0

    # the VPN drops: downloads stall (no peers, no data)
    world.set_vpn(up=False)
    await sim.advance(2)
    stalled = {t.hash: t for t in await client.torrents()}[downloading.hash]
    assert stalled.state is TorrentState.STALLED_DOWNLOADING
    assert stalled.rate_download == 0
    assert stalled.eta is None
    _assert_matches(stalled, world.torrents[downloading.hash])


async def test_a_download_whose_connected_peers_send_nothing_is_stalled(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    world = sim.world
    await sim.advance(5)
    active = next(
        t for t in world.torrents.values() if t.status is TorrentStatus.DOWNLOADING and t.dl_speed
    )
    client = _client(sim, session)
    before = {t.hash: t for t in await client.torrents()}[active.hash]
    assert before.state is TorrentState.DOWNLOADING
    assert before.rate_download > 0

    active.dl_speed = 0  # its peers stay connected (and unchoked) but send nothing
    world.touch(active)
    after = {t.hash: t for t in await client.torrents()}[active.hash]
    assert after.peers_connected == before.peers_connected > 0
    assert after.rate_download == 0
    assert after.state is TorrentState.STALLED_DOWNLOADING, "qBittorrent's rule: no payload"


async def test_torrents_by_id_or_hash(sim: Simulator, session: aiohttp.ClientSession) -> None:
    first, second, *_ = sorted(sim.world.torrents.values(), key=lambda t: t.transmission_id)
    client = _client(sim, session)
    picked = await client.torrents([first.transmission_id, second.hash.upper()])
    assert [t.hash for t in picked] == [first.hash, second.hash]
    assert await client.torrents([]) == []
    assert client.stats.requests == 2  # the empty list never went out


async def test_torrent_get_honours_fields(sim: Simulator, session: aiohttp.ClientSession) -> None:
    client = _client(sim, session)
    args = await client.rpc("torrent-get", {"fields": list(TORRENT_FIELDS)})
    assert args["torrents"]
    assert all(set(item) == set(TORRENT_FIELDS) for item in args["torrents"])
    args = await client.rpc("torrent-get", {"fields": ["id", "name"]})
    assert all(set(item) == {"id", "name"} for item in args["torrents"])
    with pytest.raises(BackendRequestError, match="no fields specified"):
        await client.rpc("torrent-get", {})
    with pytest.raises(BackendRequestError, match="method name not recognized"):
        await client.rpc("torrent-frobnicate")


async def test_session_stats(sim: Simulator, session: aiohttp.ClientSession) -> None:
    world = sim.world
    client = _client(sim, session)
    await sim.advance(3)
    stats = await client.session_stats()
    torrents = list(world.torrents.values())
    assert stats.torrent_count == len(torrents)
    assert stats.download_speed == sum(t.dl_speed for t in torrents) > 0
    assert stats.upload_speed == sum(t.up_speed for t in torrents)
    stopped = sum(1 for t in torrents if t.status.name.startswith("STOPPED"))
    assert stats.paused_torrent_count == stopped
    assert stats.active_torrent_count == len(torrents) - stopped
    assert stats.cumulative.downloaded == world.alltime_downloaded
    assert stats.cumulative.uploaded == world.alltime_uploaded
    before = stats.current.downloaded
    assert before > 0
    await sim.advance(2)
    later = await client.session_stats()
    assert later.current.downloaded == before + 2 * stats.download_speed
    assert later.current.seconds_active == stats.current.seconds_active + 2


async def test_free_space(sim: Simulator, session: aiohttp.ClientSession) -> None:
    client = _client(sim, session)
    space = await client.free_space("/downloads/music")
    assert space.path == "/downloads/music"
    assert space.free_bytes == sim.world.download_disk_free
    assert space.total_bytes == sim.world.disk_total
    with pytest.raises(BackendRequestError) as caught:
        await client.free_space("/nowhere")
    assert "refused free-space: No such file or directory" in caught.value.message


async def test_add_start_stop_remove(sim: Simulator, session: aiohttp.ClientSession) -> None:
    world = sim.world
    client = _client(sim, session)
    info_hash = "ab" * 20
    added = await client.add(
        MAGNET.format(info_hash),
        download_dir="/downloads/music",
        paused=True,
        labels=["music", "ha"],
    )
    assert added.hash == info_hash
    assert added.name == "Test Album [FLAC]"
    assert added.duplicate is False
    torrent = world.torrents[info_hash]
    assert added.id == torrent.transmission_id
    assert torrent.category == "music"
    assert torrent.tags == ["ha"]
    assert torrent.save_path == "/downloads/music"
    (listed,) = await client.torrents([info_hash])
    assert listed.state is TorrentState.STOPPED
    assert listed.labels == ("music", "ha")

    again = await client.add(MAGNET.format(info_hash))
    assert again.duplicate is True
    assert again.id == added.id

    await client.start([added.id])
    assert world.torrents[info_hash].status is TorrentStatus.DOWNLOADING
    await sim.advance(3)
    (running,) = await client.torrents([info_hash])
    assert running.state is TorrentState.DOWNLOADING
    assert running.progress > 0
    _assert_matches(running, world.torrents[info_hash])

    await client.stop([info_hash])
    assert world.torrents[info_hash].status is TorrentStatus.STOPPED_DOWNLOADING
    await client.start([])
    await client.stop([])
    assert world.torrents[info_hash].status is TorrentStatus.STOPPED_DOWNLOADING

    await client.remove([info_hash], delete_data=True)
    assert info_hash not in world.torrents
    assert await client.torrents([info_hash]) == []
    await client.remove([])


async def test_add_refusals(sim: Simulator, session: aiohttp.ClientSession) -> None:
    client = _client(sim, session)
    with pytest.raises(BackendRequestError, match="invalid or corrupt torrent file"):
        await client.add("magnet:?dn=no-hash")
    with pytest.raises(BackendRequestError, match="http error 404"):
        await client.add("http://127.0.0.1:9/file.torrent")


async def test_session_id_change_costs_exactly_one_retry(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    client = _client(sim, session)
    await client.torrents()
    assert client.stats.requests == 2
    await client.session_stats()
    assert client.stats.requests == 3
    await sim.set_fault("transmission", Fault.SESSION_EXPIRED)
    stats = await client.session_stats()
    assert stats.torrent_count == len(sim.world.torrents)
    assert client.stats.requests == 5  # one 409 with the new id, one retry
    await client.session_stats()
    assert client.stats.requests == 6


async def test_a_proxy_dropping_the_session_header_is_reported(
    session: aiohttp.ClientSession,
) -> None:
    async with _sim(_spec(strip_session_header="1")) as sim:
        client = _client(sim, session)
        with pytest.raises(UnexpectedResponseError) as caught:
            await client.torrents()
        assert client.stats.requests == 2  # never loops
        assert "409" in caught.value.message
        assert "X-Transmission-Session-Id" in caught.value.message
        assert "reverse proxy" in caught.value.message


async def test_wrong_password(sim: Simulator, session: aiohttp.ClientSession) -> None:
    wrong = "not-the-password-123"
    client = _client(sim, session, password=wrong)
    with pytest.raises(InvalidAuthError) as caught:
        await client.probe()
    message = caught.value.message
    assert "HTTP 401" in message
    assert "rpc-username" in message
    assert wrong not in message
    assert PASSWORD not in message
    assert wrong not in repr(client)


async def test_revoked_credentials(sim: Simulator, session: aiohttp.ClientSession) -> None:
    client = _client(sim, session)
    await client.probe()
    await sim.set_fault("transmission", Fault.AUTH_REVOKED)
    with pytest.raises(InvalidAuthError, match="rejected the user name or password"):
        await client.torrents()


async def test_brute_force_lock_on_300_says_so(session: aiohttp.ClientSession) -> None:
    async with _sim(_spec(flavor="3.00")) as sim:
        await sim.set_fault("transmission", Fault.BANNED)
        with pytest.raises(LockedOutError) as caught:
            await _client(sim, session).probe()
    assert "restart Transmission" in caught.value.message


@compat(
    "transmission",
    "4.0",
    proof=SIMULATOR,
    source="transmission/transmission libtransmission/rpc-server.cc, rpcimpl.cc @ 4.0.6",
)
@pytest.mark.parametrize("flavor", ["4.0", "4.1"])
async def test_brute_force_lock_on_4_is_told_by_the_failed_logins(
    session: aiohttp.ClientSession, flavor: str
) -> None:
    async with _sim(_spec(flavor=flavor, anti_brute_force_threshold="2")) as sim:
        wrong = _client(sim, session, password="wrong-password-1")
        for _ in range(2):
            with pytest.raises(InvalidAuthError):
                await wrong.probe()
        with pytest.raises(LockedOutError) as caught:
            await _client(sim, session).probe()
    assert "after 2 failed logins" in caught.value.message
    assert "restart Transmission" in caught.value.message


async def test_a_lock_by_another_program_reads_as_the_whitelist_on_4(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    # 4.x answers the lock and the whitelist alike; this client failed no login itself
    await sim.set_fault("transmission", Fault.BANNED)
    with pytest.raises(WhitelistRefusedError) as caught:
        await _client(sim, session).probe()
    assert "rpc-whitelist" in caught.value.message
    assert "another program's failed logins" in caught.value.message


async def test_whitelist_refusal(session: aiohttp.ClientSession) -> None:
    async with _sim(_spec(whitelist="deny")) as sim:
        with pytest.raises(WhitelistRefusedError) as caught:
            await _client(sim, session).probe()
        assert "rpc-whitelist" in caught.value.message
        assert "HTTP 403" in caught.value.message


async def test_down_slow_and_broken(sim: Simulator, session: aiohttp.ClientSession) -> None:
    client = _client(sim, session, timeout=0.3)
    await client.probe()  # holds a session id from here on
    await sim.set_fault("transmission", Fault.DOWN)
    # a fresh session: DOWN closes the listener, not connections already kept alive
    async with aiohttp.ClientSession() as fresh:
        with pytest.raises(CannotConnectError) as down:
            await _client(sim, fresh).probe()
    assert "Cannot connect to Transmission" in down.value.message
    await sim.clear_fault("transmission")

    await sim.set_fault("transmission", Fault.SLOW)
    with pytest.raises(BackendTimeoutError, match=r"did not answer within 0\.3 s"):
        await client.probe()
    await sim.clear_fault("transmission")

    await sim.set_fault("transmission", Fault.HTTP_500)
    with pytest.raises(UnexpectedResponseError, match="HTTP 500"):
        await client.torrents()
    await sim.clear_fault("transmission")

    for fault in (Fault.MALFORMED_JSON, Fault.TRUNCATED_JSON):
        await sim.set_fault("transmission", fault)
        with pytest.raises(UnexpectedResponseError, match="not valid JSON"):
            await client.torrents()
        await sim.clear_fault("transmission")
    assert len(await client.torrents()) == len(sim.world.torrents)


async def test_wrong_application(session: aiohttp.ClientSession) -> None:
    specs = [_spec(), BackendSpec(name="docker", kind="docker")]
    async with _sim(*specs) as sim:
        client = TransmissionClient(session, sim.url("docker"))
        with pytest.raises(WrongApplicationError) as caught:
            await client.probe()
        assert "no Transmission RPC at /transmission/rpc" in caught.value.message


async def test_url_may_include_the_rpc_path(sim: Simulator, session: aiohttp.ClientSession) -> None:
    url = sim.url("transmission") + "/transmission/rpc/"
    client = TransmissionClient(session, url, username="admin", password=PASSWORD)
    assert str(client.url) == sim.url("transmission") + "/"
    assert (await client.probe()).api_version == "17"


@compat(
    "transmission",
    "2.94",
    proof=SIMULATOR,
    source="transmission/transmission libtransmission/rpc-server.c, rpcimpl.c @ 2.94",
)
async def test_old_daemon_without_labels(session: aiohttp.ClientSession) -> None:
    async with _sim(_spec(flavor="2.94")) as sim:
        client = _client(sim, session)
        info = await client.session()
        assert info.rpc_version == 15
        assert info.rpc_version_semver is None
        torrents = await client.torrents()
        assert torrents
        assert all(t.labels == () for t in torrents)
        space = await client.free_space("/downloads")
        assert space.total_bytes is None
        added = await client.add(MAGNET.format("cd" * 20), labels=["music"])
        assert sim.world.torrents[added.hash].category == ""


async def test_300_gets_its_labels_after_the_add(session: aiohttp.ClientSession) -> None:
    async with _sim(_spec(flavor="3.00")) as sim:
        client = _client(sim, session)
        added = await client.add(MAGNET.format("ce" * 20), labels=["music", "flac"])
        (torrent,) = await client.torrents([added.hash])
        assert torrent.labels == ("music", "flac")
        assert sim.world.torrents[added.hash].category == "music"


async def test_times_are_aware(sim: Simulator, session: aiohttp.ClientSession) -> None:
    torrents = await _client(sim, session).torrents()
    assert all(t.added is not None and t.added.tzinfo is UTC for t in torrents)
    assert all(t.added is not None and t.added <= datetime.now(UTC) for t in torrents)


def test_state_derivation_edges() -> None:
    derive = TorrentState.derive
    assert derive(6, error=0, rate_download=0, rate_upload=512) is TorrentState.SEEDING
    assert derive(6, error=0, rate_download=0, rate_upload=0) is TorrentState.STALLED_UPLOADING
    assert derive(5, error=0, rate_download=0, rate_upload=0) is TorrentState.QUEUED
    assert derive(1, error=0, rate_download=0, rate_upload=0) is TorrentState.CHECKING
    assert derive(4, error=2, rate_download=9, rate_upload=0) is TorrentState.DOWNLOADING
    assert derive(4, error=3, rate_download=9, rate_upload=0) is TorrentState.ERROR
    assert derive(4, error=0, rate_download=0, rate_upload=0) is TorrentState.STALLED_DOWNLOADING
    # uploading to others does not make a download that receives nothing less stalled
    assert derive(4, error=0, rate_download=0, rate_upload=9) is TorrentState.STALLED_DOWNLOADING
    assert (
        derive(4, error=0, rate_download=0, rate_upload=0, has_metadata=False)
        is TorrentState.METADATA
    )
    assert derive(9, error=0, rate_download=0, rate_upload=0) is TorrentState.UNKNOWN
