"""Helpers of the voice tests: ask an intent, talk to the default conversation agent."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import intent
from homeassistant.setup import async_setup_component

from custom_components.stepheybot_music.const import DOMAIN
from simulator import Simulator

SENTENCES = Path(__file__).parents[2] / "custom_sentences/en/stepheybot_music.yaml"


@pytest.fixture
async def intents_ready(hass: HomeAssistant) -> None:
    """The integration is loaded, so its intents are registered."""
    assert await async_setup_component(hass, DOMAIN, {})


async def answer(hass: HomeAssistant, intent_type: str, **slots: Any) -> intent.IntentResponse:
    """Handle ``intent_type`` with free-text ``slots``, as Assist would."""
    return await intent.async_handle(
        hass,
        "test",
        intent_type,
        {name: {"value": value, "text": str(value)} for name, value in slots.items()},
        language="en",
    )


async def ask(hass: HomeAssistant, intent_type: str, **slots: Any) -> str:
    """The spoken answer to ``intent_type``."""
    response = await answer(hass, intent_type, **slots)
    speech: str = response.speech["plain"]["speech"]
    return speech


async def setup_conversation(hass: HomeAssistant) -> None:
    """The default conversation agent, given the shipped sentences file."""
    target = Path(hass.config.config_dir) / "custom_sentences" / "en"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(SENTENCES, target / SENTENCES.name)
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    assert await async_setup_component(hass, "intent", {})


async def converse(hass: HomeAssistant, text: str) -> conversation.ConversationResult:
    """Say ``text`` to the default agent."""
    return await conversation.async_converse(hass, text, None, Context(), language="en")


def latest_album(world: Any, artist: Any) -> Any:
    """The artist's newest released studio album (else newest release) in the simulated world."""
    today = world.clock.now().date()
    released = [world.albums[i] for i in artist.album_ids if world.albums[i].release_date <= today]
    studio = [a for a in released if a.album_type.casefold() == "album"] or released
    return max(studio, key=lambda a: a.release_date)


def new_artist(sim: Simulator) -> Any:
    """An artist of the simulated world that Lidarr does not manage yet, with albums out."""
    world = sim.world
    today = world.clock.now().date()
    return next(
        artist
        for artist in world.artists.values()
        if not artist.in_lidarr
        and any(world.albums[i].release_date <= today for i in artist.album_ids)
    )
