"""Play music by name: from the library when it is there, else request it and say so.

In the library (:mod:`.find`): ``media_player.play_media`` with the media source id on the
chosen players (:mod:`.targets`), so the player gets a signed path of this integration,
never Navidrome's address. Not there: ``request_download`` (the same checks and routes),
and, when asked, a watcher that plays it or announces it once the request reaches
``in_library`` (or says why it failed). Watchers live in memory: a restart forgets them
(the request itself is kept and tracked as always).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from homeassistant.components import persistent_notification
from homeassistant.core import Context, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_call_later
from stepheybot_music_clients.errors import StackError

from ..const import DOMAIN
from ..facts import spoken_stage, spoken_title
from ..requesting import RequestStatus, async_request_download
from ..runtime import BackendRef, StepheyBotConfigEntry
from ..spoken import spoken_error
from ..tracking.models import EVENT_REQUEST, Stage, TrackedRequest
from .find import Found, LibraryUnavailableError, find
from .library import Library, libraries
from .queue import async_start
from .targets import TargetError, players

_LOGGER = logging.getLogger(__package__)

SCAN_WAIT = timedelta(seconds=30)
SCAN_ATTEMPTS = 20
"""Looks for a finished request in Navidrome (every :data:`SCAN_WAIT`, about 10 minutes)."""
WATCHERS = f"{DOMAIN}_play_watchers"
"""``hass.data`` key: request id -> its :class:`Watcher`."""


class WhenReady(StrEnum):
    """What to do when music requested by a "play" reaches the library."""

    NOTHING = "nothing"
    ANNOUNCE = "announce"
    """Say so on the voice satellite that asked (else a notification)."""
    PLAY = "play"
    """Play it on the players the "play" named."""


class PlayStatus(StrEnum):
    """What a "play" did."""

    PLAYING = "playing"
    REQUESTED = "requested"
    ALREADY_REQUESTED = "already_requested"
    NOT_IN_NAVIDROME = "not_in_navidrome"
    """The request's backend says it is in the library, Navidrome has not got it (yet)."""


class PlayError(HomeAssistantError):
    """A "play" that cannot be done; the message is fit to be spoken.

    ``backend`` and ``cause`` are set when a backend failed (else the input or the home
    cannot be played as asked: no such player, no Navidrome).
    """

    def __init__(
        self, message: str, *, backend: BackendRef | None = None, cause: StackError | None = None
    ) -> None:
        """``message`` to say; the backend that failed and its error, if one did."""
        super().__init__(message)
        self.backend = backend
        self.cause = cause


def _unavailable(lib: Library, err: StackError, doing: str) -> PlayError:
    ref = lib.entry.runtime_data.backends[lib.backend_id].ref
    # said aloud and given to LLMs: the backend's name, never its URL (the cause keeps it)
    return PlayError(f"I couldn't {doing}: {spoken_error(err, ref.title)}", backend=ref, cause=err)


