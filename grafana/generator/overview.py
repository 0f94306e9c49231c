"""The overview dashboard: the whole stack at a glance."""

from __future__ import annotations

from .builders import (
    UP_DOWN,
    Json,
    Query,
    Row,
    bargauge,
    dashboard,
    metric,
    stat,
    state_timeline,
    timeseries,
    value_map,
)

ACTIVE_STATES = "~downloading|stalled|metadata"
"""Download states of torrents that still want data."""

RED_FROM_ONE: list[tuple[float | None, str]] = [(None, "green"), (1, "red")]
"""Green at 0, red from 1 (counts of broken things)."""

TRACKS_ON_RIGHT: Json = {
    "matcher": {"id": "byName", "options": "Tracks"},
    "properties": [{"id": "custom.axisPlacement", "value": "right"}],
}


def _health() -> Row:
    return Row(
        "Stack health",
        [
            stat(
                "Backends",
                "Whether the exporter could collect each backend of the stack in the last "
                "scrape. DOWN means it could not: the Infrastructure dashboard's 'Backend "
                "failures' table says why (unreachable, auth, timeout, ...).",
                Query(metric("backend_up"), "{{backend}}"),
                unit="none",
                width=12,
                height=5,
                mappings=UP_DOWN,
                thresholds=[(None, "red"), (1, "green")],
                color_mode="background",
            ),
            stat(
                "VPN",
                "gluetun's VPN tunnel: UP while it reports the tunnel running.",
                Query(metric("vpn_up"), "{{instance}}"),
                unit="none",
                height=5,
                mappings=value_map((0, "DOWN", "red"), (1, "UP", "green")),
                thresholds=[(None, "red"), (1, "green")],
                color_mode="background",
            ),
            stat(
                "VPN leak",
                "LEAK when a download client reports a public address that is not the "
                "VPN's: its traffic bypasses the tunnel. No data while no download client "
                "reports its public address.",
                Query(metric("vpn_leak"), "{{instance}}"),
                unit="none",
                height=5,
                mappings=value_map((0, "No leak", "green"), (1, "LEAK", "red")),
                thresholds=RED_FROM_ONE,
                color_mode="background",
            ),
            stat(
                "Music Brain monitor",
                "How long ago the Music Brain's download monitor last ran. It runs every "
                "30 s while the Brain reaches Transmission; minutes mean the Brain cannot "
                "reach its download client.",
                Query(f"time() - {metric('brain_download_monitor_timestamp_seconds')}", "ago"),
                unit="s",
                height=5,
                thresholds=[(None, "green"), (120, "orange"), (300, "red")],
                color_mode="background",
            ),
            stat(
                "Containers not running",
                "Watched Docker containers that are not running (the stack file's docker "
                "backend lists which).",
                Query(f"sum(1 - {metric('container_up')})", "not running"),
                thresholds=RED_FROM_ONE,
            ),
            stat(
                "Containers unhealthy",
                "Containers whose Docker healthcheck reports unhealthy.",
                Query(
                    f"sum({metric('container_health', status='unhealthy')})",
                    "unhealthy",
                ),
                thresholds=RED_FROM_ONE,
            ),
            stat(
                "Indexers failing",
                "Jackett/Prowlarr indexers failing now (Jackett: last query failed; "
                "Prowlarr: blocked after failures), over all indexer backends.",
                Query(f"sum({metric('indexers_failing')})", "failing"),
                thresholds=RED_FROM_ONE,
            ),
            stat(
                "Lidarr health issues",
                "Problems on Lidarr's System > Status page (notices, warnings and errors).",
                Query(f"sum({metric('lidarr_health_issues')})", "issues"),
                thresholds=[(None, "green"), (1, "orange")],
            ),
            stat(
                "Library disk free",
                "Free space on the fullest disk holding a Lidarr root folder, as a share "
                "of the disk.",
                Query(
                    f"min({metric('lidarr_root_folder_free_bytes')} / "
                    f"{metric('lidarr_root_folder_size_bytes')})",
                    "free",
                ),
                unit="percentunit",
                decimals=1,
                thresholds=[(None, "red"), (0.1, "orange"), (0.2, "green")],
            ),
            stat(
                "Download disk free",
                "Free space the download client with the least room reports for its "
                "default save path.",
                Query(f"min({metric('download_client_free_disk_bytes')})", "free"),
                unit="bytes",
                thresholds=[(None, "red"), (10 * 1024**3, "orange"), (50 * 1024**3, "green")],
            ),
        ],
    )


