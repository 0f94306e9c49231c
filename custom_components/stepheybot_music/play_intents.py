"""The "play" intent: "play [the album] X by Y [in the kitchen | on <player>]".

Also "play something by Y" and "play the latest album by Y" (the ``what`` slot: the
sentences set ``something`` or ``latest``). In the library: it plays on the named player or
area, else in the area of the voice satellite that heard it. Not there: it is requested like
``request_download`` and the answer says so; once it is in the library the satellite
announces it. Sentences: ``custom_sentences/en/stepheybot_music_play.yaml``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import probatio
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import intent

from .facts import FactError, sentence
from .intents import INTENT_PREFIX, DownloadIntent, Slots
from .media.play import PlayError, WhenReady, Where, async_play
from .media.targets import area_of_device
from .runtime import StepheyBotConfigEntry
from .spoken import spoken_error

INTENT_PLAY = f"{INTENT_PREFIX}Play"
WHAT = ("latest", "something")
"""The ``what`` slot: the artist's latest album, or any album of theirs."""


def _slot(slots: Slots, name: str) -> str | None:
    """A slot's text, trimmed; None when absent or blank."""
    value = slots.get(name, {}).get("value")
    text = str(value).strip() if value is not None else ""
    return text or None


class PlayIntent(DownloadIntent):
    """Play {album} by {artist}, or request it (a stack may be named like a download)."""

    intent_type = INTENT_PLAY
    description = "Plays an album or song by an artist from the music library, or requests it"
    slots: ClassVar[dict[Any, Any]] = {
        probatio.Required("artist"): intent.non_empty_string,
        probatio.Optional("album"): intent.non_empty_string,
        probatio.Optional("what"): probatio.In(WHAT),
        probatio.Optional("area"): intent.non_empty_string,
        probatio.Optional("name"): intent.non_empty_string,
    }

    async def async_speech(
        self, intent_obj: intent.Intent, entry: StepheyBotConfigEntry, slots: Slots
    ) -> str:
        """``Playing A by X in the Living room.`` or ``You don't have A by X yet. ...``."""
        hass = intent_obj.hass
        where = Where(
            name=_slot(slots, "name"),
            area=_slot(slots, "area"),
            near_area=area_of_device(hass, intent_obj.device_id),
            assistant=intent_obj.assistant,
        )
        try:
            outcome = await async_play(
                hass,
                entry,
                artist=_slot(slots, "artist") or "",
                album=_slot(slots, "album"),
                latest=_slot(slots, "what") == "latest",
                where=where,
                when_ready=WhenReady.ANNOUNCE,
                satellite_id=intent_obj.satellite_id,
                source="voice",
                context=intent_obj.context,
            )
        except PlayError as err:
            raise FactError(sentence(str(err))) from err
        except HomeAssistantError as err:
            raise FactError(spoken_error(err)) from err
        return outcome.speech


@callback
def async_setup_play_intents(hass: HomeAssistant) -> None:
    """Register the play intent (once, from ``async_setup``)."""
    intent.async_register(hass, PlayIntent())
