"""The merged search against the simulated stack over HTTP, checked against the simulated world.

Every expectation is computed from :mod:`simulator.world` (what each backend would find),
never hard-coded: each source alone, all together (merged, deduplicated, ranked), each
kind, the limit, failing/slow/garbage backends next to working ones, sources not
configured, result ids and their resolution, expiry, and no secret in the response.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from stepheybot_music_clients.errors import (
    BackendRequestError,
    BackendTimeoutError,
    IpBannedError,
    StackError,
)
from stepheybot_music_clients.music_brain import SearchResult as BrainResult
from stepheybot_music_clients.music_brain import SearchSource as BrainSource

from custom_components.stepheybot_music.const import CONF_PUSH, DOMAIN
from custom_components.stepheybot_music.search import (
    Availability,
    ExpiredResultError,
    HitKind,
    InvalidResultIdError,
    ResolvedResult,
    SearchCache,
    SearchHit,
    SearchKind,
    SearchResponse,
    SearchSource,
    SourceStatus,
    async_search,
    resolve_result,
)
from custom_components.stepheybot_music.search import sources as search_sources
from custom_components.stepheybot_music.search.api import failure_message
from custom_components.stepheybot_music.search.crowding import SOURCE_SHARE
from custom_components.stepheybot_music.search.rank import match_quality, merge
from simulator import Fault, Simulator
from simulator.backends.navidrome_library import entity_id
from simulator.model import Album, Artist, Release
from simulator.world import MIB, World

from .conftest import (
    ENTRY_ID,
    STACK_TITLE,
    setup_stack,
    simulator_specs,
    subentry,
    subentry_id,
)

SEARCH_BACKENDS = ("music_brain", "navidrome", "lidarr", "jackett", "prowlarr")
EVERYTHING = 100
"""A limit above what any test query finds, so the whole merged list comes back."""


# ----------------------------------------------------------------------------- the world


def library_album(world: World) -> Album:
    """An album Navidrome has, of an artist whose name no other artist contains."""
    names = [a.name.lower() for a in world.artists.values()]
    return next(
        album
        for album in world.navidrome_albums()
        if sum(world.artist_of(album).name.lower() in name for name in names) == 1
    )


def catalog_artist(world: World) -> Artist:
    """An artist only MusicBrainz knows (not in Lidarr), with a unique name."""
    names = [a.name.lower() for a in world.artists.values()]
    return next(
        artist
        for artist in world.artists.values()
        if not artist.in_lidarr and sum(artist.name.lower() in name for name in names) == 1
    )


def album_with_releases(world: World) -> Album:
    """An album the indexers have releases of."""
    return next(album for album in world.albums.values() if world.releases_for(album))


def artist_availability(artist: Artist, world: World) -> Availability:
    """What Lidarr's lookup shows for an artist."""
    if not artist.in_lidarr:
        return Availability.AVAILABLE
    if any(world.albums[i].track_files for i in artist.album_ids):
        return Availability.IN_LIBRARY
    return Availability.MONITORED if artist.monitored else Availability.AVAILABLE


def album_availability(album: Album, world: World) -> Availability:
    """What Lidarr's lookup shows for an album."""
    if not world.artist_of(album).in_lidarr:
        return Availability.AVAILABLE
    if album.has_files:
        return Availability.IN_LIBRARY
    return Availability.MONITORED if album.monitored else Availability.AVAILABLE


def releases_found(world: World, query: str) -> list[Release]:
    """The releases Jackett and Prowlarr find for ``query`` (music categories)."""
    return world.search_releases(query, limit=500)


def indexer_name(world: World, release: Release) -> str:
    return next(i.name for i in world.indexers if i.id == release.indexer_id)


_COPY = re.compile(r" \(\d+\)$")


def song(title: str, artist: str | None) -> tuple[str, str]:
    """What makes songs one row: title without a trailing copy number, and artist (any case).

    The simulated library names an album's songs "Title", "Title (2)", "Title (3)"...
    """
    return _COPY.sub("", title).lower(), (artist or "").lower()


def songs_of(response: SearchResponse) -> list[SearchHit]:
    return [hit for hit in response.results if hit.kind is HitKind.TRACK]


def assert_one_row_per_song(response: SearchResponse) -> None:
    keys = [song(hit.title, hit.artist) for hit in songs_of(response)]
    assert len(keys) == len(set(keys)), keys


def by_id(response: SearchResponse) -> dict[str, SearchHit]:
    hits = {hit.id: hit for hit in response.results}
    assert len(hits) == len(response.results), "every hit once"
    return hits


def assert_ranked(response: SearchResponse) -> None:
    keys = [
        (-match_quality(response.query, hit), hit.availability.rank, -(hit.seeders or 0))
        for hit in response.results
    ]
    assert keys == sorted(keys)


def assert_ok(response: SearchResponse, sources: Iterable[SearchSource]) -> None:
    for source in sources:
        report = response.sources[source]
        assert (report.status, report.error) == (SourceStatus.OK, None), source


@pytest.fixture
async def stack(hass: HomeAssistant, sim: Simulator) -> MockConfigEntry:
    """A stack with every backend the search asks."""
    return await setup_stack(hass, sim, SEARCH_BACKENDS)


# ----------------------------------------------------------------------------- each source


