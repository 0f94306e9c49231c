"""qBittorrent: one WebUI session and incremental ``sync/maindata`` for the process lifetime."""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
from stepheybot_music_clients.downloads import QBITTORRENT, TorrentTally
from stepheybot_music_clients.errors import StackError
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.qbittorrent import QBittorrentClient, Torrent

from .. import metrics as m
from .base import Collector, Facts
from .downloads import add_state_counts, add_torrent_samples, add_transfer_samples


class QBittorrentCollector(Collector[QBittorrentClient]):
    """One ``sync/maindata`` poll per scrape: after the first, only changes travel.

    The counts by state are kept between scrapes and updated from the hashes the poll names
    as changed or removed (the download domain's :class:`TorrentTally`, which Home Assistant
    counts with too), so a scrape costs O(changes), not O(torrents). The opt-in per-torrent
    series (``--per-torrent``) stay O(torrents of the category): every series is written on
    every scrape.
    """

    kind = BackendKind.QBITTORRENT
    client_type = QBittorrentClient
    logs_in = True
    _tally: TorrentTally[str, Torrent] | None = None

    def make_session(self) -> aiohttp.ClientSession:
        """A session without a cookie jar: the client sends its session cookie itself."""
        return aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())

    async def collect(self, out: m.Samples, facts: Facts) -> None:
        """Torrents of the category by state, rates, all-time totals, free space."""
        data = await self.client().sync()
        state = data.server_state
        if self._tally is None:
            self._tally = TorrentTally(
                QBITTORRENT,
                category=self.backend.category,
                folders=self.backend.music_folders,
            )
        tally = self._tally.update(
            data.torrents, changed=data.changed, removed=data.removed, full=data.full_update
        )
        add_state_counts(out, self.name, tally.category_counts)
        if self.options.per_torrent:
            torrents = data.torrents
            add_torrent_samples(
                out,
                self.name,
                (QBITTORRENT.view(torrents[h]) for h in self._tally.category_keys()),
            )
        add_transfer_samples(
            out,
            self.name,
            download_rate=state.dl_info_speed,
            upload_rate=state.up_info_speed,
            downloaded=state.alltime_dl,
            uploaded=state.alltime_ul,
        )
        if state.free_space_on_disk is not None:
            out.add(m.DOWNLOAD_FREE_DISK, state.free_space_on_disk, client=self.name)
        if state.last_external_address_v4:
            facts.external_addresses[self.name] = state.last_external_address_v4
        if self.reads_listen_port:
            facts.listen_ports[self.name] = await self.listen_port(self.client().listen_port)

    async def close(self) -> None:
        """Log out (qBittorrent keeps only 15 sessions), then release the HTTP session."""
        if self._client is not None and self._client.logged_in:
            with contextlib.suppress(StackError, TimeoutError):
                async with asyncio.timeout(2):
                    await self._client.logout()
        await super().close()