@dataclass(frozen=True, slots=True, kw_only=True)
class Where:
    """Where to play: as the action or the intent named it."""

    entity_ids: list[str] | None = None
    name: str | None = None
    area: str | None = None
    near_area: str | None = None
    """The area of the voice satellite that asked (used when nothing else is named)."""
    assistant: str | None = None
    """``conversation`` for voice: only players exposed to Assist."""

    def players(self, hass: HomeAssistant) -> list[str]:
        """The entity ids; raise :class:`TargetError`."""
        return players(
            hass,
            entity_ids=self.entity_ids,
            name=self.name,
            area=self.area,
            near_area=self.near_area,
            assistant=self.assistant,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayOutcome:
    """What happened, one sentence to say, and the response data of the action."""

    status: PlayStatus
    speech: str
    players: tuple[str, ...] = ()
    media_content_id: str | None = None
    title: str | None = None
    artist: str | None = None
    request: TrackedRequest | None = None

    def as_dict(self) -> dict[str, Any]:
        """Response data (ids and names only; no URL)."""
        return {
            "status": self.status.value,
            "message": self.speech,
            "players": list(self.players),
            "media_content_id": self.media_content_id,
            "title": self.title,
            "artist": self.artist,
            "request_id": self.request.request_id if self.request else None,
        }


@dataclass(slots=True, kw_only=True)
class Watcher:
    """Plays or announces one request when it reaches the library."""

    entry_id: str
    request_id: str
    when_ready: WhenReady
    where: Where
    satellite_id: str | None
    unsubscribe: Any = field(default=None, repr=False)


def stack_libraries(hass: HomeAssistant, entry: StepheyBotConfigEntry) -> list[Library]:
    """The stack's Navidrome backends; a spoken error when it has none."""
    found = [lib for lib in libraries(hass) if lib.entry.entry_id == entry.entry_id]
    if not found:
        raise PlayError(f"The {entry.title} stack has no Navidrome to play music from.")
    return found


def _area_of(hass: HomeAssistant, entity_id: str) -> str | None:
    """The area of an entity: its own, else its device's."""
    entry = er.async_get(hass).async_get(entity_id)
    if entry is None:
        return None
    if entry.area_id:
        return entry.area_id
    device = dr.async_get(hass).async_get(entry.device_id) if entry.device_id else None
    return device.area_id if device else None


def _place(hass: HomeAssistant, where: Where, entity_ids: list[str]) -> str:
    """``in the Living room`` (every player is there) or ``on Kitchen speaker``."""
    areas = ar.async_get(hass)
    named = where.area or (None if where.name or where.entity_ids else where.near_area)
    area = (areas.async_get_area(named) or areas.async_get_area_by_name(named)) if named else None
    if area is not None and all(_area_of(hass, e) == area.id for e in entity_ids):
        return f"in the {area.name}"
    names = [s.name if (s := hass.states.get(e)) else e for e in entity_ids]
    return "on " + " and ".join(names)


async def async_play_found(
    hass: HomeAssistant, found: Found, where: Where, context: Context | None
) -> PlayOutcome:
    """Start ``found`` on the players ``where`` names."""
    try:
        entity_ids = where.players(hass)
    except TargetError as err:
        raise PlayError(str(err)) from err
    try:
        await async_start(hass, found, entity_ids, context)
    except StackError as err:
        raise _unavailable(found.library, err, f"read {found.title} from the library") from err
    place = _place(hass, where, entity_ids)
    return PlayOutcome(
        status=PlayStatus.PLAYING,
        speech=f"Playing {spoken_title(found.artist, found.title)} {place}.",
        players=tuple(entity_ids),
        media_content_id=found.media_id.media_source_id,
        title=found.title,
        artist=found.artist,
    )


async def async_play(
    hass: HomeAssistant,
    entry: StepheyBotConfigEntry,
    *,
    artist: str,
    album: str | None = None,
    latest: bool = False,
    where: Where,
    when_ready: WhenReady = WhenReady.ANNOUNCE,
    satellite_id: str | None = None,
    source: str = "action",
    context: Context | None = None,
) -> PlayOutcome:
    """Play ``album`` (an album or song title) by ``artist``, or request it.

    Without ``album``: the artist's latest album in the library (``latest``) or any of
    theirs; not in the library, their latest album is requested.
    """
    libs = stack_libraries(hass, entry)
    try:
        found = await find(libs, artist=artist, title=album, latest=latest)
    except LibraryUnavailableError as err:
        raise _unavailable(err.library, err.error, "search the library") from err
    if found is not None:
        return await async_play_found(hass, found, where, context)
    result = await async_request_download(
        hass, entry, artist=artist, album=album, latest=latest or album is None, source=source
    )
    asked = spoken_title(artist, album) if album else f"any music by {artist}"
    request = result.request
    if result.status is RequestStatus.ALREADY_IN_LIBRARY or request is None:
        return PlayOutcome(
            status=PlayStatus.NOT_IN_NAVIDROME,
            speech=(
                f"{asked[:1].upper()}{asked[1:]} should be in your library, but Navidrome "
                "doesn't have it yet. A library scan should bring it in."
            ),
        )
    title = spoken_title(request.artist, request.album)
    later = {
        WhenReady.ANNOUNCE: " I'll tell you when it's ready.",
        WhenReady.PLAY: " I'll play it when it's ready.",
        WhenReady.NOTHING: "",
    }[when_ready]
    if result.status is RequestStatus.ALREADY_REQUESTED:
        status = PlayStatus.ALREADY_REQUESTED
        speech = f"You don't have {title} yet. It's already on its way: {spoken_stage(request)}."
    else:
        status = PlayStatus.REQUESTED
        via = entry.runtime_data.backends[request.backend_id].ref.title
        speech = f"You don't have {title} yet. I asked {via} for it."
    if when_ready is not WhenReady.NOTHING:
        watch(hass, entry, request, when_ready=when_ready, where=where, satellite_id=satellite_id)
    return PlayOutcome(
        status=status,
        speech=speech + later,
        request=request,
        artist=request.artist,
        title=request.album or album,
    )


# --------------------------------------------------------------------------- when ready


def watch(
    hass: HomeAssistant,
    entry: StepheyBotConfigEntry,
    request: TrackedRequest,
    *,
    when_ready: WhenReady,
    where: Where,
    satellite_id: str | None,
) -> None:
    """Play or announce ``request`` once it is in the library (once; replaces an older watch)."""
    watchers: dict[str, Watcher] = hass.data.setdefault(WATCHERS, {})
    if (old := watchers.pop(request.request_id, None)) is not None and old.unsubscribe:
        old.unsubscribe()
    watcher = Watcher(
        entry_id=entry.entry_id,
        request_id=request.request_id,
        when_ready=when_ready,
        where=where,
        satellite_id=satellite_id,
    )

    @callback
    def _moved(event: Event[dict[str, Any]]) -> None:
        data = event.data
        if data.get("request_id") != watcher.request_id:
            return
        if data.get("stage") not in (Stage.IN_LIBRARY, Stage.FAILED):
            return
        watchers.pop(watcher.request_id, None)
        if watcher.unsubscribe:
            watcher.unsubscribe()
        hass.async_create_task(_async_ready(hass, watcher, data), f"{DOMAIN} play when ready")

    watcher.unsubscribe = hass.bus.async_listen(EVENT_REQUEST, _moved)
    watchers[request.request_id] = watcher


async def _async_ready(hass: HomeAssistant, watcher: Watcher, data: dict[str, Any]) -> None:
    """The request finished: play it, or say it is there (or why it failed)."""
    title = spoken_title(str(data.get("artist") or ""), data.get("album"))
    if data.get("stage") == Stage.FAILED:
        reason = str(data.get("failure") or "failed").replace("_", " ")
        await _async_announce(hass, watcher, f"I couldn't get {title}: {reason}.")
        return
    if watcher.when_ready is WhenReady.PLAY:
        await _async_play_when_scanned(hass, watcher, data, attempt=1)
        return
    await _async_announce(hass, watcher, f"{title} is in your library now.")


async def _async_play_when_scanned(
    hass: HomeAssistant, watcher: Watcher, data: dict[str, Any], *, attempt: int
) -> None:
    """Play it once Navidrome finds it.

    ``in_library`` already waits for Navidrome to list it (``tracking.library_scan``), by its
    name compared without case; the spoken-name search here may still miss it a moment
    (another Navidrome of the stack, a title said differently), so it looks again a while.
    """
    if await _async_play_ready(hass, watcher, data):
        return
    title = spoken_title(str(data.get("artist") or ""), data.get("album"))
    if attempt >= SCAN_ATTEMPTS:
        await _async_announce(
            hass, watcher, f"{title} is in your library, but I couldn't start it. Try again soon."
        )
        return

    @callback
    def _again(_: Any) -> None:
        hass.async_create_task(
            _async_play_when_scanned(hass, watcher, data, attempt=attempt + 1),
            f"{DOMAIN} play when scanned",
        )

    async_call_later(hass, SCAN_WAIT, _again)


async def _async_play_ready(hass: HomeAssistant, watcher: Watcher, data: dict[str, Any]) -> bool:
    """Find the finished request in the library and play it; whether that worked."""
    entry = hass.config_entries.async_get_entry(watcher.entry_id)
    if entry is None:
        return False
    try:
        found = await find(
            stack_libraries(hass, entry),
            artist=str(data.get("artist") or ""),
            title=data.get("album"),
            latest=data.get("album") is None,
        )
        if found is None:
            return False
        await async_play_found(hass, found, watcher.where, None)
    except (LibraryUnavailableError, HomeAssistantError) as err:
        _LOGGER.warning("Could not play %s once it was in the library: %s", data.get("title"), err)
        return False
    return True


async def _async_announce(hass: HomeAssistant, watcher: Watcher, message: str) -> None:
    """On the satellite that asked when there is one, else as a notification."""
    if watcher.satellite_id and hass.services.has_service("assist_satellite", "announce"):
        try:
            await hass.services.async_call(
                "assist_satellite",
                "announce",
                {"entity_id": watcher.satellite_id, "message": message},
                blocking=True,
            )
        except HomeAssistantError as err:
            _LOGGER.warning("Could not announce on %s: %s", watcher.satellite_id, err)
        else:
            return
    persistent_notification.async_create(
        hass,
        message,
        title="StepheyBot Music",
        notification_id=f"{DOMAIN}_{watcher.request_id}_answer",
    )
