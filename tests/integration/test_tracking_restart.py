"""Requests survive a Home Assistant restart (issue 11) and are found, stored and diagnosed."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.stepheybot_music.const import DOMAIN
from custom_components.stepheybot_music.diagnostics import (
    async_get_config_entry_diagnostics,
)
from custom_components.stepheybot_music.requesting import (
    RequestStatus,
    async_request_download,
)
from custom_components.stepheybot_music.tracking.models import EVENT_REQUEST
from custom_components.stepheybot_music.tracking.store import RequestStore
from simulator import Simulator

from .conftest import ENTRY_ID, setup_stack
from .tracking import (
    SEARCH_SECONDS,
    catalog_album,
    request_album,
    requests_of,
    stage_of,
    step,
    tsim,
)

__all__ = ["tsim"]

BACKENDS = ("lidarr", "qbittorrent")
STORAGE_KEY = f"{DOMAIN}.{ENTRY_ID}.requests"


async def test_restart_mid_download_keeps_the_request_and_downloads_once(
    hass: HomeAssistant,
    tsim: Simulator,
    frozen: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    entry = await setup_stack(hass, tsim, BACKENDS)
    events = async_capture_events(hass, EVENT_REQUEST)
    artist, album = catalog_album(tsim.world)
    request = await request_album(entry, artist, album)
    await hass.async_block_till_done(wait_background_tasks=True)
    await step(hass, tsim, frozen, SEARCH_SECONDS + 5)
    assert stage_of(entry, request.request_id) == "downloading"
    commands = len(tsim.world.commands)

    # Home Assistant stops: the store is written on unload
    assert await hass.config_entries.async_unload(entry.entry_id)
    stored = hass_storage[STORAGE_KEY]["data"]["requests"]
    assert [(r["request_id"], r["stage"]) for r in stored] == [(request.request_id, "downloading")]
    assert await hass.config_entries.async_remove(entry.entry_id)
    await step(hass, tsim, frozen, 5)  # the download goes on meanwhile

    # ... and starts again: a new entry of the same stack reads the same storage back
    entry = await setup_stack(hass, tsim, BACKENDS)
    assert entry.state is ConfigEntryState.LOADED
    restored = requests_of(entry).store.get(request.request_id)
    assert restored is not None
    assert restored.stage.value == "downloading"
    assert restored.lidarr_album_ids == (album.id,)

    # asking again is answered from the tracked request, nothing is downloaded twice
    again = await async_request_download(hass, entry, artist=artist.name, album=album.title)
    assert again.status is RequestStatus.ALREADY_REQUESTED
    assert again.request is not None
    assert again.request.request_id == request.request_id
    assert len(tsim.world.commands) == commands
    assert [t.hash for t in tsim.world.torrents.values() if t.album_id == album.id] == [
        restored.torrent_hash
    ]

    torrent = tsim.world.torrent_for_album(album.id)
    assert torrent is not None
    await step(hass, tsim, frozen, torrent.amount_left / tsim.world.download_speed + 1)
    await step(hass, tsim, frozen, tsim.world.import_delay + 1)
    assert stage_of(entry, request.request_id) == "in_library"
    stages = [e.data["stage"] for e in events]
    assert stages == ["requested", "searching", "downloading", "importing", "in_library"]


async def test_store_reads_back_what_it_wrote(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, BACKENDS)
    artist, album = catalog_album(tsim.world)
    request = await request_album(entry, artist, album)
    await hass.async_block_till_done(wait_background_tasks=True)
    await requests_of(entry).async_unload()

    store = RequestStore(hass, ENTRY_ID)
    await store.async_load()
    read = store.get(request.request_id)
    assert read == requests_of(entry).store.get(request.request_id)


async def test_find_in_flight_by_names_ids_and_hash(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, BACKENDS)
    artist, album = catalog_album(tsim.world)
    request = await request_album(entry, artist, album)
    await step(hass, tsim, frozen, SEARCH_SECONDS + 5)
    tracker = requests_of(entry)
    tracked = tracker.store.get(request.request_id)
    assert tracked is not None
    assert tracked.torrent_hash is not None

    def found(**keys: str) -> str | None:
        hit = tracker.find_in_flight(**keys)
        return hit.request_id if hit is not None else None

    assert found(artist=artist.name.upper()) == request.request_id
    assert found(artist=artist.name.lower(), album=album.title.swapcase()) == request.request_id
    assert found(artist_mbid=artist.mbid, album_mbid=album.mbid) == request.request_id
    assert found(torrent_hash=tracked.torrent_hash.upper()) == request.request_id
    assert found(artist=artist.name, album="Another album") is None
    assert found(album_mbid="00000000-0000-0000-0000-000000000000") is None
    assert found(artist="Someone else") is None


async def test_diagnostics_include_the_requests(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, BACKENDS)
    artist, album = catalog_album(tsim.world)
    request = await request_album(entry, artist, album)
    await hass.async_block_till_done(wait_background_tasks=True)
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    [listed] = diagnostics["requests"]
    assert listed["request_id"] == request.request_id
    assert listed["title"] == request.title
    assert listed["stage"] == "searching"
    assert listed["lidarr_album_ids"] == [album.id]
    assert tsim.spec("lidarr").api_key not in str(diagnostics["requests"])
