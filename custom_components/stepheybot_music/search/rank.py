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


def _same(a: SearchHit, b: SearchHit) -> bool:
    """Whether two hits (of any sources) are the same thing."""
    if a.kind is not b.kind:
        return False
    if a.kind is HitKind.RELEASE:
        if a.info_hash and b.info_hash:
            return a.info_hash == b.info_hash
        return a.id == b.id
    if a.kind is HitKind.TRACK:
        return a.id == b.id
    if a.kind is HitKind.ARTIST:
        if a.artist_mbid and b.artist_mbid:
            return a.artist_mbid == b.artist_mbid
        return normalize(a.title) == normalize(b.title)
    if a.album_mbid and b.album_mbid:
        return a.album_mbid == b.album_mbid
    return normalize(a.title) == normalize(b.title) and normalize(a.artist) == normalize(b.artist)


def hit_id(hit: SearchHit) -> str:
    """The best id of a merged hit: MusicBrainz for artists and albums, else library."""
    if hit.kind is HitKind.ARTIST and hit.artist_mbid:
        return make_id(IdPrefix.ARTIST, hit.artist_mbid)
    if hit.kind is HitKind.ALBUM and hit.album_mbid:
        return make_id(IdPrefix.ALBUM, hit.album_mbid)
    return hit.id


def _combine(a: SearchHit, b: SearchHit) -> SearchHit:
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
    merged: list[SearchHit] = []
    for hit in hits:
        for index, existing in enumerate(merged):
            if _same(existing, hit):
                merged[index] = _combine(existing, hit)
                break
        else:
            merged.append(replace(hit, id=hit_id(hit)))
    return merged


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