def _blocked() -> Row:
    return Row(
        "Why music is not arriving",
        [
            stat(
                "Blocked by",
                "The exporter's diagnosis, in the order it checks: the first cause that holds "
                "is BLOCKED (the StepheyBotMusicBlocked alert says how to fix it), the others "
                "are clear. A cause without a tile could not be checked in the last scrape "
                "(its backend is down): unknown, not clear.",
                Query(f"max by (cause) ({metric('blocked')})", "{{cause}}"),
                unit="none",
                width=12,
                height=5,
                mappings=value_map((0, "clear", "green"), (1, "BLOCKED", "red")),
                thresholds=RED_FROM_ONE,
                color_mode="background",
            ),
            stat(
                "Imports blocked",
                "Finished downloads Lidarr will not import without you (importBlocked or "
                "importFailed in its queue): open Lidarr > Activity > Queue for the message.",
                Query(f"sum({metric('lidarr_import_blocked')})", "blocked"),
                width=4,
                height=5,
                thresholds=RED_FROM_ONE,
            ),
            stat(
                "Metadata server",
                "Whether Lidarr's health relays the Lidarr team's notice that its metadata "
                "server is down (ServerSideNotificationService): DOWN means new albums cannot be "
                "looked up or searched until the team brings it back.",
                Query(f"max({metric('lidarr_metadata_down')})", "metadata"),
                unit="none",
                width=4,
                height=5,
                mappings=value_map((0, "UP", "green"), (1, "DOWN", "red")),
                thresholds=RED_FROM_ONE,
                color_mode="background",
            ),
            stat(
                "Port matches VPN",
                "Whether each download client listens on the port gluetun forwarded. NO means "
                "no peer can connect: run sync_forwarded_port in Home Assistant (or turn on "
                "its automatic sync). No data while gluetun forwards no port.",
                Query(metric("listen_port_matches_vpn"), "{{client}}"),
                unit="none",
                width=4,
                height=5,
                mappings=value_map((0, "NO", "red"), (1, "YES", "green")),
                thresholds=[(None, "red"), (1, "green")],
                color_mode="background",
            ),
            state_timeline(
                "Blocked over time",
                "When each cause blocked music (red) and when it was clear (green).",
                Query(f"max by (cause) ({metric('blocked')})", "{{cause}}"),
                mappings=value_map((0, "clear", "green"), (1, "BLOCKED", "red")),
                width=24,
                height=5,
            ),
        ],
    )


def _downloads() -> Row:
    return Row(
        "Downloads",
        [
            timeseries(
                "Torrents by state",
                "Torrents in the download clients' music category by state (downloading, "
                "stalled, seeding, ...), all clients together.",
                Query(f"sum by (state) ({metric('downloads')})", "{{state}}"),
                width=8,
                stacked=True,
            ),
            timeseries(
                "Transfer rate",
                "Current download and upload rate of each download client.",
                Query(
                    f"sum by (client) ({metric('download_rate_bytes_per_second')})",
                    "{{client}} download",
                ),
                Query(
                    f"sum by (client) ({metric('upload_rate_bytes_per_second')})",
                    "{{client}} upload",
                ),
                unit="Bps",
                width=8,
            ),
            timeseries(
                "Recent completions",
                "Finished downloads waiting for Lidarr's import, and albums that reached "
                "the music library per interval (imported and scanned: the end of a "
                "download's journey).",
                Query(
                    f"sum({metric('lidarr_queue', status='completed')})",
                    "Downloaded, waiting for import",
                ),
                Query(
                    f"clamp_min(sum(delta({metric('library_albums')}[$__rate_interval])), 0)",
                    "Albums added to the library",
                ),
                width=8,
                bars=True,
                decimals=0,
            ),
        ],
    )


