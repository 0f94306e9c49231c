"""The ``play`` action: play music from the library by name, or request it.

Registered beside the other actions (``services.async_setup_services`` with its own list),
aimed at a stack by ``config_entry_id`` like them. Players: ``media_player`` (entity ids) or
``area`` (an area id); with neither, the only media player there is.
"""

from __future__ import annotations

import probatio
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.helpers import config_validation as cv

from .action_errors import backend_failed, invalid
from .media.play import PlayError, WhenReady, Where, async_play
from .runtime import StepheyBotConfigEntry
from .services import Action, async_setup_services


async def _play(
    hass: HomeAssistant, entry: StepheyBotConfigEntry, call: ServiceCall
) -> ServiceResponse:
    artist = call.data["artist"].strip()
    if not artist:
        raise invalid("play_needs_artist")
    when = call.data.get("when_ready", WhenReady.NOTHING)
    if when not in list(WhenReady):
        raise invalid("not_allowed", field="when_ready", allowed=", ".join(WhenReady))
    where = Where(entity_ids=call.data.get("media_player") or None, area=call.data.get("area"))
    try:
        outcome = await async_play(
            hass,
            entry,
            artist=artist,
            album=(call.data.get("album") or "").strip() or None,
            latest=call.data.get("latest", False),
            where=where,
            when_ready=WhenReady(when),
            source="action",
            context=call.context,
        )
    except PlayError as err:
        if err.backend is not None and err.cause is not None:
            raise backend_failed(err.backend, err.cause) from err
        raise invalid("play_failed", reason=str(err)) from err
    return outcome.as_dict()


PLAY_ACTIONS = (
    Action(
        "play",
        _play,
        {
            probatio.Required("artist"): cv.string,
            probatio.Optional("album"): cv.string,
            probatio.Optional("latest"): cv.boolean,
            # cv.entity_ids alone raises TypeError (not Invalid) on a number or a boolean
            probatio.Optional("media_player"): probatio.All(cv.ensure_list_csv, [cv.entity_id]),
            probatio.Optional("area"): cv.string,
            probatio.Optional("when_ready"): cv.string,
        },
        SupportsResponse.OPTIONAL,
    ),
)


@callback
def async_setup_play_actions(hass: HomeAssistant) -> None:
    """Register ``play`` (once, from ``async_setup``)."""
    async_setup_services(hass, PLAY_ACTIONS)
