"""Read the committed dashboards and lint them (shared by the lint and the live tests)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stepheybot_music_exporter.metrics import all_metrics

REPO = Path(__file__).resolve().parents[2]
GRAFANA = REPO / "grafana"
DASHBOARD_DIR = GRAFANA / "dashboards"
RULES = GRAFANA / "alerts" / "stepheybot-music.rules.yml"
RULE_TESTS = GRAFANA / "alerts" / "stepheybot-music.rules.test.yml"
EXAMPLE_CONFIG = GRAFANA / "prometheus.example.yml"

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
PROMETHEUS_METRICS = frozenset({"up", "scrape_duration_seconds"})
"""Series Prometheus writes itself for every scrape; dashboards may use them too."""
EXPORTER_METRICS = frozenset(m.name for m in all_metrics())
KNOWN_METRICS = EXPORTER_METRICS | PROMETHEUS_METRICS
REQUIRED_VARIABLES = ("datasource", "job", "instance", "stack")
GRAFANA_BUILTINS = frozenset({"__rate_interval", "__interval", "__range", "__all"})
NO_UNIT_TYPES = frozenset({"row", "text"})

_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}")
_EXPORTER_NAME = re.compile(r"\bstepheybot_music_[a-zA-Z0-9_]+")
_RANGE = re.compile(r"\[([^\]]*)\]")
_RANGE_FUNCTIONS = re.compile(r"\b(rate|irate|increase)\s*\(")
_VARIABLE = re.compile(r"\$\{?([a-zA-Z_][a-zA-Z0-9_]*)")
_HOST_PORT = re.compile(r"[a-zA-Z0-9.\-]+:\d{2,5}\b")
_IPV4 = re.compile(r"\b\d{1,3}(\.\d{1,3}){3}\b")
_HARD_MATCHER = re.compile(
    r"\b(job|instance|stack)\s*(=|=~|!=|!~)\s*\"(?!\$(job|instance|stack)\")"
)


@dataclass(frozen=True, slots=True)
class Target:
    """One query of one panel."""

    dashboard: str
    panel: str
    ref: str
    expr: str

    def __str__(self) -> str:
        """Where the query lives, for assertion messages."""
        return f"{self.dashboard} / {self.panel} / {self.ref}: {self.expr}"


def load(path: Path) -> dict[str, Any]:
    """One dashboard file."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def dashboard_files() -> list[Path]:
    """Every committed dashboard, sorted."""
    return sorted(DASHBOARD_DIR.glob("*.json"))


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, including those nested in collapsed rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def targets(name: str, dashboard: dict[str, Any]) -> Iterator[Target]:
    """Every query of every panel."""
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            yield Target(name, panel.get("title", "?"), target.get("refId", "?"), target["expr"])


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


FILTERS = ("job", "instance", "stack")
"""The variables every metric selector filters on, in the order the variables chain."""


def lint_expr(expr: str, variables: set[str], required: tuple[str, ...] = FILTERS) -> list[str]:
    """Problems of one PromQL expression (a panel query or a variable's selector).

    ``required`` are the variables every selector must filter on (a variable's own
    query filters only on the variables before it).
    """
    problems = []
    for name, matchers in _SELECTOR.findall(expr):
        if name not in KNOWN_METRICS:
            problems.append(f"unknown metric {name}")
        compact = matchers.replace(" ", "")
        problems.extend(
            f'{name} selector lacks {variable}=~"${variable}"'
            for variable in required
            if f'{variable}=~"${variable}"' not in compact
        )
    names = list(_EXPORTER_NAME.finditer(expr))
    if required:
        problems.extend(
            f"{m.group()} has no label selector"
            for m in names
            if not expr[m.end() :].startswith("{")
        )
    problems.extend(f"unknown metric {m.group()}" for m in names if m.group() not in KNOWN_METRICS)
    problems.extend(
        f"range [{window}] is not [$__rate_interval]"
        for window in _RANGE.findall(expr)
        if window != "$__rate_interval"
    )
    problems.extend(
        f"{m.group(1)}() without [$__rate_interval]"
        for m in _RANGE_FUNCTIONS.finditer(expr)
        if "[$__rate_interval]" not in expr[m.end() :]
    )
    problems.extend(
        f"undefined variable ${variable}"
        for variable in _VARIABLE.findall(expr)
        if variable not in variables and variable not in GRAFANA_BUILTINS
    )
    if _HARD_MATCHER.search(expr):
        problems.append("hard-coded job/instance/stack matcher")
    return sorted(set(problems), key=problems.index)


