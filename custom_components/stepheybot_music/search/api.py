"""The merged search of a stack and the resolution of its result ids.

Every asked source that is configured runs at once, each backend with its own timeout
(:data:`~.sources.SOURCE_TIMEOUTS`); one that fails, times out or answers garbage is
reported in :attr:`SearchResponse.sources` and never sinks the others. The hits are merged
and ranked (:mod:`.rank`), near-identical songs folded and each source held to its share of
the rows (:mod:`.crowding`); the response says how many rows were left out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant
from stepheybot_music_clients.errors import (
    BackendRequestError,
    BackendTimeoutError,
    FailureReason,
    StackError,
)

from ..spoken import spoken_error
from .crowding import collapse, omitted_by_source, share
from .models import (
    Availability,
    ExpiredResultError,
    HitKind,
    IdPrefix,
    ResolvedResult,
    SearchHit,
    SearchKind,
    SearchResponse,
    SearchSource,
    SourceReport,
    SourceStatus,
    make_id,
    parse_id,
)
from .rank import merge, rank
from .sources import SOURCE_TIMEOUTS, SOURCES, Client, Found

if TYPE_CHECKING:
    from ..runtime import BackendRuntime, StepheyBotConfigEntry

_LOGGER = logging.getLogger(__name__)
MAX_LIMIT = 100
"""Most hits one search returns."""

type Outcome = list[Found] | str
"""What one backend gave: its hits, or a short user-facing error."""


def failure_message(title: str, err: Exception, timeout: float) -> str:
    """A short, secret-free and URL-free sentence about a backend that failed a search."""
    if isinstance(err, TimeoutError | BackendTimeoutError):
        return f"{title} did not answer within {timeout:g} seconds."
    if isinstance(err, BackendRequestError):
        return f"{title} refused the search."
    if isinstance(err, StackError) and err.reason is not FailureReason.ERROR:
        return spoken_error(err, title)
    return f"{title} failed to search; see the Home Assistant log."


def _client_of(backend: BackendRuntime, source: SearchSource) -> Client:
    """The client a backend's coordinators poll with (every backend of a source has one)."""
    return next(
        client
        for coordinator in backend.coordinators
        if isinstance(client := getattr(coordinator, "client", None), SOURCES[source].clients)
    )


async def _ask(
    backend: BackendRuntime, source: SearchSource, query: str, kind: SearchKind
) -> Outcome:
    """One backend's hits, or why it has none; never raises."""
    timeout = SOURCE_TIMEOUTS[source]
    title = backend.ref.title
    try:
        async with asyncio.timeout(timeout):
            return await SOURCES[source].adapter(_client_of(backend, source), query, kind)
    except (StackError, TimeoutError) as err:
        _LOGGER.debug("%s failed to search: %s", title, type(err).__name__)
        return failure_message(title, err, timeout)
    except Exception as err:
        # a bug or a payload no parser expected must not sink the other sources
        _LOGGER.exception("%s failed to search", title)
        return failure_message(title, err, timeout)


def _report(outcomes: list[Outcome]) -> SourceReport:
    errors = [outcome for outcome in outcomes if isinstance(outcome, str)]
    count = sum(len(outcome) for outcome in outcomes if not isinstance(outcome, str))
    status = SourceStatus.FAILED if len(errors) == len(outcomes) else SourceStatus.OK
    return SourceReport(status=status, count=count, error=" ".join(errors) or None)


def _asked(sources: Iterable[SearchSource | str] | None) -> list[SearchSource]:
    if sources is None:
        return list(SearchSource)
    wanted = {SearchSource(source) for source in sources}
    return [source for source in SearchSource if source in wanted]


