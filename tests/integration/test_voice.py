"""The default conversation agent, given the shipped sentences, answers through our intents."""

from __future__ import annotations

import pytest
import yaml
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import intent
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.stepheybot_music.control_intents import understood
from custom_components.stepheybot_music.tracking.models import EVENT_REQUEST
from simulator import Simulator

from .conftest import ENTRY_ID, setup_stack
from .helpers import poll
from .test_services import _music_by_client, _music_in_each_client
from .voice import (
    SENTENCES,
    ask,
    converse,
    intents_ready,
    latest_album,
    new_artist,
    setup_conversation,
)

__all__ = ["intents_ready"]

pytestmark = pytest.mark.usefixtures("intents_ready")

LIBRARY = "StepheyBotMusicLibraryCount"
VPN = "StepheyBotMusicVpnStatus"
DOWNLOADING = "StepheyBotMusicWhatIsDownloading"
LATEST = "StepheyBotMusicDownloadLatestAlbum"
ALBUM = "StepheyBotMusicDownloadAlbum"
RECENT = "StepheyBotMusicRecentRequests"
ARTIST = "StepheyBotMusicDownloadArtist"
PAUSE = "StepheyBotMusicPauseDownloads"
RESUME = "StepheyBotMusicResumeDownloads"

SAID: list[tuple[str, str, dict[str, str]]] = [
    ("How many albums are in my library?", LIBRARY, {"what": "albums"}),
    ("how many artists do I have", LIBRARY, {"what": "artists"}),
    ("How many bands are in my music collection", LIBRARY, {"what": "artists"}),
    ("how many songs are there in the library", LIBRARY, {"what": "songs"}),
    ("count my tracks in my library", LIBRARY, {"what": "songs"}),
    ("how many records do I have", LIBRARY, {"what": "albums"}),
    ("How big is my music library?", LIBRARY, {}),
    ("what's in my music library", LIBRARY, {}),
    ("how many albums are in my library on the Home music stack", LIBRARY, {"what": "albums"}),
    ("Is the VPN up?", VPN, {"asked": "up"}),
    ("is VPN running", VPN, {"asked": "up"}),
    ("is the VPN down", VPN, {"asked": "down"}),
    ("what's the VPN status", VPN, {}),
    ("check the VPN", VPN, {}),
    ("is the vpn connected on the home music stack", VPN, {"asked": "up"}),
    ("What is downloading?", DOWNLOADING, {}),
    ("what's currently downloading", DOWNLOADING, {}),
    ("what am I downloading", DOWNLOADING, {}),
    ("what is on its way", DOWNLOADING, {}),
    ("is anything downloading", DOWNLOADING, {}),
    ("how are my downloads going", DOWNLOADING, {}),
    ("what is downloading for the home music stack", DOWNLOADING, {}),
    ("what did I request recently", RECENT, {}),
    ("What have I asked for lately?", RECENT, {}),
    ("list my recent requests", RECENT, {}),
    ("what are my last music requests", RECENT, {}),
    ("what did I order on the home music stack", RECENT, {}),
    ("pause the music downloads", PAUSE, {}),
    ("resume the music downloads", RESUME, {}),
]

REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("Download the latest album by Massive Attack", LATEST, {"artist": "Massive Attack"}),
    ("get me the newest album from Boards of Canada", LATEST, {"artist": "Boards of Canada"}),
    ("grab the latest Radiohead album", LATEST, {"artist": "Radiohead"}),
    ("request Massive Attack's latest album", LATEST, {"artist": "Massive Attack"}),
    (
        "Download Mezzanine by Massive Attack.",
        ALBUM,
        {"album": "Mezzanine", "artist": "Massive Attack"},
    ),
    (
        "get me the album In Rainbows by Radiohead",
        ALBUM,
        {"album": "In Rainbows", "artist": "Radiohead"},
    ),
    ("fetch Radiohead's album Kid A", ALBUM, {"album": "Kid A", "artist": "Radiohead"}),
    ("download The Midnight Orchard", ARTIST, {"artist": "The Midnight Orchard"}),
]


def test_every_intent_of_the_file_is_exercised() -> None:
    data = yaml.safe_load(SENTENCES.read_text(encoding="utf-8"))
    assert data["language"] == "en"
    assert all(name.startswith("StepheyBotMusic") for name in data["intents"])
    for name in ("artist", "album", "stack"):
        assert data["lists"][name] == {"wildcard": True}
    said = {intent_type for _, intent_type, _ in SAID + REQUESTS}
    assert said == set(data["intents"])


@pytest.mark.parametrize(("text", "intent_type", "slots"), SAID)
async def test_sentences_reach_our_handlers(
    hass: HomeAssistant, sim: Simulator, text: str, intent_type: str, slots: dict[str, str]
) -> None:
    await setup_conversation(hass)
    await setup_stack(hass, sim, ["navidrome", "gluetun", "qbittorrent"])
    result = await converse(hass, text)
    response = result.response
    assert response.response_type is intent.IntentResponseType.ACTION_DONE, response.speech
    assert response.intent is not None
    assert response.intent.intent_type == intent_type
    values = {name: slot["value"] for name, slot in response.intent.slots.items()}
    values.pop("stack", None)
    assert values == slots
    assert response.speech["plain"]["speech"] == await ask(hass, intent_type, **slots)


