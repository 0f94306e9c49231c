"""Navidrome's server-sent events (``GET /api/events``): the frames and what they name.

Navidrome v0.55.2 and v0.58.5 (server/events/sse.go, server/events/events.go): after the
JWT login, ``/api/events`` streams ``id:``/``event:``/``data:`` frames: ``serverStart`` on
connect, ``keepAlive`` every 15 s, ``scanStatus`` during and at the end of a scan
(``scanning`` false), ``refreshResource`` after a scan that changed the library,
``nowPlayingCount`` (0.57+). Navidrome drops events a slow reader missed (a buffer of one),
so they are triggers to ask again, never state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

KEEP_ALIVE_SECONDS = 15.0
"""Navidrome's ``keepAliveFrequency`` (server/events/sse.go @ v0.58.5:26)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerEvent:
    """One event: its name (``scanStatus``, ``keepAlive``, ...) and its JSON data."""

    name: str
    data: Any

    @property
    def scan_ended(self) -> bool:
        """A ``scanStatus`` saying the scanner stopped."""
        return (
            self.name == "scanStatus"
            and isinstance(self.data, dict)
            and self.data.get("scanning") is False
        )


class FrameParser:
    """Turns the stream's lines into :class:`ServerEvent` (the SSE wire format)."""

    def __init__(self) -> None:
        """No frame started."""
        self._name = "message"
        self._data: list[str] = []

    def feed(self, line: str) -> ServerEvent | None:
        """One line without its end; the event it completes, if any."""
        if line == "":
            if not self._data:
                return None
            text = "\n".join(self._data)
            name, self._name, self._data = self._name, "message", []
            try:
                data: Any = json.loads(text)
            except ValueError:
                data = text
            return ServerEvent(name=name, data=data)
        if line.startswith(":"):
            return None  # a comment
        key, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if key == "event":
            self._name = value
        elif key == "data":
            self._data.append(value)
        return None
