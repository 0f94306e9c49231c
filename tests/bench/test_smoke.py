"""The benchmark's smoke mode (N=200, 2 runs) against a real qbittorrent-nox 5.3 and a real
transmission-daemon 4.x.

It keeps the harness working: every row is produced, and the structural facts hold (our
polls send small incremental requests and never log in again; the peers download
everything and the PyPI exporter logs in per scrape). No timing is asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.run import SMOKE_RUNS, SMOKE_SIZE
from bench.scenarios import SESSION_POLLS

ROOT = Path(__file__).resolve().parents[2]
SUBJECTS = (
    "our HA integration",
    "HA core qbittorrent",
    "our exporter",
    "prometheus-qbittorrent-exporter",
    "our qBittorrent client",
)
SCENARIOS = ("steady", "change_1pct", "sessions", "restart")
OURS = ("our HA integration", "our exporter", "our qBittorrent client")
SYNC = "/api/v2/sync/maindata"
TR_SUBJECTS = (
    "our HA integration",
    "HA core transmission",
    "our exporter",
    "our Transmission client",
)
TR_OURS = ("our HA integration", "our exporter", "our Transmission client")
TR_SCENARIOS = ("steady", "change_1pct", "restart")
TR_RPC = "/transmission/rpc"
TR = "transmission"

pytestmark = pytest.mark.real_server


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench") / "RESULTS.md"
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    data: dict[str, Any] = json.loads(out.with_suffix(".json").read_text())
    data["markdown"] = out.read_text()
    data["stderr"] = result.stderr
    return data


def _row(
    smoke: dict[str, Any], scenario: str, subject: str, backend: str = "qbittorrent"
) -> dict[str, Any]:
    rows = [
        r
        for r in smoke["rows"]
        if r["scenario"] == scenario and r["subject"] == subject and r["backend"] == backend
    ]
    assert len(rows) == 1, f"no single {backend} {scenario} row for {subject}: {smoke['notes']}"
    row: dict[str, Any] = rows[0]
    assert row["size"] == SMOKE_SIZE
    return row


def test_every_row_is_produced(smoke: dict[str, Any]) -> None:
    for scenario in SCENARIOS:
        for subject in SUBJECTS:
            row = _row(smoke, scenario, subject)
            expected = SESSION_POLLS if scenario == "sessions" else SMOKE_RUNS
            assert len(row["samples"]) == expected, (scenario, subject)
            assert all(s["wall"] > 0 and s["requests"] >= 1 for s in row["samples"])
            if scenario != "restart":
                assert all(s["ok"] for s in row["samples"]), (scenario, subject)
    assert not [n for n in smoke["notes"] if "could not be set up" in n]


def test_our_no_change_poll_is_one_small_incremental_request(smoke: dict[str, Any]) -> None:
    for subject in OURS:
        for sample in _row(smoke, "steady", subject)["samples"]:
            assert sample["paths"] == {SYNC: 1}, subject
            assert sample["logins"] == 0
            assert sample["body_bytes"] <= 1000, subject
            assert sample["backend_cpu"] is not None
    # the peer downloads every torrent on every poll
    for sample in _row(smoke, "steady", "HA core qbittorrent")["samples"]:
        assert sample["paths"][SYNC] == 1
        assert sample["body_bytes"] >= SMOKE_SIZE * 1000


def test_one_percent_change_carries_only_the_changed_torrents(smoke: dict[str, Any]) -> None:
    steady = _row(smoke, "steady", "our HA integration")["samples"]
    change = _row(smoke, "change_1pct", "our HA integration")
    changed = change["extra"]["changed_per_round"]
    assert changed == SMOKE_SIZE // 100
    for sample in change["samples"]:
        assert sample["body_bytes"] > max(s["body_bytes"] for s in steady)
        assert sample["body_bytes"] <= 1000 * changed


def test_peers_counts_are_measured(smoke: dict[str, Any]) -> None:
    for sample in _row(smoke, "steady", "prometheus-qbittorrent-exporter")["samples"]:
        assert sample["logins"] == 1
        assert sample["requests"] >= 4
        assert sample["body_bytes"] >= SMOKE_SIZE * 1000
    for sample in _row(smoke, "steady", "HA core qbittorrent")["samples"]:
        assert sample["logins"] == 0
        assert sample["requests"] == 2
    memory = _row(smoke, "steady", "prometheus-qbittorrent-exporter")["memory"]
    assert memory["VmRSS"] > 0
    assert _row(smoke, "steady", "our exporter")["memory"]["VmRSS"] > 0
    assert _row(smoke, "steady", "HA core qbittorrent")["memory"]["poll_peak"] > 0


def test_sessions(smoke: dict[str, Any]) -> None:
    for subject in (*OURS, "HA core qbittorrent"):
        extra = _row(smoke, "sessions", subject)["extra"]
        assert extra["logins"] == 0, subject
        assert extra["control_session_survived"] is True, subject
    peer = _row(smoke, "sessions", "prometheus-qbittorrent-exporter")["extra"]
    assert peer["logins"] == SESSION_POLLS
    assert peer["control_session_survived"] is False


def test_restart_recovers_with_one_login(smoke: dict[str, Any]) -> None:
    for subject in SUBJECTS:
        row = _row(smoke, "restart", subject)
        assert row["samples"][-1]["ok"], subject
        assert all(p <= 3 for p in row["extra"]["polls"])
    for subject in OURS:
        for sample in _row(smoke, "restart", subject)["samples"]:
            assert sample["ok"]
            assert sample["logins"] == 1, subject


def test_results_markdown(smoke: dict[str, Any]) -> None:
    text = smoke["markdown"]
    assert "## Targets (issue 9)" in text
    assert f"## N = {SMOKE_SIZE:,} torrents" in text
    for subject in SUBJECTS:
        assert subject in text
    assert "scripts/bench --smoke" in text
    for version in ("qBittorrent | 5.3", "prometheus-qbittorrent-exporter | 1.7.0"):
        assert version in text


def test_exporter_memory_and_load_after_every_scenario(smoke: dict[str, Any]) -> None:
    """The exporters' RSS is read after every scenario (the restart's full re-sync counts
    towards the peak), and each scenario says how loaded the machine was."""
    for scenario in SCENARIOS:
        for subject in ("our exporter", "prometheus-qbittorrent-exporter"):
            memory = _row(smoke, scenario, subject)["memory"]
            assert memory["VmHWM"] >= memory["VmRSS"] > 0, (scenario, subject)
        for subject in SUBJECTS:
            load = _row(smoke, scenario, subject)["extra"]["load"]
            assert len(load) == 2, (scenario, subject)
            assert min(load) >= 0, (scenario, subject)
    text = smoke["markdown"]
    assert "1-minute load average:" in text
    assert "stepheybot-music commit (at the start)" in text


def test_transmission_rows_are_produced(smoke: dict[str, Any]) -> None:
    for scenario in TR_SCENARIOS:
        for subject in TR_SUBJECTS:
            row = _row(smoke, scenario, subject, TR)
            assert len(row["samples"]) == SMOKE_RUNS, (scenario, subject)
            assert all(s["ok"] and s["wall"] > 0 for s in row["samples"]), (scenario, subject)
            assert all(set(s["paths"]) == {TR_RPC} for s in row["samples"])
    assert not [n for n in smoke["notes"] if "Transmission" in n and "failed" in n]


def test_transmission_no_change_poll_lists_no_torrent(smoke: dict[str, Any]) -> None:
    """Ours asks for the recently active torrents (none); HA core lists every torrent."""
    for subject in TR_OURS:
        for sample in _row(smoke, "steady", subject, TR)["samples"]:
            assert sample["body_bytes"] <= 1000, subject
            assert sample["logins"] == 0
    for sample in _row(smoke, "steady", "HA core transmission", TR)["samples"]:
        assert sample["body_bytes"] >= SMOKE_SIZE * 1000


def test_transmission_change_and_full_relist(smoke: dict[str, Any]) -> None:
    """Relabelled torrents travel; after a restart ours lists every torrent once, and the
    memory each Home Assistant integration holds is measured."""
    for subject in TR_OURS:
        steady = max(s["body_bytes"] for s in _row(smoke, "steady", subject, TR)["samples"])
        change = _row(smoke, "change_1pct", subject, TR)
        assert change["extra"]["changed_per_round"] == SMOKE_SIZE // 100
        assert all(s["body_bytes"] > steady for s in change["samples"]), subject
        for sample in _row(smoke, "restart", subject, TR)["samples"]:
            # every torrent, as a table: about 180 B each
            assert sample["body_bytes"] >= SMOKE_SIZE * 100, subject
    held = {(h["backend"], h["subject"]): h for h in smoke["held"]}
    for key in (
        ("qbittorrent", "our HA integration"),
        ("qbittorrent", "HA core qbittorrent"),
        (TR, "our HA integration"),
        (TR, "HA core transmission"),
    ):
        assert held[key]["held_kib"] > 0, key
        assert held[key]["setup_peak_kib"] >= held[key]["held_kib"], key
    text = smoke["markdown"]
    assert f"## Transmission, N = {SMOKE_SIZE:,} torrents" in text
    assert "## Targets (issue 22)" in text
    assert "transmission-daemon | 4." in text
