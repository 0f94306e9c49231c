"""Transmission: session, statistics, incremental torrent list and free space."""

from __future__ import annotations

from collections.abc import Mapping

from homeassistant.core import HomeAssistant
from stepheybot_music_clients.transmission import Torrent, TorrentState, TransmissionClient

from ..runtime import BackendRef, StepheyBotConfigEntry
from ..sessions import runtime_client
from ..settings import StackSettings
from .download_client import (
    DownloadClientCoordinator,
    DownloadClientData,
    DownloadClientRuntime,
    TorrentBucket,
    TorrentSummary,
)
from .torrent_tally import TorrentTally

_BUCKETS: dict[TorrentState, TorrentBucket] = {
    TorrentState.DOWNLOADING: TorrentBucket.DOWNLOADING,
    TorrentState.SEEDING: TorrentBucket.SEEDING,
    TorrentState.STALLED_DOWNLOADING: TorrentBucket.STALLED,
    TorrentState.STALLED_UPLOADING: TorrentBucket.STALLED,
    TorrentState.STOPPED: TorrentBucket.PAUSED,
    TorrentState.QUEUED: TorrentBucket.QUEUED,
    TorrentState.CHECKING: TorrentBucket.CHECKING,
    TorrentState.ERROR: TorrentBucket.ERRORED,
}


class TransmissionCoordinator(DownloadClientCoordinator):
    """Four small RPC calls per poll; the music torrents are those with the music label.

    The torrent list is polled incrementally (``recently-active``): after the first poll only
    the torrents that changed in the last minute travel, and only they are counted again
    (:class:`TorrentTally`).
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry: StepheyBotConfigEntry,
        backend: BackendRef,
        client: TransmissionClient,
        settings: StackSettings,
    ) -> None:
        """Poll ``client`` at the fast interval."""
        super().__init__(hass, entry, backend, role="downloads", interval=settings.fast_interval)
        self.client = client
        self._music_label = settings.music_category
        self._tally = TorrentTally[int, Torrent](lambda _id, torrent: self._summary(torrent))
        self.torrents: Mapping[int, Torrent] = {}
        """Every torrent of the last poll, by Transmission id (read by request tracking)."""

    def _summary(self, torrent: Torrent) -> TorrentSummary:
        return TorrentSummary(
            id=str(torrent.id),
            bucket=_BUCKETS.get(torrent.state),
            music=self._music_label in torrent.labels,
            complete=torrent.progress >= 1.0,
        )

    async def _async_fetch(self) -> DownloadClientData:
        session = await self.client.session()
        stats = await self.client.session_stats()
        snapshot = await self.client.sync(
            torrent_count=stats.torrent_count, uptime=stats.current.seconds_active
        )
        self.torrents = snapshot.torrents
        tally = self._tally.update(
            snapshot.torrents,
            changed=snapshot.changed,
            removed=snapshot.removed,
            full=snapshot.full,
        )
        free = await self.client.free_space(session.download_dir) if session.download_dir else None
        return DownloadClientData(
            download_rate=stats.download_speed,
            upload_rate=stats.upload_speed,
            counts=tally.counts,
            total=tally.total,
            connection=None,
            free_space=free.free_bytes if free is not None else None,
            alltime_download=stats.cumulative.downloaded,
            alltime_upload=stats.cumulative.uploaded,
            alt_speed_limits=session.alt_speed_enabled,
            music_ids=tally.music_ids,
            music_active=tally.music_active,
            music_running=tally.music_running,
            version=session.version.split(" ", 1)[0],
        )

    async def _async_set_alt_speed(self, enabled: bool) -> None:
        await self.client.alt_speed(enabled)

    async def _async_set_running(self, ids: tuple[str, ...], running: bool) -> None:
        numbers = [int(torrent_id) for torrent_id in ids]
        if running:
            await self.client.start(numbers)
        else:
            await self.client.stop(numbers)


def build(
    hass: HomeAssistant,
    entry: StepheyBotConfigEntry,
    backend: BackendRef,
    settings: StackSettings,
) -> DownloadClientRuntime:
    """The runtime of a Transmission backend (no I/O)."""
    client = runtime_client(hass, entry, backend.subentry_id, TransmissionClient)
    coordinator = TransmissionCoordinator(hass, entry, backend, client, settings)
    return DownloadClientRuntime(ref=backend, fast=(coordinator,), coordinator=coordinator)
