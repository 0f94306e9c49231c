"""Navidrome pushes through its event stream (``/api/events``, server-sent events).

Home Assistant keeps one stream open per Navidrome (the JWT of the native login). Events
are triggers, never state (Navidrome drops what a slow reader missed:
server/events/sse.go @ v0.58.5): ``scanStatus`` refreshes the scanner; the one that ends a
scan refreshes the scanner, the library totals and the requests waiting for that scan
(``in_library``) at once; ``refreshResource`` the library; ``nowPlayingCount`` (0.57+) now
playing. ``keepAlive`` comes every 15 s: nothing for :data:`MISSED_KEEP_ALIVES` of those
periods (a reverse proxy
buffering the stream, a dead connection) makes push broken, and so does a stream that
cannot be opened; the stream is then reopened every :data:`RETRY`.

Navidrome before 0.57 sends no ``nowPlayingCount``: its scanner coordinator (which also
reads now playing) keeps its fast interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.event import async_track_time_interval
from stepheybot_music_clients.errors import StackError
from stepheybot_music_clients.subsonic.events import KEEP_ALIVE_SECONDS, ServerEvent

from .state import PushMode, PushState

if TYPE_CHECKING:
    from ..coordinators.base import StackCoordinator
    from ..coordinators.navidrome import NavidromeRuntime
    from ..runtime import StepheyBotConfigEntry

_LOGGER = logging.getLogger(__package__)

MISSED_KEEP_ALIVES = 3
"""Keep-alive periods without any event after which the stream counts as broken."""
RETRY = 30.0
"""Seconds between two attempts to open the stream."""
NOW_PLAYING_EVENTS_SINCE = (0, 57)
FIX_STREAM = (
    "check that Navidrome runs with ND_DEVACTIVITYPANEL on (the default) and that a reverse "
    "proxy in front of it passes /api/events unbuffered (nginx: proxy_buffering off for that "
    "path), then reload the stack."
)


def _version(text: str | None) -> tuple[int, int]:
    match = re.match(r"(\d+)\.(\d+)", text or "")
    return (int(match[1]), int(match[2])) if match else (0, 0)


class NavidromePush:
    """The event stream of one Navidrome backend."""

    def __init__(
        self, hass: HomeAssistant, entry: StepheyBotConfigEntry, backend: NavidromeRuntime
    ) -> None:
        """Push for ``backend``; nothing happens before :meth:`async_start`."""
        self.hass = hass
        self.entry = entry
        self.backend = backend
        server = backend.status.client.server
        slowed: tuple[StackCoordinator[Any], ...] = (backend.library,)
        if server is not None and _version(server.server_version) >= NOW_PLAYING_EVENTS_SINCE:
            slowed = (backend.status, backend.library)
        self.state = PushState(
            hass=hass, entry=entry, ref=backend.ref, slowed=slowed, channel="event stream"
        )
        self._task: asyncio.Task[None] | None = None
        self._seen = 0
        """Events received at the last keep-alive check."""
        self._silent = 0
        """Keep-alive periods in a row without any event."""
        self._unsubscribe: Any = None

    async def async_start(self) -> None:
        """Open the stream in the background; watch its keep-alives."""
        self._spawn()
        self._unsubscribe = async_track_time_interval(
            self.hass,
            self._async_watch,
            timedelta(seconds=KEEP_ALIVE_SECONDS),
            name=f"{self.state.ref.title} push",
        )

    async def async_stop(self) -> None:
        """Close the stream."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _spawn(self) -> None:
        # a plain task, not a background task of the entry: it never ends on its own, and
        # waiting for background tasks (tests, start-up) must not wait for it
        self._task = asyncio.create_task(
            self._async_run(), name=f"{self.state.ref.title} event stream"
        )

    async def _async_run(self) -> None:
        while True:
            try:
                async for event in self.backend.status.client.events():
                    self._on(event)
                problem = "Navidrome closed its event stream."
            except StackError as err:
                problem = f"Navidrome's event stream cannot be opened or broke: {err}"
            self.state.broken(problem, FIX_STREAM)
            await asyncio.sleep(RETRY)

    async def _async_watch(self, now: datetime) -> None:
        """Called every keep-alive period: silence for too long is broken, and reopened."""
        state = self.state
        if state.events != self._seen:
            self._seen, self._silent = state.events, 0
            return
        self._silent += 1
        if state.mode is not PushMode.BROKEN and self._silent >= MISSED_KEEP_ALIVES:
            seconds = round(MISSED_KEEP_ALIVES * KEEP_ALIVE_SECONDS)
            state.broken(
                f"Navidrome's event stream sent nothing, not even its keep-alive, for {seconds} s.",
                FIX_STREAM,
            )
            if self._task is not None:
                self._task.cancel()
            self._spawn()

    def _on(self, event: ServerEvent) -> None:
        """Refresh what an event names."""
        self.state.received()
        if self.state.mode is not PushMode.HEALTHY:
            self.state.healthy()
        status, library = self.backend.status, self.backend.library
        if event.scan_ended:
            self.entry.async_create_background_task(
                self.hass, self._async_scan_ended(), f"{status.name} scan ended"
            )
        elif event.name in {"scanStatus", "nowPlayingCount"}:
            self.entry.async_create_background_task(
                self.hass, status.async_request_refresh(), f"{status.name} pushed"
            )
        elif event.name == "refreshResource":
            self.entry.async_create_background_task(
                self.hass, library.async_request_refresh(), f"{library.name} pushed"
            )

    async def _async_scan_ended(self) -> None:
        """The scanner first, then the requests waiting for it and the library totals."""
        await self.backend.status.async_refresh()
        requests = self.entry.runtime_data.requests
        if requests.store.in_flight():
            await requests.async_refresh()
        await self.backend.library.async_request_refresh()
