"""Album and artist pictures for the simulated Navidrome's ``getCoverArt``: small, solid PNGs.

Each picture's colour comes from its id, so the same cover always looks (and hashes) the same.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

SIZE = 8
"""Pixels per side (a browser scales it; the bytes stay small)."""


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def cover_png(key: str) -> bytes:
    """A ``SIZE`` x ``SIZE`` RGB PNG in the colour ``key`` hashes to."""
    red, green, blue = hashlib.sha256(key.encode()).digest()[:3]
    row = b"\x00" + bytes((red, green, blue)) * SIZE
    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(row * SIZE))
        + _chunk(b"IEND", b"")
    )
