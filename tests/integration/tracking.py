"""Helpers of the request tracking tests: a simulator whose Lidarr searches take a while,
requests made by driving the simulated backends with the clients, and moving both clocks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from itertools import count
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from stepheybot_music_clients.lidarr import LidarrClient, MonitorOption

from custom_components.stepheybot_music.coordinators.lidarr import LidarrRuntime
from custom_components.stepheybot_music.runtime import StepheyBotConfigEntry
from custom_components.stepheybot_music.tracking.coordinator import RequestCoordinator
from custom_components.stepheybot_music.tracking.models import Route, TrackedRequest
from simulator import Simulator
from simulator.model import Album, Artist
from simulator.world import World

from .conftest import simulator_specs, subentry_id
from .helpers import poll

SEARCH_SECONDS = 30.0
"""How long a Lidarr search command runs in the tracking simulator."""
FAST = 15
"""The stack's fast poll interval (seconds, the default)."""

_ids = count(1)


@pytest.fixture
async def tsim(frozen: FrozenDateTimeFactory) -> AsyncIterator[Simulator]:
    """The simulated stack, with Lidarr searches running ``SEARCH_SECONDS``."""
    async with Simulator(
        seed=7,
        specs=simulator_specs(),
        speed=0,
        tick_interval=3600,
        command_duration=SEARCH_SECONDS,
    ) as running:
        yield running


def requests_of(entry: StepheyBotConfigEntry) -> RequestCoordinator:
    """The stack's request coordinator."""
    return entry.runtime_data.requests


def lidarr_client(entry: StepheyBotConfigEntry) -> LidarrClient:
    """The client the stack polls the simulated Lidarr with."""
    backend = entry.runtime_data.backends[subentry_id("lidarr")]
    assert isinstance(backend, LidarrRuntime)
    return backend.queue.client


def catalog_album(world: World, *, grabbable: bool = True) -> tuple[Artist, Album]:
    """An album of an artist Lidarr does not have yet, a search can (or cannot) grab."""
    working = {i.id for i in world.indexers if i.enabled and not i.failing}
    for artist in world.artists.values():
        if artist.in_lidarr:
            continue
        for album_id in artist.album_ids:
            album = world.albums[album_id]
            releases = world.releases_for(album)
            viable = any(r.indexer_id in working and r.seeders > 0 for r in releases)
            if viable is grabbable:
                return artist, album
    raise AssertionError("the seeded world has no such catalog album")


def new_id() -> str:
    """A fresh request id."""
    return f"01REQUEST{next(_ids):017d}"


async def request_album(
    entry: StepheyBotConfigEntry, artist: Artist, album: Album, **fields: Any
) -> TrackedRequest:
    """Add ``artist`` (nothing monitored) to Lidarr, search ``album``, track the request."""
    client = lidarr_client(entry)
    [found] = await client.lookup_artist(f"mbid:{artist.mbid}")
    added = await client.add_artist(
        found,
        quality_profile_id=1,
        metadata_profile_id=1,
        root_folder_path="/music",
        monitor=MonitorOption.NONE,
        search=False,
    )
    command = await client.add_album(album.id)
    assert command is not None
    request = TrackedRequest(
        request_id=new_id(),
        route=Route.LIDARR,
        backend_id=subentry_id("lidarr"),
        artist=artist.name,
        album=album.title,
        artist_mbid=artist.mbid,
        album_mbid=album.mbid,
        lidarr_artist_id=added.id,
        lidarr_album_ids=(album.id,),
        lidarr_command_id=command.id,
        **fields,
    )
    return await requests_of(entry).async_submit(request)


async def step(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory, seconds: float
) -> None:
    """Let ``seconds`` pass in the simulated stack and in Home Assistant, then poll twice
    (so the request coordinator sees the download clients' fresh data)."""
    await sim.advance(seconds, step=min(5.0, max(seconds, 0.001)))
    await poll(hass, frozen, FAST)
    await poll(hass, frozen, FAST)


def stage_of(entry: StepheyBotConfigEntry, request_id: str) -> str:
    """The stored stage of a request."""
    request = requests_of(entry).store.get(request_id)
    assert request is not None
    return request.stage.value
