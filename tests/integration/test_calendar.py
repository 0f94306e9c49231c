"""The release calendar against the simulated Lidarr: window queries, state, a release day."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.calendar import DOMAIN as CALENDAR_DOMAIN
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from stepheybot_music_clients.lidarr import Album as LidarrAlbum
from stepheybot_music_clients.lidarr import LidarrClient

from custom_components.stepheybot_music.const import (
    CONF_CALENDAR_DAYS_AHEAD,
    CONF_CALENDAR_DAYS_BACK,
    DEFAULT_CALENDAR_DAYS_AHEAD,
    DEFAULT_CALENDAR_DAYS_BACK,
)
from custom_components.stepheybot_music.coordinators.lidarr import LidarrRuntime
from custom_components.stepheybot_music.coordinators.lidarr_calendar import Release, release_of
from simulator import Fault, Simulator
from simulator.generate import Scale
from simulator.model import Album

from .conftest import setup_stack, simulator_specs, subentry_id
from .helpers import poll, text

CALENDAR = "calendar.lidarr_releases"
CALENDAR_PATH = "/api/v1/calendar"
DASH = " \u2013 "


def _runtime(entry: Any) -> LidarrRuntime:
    runtime = entry.runtime_data.backends[subentry_id("lidarr")]
    assert isinstance(runtime, LidarrRuntime)
    return runtime


def _releases(sim: Simulator, first: date, last: date) -> list[Album]:
    """The world's monitored Lidarr albums dated ``first`` to ``last``, in calendar order."""
    world = sim.world
    albums = [
        a
        for a in world.lidarr_albums()
        if a.monitored and world.artist_of(a).monitored and first <= a.release_date <= last
    ]
    return sorted(
        albums,
        key=lambda a: (a.release_date, world.artist_of(a).name.casefold(), a.title.casefold()),
    )


def _summary(sim: Simulator, album: Album) -> str:
    return f"{sim.world.artist_of(album).name}{DASH}{album.title}"


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, dt_util.get_default_time_zone())


async def _get_events(hass: HomeAssistant, start: datetime, end: datetime) -> list[dict[str, Any]]:
    response = await hass.services.async_call(
        CALENDAR_DOMAIN,
        "get_events",
        {"entity_id": CALENDAR, "start_date_time": start, "end_date_time": end},
        blocking=True,
        return_response=True,
    )
    events = response[CALENDAR]["events"]  # type: ignore[index]
    assert isinstance(events, list)
    return events


async def test_state_is_the_next_release_of_the_polled_window(
    hass: HomeAssistant, sim: Simulator
) -> None:
    entry = await setup_stack(hass, sim, ["lidarr"])
    today = dt_util.now().date()
    coordinator = _runtime(entry).calendar
    assert coordinator.window() == (
        today - timedelta(days=DEFAULT_CALENDAR_DAYS_BACK),
        today + timedelta(days=DEFAULT_CALENDAR_DAYS_AHEAD),
    )
    expected = _releases(sim, *coordinator.window())
    assert len(expected) == 4, "the default world has four upcoming releases"
    assert [r.album_id for r in coordinator.data] == [a.id for a in expected]

    state = hass.states.get(CALENDAR)
    assert state is not None
    nxt = expected[0]
    assert nxt.release_date > today
    assert state.state == STATE_OFF
    assert state.attributes["message"] == _summary(sim, nxt)
    assert state.attributes["all_day"] is True
    assert state.attributes["start_time"] == f"{nxt.release_date} 00:00:00"
    assert state.attributes["end_time"] == f"{nxt.release_date + timedelta(days=1)} 00:00:00"
    assert state.attributes["description"] == f"{nxt.album_type}. Not in the library yet."


