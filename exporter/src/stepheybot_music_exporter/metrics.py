"""Every metric the exporter writes: name, type, labels and HELP, in one place.

Collectors never spell a metric name: they add samples to a :class:`Samples` for one of
the :class:`MetricDef` constants below, which checks the label names. Names follow the
Prometheus conventions (base units, ``_total`` only on counters, no constant labels) so
``promtool check metrics`` has nothing to say.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

NAMESPACE = "stepheybot_music"


class MetricType(StrEnum):
    """The two metric types the exporter uses."""

    GAUGE = "gauge"
    COUNTER = "counter"


@dataclass(frozen=True, slots=True)
class MetricDef:
    """One metric: full name (counters end in ``_total``), type, HELP and label names."""

    name: str
    type: MetricType
    help: str
    labels: tuple[str, ...] = ()
    opt_in: str = ""
    """The option that turns this metric on, when it is off by default."""


def _gauge(name: str, help_text: str, *labels: str, opt_in: str = "") -> MetricDef:
    return MetricDef(f"{NAMESPACE}_{name}", MetricType.GAUGE, help_text, labels, opt_in)


def _counter(name: str, help_text: str, *labels: str) -> MetricDef:
    if not name.endswith("_total"):
        raise ValueError(f"counter {name} must end in _total")
    return MetricDef(f"{NAMESPACE}_{name}", MetricType.COUNTER, help_text, labels)


# --------------------------------------------------------------------------- exporter
EXPORTER_BUILD_INFO = _gauge(
    "exporter_build_info",
    "Always 1; the labels say which exporter version and Python runs.",
    "version",
    "python_version",
)

# --------------------------------------------------------------------------- every backend
BACKEND_UP = _gauge(
    "backend_up",
    "1 if the exporter collected this backend's metrics in this scrape, 0 if that failed "
    "(stepheybot_music_backend_failure says why).",
    "backend",
)
BACKEND_SCRAPE_DURATION = _gauge(
    "backend_scrape_duration_seconds",
    "How long collecting this backend took in this scrape, in seconds.",
    "backend",
)
BACKEND_FAILURE = _gauge(
    "backend_failure",
    "1 for the reason the backend failed in this scrape (unreachable, timeout, tls, auth, "
    "banned, locked_out, whitelist_refused, host_refused, login_backoff, server_error, "
    "bad_response, wrong_application, error, internal); only present while backend_up is 0.",
    "backend",
    "reason",
)

# --------------------------------------------------------------------------- library (Subsonic)
LIBRARY_ARTISTS = _gauge(
    "library_artists",
    "Album artists in the music library (Navidrome/Subsonic), not every track participant.",
)
LIBRARY_ALBUMS = _gauge("library_albums", "Albums in the music library (Navidrome/Subsonic).")
LIBRARY_TRACKS = _gauge(
    "library_tracks", "Tracks (songs) in the music library (Navidrome/Subsonic)."
)
LIBRARY_SCAN_IN_PROGRESS = _gauge(
    "library_scan_in_progress", "1 while the music server is scanning the library, else 0."
)
LIBRARY_LAST_SCAN = _gauge(
    "library_last_scan_timestamp_seconds",
    "When the music server last finished a library scan, as a Unix timestamp in seconds.",
)
LIBRARY_NOW_PLAYING = _gauge(
    "library_now_playing", "Streams the music server reports as playing right now."
)

# --------------------------------------------------------------------------- download clients
DOWNLOADS = _gauge(
    "downloads",
    "Torrents in the download client's music category by normalized state (downloading, "
    "stalled, seeding, stopped, queued, checking, moving, metadata, error, unknown).",
    "client",
    "state",
)
DOWNLOAD_RATE = _gauge(
    "download_rate_bytes_per_second",
    "Current download rate of the whole download client, in bytes per second.",
    "client",
)
UPLOAD_RATE = _gauge(
    "upload_rate_bytes_per_second",
    "Current upload rate of the whole download client, in bytes per second.",
    "client",
)
DOWNLOADED_BYTES = _counter(
    "downloaded_bytes_total",
    "Bytes the download client has downloaded, all time (its own persistent statistics).",
    "client",
)
UPLOADED_BYTES = _counter(
    "uploaded_bytes_total",
    "Bytes the download client has uploaded, all time (its own persistent statistics).",
    "client",
)
DOWNLOAD_FREE_DISK = _gauge(
    "download_client_free_disk_bytes",
    "Free space the download client reports for its default save path, in bytes.",
    "client",
)
TORRENT_PROGRESS = _gauge(
    "torrent_progress_ratio",
    "Per torrent (opt-in with --per-torrent): fraction downloaded, 0 to 1.",
    "client",
    "hash",
    "name",
    opt_in="--per-torrent",
)
TORRENT_SIZE = _gauge(
    "torrent_size_bytes",
    "Per torrent (opt-in with --per-torrent): bytes selected for download.",
    "client",
    "hash",
    "name",
    opt_in="--per-torrent",
)
TORRENT_DOWNLOAD_RATE = _gauge(
    "torrent_download_rate_bytes_per_second",
    "Per torrent (opt-in with --per-torrent): current download rate in bytes per second.",
    "client",
    "hash",
    "name",
    opt_in="--per-torrent",
)
TORRENT_UPLOAD_RATE = _gauge(
    "torrent_upload_rate_bytes_per_second",
    "Per torrent (opt-in with --per-torrent): current upload rate in bytes per second.",
    "client",
    "hash",
    "name",
    opt_in="--per-torrent",
)

# --------------------------------------------------------------------------- Lidarr
LIDARR_QUEUE = _gauge(
    "lidarr_queue",
    "Items in Lidarr's download queue by status (queued, paused, downloading, completed, "
    "failed, warning, delay, downloadClientUnavailable, fallback, unknown).",
    "status",
)
LIDARR_MISSING_ALBUMS = _gauge(
    "lidarr_missing_albums", "Monitored, released albums Lidarr has no files for (Wanted)."
)
LIDARR_CUTOFF_UNMET_ALBUMS = _gauge(
    "lidarr_cutoff_unmet_albums", "Albums on disk below their quality profile's cutoff."
)
LIDARR_UPCOMING_ALBUMS = _gauge(
    "lidarr_upcoming_albums",
    "Monitored albums Lidarr's calendar lists as releasing in the next 7 days (release date "
    "today, UTC, to 6 days later).",
)
LIDARR_ARTISTS = _gauge(
    "lidarr_artists",
    "Artists in Lidarr (from its full artist list, downloaded again when Lidarr's "
    "history or missing albums move, or after --lidarr-artists-interval seconds).",
)
LIDARR_MONITORED_ARTISTS = _gauge(
    "lidarr_monitored_artists",
    "Monitored artists in Lidarr (from its full artist list, downloaded again when "
    "Lidarr's history or missing albums move, or after --lidarr-artists-interval seconds).",
)
LIDARR_ROOT_FOLDER_FREE = _gauge(
    "lidarr_root_folder_free_bytes", "Free disk space of each Lidarr root folder, in bytes.", "path"
)
LIDARR_ROOT_FOLDER_TOTAL = _gauge(
    "lidarr_root_folder_size_bytes",
    "Total size of the disk holding each Lidarr root folder, in bytes.",
    "path",
)
LIDARR_IMPORT_BLOCKED = _gauge(
    "lidarr_import_blocked",
    "Finished downloads in Lidarr's queue that it cannot import (trackedDownloadState "
    "importBlocked or importFailed): they wait for a manual import or removal.",
)
LIDARR_METADATA_DOWN = _gauge(
    "lidarr_metadata_down",
    "1 while Lidarr's health relays the notice that its metadata server is down "
    "(ServerSideNotificationService): it cannot look up or search for new albums.",
)
LIDARR_HEALTH_ISSUES = _gauge(
    "lidarr_health_issues",
    "Problems Lidarr's System > Status page lists, by level (notice, warning, error).",
    "level",
)

# --------------------------------------------------------------------------- indexers
INDEXERS = _gauge(
    "indexers", "Indexers configured in Jackett or Prowlarr (enabled or not).", "backend"
)
INDEXERS_ENABLED = _gauge(
    "indexers_enabled",
    "Indexers Jackett or Prowlarr would query now (configured and enabled): the ones that "
    "can fail, so 'every indexer failing' is indexers_failing >= indexers_enabled.",
    "backend",
)
INDEXERS_FAILING = _gauge(
    "indexers_failing",
    "Enabled indexers failing now: Jackett counts their last query as failed (for 10 min, "
    "longer after repeated failures), Prowlarr has blocked them after failures.",
    "backend",
)

# --------------------------------------------------------------------------- VPN (gluetun)
VPN_UP = _gauge("vpn_up", "1 while gluetun reports the VPN tunnel as running, else 0.")
VPN_FORWARDED_PORT = _gauge(
    "vpn_forwarded_port",
    "The port gluetun has forwarded through the VPN, 0 when none. Absent while gluetun's "
    "role does not grant the forwarded-port route (the exporter logs the route to add).",
)
VPN_LEAK = _gauge(
    "vpn_leak",
    "1 when a download client reports a public address that is not the VPN's, else 0. "
    "Present only while gluetun reports the VPN's address and a download client reports "
    "its own (qBittorrent 4.6+).",
)

# --------------------------------------------------------------------------- diagnosis
BLOCKED = _gauge(
    "blocked",
    "1 for the cause that keeps music from arriving now, the first that holds of vpn_down, "
    "vpn_leak, port_mismatch, no_peers, indexers_failing, import_blocked, disk_full; 0 for "
    "the others. A cause the exporter could not check in this scrape (its backend down, or "
    "not readable) is absent, never 0; a cause the stack cannot have (no gluetun, no "
    "indexer manager, no Lidarr) is always 0.",
    "cause",
)

LISTEN_PORT_MATCHES_VPN = _gauge(
    "listen_port_matches_vpn",
    "1 when the download client listens for peers on the port gluetun forwarded, 0 when it "
    "listens on another (no peer can connect; Home Assistant's sync_forwarded_port fixes it). "
    "Present only while both ports are known and gluetun forwards one.",
    "client",
)

# --------------------------------------------------------------------------- Docker
CONTAINER_UP = _gauge(
    "container_up", "1 while the Docker container is running, else 0.", "container"
)
CONTAINER_HEALTH = _gauge(
    "container_health",
    "1 for the container's current healthcheck status (healthy, unhealthy, starting, none), "
    "0 for the others.",
    "container",
    "status",
)
# --------------------------------------------------------------------------- Music Brain
BRAIN_REQUESTS = _gauge(
    "brain_requests",
    "Download requests the Music Brain holds now: queued (not yet sent to Transmission) and "
    "active (sent; finished torrents stay active until cancelled).",
    "status",
)
BRAIN_REQUESTS_ACCEPTED = _counter(
    "brain_requests_accepted_total",
    "Download requests the Music Brain accepted since it started (resets when it restarts).",
)
BRAIN_REQUESTS_COMPLETED = _counter(
    "brain_requests_completed_total",
    "Completed downloads the Music Brain processed since it started; inflated, as it re-counts "
    "a finished torrent about once a minute while the torrent stays in Transmission.",
)
BRAIN_REQUESTS_FAILED = _counter(
    "brain_requests_failed_total",
    "Download requests the Music Brain failed to hand to the download client since it started.",
)
BRAIN_LIBRARY_MOCK = _gauge(
    "brain_library_mock",
    "1 when the Music Brain cannot reach Navidrome (down, unreachable, or not configured: see "
    "brain_navidrome_configured) and serves made-up library numbers (source mock), else 0. "
    "Check its STEPHEYBOT__NAVIDROME__URL, __ADMIN_USER and __ADMIN_PASSWORD, and that "
    "Navidrome is up and reachable from the Brain's container.",
)
BRAIN_NAVIDROME_CONFIGURED = _gauge(
    "brain_navidrome_configured",
    "1 when the Music Brain's STEPHEYBOT__NAVIDROME__URL, __ADMIN_USER and __ADMIN_PASSWORD "
    "are all set, 0 when one is missing (it then has no Navidrome and serves mock data).",
)
BRAIN_MONITOR_TIMESTAMP = _gauge(
    "brain_download_monitor_timestamp_seconds",
    "When the Music Brain's download monitor last ran (every 30 s while it reaches "
    "Transmission), as a Unix timestamp in seconds.",
)


def all_metrics() -> list[MetricDef]:
    """Every metric defined here, in definition order."""
    return [value for value in globals().values() if isinstance(value, MetricDef)]


class Samples:
    """The samples of one collection, grouped by metric; becomes metric families at the end."""

    def __init__(self) -> None:
        """Start empty."""
        self._data: dict[MetricDef, dict[tuple[str, ...], float]] = {}

    def add(self, metric: MetricDef, value: float, **labels: str) -> None:
        """Add one sample; the label names must be exactly the metric's."""
        if set(labels) != set(metric.labels):
            raise ValueError(f"{metric.name} takes labels {metric.labels}, not {tuple(labels)}")
        key = tuple(str(labels[name]) for name in metric.labels)
        series = self._data.setdefault(metric, {})
        if key in series:
            raise ValueError(f"{metric.name}{dict(zip(metric.labels, key, strict=True))} twice")
        series[key] = float(value)

    def merge(self, other: Samples) -> None:
        """Take over every sample of ``other`` (a clash is a bug and raises)."""
        for metric, series in other._data.items():
            for key, value in series.items():
                self.add(metric, value, **dict(zip(metric.labels, key, strict=True)))

    def get(self, metric: MetricDef, **labels: str) -> float | None:
        """One sample's value, or None (for tests and derived metrics)."""
        key = tuple(str(labels[name]) for name in metric.labels)
        return self._data.get(metric, {}).get(key)

    def series(self, metric: MetricDef) -> dict[tuple[str, ...], float]:
        """Every sample of one metric, by its label values in the metric's label order."""
        return dict(self._data.get(metric, {}))

    def __contains__(self, metric: MetricDef) -> bool:
        """Whether the metric has at least one sample."""
        return bool(self._data.get(metric))

    def families(self) -> Iterator[Metric]:
        """Prometheus metric families, one per metric that has samples."""
        for metric, series in self._data.items():
            family: Metric
            if metric.type is MetricType.COUNTER:
                family = CounterMetricFamily(metric.name, metric.help, labels=metric.labels)
            else:
                family = GaugeMetricFamily(metric.name, metric.help, labels=metric.labels)
            for key, value in series.items():
                family.add_metric(list(key), value)
            yield family
