"""What a merged search returns: hits, per-source reports, result ids and resolved results.

A hit's ``id`` is what ``request_download`` accepts as ``result_id``:

* ``artist:<MusicBrainz artist id>``
* ``album:<MusicBrainz release-group id>``
* ``release:<info-hash>`` (or ``release:<digest of the indexer's guid>`` when the indexer
  gives no info-hash): an indexer release whose download link stays in the stack's search
  cache for an hour, never in a hit;
* ``library:<Subsonic id>``: already in the library (an artist or album without a
  MusicBrainz id, or a song).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class SearchKind(StrEnum):
    """What to search for."""

    ANY = "any"
    ARTIST = "artist"
    ALBUM = "album"
    TRACK = "track"
    RELEASE = "release"


class HitKind(StrEnum):
    """What a hit is."""

    ARTIST = "artist"
    ALBUM = "album"
    TRACK = "track"
    RELEASE = "release"
    """A downloadable indexer release (a torrent)."""


class Availability(StrEnum):
    """How close a hit is to being playable, best first (see :attr:`rank`)."""

    IN_LIBRARY = "in_library"
    """Playable now (Navidrome has it, or Lidarr has its files)."""
    MONITORED = "monitored"
    """Lidarr monitors it: it will be downloaded when a release turns up."""
    DOWNLOADABLE = "downloadable"
    """An indexer release: can be sent to the download client."""
    AVAILABLE = "available"
    """Known to MusicBrainz: can be requested."""

    @property
    def rank(self) -> int:
        """0 for the best availability (in library), 3 for the weakest."""
        return _AVAILABILITY_ORDER.index(self)


_AVAILABILITY_ORDER = tuple(Availability)


class SearchSource(StrEnum):
    """The sources a search can ask (``sources`` of the action)."""

    LIBRARY = "library"
    """Navidrome/Subsonic ``search3`` on every Navidrome backend."""
    LIDARR = "lidarr"
    """Lidarr's artist and album lookup (MusicBrainz), marked with what Lidarr manages."""
    INDEXERS = "indexers"
    """Jackett and Prowlarr: releases with size, seeders and info-hash."""
    MUSIC_BRAIN = "music_brain"
    """The Music Brain's global search (Navidrome songs, Lidarr releases, MusicBrainz)."""


