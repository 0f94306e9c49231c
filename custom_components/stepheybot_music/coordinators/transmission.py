"""Transmission: session, statistics, incremental torrent list and free space."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from homeassistant.core import HomeAssistant
from stepheybot_music_clients.downloads import TRANSMISSION
from stepheybot_music_clients.transmission import FreeSpace, Torrent, TransmissionClient

from ..runtime import BackendRef, StepheyBotConfigEntry
from ..sessions import runtime_client
from ..settings import StackSettings
from .download_client import (
    AddedLink,
    DownloadClientCoordinator,
    DownloadClientData,
    DownloadClientRuntime,
    bucket_counts,
)


class TransmissionCoordinator(DownloadClientCoordinator[int, Torrent]):
    """Four small RPC calls per poll, the last two together; music torrents carry the music label.

    The torrent list is polled incrementally (``recently-active``): after the first poll only
    the torrents that changed in the last minute travel, and only they are counted again (the
    download domain's ``TorrentTally``).
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
        super().__init__(hass, entry, backend, settings, TRANSMISSION)
        self.client = client

    async def _async_fetch(self) -> DownloadClientData:
        # the first calls go alone (a refused login is one failed attempt, not two), the
        # torrent list and the free space together: three round trips, not four
        session = await self.client.session()
        stats = await self.client.session_stats()
        snapshot, free = await asyncio.gather(
            self.client.sync(
                torrent_count=stats.torrent_count, uptime=stats.current.seconds_active
            ),
            self._free_space(session.download_dir),
        )
        tally = self._count(
            snapshot.torrents,
            snapshot.by_hash,
            changed=snapshot.changed,
            removed=snapshot.removed,
            full=snapshot.full,
        )
        return DownloadClientData(
            download_rate=stats.download_speed,
            upload_rate=stats.upload_speed,
            counts=bucket_counts(tally.counts),
            total=tally.total,
            connection=None,
            free_space=free.free_bytes if free is not None else None,
            alltime_download=stats.cumulative.downloaded,
            alltime_upload=stats.cumulative.uploaded,
            alt_speed_limits=session.alt_speed_enabled,
            music_ids=tally.category_hashes,
            music_active=tally.category_active,
            music_running=tally.category_running,
            music_states=tally.category_unfinished,
            version=session.version.split(" ", 1)[0],
        )

    async def _free_space(self, path: str) -> FreeSpace | None:
        return await self.client.free_space(path) if path else None

    async def async_add_link(self, link: str) -> AddedLink:
        """Add ``link`` with the music label; Transmission names the torrent it became."""
        added = await self.client.add(link, labels=[self.music_category])
        return AddedLink(hash=added.hash, name=added.name, duplicate=added.duplicate)

    async def _async_has(self, info_hash: str) -> bool:
        return bool(await self.client.torrents([info_hash]))

    async def _async_set_running(self, hashes: Sequence[str], running: bool) -> None:
        if running:
            await self.client.start(hashes)
        else:
            await self.client.stop(hashes)

    async def _async_set_alt_speed(self, enabled: bool) -> None:
        await self.client.alt_speed(enabled)


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
