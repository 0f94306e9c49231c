"""The library dashboard: the music server's library and Lidarr."""

from __future__ import annotations

from .builders import (
    Json,
    Query,
    Row,
    bargauge,
    dashboard,
    metric,
    stat,
    table,
    timeseries,
    value_map,
)


def _music_server() -> Row:
    return Row(
        "Music server (Navidrome / Subsonic)",
        [
            stat(
                "Tracks",
                "Tracks in the music server's library.",
                Query(f"sum({metric('library_tracks')})", "tracks"),
                graph=True,
            ),
            stat(
                "Albums",
                "Albums in the music server's library.",
                Query(f"sum({metric('library_albums')})", "albums"),
                graph=True,
            ),
            stat(
                "Artists",
                "Artists in the music server's library.",
                Query(f"sum({metric('library_artists')})", "artists"),
                graph=True,
            ),
            stat(
                "Now playing",
                "Streams the music server reports as playing right now.",
                Query(f"sum({metric('library_now_playing')})", "streams"),
                graph=True,
            ),
            stat(
                "Library scan",
                "Whether the music server is scanning its library right now.",
                Query(metric("library_scan_in_progress"), "{{instance}}"),
                unit="none",
                mappings=value_map((0, "Idle", "green"), (1, "Scanning", "blue")),
            ),
            stat(
                "Last scan finished",
                "How long ago the music server last finished a library scan. New albums "
                "appear only after a scan.",
                Query(f"time() - {metric('library_last_scan_timestamp_seconds')}", "ago"),
                unit="s",
                thresholds=[(None, "green"), (86400, "orange")],
            ),
            timeseries(
                "Tracks over time",
                "Tracks in the library: the library's growth.",
                Query(f"sum({metric('library_tracks')})", "tracks"),
                min=None,
            ),
            timeseries(
                "Albums and artists over time",
                "Albums and artists in the library over time.",
                Query(f"sum({metric('library_albums')})", "albums"),
                Query(f"sum({metric('library_artists')})", "artists"),
                min=None,
            ),
            timeseries(
                "Library growth per interval",
                "Tracks and albums added (or removed, below zero) per interval.",
                Query(f"sum(delta({metric('library_tracks')}[$__rate_interval]))", "tracks"),
                Query(f"sum(delta({metric('library_albums')}[$__rate_interval]))", "albums"),
                bars=True,
                min=None,
                decimals=0,
            ),
            timeseries(
                "Now playing over time",
                "Streams playing at each scrape.",
                Query(f"sum({metric('library_now_playing')})", "streams"),
                decimals=0,
            ),
        ],
    )


def _lidarr() -> Row:
    return Row(
        "Lidarr",
        [
            stat(
                "Artists",
                "Artists in Lidarr.",
                Query(f"sum({metric('lidarr_artists')})", "artists"),
                graph=True,
            ),
            stat(
                "Monitored artists",
                "Artists Lidarr monitors for new releases.",
                Query(f"sum({metric('lidarr_monitored_artists')})", "monitored"),
                graph=True,
            ),
            stat(
                "Missing albums",
                "Monitored, released albums without files (Wanted > Missing). Lidarr "
                "searches for them on its own schedule.",
                Query(f"sum({metric('lidarr_missing_albums')})", "missing"),
                graph=True,
                thresholds=[(None, "green"), (1, "orange")],
            ),
            stat(
                "Cutoff unmet",
                "Albums on disk below their quality profile's cutoff (Wanted > Cutoff Unmet).",
                Query(f"sum({metric('lidarr_cutoff_unmet_albums')})", "cutoff unmet"),
                graph=True,
            ),
            stat(
                "Queue",
                "Items in Lidarr's download queue, all statuses.",
                Query(f"sum({metric('lidarr_queue')})", "queue"),
                graph=True,
            ),
            stat(
                "Health issues",
                "Problems on Lidarr's System > Status page, all levels.",
                Query(f"sum({metric('lidarr_health_issues')})", "issues"),
                thresholds=[(None, "green"), (1, "orange")],
            ),
            stat(
                "Upcoming releases",
                "Monitored albums releasing in the next 7 days (Lidarr's calendar): when "
                "their day comes they become missing, and Lidarr searches for them.",
                Query(f"sum({metric('lidarr_upcoming_albums')})", "upcoming"),
                graph=True,
                height=8,
            ),
            timeseries(
                "Wanted albums",
                "Missing and cutoff-unmet albums over time: falling lines mean Lidarr "
                "finds what it is looking for.",
                Query(f"sum({metric('lidarr_missing_albums')})", "missing"),
                Query(f"sum({metric('lidarr_cutoff_unmet_albums')})", "cutoff unmet"),
                width=6,
            ),
            timeseries(
                "Queue by status",
                "Items in Lidarr's download queue by status.",
                Query(f"sum by (status) ({metric('lidarr_queue')})", "{{status}}"),
                width=7,
                stacked=True,
            ),
            timeseries(
                "Health issues by level",
                "Problems on Lidarr's System > Status page by level.",
                Query(f"sum by (level) ({metric('lidarr_health_issues')})", "{{level}}"),
                width=7,
                stacked=True,
                decimals=0,
            ),
        ],
    )


def _root_folders() -> Row:
    free = metric("lidarr_root_folder_free_bytes")
    size = metric("lidarr_root_folder_size_bytes")
    return Row(
        "Root folders",
        [
            bargauge(
                "Disk used",
                "How full the disk of each Lidarr root folder is.",
                Query(f"1 - {free} / {size}", "{{path}}"),
                unit="percentunit",
                max=1,
                thresholds=[(None, "green"), (0.8, "orange"), (0.9, "red")],
            ),
            timeseries(
                "Free space",
                "Free space on the disk of each Lidarr root folder.",
                Query(free, "{{path}}"),
                unit="bytes",
                width=8,
            ),
            table(
                "Root folders",
                "Each root folder's disk: free space and total size.",
                Query(free),
                Query(size),
                unit="bytes",
                hide=("Time", "__name__", "job", "instance", "stack"),
                rename={"Value #A": "Free", "Value #B": "Disk size", "path": "Root folder"},
                width=8,
            ),
        ],
    )


def build() -> Json:
    """The library dashboard."""
    return dashboard(
        uid="stepheybot-music-library",
        title="StepheyBot Music / Library",
        description=(
            "The music library: the music server's counts and scans, and Lidarr's "
            "artists, wanted albums, queue, health and root folders."
        ),
        rows=[_music_server(), _lidarr(), _root_folders()],
    )
