"""What a torrent is doing, in the product's words: the one table both front ends count by.

The client layers name their torrent states alike (``qbittorrent.TorrentState`` and
``transmission.TorrentState`` share their values), so one table maps both to a
:class:`DownloadState`. Home Assistant's sensors and the exporter's
``stepheybot_music_downloads{state}`` series count by these states, so they agree.

**Stalled** is decided once, here: an *incomplete* torrent that is allowed to download (not
stopped, queued, checking or in error) and receives no payload, whether or not peers are
connected. A *complete* torrent is *seeding*, whether or not anyone downloads from it.

- qBittorrent computes exactly this itself (``TorrentImpl::updateState()`` in
  ``src/base/bittorrent/torrentimpl.cpp``, the same at tags release-4.5.2 and release-5.2.3,
  the nearest to 5.3.0): an unfinished torrent that is neither stopped, queued nor forced is
  ``downloading`` when ``download_payload_rate > 0``, else ``stalledDL``; a finished one is
  ``uploading`` or, with no upload payload, ``stalledUP``. So ``stalledUP`` (an idle seed, the
  state of most seeds on a real client) is *seeding* here, and ``stalledDL`` is *stalled*. A
  forced download (``forcedDL``) is reported as downloading whatever its rate, and counts so.
- Transmission has no such state; ``transmission.TorrentState.derive`` applies the same rule
  to ``status`` and ``rateDownload`` (see there).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class DownloadState(StrEnum):
    """A torrent's state as the product counts it (the exporter's ``state`` label values).

    The order is the order the exporter writes its series in.
    """

    DOWNLOADING = "downloading"
    STALLED = "stalled"
    """Incomplete, allowed to download, receiving no payload (peers connected or not)."""
    SEEDING = "seeding"
    """Complete and running, whether or not anyone downloads from it."""
    STOPPED = "stopped"
    """Stopped (qBittorrent 5) or paused (qBittorrent 4, Transmission), complete or not."""
    QUEUED = "queued"
    CHECKING = "checking"
    MOVING = "moving"
    """qBittorrent moving the files to another save path."""
    METADATA = "metadata"
    """A magnet link still fetching the torrent's metadata."""
    ERROR = "error"
    """The torrent cannot go on (missing files, disk error); tracker errors do not count."""
    UNKNOWN = "unknown"
    """A state this version of the clients does not know."""


STATES: Mapping[str, DownloadState] = MappingProxyType(
    {
        "downloading": DownloadState.DOWNLOADING,
        "stalled_downloading": DownloadState.STALLED,
        "seeding": DownloadState.SEEDING,
        "stalled_uploading": DownloadState.SEEDING,
        "stopped": DownloadState.STOPPED,
        "queued": DownloadState.QUEUED,
        "checking": DownloadState.CHECKING,
        "moving": DownloadState.MOVING,
        "metadata": DownloadState.METADATA,
        "error": DownloadState.ERROR,
    }
)
"""The client layers' torrent states (values of both ``TorrentState`` enums) to ours."""


def normalize(state: str) -> DownloadState:
    """Our state of a client-layer torrent state (``UNKNOWN`` for one not in :data:`STATES`)."""
    return STATES.get(state, DownloadState.UNKNOWN)
