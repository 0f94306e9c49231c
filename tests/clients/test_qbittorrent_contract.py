"""Contract of the qBittorrent client, against real servers and the simulator alike.

Every test runs against real qbittorrent-nox 5.3 and 4.5.2 (started by
``tests/servers/qbittorrent.py``) and against the simulator's qBittorrent facade in both
API generations. Where a real server and the simulator differ, the simulator is wrong.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from stepheybot_music_clients.errors import (
    AlreadyExistsError,
    BackendRequestError,
    InvalidAuthError,
    IpBannedError,
    NoPasswordSetError,
    UnexpectedResponseError,
)
from stepheybot_music_clients.login_policy import LoginGuard, LoginPolicy
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.qbittorrent import (
    ConnectionStatus,
    MainData,
    QBittorrentClient,
    TorrentState,
)

from simulator.backends import BackendSpec
from simulator.server import Simulator
from tests.compat import REAL, compat
from tests.servers import qbittorrent as qbt
from tests.servers.qbittorrent import qbt45, qbt53  # noqa: F401  (session fixtures)

LOGIN = "/api/v2/auth/login"
BAN_TEXT = "Your IP address has been banned after too many failed authentication attempts."
SIM_PASSWORD = "sim-Secret-42"
VERSIONS = {"5.3": ("5.3.0", "2.16.2"), "4.5": ("4.5.2", "2.8.19")}

FLAVORS = [
    pytest.param("real-5.3", marks=pytest.mark.real_server, id="real-5.3"),
    pytest.param("real-4.5", marks=pytest.mark.real_server, id="real-4.5"),
    pytest.param("sim-5.3", id="sim-5.3"),
    pytest.param("sim-4.5", id="sim-4.5"),
]


@dataclass(slots=True)
class Backend:
    """One qBittorrent to test against, real or simulated."""

    flavor: str
    url: str
    username: str
    password: str
    server: qbt.QbtServer | None = None
    sim: Simulator | None = None
    clients: list[QBittorrentClient] = field(default_factory=list)

    @property
    def generation(self) -> str:
        return self.flavor.split("-")[1]

    @property
    def is_real(self) -> bool:
        return self.server is not None

    @property
    def new_api(self) -> bool:
        return self.generation == "5.3"


async def raw(
    backend: Backend,
    method: str,
    path: str,
    *,
    form: dict[str, str] | None = None,
    cookie: str | None = None,
) -> tuple[int, str, str | None]:
    """One request outside the client under test: (status, body, ``name=value`` cookie)."""
    headers = {"Cookie": cookie} if cookie else None
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session,
        session.request(method, backend.url + path, data=form, headers=headers) as resp,
    ):
        text = await resp.text()
        set_cookie = resp.headers.get("Set-Cookie")
        return resp.status, text, set_cookie.split(";", 1)[0] if set_cookie else None


async def raw_login(backend: Backend, password: str | None = None) -> tuple[int, str, str | None]:
    """Log in by hand (``password`` defaults to the right one)."""
    form = {"username": backend.username, "password": password or backend.password}
    if password == "":
        form["password"] = ""
    return await raw(backend, "POST", LOGIN, form=form)


async def reset(backend: Backend) -> None:
    """Delete every torrent and extra category and turn alternative speed limits off."""
    status, _, cookie = await raw_login(backend)
    assert status in (200, 204), status
    await raw(
        backend,
        "POST",
        "/api/v2/torrents/delete",
        form={"hashes": "all", "deleteFiles": "true"},
        cookie=cookie,
    )
    _, cats, _ = await raw(backend, "GET", "/api/v2/torrents/categories", cookie=cookie)
    names = [name for name in json.loads(cats) if name != "music"]
    if names:
        await raw(
            backend,
            "POST",
            "/api/v2/torrents/removeCategories",
            form={"categories": "\n".join(names)},
            cookie=cookie,
        )
    _, mode, _ = await raw(backend, "GET", "/api/v2/transfer/speedLimitsMode", cookie=cookie)
    if mode.strip() == "1":
        await raw(backend, "POST", "/api/v2/transfer/toggleSpeedLimitsMode", cookie=cookie)
    await raw(backend, "POST", "/api/v2/auth/logout", cookie=cookie)


async def start_sim(generation: str, *, password: str = SIM_PASSWORD, **options: Any) -> Simulator:
    """A simulator running only the qBittorrent facade of ``generation`` (no password: "")."""
    extra = {key: str(value) for key, value in options.items()}
    spec = BackendSpec(
        name="qbittorrent",
        kind="qbittorrent",
        flavor=generation,
        username="admin",
        password=password,
        extra=extra,
    )
    sim = Simulator(seed=11, specs=[spec])
    await sim.start()
    return sim


def sim_password(sim: Simulator, generation: str) -> str:
    """The password that logs in to a simulated qBittorrent (temporary one if unset)."""
    spec = sim.spec("qbittorrent")
    if spec.password:
        return spec.password
    if generation == "4.5":
        return "adminadmin"
    return spec.extra["temporary_password"]


@pytest.fixture(params=FLAVORS)
def flavor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session with the default cookie jar (which drops IP-host cookies)."""
    async with aiohttp.ClientSession() as session:
        yield session


