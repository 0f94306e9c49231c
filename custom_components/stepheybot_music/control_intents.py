"""Voice intents that act: pause or resume the music downloads, request an artist.

Sentences: ``custom_sentences/en/stepheybot_music.yaml``. Pausing and resuming go through
the ``pause_downloads`` / ``resume_downloads`` actions, so a voice command and an automation
do exactly the same thing (every download client that answers; a failure is spoken).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import probatio
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import intent

from .const import DOMAIN
from .coordinators.download_client import DownloadClientRuntime
from .facts import FactError, join_words
from .intents import (
    INTENT_DOWNLOAD_ALBUM,
    INTENT_PREFIX,
    DownloadIntent,
    Slots,
    StackIntentHandler,
)
from .runtime import StepheyBotConfigEntry
from .spoken import spoken_error

INTENT_DOWNLOAD_ARTIST = f"{INTENT_PREFIX}DownloadArtist"
INTENT_PAUSE_DOWNLOADS = f"{INTENT_PREFIX}PauseDownloads"
INTENT_RESUME_DOWNLOADS = f"{INTENT_PREFIX}ResumeDownloads"

_ALBUM_BY = re.compile(
    r"^(?:the\s+(?:album|record)\s+)?(?P<album>.+)\s+by\s+(?P<artist>.+?)$", re.IGNORECASE
)


def understood(intent_type: str, slots: dict[str, str]) -> tuple[str, dict[str, str]]:
    """What a matched sentence asks for, as the handlers read it.

    Home Assistant prefers the match with the fewest wildcards, so "download Dummy by
    Portishead" matches "download {artist}" (one wildcard) before "download {album} by
    {artist}" (two): the artist intent reads "X by Y" as album X by artist Y (the last
    "by"). The corpus test scores this reading, the one acted on.
    """
    if intent_type == INTENT_DOWNLOAD_ARTIST and (
        match := _ALBUM_BY.match(slots.get("artist", ""))
    ):
        return INTENT_DOWNLOAD_ALBUM, {
            **slots,
            "album": match["album"].strip(),
            "artist": match["artist"].strip(),
        }
    return intent_type, slots


class DownloadArtistIntent(DownloadIntent):
    """Download {artist} (Lidarr adds the artist), or "{album} by {artist}" said bare."""

    intent_type = INTENT_DOWNLOAD_ARTIST
    description = "Requests an artist's music"
    slots: ClassVar[dict[Any, Any]] = {probatio.Required("artist"): intent.non_empty_string}

    async def async_speech(
        self, intent_obj: intent.Intent, entry: StepheyBotConfigEntry, slots: Slots
    ) -> str:
        """As the album intent when an album was named, else a request for the artist."""
        text = {name: str(slot["value"]) for name, slot in slots.items() if "value" in slot}
        _, read = understood(self.intent_type, text)
        for name, value in read.items():
            slots[name] = {**slots.get(name, {}), "value": value}
        return await super().async_speech(intent_obj, entry, slots)


class _RunningIntent(StackIntentHandler):
    """Pause or resume every download client's music downloads."""

    running: ClassVar[bool]

    async def async_speech(
        self, intent_obj: intent.Intent, entry: StepheyBotConfigEntry, slots: Slots
    ) -> str:
        """``OK, I paused the music downloads on qBittorrent.``."""
        action = "resume_downloads" if self.running else "pause_downloads"
        try:
            await intent_obj.hass.services.async_call(
                DOMAIN, action, {"config_entry_id": entry.entry_id}, blocking=True
            )
        except HomeAssistantError as err:
            # its translation key has a one-sentence spoken form naming the backend as the
            # user named it (the action's text reads an HTTP status and a settings file)
            raise FactError(spoken_error(err)) from err
        names = [client.ref.title for client in entry.runtime_data.of_type(DownloadClientRuntime)]
        done = "resumed" if self.running else "paused"
        return f"OK, I {done} the music downloads on {join_words(names)}."


class PauseDownloadsIntent(_RunningIntent):
    """Pause the music downloads."""

    intent_type = INTENT_PAUSE_DOWNLOADS
    description = "Pauses the music downloads of every download client"
    running = False


class ResumeDownloadsIntent(_RunningIntent):
    """Resume the music downloads."""

    intent_type = INTENT_RESUME_DOWNLOADS
    description = "Resumes the music downloads of every download client"
    running = True


@callback
def async_setup_control_intents(hass: HomeAssistant) -> None:
    """Register the intents that act (once, from ``async_setup``)."""
    for handler in (DownloadArtistIntent(), PauseDownloadsIntent(), ResumeDownloadsIntent()):
        intent.async_register(hass, handler)
