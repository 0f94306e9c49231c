"""qBittorrent: incremental ``sync/maindata`` polling (only changes travel after the first)."""

from __future__ import annotations

from collections.abc import Mapping

from homeassistant.core import HomeAssistant
from stepheybot_music_clients.qbittorrent import (
    ConnectionStatus,
    QBittorrentClient,
    Torrent,
    TorrentState,
)

from ..runtime import BackendRef, StepheyBotConfigEntry
from ..sessions import runtime_client
from ..settings import StackSettings
from .download_client import (
    ConnectionState,
    DownloadClientCoordinator,
    DownloadClientData,
    DownloadClientRuntime,
    TorrentBucket,
    TorrentSummary,
)
from .torrent_tally import TorrentTally

_BUCKETS: dict[TorrentState, TorrentBucket] = {
    TorrentState.DOWNLOADING: TorrentBucket.DOWNLOADING,
    TorrentState.METADATA: TorrentBucket.DOWNLOADING,
    TorrentState.SEEDING: TorrentBucket.SEEDING,
    TorrentState.STALLED_DOWNLOADING: TorrentBucket.STALLED,
    TorrentState.STALLED_UPLOADING: TorrentBucket.STALLED,
    TorrentState.STOPPED: TorrentBucket.PAUSED,
    TorrentState.QUEUED: TorrentBucket.QUEUED,
    TorrentState.CHECKING: TorrentBucket.CHECKING,
    TorrentState.MOVING: TorrentBucket.CHECKING,
    TorrentState.ERROR: TorrentBucket.ERRORED,
}

_CONNECTION: dict[ConnectionStatus, ConnectionState] = {
    ConnectionStatus.CONNECTED: ConnectionState.CONNECTED,
    ConnectionStatus.FIREWALLED: ConnectionState.FIREWALLED,
    ConnectionStatus.DISCONNECTED: ConnectionState.DISCONNECTED,
}


class QBittorrentCoordinator(DownloadClientCoordinator):
    """Polls ``sync/maindata`` with the last ``rid``: a few bytes when nothing changed.

    The torrent counts are updated from what the poll changed (:class:`TorrentTally`), so a
    poll costs O(changed torrents), not O(all torrents).
    """

    supports_external_address = True

    def __init__(
        self,
        hass: HomeAssistant,
        entry: StepheyBotConfigEntry,
        backend: BackendRef,
        client: QBittorrentClient,
        settings: StackSettings,
    ) -> None:
        """Poll ``client`` at the stack's fast interval."""
        super().__init__(hass, entry, backend, role="downloads", interval=settings.fast_interval)
        self.client = client
        self._music_category = settings.music_category
        self._version: str | None = None
        self._tally = TorrentTally[str, Torrent](self._summary)
        self.torrents: Mapping[str, Torrent] = {}
        """Every torrent of the last poll, by info-hash (read by request tracking)."""

    def _summary(self, info_hash: str, torrent: Torrent) -> TorrentSummary:
        return TorrentSummary(
            id=info_hash,
            bucket=_BUCKETS.get(torrent.state),
            music=torrent.category == self._music_category,
            complete=torrent.is_complete,
        )

    async def _async_fetch(self) -> DownloadClientData:
        if self._version is None:
            self._version = (await self.client.probe()).version
        main = await self.client.sync()
        self.torrents = main.torrents
        state = main.server_state
        tally = self._tally.update(
            main.torrents, changed=main.changed, removed=main.removed, full=main.full_update
        )
        return DownloadClientData(
            download_rate=state.dl_info_speed,
            upload_rate=state.up_info_speed,
            counts=tally.counts,
            total=tally.total,
            connection=_CONNECTION.get(state.connection_status),
            free_space=state.free_space_on_disk,
            alltime_download=state.alltime_dl,
            alltime_upload=state.alltime_ul,
            alt_speed_limits=state.use_alt_speed_limits,
            music_ids=tally.music_ids,
            music_active=tally.music_active,
            music_running=tally.music_running,
            external_address=state.last_external_address_v4,
            version=self._version,
        )

    async def _async_set_alt_speed(self, enabled: bool) -> None:
        await self.client.set_alternative_speed_limits(enabled)

    async def _async_set_running(self, ids: tuple[str, ...], running: bool) -> None:
        if running:
            await self.client.start(ids)
        else:
            await self.client.stop(ids)


def build(
    hass: HomeAssistant,
    entry: StepheyBotConfigEntry,
    backend: BackendRef,
    settings: StackSettings,
) -> DownloadClientRuntime:
    """The runtime of a qBittorrent backend (no I/O)."""
    client = runtime_client(hass, entry, backend.subentry_id, QBittorrentClient)
    coordinator = QBittorrentCoordinator(hass, entry, backend, client, settings)
    return DownloadClientRuntime(
        ref=backend, fast=(coordinator,), coordinator=coordinator, close=client.logout
    )
