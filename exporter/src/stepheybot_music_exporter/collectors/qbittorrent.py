"""qBittorrent: one WebUI session and incremental ``sync/maindata`` for the process lifetime."""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
from stepheybot_music_clients.errors import StackError
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.qbittorrent import QBittorrentClient

from .. import metrics as m
from .base import Collector, Facts
from .downloads import TorrentView, add_state_counts, add_torrent_samples, add_transfer_samples
from .qbittorrent_states import CategoryStates


class QBittorrentCollector(Collector[QBittorrentClient]):
    """One ``sync/maindata`` poll per scrape: after the first, only changes travel.

    The counts by state are kept between scrapes and updated from the hashes the poll names
    as changed or removed (:class:`CategoryStates`), so a scrape costs O(changes), not
    O(torrents). The opt-in per-torrent series (``--per-torrent``) stay O(torrents of the
    category): every series is written on every scrape.
    """

    kind = BackendKind.QBITTORRENT
    client_type = QBittorrentClient
    logs_in = True
    _states: CategoryStates | None = None

    def make_session(self) -> aiohttp.ClientSession:
        """A session without a cookie jar: the client sends its session cookie itself."""
        return aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())

    async def collect(self, out: m.Samples, facts: Facts) -> None:
        """Torrents of the category by state, rates, all-time totals, free space."""
        data = await self.client().sync()
        state = data.server_state
        if self._states is None:
            self._states = CategoryStates(self.backend.category)
        add_state_counts(out, self.name, self._states.update(data))
        if self.options.per_torrent:
            for info_hash in self._states.members():
                t = data.torrents[info_hash]
                add_torrent_samples(
                    out,
                    self.name,
                    TorrentView(
                        hash=t.hash,
                        name=t.name,
                        state=str(t.state),
                        progress=t.progress,
                        size=t.size,
                        download_rate=t.dlspeed,
                        upload_rate=t.upspeed,
                    ),
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

    async def close(self) -> None:
        """Log out (qBittorrent keeps only 15 sessions), then release the HTTP session."""
        if self._client is not None and self._client.logged_in:
            with contextlib.suppress(StackError, TimeoutError):
                async with asyncio.timeout(2):
                    await self._client.logout()
        await super().close()
