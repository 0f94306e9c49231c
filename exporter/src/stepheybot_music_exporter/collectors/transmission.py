"""Transmission: session statistics and the torrent list, over one RPC session id."""

from __future__ import annotations

from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.transmission import TransmissionClient

from .. import metrics as m
from .base import Collector, Facts
from .downloads import TorrentView, add_download_samples, add_transfer_samples, in_category


class TransmissionCollector(Collector[TransmissionClient]):
    """``session-stats`` plus one incremental ``torrent-get`` per scrape.

    The client keeps the torrent list between scrapes and asks only for the torrents that
    changed in the last minute (``recently-active``); see ``TransmissionSync``.

    Every RPC call carries the credentials, and Transmission can lock the RPC after many
    failed ones, so it goes through the login guard like a backend with a login step.
    """

    kind = BackendKind.TRANSMISSION
    client_type = TransmissionClient
    logs_in = True
    _download_dir: str | None = None

    async def collect(self, out: m.Samples, facts: Facts) -> None:
        """Torrents with the category's label by state, rates and all-time totals."""
        client = self.client()
        if self._download_dir is None:
            self._download_dir = (await client.session()).download_dir
        stats = await client.session_stats()
        snapshot = await client.sync(
            torrent_count=stats.torrent_count, uptime=stats.current.seconds_active
        )
        torrents = snapshot.torrents.values()
        free = await client.free_space(self._download_dir) if self._download_dir else None
        category = self.backend.category
        add_download_samples(
            out,
            self.name,
            (
                TorrentView(
                    hash=t.hash,
                    name=t.name,
                    state=str(t.state),
                    progress=t.progress,
                    size=t.size,
                    download_rate=t.rate_download,
                    upload_rate=t.rate_upload,
                )
                for t in torrents
                if in_category(category, t.labels)
            ),
            per_torrent=self.options.per_torrent,
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
