"""One adapter per search source: ask one backend, turn its answer into :class:`Found` hits.

Adapters know nothing of merging or ranking (:mod:`.rank`) nor of timeouts and failures
(:mod:`.api`): each asks its client and converts what comes back.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from stepheybot_music_clients.indexers import JackettClient, ProwlarrClient
from stepheybot_music_clients.indexers import SearchResult as IndexerRelease
from stepheybot_music_clients.lidarr import Album, Artist, LidarrClient
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.music_brain import MusicBrainClient
from stepheybot_music_clients.music_brain import SearchResult as BrainResult
from stepheybot_music_clients.music_brain import SearchSource as BrainSource
from stepheybot_music_clients.subsonic import SubsonicClient

from ..const import REQUEST_TIMEOUT
from .models import Availability, HitKind, IdPrefix, SearchHit, SearchKind, SearchSource, make_id

MIB = 1024 * 1024
LIBRARY_COUNT = 20
"""Artists, albums and songs asked of each Navidrome."""
LIDARR_COUNT = 25
"""Lookup results kept per kind (Lidarr answers up to about 50)."""
INDEXER_COUNT = 100
"""Releases asked of Prowlarr."""
_HASH = re.compile(r"[0-9a-fA-F]{40}|[A-Za-z2-7]{32}")
"""A BitTorrent v1 info-hash: 40 hex digits or 32 base32 characters."""
_BTIH = re.compile(rf"urn:btih:({_HASH.pattern})")


@dataclass(frozen=True, slots=True, kw_only=True)
class Found:
    """A hit as one source saw it, with a release's links (kept out of the hit)."""

    hit: SearchHit
    magnet: str | None = field(default=None, repr=False)
    link: str | None = field(default=None, repr=False)


type Client = SubsonicClient | LidarrClient | JackettClient | ProwlarrClient | MusicBrainClient
type Adapter = Callable[[Client, str, SearchKind], Awaitable[list[Found]]]


def wants(kind: SearchKind, hit: HitKind) -> bool:
    """Whether a search for ``kind`` returns hits of kind ``hit``."""
    return kind is SearchKind.ANY or str(kind) == str(hit)


def release_id(info_hash: str | None, guid: str | None, title: str, indexer: str) -> str:
    """``release:<info-hash>``, or a digest of the guid (or title and indexer) without one."""
    if info_hash and _HASH.fullmatch(info_hash):
        return make_id(IdPrefix.RELEASE, info_hash.lower())
    key = guid or f"{indexer}\n{title}"
    return make_id(IdPrefix.RELEASE, hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest())


def hash_of_magnet(magnet: str | None) -> str | None:
    """The info-hash in a magnet link (lower case), if any."""
    match = _BTIH.search(magnet or "")
    return match.group(1).lower() if match else None


def _library_hit(
    kind: HitKind,
    library_id: str,
    title: str,
    *,
    source: SearchSource,
    artist: str | None = None,
    album: str | None = None,
    year: int | None = None,
    artist_mbid: str | None = None,
    album_mbid: str | None = None,
) -> SearchHit:
    return SearchHit(
        id=make_id(IdPrefix.LIBRARY, library_id),
        kind=kind,
        title=title,
        artist=artist,
        album=album,
        year=year,
        availability=Availability.IN_LIBRARY,
        sources=(source,),
        library_id=library_id,
        artist_mbid=artist_mbid,
        album_mbid=album_mbid,
    )


# ----------------------------------------------------------------------------- library


async def search_library(client: Client, query: str, kind: SearchKind) -> list[Found]:
    """``search3`` on one Navidrome: artists, albums and songs (all ``in_library``)."""
    assert isinstance(client, SubsonicClient)

    def count(hit: HitKind) -> int:
        return LIBRARY_COUNT if wants(kind, hit) else 0

    found = await client.search3(
        query,
        artist_count=count(HitKind.ARTIST),
        album_count=count(HitKind.ALBUM),
        song_count=count(HitKind.TRACK),
    )
    source = SearchSource.LIBRARY
    hits = [
        _library_hit(
            HitKind.ARTIST, a.id, a.name, source=source, artist=a.name, artist_mbid=a.musicbrainz_id
        )
        for a in found.artists
    ]
    hits += [
        _library_hit(
            HitKind.ALBUM, a.id, a.name, source=source, artist=a.artist, album=a.name, year=a.year
        )
        for a in found.albums
    ]
    hits += [
        _library_hit(HitKind.TRACK, s.id, s.title, source=source, artist=s.artist, album=s.album)
        for s in found.songs
    ]
    return [Found(hit=hit) for hit in hits]


