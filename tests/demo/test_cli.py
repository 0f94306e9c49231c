"""``scripts/demo --check`` (``python -m demo --check``) end to end, and a start that fails."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from demo.stack import ROOT

pytestmark = pytest.mark.real_server


def _demo(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "demo", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )


def _processes_using(path: Path) -> list[str]:
    """Command lines of running processes that mention ``path`` (the demo's children do)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(path) in cmdline:
            found.append(cmdline)
    return found


def test_check_mode_verifies_every_part_and_the_storys_request_and_exits_0(
    tmp_path: Path,
) -> None:
    workdir = tmp_path / "demo"
    # faster downloads: the story's album reaches the library in about 30 s
    result = _demo("--check", "--download-speed", "20", "--workdir", str(workdir))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    requested = [line for line in lines if line.startswith("requested through Home Assistant")]
    assert len(requested) == 1, lines
    assert re.fullmatch(
        r"requested through Home Assistant \(stepheybot_music\.request_download\): "
        r".+ \u2013 .+, request \w{26}",
        requested[0],
    ), requested
    assert "check passed: every part is up and works with the others" in lines
    assert lines[-1] == "everything stopped"
    assert not _processes_using(workdir)
    # demo.json has a value for every key it writes
    info = json.loads((workdir / "demo.json").read_text(encoding="utf-8"))
    assert all(value not in ("", None, {}) for value in info.values()), info
    # Home Assistant logged once, into the logs folder, without start-up errors
    logs = workdir / "logs"
    assert sorted(p.name for p in logs.iterdir() if p.name.startswith("home-assistant")) == [
        "home-assistant.log"
    ]
    assert not list((workdir / "homeassistant").glob("home-assistant.log*"))
    log = (logs / "home-assistant.log").read_text(encoding="utf-8")
    assert "We found a custom integration stepheybot_music" in log, "Home Assistant's log"
    errors = [line for line in log.splitlines() if " ERROR " in line or "Traceback" in line]
    assert not errors, "\n".join(errors)


def test_a_part_that_cannot_start_stops_the_others_and_says_why(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    empty = tmp_path / "bin"
    empty.mkdir()
    result = _demo("--check", "--workdir", str(workdir), env={**os.environ, "PATH": str(empty)})
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert (
        "the demo failed to start: prometheus is not installed; "
        "run the demo inside the toolbox (scripts/demo does)"
    ) in lines
    assert lines[-1] == f"everything stopped; the logs are in {workdir / 'logs'}"
    assert not _processes_using(workdir)


def test_a_folder_the_demo_did_not_make_is_never_wiped(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    result = _demo("--check", "--workdir", str(tmp_path))
    assert result.returncode == 1
    assert (
        f"the demo failed to start: {tmp_path} is not empty and the demo did not make it; "
        "choose another --workdir (the demo wipes it at every start)"
    ) in result.stdout.splitlines()
    assert result.stdout.splitlines()[-1] == "everything stopped"
    assert (tmp_path / "precious.txt").read_text() == "keep me"