type Factory = Callable[..., Awaitable[Backend]]


@pytest.fixture
async def make_backend(flavor: str) -> AsyncIterator[Factory]:
    """Start private instances of ``flavor`` (for bans, no password, short sessions)."""
    started: list[Backend] = []

    async def factory(**options: Any) -> Backend:
        kind, generation = flavor.split("-")
        if kind == "real":
            password = None if options.pop("password", "set") is None else qbt.DEFAULT_PASSWORD
            server = await asyncio.to_thread(
                qbt.start_server, generation, password=password, **options
            )
            backend = Backend(flavor, server.url, server.username, server.password, server=server)
        else:
            no_password = "password" in options and options.pop("password") is None
            sim = await start_sim(
                generation, password="" if no_password else SIM_PASSWORD, **options
            )
            backend = Backend(
                flavor, sim.url("qbittorrent"), "admin", sim_password(sim, generation), sim=sim
            )
        started.append(backend)
        return backend

    yield factory
    for backend in started:
        if backend.server is not None:
            await asyncio.to_thread(qbt.stop_server, backend.server)
        if backend.sim is not None:
            await backend.sim.stop()


@pytest.fixture
async def backend(request: pytest.FixtureRequest, flavor: str) -> AsyncIterator[Backend]:
    """The shared instance of ``flavor``, emptied before the test."""
    kind, generation = flavor.split("-")
    if kind == "real":
        server: qbt.QbtServer = request.getfixturevalue("qbt53" if generation == "5.3" else "qbt45")
        backend = Backend(flavor, server.url, server.username, server.password, server=server)
        await reset(backend)
        yield backend
        return
    sim = await start_sim(generation)
    backend = Backend(flavor, sim.url("qbittorrent"), "admin", SIM_PASSWORD, sim=sim)
    await reset(backend)
    try:
        yield backend
    finally:
        await sim.stop()


def new_client(
    backend: Backend,
    session: aiohttp.ClientSession,
    password: str | None = None,
    login_guard: LoginGuard | None = None,
) -> QBittorrentClient:
    return QBittorrentClient(
        session,
        backend.url,
        username=backend.username,
        password=backend.password if password is None else password,
        login_guard=login_guard,
    )


def logins(client: QBittorrentClient) -> int:
    return client.stats.by_path.get(LOGIN, 0)


async def eventually(
    client: QBittorrentClient, predicate: Callable[[MainData], bool], timeout: float = 15.0
) -> MainData:
    """Poll ``sync`` until ``predicate`` holds (real servers publish changes about every 1.5 s)."""
    deadline = time.monotonic() + timeout
    while True:
        data = await client.sync()
        if predicate(data):
            return data
        if time.monotonic() > deadline:
            sample = {h: t.state_raw for h, t in list(data.torrents.items())[:5]}
            raise AssertionError(
                f"condition not met; {len(data.torrents)} torrents, e.g. {sample}, "
                f"last changed {len(data.changed)}"
            )
        await asyncio.sleep(0.2)


def magnet(name: str) -> tuple[str, str]:
    info_hash = qbt.random_info_hash()
    return info_hash, qbt.magnet(info_hash, name)


