"""Races a reviewer found: two requests for the same thing at once send it once."""

from __future__ import annotations

import asyncio
from collections import Counter

from homeassistant.core import HomeAssistant

from simulator import Simulator

from .conftest import setup_stack
from .test_requesting import _albums, lidarr_artist, request, stored
from .test_upgrades import _search_upgrades
from .tracking import requests_of, tsim

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
