"""One collector per backend kind; :func:`make_collector` picks the right one."""

from __future__ import annotations

from typing import Any

from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.stackfile import BackendConfig

from ..config import CollectorOptions, ConfigError
from .base import Collector
from .docker import DockerCollector
from .gluetun import GluetunCollector
from .indexers import JackettCollector, ProwlarrCollector
from .lidarr import LidarrCollector
from .music_brain import MusicBrainCollector
from .qbittorrent import QBittorrentCollector
from .subsonic import SubsonicCollector
from .transmission import TransmissionCollector

COLLECTORS: dict[BackendKind, type[Collector[Any]]] = {
    cls.kind: cls
    for cls in (
        SubsonicCollector,
        QBittorrentCollector,
        TransmissionCollector,
        LidarrCollector,
        JackettCollector,
        ProwlarrCollector,
        GluetunCollector,
        DockerCollector,
        MusicBrainCollector,
    )
}
"""The collector class of each backend kind."""


def make_collector(backend: BackendConfig, options: CollectorOptions) -> Collector[Any]:
    """A new collector for one backend of the stack file."""
    cls = COLLECTORS.get(backend.kind)
    if cls is None:
        raise ConfigError(f"The exporter cannot collect {backend.kind} backends yet.")
    return cls(backend, options)
