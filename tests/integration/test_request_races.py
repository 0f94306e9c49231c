"""What a review of requests and tracking found: races, and requests that could never finish."""

from __future__ import annotations

import asyncio
from collections import Counter

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant

from simulator import Simulator

from .conftest import setup_stack
from .test_requesting import _albums, catalog_artist, lidarr_artist, request, stored
from .test_upgrades import _search_upgrades
from .tracking import requests_of, stage_of, step, tsim

__all__ = ["tsim"]


async def test_two_requests_for_one_album_at_once(hass: HomeAssistant, sim: Simulator) -> None:
    """Both pass the duplicate check before either is stored unless they wait for each other."""
    await setup_stack(hass, sim, ["lidarr"])
    artist = lidarr_artist(sim, complete=True)
    album = _albums(sim, artist)[0]
    album.track_files, album.monitored = 0, False
    commands = len(sim.world.commands)

    answers = await asyncio.gather(
        request(hass, artist=artist.name, album=album.title),
        request(hass, artist=artist.name.lower(), album=album.title),
    )

    assert Counter(a["status"] for a in answers) == {"requested": 1, "already_requested": 1}
    assert answers[0]["request"]["request_id"] == answers[1]["request"]["request_id"]
    assert len(stored(hass)) == 1
    assert len(sim.world.commands) == commands + 1, "one search, not two"


async def test_two_upgrade_searches_at_once(hass: HomeAssistant, tsim: Simulator) -> None:
    """One upgrade request per Lidarr, even when the button and the action race."""
    entry = await setup_stack(hass, tsim, ["lidarr", "qbittorrent"])
    commands = len(tsim.world.commands)

    answers = await asyncio.gather(
        _search_upgrades(hass, entry.entry_id), _search_upgrades(hass, entry.entry_id)
    )

    statuses = Counter(a["results"][0]["status"] for a in answers)
    assert statuses == {"requested": 1, "already_requested": 1}
    assert len(requests_of(entry).store.all()) == 1
    assert len(tsim.world.commands) == commands + 1, "one cutoff-unmet search, not two"


async def test_music_brain_request_by_name_reaches_the_library(
    hass: HomeAssistant, tsim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    """The Music Brain gives no request id for a name (its Lidarr downloads): Navidrome tells."""
    entry = await setup_stack(hass, tsim, ["music_brain", "navidrome"])
    artist = catalog_artist(tsim, index=9)
    album = _albums(tsim, artist)[0]
    answer = await request(hass, artist=artist.name, album=album.title)
    request_id = answer["request"]["request_id"]
    assert answer["request"]["brain_request_id"] is None

    await step(hass, tsim, frozen, 60)
    assert stage_of(entry, request_id) == "requested"  # not in Navidrome yet

    # the Music Brain's Lidarr imported the album and Navidrome scanned it
    album.track_files = album.track_count
    tsim.world.start_scan()
    await step(hass, tsim, frozen, tsim.world.scan_duration + 1)
    assert album.in_navidrome
    assert stage_of(entry, request_id) == "in_library"
