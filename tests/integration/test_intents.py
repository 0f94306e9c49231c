"""Assist intent handlers answer from the simulated stack's live data in spoken English."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import intent
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stepheybot_music.const import DOMAIN
from custom_components.stepheybot_music.facts import join_words, plural
from simulator import Fault, Simulator
from simulator.generate import Scale

from .conftest import setup_stack, simulator_specs, subentry
from .helpers import poll
from .voice import answer, ask, intents_ready

pytestmark = pytest.mark.usefixtures("intents_ready")

LIBRARY = "StepheyBotMusicLibraryCount"
VPN = "StepheyBotMusicVpnStatus"
DOWNLOADING = "StepheyBotMusicWhatIsDownloading"

__all__ = ["intents_ready"]


# --------------------------------------------------------------------------- library


@pytest.mark.parametrize(
    ("what", "expected"),
    [
        ("artists", lambda w: f"Your library has {w.nav_artists} artists."),
        ("albums", lambda w: f"Your library has {w.nav_albums} albums."),
        ("songs", lambda w: f"Your library has {w.nav_songs} songs."),
        (
            None,
            lambda w: (
                f"Your library has {w.nav_artists} artists, {w.nav_albums} albums "
                f"and {w.nav_songs} songs."
            ),
        ),
    ],
)
async def test_library_counts_from_navidrome(
    hass: HomeAssistant, sim: Simulator, what: str | None, expected: Any
) -> None:
    await setup_stack(hass, sim, ["navidrome", "lidarr", "music_brain"])
    assert sim.world.nav_albums > 1
    slots = {"what": what} if what else {}
    assert await ask(hass, LIBRARY, **slots) == expected(sim.world)


@pytest.fixture
async def tiny_sim(
    frozen: FrozenDateTimeFactory, request: pytest.FixtureRequest
) -> AsyncIterator[Simulator]:
    """A simulated stack whose library holds ``request.param`` artists, albums and tracks."""
    size: int = request.param
    scale = Scale(
        artists=size,
        albums=size,
        tracks=size,
        catalog_artists=2,
        missing_ratio=0,
        upcoming_albums=0,
    )
    async with Simulator(
        seed=7, scale=scale, specs=simulator_specs(), speed=0, tick_interval=3600
    ) as running:
        yield running


@pytest.mark.parametrize(
    ("tiny_sim", "expected"),
    [
        (0, "Your library has no artists, no albums and no songs."),
        (1, "Your library has 1 artist, 1 album and 1 song."),
    ],
    indirect=["tiny_sim"],
)
async def test_library_counts_zero_and_one(
    hass: HomeAssistant, tiny_sim: Simulator, expected: str
) -> None:
    await setup_stack(hass, tiny_sim, ["navidrome"])
    assert await ask(hass, LIBRARY) == expected


async def test_library_counts_fall_back_to_lidarr(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    artists = len(sim.world.lidarr_artists())
    answer_text = await ask(hass, LIBRARY, what="artists")
    assert answer_text == f"Your library has {artists} artists."


async def test_library_counts_from_the_music_brain(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    await setup_stack(hass, sim, ["music_brain"])
    assert await ask(hass, LIBRARY, what="albums") == (
        f"Your library has {sim.world.nav_albums} albums."
    )
    # the Music Brain counts through Navidrome: with Navidrome down it has no real numbers
    await sim.set_fault("navidrome", Fault.DOWN)
    await poll(hass, frozen, 11 * 60)
    response = await answer(hass, LIBRARY)
    assert response.response_type is intent.IntentResponseType.ERROR
    assert response.speech["plain"]["speech"] == (
        "StepheyBot Music Brain cannot reach Navidrome, so I can't count your library right now."
    )
    await sim.set_fault("music_brain", Fault.DOWN)
    await poll(hass, frozen, 11 * 60)
    assert await ask(hass, LIBRARY) == (
        "StepheyBot Music Brain is not answering, so I can't count your library right now."
    )


async def test_library_without_a_library_backend(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["qbittorrent"])
    response = await answer(hass, LIBRARY)
    assert response.response_type is intent.IntentResponseType.ERROR
    assert response.speech["plain"]["speech"] == (
        "Home music has no library to count: add Navidrome, the Music Brain or Lidarr."
    )


async def test_library_backend_down(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    await setup_stack(hass, sim, ["navidrome"])
    await sim.set_fault("navidrome", Fault.DOWN)
    await poll(hass, frozen, 11 * 60)
    assert await ask(hass, LIBRARY) == (
        "Navidrome is not answering, so I can't count your library right now."
    )


# --------------------------------------------------------------------------- VPN


async def test_vpn_up_down_and_unreachable(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    await setup_stack(hass, sim, ["gluetun"])
    assert await ask(hass, VPN) == "Yes, the VPN is up, exiting in Netherlands."
    sim.world.set_vpn(up=False)
    await poll(hass, frozen, 20)
    assert await ask(hass, VPN) == "No, the VPN is down: gluetun reports it stopped."
    await sim.set_fault("gluetun", Fault.DOWN)
    await poll(hass, frozen, 20)
    assert await ask(hass, VPN) == "I can't reach gluetun, so I don't know whether the VPN is up."


async def test_vpn_not_configured(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["navidrome"])
    response = await answer(hass, VPN)
    assert response.response_type is intent.IntentResponseType.ERROR
    assert response.speech["plain"]["speech"] == (
        "Home music has no VPN configured: add gluetun to watch it."
    )


# --------------------------------------------------------------------------- downloading


def _music_downloading(sim: Simulator) -> int:
    world = sim.world
    return sum(
        1
        for t in world.torrents.values()
        if t.category == world.music_category
        and t.progress < 1
        and not t.status.startswith("stopped")
        and t.status != "error"
    )


async def test_what_is_downloading(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["qbittorrent", "lidarr"])
    active = _music_downloading(sim)
    assert active > 1
    queue = len(sim.world.lidarr_queue())
    assert await ask(hass, DOWNLOADING) == (
        f"qBittorrent has {plural(active, 'music download')} running. "
        f"Lidarr has {plural(queue, 'album')} in its queue."
    )


async def test_nothing_downloading_and_a_client_down(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    for torrent in sim.world.torrents.values():
        torrent.category = "linux-isos"
    await setup_stack(hass, sim, ["transmission", "qbittorrent"])
    assert await ask(hass, DOWNLOADING) == "Nothing is downloading right now."
    await sim.set_fault("transmission", Fault.DOWN)
    await poll(hass, frozen, 20)
    assert await ask(hass, DOWNLOADING) == (
        "Nothing is downloading right now. Transmission is not answering."
    )


async def test_downloading_without_clients(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["navidrome"])
    response = await answer(hass, DOWNLOADING)
    assert response.response_type is intent.IntentResponseType.ERROR
    assert response.speech["plain"]["speech"] == (
        "Home music has no download client or Lidarr to ask: add one first."
    )


# --------------------------------------------------------------------------- stacks


def _second_stack(sim: Simulator, title: str, names: list[str]) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=title,
        entry_id=f"01{title.upper().replace(' ', ''):0<24}"[:26],
        unique_id=title.casefold(),
        data={},
        subentries_data=[subentry(sim, name) for name in names],
    )


async def test_several_stacks(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["gluetun"])
    studio = _second_stack(sim, "Studio", ["navidrome"])
    studio.add_to_hass(hass)
    await hass.config_entries.async_setup(studio.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    response = await answer(hass, VPN)
    assert response.response_type is intent.IntentResponseType.ERROR
    assert response.speech["plain"]["speech"] == (
        "You have 2 music stacks: Home music or Studio. "
        "Say which one, for example: on the Home music stack."
    )
    assert await ask(hass, VPN, stack="home music") == (
        "Yes, the VPN is up, exiting in Netherlands."
    )
    assert await ask(hass, VPN, stack="the Studio stack") == (
        "Studio has no VPN configured: add gluetun to watch it."
    )
    assert await ask(hass, LIBRARY, stack="studio", what="albums") == (
        f"Your library has {sim.world.nav_albums} albums."
    )
    assert await ask(hass, VPN, stack="garage") == (
        "I don't know a music stack called garage. Say Home music or Studio."
    )


async def test_no_stack(hass: HomeAssistant) -> None:
    assert await ask(hass, VPN) == "No music stack is set up. Add StepheyBot Music first."


async def test_stack_not_running(hass: HomeAssistant, sim: Simulator) -> None:
    await sim.set_fault("gluetun", Fault.DOWN)
    entry = await setup_stack(hass, sim, ["gluetun"])
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert await ask(hass, VPN) == (
        "The music stack Home music is not running: none of its backends answers. "
        "Check that they are up."
    )


def test_words() -> None:
    assert join_words([]) == ""
    assert join_words(["a"]) == "a"
    assert join_words(["a", "b", "c"], "or") == "a, b or c"