# --- identity and login ---------------------------------------------------------------------


@compat("qbittorrent", "5.3", proof=REAL, source="qbittorrent-nox 5.3.0 (Debian sid)")
@compat("qbittorrent", "4.5", proof=REAL, source="qbittorrent-nox 4.5.2 (Debian 12)")
async def test_probe_reports_version_and_api(backend: Backend, http: aiohttp.ClientSession) -> None:
    client = new_client(backend, http)
    info = await client.probe()
    version, api = VERSIONS[backend.generation]
    assert info.kind is BackendKind.QBITTORRENT
    assert info.application == "qBittorrent"
    assert info.version == version
    assert info.api_version == api
    assert await client.uses_stop_start() is backend.new_api
    assert logins(client) == 1
    assert client.logged_in


@pytest.mark.parametrize("jar", ["default", "dummy", "unsafe"])
async def test_one_session_for_many_calls(backend: Backend, jar: str) -> None:
    cookie_jar = {
        "default": aiohttp.CookieJar(),
        "dummy": aiohttp.DummyCookieJar(),
        "unsafe": aiohttp.CookieJar(unsafe=True),
    }[jar]
    async with aiohttp.ClientSession(cookie_jar=cookie_jar) as session:
        client = new_client(backend, session)
        for _ in range(5):
            await client.sync()
            await client.transfer_info()
            await client.categories()
        assert logins(client) == 1
        assert client.stats.requests == 16


@compat("qbittorrent", "5.3", proof=REAL, source="qbittorrent-nox 5.3.0 (Debian sid)")
@compat("qbittorrent", "4.5", proof=REAL, source="qbittorrent-nox 4.5.2 (Debian 12)")
async def test_wrong_password_is_tried_once_and_never_bans(
    backend: Backend, http: aiohttp.ClientSession
) -> None:
    client = new_client(backend, http, password="definitely-wrong")
    with pytest.raises(InvalidAuthError) as err:
        await client.probe()
    assert not isinstance(err.value, NoPasswordSetError)
    assert "rejected the user name or password" in err.value.message
    assert "no login is tried again with these credentials until they change" in err.value.message
    assert "integration" not in err.value.message, "the exporter logs it too"
    assert "definitely-wrong" not in err.value.message
    for _ in range(10):
        for call in (client.sync, client.transfer_info, client.probe, client.categories):
            with pytest.raises(InvalidAuthError) as again:
                await call()
            assert again.value is err.value
    assert logins(client) == 1
    # 5.2+ answers 401 to a wrong password, and the client makes sure (with a call that
    # needs no login and counts no failure) that the 401 is not its Host header's fault.
    assert client.stats.requests == (2 if backend.new_api else 1)

    # qBittorrent counted one failure: the right password still works, from a new client ...
    good = new_client(backend, http)
    assert (await good.probe()).application == "qBittorrent"
    # ... and from the failed client once its credentials change.
    client.set_credentials(backend.username, backend.password)
    assert isinstance(await client.sync(), MainData)
    assert logins(client) == 2


async def test_ip_ban_stops_all_login_attempts(
    make_backend: Factory, http: aiohttp.ClientSession
) -> None:
    backend = await make_backend()
    statuses = [(await raw_login(backend, "wrong"))[:2] for _ in range(5)]
    failed = (401, "Unauthorized") if backend.new_api else (200, "Fails.")
    assert statuses == [failed] * 5
    assert await raw_login(backend) == (403, BAN_TEXT, None)

    client = new_client(backend, http)
    with pytest.raises(IpBannedError) as err:
        await client.sync()
    assert err.value.retry_after == pytest.approx(3600, abs=5)
    assert "banned this IP address after too many failed logins" in err.value.message
    assert "restarting qBittorrent lifts the ban" in err.value.message
    for _ in range(10):
        with pytest.raises(IpBannedError) as again:
            await client.probe()
        assert again.value.retry_after is not None
        assert 3590 < again.value.retry_after <= err.value.retry_after
    client.set_credentials(backend.username, backend.password)
    with pytest.raises(IpBannedError):
        await client.transfer_info()
    assert logins(client) == 1
    assert client.stats.requests == 1


