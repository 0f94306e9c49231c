"""Quality upgrades: the albums-below-cutoff sensor, the button and the ``search_upgrades`` action,
each starting Lidarr's cutoff-unmet search as a tracked upgrade request."""

from __future__ import annotations

from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import async_capture_events
from stepheybot_music_clients.lidarr import Album, LidarrCommand

from custom_components.stepheybot_music.const import DOMAIN
from custom_components.stepheybot_music.tracking.models import (
    EVENT_REQUEST,
    RequestKind,
    Route,
    Stage,
)
from custom_components.stepheybot_music.upgrades import (
    MANY_ARTISTS,
    UPGRADE_PAGE_SIZE,
    _names,
)
from simulator import Fault, Simulator
from simulator.world import World

from .conftest import setup_stack, subentry_id
from .helpers import poll, text
from .service_helpers import error_text
from .tracking import SEARCH_SECONDS, requests_of, stage_of, step, tsim

__all__ = ["tsim"]

BUTTON = "button.lidarr_search_for_upgrades"
SENSOR = "sensor.lidarr_albums_below_cutoff"
BACKENDS = ["lidarr", "qbittorrent"]


def _below_cutoff(world: World) -> list[int]:
    """Ids of the monitored albums below cutoff, as Lidarr's wanted/cutoff lists them."""
    albums = [a for a in world.cutoff_unmet_albums() if a.monitored]
    return sorted(a.id for a in albums)


async def _press(hass: HomeAssistant) -> None:
    await hass.services.async_call("button", "press", {"entity_id": BUTTON}, blocking=True)
    await hass.async_block_till_done(wait_background_tasks=True)


async def _search_upgrades(hass: HomeAssistant, entry_id: str) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        "search_upgrades",
        {"config_entry_id": entry_id},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return dict(response)


async def test_button_starts_the_search_and_tracking_follows_it_to_the_library(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, tsim, BACKENDS)
    world = tsim.world
    events = async_capture_events(hass, EVENT_REQUEST)
    below = _below_cutoff(world)
    assert below
    assert hass.states.get(SENSOR).state == str(len(below))

    await _press(hass)
    command = world.commands[-1]
    assert command.name == LidarrCommand.CUTOFF_UNMET_ALBUM_SEARCH
    [request] = requests_of(entry).store.all()
    assert request.kind is RequestKind.UPGRADE
    assert request.route is Route.LIDARR
    assert request.source == "button"
    assert request.backend_id == subentry_id("lidarr")
    assert request.lidarr_command_id == command.id
    assert sorted(request.lidarr_album_ids) == below
    assert request.title == f"{MANY_ARTISTS} \u2013 {len(below)} albums"
    assert stage_of(entry, request.request_id) == "searching"

    # the search runs, grabs better releases of the albums it can, which download
    await step(hass, tsim, frozen, SEARCH_SECONDS + 1)
    grabbed = [t for t in world.lidarr_queue() if t.album_id in below]
    assert grabbed, "the simulated indexers have a better release of some albums"
    assert stage_of(entry, request.request_id) == "downloading"

    # imported: the request is in the library and the sensor counts fewer albums below cutoff
    await step(hass, tsim, frozen, 1800)
    assert all(t.imported for t in grabbed)
    assert stage_of(entry, request.request_id) == "in_library"
    stages = [e.data["stage"] for e in events if e.data["request_id"] == request.request_id]
    assert stages == ["requested", "searching", "downloading", "in_library"]
    assert {e.data["kind"] for e in events} == {"upgrade"}
    await poll(hass, frozen, entry.runtime_data.settings.slow_interval.total_seconds())
    assert hass.states.get(SENSOR).state == str(len(below) - len(grabbed))
    assert all(world.albums[t.album_id].quality.startswith("FLAC") for t in grabbed)


async def test_action_answers_with_the_request_and_does_not_search_twice(
    hass: HomeAssistant, tsim: Simulator
) -> None:
    entry = await setup_stack(hass, tsim, BACKENDS)
    world = tsim.world
    below = _below_cutoff(world)

    response = await _search_upgrades(hass, entry.entry_id)
    [result] = response["results"]
    assert result["backend"] == "Lidarr"
    assert result["status"] == "requested"
    assert result["below_cutoff"] == len(below)
    assert result["message"] == (
        f"Lidarr is searching for better releases of {len(below)} albums below cutoff."
    )
    request = result["request"]
    assert request["kind"] == "upgrade"
    assert request["source"] == "action"
    assert request["stage"] in ("requested", "searching")
    assert sorted(request["lidarr_album_ids"]) == below
    commands = len(world.commands)

    again = await _search_upgrades(hass, entry.entry_id)
    [result] = again["results"]
    assert result["status"] == "already_requested"
    assert result["request"]["request_id"] == request["request_id"]
    assert result["message"].startswith("Lidarr is already searching for upgrades (")
    assert len(world.commands) == commands, "no second search"
    assert len(requests_of(entry).store.all()) == 1

    # without response data, the action still searches (here: nothing new, one in flight)
    await hass.services.async_call(
        DOMAIN, "search_upgrades", {"config_entry_id": entry.entry_id}, blocking=True
    )
    assert len(world.commands) == commands


