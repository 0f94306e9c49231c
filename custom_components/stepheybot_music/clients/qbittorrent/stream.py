"""Reading a big ``sync/maindata`` reply torrent by torrent.

A full update at 10,000 torrents is about 15 MB of JSON with ~55 fields per torrent; one
``json.loads`` of it builds every one of those fields at once (tens of MB). :func:`read_maindata`
walks the top-level object itself and decodes one torrent object at a time, keeping only the
attribute values :class:`~.models.Torrent` needs (:func:`~.parse.torrent_changes`), so the
peak is the text, one raw torrent and the typed view. Values of other keys are decoded as usual.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from .models import Torrent
from .parse import Changes, Raw, new_torrent, torrent_changes

_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class NotStreamableError(Exception):
    """The text is not a JSON object of torrent objects: read it the ordinary way instead.

    Not a ``ValueError``: it only says "use ``json.loads``", which then reports the problem.
    """


class _Reader:
    """A cursor over JSON text, for walking objects key by key."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        """Skip white space; return the next character ("" at the end)."""
        space = _SPACE.match(self.text, self.pos)
        if space:
            self.pos = space.end()
        return self.text[self.pos : self.pos + 1]

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise NotStreamableError(f"expected {char!r} at {self.pos}")
        self.pos += 1

    def value(self) -> Any:
        """Decode the JSON value at the cursor."""
        self.peek()
        try:
            value, self.pos = _DECODER.raw_decode(self.text, self.pos)
        except ValueError as err:
            raise NotStreamableError(str(err)) from err
        return value

    def members(self) -> Iterator[str]:
        """Yield the keys of the object at the cursor; the caller reads each value."""
        self.expect("{")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            if self.peek() != '"':
                raise NotStreamableError(f"expected a key at {self.pos}")
            key = self.value()
            self.expect(":")
            yield key
            if self.peek() == "}":
                self.pos += 1
                return
            self.expect(",")


type Entry = tuple[str, Torrent | Changes]
"""A torrent of the reply: built already in a full update, its changes in a delta."""


def read_maindata(text: str) -> tuple[Raw, list[Entry] | None]:
    """Decode a ``sync/maindata`` reply, converting each torrent as soon as it is read.

    Returns the reply without ``torrents`` and the torrents in reply order (None when the
    reply has no ``torrents``). When ``full_update`` came first (qBittorrent sorts its keys)
    each torrent is built at once, otherwise its changes are kept. Raises
    :class:`NotStreamableError` for text that is not such an object (invalid JSON included),
    and ``TypeError``/``ValueError`` for a torrent field of the wrong type, as the ordinary
    merge would.
    """
    reader = _Reader(text)
    data: Raw = {}
    torrents: list[Entry] | None = None
    for key in reader.members():
        if key == "torrents" and reader.peek() == "{":
            full = data.get("full_update") is True
            torrents = []
            for info_hash in reader.members():
                if reader.peek() != "{":
                    raise NotStreamableError(f"torrent {info_hash} is not an object")
                changes = torrent_changes(reader.value())
                torrents.append((info_hash, new_torrent(info_hash, changes) if full else changes))
        else:
            data[key] = reader.value()
    if reader.peek():
        raise NotStreamableError(f"extra data at {reader.pos}")
    return data, torrents