async def test_get_events_asks_lidarr_for_exactly_the_window(
    hass: HomeAssistant, sim: Simulator
) -> None:
    entry = await setup_stack(hass, sim, ["lidarr"])
    client = _runtime(entry).calendar.client
    assert isinstance(client, LidarrClient)
    today = dt_util.now().date()
    upcoming = _releases(sim, today, today + timedelta(days=30))
    second = upcoming[1].release_date

    # one local day: exactly the releases of that day, in one request
    client.stats.reset()
    events = await _get_events(
        hass, _local_midnight(second), _local_midnight(second + timedelta(days=1))
    )
    assert client.stats.by_path.get(CALENDAR_PATH) == 1
    assert [e["summary"] for e in events] == [
        _summary(sim, a) for a in upcoming if a.release_date == second
    ]
    assert events[0]["start"] == second.isoformat()
    assert events[0]["end"] == (second + timedelta(days=1)).isoformat()

    # a window of hours that ends at the day's start does not include that day
    events = await _get_events(
        hass, _local_midnight(second) - timedelta(hours=5), _local_midnight(second)
    )
    assert events == []

    # and the whole month, far beyond the polled window's state
    events = await _get_events(
        hass, _local_midnight(today), _local_midnight(today + timedelta(days=31))
    )
    assert [e["summary"] for e in events] == [_summary(sim, a) for a in upcoming]
    assert client.stats.by_path.get(CALENDAR_PATH) == 3


async def test_get_events_while_lidarr_is_down_says_so(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    await sim.set_fault("lidarr", Fault.DOWN)
    now = dt_util.now()
    with pytest.raises(HomeAssistantError) as raised:
        await _get_events(hass, now, now + timedelta(days=3))
    error = raised.value.__cause__
    assert error is not None
    # the same text as Lidarr's coordinators and actions show for this error
    assert str(raised.value) == text(
        "exceptions", "cannot_connect", "message", backend="Lidarr", error=error.message
    )
    assert str(raised.value).startswith("Lidarr is unreachable. Cannot connect to Lidarr at ")


async def test_a_release_day_passes_and_the_event_starts(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    """Home Assistant's time and the simulated clock move together over the release day."""
    entry = await setup_stack(hass, sim, ["lidarr"])
    world = sim.world
    today = dt_util.now().date()
    album = _releases(sim, today, today + timedelta(days=30))[0]
    release_day = album.release_date
    assert album not in world.missing_albums(), "not released yet, so not missing"
    assert world.search_album(album.id) is None, "nothing to find before the release day"

    started: list[ServiceCall] = []

    @callback
    def _record(call: ServiceCall) -> None:
        started.append(call)

    hass.services.async_register("test", "release_started", _record)
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "trigger": {"platform": "calendar", "event": "start", "entity_id": CALENDAR},
                "action": {
                    "service": "test.release_started",
                    "data": {"summary": "{{ trigger.calendar_event.summary }}"},
                },
            }
        },
    )
    await hass.async_block_till_done()

    async def move_to(moment: datetime) -> None:
        seconds = (moment - dt_util.now()).total_seconds()
        assert seconds > 0
        await sim.advance(seconds, step=3600)
        frozen.move_to(moment)
        async_fire_time_changed(hass, moment)
        await hass.async_block_till_done(wait_background_tasks=True)

    midnight = _local_midnight(release_day)
    await move_to(midnight - timedelta(minutes=10))
    assert hass.states.get(CALENDAR).state == STATE_OFF
    assert started == []

    await move_to(midnight + timedelta(seconds=5))
    assert [call.data["summary"] for call in started] == [_summary(sim, album)]
    state = hass.states.get(CALENDAR)
    assert state.state == STATE_ON
    assert state.attributes["message"] == _summary(sim, album)

    # in the simulated world, the release day has come in UTC too: the album is out
    utc_midnight = datetime.combine(release_day, time.min, UTC)
    if world.clock.now() < utc_midnight:
        await move_to(utc_midnight + timedelta(seconds=5))
    assert album in world.missing_albums()
    torrent = world.search_album(album.id)
    assert torrent is not None, "released, it can be searched and grabbed"

    # downloaded and imported: the calendar says it is in the library
    await sim.advance(4 * 3600, step=30)
    assert album.has_files
    await _runtime(entry).calendar.async_refresh()
    await hass.async_block_till_done()
    state = hass.states.get(CALENDAR)
    assert state.attributes["description"] == (
        f"{album.album_type}. In the library ({album.track_count} tracks)."
    )
    await hass.services.async_call("automation", "turn_off", {"entity_id": "all"}, blocking=True)


