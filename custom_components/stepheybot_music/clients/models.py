"""Models shared by all backends."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class BackendKind(StrEnum):
    """Every kind of backend the client layer can talk to."""

    MUSIC_BRAIN = "music_brain"
    NAVIDROME = "navidrome"
    LIDARR = "lidarr"
    QBITTORRENT = "qbittorrent"
    TRANSMISSION = "transmission"
    JACKETT = "jackett"
    PROWLARR = "prowlarr"
    GLUETUN = "gluetun"
    DOCKER = "docker"


@dataclass(frozen=True, slots=True, kw_only=True)
class BackendInfo:
    """What :meth:`probe` found at a URL: proof that the right application answers."""

    kind: BackendKind
    application: str
    version: str | None = None
    api_version: str | None = None
    instance_name: str | None = None
