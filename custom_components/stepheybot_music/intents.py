"""Assist intents: ask the music stack by voice, answered in short spoken English.

Sentences live in ``custom_sentences/en/stepheybot_music.yaml`` (users copy it into
their configuration). Every intent takes an optional ``stack`` slot: with one loaded
stack it may be left out, with several the answer says which to name.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

import probatio
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import intent

from .facts import (
    FactError,
    VpnState,
    client_downloads,
    join_words,
    library_counts,
    pick_stack,
    plural,
    vpn_states,
)
from .runtime import StepheyBotConfigEntry

INTENT_PREFIX = "StepheyBotMusic"
INTENT_LIBRARY_COUNT = f"{INTENT_PREFIX}LibraryCount"
INTENT_VPN_STATUS = f"{INTENT_PREFIX}VpnStatus"
INTENT_WHAT_IS_DOWNLOADING = f"{INTENT_PREFIX}WhatIsDownloading"

LIBRARY_ITEMS = ("artists", "albums", "songs")
"""What the library count intent's ``what`` slot may hold (none: all three)."""

type Slots = dict[str, Any]


def _slot(slots: Slots, name: str) -> str | None:
    """A free-text slot's value, trimmed; None when absent or blank."""
    value = slots.get(name, {}).get("value")
    if value is None:
        return None
    text = str(value).strip()
    return text or None


class StackIntentHandler(intent.IntentHandler):
    """An intent about one stack: picks the stack, turns facts into speech."""

    slots: ClassVar[dict[Any, Any]] = {}
    """Slot validators beyond the optional ``stack``."""

    @property
    def slot_schema(self) -> dict[Any, Any]:
        """The optional ``stack`` slot plus the intent's own."""
        return {probatio.Optional("stack"): intent.non_empty_string, **self.slots}

    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        """Answer with speech; a fact that cannot be known is a spoken error."""
        slots = self.async_validate_slots(intent_obj.slots)
        response = intent_obj.create_response()
        try:
            entry = pick_stack(intent_obj.hass, _slot(slots, "stack"))
            speech = await self.async_speech(intent_obj, entry, slots)
        except FactError as err:
            response.async_set_error(intent.IntentResponseErrorCode.FAILED_TO_HANDLE, err.message)
            return response
        response.async_set_speech(speech)
        return response

    @abstractmethod
    async def async_speech(
        self, intent_obj: intent.Intent, entry: StepheyBotConfigEntry, slots: Slots
    ) -> str:
        """The spoken answer; raise :class:`FactError` when it cannot be given."""


class LibraryCountIntent(StackIntentHandler):
    """How many artists, albums or songs are in my library (or all three)."""

    intent_type = INTENT_LIBRARY_COUNT
    description = "Counts the artists, albums or songs in the music library"
    slots: ClassVar[dict[Any, Any]] = {probatio.Optional("what"): probatio.In(LIBRARY_ITEMS)}

    async def async_speech(
        self, intent_obj: intent.Intent, entry: StepheyBotConfigEntry, slots: Slots
    ) -> str:
        """For example: ``Your library has 12 albums.``."""
        counts = library_counts(entry)
        numbers = {
            "artists": plural(counts.artists, "artist"),
            "albums": plural(counts.albums, "album"),
            "songs": plural(counts.songs, "song"),
        }
        what = _slot(slots, "what")
        if what is not None:
            return f"Your library has {numbers[what]}."
        return f"Your library has {join_words(list(numbers.values()))}."


def _vpn_sentence(state: VpnState, *, named: bool) -> str:
    subject = f"The VPN {state.name}" if named else "The VPN"
    if not state.reachable:
        return f"I can't reach {state.name}, so I don't know whether the VPN is up."
    if state.connected:
        where = f", exiting in {state.country}" if state.country else ""
        return f"{subject} is up{where}."
    return f"{subject} is down: {state.name} reports it {state.status}."


class VpnStatusIntent(StackIntentHandler):
    """Is the VPN up."""

    intent_type = INTENT_VPN_STATUS
    description = "Tells whether the music stack's VPN (gluetun) is up"

    async def async_speech(
        self, intent_obj: intent.Intent, entry: StepheyBotConfigEntry, slots: Slots
    ) -> str:
        """For example: ``Yes, the VPN is up, exiting in Sweden.``."""
        states = vpn_states(entry)
        if len(states) == 1:
            state = states[0]
            sentence = _vpn_sentence(state, named=False)
            if not state.reachable:
                return sentence
            return f"{'Yes' if state.connected else 'No'}, {sentence[0].lower()}{sentence[1:]}"
        return " ".join(_vpn_sentence(state, named=True) for state in states)


class WhatIsDownloadingIntent(StackIntentHandler):
    """What is downloading: requests on their way, then the clients' music downloads."""

    intent_type = INTENT_WHAT_IS_DOWNLOADING
    description = "Tells which music requests and downloads are on their way"

    async def async_speech(
        self, intent_obj: intent.Intent, entry: StepheyBotConfigEntry, slots: Slots
    ) -> str:
        """For example: ``qBittorrent has 3 music downloads running.``."""
        clients = client_downloads(entry)
        if not clients:
            raise FactError(
                f"{entry.title} has no download client or Lidarr to ask: add one first."
            )
        sentences: list[str] = []
        reachable = [client for client in clients if client.reachable]
        busy = [client for client in reachable if client.active]
        if busy:
            sentences.extend(
                f"{client.name} has {plural(client.active, 'music download')} running."
                if client.download_rate is not None
                else f"{client.name} has {plural(client.active, 'album')} in its queue."
                for client in busy
            )
        elif reachable:
            sentences.append("Nothing is downloading right now.")
        if down := [client.name for client in clients if not client.reachable]:
            sentences.append(
                f"{join_words(down)} {'is' if len(down) == 1 else 'are'} not answering."
            )
        return " ".join(sentences)


HANDLERS: tuple[type[StackIntentHandler], ...] = (
    LibraryCountIntent,
    VpnStatusIntent,
    WhatIsDownloadingIntent,
)


@callback
def async_setup_intents(hass: HomeAssistant) -> None:
    """Register every intent handler (called once, from ``async_setup``)."""
    for handler in HANDLERS:
        intent.async_register(hass, handler())
