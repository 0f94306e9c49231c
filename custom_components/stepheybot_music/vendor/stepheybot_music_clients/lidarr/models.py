"""Typed, frozen views of Lidarr API v1 payloads (Lidarr 2.x)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from stepheybot_music_clients.models import ApiEnum
from stepheybot_music_clients.servarr import (
    HealthItem,
    HealthType,
    Page,
    SystemStatus,
    as_bool,
    optional_int,
    optional_str,
    parse_time,
    parse_timespan,
)

__all__ = [
    "Album",
    "Artist",
    "ArtistStatistics",
    "Command",
    "CommandStatus",
    "DiskSpace",
    "DownloadStatus",
    "HealthItem",
    "HealthType",
    "HistoryEventType",
    "HistoryRecord",
    "LibraryStats",
    "LidarrCommand",
    "MetadataProfile",
    "MonitorOption",
    "Page",
    "QualityProfile",
    "QueueItem",
    "QueueStatus",
    "RootFolder",
    "StatusMessage",
    "SystemStatus",
    "TrackedDownloadState",
    "TrackedDownloadStatus",
]


class DownloadStatus(ApiEnum):
    """A queue item's ``status``: the download client's state, or why a release is pending."""

    QUEUED = "queued"
    PAUSED = "paused"
    DOWNLOADING = "downloading"
    COMPLETED = "completed"
    FAILED = "failed"
    WARNING = "warning"
    DELAY = "delay"
    """Pending: held back by a delay profile."""
    DOWNLOAD_CLIENT_UNAVAILABLE = "downloadClientUnavailable"
    """Pending: the download client cannot be reached."""
    FALLBACK = "fallback"
    """Pending: waiting to fall back to another protocol."""
    UNKNOWN = "unknown"


class TrackedDownloadStatus(ApiEnum):
    """Lidarr's verdict on a queue item."""

    OK = "ok"
    WARNING = "warning"
    ERROR = "error"
    UNKNOWN = "unknown"


class TrackedDownloadState(ApiEnum):
    """Where a queue item is in Lidarr's download → import pipeline."""

    DOWNLOADING = "downloading"
    DOWNLOAD_FAILED = "downloadFailed"
    DOWNLOAD_FAILED_PENDING = "downloadFailedPending"
    IMPORT_BLOCKED = "importBlocked"
    IMPORT_PENDING = "importPending"
    IMPORTING = "importing"
    IMPORT_FAILED = "importFailed"
    IMPORTED = "imported"
    IGNORED = "ignored"
    UNKNOWN = "unknown"


class CommandStatus(ApiEnum):
    """State of a Lidarr command."""

    QUEUED = "queued"
    STARTED = "started"
    COMPLETED = "completed"
    FAILED = "failed"
    ABORTED = "aborted"
    CANCELLED = "cancelled"
    ORPHANED = "orphaned"
    UNKNOWN = "unknown"


class HistoryEventType(ApiEnum):
    """Kind of a history record (strings in replies; the query filter takes ``api_value``)."""

    UNKNOWN = "unknown"
    GRABBED = "grabbed"
    ARTIST_FOLDER_IMPORTED = "artistFolderImported"
    TRACK_FILE_IMPORTED = "trackFileImported"
    DOWNLOAD_FAILED = "downloadFailed"
    TRACK_FILE_DELETED = "trackFileDeleted"
    TRACK_FILE_RENAMED = "trackFileRenamed"
    ALBUM_IMPORT_INCOMPLETE = "albumImportIncomplete"
    DOWNLOAD_IMPORTED = "downloadImported"
    TRACK_FILE_RETAGGED = "trackFileRetagged"
    DOWNLOAD_IGNORED = "downloadIgnored"

    @property
    def api_value(self) -> int:
        """The integer the ``eventType`` query filter expects."""
        return list(HistoryEventType).index(self)


