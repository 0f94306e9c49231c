"""Seeded generation of names, ids and sizes: the same seed always builds the same stack."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

_FIRST = [
    "Velvet",
    "Neon",
    "Silver",
    "Hollow",
    "Golden",
    "Electric",
    "Crimson",
    "Quiet",
    "Midnight",
    "Paper",
    "Glass",
    "Wild",
    "Lunar",
    "Static",
    "Amber",
    "Northern",
    "Copper",
    "Feral",
    "Violet",
    "Distant",
    "Broken",
    "Ocean",
    "Marble",
    "Secret",
    "Iron",
]
_SECOND = [
    "Foxes",
    "Harbor",
    "Engines",
    "Lanterns",
    "Parade",
    "Orchard",
    "Satellites",
    "Ghosts",
    "Rivers",
    "Wolves",
    "Pilots",
    "Cathedrals",
    "Echoes",
    "Tides",
    "Machines",
    "Sparrows",
    "Canyons",
    "Comets",
    "Gardens",
    "Mirrors",
    "Owls",
    "Atlas",
]
_WORDS = [
    "Light",
    "Summer",
    "Static",
    "Home",
    "Fire",
    "Blue",
    "Motion",
    "Dreams",
    "Shadow",
    "Heart",
    "Signal",
    "Glow",
    "Northern",
    "Window",
    "Weather",
    "Golden",
    "Silence",
    "Tides",
    "Runaway",
    "Hours",
    "Radio",
    "Forever",
    "Distance",
    "Paper",
    "Bloom",
]
_GENRES = ("Rock", "Electronic", "Indie", "Jazz", "Hip-Hop", "Folk", "Ambient", "Pop", "Metal")
_TYPES = ("Album", "Album", "Album", "EP", "Single")
_QUALITIES = ("FLAC", "FLAC", "MP3-320", "FLAC 24bit")
INDEXERS = (
    ("1337x", "1337x", "public"),
    ("rutracker", "RuTracker", "semi-private"),
    ("redacted", "Redacted", "private"),
    ("nyaasi", "Nyaa.si", "public"),
)


@dataclass(frozen=True, slots=True)
class Scale:
    """How big the simulated stack is.

    ``artists`` are in Lidarr; ``catalog_artists`` exist only on MusicBrainz (lookups);
    ``torrents`` are extra, stopped torrents (half in the music category) for benchmarks,
    that many in each download client.
    """

    artists: int = 24
    albums: int = 80
    tracks: int = 900
    catalog_artists: int = 40
    torrents: int = 0
    missing_ratio: float = 0.12
    upcoming_albums: int = 4


class Names:
    """Deterministic names and identifiers from one seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._used: set[str] = set()

    def mbid(self) -> str:
        """A MusicBrainz-style UUID."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def info_hash(self) -> str:
        """A 40-hex-digit BitTorrent v1 info-hash."""
        return f"{self.rng.getrandbits(160):040x}"

    def container_id(self) -> str:
        """A 64-hex-digit Docker container id."""
        return f"{self.rng.getrandbits(256):064x}"

    def artist(self) -> str:
        """A unique band name."""
        for _ in range(1000):
            name = f"The {self.rng.choice(_FIRST)} {self.rng.choice(_SECOND)}"
            if name not in self._used:
                self._used.add(name)
                return name
        name = f"{self.rng.choice(_FIRST)} {self.rng.choice(_SECOND)} {len(self._used)}"
        self._used.add(name)
        return name

    def title(self) -> str:
        """An album or song title."""
        count = self.rng.choice((1, 2, 2, 3))
        return " ".join(self.rng.choice(_WORDS) for _ in range(count))

    def genre(self) -> str:
        """A genre."""
        return self.rng.choice(_GENRES)

    def album_type(self) -> str:
        """Album, EP or Single."""
        return self.rng.choice(_TYPES)

    def quality(self) -> str:
        """A release quality."""
        return self.rng.choice(_QUALITIES)


def spread(total: int, buckets: int, rng: random.Random, minimum: int = 1) -> list[int]:
    """Split ``total`` into ``buckets`` positive parts, deterministically."""
    if buckets <= 0:
        return []
    base = [minimum] * buckets
    rest = max(0, total - minimum * buckets)
    weights = [rng.random() + 0.2 for _ in range(buckets)]
    scale = sum(weights)
    parts = [int(rest * w / scale) for w in weights]
    for i in range(rest - sum(parts)):
        parts[i % buckets] += 1
    return [b + p for b, p in zip(base, parts, strict=True)]
