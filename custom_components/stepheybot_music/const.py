"""Constants of the StepheyBot Music integration."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "stepheybot_music"

CONF_NAME: Final = "name"
CONF_MUSIC_CATEGORY: Final = "music_category"
CONF_CONTAINERS: Final = "containers"
CONF_MUSIC_FOLDERS: Final = "music_folders"
"""Options: download folders whose torrents are music whatever their label or category."""
CONF_FAST_INTERVAL: Final = "fast_scan_interval"
"""Options: seconds between polls of fast-moving data (downloads, queue, VPN, containers)."""
CONF_SLOW_INTERVAL: Final = "slow_scan_interval"
"""Options: minutes between polls of slow data (library totals, disk space, indexers)."""
CONF_CALENDAR_DAYS_BACK: Final = "calendar_days_back"
CONF_CALENDAR_DAYS_AHEAD: Final = "calendar_days_ahead"
"""Options: the release calendar's window, days before and after today."""
CONF_SYNC_FORWARDED_PORT: Final = "sync_forwarded_port"
"""Options: set the download clients' listen port to gluetun's forwarded port when it changes."""
CONF_PUSH: Final = "push"
"""Options: let Lidarr (webhook) and Navidrome (event stream) push changes; polling slows."""
CONF_SUBENTRY_ID: Final = "subentry_id"
"""Reauth flow data: the backend (config subentry) whose credentials stopped working."""

DEFAULT_MUSIC_CATEGORY: Final = "music"
DEFAULT_FAST_INTERVAL: Final = 15
DEFAULT_SLOW_INTERVAL: Final = 10
MIN_FAST_INTERVAL: Final = 5
MAX_FAST_INTERVAL: Final = 300
MIN_SLOW_INTERVAL: Final = 1
MAX_SLOW_INTERVAL: Final = 1440
DEFAULT_PUSH: Final = True
DEFAULT_CALENDAR_DAYS_BACK: Final = 7
DEFAULT_CALENDAR_DAYS_AHEAD: Final = 28
MAX_CALENDAR_DAYS: Final = 365

UNIX_SCHEME: Final = "unix"
DEFAULT_DOCKER_URL: Final = "unix:///var/run/docker.sock"

REQUEST_TIMEOUT: Final = 10.0
"""Seconds a backend may take to answer one request."""
SLOW_REQUEST_TIMEOUT: Final = 60.0
"""Seconds for the heavy library requests of slow coordinators."""