# ----------------------------------------------------------------------------- Lidarr


def artist_availability(artist: Artist) -> Availability:
    """In library when Lidarr has files of it, monitored, else available (MusicBrainz only)."""
    if not artist.in_library:
        return Availability.AVAILABLE
    if artist.statistics is not None and artist.statistics.track_file_count > 0:
        return Availability.IN_LIBRARY
    return Availability.MONITORED if artist.monitored else Availability.AVAILABLE


def album_availability(album: Album) -> Availability:
    """In library when every track is on disk, monitored, else available."""
    if not album.in_library:
        return Availability.AVAILABLE
    tracks, files = album.track_count or 0, album.track_file_count or 0
    if tracks > 0 and files >= tracks:
        return Availability.IN_LIBRARY
    return Availability.MONITORED if album.monitored else Availability.AVAILABLE


async def _lookup[T](
    lookup: Callable[[str], Awaitable[list[T]]], query: str, *, wanted: bool
) -> list[T]:
    return await lookup(query) if wanted else []


def _unwrap[T](outcome: T | BaseException) -> T:
    """A result of ``gather(return_exceptions=True)``, or its exception raised."""
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


async def search_lidarr(client: Client, query: str, kind: SearchKind) -> list[Found]:
    """Lidarr's MusicBrainz lookup of artists and albums, marked with what Lidarr manages."""
    assert isinstance(client, LidarrClient)
    out: list[Found] = []
    source = SearchSource.LIDARR
    artists, albums = await asyncio.gather(
        _lookup(client.lookup_artist, query, wanted=wants(kind, HitKind.ARTIST)),
        _lookup(client.lookup_album, query, wanted=wants(kind, HitKind.ALBUM)),
        return_exceptions=True,
    )
    artists, albums = _unwrap(artists), _unwrap(albums)
    for artist in artists[:LIDARR_COUNT]:
        hit = SearchHit(
            id=make_id(IdPrefix.ARTIST, artist.foreign_artist_id),
            kind=HitKind.ARTIST,
            title=artist.name,
            artist=artist.name,
            availability=artist_availability(artist),
            sources=(source,),
            artist_mbid=artist.foreign_artist_id,
        )
        out.append(Found(hit=hit))
    for album in albums[:LIDARR_COUNT]:
        hit = SearchHit(
            id=make_id(IdPrefix.ALBUM, album.foreign_album_id),
            kind=HitKind.ALBUM,
            title=album.title,
            artist=album.artist_name,
            album=album.title,
            year=album.release_date.year if album.release_date else None,
            availability=album_availability(album),
            sources=(source,),
            artist_mbid=album.artist_foreign_id,
            album_mbid=album.foreign_album_id,
        )
        out.append(Found(hit=hit))
    return out


# ----------------------------------------------------------------------------- indexers


def release_found(release: IndexerRelease, source: SearchSource) -> Found:
    """An indexer release as a ``downloadable`` hit; its links go to the cache only."""
    hit = SearchHit(
        id=release_id(release.info_hash, release.guid, release.title, release.indexer),
        kind=HitKind.RELEASE,
        title=release.title,
        availability=Availability.DOWNLOADABLE,
        sources=(source,),
        size=release.size,
        seeders=release.seeders,
        indexer=release.indexer or None,
        info_hash=release.info_hash,
    )
    return Found(hit=hit, magnet=release.magnet, link=release.link)


async def search_indexers(client: Client, query: str, kind: SearchKind) -> list[Found]:
    """Music releases of every indexer of one Jackett or Prowlarr."""
    if not wants(kind, HitKind.RELEASE):
        return []
    if isinstance(client, JackettClient):
        response = await client.search(query, timeout=SOURCE_TIMEOUTS[SearchSource.INDEXERS])
    else:
        assert isinstance(client, ProwlarrClient)
        response = await client.search(
            query, limit=INDEXER_COUNT, timeout=SOURCE_TIMEOUTS[SearchSource.INDEXERS]
        )
    return [release_found(release, SearchSource.INDEXERS) for release in response.results]


# ----------------------------------------------------------------------------- Music Brain

_BRAIN_CATEGORIES = {
    SearchKind.ANY: "all",
    SearchKind.ARTIST: "artist",
    SearchKind.ALBUM: "album",
    SearchKind.TRACK: "track",
    SearchKind.RELEASE: "all",
}
_MB_ARTIST = "musicbrainz_artist_"
_MB_ALBUM = "musicbrainz_album_"