async def test_no_release_in_the_window(hass: HomeAssistant, sim: Simulator) -> None:
    entry = await setup_stack(
        hass, sim, ["lidarr"], options={CONF_CALENDAR_DAYS_BACK: 0, CONF_CALENDAR_DAYS_AHEAD: 0}
    )
    assert _runtime(entry).calendar.data == ()
    state = hass.states.get(CALENDAR)
    assert state.state == STATE_OFF
    assert "message" not in state.attributes


async def test_calendar_is_unavailable_while_lidarr_is_down(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, sim, ["lidarr"])
    await sim.set_fault("lidarr", Fault.DOWN)
    await poll(hass, frozen, entry.runtime_data.settings.slow_interval.total_seconds())
    assert hass.states.get(CALENDAR).state == STATE_UNAVAILABLE
    await sim.clear_fault("lidarr")
    await poll(hass, frozen, entry.runtime_data.settings.slow_interval.total_seconds())
    assert hass.states.get(CALENDAR).state == STATE_OFF


async def test_options_set_the_window(hass: HomeAssistant, sim: Simulator) -> None:
    entry = await setup_stack(hass, sim, ["lidarr"])
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    schema = result["data_schema"]({})
    assert schema[CONF_CALENDAR_DAYS_BACK] == DEFAULT_CALENDAR_DAYS_BACK
    assert schema[CONF_CALENDAR_DAYS_AHEAD] == DEFAULT_CALENDAR_DAYS_AHEAD

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_CALENDAR_DAYS_BACK: 2, CONF_CALENDAR_DAYS_AHEAD: 5}
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    settings = entry.runtime_data.settings
    assert (settings.calendar_days_back, settings.calendar_days_ahead) == (2, 5)
    coordinator = _runtime(entry).calendar
    today = dt_util.now().date()
    assert coordinator.window() == (today - timedelta(days=2), today + timedelta(days=5))
    expected = _releases(sim, *coordinator.window())
    assert [r.album_id for r in coordinator.data] == [a.id for a in expected]
    assert len(expected) == 2, "releases in 1 and 4 days; the one in 7 days is outside"

    # the form shows the saved values next time
    result = await hass.config_entries.options.async_init(entry.entry_id)
    schema = result["data_schema"]({})
    assert (schema[CONF_CALENDAR_DAYS_BACK], schema[CONF_CALENDAR_DAYS_AHEAD]) == (2, 5)


async def test_options_refuse_a_window_out_of_range(hass: HomeAssistant, sim: Simulator) -> None:
    entry = await setup_stack(hass, sim, ["lidarr"])
    result = await hass.config_entries.options.async_init(entry.entry_id)
    with pytest.raises(InvalidData, match=CONF_CALENDAR_DAYS_AHEAD):
        await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_CALENDAR_DAYS_AHEAD: 1000}
        )


