"""Every metric against the simulator: present, and with the value the simulated world implies."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from stepheybot_music_exporter import metrics as m

from simulator import Simulator
from simulator.backends.music_brain import PROCESS_INTERVAL
from simulator.model import ACTIVE_STATUSES, Health, Torrent, TorrentStatus
from simulator.world import GIB, MIB

from .conftest import ExporterStarter, Scrape, exporter_config, running_exporter

DOWNLOAD_CLIENTS = ("qbittorrent", "transmission")
RULES = Path(__file__).resolve().parents[2] / "grafana" / "alerts" / "stepheybot-music.rules.yml"
EXPECTED_STATE = {
    TorrentStatus.DOWNLOADING: "downloading",
    TorrentStatus.STALLED_DOWNLOADING: "stalled",
    TorrentStatus.SEEDING: "seeding",
    TorrentStatus.STALLED_SEEDING: "seeding",
    TorrentStatus.STOPPED_DOWNLOADING: "stopped",
    TorrentStatus.STOPPED_SEEDING: "stopped",
    TorrentStatus.QUEUED: "queued",
    TorrentStatus.CHECKING: "checking",
    TorrentStatus.METADATA: "metadata",
    TorrentStatus.ERROR: "error",
}
"""What each simulated torrent state must be exported as (the download-client semantics)."""


def _labels(series: frozenset[tuple[str, str]]) -> dict[str, str]:
    return dict(series)


async def test_every_metric_is_present_with_its_help_and_type(
    sim: Simulator, start_exporter: ExporterStarter
) -> None:
    await sim.advance(60)  # the Music Brain's download monitor has run
    exporter = await start_exporter("--per-torrent")
    scrape = await exporter.scrape()
    assert scrape.status == 200
    backends = {b.name for b in exporter.config.default_stack.backends}
    assert {_labels(s)["backend"] for s in scrape.series("stepheybot_music_backend_up")} == backends
    assert all(scrape.up(b) == 1 for b in backends), scrape.text
    expected_absent = {m.BACKEND_FAILURE.name}  # only while a backend is down
    for metric in m.all_metrics():
        family = (
            metric.name.removesuffix("_total")
            if metric.type is m.MetricType.COUNTER
            else metric.name
        )
        if metric.name in expected_absent:
            assert family not in scrape.types
            continue
        assert family in scrape.types, f"{metric.name} is missing"
        assert scrape.types[family] == metric.type.value
        assert scrape.helps[family] == metric.help
        for series in scrape.series(metric.name):
            assert tuple(sorted(_labels(series))) == tuple(sorted(metric.labels))


async def test_library_metrics_follow_navidrome(
    sim: Simulator, start_exporter: ExporterStarter
) -> None:
    exporter = await start_exporter()
    world = sim.world
    scrape = await exporter.scrape()
    assert scrape.status == 200
    assert scrape.up("navidrome") == 1
    assert scrape.value("stepheybot_music_library_artists") == world.nav_artists > 0
    assert scrape.value("stepheybot_music_library_albums") == world.nav_albums > 0
    assert scrape.value("stepheybot_music_library_tracks") == world.nav_songs > 0
    assert scrape.value("stepheybot_music_library_scan_in_progress") == 0
    assert world.navidrome_last_scan is not None
    assert scrape.value("stepheybot_music_library_last_scan_timestamp_seconds") == int(
        world.navidrome_last_scan.timestamp()
    )
    assert scrape.value("stepheybot_music_library_now_playing") == len(world.now_playing) == 0

    world.start_scan()
    scrape = await exporter.scrape()
    assert scrape.value("stepheybot_music_library_scan_in_progress") == 1

    # the story: a download completes, Lidarr imports it, Navidrome scans it in
    songs_before = world.nav_songs
    await sim.advance(600, step=5)
    assert world.nav_songs > songs_before
    scrape = await exporter.scrape()
    assert scrape.value("stepheybot_music_library_scan_in_progress") == 0
    assert scrape.value("stepheybot_music_library_tracks") == world.nav_songs
    assert scrape.value("stepheybot_music_library_albums") == world.nav_albums


def _spread_states(sim: Simulator) -> None:
    """Put music torrents into every state a download client can report, plus others.

    Each download client gets its own set (the simulated clients hold their own torrents).
    """
    for index, client in enumerate(DOWNLOAD_CLIENTS):
        _spread_client_states(sim, client, 100 * index)


def _spread_client_states(sim: Simulator, client: str, offset: int) -> None:
    world = sim.world
    magnets = [f"magnet:?xt=urn:btih:{offset + n:040x}&dn=Album+{n}" for n in range(1, 10)]
    added = [
        world.add_magnet(link, category=world.music_category, client=client) for link in magnets
    ]
    other = world.add_magnet(
        f"magnet:?xt=urn:btih:{offset + 99:040x}&dn=Linux", category="linux", client=client
    )
    assert other is not None
    torrents: list[Torrent] = [t for t in added if t is not None]
    statuses = [
        TorrentStatus.STALLED_DOWNLOADING,
        TorrentStatus.SEEDING,
        TorrentStatus.STALLED_SEEDING,
        TorrentStatus.STOPPED_DOWNLOADING,
        TorrentStatus.STOPPED_SEEDING,
        TorrentStatus.QUEUED,
        TorrentStatus.CHECKING,
        TorrentStatus.ERROR,
        TorrentStatus.DOWNLOADING,
    ]
    for torrent, status in zip(torrents, statuses, strict=True):
        torrent.status = status
        if status in (
            TorrentStatus.SEEDING,
            TorrentStatus.STALLED_SEEDING,
            TorrentStatus.STOPPED_SEEDING,
        ):
            torrent.progress = 1.0
        torrent.up_speed = 1000 if status is TorrentStatus.SEEDING else 0
        torrent.dl_speed = 2 * MIB if status is TorrentStatus.DOWNLOADING else 0
        torrent.error = "disk full" if status is TorrentStatus.ERROR else ""
        world.touch(torrent)


def _expected_states(sim: Simulator, client: str) -> Counter[str]:
    world = sim.world
    return Counter(
        EXPECTED_STATE[t.status]
        for t in world.client_torrents(client).values()
        if t.category == world.music_category
    )


async def test_download_clients(sim: Simulator, start_exporter: ExporterStarter) -> None:
    world = sim.world
    await sim.advance(5)  # the two Lidarr downloads run
    _spread_states(sim)
    exporter = await start_exporter()
    scrape = await exporter.scrape()
    for client in DOWNLOAD_CLIENTS:
        expected = _expected_states(sim, client)
        assert set(expected) == {
            "downloading",
            "stalled",
            "seeding",
            "stopped",
            "queued",
            "checking",
            "error",
        }
        torrents = world.client_torrents(client).values()
        rate_down = sum(t.dl_speed for t in torrents)
        rate_up = sum(t.up_speed for t in torrents)
        assert rate_down > 0
        assert scrape.up(client) == 1
        for state in (
            "downloading",
            "stalled",
            "seeding",
            "stopped",
            "queued",
            "checking",
            "moving",
            "metadata",
            "error",
            "unknown",
        ):
            assert (
                scrape.value("stepheybot_music_downloads", client=client, state=state)
                == expected[state]
            ), (client, state)
        assert (
            scrape.value("stepheybot_music_download_rate_bytes_per_second", client=client)
            == rate_down
        )
        assert (
            scrape.value("stepheybot_music_upload_rate_bytes_per_second", client=client) == rate_up
        )
        totals = world.download_clients[client]
        assert (
            scrape.value("stepheybot_music_downloaded_bytes_total", client=client)
            == totals.downloaded
        )
        assert (
            scrape.value("stepheybot_music_uploaded_bytes_total", client=client) == totals.uploaded
        )
        assert (
            scrape.value("stepheybot_music_download_client_free_disk_bytes", client=client)
            == world.download_disk_free
        )
    assert "stepheybot_music_torrent_progress_ratio" not in scrape.samples, "per-torrent is opt-in"

    # the counter only grows as data arrives
    before = {c: world.download_clients[c].downloaded for c in DOWNLOAD_CLIENTS}
    await sim.advance(10)
    scrape = await exporter.scrape()
    for client in DOWNLOAD_CLIENTS:
        downloaded = world.download_clients[client].downloaded
        assert downloaded > before[client]
        assert scrape.value("stepheybot_music_downloaded_bytes_total", client=client) == downloaded


def _alert_states(alert: str) -> set[str]:
    """The download states an alert rule sums (its ``state=~"a|b"`` matcher)."""
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    (expr,) = [r["expr"] for g in rules["groups"] for r in g["rules"] if r.get("alert") == alert]
    match = re.search(r'stepheybot_music_downloads\{state=~"([^"]+)"\}', expr)
    assert match, expr
    return set(match[1].split("|"))


def _summed(scrape: Scrape, metric: str, states: set[str] | None = None) -> float:
    """A metric summed over the download clients (as the alerts and dashboards sum it)."""
    return sum(
        value
        for labels, value in scrape.series(metric).items()
        if dict(labels)["client"] in DOWNLOAD_CLIENTS
        and (states is None or dict(labels)["state"] in states)
    )


async def test_totals_over_the_download_clients_are_the_worlds(
    sim: Simulator, start_exporter: ExporterStarter
) -> None:
    """Summed over the clients, as the VPN alert and the dashboards sum them, every total is
    the simulated world's: each client exports only the torrents it holds, never another's."""
    world = sim.world
    magnet = f"magnet:?xt=urn:btih:{0xA1:040x}&dn=Requested+album"
    assert world.add_magnet(magnet, category=world.music_category, client="transmission")
    await sim.advance(5)
    music = [t for t in world.torrents.values() if t.category == world.music_category]
    assert {t.client for t in music if t.status in ACTIVE_STATUSES} == set(DOWNLOAD_CLIENTS)
    exporter = await start_exporter()
    scrape = await exporter.scrape()
    assert _summed(scrape, "stepheybot_music_downloads") == len(music)
    rate = sum(t.dl_speed for t in world.torrents.values())
    assert _summed(scrape, "stepheybot_music_download_rate_bytes_per_second") == rate > 0
    assert _summed(scrape, "stepheybot_music_downloaded_bytes_total") == world.alltime_downloaded

    # the VPN drops: its alert's value is how many torrents want to download, each once
    world.set_vpn(up=False)
    await sim.advance(5)
    scrape = await exporter.scrape()
    wanting = [t for t in music if t.status in ACTIVE_STATUSES]
    assert len(wanting) == 3  # Lidarr's two in qBittorrent and the one in Transmission
    states = _alert_states("StepheyBotMusicVpnDownWhileDownloading")
    assert _summed(scrape, "stepheybot_music_downloads", states) == len(wanting)
    assert _summed(scrape, "stepheybot_music_download_rate_bytes_per_second") == 0


async def test_download_category_star_counts_every_torrent(
    sim: Simulator, start_exporter: ExporterStarter, tmp_path: Path
) -> None:
    world = sim.world
    for n, client in enumerate(DOWNLOAD_CLIENTS):
        world.add_magnet(
            f"magnet:?xt=urn:btih:{7 + n:040x}&dn=Linux+ISO",
            category="linux",
            stopped=True,
            client=client,
        )
    path = tmp_path / "stack.yaml"
    sim.write_stack_file(path)
    exporter = await start_exporter(path=path)
    music = await exporter.scrape()
    config = exporter_config(
        path,
        env={"STEPHEYBOT_QBITTORRENT_CATEGORY": "*", "STEPHEYBOT_TRANSMISSION_CATEGORY": "*"},
    )
    async with running_exporter(config) as everything:
        scrape = await everything.scrape()
    for client in DOWNLOAD_CLIENTS:
        all_states = {
            _labels(s)["state"]: v
            for s, v in scrape.series("stepheybot_music_downloads").items()
            if _labels(s)["client"] == client
        }
        music_states = {
            _labels(s)["state"]: v
            for s, v in music.series("stepheybot_music_downloads").items()
            if _labels(s)["client"] == client
        }
        torrents = world.client_torrents(client)
        assert sum(all_states.values()) == len(torrents)
        assert sum(music_states.values()) == sum(
            1 for t in torrents.values() if t.category == world.music_category
        )
        assert all_states["stopped"] == music_states["stopped"] + 1


async def test_per_torrent_series_are_opt_in(
    sim: Simulator, start_exporter: ExporterStarter
) -> None:
    world = sim.world
    magnet = f"magnet:?xt=urn:btih:{0xA2:040x}&dn=In+Transmission"
    assert world.add_magnet(magnet, category=world.music_category, client="transmission")
    await sim.advance(5)
    exporter = await start_exporter("--per-torrent")
    scrape = await exporter.scrape()
    music = [t for t in world.torrents.values() if t.category == world.music_category]
    assert {t.client for t in music} == set(DOWNLOAD_CLIENTS)
    for client in DOWNLOAD_CLIENTS:
        for torrent in (t for t in music if t.client == client):
            labels = {"client": client, "hash": torrent.hash, "name": torrent.name}
            progress = scrape.value("stepheybot_music_torrent_progress_ratio", **labels)
            assert progress == pytest.approx(torrent.progress, abs=1e-4)  # Transmission: 4 places
            assert scrape.value("stepheybot_music_torrent_size_bytes", **labels) == torrent.size
            assert (
                scrape.value("stepheybot_music_torrent_download_rate_bytes_per_second", **labels)
                == torrent.dl_speed
            )
            assert (
                scrape.value("stepheybot_music_torrent_upload_rate_bytes_per_second", **labels)
                == torrent.up_speed
            )
    assert len(scrape.series("stepheybot_music_torrent_size_bytes")) == len(music)


async def test_lidarr(sim: Simulator, start_exporter: ExporterStarter) -> None:
    world = sim.world
    await sim.advance(5)
    queue = world.lidarr_queue()
    assert len(queue) >= 2
    world.stop_torrent(queue[0].hash)  # paused in Lidarr's queue
    queue[1].status = TorrentStatus.STALLED_DOWNLOADING  # a warning in Lidarr's queue
    world.touch(queue[1])
    world.indexers[0].failing = True  # a health warning
    world.download_disk_free = 3 * GIB  # a low-space warning
    exporter = await start_exporter("--lidarr-artists-interval", "0")
    scrape = await exporter.scrape()
    assert scrape.up("lidarr") == 1
    expected = Counter(
        "completed"
        if t.progress >= 1
        else {
            TorrentStatus.STOPPED_DOWNLOADING: "paused",
            TorrentStatus.STALLED_DOWNLOADING: "warning",
            TorrentStatus.ERROR: "failed",
            TorrentStatus.QUEUED: "queued",
        }.get(t.status, "downloading")
        for t in world.lidarr_queue()
    )
    assert expected["paused"] == 1
    assert expected["warning"] == 1
    for status in (
        "queued",
        "paused",
        "downloading",
        "completed",
        "failed",
        "warning",
        "delay",
        "downloadClientUnavailable",
        "fallback",
        "unknown",
    ):
        assert scrape.value("stepheybot_music_lidarr_queue", status=status) == expected[status], (
            status
        )
    assert scrape.value("stepheybot_music_lidarr_missing_albums") == len(world.missing_albums()) > 0
    assert (
        scrape.value("stepheybot_music_lidarr_cutoff_unmet_albums")
        == len(world.cutoff_unmet_albums())
        > 0
    )
    assert scrape.value("stepheybot_music_lidarr_root_folder_free_bytes", path="/music") == 3 * GIB
    assert (
        scrape.value("stepheybot_music_lidarr_root_folder_size_bytes", path="/music")
        == world.disk_total
    )
    assert scrape.value("stepheybot_music_lidarr_health_issues", level="warning") == 2
    assert scrape.value("stepheybot_music_lidarr_health_issues", level="error") == 0
    assert scrape.value("stepheybot_music_lidarr_health_issues", level="notice") == 0
    artists = world.lidarr_artists()
    assert scrape.value("stepheybot_music_lidarr_artists") == len(artists)
    assert scrape.value("stepheybot_music_lidarr_monitored_artists") == sum(
        a.monitored for a in artists
    )

    # an added (unmonitored) artist shows on the next scrape (interval 0)
    catalog = next(a for a in world.artists.values() if not a.in_lidarr)
    world.add_artist(catalog.mbid, monitored=False)
    scrape = await exporter.scrape()
    assert scrape.value("stepheybot_music_lidarr_artists") == len(artists) + 1
    assert scrape.value("stepheybot_music_lidarr_monitored_artists") == sum(
        a.monitored for a in artists
    )


async def test_lidarr_artist_list_is_downloaded_only_when_the_library_moved(
    sim: Simulator, start_exporter: ExporterStarter
) -> None:
    exporter = await start_exporter()  # default maximum age: 6 hours
    stack = exporter.exporter.stacks[sim.stack_name]
    lidarr = next(c for c in stack.collectors if c.name == "lidarr")
    first = await exporter.scrape()
    artists = first.value("stepheybot_music_lidarr_artists")
    for _ in range(2):
        assert (await exporter.scrape()).value("stepheybot_music_lidarr_artists") == artists
    stats = lidarr.client().stats  # type: ignore[attr-defined]
    assert stats.by_path.get("/api/v1/artist") == 1, "steady scrapes read only the signals"
    assert stats.by_path.get("/api/v1/history") == 3
    # an added artist moves the signals: the next scrape downloads the list again
    catalog = next(a for a in sim.world.artists.values() if not a.in_lidarr)
    sim.world.add_artist(catalog.mbid)
    await exporter.scrape()
    if lidarr.refreshing is not None:  # type: ignore[attr-defined]
        await lidarr.refreshing  # type: ignore[attr-defined]
    latest = await exporter.scrape()
    assert latest.value("stepheybot_music_lidarr_artists") == artists + 1
    assert stats.by_path.get("/api/v1/artist") == 2


async def test_indexers(sim: Simulator, start_exporter: ExporterStarter) -> None:
    world = sim.world
    world.indexers[1].failing = True
    world.indexers[1].last_error = "Cloudflare protection"
    world.indexers[0].enabled = False  # still configured, never queried: cannot fail
    world.indexers[0].failing = True
    exporter = await start_exporter()
    scrape = await exporter.scrape()
    indexer_backends = [
        b.name for b in exporter.config.default_stack.backends if b.kind in ("jackett", "prowlarr")
    ]
    assert indexer_backends
    for backend in indexer_backends:
        assert scrape.up(backend) == 1
        enabled = len(world.indexers) - 1
        # Jackett has no disabled indexers: one taken out of use is no longer configured
        configured = enabled if backend == "jackett" else len(world.indexers)
        assert scrape.value("stepheybot_music_indexers", backend=backend) == configured
        assert scrape.value("stepheybot_music_indexers_enabled", backend=backend) == enabled
        assert scrape.value("stepheybot_music_indexers_failing", backend=backend) == 1


async def test_vpn(sim: Simulator, start_exporter: ExporterStarter) -> None:
    world = sim.world
    exporter = await start_exporter()
    scrape = await exporter.scrape()
    assert scrape.value("stepheybot_music_vpn_up") == 1
    assert scrape.value("stepheybot_music_vpn_forwarded_port") == world.vpn.forwarded_port > 0
    assert scrape.value("stepheybot_music_vpn_leak") == 0

    world.set_vpn(leak=True)  # qBittorrent's peers now see the home address
    scrape = await exporter.scrape()
    assert scrape.value("stepheybot_music_vpn_leak") == 1
    world.set_vpn(leak=False)

    world.change_vpn_ip()
    scrape = await exporter.scrape()
    assert scrape.value("stepheybot_music_vpn_leak") == 0
    assert scrape.value("stepheybot_music_vpn_forwarded_port") == world.vpn.forwarded_port

    world.set_vpn(up=False)
    scrape = await exporter.scrape()
    assert scrape.up("gluetun") == 1
    assert scrape.value("stepheybot_music_vpn_up") == 0
    assert scrape.value("stepheybot_music_vpn_forwarded_port") == 0
    assert scrape.get("stepheybot_music_vpn_leak") is None, "no VPN address to compare with"


async def test_containers(sim: Simulator, start_exporter: ExporterStarter) -> None:
    world = sim.world
    world.set_container_health("navidrome", Health.UNHEALTHY)
    world.set_container_state("lidarr", "exited", exit_code=137)
    world.recreate_container("gluetun")  # healthcheck starting again
    exporter = await start_exporter()
    scrape = await exporter.scrape()
    assert scrape.up("docker") == 1
    assert {_labels(s)["container"] for s in scrape.series("stepheybot_music_container_up")} == set(
        world.containers
    )
    for name, container in world.containers.items():
        assert scrape.value("stepheybot_music_container_up", container=name) == (
            container.state == "running"
        )
        for status in ("healthy", "unhealthy", "starting", "none"):
            assert scrape.value(
                "stepheybot_music_container_health", container=name, status=status
            ) == (container.health.value == status), (name, status)
    assert (
        scrape.value("stepheybot_music_container_health", container="navidrome", status="unhealthy")
        == 1
    )
    assert (
        scrape.value("stepheybot_music_container_health", container="gluetun", status="starting")
        == 1
    )
    assert scrape.value("stepheybot_music_container_up", container="lidarr") == 0


async def test_containers_through_the_unix_socket_and_a_watch_list(
    sim: Simulator, tmp_path: Path
) -> None:
    socket = sim.docker_socket_path()
    assert socket is not None
    path = tmp_path / "stack.yaml"
    sim.write_stack_file(path)
    config = exporter_config(
        path,
        env={
            "STEPHEYBOT_DOCKER_URL": f"unix://{socket}",
            "STEPHEYBOT_DOCKER_CONTAINERS": "navidrome, lidarr, ghost",
        },
    )
    sim.world.set_container_state("lidarr", "exited")
    async with running_exporter(config) as exporter:
        scrape = await exporter.scrape()
    assert scrape.up("docker") == 1
    assert {
        _labels(s)["container"]: v
        for s, v in scrape.series("stepheybot_music_container_up").items()
    } == {"navidrome": 1, "lidarr": 0, "ghost": 0}
    assert (
        scrape.value("stepheybot_music_container_health", container="navidrome", status="healthy")
        == 1
    )
    assert not any(
        _labels(s)["container"] == "ghost"
        for s in scrape.series("stepheybot_music_container_health")
    )


async def test_scrape_is_cheap_after_the_first(
    sim: Simulator, start_exporter: ExporterStarter
) -> None:
    """qBittorrent keeps one session and its sync rid: later scrapes move only deltas."""
    exporter = await start_exporter()
    stack = exporter.exporter.stacks[sim.stack_name]
    qbittorrent = next(c for c in stack.collectors if c.name == "qbittorrent")
    for n in range(200):
        sim.world.add_magnet(
            f"magnet:?xt=urn:btih:{1000 + n:040x}&dn=Bulk+{n}", category="music", stopped=True
        )
    await exporter.scrape()
    stats = qbittorrent.client().stats  # type: ignore[attr-defined]
    full = stats.body_bytes
    assert stats.by_path["/api/v2/auth/login"] == 1
    stats.reset()
    for _ in range(5):
        scrape = await exporter.scrape()
    assert scrape.value("stepheybot_music_downloads", client="qbittorrent", state="stopped") >= 200
    assert "/api/v2/auth/login" not in stats.by_path, "one session for the process lifetime"
    assert stats.by_path["/api/v2/sync/maindata"] == 5
    assert stats.body_bytes < full / 10, "only changes travel"


async def test_music_brain(sim: Simulator, start_exporter: ExporterStarter) -> None:
    world = sim.world
    for n in range(3):
        magnet = f"magnet:?xt=urn:btih:{500 + n:040x}&dn=Requested+{n}"
        world.brain_request(artist=f"A{n}", title="T", album=None, magnet=magnet, source="test")
    world.brain_request(artist="B", title="T", album=None, magnet="magnet:?dn=no-hash", source="t")
    await sim.advance(300, step=5)  # handed to the download client, downloaded, processed
    world.brain_request(
        artist="C", title="T", album=None, magnet=f"magnet:?xt=urn:btih:{600:040x}", source="t"
    )
    exporter = await start_exporter()
    scrape = await exporter.scrape()
    assert scrape.up("music_brain") == 1
    requests = list(world.brain_requests.values())
    active = [r for r in requests if r.torrent_hash in world.torrents and r.status != "cancelled"]
    now = world.clock.now()
    completed = sum(
        1 + int((now - t.completion_on).total_seconds() // PROCESS_INTERVAL)
        for t in (world.torrents[r.torrent_hash] for r in active if r.torrent_hash)
        if t.progress >= 1 and t.completion_on is not None
    )
    assert len(active) == 3
    assert completed >= 3
    assert scrape.value("stepheybot_music_brain_requests", status="queued") == 1
    assert scrape.value("stepheybot_music_brain_requests", status="active") == 3
    assert scrape.value("stepheybot_music_brain_requests_accepted_total") == 5
    assert scrape.value("stepheybot_music_brain_requests_failed_total") == 1
    assert scrape.value("stepheybot_music_brain_requests_completed_total") == completed
    monitor = scrape.value("stepheybot_music_brain_download_monitor_timestamp_seconds")
    assert now.timestamp() - 30 < monitor <= now.timestamp()
