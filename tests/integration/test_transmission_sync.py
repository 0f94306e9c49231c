"""The Transmission coordinator polls the torrent list incrementally (``recently-active``)."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from stepheybot_music_clients.transmission import TransmissionClient

from custom_components.stepheybot_music.coordinators.transmission import TransmissionCoordinator
from simulator import Simulator
from simulator.model import TorrentStatus

from .conftest import setup_stack, subentry_id
from .helpers import poll

MAGNET = "magnet:?xt=urn:btih:{:040x}&dn=Album+{}"
CLIENT = "transmission"


def _state(hass: HomeAssistant, entity_id: str) -> str:
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found.state


def _assert_counts(hass: HomeAssistant, sim: Simulator) -> None:
    torrents = list(sim.world.client_torrents(CLIENT).values())
    stopped = (TorrentStatus.STOPPED_DOWNLOADING, TorrentStatus.STOPPED_SEEDING)
    assert _state(hass, "sensor.transmission_paused_torrents") == str(
        sum(t.status in stopped for t in torrents)
    )
    assert _state(hass, "sensor.transmission_downloading_torrents") == str(
        sum(t.status is TorrentStatus.DOWNLOADING for t in torrents)
    )


async def test_polls_after_the_first_fetch_only_what_changed(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    world = sim.world
    for n in range(1, 201):  # enough torrents that a full listing is clearly bigger
        world.add_magnet(
            MAGNET.format(0x7000 + n, n), category="other", stopped=True, client=CLIENT
        )
    for n in range(1, 3):  # two music downloads (Lidarr's are in qBittorrent)
        world.add_magnet(MAGNET.format(0x8000 + n, n), category=world.music_category, client=CLIENT)
    torrents = world.client_torrents(CLIENT)
    await sim.advance(61)  # the daemon's one-minute window starts after the set-up
    entry = await setup_stack(hass, sim, ["transmission"])
    coordinator = entry.runtime_data.backends[subentry_id("transmission")].fast[0]
    assert isinstance(coordinator, TransmissionCoordinator)
    client = coordinator.client
    assert isinstance(client, TransmissionClient)
    _assert_counts(hass, sim)
    full_listing = client.stats.body_bytes

    music = [t for t in torrents.values() if t.category == world.music_category]
    added = world.add_magnet(
        MAGNET.format(0xA1, "new"), category=world.music_category, client=CLIENT
    )
    assert added is not None
    world.stop_torrent(music[0].hash)
    removed = next(t for t in torrents.values() if t.category == "other")
    world.remove_torrent(removed.hash)
    await sim.advance(5)
    client.stats.reset()
    await poll(hass, frozen, 20)
    _assert_counts(hass, sim)
    assert _state(hass, "sensor.transmission_paused_torrents") == str(
        sum(t.status.startswith("stopped") for t in torrents.values())
    )
    assert client.stats.body_bytes < 10_000 < full_listing

    # stalled music downloads, idle for over a minute, are stopped by the music switch: the
    # daemon does not count a stop as a change, so the coordinator's client asks for them by id
    world.set_vpn(up=False)
    await sim.advance(61)
    client.stats.reset()
    await poll(hass, frozen, 20)
    assert client.stats.body_bytes > 10_000, "61 s on the daemon's clock: a full listing"
    stalled = [
        t
        for t in torrents.values()
        if t.category == world.music_category and t.status is TorrentStatus.STALLED_DOWNLOADING
    ]
    assert stalled
    assert _state(hass, "sensor.transmission_stalled_torrents") == str(len(stalled))
    client.stats.reset()
    await hass.services.async_call(
        "switch",
        "turn_off",
        {"entity_id": "switch.transmission_music_downloads"},
        blocking=True,
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert all(t.status is TorrentStatus.STOPPED_DOWNLOADING for t in stalled)
    _assert_counts(hass, sim)
    assert _state(hass, "sensor.transmission_stalled_torrents") == "0"
    assert client.stats.body_bytes < 10_000
    recent = await client.rpc("torrent-get", {"ids": "recently-active", "fields": ["id"]})
    assert not {t["id"] for t in recent["torrents"]} & {t.transmission_id for t in stalled}
