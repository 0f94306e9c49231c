"""The music card ships inside the integration: served, and loaded on every dashboard."""

from __future__ import annotations

import hashlib

from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.stepheybot_music.const import DOMAIN
from custom_components.stepheybot_music.frontend_card import CARD_FILE, CARD_PATH
from simulator import Simulator

from .conftest import setup_stack


async def test_the_card_is_served_and_loaded_on_every_dashboard(
    hass: HomeAssistant, sim: Simulator, hass_client: ClientSessionGenerator
) -> None:
    assert await async_setup_component(hass, "frontend", {})
    await setup_stack(hass, sim, ["gluetun"])
    bundle = CARD_FILE.read_bytes()
    url = f"{CARD_PATH}?v={hashlib.sha256(bundle).hexdigest()[:12]}"
    assert url in hass.data[DATA_EXTRA_MODULE_URL].urls

    client = await hass_client()
    response = await client.get(url)
    assert response.status == 200
    assert response.content_type in ("application/javascript", "text/javascript")
    assert await response.read() == bundle
    assert b'"stepheybot-music-card"' in bundle
    assert b"/subscribe_card_state" in bundle


async def test_the_cards_words_reach_the_frontend_in_the_users_language(
    hass: HomeAssistant, sim: Simulator, hass_ws_client: WebSocketGenerator
) -> None:
    """What the card's ``hass.loadBackendTranslation("selector", DOMAIN)`` asks for."""
    assert await async_setup_component(hass, "frontend", {})
    await setup_stack(hass, sim, ["gluetun"])
    client = await hass_ws_client(hass)
    prefix = f"component.{DOMAIN}.selector.card.options."
    words: dict[str, dict[str, str]] = {}
    for language in ("en", "de"):
        await client.send_json_auto_id(
            {
                "type": "frontend/get_translations",
                "language": language,
                "category": "selector",
                "integration": [DOMAIN],
            }
        )
        answer = await client.receive_json()
        assert answer["success"], answer
        words[language] = answer["result"]["resources"]
    assert words["en"][f"{prefix}search"] == "Search"
    assert words["en"][f"{prefix}eta"] == "{time} left"
    assert words["de"][f"{prefix}search"] == "Suchen"
    assert words["de"][f"{prefix}stalled"] == "Stalled"  # not translated yet: English
