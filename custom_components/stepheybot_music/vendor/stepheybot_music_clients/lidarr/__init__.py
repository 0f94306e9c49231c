"""Lidarr API v1 client (Lidarr 2.x)."""

from __future__ import annotations

from stepheybot_music_clients.lidarr.client import LidarrClient
from stepheybot_music_clients.lidarr.imports import (
    IMPORT_STUCK,
    QUEUE_PAGE_SIZE,
    StuckImports,
    read_stuck_imports,
)
from stepheybot_music_clients.lidarr.library_watch import LibrarySignals, LibraryWatch
from stepheybot_music_clients.lidarr.models import (
    Album,
    Artist,
    ArtistStatistics,
    Command,
    CommandStatus,
    DiskSpace,
    DownloadStatus,
    HealthItem,
    HealthType,
    HistoryEventType,
    HistoryRecord,
    LibraryStats,
    LidarrCommand,
    MetadataProfile,
    MonitorOption,
    Page,
    QualityProfile,
    QueueItem,
    QueueStatus,
    RootFolder,
    StatusMessage,
    SystemStatus,
    TrackedDownloadState,
    TrackedDownloadStatus,
)
from stepheybot_music_clients.models import LIBRARY_MAX_AGE

__all__ = [
    "IMPORT_STUCK",
    "LIBRARY_MAX_AGE",
    "QUEUE_PAGE_SIZE",
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
    "LibrarySignals",
    "LibraryStats",
    "LibraryWatch",
    "LidarrClient",
    "LidarrCommand",
    "MetadataProfile",
    "MonitorOption",
    "Page",
    "QualityProfile",
    "QueueItem",
    "QueueStatus",
    "RootFolder",
    "StatusMessage",
    "StuckImports",
    "SystemStatus",
    "TrackedDownloadState",
    "TrackedDownloadStatus",
    "read_stuck_imports",
]
