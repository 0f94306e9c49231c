"""Every entity of a full stack (snapshots), and exactly the right ones for any backend."""

from __future__ import annotations

from collections.abc import Iterator
from unittest.mock import PropertyMock, patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.stepheybot_music.const import DOMAIN
from simulator import Simulator

from .conftest import ALL_BACKENDS, setup_stack, subentry_id
from .helpers import poll

STACK = "sensor.home_music_"
TRACKING = {
    "event.home_music_request",
    f"{STACK}requests_in_flight",
    f"{STACK}music_blocked_by",
}
"""Every stack has them, whatever its backends (request tracking, the diagnosis)."""

PORT_SYNC = {
    f"{platform}.{client}_{key}"
    for client in ("qbittorrent", "transmission")
    for platform, key in (("binary_sensor", "port_matches_vpn"), ("button", "sync_forwarded_port"))
}
"""A download client's entities that need gluetun in the stack (issue 21)."""

EXPECTED: dict[str, set[str]] = {
    "music_brain": {
        "binary_sensor.stepheybot_music_brain_reachable",
        "sensor.stepheybot_music_brain_queued_requests",
        "sensor.stepheybot_music_brain_active_requests",
        "sensor.stepheybot_music_brain_completed_requests",
        "sensor.stepheybot_music_brain_failed_requests",
        f"{STACK}library_artists",
        f"{STACK}library_albums",
        f"{STACK}library_tracks",
    },
    "navidrome": {
        "sensor.navidrome_artists",
        "sensor.navidrome_albums",
        "sensor.navidrome_tracks",
        "sensor.navidrome_last_scan",
        "sensor.navidrome_now_playing",
        "binary_sensor.navidrome_scanning",
        "button.navidrome_start_scan",
        f"{STACK}library_artists",
        f"{STACK}library_albums",
        f"{STACK}library_tracks",
    },
    "lidarr": {
        "sensor.lidarr_monitored_artists",
        "sensor.lidarr_albums",
        "sensor.lidarr_missing_albums",
        "sensor.lidarr_queue",
        "sensor.lidarr_free_space_music",
        "sensor.lidarr_version",
        "binary_sensor.lidarr_health",
        "button.lidarr_search_missing_albums",
        "calendar.lidarr_releases",
        "sensor.lidarr_albums_below_cutoff",
        "button.lidarr_rss_sync",
        "button.lidarr_search_for_upgrades",
        f"{STACK}lidarr_queue",
        f"{STACK}missing_albums",
    },
    "qbittorrent": {
        *(
            f"sensor.qbittorrent_{key}"
            for key in (
                "download_speed",
                "upload_speed",
                "downloading_torrents",
                "seeding_torrents",
                "stalled_torrents",
                "paused_torrents",
                "queued_torrents",
                "checking_torrents",
                "errored_torrents",
                "connection_status",
                "free_space",
                "all_time_download",
                "all_time_upload",
            )
        ),
        "switch.qbittorrent_alternative_speed_limits",
        "switch.qbittorrent_music_downloads",
        f"{STACK}active_music_downloads",
        f"{STACK}download_speed",
        f"{STACK}upload_speed",
    },
    "transmission": {
        *(
            f"sensor.transmission_{key}"
            for key in (
                "download_speed",
                "upload_speed",
                "downloading_torrents",
                "seeding_torrents",
                "stalled_torrents",
                "paused_torrents",
                "queued_torrents",
                "checking_torrents",
                "errored_torrents",
                "free_space",
                "all_time_download",
                "all_time_upload",
            )
        ),
        "switch.transmission_alternative_speed_limits",
        "switch.transmission_music_downloads",
        f"{STACK}active_music_downloads",
        f"{STACK}download_speed",
        f"{STACK}upload_speed",
    },
    "jackett": {"sensor.jackett_indexers", "binary_sensor.jackett_failing_indexers"},
    "prowlarr": {"sensor.prowlarr_indexers", "binary_sensor.prowlarr_failing_indexers"},
    "gluetun": {
        "binary_sensor.gluetun_vpn",
        "sensor.gluetun_public_ip",
        "sensor.gluetun_country",
        "sensor.gluetun_forwarded_port",
    },
    "docker": {
        "binary_sensor.docker_container_problem",
        *(
            f"sensor.{name.replace('-', '_')}_container_state"
            for name in (
                "gluetun",
                "qbittorrent",
                "transmission",
                "lidarr",
                "navidrome",
                "jackett",
                "prowlarr",
                "stepheybot-music",
            )
        ),
        *(
            f"sensor.{name.replace('-', '_')}_container_health"
            for name in ("gluetun", "navidrome", "stepheybot-music")
        ),
    },
}


