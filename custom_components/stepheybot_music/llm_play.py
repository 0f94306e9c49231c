"""The ``play_music`` LLM tool: the play action for a conversation agent's model."""

from __future__ import annotations

from typing import Any, ClassVar

import probatio
from homeassistant.core import HomeAssistant
from homeassistant.helpers import llm
from homeassistant.util.json import JsonObjectType

from .facts import FactError, sentence
from .llm import StackTool
from .media.play import PlayError, WhenReady, Where, async_play
from .media.targets import area_of_device
from .requesting import MAX_TEXT
from .runtime import StepheyBotConfigEntry

TEXT = probatio.All(str, probatio.Strip, probatio.Length(min=1, max=MAX_TEXT))
PLAYS = llm.ToolAnnotations(read_only=False, destructive=False, idempotent=False, open_world=True)
"""Starts playback, and may request a download (never twice)."""


class PlayMusicTool(StackTool):
    """Play an album, song or artist from the library on a player, or request it."""

    name = "play_music"
    title = "Play music"
    description = (
        "Play music from the user's library on a media player: an album or song (artist and "
        "title), the artist's latest album (artist and latest=true) or any album of theirs "
        "(artist alone), in an area or on a named player (else where the user is). When the "
        "library does not have it, it is requested for download instead and the result says "
        "so; it is announced when it arrives."
    )
    annotations = PLAYS
    fields: ClassVar[dict[Any, Any]] = {
        probatio.Required("artist", description="The artist's name."): TEXT,
        probatio.Optional("title", description="An album or song title."): TEXT,
        probatio.Optional("latest", default=False, description="The latest album."): bool,
        probatio.Optional("area", description="An area name, e.g. Living room."): TEXT,
        probatio.Optional("player", description="A media player's name."): TEXT,
    }

    async def async_run(
        self,
        hass: HomeAssistant,
        entry: StepheyBotConfigEntry,
        args: dict[str, Any],
        llm_context: llm.LLMContext,
    ) -> JsonObjectType:
        """``{"status", "message", "players", ...}`` (no URLs)."""
        where = Where(
            name=args.get("player"),
            area=args.get("area"),
            near_area=area_of_device(hass, llm_context.device_id),
            assistant=llm_context.assistant,
        )
        try:
            outcome = await async_play(
                hass,
                entry,
                artist=args["artist"],
                album=args.get("title"),
                latest=args["latest"],
                where=where,
                when_ready=WhenReady.ANNOUNCE,
                source="llm",
                context=llm_context.context,
            )
        except PlayError as err:
            raise FactError(sentence(str(err))) from err
        result: JsonObjectType = outcome.as_dict()
        return result