async def test_library_alone(hass: HomeAssistant, sim: Simulator, stack: MockConfigEntry) -> None:
    world = sim.world
    album = library_album(world)
    query = album.title
    needle = query.lower()
    response = await async_search(hass, stack, query, sources=["library"], limit=EVERYTHING)

    assert list(response.sources) == [SearchSource.LIBRARY]
    assert_ok(response, [SearchSource.LIBRARY])
    albums = [a for a in world.navidrome_albums() if needle in a.title.lower()]
    songs = {
        f"library:{t.id}": t.title
        for a in world.navidrome_albums()
        for t in world.tracks_of(a)
        if needle in t.title.lower()
    }
    artists = {world.artist_of(a).mbid: world.artist_of(a).name for a in world.navidrome_albums()}
    expected = {f"library:{entity_id('album', a.mbid)}": a.title for a in albums}
    expected |= {f"artist:{mbid}": name for mbid, name in artists.items() if needle in name.lower()}
    hits = by_id(response)
    found = {hit_id: hit.title for hit_id, hit in hits.items()}
    assert {k: v for k, v in found.items() if k not in songs} == expected
    found_songs = {k: v for k, v in found.items() if k in songs}
    # Navidrome answers LIBRARY_COUNT songs; copies of one song are one row
    asked = min(len(songs), search_sources.LIBRARY_COUNT)
    assert len(found_songs) + response.duplicates == asked > len(found_songs) > 0
    assert found_songs.items() <= songs.items()
    assert_one_row_per_song(response)
    assert response.sources[SearchSource.LIBRARY].count == len(found) + response.duplicates
    for hit in hits.values():
        assert hit.availability is Availability.IN_LIBRARY
        assert hit.sources == (SearchSource.LIBRARY,)
    for item in albums:
        hit = hits[f"library:{entity_id('album', item.mbid)}"]
        assert (hit.kind, hit.artist, hit.year) == (
            HitKind.ALBUM,
            world.artist_of(item).name,
            item.release_date.year,
        )
    assert_ranked(response)


async def test_every_navidrome_is_searched(hass: HomeAssistant, sim: Simulator) -> None:
    first, second = subentry(sim, "navidrome"), subentry(sim, "navidrome")
    second["subentry_id"] = "01SUBNAVIDROMETWO000000000"  # type: ignore[typeddict-unknown-key]
    second["title"] = "Navidrome two"
    second["data"] = {**second["data"], CONF_URL: second["data"][CONF_URL] + "/"}
    second["unique_id"] = f"navidrome_{second['data'][CONF_URL]}"
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=STACK_TITLE,
        entry_id=ENTRY_ID,
        data={},
        options={CONF_PUSH: False},
        subentries_data=[first, second],
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    album = library_album(sim.world)
    one = await async_search(hass, entry, album.title, sources=["library"], limit=EVERYTHING)
    await sim.set_fault("navidrome", Fault.HTTP_500)
    none = await async_search(hass, entry, album.title, sources=["library"], limit=EVERYTHING)

    report = one.sources[SearchSource.LIBRARY]
    assert report.count == 2 * (len(one.results) + one.duplicates) > 0
    assert all(hit.sources == (SearchSource.LIBRARY,) for hit in one.results)
    report = none.sources[SearchSource.LIBRARY]
    assert (report.status, report.count, none.results) == (SourceStatus.FAILED, 0, ())
    assert report.error == (
        "Navidrome had an internal error; see its logs. "
        "Navidrome two had an internal error; see its logs."
    )


@pytest.mark.parametrize("who", ["library_artist", "catalog_artist", "monitored_artist"])
async def test_lidarr_alone(
    hass: HomeAssistant, sim: Simulator, stack: MockConfigEntry, who: str
) -> None:
    world = sim.world
    artist = (
        world.artist_of(library_album(world)) if who == "library_artist" else catalog_artist(world)
    )
    if who == "monitored_artist":
        world.add_artist(artist.mbid, monitored=True, search=False)
    response = await async_search(hass, stack, artist.name, sources=["lidarr"], limit=EVERYTHING)

    assert_ok(response, [SearchSource.LIDARR])
    artists = world.search_artists(artist.name)[: search_sources.LIDARR_COUNT]
    albums = world.search_albums(artist.name)[: search_sources.LIDARR_COUNT]
    expected = {f"artist:{a.mbid}": artist_availability(a, world) for a in artists}
    expected |= {f"album:{a.mbid}": album_availability(a, world) for a in albums}
    hits = by_id(response)
    assert {hit_id: hit.availability for hit_id, hit in hits.items()} == expected
    assert response.sources[SearchSource.LIDARR].count == len(expected)
    assert all(hit.sources == (SearchSource.LIDARR,) for hit in hits.values())
    for item in albums:
        hit = hits[f"album:{item.mbid}"]
        assert (hit.kind, hit.title, hit.artist, hit.year, hit.artist_mbid, hit.album_mbid) == (
            HitKind.ALBUM,
            item.title,
            world.artist_of(item).name,
            item.release_date.year,
            item.artist_mbid,
            item.mbid,
        )
    first = response.results[0]
    assert (first.id, first.kind, first.title) == (
        f"artist:{artist.mbid}",
        HitKind.ARTIST,
        artist.name,
    )
    if who == "catalog_artist":
        assert {hit.availability for hit in hits.values()} == {Availability.AVAILABLE}
    elif who == "monitored_artist":
        assert {hit.availability for hit in hits.values()} == {Availability.MONITORED}
    else:
        assert first.availability is Availability.IN_LIBRARY


