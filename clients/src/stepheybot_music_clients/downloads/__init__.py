"""The download-client domain shared by Home Assistant and the exporter.

One normalisation of both clients' torrent states (:mod:`.states`, where "stalled" is
defined), one view of a torrent (:class:`TorrentView`, read from either client by its
:class:`TorrentSource`: :data:`QBITTORRENT`, :data:`TRANSMISSION`) and one incremental tally
(:class:`TorrentTally`): both front ends count with these, so they report the same numbers.
"""

from __future__ import annotations

from stepheybot_music_clients.downloads.states import STATES, DownloadState, normalize
from stepheybot_music_clients.downloads.tally import Tally, TorrentTally
from stepheybot_music_clients.downloads.view import (
    ALL_CATEGORIES,
    QBITTORRENT,
    TRANSMISSION,
    QBittorrentSource,
    TorrentFacts,
    TorrentSource,
    TorrentView,
    TransmissionSource,
    in_category,
    in_folders,
    is_music,
)
from stepheybot_music_clients.models import MUSIC_FOLDERS

__all__ = [
    "ALL_CATEGORIES",
    "MUSIC_FOLDERS",
    "QBITTORRENT",
    "STATES",
    "TRANSMISSION",
    "DownloadState",
    "QBittorrentSource",
    "Tally",
    "TorrentFacts",
    "TorrentSource",
    "TorrentTally",
    "TorrentView",
    "TransmissionSource",
    "in_category",
    "in_folders",
    "is_music",
    "normalize",
]