_LABEL_VALUES = re.compile(r"^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$")


def parse_label_values(query: str) -> tuple[str, str]:
    """``label_values(selector, label)`` -> ``(selector, label)``."""
    match = _LABEL_VALUES.match(query.strip())
    if match is None:
        raise ValueError(f"not a label_values() query: {query!r}")
    return match.group(1).strip(), match.group(2)


def lint(dashboard: dict[str, Any]) -> list[str]:
    """Every structural problem of one dashboard (empty when it is fine)."""
    problems: list[str] = []
    variables = {v.get("name") for v in dashboard.get("templating", {}).get("list", [])}
    problems += _lint_variables(dashboard)
    seen: set[int] = set()
    for panel in panels(dashboard):
        title = panel.get("title") or "?"
        pid = panel.get("id")
        if not isinstance(pid, int) or pid in seen:
            problems.append(f"{title}: panel id {pid!r} missing or not unique")
        else:
            seen.add(pid)
        if panel.get("type") in NO_UNIT_TYPES:
            continue
        if not panel.get("title"):
            problems.append(f"panel {pid}: no title")
        if not panel.get("description"):
            problems.append(f"{title}: no description")
        unit = panel.get("fieldConfig", {}).get("defaults", {}).get("unit")
        if not unit:
            problems.append(f"{title}: no unit")
        if panel.get("datasource") != DATASOURCE:
            problems.append(f"{title}: datasource is not the $datasource variable")
        if not panel.get("targets"):
            problems.append(f"{title}: no queries")
        for target in panel.get("targets", []):
            if target.get("datasource") != DATASOURCE:
                problems.append(f"{title}: query datasource is not the $datasource variable")
            problems += [f"{title}: {p}" for p in lint_expr(target.get("expr", ""), variables)]
    problems += _lint_grid(dashboard)
    problems += _lint_hard_coded(dashboard)
    return problems


def _lint_variables(dashboard: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    by_name = {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}
    variables = set(by_name)
    problems.extend(f"no {name} variable" for name in REQUIRED_VARIABLES if name not in by_name)
    source = by_name.get("datasource", {})
    if source and (source.get("type") != "datasource" or source.get("query") != "prometheus"):
        problems.append("the datasource variable is not a Prometheus datasource variable")
    for name, variable in by_name.items():
        if name == "datasource":
            continue
        if variable.get("type") != "query":
            problems.append(f"${name} is not a query variable")
            continue
        if variable.get("datasource") != DATASOURCE:
            problems.append(f"${name} does not query the $datasource variable")
        if not (variable.get("multi") and variable.get("includeAll")):
            problems.append(f"${name} is not multi-select with All")
        if variable.get("refresh") != 2:
            problems.append(f"${name} does not refresh on time range change")
        try:
            selector, label = parse_label_values(str(variable.get("query")))
        except ValueError as err:
            problems.append(f"${name}: {err}")
            continue
        if label != name:
            problems.append(f"${name} lists the values of {label}")
        required = FILTERS[: FILTERS.index(name)] if name in FILTERS else FILTERS
        problems += [f"${name}: {p}" for p in lint_expr(selector, variables, required)]
    return problems


def _lint_grid(dashboard: dict[str, Any]) -> list[str]:
    problems = []
    cells: dict[tuple[int, int], str] = {}
    for panel in dashboard.get("panels", []):
        grid = panel.get("gridPos", {})
        x, y, w, h = (grid.get(k, -1) for k in ("x", "y", "w", "h"))
        title = panel.get("title", "?")
        if x < 0 or y < 0 or w <= 0 or h <= 0 or x + w > 24:
            problems.append(f"{title}: bad gridPos {grid}")
            continue
        for cx in range(x, x + w):
            for cy in range(y, y + h):
                if (cx, cy) in cells:
                    problems.append(f"{title} overlaps {cells[(cx, cy)]}")
                    return problems
                cells[(cx, cy)] = title
    return problems


def _lint_hard_coded(dashboard: dict[str, Any]) -> list[str]:
    return [
        f"hard-coded host or address in {text!r}"
        for text in _strings(dashboard)
        if "localhost" in text or _IPV4.search(text) or _HOST_PORT.search(text)
    ]