async def test_a_past_release_gives_way_to_the_next(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = await setup_stack(hass, sim, ["lidarr"])
    today = dt_util.now().date()
    first, second = _releases(sim, today, today + timedelta(days=30))[:2]
    days = (second.release_date - today).days
    await sim.advance(days * 86400, step=3600)
    frozen.tick(timedelta(days=days))
    coordinator = _runtime(entry).calendar
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert coordinator.data[0].album_id == first.id, "still in the window's past days"
    state = hass.states.get(CALENDAR)
    assert state.attributes["message"] == _summary(sim, second)


def test_a_calendar_album_without_a_release_date_is_no_release() -> None:
    album = LidarrAlbum(
        id=1,
        title="B",
        artist_id=1,
        foreign_album_id="rg",
        monitored=True,
        album_type="EP",
        release_date=None,
        genres=(),
        duration=None,
        track_count=None,
        track_file_count=None,
        size_on_disk=None,
        percent_of_tracks=None,
        last_search_time=None,
        artist_name="A",
        artist_foreign_id=None,
    )
    assert release_of(album) is None
    assert release_of(replace(album, release_date=datetime(2026, 3, 1, tzinfo=UTC))) == Release(
        album_id=1,
        foreign_album_id="rg",
        artist="A",
        title="B",
        album_type="EP",
        day=date(2026, 3, 1),
        track_count=None,
        track_file_count=None,
    )
    nameless = release_of(
        replace(album, artist_name=None, release_date=datetime(2026, 3, 1, 23, tzinfo=UTC))
    )
    assert nameless is not None
    assert nameless.artist == "Unknown artist"
    assert nameless.day == date(2026, 3, 1)


def test_release_descriptions() -> None:
    def release(files: int | None, tracks: int | None, kind: str | None = "EP") -> Release:
        return Release(
            album_id=1,
            foreign_album_id="rg",
            artist="A",
            title="B",
            album_type=kind,
            day=date(2026, 1, 1),
            track_count=tracks,
            track_file_count=files,
        )

    assert release(10, 10).description == "EP. In the library (10 tracks)."
    assert release(3, 10).description == "EP. Partly in the library (3 of 10 tracks)."
    assert release(0, 10, None).description == "Album. Not in the library yet."
    assert release(None, None).description == "EP. Not in the library yet."
    assert release(0, 0).in_library is False
    assert release(10, 10).summary == f"A{DASH}B"


SCALES = {
    "small": Scale(),
    "large": Scale(artists=600, albums=2_400, tracks=12_000, catalog_artists=40),
}
CALENDAR_BYTES = 4 * 4_000
"""Generous bound of one calendar poll's body (four releases with their artists)."""
STATUS_BYTES = 8_000
"""Generous bound of one status poll's body (status, health, root folders, two counts)."""


@pytest.mark.parametrize("size", SCALES)
async def test_polls_cost_the_same_at_any_library_size(
    hass: HomeAssistant, frozen: FrozenDateTimeFactory, size: str
) -> None:
    async with Simulator(
        seed=7, scale=SCALES[size], specs=simulator_specs(["lidarr"]), speed=0, tick_interval=3600
    ) as sim:
        entry = await setup_stack(hass, sim, ["lidarr"])
        runtime = _runtime(entry)
        client = runtime.calendar.client
        assert isinstance(client, LidarrClient)
        assert len(runtime.calendar.data) == 4

        for coordinator, requests, bound in (
            (runtime.calendar, {CALENDAR_PATH: 1}, CALENDAR_BYTES),
            (
                runtime.status,
                {
                    "/api/v1/system/status": 1,
                    "/api/v1/health": 1,
                    "/api/v1/rootfolder": 1,
                    "/api/v1/wanted/missing": 1,
                    "/api/v1/wanted/cutoff": 1,
                },
                STATUS_BYTES,
            ),
        ):
            for _ in range(2):
                client.stats.reset()
                await coordinator.async_refresh()
                assert coordinator.last_update_success
                assert dict(client.stats.by_path) == requests
                assert client.stats.body_bytes < bound

        assert hass.states.get("sensor.lidarr_albums_below_cutoff").state == str(
            len([a for a in sim.world.cutoff_unmet_albums() if a.monitored])
        )
        if size == "large":
            client.stats.reset()
            await client.library_stats()
            assert client.stats.body_bytes > 20 * CALENDAR_BYTES, "what the window saves"
