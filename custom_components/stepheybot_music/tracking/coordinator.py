"""The stack's request coordinator: advances every request in flight from what its backend shows.

One per stack (``entry.runtime_data.requests``), polled at the stack's fast interval. Each poll
groups the requests in flight by backend and asks each backend once (see the route modules):
the cost grows with the requests in flight, never with the library. A backend that fails
leaves its requests where they are (logged once, at debug) and they resume when it answers;
a backend whose credentials were rejected is not asked at all until it is reauthenticated;
the requests of a backend removed from the stack fail as ``removed``.

On top of the routes two clocks apply, to requests whose backend answered:

* a request ``requested`` or ``searching`` for :data:`SEARCH_TIMEOUT` fails as ``nothing_found``;
* a request ``downloading`` without progress for :data:`STALLED_AFTER` fails as ``stalled``.

Every stage change is stored, fired on the bus as :data:`EVENT_REQUEST` (with ``entry_id``)
and handed to the stage listeners (the stack's event entity).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util
from stepheybot_music_clients.errors import StackError

from ..coordinators.download_client import DownloadClientRuntime, download_state
from ..coordinators.lidarr import LidarrRuntime
from ..coordinators.music_brain import MusicBrainRuntime
from ..diagnosis import waiting_for
from ..runtime import BackendRuntime, StepheyBotConfigEntry
from . import brain_route, client_route
from .advance import failed
from .library_scan import LibraryScan
from .lidarr_route import LidarrRoute
from .models import EVENT_REQUEST, FailureReason, Route, Stage, TrackedRequest
from .store import RequestStore

_LOGGER = logging.getLogger(__package__)

STALLED_AFTER = timedelta(hours=6)
"""A download that has not moved for this long fails as ``stalled``."""
SEARCH_TIMEOUT = timedelta(hours=6)
"""A request not downloading after this long at ``requested``/``searching`` fails as
``nothing_found``."""

type StageListener = Callable[[TrackedRequest, Stage | None], None]


def _same(value: str | None, wanted: str | None) -> bool:
    return wanted is None or (value is not None and value.casefold() == wanted.casefold())


class RequestCoordinator(DataUpdateCoordinator[list[TrackedRequest]]):
    """Every request of one stack; its data is the requests in flight, newest first."""

    config_entry: StepheyBotConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: StepheyBotConfigEntry, store: RequestStore
    ) -> None:
        """Track the requests of ``store`` (loaded) with the backends of ``entry``."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{entry.title} requests",
            update_interval=entry.runtime_data.settings.fast_interval,
            always_update=False,
        )
        self.store = store
        self.data = store.in_flight()
        self._stage_listeners: list[StageListener] = []
        self._failing: set[str] = set()
        self._scan = LibraryScan(entry.runtime_data)
        self._lidarr = LidarrRoute()
        self.submit_lock = asyncio.Lock()
        """Held from a new request's duplicate check to its submission (one at a time)."""

    # ---------------------------------------------------------------- API

    @property
    def scan(self) -> LibraryScan:
        """What the requests waiting for a library scan wait on (read by the diagnosis)."""
        return self._scan

    async def async_submit(self, request: TrackedRequest) -> TrackedRequest:
        """Store a new request, announce it (``requested``) and advance it soon."""
        self.store.put(request)
        self._announce(request, None)
        self.async_set_updated_data(self.store.in_flight())
        self.config_entry.async_create_background_task(
            self.hass, self.async_request_refresh(), f"{self.name} after a new request"
        )
        return request

    def find_in_flight(
        self,
        *,
        artist: str | None = None,
        album: str | None = None,
        artist_mbid: str | None = None,
        album_mbid: str | None = None,
        torrent_hash: str | None = None,
    ) -> TrackedRequest | None:
        """The newest request in flight matching every criterion given (names: any case)."""
        wanted_hash = torrent_hash.lower() if torrent_hash else None
        for request in self.store.in_flight():
            if (
                _same(request.artist, artist)
                and _same(request.album, album)
                and (artist_mbid is None or request.artist_mbid == artist_mbid)
                and (album_mbid is None or request.album_mbid == album_mbid)
                and (wanted_hash is None or request.torrent_hash == wanted_hash)
            ):
                return request
        return None

    @callback
    def async_add_stage_listener(self, listener: StageListener) -> CALLBACK_TYPE:
        """Call ``listener(request, previous stage)`` at every stage change; returns the remover."""
        self._stage_listeners.append(listener)
        return lambda: self._stage_listeners.remove(listener)

    async def async_unload(self) -> None:
        """Write every request to disk (on unload)."""
        await self.store.async_flush()

    # ---------------------------------------------------------------- polling

    async def _async_update_data(self) -> list[TrackedRequest]:
        in_flight = self.store.in_flight()
        if in_flight:
            await self._async_advance(in_flight)
        return self.store.in_flight()

    async def _async_advance(self, in_flight: list[TrackedRequest]) -> None:
        now = dt_util.utcnow()
        self._scan.new_poll()
        groups: dict[str, list[TrackedRequest]] = {}
        for request in in_flight:
            groups.setdefault(request.backend_id, []).append(request)
        backends = self.config_entry.runtime_data.backends
        results = await asyncio.gather(
            *(
                self._async_group(backends.get(backend_id), requests, now)
                for backend_id, requests in groups.items()
            )
        )
        for requests, updated in zip(groups.values(), results, strict=True):
            if updated is not None:
                for old, new in zip(requests, updated, strict=True):
                    self._apply(old, _clocks(self._with_download_state(new), now))

    async def _async_group(
        self, backend: BackendRuntime | None, requests: list[TrackedRequest], now: datetime
    ) -> list[TrackedRequest] | None:
        """The requests of one backend advanced, or None when it did not answer."""
        route = requests[0].route
        if backend is None:
            message = "The backend that carried it was removed from the stack."
            return [failed(r, FailureReason.REMOVED, now, message) for r in requests]
        if backend.awaiting_reauth:
            return None  # no request with credentials it rejected; resumes after reauth
        try:
            if route is Route.LIDARR and isinstance(backend, LidarrRuntime):
                updated = await self._lidarr.async_advance(backend, requests, now, self._scan)
            elif route is Route.MUSIC_BRAIN and isinstance(backend, MusicBrainRuntime):
                updated = await brain_route.async_advance(backend, requests, now, self._scan)
            elif route is Route.DOWNLOAD_CLIENT and isinstance(backend, DownloadClientRuntime):
                result = await client_route.async_advance(backend, requests, now, self._scan)
                if result is None:
                    return None
                updated = result
            else:
                return None  # pragma: no cover - a route always names a backend of its kind
        except StackError as err:
            if backend.ref.subentry_id not in self._failing:
                self._failing.add(backend.ref.subentry_id)
                _LOGGER.debug(
                    "%s: requests stay where they are, %s did not answer: %s",
                    self.name,
                    backend.ref.title,
                    err,
                )
            return None
        self._failing.discard(backend.ref.subentry_id)
        return updated

    def _with_download_state(self, request: TrackedRequest) -> TrackedRequest:
        """``request`` with what its torrent is doing, while it downloads (any route).

        What a download client of the stack reports, else what the route's backend said
        (Lidarr's queue status), else nothing.
        """
        if request.stage is not Stage.DOWNLOADING:
            return request  # moved_to() cleared it
        state = request.download_state
        if request.torrent_hash:
            runtime = self.config_entry.runtime_data
            state = download_state(runtime, request.torrent_hash) or state
        if state is request.download_state:
            return request
        return replace(request, download_state=state)

    def _apply(self, old: TrackedRequest, new: TrackedRequest) -> None:
        if new == old:
            return
        self.store.put(new)
        if new.finished:
            self._forget(new)
        if new.stage is not old.stage:
            self._announce(new, old.stage)

    def _forget(self, request: TrackedRequest) -> None:
        self._scan.forget(request.request_id)
        self._lidarr.forget(request.request_id)

    def event_data(self, request: TrackedRequest, previous: Stage | None) -> dict[str, Any]:
        """A stage event's data: the request's, with what it waits for (see ``diagnosis``)."""
        waiting = waiting_for(self.config_entry.runtime_data, request)
        return request.event_data(previous) | {
            "waiting_for": waiting.as_dict() if waiting else None
        }

    def _announce(self, request: TrackedRequest, previous: Stage | None) -> None:
        self.hass.bus.async_fire(
            EVENT_REQUEST,
            {"entry_id": self.config_entry.entry_id, **self.event_data(request, previous)},
        )
        for listener in list(self._stage_listeners):
            listener(request, previous)


def _clocks(request: TrackedRequest, now: datetime) -> TrackedRequest:
    """``request`` failed when it waited too long to download, or stalled."""
    if request.stage in (Stage.REQUESTED, Stage.SEARCHING):
        if now - request.stage_changed_at >= SEARCH_TIMEOUT:
            hours = round(SEARCH_TIMEOUT.total_seconds() / 3600)
            return failed(
                request,
                FailureReason.NOTHING_FOUND,
                now,
                f"Nothing started downloading within {hours} hours.",
            )
    elif request.stage is Stage.DOWNLOADING and now - request.progress_changed_at >= STALLED_AFTER:
        hours = round(STALLED_AFTER.total_seconds() / 3600)
        return failed(
            request, FailureReason.STALLED, now, f"The download made no progress for {hours} hours."
        )
    return request
