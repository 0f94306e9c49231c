"""Structural lint of the committed dashboards, their generator and the provisioning files."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml

from grafana.generator import DASHBOARDS, render_all

from .dashboards import (
    DATASOURCE,
    EXPORTER_METRICS,
    GRAFANA,
    dashboard_files,
    lint,
    lint_expr,
    load,
    panels,
    targets,
)

FILES = dashboard_files()


def test_the_four_dashboards_are_committed() -> None:
    assert [p.name for p in FILES] == sorted(DASHBOARDS)
    assert {p.name for p in FILES} == {
        "overview.json",
        "downloads.json",
        "library.json",
        "infrastructure.json",
    }


def test_committed_json_is_the_generator_output() -> None:
    rendered = render_all()
    for path in FILES:
        assert path.read_text(encoding="utf-8") == rendered[path.name], (
            f"{path.name} is out of date: run python -m grafana.generator"
        )


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_dashboard_passes_the_lint(path: Any) -> None:
    dashboard = load(path)
    assert lint(dashboard) == []


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_dashboard_is_importable_and_provisionable(path: Any) -> None:
    dashboard = load(path)
    assert dashboard["id"] is None
    assert dashboard["uid"].startswith("stepheybot-music-")
    assert len(dashboard["uid"]) <= 40
    assert dashboard["schemaVersion"] >= 36
    assert [i["name"] for i in dashboard["__inputs"]] == ["DS_PROMETHEUS"]
    assert dashboard["__inputs"][0]["pluginId"] == "prometheus"
    source = next(v for v in dashboard["templating"]["list"] if v["name"] == "datasource")
    assert source["label"] == "Data source"
    assert source["current"]["value"] == "${DS_PROMETHEUS}"
    assert "stepheybot-music" in dashboard["tags"]
    assert dashboard["links"][0]["tags"] == ["stepheybot-music"]
    required = {r["id"] for r in dashboard["__requires"] if r["type"] == "panel"}
    used = {p["type"] for p in panels(dashboard) if p["type"] != "row"}
    assert required == used


def test_uids_and_titles_are_unique() -> None:
    dashboards = [load(p) for p in FILES]
    assert len({d["uid"] for d in dashboards}) == len(dashboards)
    assert len({d["title"] for d in dashboards}) == len(dashboards)


def test_every_rate_and_increase_uses_rate_interval() -> None:
    rated = [t for p in FILES for t in targets(p.name, load(p)) if "rate(" in t.expr]
    assert rated, "no panel uses rate() or increase()"
    for target in rated:
        assert "[$__rate_interval]" in target.expr, str(target)


def test_dashboards_use_every_exporter_metric() -> None:
    text = " ".join(t.expr for p in FILES for t in targets(p.name, load(p)))
    unused = sorted(name for name in EXPORTER_METRICS if name not in text)
    assert unused == []


def _broken(mutate: Any) -> list[str]:
    dashboard = copy.deepcopy(load(FILES[0]))
    mutate(dashboard)
    return lint(dashboard)


def _first_panel(dashboard: dict[str, Any]) -> dict[str, Any]:
    return next(p for p in panels(dashboard) if p["type"] != "row")


def test_lint_finds_duplicate_panel_ids() -> None:
    def mutate(d: dict[str, Any]) -> None:
        d["panels"][2]["id"] = d["panels"][1]["id"]

    assert any("not unique" in p for p in _broken(mutate))


def test_lint_finds_a_missing_unit_and_description() -> None:
    def mutate(d: dict[str, Any]) -> None:
        panel = _first_panel(d)
        del panel["fieldConfig"]["defaults"]["unit"]
        panel["description"] = ""

    problems = _broken(mutate)
    assert any(p.endswith("no unit") for p in problems)
    assert any(p.endswith("no description") for p in problems)


def test_lint_finds_a_fixed_datasource() -> None:
    def mutate(d: dict[str, Any]) -> None:
        panel = _first_panel(d)
        panel["datasource"] = {"type": "prometheus", "uid": "prometheus"}
        panel["targets"][0]["datasource"] = {"type": "prometheus", "uid": "P1809F7CD0C75ACF3"}

    problems = _broken(mutate)
    assert any("datasource is not the $datasource variable" in p for p in problems)
    assert any("query datasource is not" in p for p in problems)


def test_lint_finds_a_hard_coded_instance() -> None:
    def mutate(d: dict[str, Any]) -> None:
        target = _first_panel(d)["targets"][0]
        target["expr"] = target["expr"].replace('"$instance"', '"nas.lan:10089"')

    problems = _broken(mutate)
    assert any("hard-coded host" in p for p in problems)
    assert any('lacks instance=~"$instance"' in p for p in problems)


def test_lint_finds_missing_variables() -> None:
    def mutate(d: dict[str, Any]) -> None:
        d["templating"]["list"] = [
            v for v in d["templating"]["list"] if v["name"] not in ("stack", "datasource")
        ]

    problems = _broken(mutate)
    assert "no stack variable" in problems
    assert "no datasource variable" in problems
    assert any("undefined variable $stack" in p for p in problems)


def test_lint_finds_overlapping_panels() -> None:
    def mutate(d: dict[str, Any]) -> None:
        d["panels"][2]["gridPos"] = dict(d["panels"][1]["gridPos"])

    assert any("overlaps" in p for p in _broken(mutate))


@pytest.mark.parametrize(
    ("expr", "problem"),
    [
        (
            'rate(stepheybot_music_downloaded_bytes_total{job=~"$job", instance=~"$instance", '
            'stack=~"$stack"}[5m])',
            "range [5m] is not [$__rate_interval]",
        ),
        (
            'stepheybot_music_no_such_metric{job=~"$job", instance=~"$instance", stack=~"$stack"}',
            "unknown metric stepheybot_music_no_such_metric",
        ),
        ("sum(stepheybot_music_vpn_up)", "stepheybot_music_vpn_up has no label selector"),
        (
            'node_load1{job=~"$job", instance=~"$instance", stack=~"$stack"}',
            "unknown metric node_load1",
        ),
        (
            'stepheybot_music_vpn_up{job="stepheybot-music", instance=~"$instance", '
            'stack=~"$stack"}',
            "hard-coded job/instance/stack matcher",
        ),
    ],
)
def test_lint_finds_bad_queries(expr: str, problem: str) -> None:
    assert problem in lint_expr(expr, {"datasource", "job", "instance", "stack"})


def test_datasource_provisioning() -> None:
    data = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yaml").read_text())
    assert data["apiVersion"] == 1
    (source,) = data["datasources"]
    assert source["type"] == "prometheus"
    assert source["uid"] == "prometheus"
    assert source["access"] == "proxy"
    assert source["url"].startswith("http")
    assert source["jsonData"]["timeInterval"] == "30s"
    example = yaml.safe_load((GRAFANA / "prometheus.example.yml").read_text())
    assert example["global"]["scrape_interval"] == source["jsonData"]["timeInterval"]


def test_dashboard_provisioning() -> None:
    data = yaml.safe_load((GRAFANA / "provisioning/dashboards/stepheybot-music.yaml").read_text())
    assert data["apiVersion"] == 1
    (provider,) = data["providers"]
    assert provider["type"] == "file"
    assert provider["folder"] == "StepheyBot Music"
    assert provider["options"]["path"].startswith("/")


def test_every_dashboard_datasource_is_the_variable() -> None:
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        uids = {
            json.dumps(value)
            for value in _datasources(json.loads(text))
            if value.get("type") == "prometheus"
        }
        assert uids == {json.dumps(DATASOURCE)}, path.name


def _datasources(value: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        if isinstance(value.get("datasource"), dict):
            found.append(value["datasource"])
        for item in value.values():
            found += _datasources(item)
    elif isinstance(value, list):
        for item in value:
            found += _datasources(item)
    return found
