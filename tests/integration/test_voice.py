"""The default conversation agent, given the shipped sentences, answers through our intents."""

from __future__ import annotations

import pytest
import yaml
from homeassistant.core import HomeAssistant
from homeassistant.helpers import intent

from simulator import Simulator

from .conftest import setup_stack
from .voice import SENTENCES, ask, converse, intents_ready, setup_conversation

__all__ = ["intents_ready"]

pytestmark = pytest.mark.usefixtures("intents_ready")

LIBRARY = "StepheyBotMusicLibraryCount"
VPN = "StepheyBotMusicVpnStatus"
DOWNLOADING = "StepheyBotMusicWhatIsDownloading"

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
    ("Is the VPN up?", VPN, {}),
    ("is VPN running", VPN, {}),
    ("is the VPN down", VPN, {}),
    ("what's the VPN status", VPN, {}),
    ("check the VPN", VPN, {}),
    ("is the vpn connected on the home music stack", VPN, {}),
    ("What is downloading?", DOWNLOADING, {}),
    ("what's currently downloading", DOWNLOADING, {}),
    ("what am I downloading", DOWNLOADING, {}),
    ("what is on its way", DOWNLOADING, {}),
    ("is anything downloading", DOWNLOADING, {}),
    ("how are my downloads going", DOWNLOADING, {}),
    ("what is downloading for the home music stack", DOWNLOADING, {}),
]


def test_every_intent_of_the_file_is_exercised() -> None:
    data = yaml.safe_load(SENTENCES.read_text(encoding="utf-8"))
    assert data["language"] == "en"
    assert all(name.startswith("StepheyBotMusic") for name in data["intents"])
    for name in ("artist", "album", "stack"):
        assert data["lists"][name] == {"wildcard": True}
    said = {intent_type for _, intent_type, _ in SAID}
    assert said <= set(data["intents"])


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


async def test_the_stack_named_in_a_sentence(hass: HomeAssistant, sim: Simulator) -> None:
    await setup_conversation(hass)
    await setup_stack(hass, sim, ["gluetun"])
    result = await converse(hass, "is the VPN up on the garage stack")
    assert result.response.intent is not None
    assert result.response.intent.slots["stack"]["value"] == "garage"
    assert result.response.speech["plain"]["speech"] == (
        "I don't know a music stack called garage. Say Home music."
    )