class MonitorOption(StrEnum):
    """Which albums of a newly added artist Lidarr monitors."""

    ALL = "all"
    FUTURE = "future"
    MISSING = "missing"
    EXISTING = "existing"
    LATEST = "latest"
    FIRST = "first"
    NONE = "none"


class LidarrCommand(StrEnum):
    """Command names for :meth:`LidarrClient.command`."""

    ALBUM_SEARCH = "AlbumSearch"
    """Body: ``album_ids``."""
    ARTIST_SEARCH = "ArtistSearch"
    """Body: ``artist_id``."""
    MISSING_ALBUM_SEARCH = "MissingAlbumSearch"
    CUTOFF_UNMET_ALBUM_SEARCH = "CutoffUnmetAlbumSearch"
    RSS_SYNC = "RssSync"
    REFRESH_ARTIST = "RefreshArtist"
    """Body: ``artist_id`` (or none for every artist)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DiskSpace:
    """A disk Lidarr sees (``/api/v1/diskspace``)."""

    path: str
    label: str
    free_bytes: int
    total_bytes: int

    @property
    def used_bytes(self) -> int:
        """Bytes in use."""
        return max(0, self.total_bytes - self.free_bytes)


@dataclass(frozen=True, slots=True, kw_only=True)
class RootFolder:
    """A music root folder (``/api/v1/rootfolder``)."""

    id: int
    name: str
    path: str
    accessible: bool
    free_bytes: int | None
    total_bytes: int | None
    default_quality_profile_id: int | None = None
    default_metadata_profile_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueStatus:
    """``/api/v1/queue/status``: the cheap queue badge."""

    total_count: int
    """Every queue item, including ones Lidarr cannot match to an artist, plus pending ones."""
    count: int
    """Items matched to an artist, plus pending releases."""
    unknown_count: int
    errors: bool
    warnings: bool
    unknown_errors: bool
    unknown_warnings: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusMessage:
    """A titled group of messages explaining a queue item's warning or error."""

    title: str
    messages: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueItem:
    """One download in Lidarr's queue."""

    id: int
    artist_id: int | None
    album_id: int | None
    title: str
    status: DownloadStatus
    tracked_download_status: TrackedDownloadStatus
    tracked_download_state: TrackedDownloadState
    size: int
    """Bytes."""
    size_left: int
    """Bytes still to download."""
    time_left: float | None
    """Seconds to completion; None when unknown (stalled, paused, pending)."""
    estimated_completion: datetime | None
    added: datetime | None
    download_id: str | None
    """The download client's id (the info-hash, upper case, for torrents)."""
    download_client: str | None
    indexer: str | None
    protocol: str
    quality: str | None
    output_path: str | None
    error_message: str | None
    status_messages: tuple[StatusMessage, ...]

    @property
    def progress(self) -> float:
        """Share downloaded, 0.0 to 1.0."""
        if self.size <= 0:
            return 0.0
        return min(1.0, max(0.0, 1 - self.size_left / self.size))


@dataclass(frozen=True, slots=True, kw_only=True)
class ArtistStatistics:
    """Library statistics of one artist."""

    album_count: int
    track_file_count: int
    track_count: int
    """Tracks of monitored albums."""
    total_track_count: int
    size_on_disk: int
    """Bytes."""
    percent_of_tracks: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Artist:
    """An artist in Lidarr, or a lookup result (``id`` 0 until it is added)."""

    id: int
    name: str
    foreign_artist_id: str
    """The MusicBrainz artist id."""
    monitored: bool
    status: str
    artist_type: str | None
    disambiguation: str | None
    overview: str | None
    genres: tuple[str, ...]
    path: str | None
    root_folder_path: str | None
    quality_profile_id: int | None
    metadata_profile_id: int | None
    added: datetime | None
    statistics: ArtistStatistics | None

    @property
    def in_library(self) -> bool:
        """Whether Lidarr manages this artist."""
        return self.id > 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Album:
    """An album in Lidarr, or a lookup result (``id`` 0 until its artist is added)."""

    id: int
    title: str
    artist_id: int
    foreign_album_id: str
    """The MusicBrainz release group id."""
    monitored: bool
    album_type: str | None
    release_date: datetime | None
    genres: tuple[str, ...]
    duration: float | None
    """Seconds."""
    track_count: int | None
    track_file_count: int | None
    size_on_disk: int | None
    """Bytes."""
    percent_of_tracks: float | None
    last_search_time: datetime | None
    artist_name: str | None
    """Only when the reply embeds the artist (lookups, calendar, ``include_artist``)."""
    artist_foreign_id: str | None

    @property
    def in_library(self) -> bool:
        """Whether Lidarr manages this album."""
        return self.id > 0


