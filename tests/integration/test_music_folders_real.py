"""What counts as music on real Transmission daemons: the Brain's folder, and HA's own requests.

The Brain adds its torrents with ``download-dir`` ``/hot_downloads`` and no label
(``../shared/reference/music-brain-api.md``: the processor's ``torrent-add``). Three torrents
on a real transmission-daemon (4.1.x and 3.00): one added as the Brain does, one with the
``music`` label, one with neither. Home Assistant and the exporter both count two music
torrents by default (music folders ``/hot_downloads``); with no music folder, one. Before the
fix both counted one: the Brain's downloads were never music.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stepheybot_music.const import CONF_MUSIC_FOLDERS, DOMAIN
from custom_components.stepheybot_music.coordinators.download_client import (
    DownloadClientCoordinator,
)
from tests.compat import REAL, compat
from tests.exporter.conftest import exporter_config, running_exporter
from tests.servers import transmission as trx
from tests.servers.transmission import transmission_server  # noqa: F401  (fixture)

pytestmark = pytest.mark.real_server

SUBENTRY = "01SUBREALTRANSMISSIONMUSIC"
BRAIN_DIR = "/hot_downloads"


def _add(server: trx.TransmissionServer, name: str, **arguments: Any) -> str:
    """Add a torrent (no data: it waits for peers) with these ``torrent-add`` arguments."""
    torrent = trx.make_torrent(server.download_dir, name, write_data=False)
    args = {"metainfo": base64.b64encode(torrent.metainfo).decode(), **arguments}
    reply = server.rpc("torrent-add", args)
    assert "torrent-added" in reply, reply
    return torrent.info_hash


def _entry(server: trx.TransmissionServer, options: dict[str, Any]) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Music folders",
        data={},
        options=options,
        subentries_data=[
            ConfigSubentryData(
                data={
                    CONF_URL: server.base_url,
                    CONF_USERNAME: server.username,
                    CONF_PASSWORD: server.password,
                    CONF_VERIFY_SSL: True,
                },
                subentry_id=SUBENTRY,
                subentry_type="transmission",
                title="Transmission",
                unique_id=f"transmission_{server.base_url}",
            )
        ],
    )


async def _home_assistant(
    hass: HomeAssistant, server: trx.TransmissionServer, options: dict[str, Any]
) -> tuple[str, ...]:
    """The music torrents Home Assistant counts (their hashes), with these stack options."""
    entry = _entry(server, options)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    coordinator = entry.runtime_data.backends[SUBENTRY].fast[0]
    assert isinstance(coordinator, DownloadClientCoordinator)
    music = coordinator.data.music_ids
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.config_entries.async_remove(entry.entry_id)
    return music


async def _exporter(tmp_path: Path, server: trx.TransmissionServer, **extra: Any) -> int:
    """How many music torrents the exporter counts (every state), with these backend keys."""
    backend = {
        "kind": "transmission",
        "url": server.base_url,
        "username": server.username,
        "password": server.password,
        **extra,
    }
    path = tmp_path / "stack.yaml"
    path.write_text(yaml.safe_dump({"name": "real", "backends": [backend]}))
    async with running_exporter(exporter_config(path)) as exporter:
        scrape = await exporter.scrape()
    assert scrape.up("transmission") == 1, scrape.text
    series = scrape.samples["stepheybot_music_downloads"]
    return round(sum(v for k, v in series.items() if ("client", "transmission") in k))


@compat("transmission", "4.1", proof=REAL, source="transmission-daemon 4.1.x (Debian sid)")
@compat("transmission", "3.00", proof=REAL, source="transmission-daemon 3.00 (Debian 12)")
@pytest.mark.parametrize("version", trx.VERSIONS)
async def test_the_brains_downloads_in_hot_downloads_are_music(
    hass: HomeAssistant,
    transmission_server: Callable[..., trx.TransmissionServer],  # noqa: F811
    tmp_path: Path,
    version: str,
) -> None:
    server = transmission_server(version)
    brain = _add(server, "Brain Album", **{"download-dir": BRAIN_DIR, "paused": False})
    labelled = _add(server, "Labelled Album")
    server.rpc("torrent-set", {"ids": [labelled], "labels": ["music"]})
    _add(server, "Linux ISO")
    listed = {t["hashString"]: t for t in trx.torrents(server, "downloadDir", "labels")}
    assert listed[brain]["downloadDir"] == BRAIN_DIR
    assert listed[brain]["labels"] == []

    assert await _home_assistant(hass, server, {}) == tuple(sorted((brain, labelled)))
    assert await _home_assistant(hass, server, {CONF_MUSIC_FOLDERS: []}) == (labelled,)
    assert await _exporter(tmp_path, server) == 2
    assert await _exporter(tmp_path, server, music_folders=[]) == 1
    assert await _exporter(tmp_path, server, music_folders=["/hot_downloads/"]) == 2


@compat("transmission", "4.1", proof=REAL, source="transmission-daemon 4.1.x (Debian sid)")
@compat("transmission", "3.00", proof=REAL, source="transmission-daemon 3.00 (Debian 12)")
@pytest.mark.parametrize("version", trx.VERSIONS)
async def test_a_download_requested_through_home_assistant_is_music(
    hass: HomeAssistant,
    transmission_server: Callable[..., trx.TransmissionServer],  # noqa: F811
    version: str,
) -> None:
    # 3.00 ignores labels in torrent-add: before the fix the request had no label there
    server = transmission_server(version)
    entry = _entry(server, {CONF_MUSIC_FOLDERS: []})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    info_hash = "5d" * 20
    response = await hass.services.async_call(
        DOMAIN,
        "request_download",
        {"config_entry_id": entry.entry_id, "magnet": f"magnet:?xt=urn:btih:{info_hash}&dn=Asked"},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["status"] == "requested", response
    listed = {t["hashString"]: t for t in trx.torrents(server, "labels")}
    assert listed[info_hash]["labels"] == ["music"]
    coordinator = entry.runtime_data.backends[SUBENTRY].fast[0]
    assert isinstance(coordinator, DownloadClientCoordinator)
    await coordinator.async_refresh()
    assert coordinator.data.music_ids == (info_hash,)
    assert await hass.config_entries.async_unload(entry.entry_id)