async def test_short_ban_expires(make_backend: Factory, http: aiohttp.ClientSession) -> None:
    backend = await make_backend(max_fail_count=2, ban_duration=2)
    for _ in range(2):
        await raw_login(backend, "wrong")
    # the client cannot know the server's ban duration: the policy assumes one
    client = new_client(backend, http, login_guard=LoginGuard(LoginPolicy(ban_seconds=2.5)))
    with pytest.raises(IpBannedError) as err:
        await client.sync()
    assert err.value.retry_after == pytest.approx(2.5)
    with pytest.raises(IpBannedError):
        await client.sync()
    assert logins(client) == 1
    await asyncio.sleep(2.7)
    assert isinstance(await client.sync(), MainData)
    assert logins(client) == 2


async def test_no_password_set(make_backend: Factory, http: aiohttp.ClientSession) -> None:
    backend = await make_backend(password=None)
    if backend.generation == "4.5":
        # 4.5 still has the old default credentials.
        assert backend.password == "adminadmin"
        info = await new_client(backend, http, password="adminadmin").probe()
        assert info.version == "4.5.2"
        return
    for password in ("", "adminadmin"):
        client = new_client(backend, http, password=password)
        with pytest.raises(NoPasswordSetError) as err:
            await client.probe()
        message = err.value.message
        assert "no default password" in message
        assert "A temporary password is provided for this session" in message
        assert "docker logs <container>" in message
        assert "Tools → Options → WebUI → Authentication" in message
        with pytest.raises(NoPasswordSetError):
            await client.sync()
        assert logins(client) == 1
    # the temporary password printed at start works
    assert len(backend.password) == 9
    assert (await new_client(backend, http).probe()).version == "5.3.0"


# --- sessions -------------------------------------------------------------------------------


async def test_lost_session_relogs_in_once_and_restarts_sync(
    backend: Backend, http: aiohttp.ClientSession
) -> None:
    client = new_client(backend, http)
    first = await client.sync()
    assert first.full_update
    assert first.rid == 1
    second = await client.sync()
    assert not second.full_update
    assert second.rid == 2
    # The session ends behind the client's back (logout through its own cookie).
    assert client._cookie is not None
    status, _, _ = await raw(backend, "POST", "/api/v2/auth/logout", cookie=client._cookie)
    assert status == 200
    assert (await raw(backend, "GET", "/api/v2/app/version", cookie=client._cookie))[0] == 403

    again = await client.sync()
    assert again.full_update
    assert again.rid == 1  # a new rid sequence: rid=0 was sent on the new session
    assert logins(client) == 2
    assert client.stats.by_path["/api/v2/sync/maindata"] == 4  # one 403, one retry
    assert not (await client.sync()).full_update
    assert logins(client) == 2


async def test_session_timeout_relogs_in_once(
    make_backend: Factory, http: aiohttp.ClientSession
) -> None:
    backend = await make_backend(session_timeout=1)
    client = new_client(backend, http)
    await client.sync()
    await asyncio.sleep(2.2)
    data = await client.sync()
    assert data.full_update
    assert logins(client) == 2


async def test_concurrent_calls_share_one_relogin(
    backend: Backend, http: aiohttp.ClientSession
) -> None:
    client = new_client(backend, http)
    await client.probe()
    assert client._cookie is not None
    await raw(backend, "POST", "/api/v2/auth/logout", cookie=client._cookie)
    results = await asyncio.gather(*(client.transfer_info() for _ in range(5)))
    assert len(results) == 5
    assert logins(client) == 2


async def test_polling_never_evicts_other_sessions(
    backend: Backend, http: aiohttp.ClientSession
) -> None:
    other = new_client(backend, http)
    await other.sync()
    poller = new_client(backend, http)
    for _ in range(30):
        await poller.sync()
        await poller.transfer_info()
    assert logins(poller) == 1
    assert not (await other.sync()).full_update
    assert logins(other) == 1
    if backend.new_api:
        # qBittorrent 5.3 keeps 15 sessions: a client logging in per call would evict `other`.
        for _ in range(15):
            assert (await raw_login(backend))[0] == 204
        data = await other.sync()
        assert data.full_update
        assert logins(other) == 2