@dataclass(frozen=True, slots=True, kw_only=True)
class QualityProfile:
    """A quality profile (``/api/v1/qualityprofile``)."""

    id: int
    name: str
    upgrade_allowed: bool
    cutoff: int
    """Id of the cutoff quality or group."""
    allowed: tuple[str, ...]
    """Names of the allowed qualities and groups."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MetadataProfile:
    """A metadata profile (``/api/v1/metadataprofile``)."""

    id: int
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """A command Lidarr runs in the background (``/api/v1/command``)."""

    id: int
    name: str
    status: CommandStatus
    result: str | None
    message: str | None
    trigger: str | None
    queued: datetime | None
    started: datetime | None
    ended: datetime | None

    @property
    def finished(self) -> bool:
        """Whether the command stopped running (successfully or not)."""
        return self.status not in (CommandStatus.QUEUED, CommandStatus.STARTED)


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryRecord:
    """One ``/api/v1/history`` record."""

    id: int
    album_id: int | None
    artist_id: int | None
    event_type: HistoryEventType
    source_title: str
    date: datetime | None
    download_id: str | None
    quality: str | None
    indexer: str | None
    download_client: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class LibraryStats:
    """Library totals summed from one ``/api/v1/artist`` list."""

    artists: int
    monitored_artists: int
    albums: int
    """Sum of the artists' ``statistics.albumCount``: an estimate, not a per-album walk."""
    tracks: int
    """Sum of ``statistics.totalTrackCount``."""
    track_files: int
    size_on_disk: int
    """Bytes."""


# --- parsers ------------------------------------------------------------------------------


