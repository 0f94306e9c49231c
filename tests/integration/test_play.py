"""Play by name: from the library on the living-room speaker, or requested and played later.

Against the simulated stack (Navidrome, Lidarr, qBittorrent) with the demo's own speaker
(``demo/speaker``, a media player that resolves the media source id, signs the URL and
fetches it over real HTTP from Home Assistant's server, as a real player would).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import conversation, media_source, persistent_notification
from homeassistant.components.persistent_notification import (
    _async_get_or_create_notifications,
)
from homeassistant.core import Context, HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import intent, llm
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockModule,
    async_mock_service,
    mock_integration,
    mock_platform,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.stepheybot_music.const import DOMAIN
from custom_components.stepheybot_music.llm import API_ID
from custom_components.stepheybot_music.play_intents import INTENT_PLAY
from demo.speaker import media_player as speaker
from simulator import Simulator
from simulator.model import Album

from .conftest import ENTRY_ID, setup_stack
from .tracking import SEARCH_SECONDS, catalog_album, step, tsim
from .voice import answer

__all__ = ["tsim"]

BACKENDS = ("navidrome", "lidarr", "qbittorrent")
SPEAKER = "media_player.living_room_speaker"
KITCHEN = "media_player.kitchen_radio"
STUDY = "media_player.study_player"
SENTENCES = Path(__file__).parents[2] / "custom_sentences/en"
URLISH = re.compile(r"https?://|/api/|authSig|\.m3u")


@pytest.fixture
async def home(
    hass: HomeAssistant, tsim: Simulator, hass_client: ClientSessionGenerator
) -> MockConfigEntry:
    """The stack, media_source and two demo speakers (living room, kitchen).

    Home Assistant's URL is its test server, so the speakers fetch over HTTP.
    """
    assert await async_setup_component(hass, "media_source", {})
    mock_integration(hass, MockModule("demo_speaker", dependencies=["media_source"]))
    mock_platform(hass, "demo_speaker.media_player", speaker)
    assert await async_setup_component(
        hass,
        "media_player",
        {
            "media_player": [
                {"platform": "demo_speaker", "name": "Living room speaker", "area": "Living room"},
                {"platform": "demo_speaker", "name": "Kitchen radio", "area": "Kitchen"},
                {
                    "platform": "demo_speaker",
                    "name": "Study player",
                    "area": "Study",
                    "queue": True,
                },
            ]
        },
    )
    await hass.async_block_till_done()
    entry = await setup_stack(hass, tsim, BACKENDS)
    await setup_sentences(hass)
    await media_source.async_browse_media(hass, f"media-source://{DOMAIN}")  # views registered
    client = await hass_client()  # starts the server: no view can be added after this
    base = str(client.make_url("")).rstrip("/")
    await async_process_ha_core_config(hass, {"internal_url": base})
    return entry


def library_album(sim: Simulator) -> Album:
    """An album Navidrome has, with a title no other album shares."""
    world = sim.world
    titles = [a.title.casefold() for a in world.albums.values()]
    return next(a for a in world.navidrome_albums() if titles.count(a.title.casefold()) == 1)


def speaker_entity(hass: HomeAssistant, entity_id: str) -> speaker.DemoSpeaker:
    entity = hass.data["entity_components"]["media_player"].get_entity(entity_id)
    assert isinstance(entity, speaker.DemoSpeaker)
    return entity


async def setup_sentences(hass: HomeAssistant) -> None:
    target = Path(hass.config.config_dir) / "custom_sentences" / "en"
    target.mkdir(parents=True, exist_ok=True)
    for shipped in SENTENCES.glob("*.yaml"):
        shutil.copy(shipped, target / shipped.name)
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    assert await async_setup_component(hass, "intent", {})


async def test_play_an_album_in_the_living_room_by_voice(
    hass: HomeAssistant, tsim: Simulator, home: MockConfigEntry
) -> None:
    album = library_album(tsim)
    artist = tsim.world.artist_of(album).name
    result = await conversation.async_converse(
        hass, f"play {album.title} by {artist} in the living room", None, Context(), language="en"
    )
    response = result.response
    assert response.intent is not None
    assert response.intent.intent_type == INTENT_PLAY, response.speech
    speech = response.speech["plain"]["speech"]
    assert speech == f"Playing {album.title} by {artist} in the Living room."
    state = hass.states.get(SPEAKER)
    assert state is not None
    assert state.state == "playing"
    assert state.attributes["media_content_id"].startswith(f"media-source://{DOMAIN}/")
    assert "/album/" in state.attributes["media_content_id"]
    tracks = [t.title for t in tsim.world.tracks_of(album)]
    assert (
        speaker_entity(hass, SPEAKER).fetched == [f"{artist} - t" for t in tracks]
        or [title.split(" - ", 1)[1] for title in speaker_entity(hass, SPEAKER).fetched] == tracks
    )
    assert hass.states.get(KITCHEN).state == "idle"  # only the living room
    assert not URLISH.search(speech)
    assert not URLISH.search(str(state.attributes))


async def test_play_goes_to_the_satellites_area(
    hass: HomeAssistant, tsim: Simulator, home: MockConfigEntry
) -> None:
    satellite_entry = MockConfigEntry(domain="test")
    satellite_entry.add_to_hass(hass)
    kitchen = ar.async_get(hass).async_get_area_by_name("Kitchen")
    assert kitchen is not None
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=satellite_entry.entry_id, identifiers={("test", "satellite")}
    )
    dr.async_get(hass).async_update_device(device.id, area_id=kitchen.id)
    album = library_album(tsim)
    artist = tsim.world.artist_of(album).name
    response = await intent.async_handle(
        hass,
        "test",
        INTENT_PLAY,
        {"artist": {"value": artist}, "what": {"value": "latest"}},
        device_id=device.id,
        language="en",
    )
    speech = response.speech["plain"]["speech"]
    assert speech.startswith("Playing ")
    assert speech.endswith(f"by {artist} in the Kitchen.")
    assert hass.states.get(KITCHEN).state == "playing"
    assert hass.states.get(SPEAKER).state == "idle"


async def test_no_player_named_is_a_clear_answer(
    hass: HomeAssistant, tsim: Simulator, home: MockConfigEntry
) -> None:
    album = library_album(tsim)
    artist = tsim.world.artist_of(album).name
    response = await answer(hass, INTENT_PLAY, artist=artist, album=album.title)
    assert response.response_type is intent.IntentResponseType.ERROR
    assert response.speech["plain"]["speech"] == (
        "Say where to play it, for example: in the living room."
    )


async def test_not_in_the_library_is_requested_then_played_when_ready(
    hass: HomeAssistant, tsim: Simulator, home: MockConfigEntry, frozen: FrozenDateTimeFactory
) -> None:
    artist, album = catalog_album(tsim.world)
    response = await hass.services.async_call(
        DOMAIN,
        "play",
        {
            "config_entry_id": ENTRY_ID,
            "artist": artist.name,
            "album": album.title,
            "media_player": [SPEAKER],
            "when_ready": "play",
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["status"] == "requested"
    assert response["message"] == (
        f"You don't have {album.title} by {artist.name} yet. I asked Lidarr for it. "
        "I'll play it when it's ready."
    )
    assert response["players"] == []
    assert hass.states.get(SPEAKER).state == "idle"
    # search, download, import; then Navidrome's scan; then the speaker plays it
    await step(hass, tsim, frozen, SEARCH_SECONDS + 5)
    torrent = tsim.world.torrent_for_album(album.id)
    assert torrent is not None
    await step(hass, tsim, frozen, torrent.amount_left / tsim.world.download_speed + 1)
    await step(hass, tsim, frozen, tsim.world.import_delay + 1)
    for _ in range(40):
        if hass.states.get(SPEAKER).state == "playing":
            break
        await step(hass, tsim, frozen, 30)
    state = hass.states.get(SPEAKER)
    assert state.state == "playing"
    assert "/album/" in state.attributes["media_content_id"]
    assert tsim.world.albums[album.id].in_navidrome


async def test_by_voice_not_in_the_library_says_so_and_announces_it(
    hass: HomeAssistant, tsim: Simulator, home: MockConfigEntry, frozen: FrozenDateTimeFactory
) -> None:
    artist, album = catalog_album(tsim.world)
    response = await answer(
        hass, INTENT_PLAY, artist=artist.name, album=album.title, area="Living room"
    )
    speech = response.speech["plain"]["speech"]
    assert speech == (
        f"You don't have {album.title} by {artist.name} yet. I asked Lidarr for it. "
        "I'll tell you when it's ready."
    )
    assert not URLISH.search(speech)
    await step(hass, tsim, frozen, SEARCH_SECONDS + 5)
    torrent = tsim.world.torrent_for_album(album.id)
    assert torrent is not None
    await step(hass, tsim, frozen, torrent.amount_left / tsim.world.download_speed + 1)
    await step(hass, tsim, frozen, tsim.world.import_delay + 1)
    ready = f"{album.title} by {artist.name} is in your library now."
    for _ in range(40):  # in_library once Navidrome has scanned it
        if ready in [n["message"] for n in _notifications(hass)]:
            break
        await step(hass, tsim, frozen, 30)
    assert ready in [n["message"] for n in _notifications(hass)]
    assert tsim.world.albums[album.id].in_navidrome
    # the request-finished blueprint's notification (one per request) leaves the answer be
    said = next(n for n in _notifications(hass) if n["message"] == ready)
    request_id = said["notification_id"].removeprefix(f"{DOMAIN}_").removesuffix("_answer")
    persistent_notification.async_create(
        hass, "ready to play", notification_id=f"{DOMAIN}_{request_id}"
    )
    assert ready in [n["message"] for n in _notifications(hass)]
    assert hass.states.get(SPEAKER).state == "idle"  # announced, not played


def _notifications(hass: HomeAssistant) -> list[dict[str, Any]]:

    return list(_async_get_or_create_notifications(hass).values())


async def test_llm_tool_plays(hass: HomeAssistant, tsim: Simulator, home: MockConfigEntry) -> None:
    album = library_album(tsim)
    artist = tsim.world.artist_of(album).name
    context = llm.LLMContext(
        platform="test",
        context=Context(),
        language="en",
        assistant="conversation",
        device_id=None,
    )
    api = await llm.async_get_api(hass, API_ID, context)
    result = await api.async_call_tool(
        llm.ToolInput(
            tool_name="play_music",
            tool_args={"artist": artist, "title": album.title, "area": "Kitchen"},
        )
    )
    data = result.data
    assert not result.error, data
    assert data["status"] == "playing"
    assert data["players"] == [KITCHEN]
    assert not URLISH.search(str({k: v for k, v in data.items() if k != "media_content_id"}))
    assert hass.states.get(KITCHEN).state == "playing"


@pytest.mark.parametrize(
    ("template", "slots"),
    [
        ("play {album} by {artist} in the living room", {"area": "living room"}),
        ("play the album {album} by {artist} on the kitchen radio", {"name": "Kitchen radio"}),
        ("play {artist}'s album {album} in the kitchen", {"area": "kitchen"}),
        ("play something by {artist} in the living room", {"what": "something"}),
        ("play the latest album by {artist} on the kitchen radio", {"what": "latest"}),
        ("play {artist}'s newest album in the living room", {"what": "latest"}),
    ],
)
async def test_play_sentences_fill_the_right_slots(
    hass: HomeAssistant,
    tsim: Simulator,
    home: MockConfigEntry,
    template: str,
    slots: dict[str, str],
) -> None:
    album = library_album(tsim)
    artist = tsim.world.artist_of(album).name
    text = template.format(album=album.title, artist=artist)
    result = await conversation.async_converse(hass, text, None, Context(), language="en")
    response = result.response
    assert response.intent is not None, text
    assert response.intent.intent_type == INTENT_PLAY, text
    said = {name: slot["value"] for name, slot in response.intent.slots.items()}
    assert said["artist"] == artist
    if "{album}" in template:
        assert said["album"] == album.title
    for name, value in slots.items():
        assert str(said[name]).casefold() == value.casefold(), said
    assert response.speech["plain"]["speech"].startswith("Playing "), response.speech


async def test_a_player_with_a_queue_gets_the_album_song_by_song(
    hass: HomeAssistant, tsim: Simulator, home: MockConfigEntry
) -> None:
    album = library_album(tsim)
    artist = tsim.world.artist_of(album).name
    response = await hass.services.async_call(
        DOMAIN,
        "play",
        {"config_entry_id": ENTRY_ID, "artist": artist, "album": album.title, "area": "study"},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["players"] == [STUDY]
    study = speaker_entity(hass, STUDY)
    tracks = list(tsim.world.tracks_of(album))
    assert len(study.queue) == len(tracks)
    assert all(f"/song/{t.id}/" in queued for queued, t in zip(study.queue, tracks, strict=True))
    state = hass.states.get(STUDY)
    assert state.state == "playing"
    assert state.attributes["media_content_id"] == study.queue[0]


async def test_names_match_the_way_they_are_said(
    hass: HomeAssistant, tsim: Simulator, home: MockConfigEntry
) -> None:
    album = library_album(tsim)
    artist = tsim.world.artist_of(album).name
    said_artist = f"the {artist.upper()}" if not artist.casefold().startswith("the ") else artist
    said_album = album.title.lower().replace(",", "").replace("'", "")
    response = await answer(
        hass, INTENT_PLAY, artist=said_artist, album=said_album, name="Kitchen radio"
    )
    speech = response.speech["plain"]["speech"]
    assert speech == f"Playing {album.title} by {artist} on Kitchen radio."


async def test_a_stack_without_navidrome_says_so(hass: HomeAssistant, tsim: Simulator) -> None:
    await setup_stack(hass, tsim, ["lidarr"])
    response = await answer(hass, INTENT_PLAY, artist="Anyone", album="Anything")
    assert response.response_type is intent.IntentResponseType.ERROR
    assert response.speech["plain"]["speech"] == (
        "The Home music stack has no Navidrome to play music from."
    )


async def test_the_satellite_that_asked_announces_the_arrival(
    hass: HomeAssistant, tsim: Simulator, home: MockConfigEntry, frozen: FrozenDateTimeFactory
) -> None:
    announced = async_mock_service(hass, "assist_satellite", "announce")
    artist, album = catalog_album(tsim.world)
    response = await intent.async_handle(
        hass,
        "test",
        INTENT_PLAY,
        {"artist": {"value": artist.name}, "album": {"value": album.title}},
        satellite_id="assist_satellite.kitchen",
        language="en",
    )
    assert response.speech["plain"]["speech"].endswith("I'll tell you when it's ready.")
    await step(hass, tsim, frozen, SEARCH_SECONDS + 5)
    torrent = tsim.world.torrent_for_album(album.id)
    assert torrent is not None
    await step(hass, tsim, frozen, torrent.amount_left / tsim.world.download_speed + 1)
    assert not announced  # not before it is in the library
    await step(hass, tsim, frozen, tsim.world.import_delay + 1)
    for _ in range(40):  # in_library once Navidrome has scanned it
        if announced:
            break
        await step(hass, tsim, frozen, 30)
    assert [c.data for c in announced] == [
        {
            "entity_id": "assist_satellite.kitchen",
            "message": f"{album.title} by {artist.name} is in your library now.",
        }
    ]
    assert not _notifications(hass)  # said, so no notification
