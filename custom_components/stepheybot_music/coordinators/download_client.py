"""A download client (qBittorrent, Transmission): one interface, one shape of data.

Everything else in the integration (entities, actions, requests, tracking) reaches a download
client through :class:`DownloadClientCoordinator` only: find a torrent by info-hash, the music
torrents, add a link to the music category, stop or start torrents by hash, the alternative
speed limits. Both clients get exactly the same entities. The torrents are counted with the
client library's download domain (``stepheybot_music_clients.downloads``), the same tally and
the same states the exporter counts with, so both report the same numbers.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from homeassistant.core import HomeAssistant
from stepheybot_music_clients.downloads import (
    DownloadState,
    Tally,
    TorrentSource,
    TorrentTally,
    TorrentView,
)
from stepheybot_music_clients.errors import StackError

from ..runtime import BackendRef, BackendRuntime, StackRuntimeData, StepheyBotConfigEntry
from ..settings import StackSettings
from .base import StackCoordinator

if TYPE_CHECKING:
    from ..port_sync import ListenPortCoordinator


class TorrentBucket(StrEnum):
    """The states torrents are counted by (one sensor each)."""

    DOWNLOADING = "downloading"
    SEEDING = "seeding"
    STALLED = "stalled"
    PAUSED = "paused"
    QUEUED = "queued"
    CHECKING = "checking"
    ERRORED = "errored"


BUCKETS: Mapping[DownloadState, TorrentBucket] = MappingProxyType(
    {
        DownloadState.DOWNLOADING: TorrentBucket.DOWNLOADING,
        DownloadState.METADATA: TorrentBucket.DOWNLOADING,
        DownloadState.STALLED: TorrentBucket.STALLED,
        DownloadState.SEEDING: TorrentBucket.SEEDING,
        DownloadState.STOPPED: TorrentBucket.PAUSED,
        DownloadState.QUEUED: TorrentBucket.QUEUED,
        DownloadState.CHECKING: TorrentBucket.CHECKING,
        DownloadState.MOVING: TorrentBucket.CHECKING,
        DownloadState.ERROR: TorrentBucket.ERRORED,
    }
)
"""Which sensor counts each state of the download domain (``unknown``: none, only the total).

What a state means (e.g. "stalled") is decided in ``stepheybot_music_clients.downloads``.
"""


def bucket_counts(counts: Mapping[DownloadState, int]) -> dict[TorrentBucket, int]:
    """The sensors' counts (every bucket present) from the domain's counts by state."""
    out = dict.fromkeys(TorrentBucket, 0)
    for state, count in counts.items():
        bucket = BUCKETS.get(state)
        if bucket is not None:
            out[bucket] += count
    return out


class ConnectionState(StrEnum):
    """The download client's peer connectivity (qBittorrent's ``connection_status``)."""

    CONNECTED = "connected"
    FIREWALLED = "firewalled"
    DISCONNECTED = "disconnected"


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
    """Info-hashes of every torrent in the music category (category or label), sorted."""
    music_active: int = 0
    """Music torrents still downloading (not complete, not paused, not errored)."""
    music_running: int = 0
    """Music torrents not paused."""
    music_states: Mapping[str, DownloadState] = field(default_factory=dict)
    """The state of each music torrent not yet complete, by info-hash (stalled, stopped,
    queued, ... as the download domain decides): what a request's download is doing."""
    external_address: str | None = None
    """The public IPv4 address peers see (qBittorrent 4.6+), for the VPN leak check."""
    version: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class AddedLink:
    """What a download client said when asked to add a link."""

    hash: str | None
    """The torrent's info-hash, when the client says (Transmission); else None."""
    name: str | None
    """The torrent's name, when the client says (Transmission); else None."""
    duplicate: bool
    """The client already had this torrent (nothing was added)."""


