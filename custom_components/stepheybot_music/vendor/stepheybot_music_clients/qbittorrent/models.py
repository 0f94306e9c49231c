"""Typed, frozen views of qBittorrent WebUI API v2 payloads (4.5 through 5.3)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from stepheybot_music_clients.models import ApiEnum

ETA_INFINITE = 8640000
"""The ``eta`` qBittorrent reports when it cannot estimate one (100 days)."""

STOPPED_API_VERSION = (2, 11)
"""From this WebAPI version on (qBittorrent 5.0) "pause/resume/paused" are "stop/start/stopped"."""


class TorrentState(StrEnum):
    """What a torrent is doing, the same for both API generations."""

    DOWNLOADING = "downloading"
    SEEDING = "seeding"
    STALLED_DOWNLOADING = "stalled_downloading"
    STALLED_UPLOADING = "stalled_uploading"
    STOPPED = "stopped"
    """Stopped (5.x) or paused (4.x), complete or not (see ``progress``)."""
    QUEUED = "queued"
    CHECKING = "checking"
    MOVING = "moving"
    METADATA = "metadata"
    """A magnet link still fetching its metadata."""
    ERROR = "error"
    UNKNOWN = "unknown"

    @classmethod
    def from_api(cls, state: str) -> TorrentState:
        """Map qBittorrent's ``state`` string (either generation) to a state."""
        return _STATES.get(state, cls.UNKNOWN)


_STATES: dict[str, TorrentState] = {
    "downloading": TorrentState.DOWNLOADING,
    "forcedDL": TorrentState.DOWNLOADING,
    "uploading": TorrentState.SEEDING,
    "forcedUP": TorrentState.SEEDING,
    "stalledDL": TorrentState.STALLED_DOWNLOADING,
    "stalledUP": TorrentState.STALLED_UPLOADING,
    "pausedDL": TorrentState.STOPPED,
    "pausedUP": TorrentState.STOPPED,
    "stoppedDL": TorrentState.STOPPED,
    "stoppedUP": TorrentState.STOPPED,
    "queuedDL": TorrentState.QUEUED,
    "queuedUP": TorrentState.QUEUED,
    "checkingDL": TorrentState.CHECKING,
    "checkingUP": TorrentState.CHECKING,
    "checkingResumeData": TorrentState.CHECKING,
    "moving": TorrentState.MOVING,
    "metaDL": TorrentState.METADATA,
    "forcedMetaDL": TorrentState.METADATA,
    "error": TorrentState.ERROR,
    "missingFiles": TorrentState.ERROR,
}


class ConnectionStatus(ApiEnum):
    """qBittorrent's view of its BitTorrent connectivity."""

    CONNECTED = "connected"
    FIREWALLED = "firewalled"
    DISCONNECTED = "disconnected"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class Torrent:
    """One torrent as ``sync/maindata`` or ``torrents/info`` describe it."""

    hash: str
    """The info-hash (v1, or truncated v2), lower-case hex: the key everywhere in the API."""
    name: str
    state: TorrentState
    state_raw: str
    """The API's own state string, e.g. ``stoppedDL`` (5.x) or ``pausedDL`` (4.x)."""
    category: str | None
    """None when the torrent has no category."""
    tags: tuple[str, ...]
    size: int
    """Bytes selected for download (0 until the metadata is known)."""
    progress: float
    """0.0 to 1.0."""
    dlspeed: int
    """Download rate in bytes/s."""
    upspeed: int
    """Upload rate in bytes/s."""
    eta: int | None
    """Seconds until complete; None when qBittorrent cannot tell (its 8640000)."""
    added_on: datetime | None
    completion_on: datetime | None
    """None until the torrent completes."""
    save_path: str
    amount_left: int
    """Bytes still to download."""
    downloaded: int
    """Bytes downloaded, all time."""
    uploaded: int
    """Bytes uploaded, all time."""
    num_seeds: int
    """Seeds connected to."""
    num_leechs: int
    """Leechers connected to."""
    ratio: float

    @property
    def is_complete(self) -> bool:
        """True when every selected byte is present."""
        return self.progress >= 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Category:
    """A torrent category."""

    name: str
    save_path: str
    """Empty when the category uses the default save path."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferInfo:
    """Global transfer figures (``transfer/info``); speeds in bytes/s, data in bytes."""

    dl_info_speed: int
    up_info_speed: int
    dl_info_data: int
    """Bytes downloaded this session."""
    up_info_data: int
    """Bytes uploaded this session."""
    dl_rate_limit: int
    """Bytes/s, 0 for unlimited."""
    up_rate_limit: int
    """Bytes/s, 0 for unlimited."""
    dht_nodes: int
    connection_status: ConnectionStatus
    last_external_address_v4: str | None = None
    """The public IPv4 address peers see (4.6+); None when unknown or not reported."""
    last_external_address_v6: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerState(TransferInfo):
    """``server_state`` of ``sync/maindata``: transfer info plus all-time figures."""

    alltime_dl: int = 0
    """Bytes downloaded, all time."""
    alltime_ul: int = 0
    """Bytes uploaded, all time."""
    free_space_on_disk: int | None = None
    """Bytes free in the default save path; None until qBittorrent has checked."""
    use_alt_speed_limits: bool = False
    global_ratio: float | None = None
    """None while undefined (nothing downloaded yet)."""
    total_peer_connections: int = 0
    queueing: bool = False


EMPTY_TORRENTS: Mapping[str, Torrent] = MappingProxyType({})
EMPTY_CATEGORIES: Mapping[str, Category] = MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class MainData:
    """Everything ``sync/maindata`` tracks, merged up to ``rid``; never changes after return."""

    rid: int
    full_update: bool
    """True when this poll replaced the whole picture (first poll, new session, stale rid)."""
    torrents: Mapping[str, Torrent]
    """By hash."""
    categories: Mapping[str, Category]
    """By name."""
    tags: tuple[str, ...]
    server_state: ServerState
    changed: frozenset[str] = field(default_factory=frozenset)
    """Hashes of torrents added or changed by this poll (all of them on a full update)."""
    removed: frozenset[str] = field(default_factory=frozenset)
    """Hashes of torrents removed by this poll."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AddResult:
    """What ``torrents/add`` reported.

    qBittorrent up to 5.1 only says "at least one was accepted", so the counts are None there.
    """

    success_count: int | None = None
    failure_count: int | None = None
    pending_count: int | None = None
    """Items still being fetched (e.g. a torrent-file URL) when qBittorrent answered."""
    added_hashes: tuple[str, ...] = ()
    """The hashes qBittorrent 5.2+ reports; empty on older versions."""