@pytest.mark.parametrize("backends", [("jackett",), ("prowlarr",), ("jackett", "prowlarr")])
async def test_indexers_alone(
    hass: HomeAssistant, sim: Simulator, backends: tuple[str, ...]
) -> None:
    entry = await setup_stack(hass, sim, backends)
    world = sim.world
    album = album_with_releases(world)
    query = f"{world.artist_of(album).name} {album.title}"
    response = await async_search(hass, entry, query, limit=EVERYTHING)

    releases = releases_found(world, query)
    assert releases
    assert_ok(response, [SearchSource.INDEXERS])
    assert response.sources[SearchSource.INDEXERS].count == len(releases) * len(backends)
    hits = by_id(response)
    assert set(hits) == {f"release:{r.info_hash}" for r in releases}
    for release in releases:
        hit = hits[f"release:{release.info_hash}"]
        assert (hit.kind, hit.title, hit.size, hit.seeders, hit.indexer, hit.info_hash) == (
            HitKind.RELEASE,
            release.title,
            release.size,
            release.seeders,
            indexer_name(world, release),
            release.info_hash,
        )
        assert hit.availability is Availability.DOWNLOADABLE
        assert hit.sources == (SearchSource.INDEXERS,)
    for source in (SearchSource.LIBRARY, SearchSource.LIDARR, SearchSource.MUSIC_BRAIN):
        assert response.sources[source].status is SourceStatus.NOT_CONFIGURED
    seeders = [hit.seeders or 0 for hit in response.results]
    qualities = [match_quality(query, hit) for hit in response.results]
    assert all(
        seeders[i] >= seeders[i + 1]
        for i in range(len(seeders) - 1)
        if qualities[i] == qualities[i + 1]
    )


async def test_music_brain_alone(
    hass: HomeAssistant, sim: Simulator, stack: MockConfigEntry
) -> None:
    world = sim.world
    artist = world.artist_of(library_album(world))
    needle = artist.name.lower()
    response = await async_search(
        hass, stack, artist.name, sources=[SearchSource.MUSIC_BRAIN], limit=EVERYTHING
    )

    assert_ok(response, [SearchSource.MUSIC_BRAIN])
    local = [
        track
        for album in world.navidrome_albums()
        if needle in album.title.lower() or needle in world.artist_of(album).name.lower()
        for track in world.tracks_of(album)
    ][:50]
    releases = world.search_releases(artist.name, limit=10)
    expected = {f"release:{r.info_hash}": Availability.DOWNLOADABLE for r in releases}
    expected |= {
        f"artist:{a.mbid}": Availability.AVAILABLE for a in world.search_artists(artist.name)[:5]
    }
    expected |= {
        f"album:{a.mbid}": Availability.AVAILABLE for a in world.search_albums(artist.name)[:5]
    }
    hits = by_id(response)
    # the Brain's 50 songs: copies of one song ("Title (2)") are one row
    songs = {hit.id: hit for hit in songs_of(response)}
    assert set(songs) <= {f"library:{t.id}" for t in local}
    artist_of_track = {f"library:{t.id}": artist.name for t in local}
    keys = {song(t.title, artist_of_track[f"library:{t.id}"]) for t in local}
    assert {song(hit.title, hit.artist) for hit in songs.values()} == keys
    assert_one_row_per_song(response)
    assert response.duplicates == len(local) - len(keys) > 0
    assert all(hit.availability is Availability.IN_LIBRARY for hit in songs.values())
    others = {hit_id: hit.availability for hit_id, hit in hits.items() if hit_id not in songs}
    assert others == expected
    report = response.sources[SearchSource.MUSIC_BRAIN]
    assert report.count == len(expected) + len(local)
    for release in releases:
        hit = hits[f"release:{release.info_hash}"]
        assert (hit.title, hit.seeders, hit.size) == (
            release.title,
            release.seeders,
            release.size // MIB * MIB,
        )
    track = local[0]  # the first song of the first album, no copy number: its own row
    assert hits[f"library:{track.id}"].title == track.title
    assert response.results[0].id == f"artist:{artist.mbid}"


# ----------------------------------------------------------------------------- merged


async def test_all_sources_merge_dedupe_and_rank(
    hass: HomeAssistant, sim: Simulator, stack: MockConfigEntry
) -> None:
    world = sim.world
    album = library_album(world)
    artist = world.artist_of(album)
    response = await async_search(hass, stack, artist.name, limit=EVERYTHING)

    assert_ok(response, SearchSource)
    hits = by_id(response)
    # the artist: one hit from three sources, the best availability, ranked first
    top = response.results[0]
    assert top.id == f"artist:{artist.mbid}"
    assert top.sources == (SearchSource.LIBRARY, SearchSource.LIDARR, SearchSource.MUSIC_BRAIN)
    assert top.availability is Availability.IN_LIBRARY
    # its albums: Lidarr's lookup and the Brain's MusicBrainz part are one hit each
    brain_albums = {a.mbid for a in world.search_albums(artist.name)[:5]}
    for item in world.search_albums(artist.name)[: search_sources.LIDARR_COUNT]:
        hit = hits[f"album:{item.mbid}"]
        expected_sources = [SearchSource.LIDARR]
        if item.mbid in brain_albums:
            expected_sources.append(SearchSource.MUSIC_BRAIN)
        assert hit.sources == tuple(expected_sources)
        assert hit.availability is album_availability(item, world)
    # releases the indexers and the Brain both found are one hit each
    releases = world.search_releases(artist.name, limit=500)
    brain_releases = {r.info_hash for r in world.search_releases(artist.name, limit=10)}
    for release in releases:
        hit = hits[f"release:{release.info_hash}"]
        expected: tuple[SearchSource, ...] = (SearchSource.INDEXERS,)
        if release.info_hash in brain_releases:
            expected += (SearchSource.MUSIC_BRAIN,)
        assert hit.sources == expected
    counts = {source: report.count for source, report in response.sources.items()}
    assert sum(counts.values()) > len(response.results)
    assert_ranked(response)