class DownloadClientCoordinator[K: Hashable, T](StackCoordinator[DownloadClientData]):
    """A download client's coordinator: the one way the integration uses a download client.

    ``K`` is the key of the client's torrent listing (qBittorrent: info-hash; Transmission: its
    id), ``T`` its torrent model. Subclasses poll (:meth:`_async_fetch`, which feeds
    :meth:`_count`) and implement the actions; finding torrents and counting them is shared.
    """

    supports_external_address: ClassVar[bool] = False
    """Whether the client reports the address peers see (for the VPN leak check)."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: StepheyBotConfigEntry,
        backend: BackendRef,
        settings: StackSettings,
        source: TorrentSource[T],
    ) -> None:
        """Poll at the stack's fast interval; ``source`` reads the client's torrents."""
        super().__init__(hass, entry, backend, role="downloads", interval=settings.fast_interval)
        self.music_category = settings.music_category
        """The qBittorrent category or Transmission label of music torrents."""
        self._source = source
        self.tally = TorrentTally[K, T](
            source, category=settings.music_category, folders=settings.music_folders
        )
        """The torrent counts, kept up to date from what each poll changed."""
        self._torrents: Mapping[K, T] = {}
        self._by_hash: Mapping[str, T] = {}

    def version_of(self, data: DownloadClientData) -> str | None:
        """The client's version, read once per set-up."""
        return data.version

    def _count(
        self,
        torrents: Mapping[K, T],
        by_hash: Mapping[str, T],
        *,
        changed: Collection[K],
        removed: Collection[K],
        full: bool,
    ) -> Tally:
        """Count one poll's torrents (O(changed + removed)) and keep them for lookups."""
        tally = self.tally.update(torrents, changed=changed, removed=removed, full=full)
        self._torrents, self._by_hash = torrents, by_hash
        return tally

    def find_torrent(self, info_hash: str) -> TorrentView | None:
        """The torrent with ``info_hash`` (lower case) in the last poll, or None."""
        torrent = self._by_hash.get(info_hash)
        return self._source.view(torrent) if torrent is not None else None

    def music_torrents(self) -> list[TorrentView]:
        """Every music torrent (category, or a music folder) in the last poll (O(music))."""
        torrents = self._torrents
        found = (torrents.get(key) for key in self.tally.category_keys())
        return [self._source.view(torrent) for torrent in found if torrent is not None]

    @abstractmethod
    async def async_add_link(self, link: str) -> AddedLink:
        """Add a magnet link or .torrent URL to the music category (label)."""

    @abstractmethod
    async def _async_has(self, info_hash: str) -> bool:
        """Whether the client has the torrent now (asked, not read from the last poll)."""

    @abstractmethod
    async def _async_set_running(self, hashes: Sequence[str], running: bool) -> None:
        """Start (``running``) or stop the torrents with these info-hashes."""

    @abstractmethod
    async def _async_set_alt_speed(self, enabled: bool) -> None:
        """Turn the alternative speed limits on or off."""

    async def async_set_alt_speed(self, enabled: bool) -> None:
        """Turn the alternative speed limits on or off, then refresh."""
        await self._async_set_alt_speed(enabled)
        await self.async_refresh()

    async def async_set_music_running(self, running: bool) -> None:
        """Resume (``running``) or pause every music torrent the client holds now, then refresh.

        The list is read fresh first: a torrent added since the last poll is paused too, and a
        client that does not answer is the caller's error, never a silent "done".
        """
        await self.async_refresh()
        failure = None if self.last_update_success else self.last_exception
        if failure is not None:
            cause = failure.__cause__
            raise cause if isinstance(cause, StackError) else failure
        if self.data.music_ids:
            await self._async_set_running(self.data.music_ids, running)
            await self.async_refresh()

    async def async_set_torrent_running(self, info_hash: str, running: bool) -> bool:
        """Start or stop one torrent where this client has it; whether it had it."""
        if not await self._async_has(info_hash):
            return False
        await self._async_set_running((info_hash,), running)
        await self.async_request_refresh()
        return True


@dataclass(kw_only=True)
class DownloadClientRuntime(BackendRuntime):
    """A download client backend: one fast coordinator."""

    coordinator: DownloadClientCoordinator[Any, Any]
    listen_port: ListenPortCoordinator | None = None
    """Its listen port against gluetun's forwarded port (stacks with gluetun only)."""


def download_state(runtime: StackRuntimeData, info_hash: str) -> TorrentBucket | None:
    """What the stack's download clients say the unfinished torrent ``info_hash`` is doing.

    From their last fresh poll (no request of its own); None when no client has it
    unfinished in the music category, or none answers.
    """
    for backend in runtime.of_type(DownloadClientRuntime):
        coordinator = backend.coordinator
        if coordinator.fresh and (state := coordinator.data.music_states.get(info_hash)):
            return BUCKETS.get(state)
    return None
