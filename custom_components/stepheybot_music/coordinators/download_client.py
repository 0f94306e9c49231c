"""What every download client (qBittorrent, Transmission) reports, in one shape.

The entities of a download client and the stack's download sensors read only this, so
both clients get exactly the same entities.
"""

from __future__ import annotations

from abc import abstractmethod
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from ..runtime import BackendRuntime
from .base import StackCoordinator


class TorrentBucket(StrEnum):
    """The states torrents are counted by (one sensor each)."""

    DOWNLOADING = "downloading"
    SEEDING = "seeding"
    STALLED = "stalled"
    PAUSED = "paused"
    QUEUED = "queued"
    CHECKING = "checking"
    ERRORED = "errored"


class ConnectionState(StrEnum):
    """The download client's peer connectivity (qBittorrent's ``connection_status``)."""

    CONNECTED = "connected"
    FIREWALLED = "firewalled"
    DISCONNECTED = "disconnected"


@dataclass(frozen=True, slots=True, kw_only=True)
class TorrentSummary:
    """The little the integration needs to know about one torrent."""

    id: str
    """The client's handle for start/stop (info-hash for qBittorrent, id for Transmission)."""
    bucket: TorrentBucket | None
    music: bool
    """In the music category (qBittorrent) or carrying the music label (Transmission)."""
    complete: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class DownloadClientData:
    """One poll of a download client."""

    download_rate: int
    """Bytes/s."""
    upload_rate: int
    """Bytes/s."""
    counts: dict[TorrentBucket, int]
    total: int
    connection: ConnectionState | None
    """None when the client does not report it (Transmission)."""
    free_space: int | None
    """Bytes free in the default download directory, None until known."""
    alltime_download: int | None
    """Bytes, all time."""
    alltime_upload: int | None
    """Bytes, all time."""
    alt_speed_limits: bool
    music_ids: tuple[str, ...] = ()
    """Every torrent in the music category."""
    music_active: int = 0
    """Music torrents still downloading (not complete, not paused, not errored)."""
    music_running: int = 0
    """Music torrents not paused."""
    external_address: str | None = None
    """The public IPv4 address peers see (qBittorrent 4.6+), for the VPN leak check."""
    version: str | None = field(default=None, compare=False)


def summarize(
    torrents: Iterable[TorrentSummary],
) -> tuple[dict[TorrentBucket, int], int, tuple[str, ...], int, int]:
    """Counts by bucket, total, music ids, music still downloading, music not paused."""
    counts: Counter[TorrentBucket] = Counter()
    total = active = running = 0
    music: list[str] = []
    for torrent in torrents:
        total += 1
        if torrent.bucket is not None:
            counts[torrent.bucket] += 1
        if not torrent.music:
            continue
        music.append(torrent.id)
        if torrent.bucket is not TorrentBucket.PAUSED:
            running += 1
            if not torrent.complete and torrent.bucket is not TorrentBucket.ERRORED:
                active += 1
    return (
        {bucket: counts.get(bucket, 0) for bucket in TorrentBucket},
        total,
        tuple(sorted(music)),
        active,
        running,
    )


class DownloadClientCoordinator(StackCoordinator[DownloadClientData]):
    """A download client's coordinator; also the way its switches act on it."""

    supports_external_address: ClassVar[bool] = False
    """Whether the client reports the address peers see (for the VPN leak check)."""

    def version_of(self, data: DownloadClientData) -> str | None:
        """The client's version, read once per set-up."""
        return data.version

    @abstractmethod
    async def _async_set_alt_speed(self, enabled: bool) -> None:
        """Turn the alternative speed limits on or off."""

    @abstractmethod
    async def _async_set_running(self, ids: tuple[str, ...], running: bool) -> None:
        """Start (``running``) or stop the torrents ``ids``."""

    async def async_set_alt_speed(self, enabled: bool) -> None:
        """Turn the alternative speed limits on or off, then refresh."""
        await self._async_set_alt_speed(enabled)
        await self.async_refresh()

    async def async_set_music_running(self, running: bool) -> None:
        """Resume (``running``) or pause every music torrent, then refresh."""
        if self.data is not None and self.data.music_ids:
            await self._async_set_running(self.data.music_ids, running)
        await self.async_refresh()


@dataclass(kw_only=True)
class DownloadClientRuntime(BackendRuntime):
    """A download client backend: one fast coordinator."""

    coordinator: DownloadClientCoordinator