async def test_library_and_lidarr_albums_merge_by_name(
    hass: HomeAssistant, sim: Simulator, stack: MockConfigEntry
) -> None:
    world = sim.world
    album = library_album(world)
    response = await async_search(
        hass, stack, album.title, kind="album", sources=["library", "lidarr"], limit=EVERYTHING
    )
    hit = by_id(response)[f"album:{album.mbid}"]
    assert hit.sources == (SearchSource.LIBRARY, SearchSource.LIDARR)
    assert hit.availability is Availability.IN_LIBRARY
    assert hit.library_id == entity_id("album", album.mbid)
    assert f"library:{entity_id('album', album.mbid)}" not in by_id(response)


@pytest.mark.parametrize("kind", list(SearchKind))
async def test_each_kind(
    hass: HomeAssistant, sim: Simulator, stack: MockConfigEntry, kind: SearchKind
) -> None:
    world = sim.world
    album = library_album(world)
    query = album.title if kind is SearchKind.TRACK else world.artist_of(album).name
    response = await async_search(hass, stack, query, kind=kind, limit=EVERYTHING)
    assert_ok(response, SearchSource)
    kinds = {hit.kind for hit in response.results}
    if kind is SearchKind.ANY:
        assert kinds == set(HitKind)
    else:
        assert kinds == {HitKind(kind.value)}
    assert response.as_dict()["kind"] == kind.value


async def test_limit_caps_the_ranked_list(
    hass: HomeAssistant, sim: Simulator, stack: MockConfigEntry
) -> None:
    query = sim.world.artist_of(library_album(sim.world)).name
    everything = await async_search(hass, stack, query, limit=EVERYTHING)
    few = await async_search(hass, stack, query, limit=3)
    assert len(everything.results) > 3
    assert everything.omitted == 0
    ids = [h.id for h in everything.results]
    assert [h.id for h in few.results] == sorted((h.id for h in few.results), key=ids.index)
    assert few.results[0] == everything.results[0]
    assert few.omitted == len(everything.results) - 3
    for source, report in few.sources.items():
        assert (report.status, report.count) == (
            everything.sources[source].status,
            everything.sources[source].count,
        )
        shown = sum(source in h.sources for h in few.results)
        assert report.omitted == sum(source in h.sources for h in everything.results) - shown
    default = await async_search(hass, stack, query)
    assert len(default.results) == min(20, len(everything.results))


async def test_near_identical_songs_are_one_row_listing_every_source(
    hass: HomeAssistant, sim: Simulator, stack: MockConfigEntry
) -> None:
    world = sim.world
    album = library_album(world)
    artist = world.artist_of(album).name
    tracks = list(world.tracks_of(album))
    assert [t.title for t in tracks[:2]] == [album.title, f"{album.title} (2)"]
    sources = ["library", "music_brain"]
    response = await async_search(
        hass, stack, album.title, kind="track", sources=sources, limit=EVERYTHING
    )
    assert_ok(response, [SearchSource.LIBRARY, SearchSource.MUSIC_BRAIN])
    assert_one_row_per_song(response)
    (row,) = [h for h in songs_of(response) if song(h.title, h.artist) == song(album.title, artist)]
    assert (row.id, row.title) == (f"library:{tracks[0].id}", album.title)
    assert row.sources == (SearchSource.LIBRARY, SearchSource.MUSIC_BRAIN)
    # the album's other songs were folded into it: by Navidrome (20 songs) and the Brain (50)
    assert response.duplicates >= len(tracks) - 1
    assert response.omitted == 0
    data = response.as_dict()
    assert (data["duplicates"], data["omitted"]) == (response.duplicates, 0)


async def test_one_source_cannot_crowd_the_others_out(
    hass: HomeAssistant, sim: Simulator, stack: MockConfigEntry
) -> None:
    """The Music Brain's 50 songs once filled the list and hid the indexers' releases."""
    world = sim.world
    # the word most of the library's albums have in their titles: many songs match it
    words = Counter(w for a in world.navidrome_albums() for w in set(a.title.lower().split()))
    query = words.most_common(1)[0][0]
    everything = await async_search(hass, stack, query, limit=EVERYTHING)
    releases = [h for h in everything.results if h.kind is HitKind.RELEASE]
    assert releases
    limit = 20
    response = await async_search(hass, stack, query)
    assert_ok(response, SearchSource)
    assert len(response.results) == limit < len(everything.results)
    assert any(hit.kind is HitKind.RELEASE for hit in response.results)
    assert SearchSource.INDEXERS in {s for hit in response.results for s in hit.sources}
    cap = math.ceil(limit * SOURCE_SHARE)
    shown = {hit.id for hit in response.results}
    by_source = Counter(source for hit in response.results for source in hit.sources)
    for source in SearchSource:
        found = sum(source in hit.sources for hit in everything.results)
        assert response.sources[source].omitted == found - by_source[source]
    # a better row is left out only when every source that found it had its share
    ids = [hit.id for hit in everything.results]
    last = max(ids.index(hit_id) for hit_id in shown)
    held = [hit for hit in everything.results[:last] if hit.id not in shown]
    assert held, "the share made room for other sources"
    for hit in held:
        assert all(by_source[source] >= cap for source in hit.sources), hit
    assert response.omitted == len(everything.results) - limit
    assert response.as_dict()["omitted"] == response.omitted
    # kept in rank order, the best first
    assert [hit.id for hit in response.results] == sorted(
        (hit.id for hit in response.results), key=ids.index
    )
    assert response.results[0] == everything.results[0]


