"""Assist intents: ask the music stack by voice, answered in short spoken English.

Sentences live in ``custom_sentences/en/stepheybot_music.yaml`` (users copy it into
their configuration). Every intent takes an optional ``stack`` slot: with one loaded
stack it may be left out, with several the answer says which to name.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from typing import Any, ClassVar

import probatio
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import intent

from .facts import (
    FactError,
    VpnState,
    capitalized,
    client_downloads,
    in_flight_requests,
    is_are,
    join_words,
    library_counts,
    pick_stack,
    plural,
    recent_requests,
    spoken_number,
    spoken_stage,
    spoken_title,
    vpn_states,
)
from .requesting import RequestResult, RequestStatus, async_request_download
from .runtime import StepheyBotConfigEntry
from .spoken import spoken_error
from .tracking.models import TrackedRequest

INTENT_PREFIX = "StepheyBotMusic"
INTENT_DOWNLOAD_LATEST_ALBUM = f"{INTENT_PREFIX}DownloadLatestAlbum"
INTENT_DOWNLOAD_ALBUM = f"{INTENT_PREFIX}DownloadAlbum"
INTENT_RECENT_REQUESTS = f"{INTENT_PREFIX}RecentRequests"
INTENT_LIBRARY_COUNT = f"{INTENT_PREFIX}LibraryCount"
INTENT_VPN_STATUS = f"{INTENT_PREFIX}VpnStatus"
INTENT_WHAT_IS_DOWNLOADING = f"{INTENT_PREFIX}WhatIsDownloading"

LIBRARY_ITEMS = ("artists", "albums", "songs")
"""What the library count intent's ``what`` slot may hold (none: all three)."""
SPOKEN_LIST = 3
"""Requests named in one answer; the rest are counted."""
RECENT = 5
"""Requests the recent requests intent tells."""
_STACK_SUFFIX = re.compile(
    r"^(?P<rest>.+?)\s+(?:on|in|for)\s+(?:the\s+|my\s+)?(?P<stack>.+?)\s+stack$", re.IGNORECASE
)

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

    def stack_of(self, slots: Slots) -> str | None:
        """The stack the sentence names, if any."""
        return _slot(slots, "stack")

    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        """Answer with speech; a fact that cannot be known is a spoken error."""
        slots = self.async_validate_slots(intent_obj.slots)
        response = intent_obj.create_response()
        try:
            entry = pick_stack(intent_obj.hass, self.stack_of(slots))
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


VPN_QUESTIONS = ("up", "down")
"""What the VPN intent's ``asked`` slot may hold: "is the VPN up?" or "is it down?"."""


class VpnStatusIntent(StackIntentHandler):
    """Is the VPN up (``asked`` up), is it down (``asked`` down), or how is it (no ``asked``)."""

    intent_type = INTENT_VPN_STATUS
    description = "Tells whether the music stack's VPN (gluetun) is up"
    slots: ClassVar[dict[Any, Any]] = {probatio.Optional("asked"): probatio.In(VPN_QUESTIONS)}

    async def async_speech(
        self, intent_obj: intent.Intent, entry: StepheyBotConfigEntry, slots: Slots
    ) -> str:
        """For example: ``Yes, the VPN is up, exiting in Sweden.`` (asked whether it is up)."""
        states = vpn_states(entry)
        if len(states) == 1:
            state = states[0]
            sentence = _vpn_sentence(state, named=False)
            asked = _slot(slots, "asked")
            if not state.reachable or asked is None:
                return sentence
            yes = state.connected is (asked == "up")
            return f"{'Yes' if yes else 'No'}, {sentence[0].lower()}{sentence[1:]}"
        return " ".join(_vpn_sentence(state, named=True) for state in states)


def _spoken_requests(requests: list[TrackedRequest], limit: int = SPOKEN_LIST) -> str:
    """``A by X, downloading, 45 percent; and B by Y, searching``; beyond ``limit`` counted."""
    named = [
        f"{spoken_title(request.artist, request.album)}, {spoken_stage(request)}"
        for request in requests[:limit]
    ]
    if len(requests) > limit:
        named.append(plural(len(requests) - limit, "other"))
    if len(named) == 1:
        return named[0]
    return f"{'; '.join(named[:-1])}; and {named[-1]}"


