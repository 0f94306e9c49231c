r"""Navidrome's server-sent events, ``GET /api/events``: what its web UI listens to.

As in Navidrome v0.55.2 and v0.58.5 (server/events/sse.go, events.go; server/server.go):

- Mounted when ``DevActivityPanel`` is on (the default). The JWT comes as for the native API
  (``X-ND-Authorization: Bearer``, the ``jwt`` cookie, or ``?jwt=`` as the UI's EventSource
  sends it); without one 401 ``{"error":"Not authenticated"}``; the reply carries the
  refreshed bare JWT like every native reply.
- Headers ``Content-Type: text/event-stream``, ``Cache-Control: no-cache, no-transform``,
  ``Connection: keep-alive``, ``X-Accel-Buffering: no``; frames
  ``id: <n>\nevent: <name>\ndata: <json>\n\n``.
- ``serverStart`` ``{startTime, version}`` once on connect (id 0); ``keepAlive`` ``{ts}``
  every 15 s; ``scanStatus`` at a scan's start, as it progresses and at its end (0.55:
  ``scanning``, ``count``, ``folderCount``; 0.56+ also ``error``, ``scanType`` and
  ``elapsedTime``, a Go duration in nanoseconds); ``refreshResource`` ``{"*": "*"}`` after
  a scan that changed the library; ``nowPlayingCount`` ``{count}`` from 0.57 when the number
  of streams changes.

The simulation looks at the world every :data:`POLL` wall-clock seconds and times the
keep-alives on the world's clock (``sim.advance(15)`` brings one). Navidrome drops events a
slow client has not read (a buffer of one): use them as triggers to poll, never as state.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import TYPE_CHECKING

from aiohttp import web

from .navidrome_library import Json, go_time
from .navidrome_native import HEADER

if TYPE_CHECKING:
    from .navidrome import Navidrome

KEEP_ALIVE = 15.0
"""Seconds between ``keepAlive`` events (``keepAliveFrequency``, sse.go @ v0.58.5:26)."""
POLL = 0.05
"""Wall-clock seconds between two looks at the world."""


def frame(event_id: int, name: str, data: Json) -> bytes:
    """One server-sent event as Navidrome writes it."""
    payload = json.dumps(data, separators=(",", ":"))
    return f"id: {event_id}\nevent: {name}\ndata: {payload}\n\n".encode()


class EventStream:
    """``/api/events`` of one simulated Navidrome."""

    def __init__(self, navidrome: Navidrome) -> None:
        """Stream the events of ``navidrome``'s world."""
        self.nd = navidrome
        self.started = navidrome.world.clock.now()
        self._next_id = 1
        self._closing = asyncio.Event()

    async def close(self, _: web.Application) -> None:
        """End every open stream (the application shuts down)."""
        self._closing.set()

    def _scan_event(self) -> Json:
        status = self.nd.scan_status()
        event: Json = {
            "scanning": status["scanning"],
            "count": status["count"],
            "folderCount": status["folderCount"],
        }
        if self.nd.scan_status_details:
            event |= {
                "error": "",
                "scanType": status.get("scanType", ""),
                "elapsedTime": status.get("elapsedTime", 0),
            }
        return event

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Authenticate, then stream until the client leaves or the server stops."""
        nd, world = self.nd, self.nd.world
        user = nd.native.user_of(request)
        if user is None:
            return web.json_response({"error": "Not authenticated"}, status=401)
        resp = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache, no-transform",
                "Connection": "keep-alive",
                "X-Accel-Buffering": "no",
                HEADER: nd.native.issue_jwt(user),
            }
        )
        await resp.prepare(request)
        start = {
            "startTime": go_time(self.started),
            "version": nd.server_version,
        }
        scanning, count = world.navidrome_scanning, world.scan_progress()
        playing = len(world.now_playing)
        albums_at_scan = world.nav_albums
        last_alive = world.clock.now()
        try:
            if "navidrome" not in world.push_cut:  # a buffering proxy holds it back too
                await resp.write(frame(0, "serverStart", start))
            while not self._closing.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), POLL)
                out: list[bytes] = []
                now = world.clock.now()
                if world.navidrome_scanning != scanning or (
                    scanning and world.scan_progress() != count
                ):
                    if world.navidrome_scanning and not scanning:
                        albums_at_scan = world.nav_albums
                    scanning, count = world.navidrome_scanning, world.scan_progress()
                    out.append(frame(self._id(), "scanStatus", self._scan_event()))
                    if not scanning and world.nav_albums != albums_at_scan:
                        out.append(frame(self._id(), "refreshResource", {"*": "*"}))
                if nd.version_tuple >= (0, 57) and len(world.now_playing) != playing:
                    playing = len(world.now_playing)
                    out.append(frame(self._id(), "nowPlayingCount", {"count": playing}))
                if (now - last_alive).total_seconds() >= KEEP_ALIVE:
                    last_alive = now
                    out.append(frame(self._id(), "keepAlive", {"ts": int(now.timestamp())}))
                if "navidrome" in world.push_cut:
                    continue  # silent, as behind a proxy that buffers the stream
                for item in out:
                    await resp.write(item)
        except (ConnectionResetError, ConnectionError):
            pass  # the client went away
        return resp