@pytest.fixture
def all_entities_enabled() -> Iterator[None]:
    """Create the entities that are disabled by default enabled, to snapshot them too."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@pytest.mark.usefixtures("all_entities_enabled")
async def test_every_entity_of_a_full_stack(
    hass: HomeAssistant,
    sim: Simulator,
    frozen: FrozenDateTimeFactory,
    *,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await sim.advance(30)
    entry = await setup_stack(hass, sim)
    await poll(hass, frozen, 20)

    entities = sorted(
        er.async_entries_for_config_entry(entity_registry, entry.entry_id),
        key=lambda item: item.entity_id,
    )
    expected = (
        set().union(*EXPECTED.values()) | {"binary_sensor.gluetun_vpn_leak"} | PORT_SYNC | TRACKING
    )
    assert {entity.entity_id for entity in entities} == expected
    for entity in entities:
        assert entity == snapshot(name=f"{entity.entity_id}-entry")
        assert hass.states.get(entity.entity_id) == snapshot(name=f"{entity.entity_id}-state")

    devices = sorted(
        dr.async_entries_for_config_entry(device_registry, entry.entry_id),
        key=lambda device: sorted(device.identifiers),
    )
    assert len(devices) == 1 + len(ALL_BACKENDS) + len(sim.world.containers)
    for device in devices:
        ident = sorted(device.identifiers)[0][1]
        assert device == snapshot(name=f"device-{ident}", exclude=props("configuration_url"))


async def test_states_match_the_simulated_world(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    world = sim.world
    magnet = "magnet:?xt=urn:btih:" + "7e" * 20  # Transmission downloads too
    assert world.add_magnet(magnet, category=world.music_category, client="transmission")
    await sim.advance(30)
    await setup_stack(hass, sim)
    await poll(hass, frozen, 20)

    def state(entity_id: str) -> str:
        found = hass.states.get(entity_id)
        assert found is not None, entity_id
        return found.state

    assert state("sensor.navidrome_tracks") == str(world.nav_songs)
    assert state("sensor.navidrome_albums") == str(world.nav_albums)
    assert state(f"{STACK}library_artists") == str(world.nav_artists)
    assert state("sensor.lidarr_queue") == str(len(world.lidarr_queue()))
    assert state(f"{STACK}lidarr_queue") == str(len(world.lidarr_queue()))
    assert state("sensor.lidarr_missing_albums") == str(len(world.missing_albums()))
    assert state("sensor.lidarr_albums_below_cutoff") == str(
        sum(1 for album in world.cutoff_unmet_albums() if album.monitored)
    )
    assert state("sensor.lidarr_monitored_artists") == str(
        sum(1 for artist in world.lidarr_artists() if artist.monitored)
    )
    # each download client holds its own torrents: the stack's totals count each torrent once
    music = [t for t in world.torrents.values() if t.category == world.music_category]
    downloading = [t for t in music if t.progress < 1 and "stopped" not in t.status]
    assert {t.client for t in downloading} == {"qbittorrent", "transmission"}
    assert state(f"{STACK}active_music_downloads") == str(len(downloading))
    for client in ("qbittorrent", "transmission"):
        rate = sum(t.dl_speed for t in world.client_torrents(client).values())
        assert rate > 0
        assert float(state(f"sensor.{client}_download_speed")) == pytest.approx(
            rate / 1_000_000, abs=0.01
        )
    rate = sum(t.dl_speed for t in world.torrents.values())
    assert float(state(f"{STACK}download_speed")) == pytest.approx(rate / 1_000_000, abs=0.01)
    assert state("sensor.gluetun_public_ip") == world.vpn.public_ip
    assert state("sensor.gluetun_forwarded_port") == str(world.vpn.forwarded_port)
    assert state("binary_sensor.gluetun_vpn_leak") == "off"
    assert state("sensor.jackett_indexers") == str(sum(1 for i in world.indexers if i.enabled))
    assert state("sensor.qbittorrent_container_state") == world.containers["qbittorrent"].state
    assert state("sensor.navidrome_container_health") == world.containers["navidrome"].health


@pytest.mark.parametrize("name", ALL_BACKENDS)
async def test_each_backend_alone_gets_exactly_its_entities(
    hass: HomeAssistant,
    sim: Simulator,
    entity_registry: er.EntityRegistry,
    name: str,
) -> None:
    entry = await setup_stack(hass, sim, [name])
    found = {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    }
    assert found == EXPECTED[name] | TRACKING


async def test_noisy_entities_are_disabled_by_default(
    hass: HomeAssistant, sim: Simulator, entity_registry: er.EntityRegistry
) -> None:
    entry = await setup_stack(hass, sim, ["qbittorrent"])
    disabled = {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if entity.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    }
    assert disabled == {
        "sensor.qbittorrent_queued_torrents",
        "sensor.qbittorrent_checking_torrents",
    }


async def test_devices_hang_below_the_stack(
    hass: HomeAssistant, sim: Simulator, device_registry: dr.DeviceRegistry
) -> None:
    entry = await setup_stack(hass, sim, ["lidarr", "docker"])
    stack = device_registry.async_get_device_by_identifier((DOMAIN, entry.entry_id), entry.entry_id)
    assert stack is not None
    assert stack.name == "Home music"
    assert stack.config_subentry_id is None
    for sub_id, subentry in entry.subentries.items():
        device = device_registry.async_get_device_by_identifier((DOMAIN, sub_id), entry.entry_id)
        assert device is not None
        assert device.via_device_id == stack.id
        assert device.config_subentry_id == sub_id
        assert device.name == subentry.title
    docker = subentry_id("docker")
    container = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{docker}_container_gluetun"), entry.entry_id
    )
    assert container is not None
    assert container.name == "gluetun container"  # not to be mistaken for the backend
    assert container.config_subentry_id == docker
    assert (
        container.via_device_id
        == device_registry.async_get_device_by_identifier((DOMAIN, docker), entry.entry_id).id
    )  # type: ignore[union-attr]
