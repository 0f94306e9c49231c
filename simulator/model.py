"""The entities of the simulated stack; mutable, owned by :class:`simulator.world.World`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


@dataclass(slots=True, kw_only=True)
class Artist:
    """A MusicBrainz artist; ``lidarr_id`` is 0 until Lidarr has added it."""

    mbid: str
    name: str
    sort_name: str
    genres: list[str]
    artist_type: str = "Group"
    country: str = "GB"
    overview: str = ""
    lidarr_id: int = 0
    monitored: bool = False
    added: datetime | None = None
    album_ids: list[int] = field(default_factory=list)

    @property
    def in_lidarr(self) -> bool:
        """Whether Lidarr manages this artist."""
        return self.lidarr_id > 0


@dataclass(slots=True, kw_only=True)
class Album:
    """A release group. ``id`` doubles as Lidarr's album id once the artist is added."""

    id: int
    mbid: str
    artist_mbid: str
    title: str
    release_date: date
    album_type: str
    track_count: int
    size: int
    genre: str
    monitored: bool = False
    track_files: int = 0
    quality: str = "FLAC"
    cutoff_met: bool = True
    in_navidrome: bool = False
    last_search: datetime | None = None

    @property
    def has_files(self) -> bool:
        """Whether every track is on disk."""
        return self.track_files >= self.track_count


@dataclass(frozen=True, slots=True, kw_only=True)
class Track:
    """One song of an album (generated on demand, never stored)."""

    id: str
    album_id: int
    number: int
    title: str
    duration: int
    size: int


class TorrentStatus(StrEnum):
    """Download-client state, independent of any client's spelling."""

    METADATA = "metadata"
    QUEUED = "queued"
    CHECKING = "checking"
    DOWNLOADING = "downloading"
    STALLED_DOWNLOADING = "stalled_downloading"
    SEEDING = "seeding"
    STALLED_SEEDING = "stalled_seeding"
    STOPPED_DOWNLOADING = "stopped_downloading"
    STOPPED_SEEDING = "stopped_seeding"
    ERROR = "error"


ACTIVE_STATUSES = frozenset(
    {TorrentStatus.DOWNLOADING, TorrentStatus.STALLED_DOWNLOADING, TorrentStatus.METADATA}
)


@dataclass(slots=True, kw_only=True)
class Torrent:
    """A torrent in the download client. ``rev`` changes whenever any field does."""

    hash: str
    name: str
    size: int
    category: str
    save_path: str
    added_on: datetime
    magnet: str
    tags: list[str] = field(default_factory=list)
    status: TorrentStatus = TorrentStatus.DOWNLOADING
    progress: float = 0.0
    dl_speed: int = 0
    up_speed: int = 0
    downloaded: int = 0
    uploaded: int = 0
    seeds: int = 0
    peers: int = 0
    completion_on: datetime | None = None
    album_id: int | None = None
    origin: str = "manual"
    imported: bool = False
    error: str = ""
    import_error: str = ""
    """Why Lidarr cannot import the completed download (empty: it can)."""
    transmission_id: int = 0
    client: str = ""
    """The download client holding it (its backend name; empty: none of the stack's)."""
    rev: int = 0

    @property
    def amount_left(self) -> int:
        """Bytes still to download."""
        return max(0, self.size - int(self.size * self.progress))

    @property
    def eta(self) -> int | None:
        """Seconds to completion, None when unknown."""
        if self.progress >= 1:
            return 0
        if self.dl_speed <= 0:
            return None
        return self.amount_left // self.dl_speed


@dataclass(slots=True, kw_only=True)
class DownloadClient:
    """One download client of the stack: its own torrents and all-time transfer totals."""

    name: str
    """The backend name (the facade whose ``spec.name`` this is shows these torrents)."""
    kind: str
    """``qbittorrent`` or ``transmission``."""
    torrents: dict[str, Torrent] = field(default_factory=dict)
    """Its torrents by info-hash (each also in :attr:`World.torrents`)."""
    downloaded: int = 0
    """All-time bytes downloaded."""
    uploaded: int = 0
    """All-time bytes uploaded."""
    listen_port: int = 0
    """The port it listens on for peers (set to the VPN's forwarded port when it joins the
    world; a VPN reconnect with a new port leaves it behind until someone syncs it)."""


@dataclass(slots=True, kw_only=True)
class Release:
    """An indexer search result for an album."""

    guid: str
    title: str
    album_id: int
    indexer_id: int
    size: int
    seeders: int
    leechers: int
    info_hash: str
    quality: str
    publish_date: datetime

    @property
    def magnet(self) -> str:
        """The release's magnet link."""
        dn = self.title.replace(" ", "+")
        return f"magnet:?xt=urn:btih:{self.info_hash}&dn={dn}"


@dataclass(slots=True, kw_only=True)
class Indexer:
    """An indexer configured in Jackett/Prowlarr."""

    id: int
    slug: str
    name: str
    privacy: str = "public"
    enabled: bool = True
    failing: bool = False
    last_error: str = ""


class Health(StrEnum):
    """Docker healthcheck status."""

    NONE = "none"
    STARTING = "starting"
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"


@dataclass(slots=True, kw_only=True)
class Container:
    """A Docker container of the stack, keyed by name; ``id`` changes on recreation."""

    name: str
    id: str
    image: str
    created: datetime
    started_at: datetime
    state: str = "running"
    health: Health = Health.HEALTHY
    failing_streak: int = 0
    exit_code: int = 0


@dataclass(slots=True, kw_only=True)
class Vpn:
    """The gluetun VPN."""

    status: str = "running"
    public_ip: str = "185.65.134.77"
    country: str = "Netherlands"
    region: str = "North Holland"
    city: str = "Amsterdam"
    organization: str = "Simulated VPN B.V."
    forwarded_port: int = 51413
    home_ip: str = "203.0.113.24"
    leak: bool = False

    @property
    def up(self) -> bool:
        """Whether the tunnel is running."""
        return self.status == "running"


@dataclass(slots=True, kw_only=True)
class LidarrCommand:
    """A command queued in Lidarr."""

    id: int
    name: str
    body: dict[str, object]
    queued: datetime
    status: str = "completed"
    started: datetime | None = None
    ended: datetime | None = None
    message: str = "Completed"


@dataclass(slots=True, kw_only=True)
class HistoryEvent:
    """A Lidarr history record."""

    id: int
    album_id: int
    artist_mbid: str
    event_type: str
    source_title: str
    date: datetime
    download_id: str
    quality: str


@dataclass(slots=True, kw_only=True)
class BrainRequest:
    """A download request held in the Music Brain's memory."""

    id: str
    artist: str
    title: str
    album: str | None
    magnet: str | None
    source: str
    requested_at: datetime
    status: str = "queued"
    torrent_hash: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None


@dataclass(slots=True, kw_only=True)
class NowPlaying:
    """A track someone is listening to in Navidrome."""

    track: Track
    username: str
    player_name: str
    started: datetime