async def test_a_source_alone_still_fills_the_limit(
    hass: HomeAssistant, sim: Simulator, stack: MockConfigEntry
) -> None:
    world = sim.world
    artist = world.artist_of(album_with_releases(world))
    everything = await async_search(hass, stack, artist.name, sources=["lidarr"], limit=EVERYTHING)
    limit = 4
    assert len(everything.results) > limit
    response = await async_search(hass, stack, artist.name, sources=["lidarr"], limit=limit)
    assert [h.id for h in response.results] == [h.id for h in everything.results[:limit]]
    assert response.omitted == response.sources[SearchSource.LIDARR].omitted
    assert response.omitted == len(everything.results) - limit


@pytest.mark.parametrize(
    "arguments",
    [
        {"query": "  "},
        {"query": "x", "limit": 0},
        {"query": "x", "limit": 101},
        {"query": "x", "sources": ["library", "spotify"]},
        {"query": "x", "kind": "playlist"},
    ],
)
async def test_bad_arguments(
    hass: HomeAssistant, stack: MockConfigEntry, arguments: dict[str, Any]
) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (each case its own message)
        await async_search(hass, stack, **arguments)


# ----------------------------------------------------------------------------- failures


FAILURES = {
    Fault.DOWN: "{title} is unreachable; check that it runs.",
    Fault.HTTP_500: "{title} had an internal error; see its logs.",
    Fault.MALFORMED_JSON: "{title} sent an answer the integration does not understand.",
    Fault.TRUNCATED_JSON: "{title} sent an answer the integration does not understand.",
    Fault.AUTH_REVOKED: (
        "{title} rejected its credentials; reauthenticate it from the integration page."
    ),
}
BACKEND_OF = {
    SearchSource.LIBRARY: ("navidrome", "Navidrome"),
    SearchSource.LIDARR: ("lidarr", "Lidarr"),
    SearchSource.MUSIC_BRAIN: ("music_brain", "StepheyBot Music Brain"),
}


@pytest.mark.parametrize(
    ("broken", "fault"),
    [
        (broken, fault)
        for broken in BACKEND_OF
        for fault in FAILURES
        # the Music Brain has no credentials to revoke
        if (broken, fault) != (SearchSource.MUSIC_BRAIN, Fault.AUTH_REVOKED)
    ],
)
async def test_one_source_fails_the_others_answer(
    hass: HomeAssistant,
    sim: Simulator,
    stack: MockConfigEntry,
    broken: SearchSource,
    fault: Fault,
) -> None:
    name, title = BACKEND_OF[broken]
    query = sim.world.artist_of(library_album(sim.world)).name
    healthy = await async_search(hass, stack, query, limit=EVERYTHING)
    await sim.set_fault(name, fault)

    response = await async_search(hass, stack, query, limit=EVERYTHING)

    report = response.sources[broken]
    assert (report.status, report.count) == (SourceStatus.FAILED, 0)
    assert report.error == FAILURES[fault].format(title=title)
    others = [source for source in SearchSource if source is not broken]
    assert_ok(response, others)
    for source in others:
        assert response.sources[source].count > 0
    assert response.results
    assert any(broken in hit.sources for hit in healthy.results)
    assert all(broken not in hit.sources for hit in response.results)
    assert response.as_dict()["sources"][str(broken)] == {
        "status": "failed",
        "count": 0,
        "error": FAILURES[fault].format(title=title),
        "omitted": 0,
    }


@pytest.mark.parametrize("slow", [*BACKEND_OF, SearchSource.INDEXERS])
async def test_a_slow_source_times_out_the_others_answer(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch, slow: SearchSource
) -> None:
    # real time here: a timeout needs the event loop's clock to run
    monkeypatch.setitem(search_sources.SOURCE_TIMEOUTS, slow, 0.3)
    names = ("jackett",) if slow is SearchSource.INDEXERS else (BACKEND_OF[slow][0],)
    titles = ("Jackett",) if slow is SearchSource.INDEXERS else (BACKEND_OF[slow][1],)
    specs = simulator_specs(SEARCH_BACKENDS)
    specs = [spec for spec in specs if spec.name != "prowlarr" or slow is not SearchSource.INDEXERS]
    async with Simulator(seed=7, specs=specs, speed=0, slow_delay=1.0) as live:
        entry = await setup_stack(hass, live, [spec.name for spec in specs])
        query = live.world.artist_of(library_album(live.world)).name
        for name in names:
            await live.set_fault(name, Fault.SLOW)
        response = await async_search(hass, entry, query, limit=EVERYTHING)
    report = response.sources[slow]
    assert (report.status, report.count) == (SourceStatus.FAILED, 0)
    assert report.error == " ".join(f"{t} did not answer within 0.3 seconds." for t in titles)
    others = [source for source in SearchSource if source is not slow]
    assert_ok(response, others)
    assert all(response.sources[source].count > 0 for source in others)
    assert all(slow not in hit.sources for hit in response.results)