@pytest.mark.parametrize(("text", "intent_type", "slots"), REQUESTS)
async def test_request_sentences_reach_our_handlers(
    hass: HomeAssistant, sim: Simulator, text: str, intent_type: str, slots: dict[str, str]
) -> None:
    await setup_conversation(hass)
    await setup_stack(hass, sim, ["navidrome"])  # nothing that downloads: nothing changes
    result = await converse(hass, text)
    response = result.response
    assert response.intent is not None
    heard = {name: slot["value"] for name, slot in response.intent.slots.items()}
    # "download X by Y" matches the artist intent (fewest wildcards), read as album X by Y
    assert understood(response.intent.intent_type, heard) == (intent_type, slots)
    assert response.response_type is intent.IntentResponseType.ERROR
    assert response.speech["plain"]["speech"] == await ask(hass, intent_type, **slots)
    assert "has no backend that can download" in response.speech["plain"]["speech"]


async def test_the_stack_named_in_a_sentence(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_conversation(hass)
    await setup_stack(hass, sim, ["gluetun"])
    result = await converse(hass, "is the VPN up on the garage stack")
    assert result.response.intent is not None
    assert result.response.intent.slots["stack"]["value"] == "garage"
    assert result.response.speech["plain"]["speech"] == (
        "I don't know a music stack called garage. Say Home music."
    )


async def test_a_spoken_request_reaches_the_library(
    hass: HomeAssistant, sim: Simulator, frozen: FrozenDateTimeFactory
) -> None:
    """The headline: "download the latest album by X" ends with an in_library event."""
    await setup_conversation(hass)
    await setup_stack(hass, sim, ["lidarr", "qbittorrent", "navidrome"])
    events = async_capture_events(hass, EVENT_REQUEST)
    artist = new_artist(sim)
    album = latest_album(sim.world, artist)

    result = await converse(hass, f"Download the latest album by {artist.name.lower()}")
    assert result.response.speech["plain"]["speech"] == (
        f"OK, I asked Lidarr for {album.title} by {artist.name}, the latest album."
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert events[0].data["stage"] == "requested"

    for _ in range(120):
        if events[-1].data["stage"] in ("in_library", "failed"):
            break
        await sim.advance(60)
        await poll(hass, frozen, 60)
    stages = [event.data["stage"] for event in events]
    assert stages[-1] == "in_library", stages
    assert "downloading" in stages
    assert stages.index("requested") < stages.index("downloading") < stages.index("in_library")
    done = events[-1].data
    assert (done["artist"], done["album"], done["kind"], done["route"]) == (
        artist.name,
        album.title,
        "download",
        "lidarr",
    )
    assert done["entry_id"] == ENTRY_ID
    assert sim.world.albums[album.id].in_navidrome

    result = await converse(hass, "what did I request recently")
    assert result.response.speech["plain"]["speech"] == (
        f"Your last request: {album.title} by {artist.name}, in your library."
    )


@pytest.mark.parametrize(
    ("text", "up", "speech"),
    [
        ("is the VPN up", True, "Yes, the VPN is up, exiting in Netherlands."),
        ("is the VPN down", True, "No, the VPN is up, exiting in Netherlands."),
        ("is the VPN down", False, "Yes, the VPN is down: gluetun reports it stopped."),
        ("is the VPN connected", False, "No, the VPN is down: gluetun reports it stopped."),
        ("what's the VPN status", True, "The VPN is up, exiting in Netherlands."),
        ("check the VPN", False, "The VPN is down: gluetun reports it stopped."),
    ],
)
async def test_the_vpn_answer_fits_the_question(
    hass: HomeAssistant, sim: Simulator, text: str, up: bool, speech: str
) -> None:
    """Asked whether the VPN is down, the answer is not "Yes, the VPN is up"; nor a yes to "how"."""
    await setup_conversation(hass)
    sim.world.set_vpn(up=up)
    await setup_stack(hass, sim, ["gluetun"])
    result = await converse(hass, text)
    assert result.response.speech["plain"]["speech"] == speech


async def test_pausing_by_voice_pauses_the_music_downloads(
    hass: HomeAssistant, sim: Simulator
) -> None:
    """ "pause the music downloads" stops every music torrent; "resume downloads" restarts them."""
    _music_in_each_client(sim)
    await setup_conversation(hass)
    await setup_stack(hass, sim, ["qbittorrent"])
    music = [sim.world.torrents[h] for h in _music_by_client(sim)["qBittorrent"]]
    assert music

    result = await converse(hass, "pause the music downloads")
    assert result.response.speech["plain"]["speech"] == (
        "OK, I paused the music downloads on qBittorrent."
    )
    assert all(t.status.startswith("stopped") for t in music)
    result = await converse(hass, "start downloading again")
    assert result.response.speech["plain"]["speech"] == (
        "OK, I resumed the music downloads on qBittorrent."
    )
    assert not any(t.status.startswith("stopped") for t in music)
