"""Models shared by all backends."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Self

LIBRARY_MAX_AGE = 6 * 3600.0
"""Seconds after which Lidarr's artist list is downloaded even when no change signal moved
(:class:`~stepheybot_music_clients.lidarr.LibraryWatch`). It lives here, not in ``lidarr``, so
the exporter's options can name it without loading the Lidarr client."""

MUSIC_FOLDERS = ("/hot_downloads",)
"""Folders whose torrents are music whatever their label: the StepheyBot Music Brain adds its
downloads to Transmission with ``download-dir`` ``/hot_downloads`` and no label. It lives here,
not in ``downloads``, so the stack file can name it without loading the download clients."""


class ApiEnum(StrEnum):
    """A StrEnum with an ``UNKNOWN`` member for values this client does not know yet."""

    @classmethod
    def from_api(cls, value: Any) -> Self:
        """Map the API string; unknown or missing values become ``UNKNOWN``."""
        try:
            return cls(str(value))
        except ValueError:
            return cls("unknown")


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
