"""Reading a big ``sync/maindata`` reply torrent by torrent.

A full update at 10,000 torrents is about 15 MB of JSON with ~55 fields per torrent; one
``json.loads`` of it builds every one of those fields at once (tens of MB). :func:`read_maindata`
decodes the body to text a chunk at a time, walks the top-level object itself and decodes one
torrent object at a time, keeping only the attribute values :class:`~.models.Torrent` needs
(:func:`~.parse.torrent_changes`). The body may also come as pieces, decompressed from the
kept-compressed reply as they are read. So the peak is the (compressed) body, one chunk of
text, one raw torrent and the typed view. Values of other keys are decoded as usual.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from stepheybot_music_clients.qbittorrent.models import Torrent
from stepheybot_music_clients.qbittorrent.parse import Changes, Raw, new_torrent, torrent_changes

_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
CHUNK_BYTES = 1 << 20
"""How much of the body is decoded to text at a time."""


class NotStreamableError(Exception):
    """The body is not a UTF-8 JSON object of torrent objects: read it the ordinary way instead.

    Not a ``ValueError``: it only says "use ``json.loads``", which then reports the problem.
    """


def _pieces(body: bytes | Iterable[bytes]) -> Iterator[bytes | memoryview]:
    if not isinstance(body, bytes):
        yield from body
        return
    with memoryview(body) as view:
        for start in range(0, len(body), CHUNK_BYTES):
            yield view[start : start + CHUNK_BYTES]


def _text_chunks(body: bytes | Iterable[bytes]) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for piece in _pieces(body):
            yield decoder.decode(piece)
        yield decoder.decode(b"", final=True)
    except UnicodeDecodeError as err:
        raise NotStreamableError(str(err)) from err


class _Reader:
    """A cursor over JSON text that arrives in chunks, for walking objects key by key.

    Only the text not read yet is kept (plus one chunk), so reading a 15 MB body never
    holds a second 15 MB copy of it as text.
    """

    def __init__(self, body: bytes | Iterable[bytes]) -> None:
        self._chunks = _text_chunks(body)
        self.text = ""
        self.pos = 0

    def _more(self) -> bool:
        """Append the next chunk to what is left; False at the end of the body."""
        for chunk in self._chunks:
            if chunk:
                self.text = self.text[self.pos :] + chunk
                self.pos = 0
                return True
        return False

    def peek(self) -> str:
        """Skip white space; return the next character ("" at the end)."""
        while True:
            space = _SPACE.match(self.text, self.pos)
            if space:
                self.pos = space.end()
            if self.pos < len(self.text) or not self._more():
                return self.text[self.pos : self.pos + 1]

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise NotStreamableError(f"expected {char!r}")
        self.pos += 1

    def value(self) -> Any:
        """Decode the JSON value at the cursor, reading more text until it is complete."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except ValueError as err:
                if self._more():
                    continue
                raise NotStreamableError(str(err)) from err
            # a number at the very end may be cut short ("12" of "123"): a value counts
            # as complete once something follows it
            if end < len(self.text) or not self._more():
                self.pos = end
                return value

    def members(self) -> Iterator[str]:
        """Yield the keys of the object at the cursor; the caller reads each value."""
        self.expect("{")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            if self.peek() != '"':
                raise NotStreamableError("expected a key")
            key = self.value()
            self.expect(":")
            yield key
            if self.peek() == "}":
                self.pos += 1
                return
            self.expect(",")


type Entry = tuple[str, Torrent | Changes]
"""A torrent of the reply: built already in a full update, its changes in a delta."""


def read_maindata(body: bytes | Iterable[bytes]) -> tuple[Raw, list[Entry] | None]:
    """Decode a ``sync/maindata`` reply, converting each torrent as soon as it is read.

    ``body`` is the whole body or its pieces in order (e.g. decompressed as they are
    consumed, so the whole decoded body is never alive at once).

    Returns the reply without ``torrents`` and the torrents in reply order (None when the
    reply has no ``torrents``). When ``full_update`` came first (qBittorrent sorts its keys)
    each torrent is built at once, otherwise its changes are kept. Raises
    :class:`NotStreamableError` for a body that is not such an object (invalid JSON or UTF-8),
    and ``TypeError``/``ValueError`` for a torrent field of the wrong type, as the ordinary
    merge would.
    """
    reader = _Reader(body)
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
