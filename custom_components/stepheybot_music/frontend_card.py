"""Serves the music card's bundle and loads it on every dashboard (HACS users add nothing).

The bundle (``frontend/stepheybot-music-card.js``) is built from ``card/`` at the repository's
root and committed; ``scripts/test`` checks that it is the build of that source. Its URL carries
a digest of the file, so a browser never keeps an old card after an upgrade.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from homeassistant.components.frontend import add_extra_js_url
from homeassistant.components.http.server import StaticPathConfig
from homeassistant.core import HomeAssistant

from .const import DOMAIN

CARD_FILE = Path(__file__).parent / "frontend" / "stepheybot-music-card.js"
CARD_PATH = f"/{DOMAIN}/stepheybot-music-card.js"
"""Where Home Assistant serves the bundle (also the URL of a manually added resource)."""


def _digest() -> str:
    return hashlib.sha256(CARD_FILE.read_bytes()).hexdigest()[:12]


async def async_register_card(hass: HomeAssistant) -> str:
    """Serve the bundle (``http`` is a dependency) and add it to the frontend's modules; its URL."""
    await hass.http.async_register_static_paths(
        [StaticPathConfig(CARD_PATH, str(CARD_FILE), cache_headers=True)]
    )
    url = f"{CARD_PATH}?v={await hass.async_add_executor_job(_digest)}"
    if "frontend" in hass.config.components:
        add_extra_js_url(hass, url)
    return url