async def test_a_bug_in_one_source_does_not_sink_the_others(
    hass: HomeAssistant,
    sim: Simulator,
    stack: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    navidrome = stack.runtime_data.backends[subentry_id("navidrome")]
    navidrome.fast = navidrome.slow = ()  # no client left to search with
    query = sim.world.artist_of(library_album(sim.world)).name
    response = await async_search(hass, stack, query)
    report = response.sources[SearchSource.LIBRARY]
    assert (report.status, report.error) == (
        SourceStatus.FAILED,
        "Navidrome failed to search; see the Home Assistant log.",
    )
    assert_ok(response, [s for s in SearchSource if s is not SearchSource.LIBRARY])
    assert "Navidrome failed to search" in caplog.text


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (IpBannedError("banned", retry_after=60), "X has banned Home Assistant's IP address"),
        (BackendRequestError("no"), "X refused the search."),
        (StackError("odd"), "X failed to search; see the Home Assistant log."),
        (TimeoutError(), "X did not answer within 2.5 seconds."),
        (BackendTimeoutError("slow"), "X did not answer within 2.5 seconds."),
    ],
)
def test_failure_messages(error: Exception, message: str) -> None:
    assert failure_message("X", error, 2.5).startswith(message)


async def test_one_indexer_backend_fails_the_other_answers(
    hass: HomeAssistant, sim: Simulator, stack: MockConfigEntry
) -> None:
    world = sim.world
    album = album_with_releases(world)
    query = f"{world.artist_of(album).name} {album.title}"
    await sim.set_fault("jackett", Fault.DOWN)
    response = await async_search(hass, stack, query, sources=["indexers"])
    report = response.sources[SearchSource.INDEXERS]
    assert report.status is SourceStatus.OK
    assert report.error == "Jackett is unreachable; check that it runs."
    assert report.count == len(releases_found(world, query))
    await sim.set_fault("prowlarr", Fault.AUTH_REVOKED)
    response = await async_search(hass, stack, query, sources=["indexers"])
    report = response.sources[SearchSource.INDEXERS]
    assert (report.status, report.count, response.results) == (SourceStatus.FAILED, 0, ())
    assert report.error == (
        "Jackett is unreachable; check that it runs. Prowlarr rejected its credentials; "
        "reauthenticate it from the integration page."
    )


async def test_sources_not_configured(hass: HomeAssistant, sim: Simulator) -> None:
    entry = await setup_stack(hass, sim, ["navidrome"])
    album = library_album(sim.world)
    response = await async_search(hass, entry, album.title)
    assert list(response.sources) == list(SearchSource)
    assert_ok(response, [SearchSource.LIBRARY])
    for source in (SearchSource.LIDARR, SearchSource.INDEXERS, SearchSource.MUSIC_BRAIN):
        assert response.as_dict()["sources"][str(source)] == {
            "status": "not_configured",
            "count": 0,
            "error": None,
            "omitted": 0,
        }
    assert response.results
    asked = await async_search(hass, entry, album.title, sources=["lidarr"])
    assert asked.results == ()
    assert {str(k): v.status for k, v in asked.sources.items()} == {
        "lidarr": SourceStatus.NOT_CONFIGURED
    }


# ----------------------------------------------------------------------------- ids


async def test_every_id_resolves(
    hass: HomeAssistant, sim: Simulator, stack: MockConfigEntry
) -> None:
    world = sim.world
    query = world.artist_of(library_album(world)).name
    response = await async_search(hass, stack, query, limit=EVERYTHING)
    seen = set()
    for hit in response.results:
        resolved = resolve_result(stack, hit.id)
        seen.add(hit.id.partition(":")[0])
        assert (resolved.id, resolved.kind, resolved.title, resolved.artist) == (
            hit.id,
            hit.kind,
            hit.title,
            hit.artist,
        )
        assert (resolved.artist_mbid, resolved.album_mbid, resolved.availability) == (
            hit.artist_mbid,
            hit.album_mbid,
            hit.availability,
        )
        assert resolved.in_library is (hit.availability is Availability.IN_LIBRARY)
        if hit.kind is HitKind.RELEASE:
            release = world.release_by_hash(hit.id.removeprefix("release:"))
            assert release is not None
            assert resolved.magnet == release.magnet
            assert resolved.info_hash == release.info_hash
            assert "magnet" not in repr(resolved)
            shouted = "release:" + hit.id.removeprefix("release:").upper()
            assert resolve_result(stack, f" {shouted} ") == resolved
        else:
            assert resolved.magnet is None
    assert seen == {"artist", "album", "release", "library"}


