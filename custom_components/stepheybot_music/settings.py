"""The stack's options (poll intervals, music category and folders, containers, push), typed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from stepheybot_music_clients.downloads import MUSIC_FOLDERS

from .const import (
    CONF_CALENDAR_DAYS_AHEAD,
    CONF_CALENDAR_DAYS_BACK,
    CONF_CONTAINERS,
    CONF_FAST_INTERVAL,
    CONF_MUSIC_CATEGORY,
    CONF_MUSIC_FOLDERS,
    CONF_PUSH,
    CONF_SLOW_INTERVAL,
    CONF_SYNC_FORWARDED_PORT,
    DEFAULT_CALENDAR_DAYS_AHEAD,
    DEFAULT_CALENDAR_DAYS_BACK,
    DEFAULT_FAST_INTERVAL,
    DEFAULT_MUSIC_CATEGORY,
    DEFAULT_PUSH,
    DEFAULT_SLOW_INTERVAL,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class StackSettings:
    """What the options flow configures for the whole stack."""

    fast_interval: timedelta
    """Downloads, Lidarr queue, Navidrome status, VPN, containers, Music Brain."""
    slow_interval: timedelta
    """Library totals, Lidarr library and health, disk space, indexers."""
    music_category: str
    """The download-client category (qBittorrent) or label (Transmission) that is music."""
    containers: frozenset[str]
    """Docker container names to watch; empty means every container."""
    music_folders: tuple[str, ...] = MUSIC_FOLDERS
    """Download folders whose torrents are music whatever their label (the Music Brain's)."""
    calendar_days_back: int = DEFAULT_CALENDAR_DAYS_BACK
    calendar_days_ahead: int = DEFAULT_CALENDAR_DAYS_AHEAD
    """The release calendar's polled window: days before and after today."""
    sync_forwarded_port: bool = False
    """Keep the download clients' listen port on gluetun's forwarded port by itself."""
    push: bool = DEFAULT_PUSH
    """Lidarr's webhook and Navidrome's event stream, where they work (see :mod:`.push`)."""

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> StackSettings:
        """Read the options of a config entry, falling back to the defaults."""
        return cls(
            fast_interval=timedelta(
                seconds=int(options.get(CONF_FAST_INTERVAL, DEFAULT_FAST_INTERVAL))
            ),
            slow_interval=timedelta(
                minutes=int(options.get(CONF_SLOW_INTERVAL, DEFAULT_SLOW_INTERVAL))
            ),
            music_category=str(options.get(CONF_MUSIC_CATEGORY) or DEFAULT_MUSIC_CATEGORY),
            containers=frozenset(str(name) for name in options.get(CONF_CONTAINERS, ())),
            music_folders=tuple(
                str(folder) for folder in options.get(CONF_MUSIC_FOLDERS, MUSIC_FOLDERS)
            ),
            calendar_days_back=int(
                options.get(CONF_CALENDAR_DAYS_BACK, DEFAULT_CALENDAR_DAYS_BACK)
            ),
            calendar_days_ahead=int(
                options.get(CONF_CALENDAR_DAYS_AHEAD, DEFAULT_CALENDAR_DAYS_AHEAD)
            ),
            sync_forwarded_port=bool(options.get(CONF_SYNC_FORWARDED_PORT, False)),
            push=bool(options.get(CONF_PUSH, DEFAULT_PUSH)),
        )

    def watches(self, container: str) -> bool:
        """Whether a container of this name is watched."""
        return not self.containers or container in self.containers
