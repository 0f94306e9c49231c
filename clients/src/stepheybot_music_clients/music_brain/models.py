"""Typed, frozen views of the StepheyBot Music Brain's replies (crate 0.1.0)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from stepheybot_music_clients.models import ApiEnum


class DownloadState(ApiEnum):
    """A download's status string as the Music Brain reports it.

    ``QUEUED`` is a request still in its memory; the rest mirror Transmission's status
    (``STOPPED`` is also what a paused torrent shows). ``COMPLETED`` appears only briefly.
    """

    QUEUED = "queued"
    PENDING = "pending"
    STOPPED = "stopped"
    CHECK_PENDING = "check_pending"
    CHECKING = "checking"
    DOWNLOAD_PENDING = "download_pending"
    DOWNLOADING = "downloading"
    SEED_PENDING = "seed_pending"
    SEEDING = "seeding"
    COMPLETED = "completed"
    FAILED = "failed"
    UNKNOWN = "unknown"


class RequestOutcome(ApiEnum):
    """What ``POST /api/v1/download/request`` did."""

    QUEUED = "queued"
    """A magnet was queued; it reaches Transmission within about 5 s."""
    MONITORING = "monitoring"
    """No magnet: the artist was added to Lidarr, which will search for it."""
    QUEUED_WITHOUT_MONITORING = "queued_without_monitoring"
    """No magnet and Lidarr could not take it: nothing will happen (see ``warning``)."""
    UNKNOWN = "unknown"


class SearchSource(ApiEnum):
    """Where a global search result came from."""

    LOCAL = "local"
    """The Navidrome library (playable now)."""
    LIDARR = "lidarr"
    """An indexer release found through Lidarr (downloadable, maybe with a magnet)."""
    MUSICBRAINZ = "musicbrainz"
    """MusicBrainz metadata (neither local nor downloadable as is)."""
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class BrainHealth:
    """``/health``: static, so it only proves the process answers."""

    status: str
    service: str
    version: str
    timestamp: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Connection:
    """The Music Brain's line to one backend (``stats.connections``)."""

    enabled: bool
    """False when its environment variables are not all set."""
    connected: bool
    url: str | None
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BrainStatus:
    """``/api/v1/status``: the Music Brain's live line to Navidrome.

    The service checks it on every call with one GET of Navidrome's root URL (any 2xx
    counts as connected; wrong credentials are not noticed), so it is cheap, unlike the
    statistics endpoints.
    """

    api_version: str
    navidrome: Connection
    """``enabled`` is False when its ``STEPHEYBOT__NAVIDROME__*`` variables are not all set."""
    timestamp: datetime | None

    @property
    def serves_mock_library(self) -> bool:
        """True while ``/api/v1/library/stats`` answers made-up numbers (no Navidrome)."""
        return not self.navidrome.connected


@dataclass(frozen=True, slots=True, kw_only=True)
class BrainStats:
    """``/api/v1/stats``: backend connections and counts.

    Counts are None when the backend is not connected (the service then reports zeros).
    Library counts come from substring counts over Navidrome's XML and may be off by one.
    ``uptime_seconds`` is not surfaced: the service reports seconds since the Unix epoch.
    """

    version: str
    navidrome: Connection
    lidarr: Connection
    library_artists: int | None
    library_albums: int | None
    library_songs: int | None
    lidarr_artists: int | None
    lidarr_monitored_artists: int | None
    lidarr_albums: int | None
    lidarr_track_files: int | None
    lidarr_size_bytes: int | None
    timestamp: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class LibraryStats:
    """``/api/v1/library/stats``.

    When the Music Brain cannot reach Navidrome it answers invented numbers with
    ``source: "mock"``; then ``is_mock`` is True and every count is None.
    """

    is_mock: bool
    source: str
    total_tracks: int | None
    total_albums: int | None
    total_artists: int | None
    note: str | None
    timestamp: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DownloadStats:
    """``/api/v1/download/stats``: in-memory gauges, reset when the service restarts.

    ``completed_downloads`` is not trustworthy: the service re-counts a finished torrent
    about once a minute while it stays in Transmission. Byte totals and the average speed
    are never updated by the service (always 0) and are left out.
    """

    total_downloads: int
    completed_downloads: int
    failed_downloads: int
    active_downloads: int
    """Entries in its active map, including finished and seeding torrents."""
    queued_downloads: int
    last_updated: datetime | None
    """Moves every 30 s while its Transmission monitor runs; None if it never ran."""
    timestamp: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ActiveDownload:
    """One entry of ``/api/v1/download/active`` (values copied from Transmission every 30 s)."""

    id: str
    request_id: str
    torrent_hash: str
    name: str
    state: DownloadState
    progress: float
    """0.0 to 1.0."""
    size: int
    """Bytes."""
    download_speed: int
    """Bytes/s."""
    upload_speed: int
    """Bytes/s."""
    eta: int | None
    """Seconds; None when Transmission cannot tell."""
    added_at: datetime | None
    completed_at: datetime | None

    @property
    def is_complete(self) -> bool:
        """True once every byte is there (the entry stays listed afterwards)."""
        return self.progress >= 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class DownloadStatus:
    """``/api/v1/download/status/<request id>``.

    For a request already handed to Transmission the service rebuilds the record:
    ``artist_name`` is then ``"Unknown"``, ``track_title`` the torrent name and
    ``requested_at`` the time of the lookup.
    """

    request_id: str
    state: DownloadState
    artist_name: str
    track_title: str
    album_title: str | None
    progress: float
    """0.0 to 1.0 (0.0 while queued)."""
    file_size: int | None
    """Bytes."""
    download_speed: int | None
    """Bytes/s."""
    torrent_hash: str | None
    requested_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    error_message: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DownloadRequestResult:
    """What the Music Brain did with a download request."""

    outcome: RequestOutcome
    request_id: str | None
    """Only for a queued magnet; the Lidarr path has none."""
    artist_added: bool
    message: str
    warning: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchResult:
    """One global search result; fields a source does not fill are None."""

    id: str
    title: str
    artist: str
    album: str | None
    source: SearchSource
    available: bool
    """True for local results (playable now)."""
    duration: int | None = None
    """Seconds."""
    year: int | None = None
    genre: str | None = None
    stream_url: str | None = None
    magnet_url: str | None = None
    download_url: str | None = None
    quality: str | None = None
    size_mb: float | None = None
    seeders: int | None = None
    leechers: int | None = None
    indexer: str | None = None
    musicbrainz_id: str | None = None
    score: int | None = None
    external_url: str | None = None
    result_type: str | None = None
    """MusicBrainz results: ``album``, ``track`` or the artist type (``Group``, ``Person``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchResults:
    """``/api/v1/search/global/<query>``: results of every source that answered."""

    query: str
    total: int
    sources: tuple[SearchSource, ...]
    results: tuple[SearchResult, ...]
