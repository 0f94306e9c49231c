"""Generate the StepheyBot Music Grafana dashboards (``python -m grafana.generator``).

The committed JSON under ``grafana/dashboards/`` is this package's output; a test checks
that they match, so edit the Python and regenerate, never the JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from . import downloads, infrastructure, library, overview
from .builders import Json

DASHBOARD_DIR = Path(__file__).resolve().parent.parent / "dashboards"
"""Where the generated dashboards live."""

DASHBOARDS: dict[str, Callable[[], Json]] = {
    "overview.json": overview.build,
    "downloads.json": downloads.build,
    "library.json": library.build,
    "infrastructure.json": infrastructure.build,
}
"""File name -> builder of every dashboard."""


def render(dashboard: Json) -> str:
    """A dashboard as the committed file's text (stable key order, 2-space indent)."""
    return json.dumps(dashboard, indent=2, ensure_ascii=False) + "\n"


def render_all() -> dict[str, str]:
    """File name -> text of every dashboard."""
    return {name: render(build()) for name, build in DASHBOARDS.items()}
