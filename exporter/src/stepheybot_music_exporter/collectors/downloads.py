"""What the download-client collectors share: the common metrics, from the download domain.

The states, the torrent view and the incremental counts come from
``stepheybot_music_clients.downloads``, the same ones Home Assistant counts with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from stepheybot_music_clients.downloads import DownloadState, TorrentView

from .. import metrics as m

DOWNLOAD_STATES = tuple(DownloadState)
"""Every ``state`` of ``stepheybot_music_downloads``; all are exported, 0 included.

``stalled`` is an incomplete torrent that receives nothing (peers connected or not); a
complete torrent is ``seeding``, whether or not anyone downloads from it.
"""


def add_state_counts(out: m.Samples, client: str, counts: Mapping[DownloadState, int]) -> None:
    """``stepheybot_music_downloads`` for every state (absent from ``counts`` means 0)."""
    for state in DOWNLOAD_STATES:
        out.add(m.DOWNLOADS, counts.get(state, 0), client=client, state=state)


def add_torrent_samples(out: m.Samples, client: str, torrents: Iterable[TorrentView]) -> None:
    """The opt-in per-torrent series of these torrents."""
    for torrent in torrents:
        labels = {"client": client, "hash": torrent.hash, "name": torrent.name}
        out.add(m.TORRENT_PROGRESS, torrent.progress, **labels)
        out.add(m.TORRENT_SIZE, torrent.size, **labels)
        out.add(m.TORRENT_DOWNLOAD_RATE, torrent.download_rate, **labels)
        out.add(m.TORRENT_UPLOAD_RATE, torrent.upload_rate, **labels)


def add_transfer_samples(
    out: m.Samples,
    client: str,
    *,
    download_rate: int,
    upload_rate: int,
    downloaded: int,
    uploaded: int,
) -> None:
    """Global rates (bytes/s) and all-time transferred bytes (counters)."""
    out.add(m.DOWNLOAD_RATE, download_rate, client=client)
    out.add(m.UPLOAD_RATE, upload_rate, client=client)
    out.add(m.DOWNLOADED_BYTES, downloaded, client=client)
    out.add(m.UPLOADED_BYTES, uploaded, client=client)
