"""Small builders for classic Grafana dashboard JSON: queries, panels, variables, layout.

Every panel and query uses the ``datasource`` variable, every metric selector carries the
``job``/``instance``/``stack`` filters, and every metric name is checked against the
exporter's own metric definitions, so a typo fails at generation time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from stepheybot_music_exporter.metrics import all_metrics

type Json = dict[str, Any]

DATASOURCE: Json = {"type": "prometheus", "uid": "${datasource}"}
"""Where every panel and query gets its data: the dashboard's datasource variable."""

SELECTOR = 'job=~"$job", instance=~"$instance", stack=~"$stack"'
"""The filters every metric selector carries."""

PROMETHEUS_METRICS = frozenset({"up", "scrape_duration_seconds"})
"""Series Prometheus itself writes for every scrape of the exporter."""

KNOWN_METRICS = frozenset(m.name for m in all_metrics()) | PROMETHEUS_METRICS
"""Every metric name a dashboard may use."""

SCHEMA_VERSION = 39
TAG = "stepheybot-music"
GRID_WIDTH = 24

_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def metric(name: str, **matchers: str) -> str:
    """A selector for one exporter metric (name without the ``stepheybot_music_`` prefix).

    ``matchers`` become extra label matchers; a value starting with ``~`` is a regex
    (``state="~downloading|stalled"``), anything else an exact match.
    """
    full = name if name in PROMETHEUS_METRICS else f"stepheybot_music_{name}"
    if full not in KNOWN_METRICS:
        raise ValueError(f"{full} is not a metric the exporter defines")
    parts = [SELECTOR]
    for label, value in matchers.items():
        if not _LABEL.match(label):
            raise ValueError(f"bad label name {label!r}")
        op, text = ("=~", value[1:]) if value.startswith("~") else ("=", value)
        parts.append(f'{label}{op}"{text}"')
    return f"{full}{{{', '.join(parts)}}}"


@dataclass(frozen=True, slots=True)
class Query:
    """One PromQL query of a panel."""

    expr: str
    legend: str = ""
    instant: bool = False
    table: bool = False
    """Return the result as a table (for table panels); implies an instant query."""


@dataclass(slots=True)
class Panel:
    """A panel before layout: what it shows, how big it is."""

    type: str
    title: str
    description: str
    queries: list[Query]
    unit: str
    width: int = 6
    height: int = 8
    decimals: int | None = None
    min: float | None = None
    max: float | None = None
    thresholds: list[tuple[float | None, str]] = field(default_factory=lambda: [(None, "green")])
    mappings: list[Json] = field(default_factory=list)
    options: Json = field(default_factory=dict)
    custom: Json = field(default_factory=dict)
    overrides: list[Json] = field(default_factory=list)
    transformations: list[Json] = field(default_factory=list)
    color: Json | None = None


def value_map(*pairs: tuple[int, str, str]) -> list[Json]:
    """Value mappings ``(value, text, color)`` for 0/1 style metrics."""
    return [
        {
            "type": "value",
            "options": {
                str(value): {"text": text, "color": color, "index": i}
                for i, (value, text, color) in enumerate(pairs)
            },
        }
    ]


UP_DOWN = value_map((0, "DOWN", "red"), (1, "UP", "green"))
"""A 0/1 health metric shown as DOWN/UP."""


def stat(
    title: str,
    description: str,
    *queries: Query,
    unit: str = "short",
    width: int = 4,
    height: int = 4,
    graph: bool = False,
    thresholds: list[tuple[float | None, str]] | None = None,
    mappings: list[Json] | None = None,
    color_mode: str = "value",
    decimals: int | None = None,
) -> Panel:
    """A stat panel showing the last value of each series."""
    return Panel(
        "stat",
        title,
        description,
        list(queries),
        unit,
        width,
        height,
        decimals=decimals,
        thresholds=thresholds or [(None, "green")],
        mappings=mappings or [],
        options={
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "colorMode": color_mode,
            "graphMode": "area" if graph else "none",
            "justifyMode": "auto",
            "orientation": "auto",
            "textMode": "auto",
            "wideLayout": True,
            "showPercentChange": False,
        },
    )