def _quality_name(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    quality = data.get("quality")
    return optional_str(quality.get("name")) if isinstance(quality, dict) else None


def _genres(data: Any) -> tuple[str, ...]:
    return tuple(str(genre) for genre in data or ())


def parse_disk_space(data: Any) -> DiskSpace:
    """Parse a DiskSpaceResource."""
    return DiskSpace(
        path=str(data["path"]),
        label=str(data.get("label") or ""),
        free_bytes=int(data["freeSpace"]),
        total_bytes=int(data["totalSpace"]),
    )


def parse_root_folder(data: Any) -> RootFolder:
    """Parse a RootFolderResource."""
    return RootFolder(
        id=int(data["id"]),
        name=str(data.get("name") or ""),
        path=str(data["path"]),
        accessible=as_bool(data.get("accessible")),
        free_bytes=optional_int(data.get("freeSpace")),
        total_bytes=optional_int(data.get("totalSpace")),
        default_quality_profile_id=optional_int(data.get("defaultQualityProfileId")),
        default_metadata_profile_id=optional_int(data.get("defaultMetadataProfileId")),
    )


def parse_queue_status(data: Any) -> QueueStatus:
    """Parse a QueueStatusResource."""
    return QueueStatus(
        total_count=int(data["totalCount"]),
        count=int(data["count"]),
        unknown_count=int(data.get("unknownCount") or 0),
        errors=as_bool(data.get("errors")),
        warnings=as_bool(data.get("warnings")),
        unknown_errors=as_bool(data.get("unknownErrors")),
        unknown_warnings=as_bool(data.get("unknownWarnings")),
    )


def parse_queue_item(data: Any) -> QueueItem:
    """Parse a QueueResource."""
    return QueueItem(
        id=int(data["id"]),
        artist_id=optional_int(data.get("artistId")),
        album_id=optional_int(data.get("albumId")),
        title=str(data.get("title") or ""),
        status=DownloadStatus.from_api(data.get("status")),
        tracked_download_status=TrackedDownloadStatus.from_api(data.get("trackedDownloadStatus")),
        tracked_download_state=TrackedDownloadState.from_api(data.get("trackedDownloadState")),
        size=int(float(data.get("size") or 0)),
        size_left=int(float(data.get("sizeleft") or 0)),
        time_left=parse_timespan(data.get("timeleft")),
        estimated_completion=parse_time(data.get("estimatedCompletionTime")),
        added=parse_time(data.get("added")),
        download_id=optional_str(data.get("downloadId")),
        download_client=optional_str(data.get("downloadClient")),
        indexer=optional_str(data.get("indexer")),
        protocol=str(data.get("protocol") or "unknown"),
        quality=_quality_name(data.get("quality")),
        output_path=optional_str(data.get("outputPath")),
        error_message=optional_str(data.get("errorMessage")),
        status_messages=tuple(
            StatusMessage(
                title=str(item.get("title") or ""),
                messages=tuple(str(m) for m in item.get("messages") or ()),
            )
            for item in data.get("statusMessages") or ()
        ),
    )


def parse_artist_statistics(data: Any) -> ArtistStatistics | None:
    """Parse an ArtistStatisticsResource (absent on lookup results)."""
    if not isinstance(data, dict):
        return None
    return ArtistStatistics(
        album_count=int(data.get("albumCount") or 0),
        track_file_count=int(data.get("trackFileCount") or 0),
        track_count=int(data.get("trackCount") or 0),
        total_track_count=int(data.get("totalTrackCount") or 0),
        size_on_disk=int(data.get("sizeOnDisk") or 0),
        percent_of_tracks=float(data.get("percentOfTracks") or 0.0),
    )


def parse_artist(data: Any) -> Artist:
    """Parse an ArtistResource."""
    return Artist(
        id=int(data.get("id") or 0),
        name=str(data["artistName"]),
        foreign_artist_id=str(data["foreignArtistId"]),
        monitored=as_bool(data.get("monitored")),
        status=str(data.get("status") or "continuing"),
        artist_type=optional_str(data.get("artistType")),
        disambiguation=optional_str(data.get("disambiguation")),
        overview=optional_str(data.get("overview")),
        genres=_genres(data.get("genres")),
        path=optional_str(data.get("path")),
        root_folder_path=optional_str(data.get("rootFolderPath")),
        quality_profile_id=optional_int(data.get("qualityProfileId")) or None,
        metadata_profile_id=optional_int(data.get("metadataProfileId")) or None,
        added=parse_time(data.get("added")),
        statistics=parse_artist_statistics(data.get("statistics")),
    )


def parse_album(data: Any) -> Album:
    """Parse an AlbumResource."""
    stats = data.get("statistics")
    stats = stats if isinstance(stats, dict) else None
    artist = data.get("artist")
    artist = artist if isinstance(artist, dict) else None
    duration = data.get("duration")
    return Album(
        id=int(data.get("id") or 0),
        title=str(data["title"]),
        artist_id=int(data.get("artistId") or 0),
        foreign_album_id=str(data["foreignAlbumId"]),
        monitored=as_bool(data.get("monitored")),
        album_type=optional_str(data.get("albumType")),
        release_date=parse_time(data.get("releaseDate")),
        genres=_genres(data.get("genres")),
        duration=None if duration is None else int(duration) / 1000,
        track_count=None if stats is None else int(stats.get("totalTrackCount") or 0),
        track_file_count=None if stats is None else int(stats.get("trackFileCount") or 0),
        size_on_disk=None if stats is None else int(stats.get("sizeOnDisk") or 0),
        percent_of_tracks=None if stats is None else float(stats.get("percentOfTracks") or 0),
        last_search_time=parse_time(data.get("lastSearchTime")),
        artist_name=None if artist is None else optional_str(artist.get("artistName")),
        artist_foreign_id=None if artist is None else optional_str(artist.get("foreignArtistId")),
    )


def parse_quality_profile(data: Any) -> QualityProfile:
    """Parse a QualityProfileResource."""
    allowed: list[str] = []
    for item in data.get("items") or ():
        if not item.get("allowed"):
            continue
        quality = item.get("quality")
        name = item.get("name") or (quality.get("name") if isinstance(quality, dict) else None)
        if name:
            allowed.append(str(name))
    return QualityProfile(
        id=int(data["id"]),
        name=str(data["name"]),
        upgrade_allowed=as_bool(data.get("upgradeAllowed")),
        cutoff=int(data.get("cutoff") or 0),
        allowed=tuple(allowed),
    )


def parse_metadata_profile(data: Any) -> MetadataProfile:
    """Parse a MetadataProfileResource."""
    return MetadataProfile(id=int(data["id"]), name=str(data["name"]))


def parse_command(data: Any) -> Command:
    """Parse a CommandResource."""
    return Command(
        id=int(data["id"]),
        name=str(data.get("name") or data.get("commandName") or ""),
        status=CommandStatus.from_api(data.get("status")),
        result=optional_str(data.get("result")),
        message=optional_str(data.get("message")),
        trigger=optional_str(data.get("trigger")),
        queued=parse_time(data.get("queued")),
        started=parse_time(data.get("started")),
        ended=parse_time(data.get("ended")),
    )


def parse_history_record(data: Any) -> HistoryRecord:
    """Parse a HistoryResource."""
    extra = data.get("data")
    extra = extra if isinstance(extra, dict) else {}
    return HistoryRecord(
        id=int(data["id"]),
        album_id=optional_int(data.get("albumId")) or None,
        artist_id=optional_int(data.get("artistId")) or None,
        event_type=HistoryEventType.from_api(data.get("eventType")),
        source_title=str(data.get("sourceTitle") or ""),
        date=parse_time(data.get("date")),
        download_id=optional_str(data.get("downloadId")),
        quality=_quality_name(data.get("quality")),
        indexer=optional_str(extra.get("indexer")),
        download_client=optional_str(
            extra.get("downloadClientName") or extra.get("downloadClient")
        ),
    )


def library_stats_of_payload(data: Any) -> LibraryStats:
    """Totals of a raw ``/api/v1/artist`` list, without building a model per artist."""
    artists = monitored = albums = tracks = files = size = 0
    for item in data:
        artists += 1
        monitored += 1 if as_bool(item.get("monitored")) else 0
        stats = item.get("statistics")
        if isinstance(stats, dict):
            albums += int(stats.get("albumCount") or 0)
            tracks += int(stats.get("totalTrackCount") or 0)
            files += int(stats.get("trackFileCount") or 0)
            size += int(stats.get("sizeOnDisk") or 0)
    return LibraryStats(
        artists=artists,
        monitored_artists=monitored,
        albums=albums,
        tracks=tracks,
        track_files=files,
        size_on_disk=size,
    )


def library_stats(artists: list[Artist]) -> LibraryStats:
    """Totals of an artist list (its per-artist statistics)."""
    stats = [a.statistics for a in artists if a.statistics is not None]
    return LibraryStats(
        artists=len(artists),
        monitored_artists=sum(1 for a in artists if a.monitored),
        albums=sum(s.album_count for s in stats),
        tracks=sum(s.total_track_count for s in stats),
        track_files=sum(s.track_file_count for s in stats),
        size_on_disk=sum(s.size_on_disk for s in stats),
    )