async def async_search(
    hass: HomeAssistant,
    entry: StepheyBotConfigEntry,
    query: str,
    *,
    kind: SearchKind | str = SearchKind.ANY,
    sources: Iterable[SearchSource | str] | None = None,
    limit: int = 20,
) -> SearchResponse:
    """Search every asked source of the stack at once and merge the hits into one ranked list.

    ``sources=None`` asks every source (those not configured are reported so); ``limit``
    (1 to :data:`MAX_LIMIT`) caps the list, of which one source fills at most half while
    others have rows to show (:mod:`.crowding`). Raises ``ValueError`` for an empty query, an
    unknown kind or source, or a limit out of range (the action's schema checks these).
    The hits are remembered for an hour, so :func:`resolve_result` can resolve their ids.
    """
    query = query.strip()
    if not query:
        raise ValueError("query must not be empty")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
    kind = SearchKind(kind)
    asked = _asked(sources)
    runtime = entry.runtime_data

    jobs: dict[SearchSource, list[asyncio.Task[Outcome]]] = {}
    reports: dict[SearchSource, SourceReport] = {}
    for source in asked:
        backends = [
            backend
            for backend in runtime.backends.values()
            if backend.ref.kind in SOURCES[source].kinds
        ]
        if not backends:
            reports[source] = SourceReport(status=SourceStatus.NOT_CONFIGURED)
            continue
        jobs[source] = [
            asyncio.create_task(_ask(backend, source, query, kind)) for backend in backends
        ]
    await asyncio.gather(*(task for tasks in jobs.values() for task in tasks))

    found: list[Found] = []
    for source, tasks in jobs.items():
        outcomes = [task.result() for task in tasks]
        reports[source] = _report(outcomes)
        found += [item for outcome in outcomes if not isinstance(outcome, str) for item in outcome]

    ranked, duplicates = collapse(rank(query, merge(item.hit for item in found)))
    ranked = rank(query, ranked)  # a folded song may have brought a better availability
    hits = share(ranked, limit)
    left_out = omitted_by_source(ranked, hits)
    links: dict[str, Found] = {}
    for item in found:
        if item.magnet or item.link:
            links.setdefault(item.hit.id, item)
    runtime.search_cache.put(_resolved(hit, links.get(hit.id)) for hit in hits)
    return SearchResponse(
        query=query,
        kind=kind,
        results=tuple(hits),
        sources={source: replace(reports[source], omitted=left_out[source]) for source in asked},
        omitted=len(ranked) - len(hits),
        duplicates=duplicates,
    )


def _resolved(hit: SearchHit, links: Found | None) -> ResolvedResult:
    """What a hit's id resolves to; a release's links come from a source that gave them.

    (A release's id is its info-hash, or a digest of its guid: sources agree on it.)
    """
    return ResolvedResult(
        id=hit.id,
        kind=hit.kind,
        title=hit.title,
        artist=hit.artist,
        album=hit.album,
        artist_mbid=hit.artist_mbid,
        album_mbid=hit.album_mbid,
        library_id=hit.library_id,
        availability=hit.availability,
        info_hash=hit.info_hash,
        magnet=links.magnet if links else None,
        link=links.link if links else None,
        size=hit.size,
        seeders=hit.seeders,
        indexer=hit.indexer,
    )


def resolve_result(entry: StepheyBotConfigEntry, result_id: str) -> ResolvedResult:
    """What a search result id stands for (no I/O).

    A result of a search less than an hour old resolves to everything the search knew.
    Past that, ``artist:``/``album:`` ids still resolve to their MusicBrainz id and
    ``library:`` ids to a library item, but a ``release:`` id has lost its link:
    :class:`ExpiredResultError` ("search again"). A malformed id raises
    :class:`InvalidResultIdError`.
    """
    cache = entry.runtime_data.search_cache
    if (cached := cache.get(result_id.strip())) is not None:
        return cached  # as the search gave it (even a library id of an unusual server)
    prefix, value = parse_id(result_id)
    normalized = make_id(prefix, value)
    if (cached := cache.get(normalized)) is not None:
        return cached
    if prefix is IdPrefix.RELEASE:
        raise ExpiredResultError(result_id)
    if prefix is IdPrefix.ARTIST:
        return ResolvedResult(id=normalized, kind=HitKind.ARTIST, artist_mbid=value)
    if prefix is IdPrefix.ALBUM:
        return ResolvedResult(id=normalized, kind=HitKind.ALBUM, album_mbid=value)
    return ResolvedResult(
        id=normalized, kind=None, library_id=value, availability=Availability.IN_LIBRARY
    )
