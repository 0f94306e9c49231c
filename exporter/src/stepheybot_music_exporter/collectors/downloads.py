"""What the download-client collectors share: normalized states and the common metrics."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .. import metrics as m
from .base import ALL_CATEGORIES

DOWNLOAD_STATES = (
    "downloading",
    "stalled",
    "seeding",
    "stopped",
    "queued",
    "checking",
    "moving",
    "metadata",
    "error",
    "unknown",
)
"""Every ``state`` of ``stepheybot_music_downloads``; all are exported, 0 included.

``stalled`` is an incomplete torrent that receives nothing; a complete torrent waiting
for peers is ``seeding``.
"""

NORMALIZED = {
    "downloading": "downloading",
    "stalled_downloading": "stalled",
    "seeding": "seeding",
    "stalled_uploading": "seeding",
    "stopped": "stopped",
    "queued": "queued",
    "checking": "checking",
    "moving": "moving",
    "metadata": "metadata",
    "error": "error",
}
"""The client layer's torrent states (both clients spell them alike) to exported states."""


def normalize_state(state: str) -> str:
    """The exported state of a client-layer torrent state."""
    return NORMALIZED.get(state, "unknown")


def in_category(category: str, torrent_categories: Iterable[str | None]) -> bool:
    """Whether a torrent with these categories/labels counts (``*`` counts every torrent)."""
    return category == ALL_CATEGORIES or category in torrent_categories


@dataclass(frozen=True, slots=True)
class TorrentView:
    """The few fields of a torrent the exporter reads, from either client."""

    hash: str
    name: str
    state: str
    progress: float
    size: int
    download_rate: int
    upload_rate: int


def add_download_samples(
    out: m.Samples,
    client: str,
    torrents: Iterable[TorrentView],
    *,
    per_torrent: bool,
) -> None:
    """Torrent counts by state (every state, 0 included) and the opt-in per-torrent series."""
    counts: Counter[str] = Counter()
    for torrent in torrents:
        counts[normalize_state(torrent.state)] += 1
        if per_torrent:
            add_torrent_samples(out, client, torrent)
    add_state_counts(out, client, counts)


def add_state_counts(out: m.Samples, client: str, counts: Mapping[str, int]) -> None:
    """``stepheybot_music_downloads`` for every state (absent from ``counts`` means 0)."""
    for state in DOWNLOAD_STATES:
        out.add(m.DOWNLOADS, counts.get(state, 0), client=client, state=state)


def add_torrent_samples(out: m.Samples, client: str, torrent: TorrentView) -> None:
    """The opt-in per-torrent series of one torrent."""
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