def _brain_text(value: str | None) -> str | None:
    """The Brain's Navidrome results keep XML entities (``&amp;``): unescape them."""
    return html.unescape(value) if value else None


def brain_found(result: BrainResult) -> Found | None:
    """One Music Brain result as a hit; None for what no result id can name.

    Quirks (``music-brain-api.md``): local results are Navidrome songs with escaped XML
    entities; ``lidarr`` results are indexer releases whose magnet sits in ``magnet_url``;
    a MusicBrainz artist carries its disambiguation in ``album``; MusicBrainz recordings
    have no result id form and are left out.
    """
    source = SearchSource.MUSIC_BRAIN
    if result.source is BrainSource.LOCAL:
        return Found(
            hit=_library_hit(
                HitKind.TRACK,
                result.id,
                _brain_text(result.title) or "",
                source=source,
                artist=_brain_text(result.artist),
                album=_brain_text(result.album),
                year=result.year,
            )
        )
    if result.source is BrainSource.LIDARR:
        magnet = result.magnet_url or result.download_url
        info_hash = hash_of_magnet(magnet)
        size = round(result.size_mb * MIB) if result.size_mb is not None else None
        hit = SearchHit(
            id=release_id(info_hash, result.id, result.title, result.indexer or ""),
            kind=HitKind.RELEASE,
            title=result.title,
            artist=result.artist or None,
            album=result.album,
            availability=Availability.DOWNLOADABLE,
            sources=(source,),
            size=size,
            seeders=result.seeders,
            indexer=result.indexer,
            info_hash=info_hash,
        )
        return Found(hit=hit, magnet=magnet if info_hash else None, link=result.download_url)
    if result.source is BrainSource.MUSICBRAINZ and result.musicbrainz_id:
        mbid = result.musicbrainz_id
        if result.id.startswith(_MB_ARTIST):
            hit = SearchHit(
                id=make_id(IdPrefix.ARTIST, mbid),
                kind=HitKind.ARTIST,
                title=result.title,
                artist=result.title,
                availability=Availability.AVAILABLE,
                sources=(source,),
                artist_mbid=mbid,
            )
            return Found(hit=hit)
        if result.id.startswith(_MB_ALBUM):
            hit = SearchHit(
                id=make_id(IdPrefix.ALBUM, mbid),
                kind=HitKind.ALBUM,
                title=result.title,
                artist=result.artist or None,
                album=result.title,
                year=result.year,
                availability=Availability.AVAILABLE,
                sources=(source,),
                album_mbid=mbid,
            )
            return Found(hit=hit)
    return None


async def search_music_brain(client: Client, query: str, kind: SearchKind) -> list[Found]:
    """The Music Brain's global search (it skips a backend it cannot reach, silently)."""
    assert isinstance(client, MusicBrainClient)
    results = await client.global_search(
        query, _BRAIN_CATEGORIES[kind], timeout=SOURCE_TIMEOUTS[SearchSource.MUSIC_BRAIN]
    )
    found = (brain_found(result) for result in results.results)
    return [item for item in found if item is not None and wants(kind, item.hit.kind)]


# ----------------------------------------------------------------------------- registry


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """Which backends serve a source, which client they use and how to ask them."""

    kinds: tuple[BackendKind, ...]
    clients: tuple[type[Client], ...]
    adapter: Adapter


SOURCES: dict[SearchSource, SourceSpec] = {
    SearchSource.LIBRARY: SourceSpec((BackendKind.NAVIDROME,), (SubsonicClient,), search_library),
    SearchSource.LIDARR: SourceSpec((BackendKind.LIDARR,), (LidarrClient,), search_lidarr),
    SearchSource.INDEXERS: SourceSpec(
        (BackendKind.JACKETT, BackendKind.PROWLARR),
        (JackettClient, ProwlarrClient),
        search_indexers,
    ),
    SearchSource.MUSIC_BRAIN: SourceSpec(
        (BackendKind.MUSIC_BRAIN,), (MusicBrainClient,), search_music_brain
    ),
}
"""Every source, in :class:`SearchSource` order."""

SOURCE_TIMEOUTS: dict[SearchSource, float] = {
    SearchSource.LIBRARY: REQUEST_TIMEOUT,
    SearchSource.LIDARR: REQUEST_TIMEOUT,
    SearchSource.INDEXERS: 30.0,
    SearchSource.MUSIC_BRAIN: 30.0,
}
"""Seconds each backend of a source may take. Jackett, Prowlarr and the Music Brain ask
every tracker live and get this as their request timeout; the others answer from their
database within their clients' :data:`~..const.REQUEST_TIMEOUT`."""
