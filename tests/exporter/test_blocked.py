"""``stepheybot_music_blocked{cause}`` on the simulated stack: each cause named within one scrape.

Each cause is injected into the simulator's world, the exporter is scraped once, and the
series of that cause is 1 while every other checked cause is 0; fixing it brings it back to 0.
A backend that is down leaves its causes out (unknown is never 0).
"""

from __future__ import annotations

import logging

import aiohttp
import pytest
from stepheybot_music_clients.diagnosis import CHAIN
from stepheybot_music_clients.listen_port import PortSync
from stepheybot_music_clients.qbittorrent import QBittorrentClient
from stepheybot_music_clients.transmission import TransmissionClient

from simulator import Fault, Simulator
from simulator.model import Torrent
from simulator.world import World

from .conftest import ExporterStarter, RunningExporter, Scrape

BLOCKED = "stepheybot_music_blocked"
IMPORT_BLOCKED = "stepheybot_music_lidarr_import_blocked"
METADATA_DOWN = "stepheybot_music_lidarr_metadata_down"
MATCHES = "stepheybot_music_listen_port_matches_vpn"
PORT = "stepheybot_music_vpn_forwarded_port"


def clients(
    sim: Simulator, session: aiohttp.ClientSession
) -> dict[str, QBittorrentClient | TransmissionClient]:
    """Clients of the simulated download clients, with the stack file's credentials."""
    out: dict[str, QBittorrentClient | TransmissionClient] = {}
    for spec in sim.specs:
        if spec.kind == "qbittorrent":
            out[spec.name] = QBittorrentClient(
                session, sim.url(spec.name), username=spec.username, password=spec.password
            )
        elif spec.kind == "transmission":
            out[spec.name] = TransmissionClient(
                session, sim.url(spec.name), username=spec.username, password=spec.password
            )
    return out


def causes(scrape: Scrape) -> dict[str, float]:
    """``stepheybot_music_blocked`` by cause."""
    return {dict(key)["cause"]: value for key, value in scrape.series(BLOCKED).items()}


def active(scrape: Scrape) -> list[str]:
    return sorted(cause for cause, value in causes(scrape).items() if value == 1)


def grab_missing(world: World) -> Torrent:
    """Lidarr grabs a missing album that a working indexer seeds."""
    working = {i.id for i in world.indexers if i.enabled and not i.failing}
    for album in world.missing_albums():
        if world.torrent_for_album(album.id) is None and any(
            r.indexer_id in working and r.seeders > 0 for r in world.releases_for(album)
        ):
            torrent = world.search_album(album.id)
            assert torrent is not None
            return torrent
    raise AssertionError("no missing album with a release")


async def scrape_after(sim: Simulator, exporter: RunningExporter, seconds: float) -> Scrape:
    await sim.advance(seconds)
    scrape = await exporter.scrape()
    assert scrape.status == 200
    return scrape


@pytest.fixture
async def exporter(sim: Simulator, start_exporter: ExporterStarter) -> RunningExporter:
    await sim.advance(60)
    return await start_exporter()


async def test_a_healthy_stack_blocks_nothing(exporter: RunningExporter) -> None:
    scrape = await exporter.scrape()
    assert active(scrape) == []
    # every cause checked, each 0, but not_scanned: only Home Assistant's requests tell it
    assert set(causes(scrape)) == {c.value for c in CHAIN} - {"not_scanned"}
    assert scrape.value(IMPORT_BLOCKED) == 0
    assert scrape.value(MATCHES, client="qbittorrent") == 1
    assert scrape.value(MATCHES, client="transmission") == 1


async def test_a_vpn_reconnect_with_a_new_port_is_a_port_mismatch(
    sim: Simulator, exporter: RunningExporter
) -> None:
    """gluetun reconnects and forwards a new port; the clients still listen on the old one."""
    sim.world.change_vpn_ip()
    scrape = await scrape_after(sim, exporter, 0)
    assert scrape.value(PORT) == sim.world.vpn.forwarded_port
    assert scrape.value(MATCHES, client="qbittorrent") == 0
    assert scrape.value(MATCHES, client="transmission") == 0
    assert active(scrape) == ["port_mismatch"]
    async with aiohttp.ClientSession() as session:
        for name, client in clients(sim, session).items():
            result = await PortSync(client, name).sync(sim.world.vpn.forwarded_port)
            assert result.changed
    scrape = await scrape_after(sim, exporter, 0)
    assert scrape.value(MATCHES, client="qbittorrent") == 1
    assert scrape.value(MATCHES, client="transmission") == 1
    assert active(scrape) == []


async def test_one_client_behind_is_enough_for_a_mismatch(
    sim: Simulator, exporter: RunningExporter
) -> None:
    sim.world.download_clients["transmission"].listen_port = 6881
    await sim.set_fault("qbittorrent", Fault.DOWN)  # its port unknown: the other one decides
    scrape = await scrape_after(sim, exporter, 0)
    assert scrape.get(MATCHES, client="qbittorrent") is None
    assert scrape.value(MATCHES, client="transmission") == 0
    assert active(scrape) == ["port_mismatch"]


