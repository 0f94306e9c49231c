"""The infrastructure dashboard: exporter and backends, VPN, containers, indexers."""

from __future__ import annotations

from .builders import (
    UP_DOWN,
    Json,
    Query,
    Row,
    dashboard,
    metric,
    stat,
    state_timeline,
    table,
    timeseries,
    value_map,
)

CONTAINER = "~$container"
"""The ``container`` variable as a regex matcher."""


def _backends() -> Row:
    return Row(
        "Exporter and backends",
        [
            state_timeline(
                "Backends up",
                "Whether the exporter could collect each backend, scrape by scrape.",
                Query(metric("backend_up"), "{{backend}}"),
                mappings=UP_DOWN,
            ),
            timeseries(
                "Collection time per backend",
                "How long collecting each backend took per scrape. It must stay below the "
                "scrape timeout; a backend that nears it is slow or overloaded.",
                Query(metric("backend_scrape_duration_seconds"), "{{backend}}"),
                unit="s",
            ),
            table(
                "Backend failures",
                "Backends the exporter could not collect in the last scrape and why: "
                "unreachable/timeout (is it running? is the URL right?), auth (wrong "
                "credentials in the stack file), banned/login_backoff (too many failed "
                "logins), locked_out (Transmission locked after failed logins: fix the "
                "credentials, restart it), whitelist_refused/host_refused (Transmission's "
                "rpc-whitelist / rpc-host-whitelist), tls, wrong_application (the URL points "
                "elsewhere). Empty when all is well.",
                Query(f"{metric('backend_failure')} == 1"),
                unit="none",
                hide=("Time", "__name__", "job", "Value"),
                rename={"backend": "Backend", "reason": "Reason", "instance": "Instance"},
            ),
            state_timeline(
                "Exporter reachable",
                "Prometheus's own 'up' for each exporter target: DOWN means Prometheus "
                "could not scrape the exporter at all.",
                Query(metric("up"), "{{job}} {{instance}}"),
                mappings=UP_DOWN,
            ),
            timeseries(
                "Exporter scrape duration",
                "How long each scrape of the exporter took, as Prometheus measured it.",
                Query(metric("scrape_duration_seconds"), "{{job}} {{instance}}"),
                unit="s",
            ),
            table(
                "Exporter version",
                "The exporter's version and Python (served on /metrics only, not on /probe).",
                Query(metric("exporter_build_info")),
                unit="none",
                hide=("Time", "__name__", "Value"),
                rename={"version": "Version", "python_version": "Python"},
            ),
        ],
    )


def _vpn() -> Row:
    return Row(
        "VPN (gluetun)",
        [
            state_timeline(
                "VPN tunnel",
                "gluetun's VPN tunnel, scrape by scrape.",
                Query(metric("vpn_up"), "{{instance}}"),
                mappings=UP_DOWN,
            ),
            state_timeline(
                "VPN leak",
                "LEAK while a download client reports a public address that is not the VPN's.",
                Query(metric("vpn_leak"), "{{instance}}"),
                mappings=value_map((0, "no leak", "green"), (1, "LEAK", "red")),
                width=8,
            ),
            stat(
                "Forwarded port",
                "The port gluetun forwards through the VPN (for incoming peers); 'none' "
                "when port forwarding is off or failed.",
                Query(metric("vpn_forwarded_port"), "{{instance}}"),
                unit="none",
                mappings=value_map((0, "none", "orange")),
                height=8,
            ),
        ],
    )


def _containers() -> Row:
    return Row(
        "Containers (Docker)",
        [
            state_timeline(
                "Containers running",
                "Whether each watched container is running.",
                Query(metric("container_up", container=CONTAINER), "{{container}}"),
                mappings=value_map((0, "stopped", "red"), (1, "running", "green")),
            ),
            table(
                "Container health",
                "Each container's Docker healthcheck status (none: the image has no healthcheck).",
                Query(f"{metric('container_health', container=CONTAINER)} == 1"),
                unit="none",
                hide=("Time", "__name__", "job", "instance", "Value"),
                rename={"container": "Container", "status": "Health", "stack": "Stack"},
            ),
            state_timeline(
                "Unhealthy over time",
                "When each container's healthcheck reported unhealthy, scrape by scrape.",
                Query(
                    metric("container_health", container=CONTAINER, status="unhealthy"),
                    "{{container}}",
                ),
                mappings=value_map((0, "ok", "green"), (1, "unhealthy", "red")),
                width=24,
            ),
        ],
    )


def _indexers() -> Row:
    return Row(
        "Indexers (Jackett / Prowlarr)",
        [
            timeseries(
                "Indexers configured",
                "Indexers configured in each Jackett/Prowlarr, and the enabled ones among them "
                "(the ones searched; every one of those failing fires the critical alert).",
                Query(metric("indexers"), "{{backend}} configured"),
                Query(metric("indexers_enabled"), "{{backend}} enabled"),
                decimals=0,
            ),
            timeseries(
                "Indexers failing",
                "Indexers that are failing in each Jackett/Prowlarr. Open its web UI to "
                "see which, and test or fix them there.",
                Query(metric("indexers_failing"), "{{backend}}"),
                decimals=0,
            ),
        ],
    )


def _music_brain() -> Row:
    """0 connected, 1 configured but unreachable, 2 not configured (1 and 2: mock data)."""
    return Row(
        "Music Brain",
        [
            state_timeline(
                "Music Brain's Navidrome",
                "Whether the Music Brain reaches Navidrome (its /api/v1/status). While it does "
                "not, it answers its library statistics with made-up numbers (MOCK) and cannot "
                "search or stream the library. Not configured: one of its "
                "STEPHEYBOT__NAVIDROME__URL, __ADMIN_USER and __ADMIN_PASSWORD is missing. "
                "Unreachable: Navidrome is down, or not reachable from the Brain's container.",
                Query(
                    f"{metric('brain_library_mock')} "
                    f"+ (1 - {metric('brain_navidrome_configured')})",
                    "{{instance}}",
                ),
                mappings=value_map(
                    (0, "connected", "green"),
                    (1, "unreachable: MOCK data", "red"),
                    (2, "not configured: MOCK data", "orange"),
                ),
                width=24,
                height=5,
            ),
        ],
    )


def build() -> Json:
    """The infrastructure dashboard."""
    return dashboard(
        uid="stepheybot-music-infrastructure",
        title="StepheyBot Music / Infrastructure",
        description=(
            "What the stack runs on: the exporter and each backend's collection, the "
            "gluetun VPN, Docker containers, the indexers and the Music Brain's line to "
            "Navidrome."
        ),
        rows=[_backends(), _vpn(), _containers(), _indexers(), _music_brain()],
        extra_variables=[
            (
                "container",
                "Container",
                metric("container_up"),
                "Watched Docker containers (the containers list of the stack file).",
            )
        ],
    )