def timeseries(
    title: str,
    description: str,
    *queries: Query,
    unit: str = "short",
    width: int = 12,
    height: int = 8,
    stacked: bool = False,
    bars: bool = False,
    decimals: int | None = None,
    min: float | None = 0,
    overrides: list[Json] | None = None,
) -> Panel:
    """A time series graph."""
    return Panel(
        "timeseries",
        title,
        description,
        list(queries),
        unit,
        width,
        height,
        decimals=decimals,
        min=min,
        overrides=overrides or [],
        custom={
            "drawStyle": "bars" if bars else "line",
            "lineWidth": 1,
            "fillOpacity": 60 if bars else (30 if stacked else 10),
            "showPoints": "never",
            "spanNulls": False,
            "stacking": {"mode": "normal" if stacked else "none", "group": "A"},
            "axisPlacement": "auto",
            "gradientMode": "none",
        },
        options={
            "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
        color={"mode": "palette-classic"},
    )


def state_timeline(
    title: str,
    description: str,
    query: Query,
    *,
    mappings: list[Json],
    width: int = 12,
    height: int = 8,
) -> Panel:
    """A state timeline (one lane per series) for 0/1 metrics."""
    return Panel(
        "state-timeline",
        title,
        description,
        [query],
        "none",
        width,
        height,
        mappings=mappings,
        thresholds=[(None, "red"), (1, "green")],
        custom={"fillOpacity": 80, "lineWidth": 0},
        options={
            "showValue": "never",
            "mergeValues": True,
            "rowHeight": 0.9,
            "alignValue": "left",
            "legend": {"displayMode": "list", "placement": "bottom", "showLegend": False},
            "tooltip": {"mode": "single", "sort": "none"},
        },
        color={"mode": "thresholds"},
    )


def bargauge(
    title: str,
    description: str,
    *queries: Query,
    unit: str,
    width: int = 8,
    height: int = 8,
    min: float | None = 0,
    max: float | None = None,
    thresholds: list[tuple[float | None, str]] | None = None,
) -> Panel:
    """A horizontal bar gauge, one bar per series."""
    return Panel(
        "bargauge",
        title,
        description,
        list(queries),
        unit,
        width,
        height,
        min=min,
        max=max,
        thresholds=thresholds or [(None, "green")],
        options={
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "orientation": "horizontal",
            "displayMode": "gradient",
            "showUnfilled": True,
            "valueMode": "color",
            "namePlacement": "auto",
            "sizing": "auto",
            "minVizHeight": 16,
            "minVizWidth": 8,
            "maxVizHeight": 300,
        },
    )


def table(
    title: str,
    description: str,
    *queries: Query,
    unit: str,
    hide: tuple[str, ...] = ("Time", "__name__", "job", "instance"),
    rename: dict[str, str] | None = None,
    width: int = 12,
    height: int = 8,
    overrides: list[Json] | None = None,
) -> Panel:
    """A table of instant query results; several queries are merged on their labels."""
    transformations: list[Json] = []
    if len(queries) > 1:
        transformations.append({"id": "merge", "options": {}})
    transformations.append(
        {
            "id": "organize",
            "options": {
                "excludeByName": dict.fromkeys(hide, True),
                "renameByName": rename or {},
                "indexByName": {},
            },
        }
    )
    return Panel(
        "table",
        title,
        description,
        [Query(q.expr, q.legend, instant=True, table=True) for q in queries],
        unit,
        width,
        height,
        overrides=overrides or [],
        transformations=transformations,
        options={"showHeader": True, "cellHeight": "sm", "footer": {"show": False}},
        custom={"align": "auto", "cellOptions": {"type": "auto"}, "inspect": False},
    )


def override_unit(field_name: str, unit: str) -> Json:
    """A field override giving one column or series its own unit."""
    return {
        "matcher": {"id": "byName", "options": field_name},
        "properties": [{"id": "unit", "value": unit}],
    }


def override_thresholds(field_name: str, steps: list[tuple[float | None, str]]) -> Json:
    """A field override giving one series its own threshold colours."""
    return {
        "matcher": {"id": "byName", "options": field_name},
        "properties": [
            {"id": "thresholds", "value": _thresholds(steps)},
            {"id": "color", "value": {"mode": "thresholds"}},
        ],
    }


def _thresholds(steps: list[tuple[float | None, str]]) -> Json:
    return {
        "mode": "absolute",
        "steps": [{"color": color, "value": value} for value, color in steps],
    }


def _targets(queries: list[Query]) -> list[Json]:
    out = []
    for i, query in enumerate(queries):
        target: Json = {
            "datasource": DATASOURCE,
            "editorMode": "code",
            "expr": query.expr,
            "legendFormat": query.legend or "__auto",
            "range": not (query.instant or query.table),
            "instant": query.instant or query.table,
            "refId": chr(ord("A") + i),
        }
        if query.table:
            target["format"] = "table"
        out.append(target)
    return out


def _panel_json(panel: Panel, panel_id: int, x: int, y: int) -> Json:
    defaults: Json = {
        "unit": panel.unit,
        "thresholds": _thresholds(panel.thresholds),
        "mappings": panel.mappings,
        "color": panel.color or {"mode": "thresholds"},
    }
    if panel.custom:
        defaults["custom"] = panel.custom
    for key in ("decimals", "min", "max"):
        value = getattr(panel, key)
        if value is not None:
            defaults[key] = value
    out: Json = {
        "id": panel_id,
        "type": panel.type,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": {"h": panel.height, "w": panel.width, "x": x, "y": y},
        "fieldConfig": {"defaults": defaults, "overrides": panel.overrides},
        "options": panel.options,
        "targets": _targets(panel.queries),
    }
    if panel.transformations:
        out["transformations"] = panel.transformations
    return out


@dataclass(slots=True)
class Row:
    """A titled row of panels (laid out left to right, wrapping at 24 columns)."""

    title: str
    panels: list[Panel]


def layout(rows: list[Row]) -> list[Json]:
    """Panel JSON with ids (1, 2, ... in order) and grid positions."""
    out: list[Json] = []
    y = 0
    next_id = 1
    for row in rows:
        out.append(
            {
                "id": next_id,
                "type": "row",
                "title": row.title,
                "collapsed": False,
                "gridPos": {"h": 1, "w": GRID_WIDTH, "x": 0, "y": y},
                "panels": [],
            }
        )
        next_id += 1
        y += 1
        x = 0
        line_height = 0
        for panel in row.panels:
            if panel.width > GRID_WIDTH:
                raise ValueError(f"panel {panel.title!r} is wider than the grid")
            if x + panel.width > GRID_WIDTH:
                y += line_height
                x, line_height = 0, 0
            out.append(_panel_json(panel, next_id, x, y))
            next_id += 1
            x += panel.width
            line_height = max(line_height, panel.height)
        y += line_height
    return out


def _query_variable(name: str, label: str, query: str, description: str, *, all_value: str) -> Json:
    return {
        "name": name,
        "label": label,
        "description": description,
        "type": "query",
        "datasource": DATASOURCE,
        "definition": query,
        "query": query,
        "refresh": 2,
        "regex": "",
        "sort": 1,
        "multi": True,
        "includeAll": True,
        "allValue": all_value,
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "options": [],
        "hide": 0,
        "skipUrlSync": False,
    }


def variables(extra: list[tuple[str, str, str, str]] | None = None) -> list[Json]:
    """The datasource, job, instance and stack variables, plus ``extra`` query variables.

    ``extra`` holds ``(name, label, metric selector, description)``; its values come from
    that label of that selector, filtered like every query.
    """
    anchor = "stepheybot_music_backend_up"
    out: list[Json] = [
        {
            "name": "datasource",
            "label": "Data source",
            "description": "The Prometheus that scrapes the StepheyBot Music exporter.",
            "type": "datasource",
            "query": "prometheus",
            "regex": "",
            "refresh": 1,
            "current": {"selected": False, "text": "${DS_PROMETHEUS}", "value": "${DS_PROMETHEUS}"},
            "options": [],
            "hide": 0,
            "includeAll": False,
            "multi": False,
            "skipUrlSync": False,
        },
        _query_variable(
            "job",
            "Job",
            f"label_values({anchor}, job)",
            "Prometheus scrape jobs that scrape the exporter.",
            all_value=".+",
        ),
        _query_variable(
            "instance",
            "Instance",
            f'label_values({anchor}{{job=~"$job"}}, instance)',
            "Exporter targets: host:port for /metrics, the stack name for /probe.",
            all_value=".+",
        ),
        _query_variable(
            "stack",
            "Stack",
            f'label_values({anchor}{{job=~"$job", instance=~"$instance"}}, stack)',
            "The stack label added by the scrape config's relabeling (all matches series "
            "without it too).",
            all_value=".*",
        ),
    ]
    for name, label, selector, description in extra or []:
        out.append(
            _query_variable(
                name,
                label,
                f"label_values({selector}, {name})",
                description,
                all_value=".+",
            )
        )
    return out


def dashboard(
    *,
    uid: str,
    title: str,
    description: str,
    rows: list[Row],
    extra_variables: list[tuple[str, str, str, str]] | None = None,
) -> Json:
    """A complete dashboard, importable through the UI and provisionable from a file."""
    panels = layout(rows)
    panel_types = sorted({p["type"] for p in panels if p["type"] != "row"})
    return {
        "__inputs": [
            {
                "name": "DS_PROMETHEUS",
                "label": "Prometheus",
                "description": "The Prometheus that scrapes the StepheyBot Music exporter.",
                "type": "datasource",
                "pluginId": "prometheus",
                "pluginName": "Prometheus",
            }
        ],
        "__requires": [
            {"type": "grafana", "id": "grafana", "name": "Grafana", "version": "10.4.0"},
            {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"},
            *(
                {"type": "panel", "id": t, "name": t.replace("-", " ").title(), "version": ""}
                for t in panel_types
            ),
        ],
        "annotations": {
            "list": [
                {
                    "builtIn": 1,
                    "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                    "enable": True,
                    "hide": True,
                    "iconColor": "rgba(0, 211, 255, 1)",
                    "name": "Annotations & Alerts",
                    "type": "dashboard",
                }
            ]
        },
        "description": description,
        "editable": True,
        "fiscalYearStartMonth": 0,
        "graphTooltip": 1,
        "id": None,
        "links": [
            {
                "type": "dashboards",
                "title": "StepheyBot Music",
                "tags": [TAG],
                "asDropdown": True,
                "includeVars": True,
                "keepTime": True,
                "icon": "external link",
                "targetBlank": False,
                "tooltip": "",
                "url": "",
            }
        ],
        "panels": panels,
        "refresh": "1m",
        "schemaVersion": SCHEMA_VERSION,
        "tags": [TAG],
        "templating": {"list": variables(extra_variables)},
        "time": {"from": "now-6h", "to": "now"},
        "timepicker": {},
        "timezone": "browser",
        "title": title,
        "uid": uid,
        "version": 1,
        "weekStart": "",
    }