async def test_nothing_below_cutoff(hass: HomeAssistant, sim: Simulator) -> None:
    world = sim.world
    for album in world.albums.values():
        album.cutoff_met = True
    entry = await setup_stack(hass, sim, ["lidarr"])
    assert hass.states.get(SENSOR).state == "0"
    commands = len(world.commands)

    response = await _search_upgrades(hass, entry.entry_id)
    [result] = response["results"]
    assert result == {
        "backend": "Lidarr",
        "status": "nothing_to_upgrade",
        "message": "Lidarr has no album below its quality cutoff.",
        "below_cutoff": 0,
        "request": None,
    }
    with pytest.raises(HomeAssistantError) as raised:
        await _press(hass)
    assert str(raised.value) == error_text("nothing_to_upgrade", backend="Lidarr")
    assert len(world.commands) == commands
    assert requests_of(entry).store.all() == []


async def test_lidarr_refusing_is_a_translated_error(hass: HomeAssistant, sim: Simulator) -> None:
    entry = await setup_stack(hass, sim, ["lidarr"])
    await sim.set_fault("lidarr", Fault.DOWN)
    with pytest.raises(HomeAssistantError) as raised:
        await _search_upgrades(hass, entry.entry_id)
    cause = raised.value.__cause__
    assert cause is not None
    assert str(raised.value) == text(
        "exceptions",
        "cannot_connect",
        "message",
        backend="Lidarr",
        error=cause.message,  # type: ignore[attr-defined]
    )
    with pytest.raises(HomeAssistantError) as raised:
        await _press(hass)
    assert str(raised.value).startswith("Lidarr is unreachable. Cannot connect to Lidarr at ")
    assert requests_of(entry).store.all() == []


async def test_action_without_lidarr_says_so(hass: HomeAssistant, sim: Simulator) -> None:
    entry = await setup_stack(hass, sim, ["qbittorrent"])
    with pytest.raises(HomeAssistantError) as raised:
        await _search_upgrades(hass, entry.entry_id)
    assert str(raised.value) == error_text("no_backend", stack="Home music", backend="Lidarr")


def _album(album_id: int, artist_id: int, artist: str | None, title: str) -> Album:
    return Album(
        id=album_id,
        title=title,
        artist_id=artist_id,
        foreign_album_id=f"rg-{album_id}",
        monitored=True,
        album_type="Album",
        release_date=None,
        genres=(),
        duration=None,
        track_count=10,
        track_file_count=10,
        size_on_disk=None,
        percent_of_tracks=None,
        last_search_time=None,
        artist_name=artist,
        artist_foreign_id=None,
    )


def test_request_names() -> None:
    one = _album(1, 7, "The Band", "First")
    other = _album(2, 7, "The Band", "Second")
    stranger = _album(3, 8, "Someone", "Third")
    assert _names([one], 1) == ("The Band", "First", 7)
    assert _names([one, other], 2) == ("The Band", "2 albums", 7)
    assert _names([one, other], 300) == (MANY_ARTISTS, "300 albums", None)
    assert _names([one, stranger], 2) == (MANY_ARTISTS, "2 albums", None)
    assert _names([_album(4, 0, None, "Fourth")], 1) == (MANY_ARTISTS, "Fourth", None)
    assert UPGRADE_PAGE_SIZE == 100


async def test_a_single_album_below_cutoff_is_named(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    world = sim.world
    below = _below_cutoff(world)
    for album_id in below[1:]:
        world.albums[album_id].cutoff_met = True
    entry = await setup_stack(hass, sim, ["lidarr"])
    response = await _search_upgrades(hass, entry.entry_id)
    [result] = response["results"]
    album = world.albums[below[0]]
    assert result["message"] == "Lidarr is searching for better releases of 1 album below cutoff."
    assert result["request"]["title"] == f"{world.artist_of(album).name} \u2013 {album.title}"
    assert result["request"]["lidarr_artist_id"] == world.artist_of(album).lidarr_id
    tracked = requests_of(entry).store.get(result["request"]["request_id"])
    assert tracked is not None
    assert tracked.stage in (Stage.REQUESTED, Stage.SEARCHING, Stage.DOWNLOADING)
