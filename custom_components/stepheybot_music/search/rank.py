"""Merge the hits of every source into one list and rank it.

The same artist or album found by several sources is one hit listing every source: equal
MusicBrainz ids, or equal names when one side has no MusicBrainz id (Navidrome may not
know it). Releases are the same when their info-hash (else their id) is; songs when their
library id is. A merged hit shows the best availability of its parts.

Ranking: match quality to the query (:func:`match_quality`), then availability, then seeders,
then artists before albums, songs and releases.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import replace

from .models import HitKind, IdPrefix, SearchHit, SearchSource, make_id

_NON_WORD = re.compile(r"[^\w]+")
_SOURCE_ORDER = tuple(SearchSource)
_KIND_ORDER = tuple(HitKind)


def normalize(text: str | None) -> str:
    """Lower case, accents and punctuation dropped, single spaces."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", plain).split())


def _identity(hit: SearchHit) -> tuple[str | None, str]:
    """An artist's or album's MusicBrainz id and normalized name (album: title and artist)."""
    if hit.kind is HitKind.ARTIST:
        return hit.artist_mbid, normalize(hit.title)
    return hit.album_mbid, f"{normalize(hit.title)}\n{normalize(hit.artist)}"


class _Merged:
    """Hits merged so far, indexed so each new hit finds its twin in constant time.

    Releases and songs are the same when their ids are (a release's id is its info-hash
    when it has one). Artists and albums are the same when their MusicBrainz ids are, or
    when their names are and one of them has no MusicBrainz id.
    """

    def __init__(self) -> None:
        self.hits: list[SearchHit] = []
        self._by_id: dict[str, int] = {}
        self._by_mbid: dict[tuple[HitKind, str], int] = {}
        self._by_name: dict[tuple[HitKind, str], int] = {}
        self._by_name_without_mbid: dict[tuple[HitKind, str], int] = {}

    def _find(self, hit: SearchHit) -> int | None:
        if hit.kind in (HitKind.RELEASE, HitKind.TRACK):
            return self._by_id.get(hit.id)
        mbid, name = _identity(hit)
        if mbid is None:
            return self._by_name.get((hit.kind, name))
        found = self._by_mbid.get((hit.kind, mbid))
        return found if found is not None else self._by_name_without_mbid.get((hit.kind, name))

    def add(self, hit: SearchHit) -> None:
        """Merge ``hit`` into its twin, or keep it as a new hit."""
        index = self._find(hit)
        if index is None:
            index = len(self.hits)
            self.hits.append(replace(hit, id=hit_id(hit)))
        else:
            self.hits[index] = combine(self.hits[index], hit)
        merged = self.hits[index]
        if merged.kind in (HitKind.RELEASE, HitKind.TRACK):
            self._by_id.setdefault(merged.id, index)
            return
        mbid, name = _identity(merged)
        key = (merged.kind, name)
        self._by_name.setdefault(key, index)
        if mbid is None:
            self._by_name_without_mbid.setdefault(key, index)
            return
        self._by_mbid.setdefault((merged.kind, mbid), index)
        if self._by_name_without_mbid.get(key) == index:
            del self._by_name_without_mbid[key]


def hit_id(hit: SearchHit) -> str:
    """The best id of a merged hit: MusicBrainz for artists and albums, else library."""
    if hit.kind is HitKind.ARTIST and hit.artist_mbid:
        return make_id(IdPrefix.ARTIST, hit.artist_mbid)
    if hit.kind is HitKind.ALBUM and hit.album_mbid:
        return make_id(IdPrefix.ALBUM, hit.album_mbid)
    return hit.id


def combine(a: SearchHit, b: SearchHit) -> SearchHit:
    """One hit from two views of the same thing (``a`` found first)."""
    sources = tuple(s for s in _SOURCE_ORDER if s in a.sources or s in b.sources)
    availability = min(a.availability, b.availability, key=lambda item: item.rank)
    seeders = max((s for s in (a.seeders, b.seeders) if s is not None), default=None)
    merged = replace(
        a,
        sources=sources,
        availability=availability,
        artist=a.artist or b.artist,
        album=a.album or b.album,
        year=a.year or b.year,
        artist_mbid=a.artist_mbid or b.artist_mbid,
        album_mbid=a.album_mbid or b.album_mbid,
        library_id=a.library_id or b.library_id,
        size=a.size or b.size,
        seeders=seeders,
        indexer=a.indexer or b.indexer,
        info_hash=a.info_hash or b.info_hash,
    )
    return replace(merged, id=hit_id(merged))


def merge(hits: Iterable[SearchHit]) -> list[SearchHit]:
    """One hit per artist, album, song and release, in the order first found."""
    merged = _Merged()
    for hit in hits:
        merged.add(hit)
    return merged.hits


def match_quality(query: str, hit: SearchHit) -> int:
    """How well a hit matches the query, 0 (no word in common) to 100 (exactly).

    100 when the hit's name (or its artist and name together) is the query; else
    ``60 * recall + 40 * precision`` over the words of the name and the artist: recall is
    the share of the query's words the hit has, precision the share of the hit's words
    the query has (so "Runaway" beats "Runaway (Live 1996) [FLAC]" for ``runaway``).
    """
    wanted = normalize(query)
    title, artist = normalize(hit.title), normalize(hit.artist)
    if wanted and wanted in {title, f"{artist} {title}", f"{title} {artist}"}:
        return 100
    query_words, hit_words = set(wanted.split()), set(title.split()) | set(artist.split())
    common = len(query_words & hit_words)
    if not common:
        return 0
    return round(60 * common / len(query_words) + 40 * common / len(hit_words))


def rank(query: str, hits: Iterable[SearchHit]) -> list[SearchHit]:
    """Best match first, then best availability, then most seeders."""

    def key(hit: SearchHit) -> tuple[int, int, int, int, str]:
        return (
            -match_quality(query, hit),
            hit.availability.rank,
            -(hit.seeders or 0),
            _KIND_ORDER.index(hit.kind),
            normalize(hit.title),
        )

    return sorted(hits, key=key)
