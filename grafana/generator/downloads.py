"""The downloads dashboard: torrents, transfer, disk, Lidarr's queue and the Music Brain."""

from __future__ import annotations

from .builders import (
    Json,
    Query,
    Row,
    dashboard,
    metric,
    override_unit,
    stat,
    table,
    timeseries,
)

CLIENT = "~$client"
"""The ``client`` variable as a regex matcher."""


def _torrents() -> Row:
    return Row(
        "Torrents",
        [
            stat(
                "Downloading",
                "Torrents of the music category that are downloading right now.",
                Query(
                    f"sum({metric('downloads', client=CLIENT, state='downloading')})",
                    "downloading",
                ),
                graph=True,
                thresholds=[(None, "green"), (1, "blue")],
            ),
            stat(
                "Stalled",
                "Torrents that want data but get none (no peers, no connection). Many "
                "stalled torrents for a long time usually mean a VPN or port-forwarding "
                "problem.",
                Query(
                    f"sum({metric('downloads', client=CLIENT, state='stalled')})",
                    "stalled",
                ),
                graph=True,
                thresholds=[(None, "green"), (1, "orange")],
            ),
            stat(
                "Seeding",
                "Finished torrents that are still uploading.",
                Query(
                    f"sum({metric('downloads', client=CLIENT, state='seeding')})",
                    "seeding",
                ),
                graph=True,
            ),
            stat(
                "Errored",
                "Torrents the download client reports in an error state (missing files, "
                "disk full, ...). Check them in the client's web UI.",
                Query(
                    f"sum({metric('downloads', client=CLIENT, state='error')})",
                    "error",
                ),
                graph=True,
                thresholds=[(None, "green"), (1, "red")],
            ),
            stat(
                "Downloaded, all time",
                "Bytes the selected download clients downloaded, from their own "
                "persistent statistics.",
                Query(f"sum({metric('downloaded_bytes_total', client=CLIENT)})", "downloaded"),
                unit="bytes",
            ),
            stat(
                "Share ratio, all time",
                "Bytes uploaded divided by bytes downloaded, all time.",
                Query(
                    f"sum({metric('uploaded_bytes_total', client=CLIENT)}) / "
                    f"sum({metric('downloaded_bytes_total', client=CLIENT)})",
                    "ratio",
                ),
                unit="none",
                decimals=2,
            ),
            timeseries(
                "Torrents by state",
                "Torrents of the music category by client and state.",
                Query(
                    f"sum by (client, state) ({metric('downloads', client=CLIENT)})",
                    "{{client}} {{state}}",
                ),
                width=24,
                stacked=True,
            ),
        ],
    )


def _transfer() -> Row:
    return Row(
        "Transfer",
        [
            timeseries(
                "Download rate",
                "Current download rate of each client (all its torrents), as the client "
                "reports it at each scrape.",
                Query(
                    metric("download_rate_bytes_per_second", client=CLIENT),
                    "{{client}}",
                ),
                unit="Bps",
            ),
            timeseries(
                "Upload rate",
                "Current upload rate of each client (all its torrents).",
                Query(metric("upload_rate_bytes_per_second", client=CLIENT), "{{client}}"),
                unit="Bps",
            ),
            timeseries(
                "Average throughput",
                "Average download and upload throughput per interval, from the clients' "
                "all-time byte counters (catches bursts between scrapes).",
                Query(
                    f"rate({metric('downloaded_bytes_total', client=CLIENT)}[$__rate_interval])",
                    "{{client}} downloaded",
                ),
                Query(
                    f"rate({metric('uploaded_bytes_total', client=CLIENT)}[$__rate_interval])",
                    "{{client}} uploaded",
                ),
                unit="Bps",
            ),
            timeseries(
                "Free disk space",
                "Free space each client reports for its default save path.",
                Query(
                    metric("download_client_free_disk_bytes", client=CLIENT),
                    "{{client}}",
                ),
                unit="bytes",
            ),
        ],
    )


def _pipeline() -> Row:
    return Row(
        "Lidarr queue and Music Brain",
        [
            timeseries(
                "Lidarr queue",
                "Items in Lidarr's download queue by status. 'completed' items wait for "
                "import; 'warning' and 'failed' need a look in Activity > Queue.",
                Query(f"sum by (status) ({metric('lidarr_queue')})", "{{status}}"),
                width=6,
                stacked=True,
            ),
            timeseries(
                "Music Brain requests",
                "Download requests the Music Brain currently holds, by status.",
                Query(f"sum by (status) ({metric('brain_requests')})", "{{status}}"),
                width=6,
                stacked=True,
            ),
            timeseries(
                "Music Brain throughput",
                "Requests the Music Brain accepted, completed and failed per interval. "
                "'completed' is inflated: the Brain re-counts a finished torrent about once "
                "a minute while it stays in Transmission.",
                Query(
                    f"sum(increase({metric('brain_requests_accepted_total')}[$__rate_interval]))",
                    "accepted",
                ),
                Query(
                    f"sum(increase({metric('brain_requests_completed_total')}[$__rate_interval]))",
                    "completed",
                ),
                Query(
                    f"sum(increase({metric('brain_requests_failed_total')}[$__rate_interval]))",
                    "failed",
                ),
                width=6,
                bars=True,
                decimals=0,
            ),
            stat(
                "Music Brain monitor last ran",
                "How long ago the Music Brain's download monitor last ran (every 30 s while "
                "it reaches Transmission). Minutes mean the Brain cannot reach Transmission: "
                "check its STEPHEYBOT__TRANSMISSION__URL and credentials.",
                Query(f"time() - {metric('brain_download_monitor_timestamp_seconds')}", "ago"),
                unit="s",
                width=6,
                height=8,
                thresholds=[(None, "green"), (120, "orange"), (300, "red")],
            ),
        ],
    )


def _per_torrent() -> Row:
    return Row(
        "Per torrent (exporter started with --per-torrent)",
        [
            table(
                "Torrents",
                "Every torrent of the music category with its progress, size and rates. "
                "Empty unless the exporter runs with --per-torrent (off by default: one "
                "series per torrent).",
                Query(metric("torrent_progress_ratio", client=CLIENT)),
                Query(metric("torrent_size_bytes", client=CLIENT)),
                Query(metric("torrent_download_rate_bytes_per_second", client=CLIENT)),
                Query(metric("torrent_upload_rate_bytes_per_second", client=CLIENT)),
                unit="none",
                hide=("Time", "__name__", "job", "instance", "stack", "hash"),
                rename={
                    "Value #A": "Progress",
                    "Value #B": "Size",
                    "Value #C": "Download rate",
                    "Value #D": "Upload rate",
                    "client": "Client",
                    "name": "Torrent",
                },
                overrides=[
                    override_unit("Progress", "percentunit"),
                    override_unit("Size", "bytes"),
                    override_unit("Download rate", "Bps"),
                    override_unit("Upload rate", "Bps"),
                ],
                width=24,
                height=10,
            )
        ],
    )


def build() -> Json:
    """The downloads dashboard."""
    return dashboard(
        uid="stepheybot-music-downloads",
        title="StepheyBot Music / Downloads",
        description=(
            "Download clients (qBittorrent, Transmission): torrents by state, transfer "
            "rates, disk, Lidarr's queue, the Music Brain's requests and, opt-in, every "
            "torrent."
        ),
        rows=[_torrents(), _transfer(), _pipeline(), _per_torrent()],
        extra_variables=[
            (
                "client",
                "Download client",
                metric("downloads"),
                "Download clients (their names in the stack file).",
            )
        ],
    )
