"""On real download clients, Home Assistant and the exporter count the same torrents as stalled.

Both count with the client library's download domain. Complete torrents whose data is on disk
seed with nobody downloading from them (qBittorrent's ``stalledUP``, the state of most idle
seeds; Transmission seeding at 0 B/s): both call them seeding, and the "Stalled torrents"
sensor and ``stepheybot_music_downloads{state="stalled"}`` both say 0. Incomplete torrents
with no peer (qBittorrent's ``stalledDL``; Transmission downloading at 0 B/s) are stalled on
both sides. Real qbittorrent-nox 5.3 and 4.5.2, transmission-daemon 4.1 and 3.00.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from stepheybot_music_clients.models import BackendKind

from custom_components.stepheybot_music.const import DOMAIN
from custom_components.stepheybot_music.coordinators.download_client import (
    DownloadClientCoordinator,
)
from tests.compat import REAL, compat
from tests.exporter.conftest import RunningExporter, exporter_config, running_exporter
from tests.servers import qbittorrent as qbt
from tests.servers import transmission as trx
from tests.servers.qbittorrent import qbt_factory  # noqa: F401  (fixture)
from tests.servers.transmission import make_torrent, transmission_server  # noqa: F401

pytestmark = pytest.mark.real_server

SUBENTRY = "01SUBREALDOWNLOADCLIENT00"
SEEDS = 3
WAITING = 2
COUNTED = ("stalled", "seeding", "downloading")
"""The states compared (the sensors ``sensor.<client>_<state>_torrents``)."""


@dataclass(slots=True)
class RealClient:
    """A real download client: how Home Assistant and the exporter reach it, how to fill it."""

    kind: BackendKind
    title: str
    url: str
    username: str
    password: str
    add: Callable[[list[str], bool], None]
    """Add torrents named so, complete (their data on disk) or not; return once they settled."""


def _qbittorrent(server: qbt.QbtServer) -> RealClient:
    cookie = qbt.login_cookie(server)
    expected: dict[str, str] = {}

    def add(names: list[str], complete: bool) -> None:
        made = [make_torrent(server.download_dir, n, write_data=complete) for n in names]
        qbt.add_torrent_files(server, made, cookie=cookie, category="music")
        expected.update(
            dict.fromkeys((t.info_hash for t in made), "stalledUP" if complete else "stalledDL")
        )
        # qBittorrent checks the data first: wait until it settled (complete: seeding)
        qbt.wait_until(lambda: qbt.torrent_states(server, cookie=cookie) == expected, timeout=60)

    return RealClient(
        BackendKind.QBITTORRENT, "qBittorrent", server.url, server.username, server.password, add
    )


def _transmission(server: trx.TransmissionServer) -> RealClient:
    def add(names: list[str], complete: bool) -> None:
        made = [make_torrent(server.download_dir, n, write_data=complete) for n in names]
        for torrent in made:
            trx.add_torrent(server, torrent, labels=["music"])
        status = trx.STATUS_SEED if complete else trx.STATUS_DOWNLOAD
        trx.wait_for_status(server, [t.info_hash for t in made], status)

    return RealClient(
        BackendKind.TRANSMISSION,
        "Transmission",
        server.base_url,
        server.username,
        server.password,
        add,
    )


@pytest.fixture(
    params=["qbittorrent 5.3", "qbittorrent 4.5", "transmission 4", "transmission 3.00"]
)
def real_client(
    request: pytest.FixtureRequest,
    qbt_factory: Callable[..., qbt.QbtServer],  # noqa: F811
    transmission_server: Callable[..., trx.TransmissionServer],  # noqa: F811
) -> Iterator[RealClient]:
    """A fresh server of each client and version (stopped by PID by its factory)."""
    kind, version = str(request.param).split()
    if kind == "qbittorrent":
        yield _qbittorrent(qbt_factory(version))
    else:
        yield _transmission(transmission_server(version))


async def _set_up(hass: HomeAssistant, client: RealClient) -> MockConfigEntry:
    """A stack with this client, set up through the integration."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Real download client",
        data={},
        subentries_data=[
            ConfigSubentryData(
                data={
                    CONF_URL: client.url,
                    CONF_USERNAME: client.username,
                    CONF_PASSWORD: client.password,
                    CONF_VERIFY_SSL: True,
                },
                subentry_id=SUBENTRY,
                subentry_type=str(client.kind),
                title=client.title,
                unique_id=f"{client.kind}_{client.url}",
            )
        ],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


def _home_assistant(hass: HomeAssistant, client: RealClient) -> dict[str, int]:
    counts = {}
    for state in COUNTED:
        found = hass.states.get(f"sensor.{client.kind}_{state}_torrents")
        assert found is not None, state
        counts[state] = int(found.state)
    return counts


async def _exporter(exporter: RunningExporter, client: RealClient) -> dict[str, int]:
    scrape = await exporter.scrape()
    assert scrape.up(str(client.kind)) == 1, scrape.text
    return {
        state: int(scrape.value("stepheybot_music_downloads", client=str(client.kind), state=state))
        for state in COUNTED
    }


def _stack_file(tmp_path: Path, client: RealClient) -> Path:
    backend: dict[str, Any] = {
        "kind": str(client.kind),
        "url": client.url,
        "username": client.username,
        "password": client.password,
        "category": "music",
    }
    path = tmp_path / "stack.yaml"
    path.write_text(yaml.safe_dump({"name": "real", "backends": [backend]}))
    return path


@compat("qbittorrent", "5.3", proof=REAL, source="qbittorrent-nox 5.3.0 (Debian sid)")
@compat("qbittorrent", "4.5", proof=REAL, source="qbittorrent-nox 4.5.2 (Debian 12)")
@compat("transmission", "4.1", proof=REAL, source="transmission-daemon 4.1.x (Debian sid)")
@compat("transmission", "3.00", proof=REAL, source="transmission-daemon 3.00 (Debian 12)")
async def test_idle_seeds_are_not_stalled_and_waiting_downloads_are(
    hass: HomeAssistant, real_client: RealClient, tmp_path: Path
) -> None:
    client = real_client
    await hass.async_add_executor_job(client.add, [f"Seeded Album {n}" for n in range(SEEDS)], True)
    entry = await _set_up(hass, client)
    coordinator = entry.runtime_data.backends[SUBENTRY].fast[0]
    assert isinstance(coordinator, DownloadClientCoordinator)
    async with running_exporter(exporter_config(_stack_file(tmp_path, client))) as exporter:
        idle = {"stalled": 0, "seeding": SEEDS, "downloading": 0}
        assert _home_assistant(hass, client) == idle
        assert await _exporter(exporter, client) == idle

        # incomplete torrents nobody sends anything: stalled on both sides
        await hass.async_add_executor_job(
            client.add, [f"Waiting Album {n}" for n in range(WAITING)], False
        )
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        both = {"stalled": WAITING, "seeding": SEEDS, "downloading": 0}
        assert _home_assistant(hass, client) == both
        assert await _exporter(exporter, client) == both
        assert coordinator.data.music_active == WAITING
        assert len(coordinator.data.music_ids) == SEEDS + WAITING
        waiting = [t for t in coordinator.music_torrents() if not t.complete]
        assert len(waiting) == WAITING
        assert all(coordinator.find_torrent(t.hash) == t for t in waiting)
    assert await hass.config_entries.async_unload(entry.entry_id)
