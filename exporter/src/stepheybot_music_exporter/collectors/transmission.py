"""Transmission: session statistics and the torrent list, over one RPC session id."""

from __future__ import annotations

import asyncio

from stepheybot_music_clients.downloads import TRANSMISSION, TorrentTally
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.transmission import FreeSpace, Torrent, TransmissionClient

from .. import metrics as m
from .base import Collector, Facts
from .downloads import add_state_counts, add_torrent_samples, add_transfer_samples


class TransmissionCollector(Collector[TransmissionClient]):
    """``session-stats``, then one incremental ``torrent-get`` and ``free-space`` together.

    The client keeps the torrent list between scrapes and asks only for the torrents that
    changed in the last minute (``recently-active``; see ``TransmissionSync``), and the counts
    by state are updated from those alone (the download domain's :class:`TorrentTally`), so a
    scrape costs O(changes), not O(torrents). The opt-in per-torrent series stay O(torrents of
    the category).

    Every RPC call carries the credentials, and Transmission can lock the RPC after many
    failed ones, so it goes through the login guard like a backend with a login step.
    """

    kind = BackendKind.TRANSMISSION
    client_type = TransmissionClient
    logs_in = True
    _download_dir: str | None = None
    _tally: TorrentTally[int, Torrent] | None = None

    async def _free_space(self, client: TransmissionClient) -> FreeSpace | None:
        return await client.free_space(self._download_dir) if self._download_dir else None

    async def collect(self, out: m.Samples, facts: Facts) -> None:
        """Torrents with the category's label by state, rates and all-time totals."""
        client = self.client()
        if self._download_dir is None:
            self._download_dir = (await client.session()).download_dir
        # the statistics go alone (a refused login is one failed attempt, not two), then the
        # torrent list and the free space together: two round trips, not three
        stats = await client.session_stats()
        snapshot, free = await asyncio.gather(
            client.sync(torrent_count=stats.torrent_count, uptime=stats.current.seconds_active),
            self._free_space(client),
        )
        if self._tally is None:
            self._tally = TorrentTally(
                TRANSMISSION,
                category=self.backend.category,
                folders=self.backend.music_folders,
            )
        tally = self._tally.update(
            snapshot.torrents,
            changed=snapshot.changed,
            removed=snapshot.removed,
            full=snapshot.full,
        )
        add_state_counts(out, self.name, tally.category_counts)
        if self.options.per_torrent:
            torrents = snapshot.torrents
            add_torrent_samples(
                out,
                self.name,
                (TRANSMISSION.view(torrents[key]) for key in self._tally.category_keys()),
            )
        add_transfer_samples(
            out,
            self.name,
            download_rate=stats.download_speed,
            upload_rate=stats.upload_speed,
            downloaded=stats.cumulative.downloaded,
            uploaded=stats.cumulative.uploaded,
        )
        if free is not None:
            out.add(m.DOWNLOAD_FREE_DISK, free.free_bytes, client=self.name)
        if self.reads_listen_port:
            facts.listen_ports[self.name] = await self.listen_port(client.peer_port)