class WhatIsDownloadingIntent(StackIntentHandler):
    """What is downloading: requests on their way, then the clients' music downloads."""

    intent_type = INTENT_WHAT_IS_DOWNLOADING
    description = "Tells which music requests and downloads are on their way"

    async def async_speech(
        self, intent_obj: intent.Intent, entry: StepheyBotConfigEntry, slots: Slots
    ) -> str:
        """For example: ``1 request is on its way: A by X, searching.``."""
        requests = in_flight_requests(entry)
        clients = client_downloads(entry)
        if not clients and not requests:
            raise FactError(
                f"{entry.title} has no download client or Lidarr to ask: add one first."
            )
        sentences: list[str] = []
        if requests:
            count = len(requests)
            their = "its" if count == 1 else "their"
            sentences.append(
                f"{capitalized(plural(count, 'request'))} {is_are(count)} on {their} way: "
                f"{_spoken_requests(requests)}."
            )
        reachable = [client for client in clients if client.reachable]
        busy = [client for client in reachable if client.unfinished]
        sentences.extend(client.spoken() for client in busy)
        if not requests and reachable and not busy:
            sentences.append("Nothing is downloading right now.")
        if down := [client.name for client in clients if not client.reachable]:
            sentences.append(f"{join_words(down)} {is_are(len(down))} not answering.")
        return " ".join(sentences)


class RecentRequestsIntent(StackIntentHandler):
    """What did I request recently."""

    intent_type = INTENT_RECENT_REQUESTS
    description = "Tells the music requested most recently and where each request is"

    async def async_speech(
        self, intent_obj: intent.Intent, entry: StepheyBotConfigEntry, slots: Slots
    ) -> str:
        """For example: ``Your last 2 requests: A by X, in your library; and B by Y, failed.``."""
        requests = recent_requests(entry)
        if not requests:
            return "You haven't requested any music yet."
        shown = requests[:RECENT]
        said = _spoken_requests(shown, RECENT)
        if len(shown) == 1:
            return f"Your last request: {said}."
        return f"Your last {spoken_number(len(shown))} requests: {said}."


class DownloadIntent(StackIntentHandler):
    """Request music through ``request_download``; the answer says what became of it."""

    latest: ClassVar[bool] = False

    def stack_of(self, slots: Slots) -> str | None:
        """A stack named at the end of a free-text slot ("... on the studio stack")."""
        if (named := _slot(slots, "stack")) is not None:
            return named
        for name in ("artist", "album"):
            text = _slot(slots, name)
            if text is not None and (match := _STACK_SUFFIX.match(text)):
                slots[name] = {**slots[name], "value": match["rest"]}
                return match["stack"]
        return None

    async def async_speech(
        self, intent_obj: intent.Intent, entry: StepheyBotConfigEntry, slots: Slots
    ) -> str:
        """What was requested and through which backend, or why not."""
        artist = _slot(slots, "artist") or ""
        album = _slot(slots, "album")
        try:
            result = await async_request_download(
                intent_obj.hass,
                entry,
                artist=artist,
                album=album,
                latest=self.latest,
                source="voice",
            )
        except HomeAssistantError as err:
            raise FactError(spoken_error(err)) from err
        return _request_speech(entry, result, artist=artist, album=album, latest=self.latest)


def _request_speech(
    entry: StepheyBotConfigEntry,
    result: RequestResult,
    *,
    artist: str,
    album: str | None,
    latest: bool,
) -> str:
    """``OK, I asked Lidarr for A by X.``, ``A by X is already on its way: searching.``."""
    request = result.request
    if request is None:
        asked = f"The latest album by {artist}" if latest else spoken_title(artist, album)
        return f"{asked} is already in your library."
    title = spoken_title(request.artist, request.album)
    if result.status is RequestStatus.ALREADY_REQUESTED:
        return f"{title} is already on its way: {spoken_stage(request)}."
    via = entry.runtime_data.backends[request.backend_id].ref.title
    latest_album = ", the latest album" if latest and request.album else ""
    return f"OK, I asked {via} for {title}{latest_album}."


class DownloadLatestAlbumIntent(DownloadIntent):
    """Download the latest album by {artist}."""

    intent_type = INTENT_DOWNLOAD_LATEST_ALBUM
    description = "Requests the latest album of an artist"
    slots: ClassVar[dict[Any, Any]] = {probatio.Required("artist"): intent.non_empty_string}
    latest = True


class DownloadAlbumIntent(DownloadIntent):
    """Download {album} by {artist}."""

    intent_type = INTENT_DOWNLOAD_ALBUM
    description = "Requests one album of an artist"
    slots: ClassVar[dict[Any, Any]] = {
        probatio.Required("artist"): intent.non_empty_string,
        probatio.Required("album"): intent.non_empty_string,
    }


HANDLERS: tuple[type[StackIntentHandler], ...] = (
    DownloadLatestAlbumIntent,
    DownloadAlbumIntent,
    WhatIsDownloadingIntent,
    LibraryCountIntent,
    VpnStatusIntent,
    RecentRequestsIntent,
)


@callback
def async_setup_intents(hass: HomeAssistant) -> None:
    """Register every intent handler (called once, from ``async_setup``)."""
    for handler in HANDLERS:
        intent.async_register(hass, handler())