async def test_host_header_port_mismatch_is_explained(backend: Backend) -> None:
    """A Docker-style port remap (8081 -> 8080) is refused by Host header validation."""
    port = int(backend.url.rsplit(":", 1)[1])
    remapped = aiohttp.ClientSession()

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()

    async def forward(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    proxy = await asyncio.start_server(forward, "127.0.0.1", 0)
    proxy_port = proxy.sockets[0].getsockname()[1]
    try:
        client = QBittorrentClient(
            remapped,
            f"http://127.0.0.1:{proxy_port}",
            username=backend.username,
            password=backend.password,
        )
        with pytest.raises(UnexpectedResponseError) as err:
            await client.probe()
        assert "Host header validation refuses the port" in err.value.message
        assert "8081:8080" in err.value.message
        # the 401 was not a wrong password: nothing is remembered, a new attempt is allowed
        with pytest.raises(UnexpectedResponseError):
            await client.probe()
    finally:
        await remapped.close()
        proxy.close()
        proxy.close_clients()
        await proxy.wait_closed()


# --- sync/maindata ----------------------------------------------------------------------------


@compat("qbittorrent", "5.3", proof=REAL, source="qbittorrent-nox 5.3.0 (Debian sid)")
@compat("qbittorrent", "4.5", proof=REAL, source="qbittorrent-nox 4.5.2 (Debian 12)")
async def test_incremental_sync_merges_deltas(
    backend: Backend, http: aiohttp.ClientSession
) -> None:
    client = new_client(backend, http)
    first = await client.sync()
    assert first.full_update
    assert first.torrents == {}
    assert first.server_state.dht_nodes >= 0
    assert first.server_state.connection_status in set(ConnectionStatus)

    added = dict(magnet(f"Contract Album {i}") for i in range(3))
    await client.add_torrent(
        list(added.values()), category="contract", tags=["flac", "lossless"], stopped=True
    )
    data = await eventually(client, lambda d: set(added) <= set(d.torrents))
    assert set(data.torrents) == set(added)
    for info_hash in added:
        torrent = data.torrents[info_hash]
        assert torrent.hash == info_hash
        assert torrent.name.startswith("Contract Album ")
        assert torrent.state is TorrentState.STOPPED
        assert torrent.state_raw == ("stoppedDL" if backend.new_api else "pausedDL")
        assert torrent.category == "contract"
        assert torrent.tags == ("flac", "lossless")
        assert torrent.eta is None
        assert torrent.added_on is not None
        assert torrent.added_on.tzinfo is not None
        assert torrent.completion_on is None
        assert torrent.progress == 0
    assert "contract" in data.categories
    assert {"flac", "lossless"} <= set(data.tags)

    # Nothing changed: tiny replies, and the very same frozen objects come back.
    quiet = await eventually(client, lambda d: not d.changed and not d.removed)
    for _ in range(5):
        before = client.stats.body_bytes
        idle = await client.sync()
        assert client.stats.body_bytes - before < 100
        assert idle.torrents is quiet.torrents
        assert not idle.changed
        assert not idle.full_update
        assert idle.rid == quiet.rid + 1
        quiet = idle

    # Start one torrent: only that torrent travels, with only its changed fields.
    target = next(iter(added))
    await client.start([target])
    started = await eventually(
        client, lambda d: d.torrents[target].state is not TorrentState.STOPPED
    )
    merged = started.torrents[target]
    assert merged.name == quiet.torrents[target].name
    assert merged.category == "contract"
    assert merged.tags == ("flac", "lossless")
    for info_hash in set(added) - {target}:
        assert started.torrents[info_hash] is quiet.torrents[info_hash]

    await client.stop([target])
    stopped = await eventually(client, lambda d: d.torrents[target].state is TorrentState.STOPPED)
    assert stopped.torrents[target].state_raw == ("stoppedDL" if backend.new_api else "pausedDL")
    assert stopped.torrents[target].name == merged.name

    # Removal arrives as torrents_removed.
    await client.delete([target], delete_files=True)
    removed = await eventually(client, lambda d: target not in d.torrents)
    assert set(removed.torrents) == set(added) - {target}
    assert client.stats.by_path["/api/v2/sync/maindata"] > 8
    assert logins(client) == 1


async def test_full_update_after_stale_rid(backend: Backend, http: aiohttp.ClientSession) -> None:
    client = new_client(backend, http)
    info_hash, link = magnet("Stale Rid")
    await client.add_torrent([link], stopped=True)
    await eventually(client, lambda d: info_hash in d.torrents)
    client._store.rid = 999  # as if the server had restarted and forgotten our rid
    data = await client.sync()
    assert data.full_update
    assert set(data.torrents) == {info_hash}
    assert info_hash in data.changed
    assert not (await client.sync()).full_update


async def test_deleted_category_and_alt_speed_show_in_sync(
    backend: Backend, http: aiohttp.ClientSession
) -> None:
    client = new_client(backend, http)
    await client.create_category("jazz", "/downloads/jazz")
    data = await eventually(client, lambda d: "jazz" in d.categories)
    assert data.categories["jazz"].save_path == "/downloads/jazz"
    assert data.server_state.use_alt_speed_limits is False
    await client.set_alternative_speed_limits(True)
    data = await eventually(client, lambda d: d.server_state.use_alt_speed_limits)
    assert data.server_state.dl_rate_limit > 0
    _, _, cookie = await raw_login(backend)
    await raw(
        backend,
        "POST",
        "/api/v2/torrents/removeCategories",
        form={"categories": "jazz"},
        cookie=cookie,
    )
    data = await eventually(client, lambda d: "jazz" not in d.categories)
    await client.set_alternative_speed_limits(False)
    data = await eventually(client, lambda d: not d.server_state.use_alt_speed_limits)
    assert data.server_state.free_space_on_disk is None or data.server_state.free_space_on_disk > 0


# --- commands ---------------------------------------------------------------------------------


async def test_add_reports_per_generation(backend: Backend, http: aiohttp.ClientSession) -> None:
    client = new_client(backend, http)
    one, link_one = magnet("Add One")
    two, link_two = magnet("Add Two")
    result = await client.add_torrent([link_one, link_two], category="music", stopped=True)
    if backend.new_api:
        assert result.success_count == 2
        assert result.failure_count == 0
        assert result.pending_count == 0
        assert set(result.added_hashes) == {one, two}
    else:
        assert result.success_count is None
        assert result.added_hashes == ()
    data = await eventually(client, lambda d: {one, two} <= set(d.torrents))
    assert data.torrents[one].category == "music"

    with pytest.raises(BackendRequestError) as err:
        await client.add_torrent(["not a link"])
    assert not isinstance(err.value, AlreadyExistsError)
    assert err.value.code == 409
    assert "added none of the 1 torrent(s)" in err.value.message
    with pytest.raises(AlreadyExistsError) as dup:
        await client.add_torrent([link_one, link_two])
    assert dup.value.message == "qBittorrent already has all 2 torrents."


async def test_add_started_with_save_path(backend: Backend, http: aiohttp.ClientSession) -> None:
    client = new_client(backend, http)
    info_hash, link = magnet("Running Album")
    save_path = "/tmp/stepheybot-contract-downloads"
    await client.add_torrent([link], save_path=save_path)
    data = await eventually(client, lambda d: info_hash in d.torrents)
    torrent = data.torrents[info_hash]
    assert torrent.state is not TorrentState.STOPPED
    assert torrent.save_path.rstrip("/") == save_path
    assert torrent.category is None
    assert torrent.tags == ()


async def test_stop_start_all_and_torrent_list(
    backend: Backend, http: aiohttp.ClientSession
) -> None:
    client = new_client(backend, http)
    music = dict(magnet(f"Music {i}") for i in range(2))
    other, other_link = magnet("Other")
    await client.add_torrent(list(music.values()), category="music", stopped=True)
    await client.add_torrent([other_link], category="podcasts", stopped=True)
    await eventually(client, lambda d: len(d.torrents) == 3)

    listed = await client.torrents(category="music")
    assert {t.hash for t in listed} == set(music)
    assert all(t.state is TorrentState.STOPPED for t in listed)
    assert {t.hash for t in await client.torrents(hashes=[other])} == {other}
    assert len(await client.torrents()) == 3

    await client.start("all")
    await eventually(
        client, lambda d: all(t.state is not TorrentState.STOPPED for t in d.torrents.values())
    )
    await client.stop("all")
    await eventually(
        client, lambda d: all(t.state is TorrentState.STOPPED for t in d.torrents.values())
    )
    await client.stop([])  # nothing to do, nothing sent
    await client.delete("all", delete_files=False)
    await eventually(client, lambda d: not d.torrents)


async def test_categories(backend: Backend, http: aiohttp.ClientSession) -> None:
    client = new_client(backend, http)
    await client.create_category("lossless", "/downloads/lossless")
    categories = await client.categories()
    assert categories["lossless"].name == "lossless"
    assert categories["lossless"].save_path == "/downloads/lossless"
    with pytest.raises(AlreadyExistsError) as exists:
        await client.create_category("lossless", "/elsewhere")
    assert exists.value.code == 409
    assert exists.value.message == "qBittorrent already has a category named 'lossless'."
    with pytest.raises(BackendRequestError) as invalid:
        await client.create_category("a//b")
    assert not isinstance(invalid.value, AlreadyExistsError)
    assert "did not create the category 'a//b': the name is not valid" in invalid.value.message
    with pytest.raises(BackendRequestError) as empty:
        await client.create_category("")
    assert empty.value.code == 400
    assert "Category cannot be empty" in empty.value.message
    assert (await client.categories())["lossless"].save_path == "/downloads/lossless"


async def test_alternative_speed_limits(backend: Backend, http: aiohttp.ClientSession) -> None:
    client = new_client(backend, http)
    assert await client.alternative_speed_limits() is False
    await client.set_alternative_speed_limits(True)
    assert await client.alternative_speed_limits() is True
    await client.set_alternative_speed_limits(True)  # already on: no toggle
    assert client.stats.by_path.get("/api/v2/transfer/toggleSpeedLimitsMode") == 1
    await client.set_alternative_speed_limits(False)
    assert await client.alternative_speed_limits() is False


async def test_transfer_info(backend: Backend, http: aiohttp.ClientSession) -> None:
    client = new_client(backend, http)
    info = await client.transfer_info()
    assert info.connection_status in set(ConnectionStatus) - {ConnectionStatus.UNKNOWN}
    assert info.dl_info_speed >= 0
    assert info.dl_info_data >= 0
    if backend.generation == "4.5":
        assert info.last_external_address_v4 is None  # not reported before 4.6


async def test_logout_frees_the_session(backend: Backend, http: aiohttp.ClientSession) -> None:
    client = new_client(backend, http)
    await client.sync()
    cookie = client._cookie
    await client.logout()
    assert not client.logged_in
    assert (await raw(backend, "GET", "/api/v2/app/version", cookie=cookie))[0] == 403
    await client.logout()  # no session: nothing sent
    assert client.stats.by_path["/api/v2/auth/logout"] == 1
    assert (await client.sync()).full_update


async def test_idle_poll_at_10000_torrents_is_cheap(make_backend: Factory) -> None:
    """Full update once; then a no-change poll moves a few bytes and rebuilds nothing.

    Timings live in the benchmarks (bench/), not here: this checks the structure that makes
    the poll cheap (tiny body, the very same torrent mapping, one login).
    """
    backend = await make_backend()
    _, _, cookie = await raw_login(backend)
    for batch in range(10):
        links = "\n".join(magnet(f"Bulk {batch}-{i}")[1] for i in range(1000))
        form = {"urls": links, "stopped": "true", "paused": "true", "category": "music"}
        assert (await raw(backend, "POST", "/api/v2/torrents/add", form=form, cookie=cookie))[
            0
        ] == 200
    async with aiohttp.ClientSession() as http:
        client = new_client(backend, http)
        await eventually(client, lambda d: len(d.torrents) >= 10_000, timeout=60)
        quiet = await eventually(client, lambda d: not d.changed, timeout=30)
        for _ in range(20):
            before_bytes = client.stats.body_bytes
            idle = await client.sync()
            assert client.stats.body_bytes - before_bytes < 100
            assert idle.torrents is quiet.torrents
            assert not idle.changed
        assert logins(client) == 1