async def test_vpn_down_is_named_and_clears(sim: Simulator, exporter: RunningExporter) -> None:
    sim.world.set_vpn(up=False)
    scrape = await scrape_after(sim, exporter, 30)
    assert active(scrape) == ["vpn_down"]
    sim.world.set_vpn(up=True)
    assert active(await scrape_after(sim, exporter, 30)) == []


async def test_vpn_leak(sim: Simulator, exporter: RunningExporter) -> None:
    sim.world.set_vpn(leak=True)
    assert active(await scrape_after(sim, exporter, 0)) == ["vpn_leak"]
    sim.world.set_vpn(leak=False)
    assert active(await scrape_after(sim, exporter, 0)) == []


async def test_no_peers(sim: Simulator, exporter: RunningExporter) -> None:
    torrent = grab_missing(sim.world)
    torrent.seeds = 0
    sim.world.touch(torrent)
    scrape = await scrape_after(sim, exporter, 30)
    assert active(scrape) == ["no_peers"]
    torrent.seeds = 5
    assert active(await scrape_after(sim, exporter, 5)) == []


async def test_every_indexer_failing(sim: Simulator, exporter: RunningExporter) -> None:
    for indexer in sim.world.indexers:
        indexer.failing = True
    assert active(await scrape_after(sim, exporter, 0)) == ["indexers_failing"]
    sim.world.indexers[0].failing = False
    assert active(await scrape_after(sim, exporter, 0)) == []


async def test_import_blocked(sim: Simulator, exporter: RunningExporter) -> None:
    torrent = grab_missing(sim.world)
    torrent.import_error = "Couldn't find similar album for this release"
    scrape = await scrape_after(sim, exporter, 3600)
    assert scrape.value(IMPORT_BLOCKED) == 1
    assert active(scrape) == ["import_blocked"]
    sim.world.remove_torrent(torrent.hash)  # the person removes it from the queue
    scrape = await scrape_after(sim, exporter, 0)
    assert scrape.value(IMPORT_BLOCKED) == 0
    assert active(scrape) == []


async def test_metadata_down(sim: Simulator, exporter: RunningExporter) -> None:
    """Lidarr's health relays the metadata server's outage (ServerSideNotificationService)."""
    sim.world.metadata_down = True
    scrape = await scrape_after(sim, exporter, 0)
    assert scrape.value(METADATA_DOWN) == 1
    assert active(scrape) == ["metadata_down"]
    sim.world.metadata_down = False
    scrape = await scrape_after(sim, exporter, 0)
    assert scrape.value(METADATA_DOWN) == 0
    assert active(scrape) == []


async def test_disk_full(sim: Simulator, exporter: RunningExporter) -> None:
    sim.world.download_disk_free = 300 * 1024**2
    assert active(await scrape_after(sim, exporter, 0)) == ["disk_full"]
    sim.world.download_disk_free = 500 * 1024**3
    assert active(await scrape_after(sim, exporter, 0)) == []


async def test_the_first_cause_of_the_chain_wins(sim: Simulator, exporter: RunningExporter) -> None:
    sim.world.download_disk_free = 300 * 1024**2
    for indexer in sim.world.indexers:
        indexer.failing = True
    sim.world.set_vpn(up=False)
    assert active(await scrape_after(sim, exporter, 0)) == ["vpn_down"]


async def test_a_backend_down_leaves_its_causes_unknown(
    sim: Simulator, exporter: RunningExporter
) -> None:
    await sim.set_fault("gluetun", Fault.DOWN)
    await sim.set_fault("lidarr", Fault.HTTP_500)
    scrape = await scrape_after(sim, exporter, 0)
    assert scrape.up("gluetun") == 0
    assert set(causes(scrape)) == {"no_peers", "indexers_failing"}
    assert active(scrape) == []


async def test_the_exporter_logs_the_cause_and_its_fix_once(
    sim: Simulator, exporter: RunningExporter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="stepheybot_music_exporter.stack")
    sim.world.set_vpn(up=False)
    await scrape_after(sim, exporter, 0)
    await scrape_after(sim, exporter, 0)
    blocked = [r.getMessage() for r in caplog.records if "music is blocked" in r.getMessage()]
    assert len(blocked) == 1
    assert "(vpn_down): The VPN is down" in blocked[0]
    assert "Restart the gluetun container" in blocked[0]


async def test_the_listen_port_is_read_again_only_when_it_may_be_wrong(
    sim: Simulator, exporter: RunningExporter
) -> None:
    """qBittorrent's preferences are ~7 KB: read once while the port matches, each scrape not."""
    stack = exporter.exporter.stacks[sim.stack_name]
    collector = next(c for c in stack.collectors if c.name == "qbittorrent")
    client = collector.client()
    assert isinstance(client, QBittorrentClient)
    for _ in range(3):
        await scrape_after(sim, exporter, 5)
    assert client.stats.by_path.get("/api/v2/app/preferences") == 1
    sim.world.change_vpn_ip()  # the forwarded port moves away from the one read
    await scrape_after(sim, exporter, 5)  # still the cached port: a mismatch
    await scrape_after(sim, exporter, 5)  # read again, since it did not match
    await scrape_after(sim, exporter, 5)  # and again: it still does not match
    assert client.stats.by_path.get("/api/v2/app/preferences") == 3