class SourceStatus(StrEnum):
    """How a source fared in one search."""

    OK = "ok"
    FAILED = "failed"
    NOT_CONFIGURED = "not_configured"


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceReport:
    """One source's outcome: status, hits it found, and a short user-facing error.

    ``error`` is set when the source failed, and also when it is ``ok`` but one of several
    backends behind it (e.g. Jackett next to Prowlarr) failed. It never holds a secret.
    """

    status: SourceStatus
    count: int = 0
    """Hits this source found (before merging and the limit)."""
    error: str | None = None
    omitted: int = 0
    """Rows of this source left out of the results (its share or the limit was reached)."""

    def as_dict(self) -> dict[str, Any]:
        """``{"status", "count", "error", "omitted"}``."""
        return {
            "status": str(self.status),
            "count": self.count,
            "error": self.error,
            "omitted": self.omitted,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchHit:
    """One merged result: the same artist, album, song or release found by every source."""

    id: str
    """What ``request_download`` accepts as ``result_id`` (module doc)."""
    kind: HitKind
    title: str
    """The artist's name, the album's title, the song's title or the release's name."""
    artist: str | None = None
    album: str | None = None
    year: int | None = None
    availability: Availability
    sources: tuple[SearchSource, ...]
    """Every source that found it, in :class:`SearchSource` order."""
    artist_mbid: str | None = None
    album_mbid: str | None = None
    """MusicBrainz release-group id (album hits)."""
    library_id: str | None = None
    """The Subsonic id when the library has it."""
    size: int | None = None
    """Bytes (releases)."""
    seeders: int | None = None
    indexer: str | None = None
    info_hash: str | None = None
    """Lower-case info-hash of a release; its magnet or link is never part of a hit."""

    def as_dict(self) -> dict[str, Any]:
        """The hit in the action's response data (every key present, None when unknown)."""
        return {
            "id": self.id,
            "kind": str(self.kind),
            "title": self.title,
            "artist": self.artist,
            "album": self.album,
            "year": self.year,
            "availability": str(self.availability),
            "sources": [str(source) for source in self.sources],
            "artist_mbid": self.artist_mbid,
            "album_mbid": self.album_mbid,
            "size": self.size,
            "seeders": self.seeders,
            "indexer": self.indexer,
            "info_hash": self.info_hash,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchResponse:
    """The merged, ranked hits of one search and how every asked source fared."""

    query: str
    kind: SearchKind = SearchKind.ANY
    results: tuple[SearchHit, ...]
    sources: dict[SearchSource, SourceReport]
    """Every source asked (all when ``sources=None``), configured or not."""
    omitted: int = 0
    """Matching rows left out of :attr:`results` (over the limit, or over a source's share)."""
    duplicates: int = 0
    """Near-identical songs folded into another row (:mod:`.crowding`), not counted as rows."""

    def as_dict(self) -> dict[str, Any]:
        """The response data of the ``search`` action (JSON-able).

        ``{"query": str, "kind": str, "results": [hit, ...], "omitted": int,
        "duplicates": int, "sources": {name: {"status": "ok"|"failed"|"not_configured",
        "count": int, "error": str|None, "omitted": int}}}``; a hit is ``{"id", "kind",
        "title", "artist", "album", "year", "availability", "sources": [name, ...],
        "artist_mbid", "album_mbid", "size" (bytes), "seeders", "indexer", "info_hash"}``
        (:meth:`SearchHit.as_dict`).
        """
        return {
            "query": self.query,
            "kind": str(self.kind),
            "results": [hit.as_dict() for hit in self.results],
            "omitted": self.omitted,
            "duplicates": self.duplicates,
            "sources": {str(name): report.as_dict() for name, report in self.sources.items()},
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolvedResult:
    """What a result id stands for, for ``request_download``.

    Fields not known are None: an ``artist:``/``album:`` id resolved after its search left
    the cache carries only its MusicBrainz id. A ``release:`` id always carries the link;
    ``magnet`` and ``link`` may hold a tracker passkey, so they are not in ``repr()``.
    """

    id: str
    kind: HitKind | None
    """None for a ``library:`` id no longer in the cache (it is in the library)."""
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    artist_mbid: str | None = None
    album_mbid: str | None = None
    library_id: str | None = None
    availability: Availability | None = None
    """As the search saw it; None when the search left the cache."""
    info_hash: str | None = None
    magnet: str | None = field(default=None, repr=False)
    """The magnet link of a release (may carry a tracker passkey: never show it)."""
    link: str | None = field(default=None, repr=False)
    """The indexer's download link of a release, credentials stripped by the client."""
    size: int | None = None
    seeders: int | None = None
    indexer: str | None = None

    @property
    def in_library(self) -> bool:
        """Whether the library already has it."""
        return self.availability is Availability.IN_LIBRARY or self.id.startswith(
            f"{IdPrefix.LIBRARY}:"
        )


class IdPrefix(StrEnum):
    """The prefixes of result ids."""

    ARTIST = "artist"
    ALBUM = "album"
    RELEASE = "release"
    LIBRARY = "library"


_MBID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_ID_BODIES = {
    IdPrefix.ARTIST: re.compile(_MBID),
    IdPrefix.ALBUM: re.compile(_MBID),
    IdPrefix.RELEASE: re.compile(r"[0-9a-fA-F]{40}|[A-Za-z2-7]{32}"),
    IdPrefix.LIBRARY: re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}"),
}
"""MusicBrainz ids; info-hashes (hex or base32) and digests; Subsonic ids."""


def make_id(prefix: IdPrefix, value: str) -> str:
    """A result id."""
    return f"{prefix}:{value}"


def parse_id(result_id: str) -> tuple[IdPrefix, str]:
    """``(prefix, value)`` of a result id (MusicBrainz ids and hashes in lower case).

    Raises :class:`InvalidResultIdError` when ``result_id`` is not one of the id forms.
    """
    prefix_text, sep, value = result_id.strip().partition(":")
    prefix = next((p for p in IdPrefix if p.value == prefix_text.lower()), None)
    if not sep or prefix is None or not _ID_BODIES[prefix].fullmatch(value):
        raise InvalidResultIdError(result_id)
    return prefix, value if prefix is IdPrefix.LIBRARY else value.lower()


_PLAIN_ID = re.compile(r"[\w:.-]{0,80}")


def shown_id(result_id: str) -> str:
    """``result_id`` if short and plain; else its first 12 characters and an ellipsis."""
    return result_id if _PLAIN_ID.fullmatch(result_id) else result_id[:12] + "…"


class SearchError(Exception):
    """A result id cannot be used (bad input, not a backend failure).

    ``translation_key`` names its message under ``exceptions`` in the translations.
    """

    translation_key = "search_error"

    def __init__(self, message: str, result_id: str) -> None:
        super().__init__(message)
        self.result_id = result_id

    @property
    def shown_id(self) -> str:
        """The id as messages may show it: whole when short and plain, else its start.

        (Someone may paste a magnet or tracker link carrying a passkey as the id.)
        """
        return shown_id(self.result_id)

    @property
    def message(self) -> str:
        """The user-facing message."""
        return str(self.args[0])

    @property
    def placeholders(self) -> dict[str, str]:
        """The translation placeholders (``result_id``: :attr:`shown_id`)."""
        return {"result_id": self.shown_id}


class InvalidResultIdError(SearchError):
    """Not a result id of the search (malformed, or an unknown prefix)."""

    translation_key = "invalid_result_id"

    def __init__(self, result_id: str) -> None:
        super().__init__(
            f"'{shown_id(result_id)}' is not a search result id; use the id of a search result "
            "(artist:…, album:…, release:… or library:…).",
            result_id,
        )


class ExpiredResultError(SearchError):
    """A ``release:`` id whose download link is no longer (or never was) in the cache."""

    translation_key = "search_result_expired"

    def __init__(self, result_id: str) -> None:
        super().__init__(
            f"The search result '{shown_id(result_id)}' has expired (results are kept for an "
            "hour and forgotten on restart); search again and use the new id.",
            result_id,
        )
