"""Async client of the StepheyBot Music Brain (``stepheybot-music`` 0.1.0, port 8083).

The service has no authentication. Its quirks, handled here:

- nearly every handler answers HTTP 200 even when it failed, with ``"success": false`` and
  an ``error`` string: those become :class:`BackendRequestError`;
- timestamps come in two spellings (``...+00:00`` and ``...Z``, with nanoseconds);
- ``/api/v1/library/stats`` invents numbers (``source: "mock"``) when Navidrome is
  unreachable: :attr:`LibraryStats.is_mock` says so and no count is reported;
- ``uptime_seconds`` is seconds since the Unix epoch and is ignored;
- ``/api/v1/navidrome/status`` is a static stub and ``/api/v1/navidrome/debug`` leaks a
  replayable Subsonic token: neither is ever called.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote

import aiohttp
from yarl import URL

from stepheybot_music_clients.errors import (
    BackendRequestError,
    UnexpectedResponseError,
    WrongApplicationError,
)
from stepheybot_music_clients.models import BackendInfo, BackendKind
from stepheybot_music_clients.music_brain.models import (
    ActiveDownload,
    BrainHealth,
    BrainStats,
    BrainStatus,
    Connection,
    DownloadRequestResult,
    DownloadState,
    DownloadStats,
    DownloadStatus,
    LibraryStats,
    RequestOutcome,
    SearchResult,
    SearchResults,
    SearchSource,
)
from stepheybot_music_clients.timestamps import parse_timestamp
from stepheybot_music_clients.transport import (
    DEFAULT_TIMEOUT,
    HttpClient,
    Params,
    Response,
    parsing,
    snippet,
)

SERVICE = "stepheybot-music"
"""The ``service`` its ``/health`` reports."""
SEARCH_CATEGORIES = ("all", "artist", "album", "track")

type Json = dict[str, Any]


def _segment(value: str) -> str:
    """One URL path segment, percent-encoded (a ``/`` inside stays data)."""
    return quote(value, safe="")


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _str(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _connection(data: Mapping[str, Any], error: Any = None) -> Connection:
    return Connection(
        enabled=bool(data["enabled"]),
        connected=bool(data["connected"]),
        url=_str(data.get("url")),
        error=_str(error if error is not None else data.get("error")),
    )


def _search_result(item: Mapping[str, Any]) -> SearchResult:
    size = item.get("size_mb")
    return SearchResult(
        id=str(item["id"]),
        title=str(item.get("title") or ""),
        artist=str(item.get("artist") or ""),
        album=_str(item.get("album")),
        source=SearchSource.from_api(str(item.get("source"))),
        available=bool(item.get("available", False)),
        duration=_int(item.get("duration")),
        year=_int(item.get("year")),
        genre=_str(item.get("genre")),
        stream_url=_str(item.get("stream_url")),
        magnet_url=_str(item.get("magnet_url")),
        download_url=_str(item.get("download_url")),
        quality=_str(item.get("quality")),
        size_mb=float(size) if size is not None else None,
        seeders=_int(item.get("seeders")),
        leechers=_int(item.get("leechers")),
        indexer=_str(item.get("indexer")),
        musicbrainz_id=_str(item.get("musicbrainz_id")),
        score=_int(item.get("score")),
        external_url=_str(item.get("external_url")),
        result_type=_str(item.get("type")),
    )


class MusicBrainClient(HttpClient):
    """Client of the StepheyBot Music Brain (no credentials: the service has none)."""

    kind: ClassVar[str] = "StepheyBot Music Brain"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        verify_ssl: bool = True,
    ) -> None:
        super().__init__(session, url, timeout=timeout, verify_ssl=verify_ssl)

    def _url(self, path: str) -> URL:
        # paths arrive percent-encoded (see _segment); keep them as they are
        base = self.url.raw_path.rstrip("/")
        return self.url.with_path(base + "/" + path.lstrip("/"), encoded=True)

    # ----------------------------------------------------------------- plumbing

    def _decode(self, resp: Response, what: str) -> Json:
        if resp.status == 404:
            raise UnexpectedResponseError(
                f"{self.kind} at {self.url} has no route {resp.url.path} (HTTP 404) for {what}. "
                "It may be a version StepheyBot Music does not support; check its image tag.",
                backend=self.kind,
            )
        self.raise_for_status(resp)
        data = resp.json()
        if not isinstance(data, dict):
            raise UnexpectedResponseError(
                f"{self.kind} at {self.url} sent {what} that is not a JSON object "
                f"({snippet(resp.body)!r}).",
                backend=self.kind,
            )
        if data.get("success") is False:
            error = data.get("error") or data.get("message") or "no reason given"
            raise BackendRequestError(
                f"{self.kind} at {self.url} could not get {what}: {error}.", backend=self.kind
            )
        return data

    async def _get(
        self, path: str, what: str, *, params: Params | None = None, timeout: float | None = None
    ) -> Json:
        return self._decode(await self.request("GET", path, params=params, timeout=timeout), what)

    async def _post(self, path: str, what: str, body: Json | None = None) -> Json:
        return self._decode(await self.request("POST", path, json_body=body), what)

    # ----------------------------------------------------------------- health

    async def health(self) -> BrainHealth:
        """``/health`` (static: it only proves the process answers)."""
        resp = await self.request("GET", "/health")
        wrong = WrongApplicationError(
            f"{self.kind} at {self.url} did not answer /health as the Music Brain does "
            f"(HTTP {resp.status}, {snippet(resp.body)!r}). Check the URL (port 8083).",
            backend=self.kind,
        )
        if resp.status == 404:
            raise wrong
        self.raise_for_status(resp)
        try:
            data = resp.json()
        except UnexpectedResponseError as err:
            raise wrong from err
        if not isinstance(data, dict) or not isinstance(data.get("service"), str):
            raise wrong
        with parsing(self.kind, "its health"):
            return BrainHealth(
                status=str(data["status"]),
                service=data["service"],
                version=str(data.get("version") or ""),
                timestamp=parse_timestamp(data.get("timestamp")),
            )

    async def probe(self) -> BackendInfo:
        """Check that the Music Brain answers at the URL; report its version."""
        health = await self.health()
        if health.service != SERVICE:
            raise WrongApplicationError(
                f"{self.kind} at {self.url}: the service there calls itself "
                f"{health.service!r}, not {SERVICE!r}. Check the URL.",
                backend=self.kind,
            )
        return BackendInfo(
            kind=BackendKind.MUSIC_BRAIN, application="StepheyBot Music", version=health.version
        )

    async def status(self) -> BrainStatus:
        """Whether the Brain reaches Navidrome (``/api/v1/status``, one GET of its root).

        Cheap, unlike the statistics endpoints: it tells whether :meth:`library_stats`
        would be made up (:attr:`BrainStatus.serves_mock_library`) without asking for it.
        """
        data = await self._get("/api/v1/status", "its status")
        with parsing(self.kind, "its status"):
            return BrainStatus(
                api_version=str(data.get("api_version") or ""),
                navidrome=_connection(data["navidrome"]["navidrome_addon"]),
                timestamp=parse_timestamp(data.get("timestamp")),
            )

    # ----------------------------------------------------------------- statistics

    async def brain_stats(self) -> BrainStats:
        """Connections to Navidrome and Lidarr and their counts (``/api/v1/stats``).

        Not called ``stats``: that name is the transport's request counter.
        """
        data = await self._get("/api/v1/stats", "its statistics")
        with parsing(self.kind, "its statistics"):
            stats = data["stats"]
            connections = stats["connections"]
            nav_counts, lidarr_counts = stats.get("navidrome") or {}, stats.get("lidarr") or {}
            navidrome = _connection(connections["navidrome"], nav_counts.get("error"))
            lidarr = _connection(connections["lidarr"], lidarr_counts.get("error"))
            nav_ok = navidrome.connected and nav_counts.get("connected", True) is not False
            lidarr_ok = lidarr.connected and lidarr_counts.get("connected", True) is not False

            def nav(key: str) -> int | None:
                return int(nav_counts[key]) if nav_ok else None

            def lid(key: str) -> int | None:
                return int(lidarr_counts[key]) if lidarr_ok else None

            return BrainStats(
                version=str(stats.get("system", {}).get("version") or ""),
                navidrome=navidrome,
                lidarr=lidarr,
                library_artists=nav("artists"),
                library_albums=nav("albums"),
                library_songs=nav("songs"),
                lidarr_artists=lid("total_artists"),
                lidarr_monitored_artists=lid("monitored_artists"),
                lidarr_albums=lid("total_albums"),
                lidarr_track_files=lid("total_tracks"),
                lidarr_size_bytes=lid("total_size_bytes"),
                timestamp=parse_timestamp(data.get("timestamp")),
            )

    async def library_stats(self) -> LibraryStats:
        """Library counts; ``is_mock`` (and no counts) when the service made them up."""
        data = await self._get("/api/v1/library/stats", "the library statistics")
        with parsing(self.kind, "the library statistics"):
            source = str(data.get("source") or "")
            real = source == "navidrome"
            return LibraryStats(
                is_mock=not real,
                source=source,
                total_tracks=int(data["total_tracks"]) if real else None,
                total_albums=int(data["total_albums"]) if real else None,
                total_artists=int(data["total_artists"]) if real else None,
                note=_str(data.get("note")),
                timestamp=parse_timestamp(data.get("timestamp")),
            )

    async def download_stats(self) -> DownloadStats:
        """The download service's in-memory gauges (see :class:`DownloadStats` caveats)."""
        data = await self._get("/api/v1/download/stats", "the download statistics")
        with parsing(self.kind, "the download statistics"):
            stats = data["stats"]
            return DownloadStats(
                total_downloads=int(stats["total_downloads"]),
                completed_downloads=int(stats["completed_downloads"]),
                failed_downloads=int(stats["failed_downloads"]),
                active_downloads=int(stats["active_downloads"]),
                queued_downloads=int(stats["queued_downloads"]),
                last_updated=parse_timestamp(stats.get("last_updated")),
                timestamp=parse_timestamp(data.get("timestamp")),
            )

    # ----------------------------------------------------------------- downloads

    async def active_downloads(self) -> list[ActiveDownload]:
        """Torrents the Music Brain started (finished ones stay listed)."""
        data = await self._get("/api/v1/download/active", "the active downloads")
        with parsing(self.kind, "the active downloads"):
            out = []
            for item in data["downloads"]:
                eta = _int(item.get("eta"))
                out.append(
                    ActiveDownload(
                        id=str(item["id"]),
                        request_id=str(item["request_id"]),
                        torrent_hash=str(item["torrent_hash"]),
                        name=str(item["name"]),
                        state=DownloadState.from_api(str(item["status"])),
                        progress=float(item["progress"]),
                        size=int(item.get("size") or 0),
                        download_speed=int(item.get("download_speed") or 0),
                        upload_speed=int(item.get("upload_speed") or 0),
                        eta=eta if eta is not None and eta >= 0 else None,
                        added_at=parse_timestamp(item.get("added_at")),
                        completed_at=parse_timestamp(item.get("completed_at")),
                    )
                )
            return out

    async def download_status(self, request_id: str) -> DownloadStatus:
        """The status of one request, by the id :meth:`request_download` returned."""
        resp = await self.request("GET", f"/api/v1/download/status/{_segment(request_id)}")
        try:
            data = self._decode(resp, f"download request {request_id}")
        except BackendRequestError as err:
            if "not found" not in err.message.lower():
                raise
            raise BackendRequestError(
                f"{self.kind} at {self.url} does not know download request {request_id!r}. "
                "It keeps requests only in memory: they are gone after it restarts, and "
                "requests that failed are dropped.",
                backend=self.kind,
                code=404,
            ) from err
        with parsing(self.kind, "the download status"):
            return DownloadStatus(
                request_id=str(data.get("request_id") or request_id),
                state=DownloadState.from_api(str(data["status"])),
                artist_name=str(data.get("artist_name") or ""),
                track_title=str(data.get("track_title") or ""),
                album_title=_str(data.get("album_title")),
                progress=float(data.get("progress") or 0.0),
                file_size=_int(data.get("file_size")),
                download_speed=_int(data.get("download_speed")),
                torrent_hash=_str(data.get("torrent_hash")),
                requested_at=parse_timestamp(data.get("requested_at")),
                started_at=parse_timestamp(data.get("started_at")),
                completed_at=parse_timestamp(data.get("completed_at")),
                error_message=_str(data.get("error_message")),
            )

    async def request_download(
        self,
        artist: str,
        title: str,
        album: str | None = None,
        magnet: str | None = None,
        source: str = "home-assistant",
    ) -> DownloadRequestResult:
        """Ask for a download: a magnet is queued; without one, Lidarr monitors the artist."""
        body: Json = {"artist": artist, "title": title, "source": source}
        if album:
            body["album"] = album
        if magnet is not None:
            # forces the direct path, so a bad magnet is refused instead of going to Lidarr
            body["external_id"] = magnet
            body["bypass_monitoring"] = True
        data = await self._post("/api/v1/download/request", "the download request", body)
        with parsing(self.kind, "the download request"):
            return DownloadRequestResult(
                outcome=RequestOutcome.from_api(str(data["status"])),
                request_id=_str(data.get("request_id")),
                artist_added=bool(data.get("artist_added", False)),
                message=str(data.get("message") or ""),
                warning=_str(data.get("warning")),
            )

    async def _torrent_action(self, action: str, torrent_hash: str) -> str:
        data = await self._post(
            f"/api/v1/download/{action}/{_segment(torrent_hash)}", f"the torrent to {action}"
        )
        return str(data.get("message") or "")

    async def pause(self, torrent_hash: str) -> str:
        """Stop a torrent in Transmission (hash as in ``torrent_hash``, case-sensitive)."""
        return await self._torrent_action("pause", torrent_hash)

    async def resume(self, torrent_hash: str) -> str:
        """Start a torrent in Transmission again."""
        return await self._torrent_action("resume", torrent_hash)

    async def cancel(self, torrent_hash: str) -> str:
        """Remove a torrent from Transmission **and delete its data**."""
        return await self._torrent_action("cancel", torrent_hash)

    # ----------------------------------------------------------------- search

    async def global_search(
        self,
        query: str,
        category: str = "all",
        search_type: str = "global",
        *,
        timeout: float | None = None,
    ) -> SearchResults:
        """Search Navidrome, Lidarr's indexers and (for ``global``) MusicBrainz at once.

        ``category`` is ``all``, ``artist``, ``album`` or ``track``; ``search_type`` other
        than ``global``/``external`` skips MusicBrainz. Lidarr's part is a live query of
        every indexer, so allow a generous ``timeout`` (seconds; default: the client's).
        """
        if category not in SEARCH_CATEGORIES:
            raise ValueError(f"category must be one of {', '.join(SEARCH_CATEGORIES)}")
        data = await self._get(
            f"/api/v1/search/global/{_segment(query)}",
            "the search results",
            params={"category": category, "type": search_type},
            timeout=timeout,
        )
        with parsing(self.kind, "the search results"):
            results = tuple(_search_result(item) for item in data["results"])
            return SearchResults(
                query=str(data.get("query", query)),
                total=int(data.get("total", len(results))),
                sources=tuple(SearchSource.from_api(str(s)) for s in data.get("sources", [])),
                results=results,
            )
