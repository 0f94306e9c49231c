"""Assist intent handlers answer from the simulated stack's live data in spoken English."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState, ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import intent
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stepheybot_music.const import CONF_PUSH, DOMAIN
from custom_components.stepheybot_music.facts import join_words, plural
from custom_components.stepheybot_music.tracking.models import (
    FailureReason,
    Route,
    Stage,
    TrackedRequest,
)
from simulator import Fault, Simulator
from simulator.generate import Scale

from .conftest import setup_stack, simulator_specs, stack_entry, subentry, subentry_id
from .helpers import poll, text
from .voice import answer, ask, intents_ready, latest_album, new_artist

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
        (1, "Your library has one artist, one album and one song."),
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


async def test_library_counts_are_never_stale(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    """Navidrome refusing its login and the Music Brain down: no count, never an old one."""
    entry = await setup_stack(hass, sim, ["navidrome", "music_brain"])
    brain = entry.runtime_data.backends[subentry_id("music_brain")]
    assert brain.library.data is not None  # polled once at start-up, no entity shows it
    await sim.set_fault("navidrome", Fault.AUTH_REVOKED)
    await sim.set_fault("music_brain", Fault.DOWN)
    await poll(hass, frozen, 11 * 60)
    await poll(hass, frozen, 11 * 60)
    response = await answer(hass, LIBRARY, what="albums")
    assert response.response_type is intent.IntentResponseType.ERROR
    assert response.speech["plain"]["speech"] == (
        "StepheyBot Music Brain is not answering and Navidrome refuses its credentials "
        "(reauthenticate it), so I can't count your library right now."
    )
    # the Music Brain's library, which no entity listens to with a Navidrome, kept polling
    assert not brain.library.last_update_success


async def test_a_coordinator_that_stopped_polling_is_stale(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    """Data older than two polls is not told, even when its last poll succeeded."""
    entry = await setup_stack(hass, sim, ["music_brain"])
    library = entry.runtime_data.backends[subentry_id("music_brain")].library
    await library.async_shutdown()  # stops its polling, keeps its data and success
    frozen.tick(library.max_age + timedelta(seconds=1))
    assert library.last_update_success
    assert library.data is not None
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
    await setup_stack(hass, sim, ["navidrome", "lidarr"])
    await sim.set_fault("navidrome", Fault.DOWN)
    await poll(hass, frozen, 11 * 60)
    artists = len(sim.world.lidarr_artists())
    assert await ask(hass, LIBRARY, what="artists") == f"Your library has {artists} artists."
    await sim.set_fault("lidarr", Fault.DOWN)
    await poll(hass, frozen, 11 * 60)
    assert await ask(hass, LIBRARY) == (
        "Lidarr and Navidrome are not answering, so I can't count your library right now."
    )


# --------------------------------------------------------------------------- VPN


async def test_vpn_up_down_and_unreachable(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    await setup_stack(hass, sim, ["gluetun"])
    assert await ask(hass, VPN, asked="up") == "Yes, the VPN is up, exiting in Netherlands."
    sim.world.set_vpn(up=False)
    await poll(hass, frozen, 20)
    assert await ask(hass, VPN, asked="up") == "No, the VPN is down: gluetun reports it stopped."
    await sim.set_fault("gluetun", Fault.DOWN)
    await poll(hass, frozen, 20)
    assert await ask(hass, VPN, asked="up") == (
        "I can't reach gluetun, so I don't know whether the VPN is up."
    )


async def test_two_vpns(hass: HomeAssistant, sim: Simulator) -> None:
    second = subentry(sim, "gluetun")
    second["subentry_id"] = "01SUBGLUETUNSECOND0000000A"
    second["title"] = "Backup VPN"
    second["unique_id"] = "gluetun_second"
    entry = stack_entry(sim, ["gluetun"])
    entry.add_to_hass(hass)
    hass.config_entries.async_add_subentry(entry, ConfigSubentry(**second))
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert await ask(hass, VPN) == (
        "The VPN gluetun is up, exiting in Netherlands. "
        "The VPN Backup VPN is up, exiting in Netherlands."
    )


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
        options={CONF_PUSH: False},
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
    assert await ask(hass, VPN, stack="home music", asked="up") == (
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


async def test_a_named_stack_that_is_not_running(hass: HomeAssistant, sim: Simulator) -> None:
    """Naming a stack that exists but is not loaded says so, not "I don't know it"."""
    await setup_stack(hass, sim, ["gluetun"])
    await sim.set_fault("navidrome", Fault.DOWN)
    studio = _second_stack(sim, "Studio", ["navidrome"])
    studio.add_to_hass(hass)
    await hass.config_entries.async_setup(studio.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert studio.state is ConfigEntryState.SETUP_RETRY

    assert await ask(hass, LIBRARY, stack="the studio stack") == (
        "The music stack Studio is not running: none of its backends answers. "
        "Check that they are up."
    )
    assert await ask(hass, VPN, asked="up") == "Yes, the VPN is up, exiting in Netherlands."


async def test_no_stack(hass: HomeAssistant) -> None:
    assert await ask(hass, VPN) == "No music stack is set up. Add StepheyBot Music first."
    assert await ask(hass, VPN, stack="studio") == (
        "No music stack is set up. Add StepheyBot Music first."
    )


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


# --------------------------------------------------------------------------- requests

LATEST = "StepheyBotMusicDownloadLatestAlbum"
ALBUM = "StepheyBotMusicDownloadAlbum"
RECENT = "StepheyBotMusicRecentRequests"


def requests_of(hass: HomeAssistant) -> list[TrackedRequest]:
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    return entry.runtime_data.requests.store.all()


async def test_download_the_latest_album(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr", "qbittorrent"])
    artist = new_artist(sim)
    album = latest_album(sim.world, artist)
    assert await ask(hass, LATEST, artist=artist.name.upper()) == (
        f"OK, I asked Lidarr for {album.title} by {artist.name}, the latest album."
    )
    (request,) = requests_of(hass)
    assert (request.artist, request.album, request.source) == (artist.name, album.title, "voice")
    assert sim.world.artists[artist.mbid].in_lidarr
    said = await ask(hass, LATEST, artist=artist.name)
    (request,) = requests_of(hass)
    assert request.stage is Stage.DOWNLOADING
    assert said == (
        f"{album.title} by {artist.name} is already on its way: "
        f"downloading, {round((request.progress or 0) * 100)} percent."
    )


async def test_download_an_album(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr", "qbittorrent"])
    artist = new_artist(sim)
    album = sim.world.albums[artist.album_ids[0]]
    assert await ask(hass, ALBUM, artist=artist.name, album=album.title.lower()) == (
        f"OK, I asked Lidarr for {album.title} by {artist.name}."
    )


async def test_download_an_album_already_in_the_library(
    hass: HomeAssistant, sim: Simulator
) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    world = sim.world
    album = next(a for a in world.albums.values() if a.has_files and a.track_count)
    artist = world.artists[album.artist_mbid]
    assert await ask(hass, ALBUM, artist=artist.name, album=album.title) == (
        f"{album.title} by {artist.name} is already in your library."
    )
    assert requests_of(hass) == []


async def test_download_the_latest_album_already_in_the_library(
    hass: HomeAssistant, sim: Simulator
) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    world = sim.world
    artist = next(
        a for a in world.lidarr_artists() if a.album_ids and latest_album(world, a).has_files
    )
    assert await ask(hass, LATEST, artist=artist.name, stack="Home music") == (
        f"The latest album by {artist.name} is already in your library."
    )
    assert requests_of(hass) == []


async def test_download_refusals_are_spoken(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    response = await answer(hass, LATEST, artist="Nobody At All Zzz")
    assert response.response_type is intent.IntentResponseType.ERROR
    assert response.speech["plain"]["speech"] == text(
        "exceptions", "artist_not_found", "message", artist="Nobody At All Zzz"
    )
    await sim.set_fault("lidarr", Fault.DOWN)
    said = await ask(hass, LATEST, artist=new_artist(sim).name)
    assert said == "Lidarr is unreachable; check that it runs."
    assert requests_of(hass) == []


async def test_download_without_a_backend_that_downloads(
    hass: HomeAssistant, sim: Simulator
) -> None:
    await setup_stack(hass, sim, ["navidrome"])
    assert await ask(hass, LATEST, artist="Anyone") == text(
        "exceptions", "no_request_backend", "message", stack="Home music"
    )


async def test_download_on_a_named_stack(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    artist = new_artist(sim)
    album = latest_album(sim.world, artist)
    said = await ask(hass, LATEST, artist=f"{artist.name} on the Home Music stack")
    assert said == f"OK, I asked Lidarr for {album.title} by {artist.name}, the latest album."
    said = await ask(hass, ALBUM, artist=artist.name, album="Whatever in the garage stack")
    assert said == "I don't know a music stack called garage. Say Home music."


def _request(n: int, stage: Stage, **fields: Any) -> TrackedRequest:
    return TrackedRequest(
        request_id=f"r{n}",
        route=Route.LIDARR,
        backend_id="lidarr",
        artist=f"Artist {n}",
        album=f"Album {n}",
        stage=stage,
        created_at=datetime(2026, 11, 24, 11, n, tzinfo=UTC),
        **fields,
    )


async def test_recent_requests(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_stack(hass, sim, ["lidarr"])
    assert await ask(hass, RECENT) == "You haven't requested any music yet."
    store = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.requests.store
    store.put(_request(1, Stage.IN_LIBRARY))
    assert await ask(hass, RECENT) == "Your last request: Album 1 by Artist 1, in your library."
    store.put(_request(2, Stage.FAILED, failure=FailureReason.NOTHING_FOUND))
    store.put(_request(3, Stage.DOWNLOADING, progress=0.456))
    assert await ask(hass, RECENT) == (
        "Your last three requests: Album 3 by Artist 3, downloading, 46 percent; "
        "Album 2 by Artist 2, failed, nothing found; and Album 1 by Artist 1, in your library."
    )
    for n in range(4, 9):
        store.put(_request(n, Stage.SEARCHING))
    said = await ask(hass, RECENT)
    assert said.startswith("Your last five requests: Album 8 by Artist 8, searching; ")
    assert said.endswith("and Album 4 by Artist 4, searching.")


async def test_what_is_downloading_with_requests(hass: HomeAssistant, sim: Simulator) -> None:
    for torrent in sim.world.torrents.values():
        torrent.category = "linux-isos"
    await setup_stack(hass, sim, ["qbittorrent"])
    store = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.requests.store
    store.put(_request(1, Stage.SEARCHING))
    assert await ask(hass, DOWNLOADING) == (
        "One request is on its way: Album 1 by Artist 1, searching."
    )
    for n in range(2, 6):
        store.put(_request(n, Stage.DOWNLOADING, progress=n / 10))
    store.put(_request(6, Stage.IN_LIBRARY))
    assert await ask(hass, DOWNLOADING) == (
        "Five requests are on their way: Album 5 by Artist 5, downloading, 50 percent; "
        "Album 4 by Artist 4, downloading, 40 percent; "
        "Album 3 by Artist 3, downloading, 30 percent; and two others."
    )
