"""The client layer never needs Home Assistant: the exporter ships it on its own."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

CLIENTS = Path(__file__).parents[2] / "custom_components" / "stepheybot_music" / "clients"
EXPORTER_SRC = Path(__file__).parents[2] / "exporter" / "src"

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
    names = [pkg.__name__]
    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        importlib.import_module(info.name)
        names.append(info.name)
    print(len(names))
    """
)


def test_every_client_module_imports_without_home_assistant() -> None:
    """Import every module of the client layer, under the exporter's name, with HA blocked."""
    result = subprocess.run(
        [sys.executable, "-I", "-c", BLOCK_HA, str(EXPORTER_SRC)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    modules = sum(1 for _ in CLIENTS.rglob("*.py"))
    assert int(result.stdout.strip()) == modules


def test_client_sources_use_relative_imports_only() -> None:
    """No module of the client layer names homeassistant or its own absolute package."""
    offenders = []
    for path in CLIENTS.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders.extend(
                f"{path.relative_to(CLIENTS)}: {name}"
                for name in names
                if name.split(".")[0] in ("homeassistant", "custom_components")
            )
    assert offenders == []