def _library() -> Row:
    return Row(
        "Library",
        [
            stat(
                "Tracks",
                "Tracks in the music server's library.",
                Query(f"sum({metric('library_tracks')})", "tracks"),
                graph=True,
                height=8,
            ),
            stat(
                "Albums",
                "Albums in the music server's library.",
                Query(f"sum({metric('library_albums')})", "albums"),
                graph=True,
                height=8,
            ),
            stat(
                "Artists",
                "Artists in the music server's library.",
                Query(f"sum({metric('library_artists')})", "artists"),
                graph=True,
                height=8,
            ),
            timeseries(
                "Library growth",
                "Albums and artists (left axis) and tracks (right axis) in the music "
                "server's library over time.",
                Query(f"sum({metric('library_albums')})", "Albums"),
                Query(f"sum({metric('library_artists')})", "Artists"),
                Query(f"sum({metric('library_tracks')})", "Tracks"),
                width=12,
                min=None,
                overrides=[TRACKS_ON_RIGHT],
            ),
        ],
    )


def _lidarr() -> Row:
    return Row(
        "Lidarr",
        [
            stat(
                "Missing albums",
                "Monitored, released albums Lidarr has no files for (Wanted > Missing).",
                Query(f"sum({metric('lidarr_missing_albums')})", "missing"),
                graph=True,
                height=8,
                thresholds=[(None, "green"), (1, "orange")],
            ),
            stat(
                "Cutoff unmet",
                "Albums on disk below their quality profile's cutoff (Wanted > Cutoff Unmet).",
                Query(f"sum({metric('lidarr_cutoff_unmet_albums')})", "cutoff unmet"),
                graph=True,
                height=8,
            ),
            stat(
                "Upcoming releases",
                "Monitored albums releasing in the next 7 days (Lidarr's calendar).",
                Query(f"sum({metric('lidarr_upcoming_albums')})", "upcoming"),
                graph=True,
                height=8,
            ),
            stat(
                "Monitored artists",
                "Artists Lidarr monitors for new releases.",
                Query(f"sum({metric('lidarr_monitored_artists')})", "monitored"),
                graph=True,
                height=8,
            ),
            timeseries(
                "Lidarr queue",
                "Items in Lidarr's download queue by status.",
                Query(f"sum by (status) ({metric('lidarr_queue')})", "{{status}}"),
                width=8,
                stacked=True,
            ),
        ],
    )


def _disks_and_indexers() -> Row:
    return Row(
        "Disks and indexers",
        [
            bargauge(
                "Library disks used",
                "How full the disk of each Lidarr root folder is.",
                Query(
                    f"1 - {metric('lidarr_root_folder_free_bytes')} / "
                    f"{metric('lidarr_root_folder_size_bytes')}",
                    "{{path}}",
                ),
                unit="percentunit",
                max=1,
                thresholds=[(None, "green"), (0.8, "orange"), (0.9, "red")],
            ),
            bargauge(
                "Download disk free",
                "Free space each download client reports for its default save path.",
                Query(metric("download_client_free_disk_bytes"), "{{client}}"),
                unit="bytes",
            ),
            bargauge(
                "Indexers",
                "Indexers configured in each Jackett/Prowlarr, and how many of them fail.",
                Query(f"sum by (backend) ({metric('indexers')})", "{{backend}} configured"),
                Query(
                    f"sum by (backend) ({metric('indexers_failing')})",
                    "{{backend}} failing",
                ),
                unit="short",
            ),
        ],
    )


def build() -> Json:
    """The overview dashboard."""
    return dashboard(
        uid="stepheybot-music-overview",
        title="StepheyBot Music / Overview",
        description=(
            "The music stack at a glance: backends, VPN, containers, downloads, library, "
            "Lidarr, disks and indexers. Details are on the Downloads, Library and "
            "Infrastructure dashboards (links at the top)."
        ),
        rows=[_health(), _blocked(), _downloads(), _library(), _lidarr(), _disks_and_indexers()],
    )
