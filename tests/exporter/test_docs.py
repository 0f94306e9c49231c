"""The README documents every metric and option; every backend kind has a collector."""

from __future__ import annotations

import re
from pathlib import Path

from stepheybot_music_clients.models import BackendKind
from stepheybot_music_exporter import metrics as m
from stepheybot_music_exporter.collectors import MODULES, collector_class
from stepheybot_music_exporter.config import build_parser

README = Path(__file__).parents[2] / "exporter" / "README.md"
ROW = re.compile(r"^\| `(stepheybot_music_[a-z_]+)` \| (gauge|counter) \| ([^|]*) \| (.+) \|$")


def _documented() -> dict[str, tuple[str, tuple[str, ...]]]:
    rows = {}
    for line in README.read_text().splitlines():
        match = ROW.match(line)
        if match:
            name, kind, labels, _ = match.groups()
            rows[name] = (kind, tuple(re.findall(r"`([a-z_]+)`", labels)))
    return rows


def test_readme_documents_every_metric_with_type_and_labels() -> None:
    documented = _documented()
    defined = {d.name: (d.type.value, d.labels) for d in m.all_metrics()}
    assert documented == defined


def test_readme_documents_every_option() -> None:
    text = README.read_text()
    options = [
        option
        for action in build_parser()._actions
        for option in action.option_strings
        if option.startswith("--") and option not in ("--help", "--version")
    ]
    assert len(options) == 12
    for option in options:
        assert f"`{option}" in text, option
        env = "STEPHEYBOT_MUSIC_EXPORTER_" + option[2:].upper().replace("-", "_")
        assert env in text, env
    assert "docker build -f exporter/Dockerfile" in text


def test_every_backend_kind_has_a_collector() -> None:
    assert set(MODULES) == set(BackendKind)
    assert all(collector_class(kind).kind is kind for kind in BackendKind)
