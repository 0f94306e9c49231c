"""Buttons and switches act on the simulated backends; refusals are translated errors."""

from __future__ import annotations

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN
from homeassistant.components.button import SERVICE_PRESS
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from simulator import Fault, Simulator
from simulator.model import TorrentStatus

from .conftest import setup_stack
from .helpers import poll, text


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


async def _call(hass: HomeAssistant, domain: str, service: str, entity_id: str) -> None:
    await hass.services.async_call(domain, service, {ATTR_ENTITY_ID: entity_id}, blocking=True)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.parametrize("client", ["qbittorrent", "transmission"])
async def test_alternative_speed_limits(hass: HomeAssistant, sim: Simulator, client: str) -> None:
    await setup_stack(hass, sim, [client])
    entity_id = f"switch.{client}_alternative_speed_limits"
    assert _state(hass, entity_id) == "off"
    await _call(hass, SWITCH_DOMAIN, SERVICE_TURN_ON, entity_id)
    assert sim.world.alt_speed_limits is True
    assert _state(hass, entity_id) == "on"
    await _call(hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, entity_id)
    assert sim.world.alt_speed_limits is False
    assert _state(hass, entity_id) == "off"


@pytest.mark.parametrize("client", ["qbittorrent", "transmission"])
async def test_pause_and_resume_music_downloads(
    hass: HomeAssistant, sim: Simulator, client: str
) -> None:
    world = sim.world
    # each simulated client holds its own torrents (Lidarr's grabs are in qBittorrent)
    magnet = "magnet:?xt=urn:btih:" + "7e" * 20
    assert world.add_magnet(magnet, category=world.music_category, client=client)
    await setup_stack(hass, sim, [client])
    torrents = world.client_torrents(client).values()
    music = [t for t in torrents if t.category == world.music_category]
    others = [t for t in world.torrents.values() if t not in music]
    assert music
    others_before = {t.hash: t.status for t in others}
    entity_id = f"switch.{client}_music_downloads"
    assert _state(hass, entity_id) == "on"

    await _call(hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, entity_id)
    assert all(t.status.startswith("stopped") for t in music)
    assert {t.hash: t.status for t in others} == others_before
    assert _state(hass, entity_id) == "off"
    assert _state(hass, "sensor.home_music_active_music_downloads") == "0"

    await _call(hass, SWITCH_DOMAIN, SERVICE_TURN_ON, entity_id)
    assert not any(t.status.startswith("stopped") for t in music)
    assert _state(hass, entity_id) == "on"
    downloading = [t for t in music if t.progress < 1]
    assert _state(hass, "sensor.home_music_active_music_downloads") == str(len(downloading))


async def test_music_downloads_switch_without_music(hass: HomeAssistant, sim: Simulator) -> None:
    for torrent in sim.world.torrents.values():
        torrent.category = "linux-isos"
        torrent.status = TorrentStatus.STOPPED_DOWNLOADING
    await setup_stack(hass, sim, ["qbittorrent"])
    # no music torrent: nothing is paused, so the switch is on; turning it off is harmless
    assert _state(hass, "switch.qbittorrent_music_downloads") == "on"
    await _call(hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, "switch.qbittorrent_music_downloads")
    assert _state(hass, "switch.qbittorrent_music_downloads") == "on"


async def test_navidrome_start_scan(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    await setup_stack(hass, sim, ["navidrome"])
    assert _state(hass, "binary_sensor.navidrome_scanning") == "off"
    await _call(hass, BUTTON_DOMAIN, SERVICE_PRESS, "button.navidrome_start_scan")
    assert sim.world.navidrome_scanning is True
    assert _state(hass, "binary_sensor.navidrome_scanning") == "on"
    await sim.advance(sim.world.scan_duration + 1)
    await poll(hass, frozen, 20)
    assert _state(hass, "binary_sensor.navidrome_scanning") == "off"
    assert _state(hass, "sensor.navidrome_last_scan") == sim.world.navidrome_last_scan.isoformat()


@pytest.mark.parametrize(
    ("button", "command"),
    [("search_missing_albums", "MissingAlbumSearch"), ("rss_sync", "RssSync")],
)
async def test_lidarr_commands(
    hass: HomeAssistant, sim: Simulator, button: str, command: str
) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    before = len(sim.world.commands)
    await _call(hass, BUTTON_DOMAIN, SERVICE_PRESS, f"button.lidarr_{button}")
    assert [c.name for c in sim.world.commands[before:]] == [command]


async def test_a_refused_action_is_a_translated_error(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr", "transmission"])
    await sim.set_fault("lidarr", Fault.HTTP_500)
    with pytest.raises(HomeAssistantError) as caught:
        await _call(hass, BUTTON_DOMAIN, SERVICE_PRESS, "button.lidarr_rss_sync")
    assert caught.value.translation_key == "server_error"
    placeholders = caught.value.translation_placeholders
    assert placeholders is not None
    assert placeholders["backend"] == "Lidarr"
    message = text("exceptions", "server_error", "message", **placeholders)
    assert message.startswith(
        "Lidarr had an internal error: see its logs for the cause. Lidarr at http://127.0.0.1:"
    )
    assert "had an internal error (HTTP 500)" in message

    await sim.set_fault("transmission", Fault.MALFORMED_JSON)
    with pytest.raises(
        HomeAssistantError, match="Transmission sent an answer the integration does not"
    ):
        await _call(
            hass, SWITCH_DOMAIN, SERVICE_TURN_ON, "switch.transmission_alternative_speed_limits"
        )


@pytest.mark.parametrize("fault", [Fault.HTTP_500, Fault.MALFORMED_JSON])
async def test_the_same_failure_reads_alike_from_a_switch_and_an_action(
    hass: HomeAssistant, sim: Simulator, fault: Fault
) -> None:
    entry = await setup_stack(hass, sim, ["transmission"])
    await sim.set_fault("transmission", fault)
    with pytest.raises(HomeAssistantError) as from_switch:
        await _call(hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, "switch.transmission_music_downloads")
    with pytest.raises(HomeAssistantError) as from_action:
        await hass.services.async_call(
            "stepheybot_music",
            "pause_downloads",
            {"config_entry_id": entry.entry_id},
            blocking=True,
        )
    assert from_switch.value.translation_key == from_action.value.translation_key
    assert from_switch.value.translation_key == (
        "server_error" if fault is Fault.HTTP_500 else "unexpected_response"
    )
    assert str(from_switch.value) == str(from_action.value)
    assert str(from_switch.value).startswith("Transmission ")
