"""The Prometheus alert rules: promtool checks them and runs their unit tests."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from .dashboards import EXAMPLE_CONFIG, KNOWN_METRICS, RULE_TESTS, RULES

REQUIRED_ALERTS = {
    "StepheyBotMusicVpnDownWhileDownloading",
    "StepheyBotMusicVpnLeak",
    "StepheyBotMusicBackendDown",
    "StepheyBotMusicDownloadsStalled",
    "StepheyBotMusicLibraryDiskAlmostFull",
    "StepheyBotMusicDownloadDiskAlmostFull",
    "StepheyBotMusicContainerUnhealthy",
    "StepheyBotMusicIndexersFailing",
    "StepheyBotMusicAllIndexersFailing",
    "StepheyBotMusicBrainServingMockData",
}
"""Alerts the issue asks for."""


def promtool(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run promtool (in the toolbox) and capture its output."""
    binary = shutil.which("promtool")
    assert binary is not None, "promtool is not on PATH: run the tests inside the toolbox"
    return subprocess.run(
        [binary, *args], capture_output=True, text=True, cwd=cwd, timeout=120, check=False
    )


def alerts() -> list[dict[str, Any]]:
    """Every alerting rule of the rules file."""
    data = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in data["groups"] for rule in group["rules"] if "alert" in rule]


def unit_tests() -> list[dict[str, Any]]:
    """Every alert_rule_test case of the unit test file."""
    data = yaml.safe_load(RULE_TESTS.read_text(encoding="utf-8"))
    return [case for test in data["tests"] for case in test.get("alert_rule_test", [])]


def test_promtool_check_rules() -> None:
    result = promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alerts())} rules found" in result.stdout


def test_promtool_unit_tests_pass() -> None:
    result = promtool("test", "rules", RULE_TESTS.name, cwd=RULE_TESTS.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_the_example_prometheus_config_is_valid() -> None:
    result = promtool("check", "config", str(EXAMPLE_CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 1 rule files found" in result.stdout


def test_every_alert_has_severity_summary_and_description() -> None:
    for rule in alerts():
        assert rule["alert"].startswith("StepheyBotMusic"), rule["alert"]
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        annotations = rule["annotations"]
        assert len(annotations["summary"]) > 20, rule["alert"]
        assert len(annotations["description"]) > 150, rule["alert"]


def test_the_issue_alerts_exist() -> None:
    assert {rule["alert"] for rule in alerts()} >= REQUIRED_ALERTS


def test_alert_names_are_unique() -> None:
    names = [rule["alert"] for rule in alerts()]
    assert len(names) == len(set(names))


def test_every_alert_has_a_firing_and_a_quiet_unit_test() -> None:
    cases = unit_tests()
    for rule in alerts():
        name = rule["alert"]
        mine = [case for case in cases if case["alertname"] == name]
        assert any(case.get("exp_alerts") for case in mine), f"{name} never fires in a test"
        assert any(not case.get("exp_alerts") for case in mine), f"{name} never stays quiet"
    assert {case["alertname"] for case in cases} <= {rule["alert"] for rule in alerts()}


def test_rules_and_tests_use_only_exporter_metrics() -> None:
    expressions = [rule["expr"] for rule in alerts()]
    data = yaml.safe_load(RULE_TESTS.read_text(encoding="utf-8"))
    series = [s["series"] for test in data["tests"] for s in test["input_series"]]
    for text in expressions + series:
        names = set(re.findall(r"\bstepheybot_music_[a-zA-Z0-9_]+", text))
        assert names <= KNOWN_METRICS, text
    for text in series:
        assert text.split("{", 1)[0] in KNOWN_METRICS, text


def _mutated(tmp_path: Path, old: str, new: str) -> subprocess.CompletedProcess[str]:
    text = RULES.read_text(encoding="utf-8")
    assert old in text
    (tmp_path / RULES.name).write_text(text.replace(old, new, 1), encoding="utf-8")
    shutil.copy(RULE_TESTS, tmp_path / RULE_TESTS.name)
    return promtool("test", "rules", RULE_TESTS.name, cwd=tmp_path)


@pytest.mark.parametrize(
    ("old", "new", "failing"),
    [
        (
            "expr: stepheybot_music_vpn_leak == 1\n        for: 2m",
            "expr: stepheybot_music_vpn_leak == 1\n        for: 0m",
            "StepheyBotMusicVpnLeak",
        ),
        (
            'stepheybot_music_downloads{state=~"downloading|stalled|metadata"}\n'
            "          ) > 0\n          and on (job, instance)\n",
            'stepheybot_music_downloads{state=~".+"}\n'
            "          ) > 0\n          and on (job, instance)\n",
            "StepheyBotMusicVpnDownWhileDownloading",
        ),
        ("< 0.10", "< 0.01", "StepheyBotMusicLibraryDiskAlmostFull"),
        ("(reason: {{", "(cause: {{", "StepheyBotMusicBackendDown"),
        ("if eq .Value 0.0", "if eq .Value 1.0", "StepheyBotMusicBrainServingMockData"),
        (
            "expr: stepheybot_music_brain_library_mock == 1\n        for: 10m",
            "expr: stepheybot_music_brain_library_mock == 1\n        for: 5m",
            "StepheyBotMusicBrainServingMockData",
        ),
    ],
)
def test_the_unit_tests_catch_a_broken_rule(
    tmp_path: Path, old: str, new: str, failing: str
) -> None:
    result = _mutated(tmp_path, old, new)
    assert result.returncode != 0
    assert f"alertname: {failing}" in result.stdout + result.stderr
