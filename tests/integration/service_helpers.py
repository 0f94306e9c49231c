"""Helpers of the action tests: calling an action on the test stack, its translated errors."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.core import HomeAssistant

from custom_components.stepheybot_music.const import DOMAIN

from .conftest import ENTRY_ID
from .helpers import translations


def error_text(key: str, **placeholders: str) -> str:
    """The message of ``exceptions.<key>`` as Home Assistant shows it (no final period)."""
    template: str = translations()["exceptions"][key]["message"]
    return template.rstrip(".").format(**placeholders)


async def act(hass: HomeAssistant, action: str, response: bool = True, **data: Any) -> Any:
    """Call ``action`` on the test stack (returning its response when ``response``)."""
    return await hass.services.async_call(
        DOMAIN,
        action,
        {"config_entry_id": ENTRY_ID, **data},
        blocking=True,
        return_response=response,
    )


async def refused(
    hass: HomeAssistant, error: type[Exception], action: str, response: bool = False, **data: Any
) -> str:
    """Call ``action`` expecting ``error``; its message."""
    with pytest.raises(error) as caught:
        await act(hass, action, response, **data)
    return str(caught.value)
