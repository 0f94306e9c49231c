"""Real .torrent files made here (bencoded by hand), for servers that need torrents with data.

A magnet link without peers never gets its metadata, so it stays a magnet forever. A torrent
made from a file gives a server the metadata at once: with the file in the save path the
server finds the data complete and seeds, without it the torrent waits for peers.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

PIECE_LENGTH = 16 * 1024


def bencode(value: int | bytes | str | list[object] | dict[bytes, object]) -> bytes:
    """BitTorrent's encoding (BEP 3): integers, byte strings, lists, dictionaries."""
    if isinstance(value, bool):
        raise TypeError("bencode has no booleans")
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list):
        return b"l" + b"".join(bencode(item) for item in value) + b"e"  # type: ignore[arg-type]
    if isinstance(value, dict):
        items = sorted(value.items())
        return b"d" + b"".join(bencode(k) + bencode(v) for k, v in items) + b"e"  # type: ignore[arg-type]
    raise TypeError(f"cannot bencode {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class TorrentFile:
    """A single-file, tracker-less torrent and the data it describes."""

    name: str
    data: bytes
    torrent: bytes
    """The .torrent file's content."""
    info_hash: str
    """v1 info-hash, lower-case hex."""

    def write_data(self, directory: Path) -> Path:
        """Put the data where a server saving to ``directory`` finds it complete."""
        path = directory / self.name
        path.write_bytes(self.data)
        return path


def make_torrent(name: str, size: int = 3 * PIECE_LENGTH + 123) -> TorrentFile:
    """A torrent of ``size`` random bytes in one file called ``name``."""
    data = secrets.token_bytes(size)
    pieces = b"".join(
        hashlib.sha1(data[at : at + PIECE_LENGTH]).digest()  # noqa: S324 (BitTorrent v1)
        for at in range(0, size, PIECE_LENGTH)
    )
    info: dict[bytes, object] = {
        b"length": size,
        b"name": name,
        b"piece length": PIECE_LENGTH,
        b"pieces": pieces,
    }
    info_hash = hashlib.sha1(bencode(info)).hexdigest()  # noqa: S324 (BitTorrent v1)
    return TorrentFile(name=name, data=data, torrent=bencode({b"info": info}), info_hash=info_hash)
