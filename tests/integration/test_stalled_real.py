"""On a real qBittorrent, Home Assistant and the exporter count the same torrents as stalled.

Both count with the client library's download domain. Complete torrents whose data is on disk
seed with nobody downloading from them (qBittorrent's ``stalledUP``, the state of most idle
seeds): both call them seeding, and the "Stalled torrents" sensor and
``stepheybot_music_downloads{state="stalled"}`` both say 0. Incomplete torrents with no peer
(``stalledDL``) are stalled on both sides.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from stepheybot_music_clients.models import BackendKind

from custom_components.stepheybot_music.const import DOMAIN
from custom_components.stepheybot_music.coordinators.qbittorrent import QBittorrentCoordinator
from tests.compat import REAL, compat
from tests.exporter.conftest import RunningExporter, exporter_config, running_exporter
from tests.servers import qbittorrent as qbt
from tests.servers.qbittorrent import qbt_factory  # noqa: F401  (fixture)
from tests.servers.torrents import make_torrent

pytestmark = pytest.mark.real_server

SUBENTRY = "01SUBREALQBITTORRENT00000"
SEEDS = 3
WAITING = 2
COUNTED = ("stalled", "seeding", "downloading")
"""The states compared (the sensors ``sensor.qbittorrent_<state>_torrents``)."""


def _settle(server: qbt.QbtServer, cookie: str, expected: dict[str, str]) -> None:
    """Wait until qBittorrent reports every torrent in its expected state (after checking)."""

    def settled() -> bool:
        return qbt.torrent_states(server, cookie=cookie) == expected

    qbt.wait_until(settled, timeout=60)


async def _set_up(hass: HomeAssistant, server: qbt.QbtServer) -> MockConfigEntry:
    """A stack with this qBittorrent, set up through the integration."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Real qBittorrent",
        data={},
        subentries_data=[
            ConfigSubentryData(
                data={
                    CONF_URL: server.url,
                    CONF_USERNAME: server.username,
                    CONF_PASSWORD: server.password,
                    CONF_VERIFY_SSL: True,
                },
                subentry_id=SUBENTRY,
                subentry_type=str(BackendKind.QBITTORRENT),
                title="qBittorrent",
                unique_id=f"qbittorrent_{server.url}",
            )
        ],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


def _home_assistant(hass: HomeAssistant) -> dict[str, int]:
    counts = {}
    for state in COUNTED:
        found = hass.states.get(f"sensor.qbittorrent_{state}_torrents")
        assert found is not None, state
        counts[state] = int(found.state)
    return counts


async def _exporter(exporter: RunningExporter) -> dict[str, int]:
    scrape = await exporter.scrape()
    assert scrape.up("qbittorrent") == 1, scrape.text
    return {
        state: int(scrape.value("stepheybot_music_downloads", client="qbittorrent", state=state))
        for state in COUNTED
    }


@compat("qbittorrent", "5.3", proof=REAL, source="qbittorrent-nox 5.3.0 (Debian sid)")
@compat("qbittorrent", "4.5", proof=REAL, source="qbittorrent-nox 4.5.2 (Debian 12)")
@pytest.mark.parametrize("generation", ["5.3", "4.5"])
async def test_idle_seeds_are_not_stalled_and_waiting_downloads_are(
    hass: HomeAssistant,
    qbt_factory: Callable[..., qbt.QbtServer],  # noqa: F811
    tmp_path: Path,
    generation: str,
) -> None:
    server = qbt_factory(generation)
    cookie = await hass.async_add_executor_job(qbt.login_cookie, server)
    seeds = [make_torrent(f"Seeded Album {n}") for n in range(SEEDS)]
    await hass.async_add_executor_job(
        lambda: qbt.add_torrent_files(server, seeds, cookie=cookie, category="music", complete=True)
    )
    expected = {torrent.info_hash: "stalledUP" for torrent in seeds}
    await hass.async_add_executor_job(_settle, server, cookie, expected)

    entry = await _set_up(hass, server)
    coordinator = entry.runtime_data.backends[SUBENTRY].fast[0]
    assert isinstance(coordinator, QBittorrentCoordinator)
    stack_file = tmp_path / "stack.yaml"
    backend = {
        "kind": "qbittorrent",
        "url": server.url,
        "username": server.username,
        "password": server.password,
        "category": "music",
    }
    stack_file.write_text(yaml.safe_dump({"name": "real", "backends": [backend]}))
    async with running_exporter(exporter_config(stack_file)) as exporter:
        idle = {"stalled": 0, "seeding": SEEDS, "downloading": 0}
        assert _home_assistant(hass) == idle
        assert await _exporter(exporter) == idle

        # incomplete torrents nobody sends anything: stalled on both sides
        waiting = [make_torrent(f"Waiting Album {n}") for n in range(WAITING)]
        await hass.async_add_executor_job(
            lambda: qbt.add_torrent_files(
                server, waiting, cookie=cookie, category="music", complete=False
            )
        )
        expected |= {torrent.info_hash: "stalledDL" for torrent in waiting}
        await hass.async_add_executor_job(_settle, server, cookie, expected)
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        both = {"stalled": WAITING, "seeding": SEEDS, "downloading": 0}
        assert _home_assistant(hass) == both
        assert await _exporter(exporter) == both
        assert coordinator.data.music_active == WAITING
        assert coordinator.data.music_ids == tuple(sorted(expected))
    assert await hass.config_entries.async_unload(entry.entry_id)