async def test_release_ids_expire_others_keep_their_musicbrainz_id(
    hass: HomeAssistant, sim: Simulator, stack: MockConfigEntry, frozen: FrozenDateTimeFactory
) -> None:
    world = sim.world
    album = next(a for a in world.navidrome_albums() if world.releases_for(a))
    query = album.title
    response = await async_search(hass, stack, query, limit=EVERYTHING)
    release = next(hit for hit in response.results if hit.kind is HitKind.RELEASE)
    album_hit = next(hit for hit in response.results if hit.kind is HitKind.ALBUM)
    library_hit = next(hit for hit in response.results if hit.id.startswith("library:"))
    frozen.tick(timedelta(minutes=59))
    assert resolve_result(stack, release.id).magnet

    frozen.tick(timedelta(minutes=2))
    with pytest.raises(ExpiredResultError) as caught:
        resolve_result(stack, release.id)
    assert caught.value.message == (
        f"The search result '{release.id}' has expired (results are kept for an hour and "
        "forgotten on restart); search again and use the new id."
    )
    assert caught.value.translation_key == "search_result_expired"
    resolved = resolve_result(stack, album_hit.id)
    assert (resolved.kind, resolved.album_mbid, resolved.title) == (
        HitKind.ALBUM,
        album_hit.album_mbid,
        None,
    )
    artist_id = f"artist:{world.artist_of(album).mbid}"
    resolved = resolve_result(stack, artist_id.upper().replace("ARTIST:", "artist:"))
    assert (resolved.id, resolved.kind, resolved.artist_mbid) == (
        artist_id,
        HitKind.ARTIST,
        world.artist_of(album).mbid,
    )
    resolved = resolve_result(stack, library_hit.id)
    assert (resolved.kind, resolved.library_id, resolved.in_library) == (
        None,
        library_hit.id.removeprefix("library:"),
        True,
    )
    # searching again makes a fresh id that resolves
    again = await async_search(hass, stack, query, limit=EVERYTHING)
    assert release.id in by_id(again)
    assert resolve_result(stack, release.id).info_hash == release.info_hash


async def test_unknown_release_id(stack: MockConfigEntry) -> None:
    with pytest.raises(ExpiredResultError, match="search again"):
        resolve_result(stack, "release:" + "ab" * 20)


@pytest.mark.parametrize(
    "result_id",
    [
        "",
        "artist",
        "artist:",
        "artist:not-a-musicbrainz-id",
        "album:123",
        "release:magnet?xt=urn:btih:abc",
        "release:" + "z" * 40,
        "library:",
        "library:../../etc",
        "spotify:4uLU6hMCjMI75M1A2tKUQC",
        "release:" + "a" * 41,
    ],
)
async def test_malformed_ids(stack: MockConfigEntry, result_id: str) -> None:
    with pytest.raises(InvalidResultIdError) as caught:
        resolve_result(stack, result_id)
    # ids with characters no result id has are shown by their first 12 characters only
    not_plain = {"release:magnet?xt=urn:btih:abc", "library:../../etc"}
    shown = result_id[:12] + "…" if result_id in not_plain else result_id
    assert caught.value.message == (
        f"'{shown}' is not a search result id; use the id of a search result "
        "(artist:…, album:…, release:… or library:…)."
    )
    assert caught.value.placeholders == {"result_id": shown}
    assert caught.value.translation_key == "invalid_result_id"


async def test_a_pasted_link_is_not_echoed(stack: MockConfigEntry) -> None:
    pasted = "magnet:?xt=urn:btih:" + "a" * 40 + "&tr=https://t.example/announce?passkey=S3CR3T"
    for result_id in (pasted, "release:" + pasted):
        with pytest.raises(InvalidResultIdError) as caught:
            resolve_result(stack, result_id)
        assert "S3CR3T" not in caught.value.message
        assert "S3CR3T" not in str(caught.value.placeholders)
        assert caught.value.placeholders == {"result_id": result_id[:12] + "…"}
        assert caught.value.message.startswith(f"'{result_id[:12]}…' is not a search result id")


async def test_no_link_or_secret_in_the_response(
    hass: HomeAssistant, sim: Simulator, stack: MockConfigEntry
) -> None:
    world = sim.world
    album = album_with_releases(world)
    query = f"{world.artist_of(album).name} {album.title}"
    response = await async_search(hass, stack, query, limit=EVERYTHING)
    text = json.dumps(response.as_dict())
    assert response.results
    assert any(hit.kind is HitKind.RELEASE for hit in response.results)
    for secret in (sim.spec("jackett").api_key, sim.spec("prowlarr").api_key):
        assert secret
        assert secret not in text
        assert secret not in repr(response)
    for marker in ("magnet:", "btih", "apikey", "http://", "https://"):
        assert marker not in text
        assert marker not in repr(response)
    releases = [h for h in response.as_dict()["results"] if h["kind"] == "release"]
    assert {h["info_hash"] for h in releases} == {
        r.info_hash for r in world.search_releases(query, limit=500)
    }


# ----------------------------------------------------------------------------- pure parts


def test_cache_is_bounded_and_ages() -> None:
    now = [1000.0]
    cache = SearchCache(ttl=60.0, max_entries=3, clock=lambda: now[0])
    results = [ResolvedResult(id=f"library:{n}", kind=HitKind.TRACK) for n in range(5)]
    cache.put(results[:4])
    assert len(cache) == 3
    assert cache.get("library:0") is None
    assert cache.get("library:3") == results[3]
    now[0] += 30
    cache.put([results[4], results[1]])  # seen again: a new hour for it
    assert [cache.get(f"library:{n}") is not None for n in range(5)] == [
        False,
        True,
        False,
        True,
        True,
    ]
    now[0] += 31
    assert cache.get("library:3") is None
    assert cache.get("library:1") == results[1]
    assert repr(cache) == "SearchCache(2 results)"
    cache.clear()
    assert len(cache) == 0


