"""Helpers of the integration tests: form input, translated texts, polling."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.stepheybot_music.const import CONF_NAME
from simulator import Simulator

from .conftest import backend_data

TRANSLATIONS = Path(__file__).parents[2] / "custom_components/stepheybot_music/translations/en.json"


@cache
def translations() -> dict[str, Any]:
    """The integration's English translations."""
    data: dict[str, Any] = json.loads(TRANSLATIONS.read_text(encoding="utf-8"))
    return data


def text(*path: str, **placeholders: str) -> str:
    """The English text at ``path`` (e.g. ``"config", "error", "ip_banned"``), filled in."""
    node: Any = translations()
    for key in path:
        node = node[key]
    assert isinstance(node, str)
    return node.format(**placeholders) if placeholders else node


def form_input(sim: Simulator, backend: str, /, **overrides: Any) -> dict[str, Any]:
    """What a user types into the add form of the simulated ``backend``."""
    return {
        CONF_NAME: backend.replace("_", " ").title(),
        **backend_data(sim, backend),
        **overrides,
    }


async def poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Let ``seconds`` pass for Home Assistant so due coordinators poll, and wait for them."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
