"""What the demo prints once everything is up: where each part is and how to log in."""

from __future__ import annotations

from .stack import DemoInfo

QUERY = "stepheybot_music_backend_up"
"""The query the summary links to (a backend that answers is 1)."""


def summary(info: DemoInfo, *, story: bool = True) -> str:
    """A table of URLs and credentials, and what to look at."""
    login = info.login
    prometheus = (
        [
            ("Prometheus", f"{info.prometheus_ui}/query"),
            ("  alerts", f"{info.prometheus_ui}/alerts"),
        ]
        if info.prometheus_ui
        else [
            ("Prometheus API", f"{info.prometheus_url}/api/v1/query?query={QUERY}"),
            ("  alert rules", f"{info.prometheus_url}/api/v1/rules"),
        ]
    )
    rows = [
        ("Home Assistant", info.dashboard_url),
        ("  user", login.username if login else "?"),
        ("  password", login.password if login else "?"),
        ("Exporter metrics", f"{info.exporter_url}/metrics"),
        *prometheus,
        ("Simulator control", info.control_url),
        ("Stack file", str(info.stack_file)),
        ("Logs", str(info.logs)),
    ]
    width = max(len(name) for name, _ in rows)
    lines = ["", "StepheyBot Music demo is running:", ""]
    lines += [f"  {name:<{width}}  {value}" for name, value in rows]
    if info.setup and info.setup.skipped:
        lines += ["", f"  not offered by the integration yet: {', '.join(info.setup.skipped)}"]
    if info.setup and info.setup.without_entities:
        absent = ", ".join(info.setup.without_entities)
        lines += ["", f"  WARNING: Home Assistant shows no entities for {absent} (see the logs)"]
    lines += ["", "The simulated stack lives: downloads progress, Lidarr imports, Navidrome scans."]
    if story:
        lines += [
            "Now and then the demo asks Home Assistant (action stepheybot_music.request_download)",
            "for the latest album of a new artist; the Requests section follows it, and a",
            "notification says when it is ready to play.",
        ]
    lines += [
        'Try "what is downloading" in Assist (the speech bubble at the top of the dashboard).',
        "Press Ctrl-C to stop everything.",
    ]
    return "\n".join(lines)
