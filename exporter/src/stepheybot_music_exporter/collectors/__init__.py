"""One collector per backend kind; :func:`make_collector` picks the right one.

A collector's module (and so its client's) is imported when a backend of its kind is
configured: the exporter process holds the code of the backends it scrapes, not of all nine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from stepheybot_music_clients.models import BackendKind

from ..config import CollectorOptions, ConfigError

if TYPE_CHECKING:
    from stepheybot_music_clients.stackfile import BackendConfig

    from .base import Collector

MODULES: dict[BackendKind, tuple[str, str]] = {
    BackendKind.NAVIDROME: ("subsonic", "SubsonicCollector"),
    BackendKind.QBITTORRENT: ("qbittorrent", "QBittorrentCollector"),
    BackendKind.TRANSMISSION: ("transmission", "TransmissionCollector"),
    BackendKind.LIDARR: ("lidarr", "LidarrCollector"),
    BackendKind.JACKETT: ("indexers", "JackettCollector"),
    BackendKind.PROWLARR: ("indexers", "ProwlarrCollector"),
    BackendKind.GLUETUN: ("gluetun", "GluetunCollector"),
    BackendKind.DOCKER: ("docker", "DockerCollector"),
    BackendKind.MUSIC_BRAIN: ("music_brain", "MusicBrainCollector"),
}
"""Where the collector of each backend kind lives (module in this package, class)."""


def collector_class(kind: BackendKind) -> type[Collector[Any]]:
    """The collector class of ``kind``, imported on first use."""
    try:
        module, name = MODULES[kind]
    except KeyError:
        raise ConfigError(f"The exporter cannot collect {kind} backends yet.") from None
    cls: type[Collector[Any]] = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    return cls


def make_collector(backend: BackendConfig, options: CollectorOptions) -> Collector[Any]:
    """A new collector for one backend of the stack file."""
    return collector_class(backend.kind)(backend, options)
