"""qBittorrent: incremental ``sync/maindata`` polling (only changes travel after the first)."""

from __future__ import annotations

from collections.abc import Sequence

from homeassistant.core import HomeAssistant
from stepheybot_music_clients.downloads import QBITTORRENT
from stepheybot_music_clients.errors import AlreadyExistsError
from stepheybot_music_clients.qbittorrent import ConnectionStatus, QBittorrentClient, Torrent

from ..runtime import BackendRef, StepheyBotConfigEntry
from ..sessions import runtime_client
from ..settings import StackSettings
from .download_client import (
    AddedLink,
    ConnectionState,
    DownloadClientCoordinator,
    DownloadClientData,
    DownloadClientRuntime,
    bucket_counts,
)

_CONNECTION: dict[ConnectionStatus, ConnectionState] = {
    ConnectionStatus.CONNECTED: ConnectionState.CONNECTED,
    ConnectionStatus.FIREWALLED: ConnectionState.FIREWALLED,
    ConnectionStatus.DISCONNECTED: ConnectionState.DISCONNECTED,
}


class QBittorrentCoordinator(DownloadClientCoordinator[str, Torrent]):
    """Polls ``sync/maindata`` with the last ``rid``: a few bytes when nothing changed.

    The torrent counts are updated from what the poll changed (the download domain's
    ``TorrentTally``), so a poll costs O(changed torrents), not O(all torrents).
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
        super().__init__(hass, entry, backend, settings, QBITTORRENT)
        self.client = client
        self._version: str | None = None

    async def _async_fetch(self) -> DownloadClientData:
        if self._version is None:
            self._version = (await self.client.probe()).version
        main = await self.client.sync()
        state = main.server_state
        tally = self._count(
            main.torrents,
            main.torrents,
            changed=main.changed,
            removed=main.removed,
            full=main.full_update,
        )
        return DownloadClientData(
            download_rate=state.dl_info_speed,
            upload_rate=state.up_info_speed,
            counts=bucket_counts(tally.counts),
            total=tally.total,
            connection=_CONNECTION.get(state.connection_status),
            free_space=state.free_space_on_disk,
            alltime_download=state.alltime_dl,
            alltime_upload=state.alltime_ul,
            alt_speed_limits=state.use_alt_speed_limits,
            music_ids=tally.category_hashes,
            music_active=tally.category_active,
            music_running=tally.category_running,
            music_states=tally.category_unfinished,
            external_address=state.last_external_address_v4,
            version=self._version,
        )

    async def async_add_link(self, link: str) -> AddedLink:
        """Add ``link`` in the music category (qBittorrent does not say which torrent it is)."""
        try:
            await self.client.add_torrent([link], category=self.music_category)
        except AlreadyExistsError:
            return AddedLink(hash=None, name=None, duplicate=True)
        return AddedLink(hash=None, name=None, duplicate=False)

    async def _async_has(self, info_hash: str) -> bool:
        return bool(await self.client.torrents(hashes=[info_hash]))

    async def _async_set_running(self, hashes: Sequence[str], running: bool) -> None:
        if running:
            await self.client.start(hashes)
        else:
            await self.client.stop(hashes)

    async def _async_set_alt_speed(self, enabled: bool) -> None:
        await self.client.set_alternative_speed_limits(enabled)


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