def test_music_brain_quirks() -> None:
    local = BrainResult(
        id="abc123",
        title="Rock &amp; Roll",
        artist="Sam &amp; Dave",
        album="Soul &#39;67",
        source=BrainSource.LOCAL,
        available=True,
        year=1967,
    )
    found = search_sources.brain_found(local)
    assert found is not None
    assert (found.hit.id, found.hit.title, found.hit.artist, found.hit.album) == (
        "library:abc123",
        "Rock & Roll",
        "Sam & Dave",
        "Soul '67",
    )
    artist = BrainResult(
        id="musicbrainz_artist_056e4f3e-d505-4dad-8ec1-d04f521cbb56",
        title="Daft Punk",
        artist="Daft Punk",
        album="French electronic duo",
        source=BrainSource.MUSICBRAINZ,
        available=False,
        musicbrainz_id="056e4f3e-d505-4dad-8ec1-d04f521cbb56",
        result_type="Group",
    )
    found = search_sources.brain_found(artist)
    assert found is not None
    assert (found.hit.kind, found.hit.album, found.hit.artist_mbid) == (
        HitKind.ARTIST,
        None,
        "056e4f3e-d505-4dad-8ec1-d04f521cbb56",
    )
    recording = BrainResult(
        id="musicbrainz_recording_1f9c1b1e-0000-4000-8000-000000000000",
        title="One More Time",
        artist="Daft Punk",
        album="Single",
        source=BrainSource.MUSICBRAINZ,
        available=False,
        musicbrainz_id="1f9c1b1e-0000-4000-8000-000000000000",
        result_type="track",
    )
    assert search_sources.brain_found(recording) is None
    assert search_sources.brain_found(replace(artist, musicbrainz_id=None)) is None
    no_hash = BrainResult(
        id="lidarr_some-guid",
        title="Daft Punk - Discovery [FLAC]",
        artist="Daft Punk",
        album="Discovery",
        source=BrainSource.LIDARR,
        available=False,
        download_url="https://tracker.example/dl/1?passkey=secret",
        size_mb=512.0,
    )
    found = search_sources.brain_found(no_hash)
    assert found is not None
    assert found.hit.id.startswith("release:")
    assert len(found.hit.id) == len("release:") + 40
    assert (found.hit.info_hash, found.hit.size, found.magnet) == (None, 512 * MIB, None)
    assert "secret" not in repr(found)
    assert "secret" not in json.dumps(found.hit.as_dict())


def _hit(kind: HitKind, hit_id: str, title: str, source: SearchSource, **fields: Any) -> SearchHit:
    return SearchHit(
        id=hit_id,
        kind=kind,
        title=title,
        availability=fields.pop("availability", Availability.AVAILABLE),
        sources=(source,),
        **fields,
    )


def test_merge_rules() -> None:
    mbid, other = "056e4f3e-d505-4dad-8ec1-d04f521cbb56", "11111111-2222-4333-8444-555555555555"
    library = _hit(
        HitKind.ARTIST,
        "library:ar1",
        "Sigur Rós",
        SearchSource.LIBRARY,
        library_id="ar1",
        availability=Availability.IN_LIBRARY,
    )
    lidarr = _hit(
        HitKind.ARTIST, f"artist:{mbid}", "Sigur Ros", SearchSource.LIDARR, artist_mbid=mbid
    )
    namesake = _hit(
        HitKind.ARTIST, f"artist:{other}", "Sigur Rós", SearchSource.MUSIC_BRAIN, artist_mbid=other
    )
    release = _hit(HitKind.RELEASE, "release:" + "1" * 40, "Takk", SearchSource.INDEXERS)
    same_release = _hit(
        HitKind.RELEASE, "release:" + "1" * 40, "Takk", SearchSource.MUSIC_BRAIN, seeders=4
    )
    merged = merge([library, lidarr, namesake, release, same_release])
    assert [(h.id, h.sources, h.availability) for h in merged] == [
        (
            f"artist:{mbid}",
            (SearchSource.LIBRARY, SearchSource.LIDARR),
            Availability.IN_LIBRARY,
        ),
        (f"artist:{other}", (SearchSource.MUSIC_BRAIN,), Availability.AVAILABLE),
        (
            "release:" + "1" * 40,
            (SearchSource.INDEXERS, SearchSource.MUSIC_BRAIN),
            Availability.AVAILABLE,
        ),
    ]
    assert (merged[0].library_id, merged[2].seeders) == ("ar1", 4)


def test_match_quality() -> None:
    def quality(query: str, title: str, artist: str | None = None) -> int:
        return match_quality(
            query, _hit(HitKind.ALBUM, "x", title, SearchSource.LIDARR, artist=artist)
        )

    assert quality("takk", "Takk...") == 100
    assert quality("sigur ros takk", "Takk", "Sigur Rós") == 100
    assert quality("takk", "Takk (Live) [FLAC]") < quality("takk", "Takk Live") < 100
    assert quality("takk", "Ágætis byrjun", "Sigur Rós") == 0
    assert quality("...", "Takk") == 0


def test_release_ids() -> None:
    info_hash = "0123456789abcdef0123456789ABCDEF01234567"
    assert search_sources.release_id(info_hash, "guid", "t", "i") == "release:" + info_hash.lower()
    odd = search_sources.release_id("not-a-hash", "guid-1", "t", "i")
    assert odd == search_sources.release_id(None, "guid-1", "other title", "other indexer")
    assert odd != search_sources.release_id(None, None, "t", "i")
    assert len(odd) == len("release:") + 40
