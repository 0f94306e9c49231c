"""The client library is its own package: HA-free, one import name, vendored into the integration.

``stepheybot_music_clients`` lives in ``clients/`` (its own ``pyproject.toml``). The integration
carries an exact copy (``scripts/vendor``) for HACS installs, which copy only its folder; an
installed library always comes first, so a process never holds two copies of its classes.
"""

from __future__ import annotations

import ast
import filecmp
import subprocess
import sys
import sysconfig
import textwrap
import tomllib
from pathlib import Path

import stepheybot_music_clients

ROOT = Path(__file__).parents[2]
CLIENTS_SRC = ROOT / "clients" / "src"
CLIENTS = CLIENTS_SRC / "stepheybot_music_clients"
VENDORED = ROOT / "custom_components" / "stepheybot_music" / "vendor" / "stepheybot_music_clients"

BLOCK_HA = textwrap.dedent(
    """
    import importlib, importlib.abc, pkgutil, sys

    class BlockHomeAssistant(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("homeassistant", "custom_components"):
                raise ImportError(f"blocked: {name}")
            return None

    sys.meta_path.insert(0, BlockHomeAssistant())
    sys.path.insert(0, sys.argv[1])
    import stepheybot_music_clients as pkg
    assert pkg.__file__.startswith(sys.argv[1]), pkg.__file__
    names = [pkg.__name__]
    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        importlib.import_module(info.name)
        names.append(info.name)
    print(len(names))
    """
)


def test_every_client_module_imports_without_home_assistant() -> None:
    """Import every module of the library from its source tree, with HA blocked."""
    result = subprocess.run(
        [sys.executable, "-I", "-c", BLOCK_HA, str(CLIENTS_SRC)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    modules = sum(1 for _ in CLIENTS.rglob("*.py"))
    assert int(result.stdout.strip()) == modules


def test_client_sources_import_only_themselves_by_absolute_name() -> None:
    """No relative import (one name everywhere), and never Home Assistant or the integration."""
    offenders = []
    for path in CLIENTS.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    offenders.append(f"{path.relative_to(CLIENTS)}: relative import")
                names = [node.module or ""]
            offenders.extend(
                f"{path.relative_to(CLIENTS)}: {name}"
                for name in names
                if name.split(".")[0] in ("homeassistant", "custom_components")
            )
    assert offenders == []


def test_tests_use_the_installed_library() -> None:
    """The test process imports the library from its source tree, not the vendored copy."""
    assert Path(stepheybot_music_clients.__file__).is_relative_to(CLIENTS)
    assert not any("vendor" in name for name in sys.modules if "stepheybot_music_clients" in name)


def test_version_matches_the_project_file() -> None:
    project = tomllib.loads((ROOT / "clients" / "pyproject.toml").read_text(encoding="utf-8"))
    assert stepheybot_music_clients.__version__ == project["project"]["version"]
    exporter = tomllib.loads((ROOT / "exporter" / "pyproject.toml").read_text(encoding="utf-8"))
    pin = f"stepheybot-music-clients=={project['project']['version']}"
    assert pin in exporter["project"]["dependencies"]


def test_vendored_copy_is_exactly_the_source() -> None:
    """What HACS users run is what CI tested (``scripts/vendor`` makes the copy)."""

    def files(top: Path) -> set[Path]:
        return {
            p.relative_to(top)
            for p in top.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }

    source, vendored = files(CLIENTS), files(VENDORED)
    assert source == vendored, "run scripts/vendor"
    _match, mismatch, errors = filecmp.cmpfiles(CLIENTS, VENDORED, sorted(map(str, source)), False)
    assert (mismatch, errors) == ([], []), "run scripts/vendor"


VENDORED_ONLY = textwrap.dedent(
    """
    import sys
    sys.path[:0] = [sys.argv[1], sys.argv[2]]
    import importlib.util
    assert importlib.util.find_spec("stepheybot_music_clients") is None, "installed copy visible"
    import custom_components.stepheybot_music.config_flow
    from custom_components.stepheybot_music.coordinators import BUILDERS
    import stepheybot_music_clients, stepheybot_music_clients.errors as errors
    from custom_components.stepheybot_music.coordinators import base
    assert "vendor" in stepheybot_music_clients.__file__, stepheybot_music_clients.__file__
    assert base.StackError is errors.StackError
    print(len(BUILDERS))
    """
)


def test_integration_runs_on_the_vendored_copy_alone(tmp_path: Path) -> None:
    """A HACS install: the library is not installed, the integration finds its own copy.

    ``-S`` skips site-packages' ``.pth`` files (the editable install of the library); Home
    Assistant comes from site-packages on ``sys.path``; the integration from the checkout.
    """
    result = subprocess.run(
        [
            sys.executable,
            "-S",
            "-c",
            VENDORED_ONLY,
            str(ROOT),
            sysconfig.get_paths()["purelib"],
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) == 9
