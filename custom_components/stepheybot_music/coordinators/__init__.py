"""Coordinators: one module per backend, each with a ``build`` that makes its runtime."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.core import HomeAssistant
from stepheybot_music_clients.models import BackendKind

from ..runtime import BackendRef, BackendRuntime, StepheyBotConfigEntry
from ..settings import StackSettings
from . import (
    docker,
    gluetun,
    indexers,
    lidarr,
    music_brain,
    navidrome,
    qbittorrent,
    transmission,
)

type Builder = Callable[
    [HomeAssistant, StepheyBotConfigEntry, BackendRef, StackSettings], BackendRuntime
]

BUILDERS: dict[BackendKind, Builder] = {
    BackendKind.MUSIC_BRAIN: music_brain.build,
    BackendKind.NAVIDROME: navidrome.build,
    BackendKind.LIDARR: lidarr.build,
    BackendKind.QBITTORRENT: qbittorrent.build,
    BackendKind.TRANSMISSION: transmission.build,
    BackendKind.JACKETT: indexers.build,
    BackendKind.PROWLARR: indexers.build,
    BackendKind.GLUETUN: gluetun.build,
    BackendKind.DOCKER: docker.build,
}
"""How to build the runtime of each kind of backend."""
