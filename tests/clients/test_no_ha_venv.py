"""The clients, the simulator and the exporter need no Home Assistant: proof in a fresh venv.

The test makes a new venv (``--without-pip``: nothing is downloaded) and makes visible in it
exactly the distributions the client library and the exporter declare (their
``pyproject.toml``) and the simulator imports, with everything those require, resolved
through ``importlib.metadata`` and symlinked from this venv's site-packages. Home Assistant
is not among them. In that venv it imports every module of the three, runs
``scripts/simulate`` (``STEPHEYBOT_VENV`` points the script at that venv) and the exporter on
the stack file the simulator writes, scrapes ``/metrics`` once, and stops both by PID.
"""

from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from importlib.metadata import Distribution, distribution, packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from prometheus_client.parser import text_string_to_metric_families
from stepheybot_music_clients.stackfile import load_stack_file

from tests.loopback import free_port

ROOT = Path(__file__).parents[2]
OURS = {"stepheybot-music-clients", "stepheybot-music-exporter"}
OUR_PACKAGES = ("stepheybot_music_clients", "stepheybot_music_exporter", "simulator")
SOURCES = {
    "stepheybot_music_clients": ROOT / "clients" / "src",
    "stepheybot_music_exporter": ROOT / "exporter" / "src",
}


def declared(project: str) -> list[str]:
    """The ``dependencies`` of ``project/pyproject.toml``."""
    text = (ROOT / project / "pyproject.toml").read_text(encoding="utf-8")
    dependencies: list[str] = tomllib.loads(text)["project"]["dependencies"]
    return dependencies


def simulator_imports() -> set[str]:
    """Distributions the simulator imports directly (it has no pyproject of its own)."""
    modules: set[str] = set()
    for path in (ROOT / "simulator").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                modules.add(node.module.split(".")[0])
    modules -= {*sys.stdlib_module_names, *OUR_PACKAGES}
    owners = packages_distributions()
    missing = sorted(m for m in modules if m not in owners)
    assert not missing, f"the simulator imports modules no distribution provides: {missing}"
    return {dist for module in modules for dist in owners[module]}


def closure(requirements: Iterable[str]) -> dict[str, Distribution]:
    """Every installed distribution the requirements need, recursively (markers, extras)."""
    found: dict[str, Distribution] = {}
    seen: set[tuple[str, str]] = set()
    todo = [(text, "") for text in requirements]
    while todo:
        text, extra = todo.pop()
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        if name in OURS:
            continue
        found[name] = dist = distribution(name)
        assert requirement.specifier.contains(dist.version, prereleases=True), (
            f"{text} is declared, {dist.version} is installed"
        )
        for wanted in ("", *requirement.extras):
            if (name, wanted) not in seen:
                seen.add((name, wanted))
                todo.extend((child, wanted) for child in dist.requires or ())
    return found


def expose(dists: dict[str, Distribution], site: Path) -> None:
    """Symlink each distribution's top-level files and folders (its RECORD) into ``site``."""
    owner: dict[str, str] = {}
    for name, dist in sorted(dists.items()):
        assert dist.files is not None, f"{name} has no RECORD"
        tops = {file.parts[0] for file in dist.files} - {"..", "__pycache__"}
        for top in tops:
            assert top not in owner, f"{name} and {owner[top]} both install {top}"
            owner[top] = name
            target = Path(str(dist.locate_file(top)))
            if target.exists():
                (site / top).symlink_to(target)


CHECK = """
import importlib, importlib.metadata, importlib.util, json, pkgutil, sys

blocked = [n for n in ("homeassistant", "custom_components") if importlib.util.find_spec(n)]
imported = []
for top in sys.argv[1:]:
    package = importlib.import_module(top)
    imported.append(top)
    for info in pkgutil.walk_packages(package.__path__, top + "."):
        importlib.import_module(info.name)
        imported.append(info.name)
print(json.dumps({
    "importable": blocked,
    "imported": imported,
    "loaded": sorted({n.split(".")[0] for n in sys.modules}),
    "files": {top: sys.modules[top].__file__ for top in sys.argv[1:]},
    "distributions": sorted(d.metadata["Name"] for d in importlib.metadata.distributions()),
}))
"""


def make_venv(where: Path) -> tuple[Path, set[str]]:
    """A venv with only the runtime distributions (and our sources) on its path."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, timeout=120
    )
    python = where / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()
    )
    dists = closure([*declared("clients"), *declared("exporter"), *simulator_imports()])
    expose(dists, site)
    first_party = where / "first-party"
    first_party.mkdir()
    (first_party / "simulator").symlink_to(ROOT / "simulator")
    paths = [*SOURCES.values(), first_party]
    (site / "stepheybot_sources.pth").write_text("".join(f"{p}\n" for p in paths))
    return python, {dist.metadata["Name"] for dist in dists.values()}


@contextmanager
def running(args: list[str], log: Path, env: dict[str, str], cwd: Path) -> Iterator[int]:
    """Run a process; stop it by PID with SIGTERM (SIGKILL after 20 s) and check it exits 0."""
    with log.open("wb") as output:
        process = subprocess.Popen(args, stdout=output, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    try:
        yield process.pid
    finally:
        with suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGTERM)
        try:
            code = process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            code = process.wait(timeout=10)
    assert code == 0, f"{args[0]} exited with {code}:\n{log.read_text()}"


def wait_for(what: str, ready: Callable[[], bool], log: Path, timeout: float = 90) -> None:
    """Poll ``ready()`` until it is true; fail with the process log after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < deadline, f"{what} not ready:\n{log.read_text()}"
        time.sleep(0.2)


def get(url: str) -> tuple[int, str]:
    """Status and body of a GET, or ``(0, "")`` while nothing listens."""
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:  # noqa: S310 (loopback)
            return resp.status, resp.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return 0, ""


def test_fresh_venv_without_home_assistant(tmp_path: Path) -> None:
    python, exposed = make_venv(tmp_path / "venv")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PYTHONNOUSERSITE": "1",
        "STEPHEYBOT_VENV": str(tmp_path / "venv"),
    }

    check = subprocess.run(
        [python, "-c", CHECK, *OUR_PACKAGES],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert check.returncode == 0, check.stderr
    seen = json.loads(check.stdout)
    assert seen["importable"] == []
    assert not {"homeassistant", "custom_components"} & set(seen["loaded"])
    # our own sources carry egg-info once scripts/setup installed them (editable)
    assert {n for n in seen["distributions"] if canonicalize_name(n) not in OURS} == exposed
    assert "homeassistant" not in {canonicalize_name(n) for n in exposed}
    for package, source in SOURCES.items():
        assert Path(seen["files"][package]).is_relative_to(source / package)
        modules = sum(1 for _ in (source / package).rglob("*.py"))
        assert sum(1 for n in seen["imported"] if n.split(".")[0] == package) == modules
    assert sum(1 for n in seen["imported"] if n.split(".")[0] == "simulator") == sum(
        1 for _ in (ROOT / "simulator").rglob("*.py")
    )

    stack_file, control = tmp_path / "stack.yaml", free_port()
    simulate = [
        "bash",
        str(ROOT / "scripts" / "simulate"),
        "--stack-file",
        str(stack_file),
        "--speed",
        "0",
        "--control-port",
        str(control),
    ]
    sim_log, exporter_log, port = tmp_path / "simulate.log", tmp_path / "exporter.log", free_port()
    with running(simulate, sim_log, env, tmp_path):
        wait_for("scripts/simulate", lambda: "stack file: " in sim_log.read_text(), sim_log)
        exporter = [
            str(python),
            "-m",
            "stepheybot_music_exporter",
            "--config",
            str(stack_file),
            "--listen",
            f"127.0.0.1:{port}",
        ]
        with running(exporter, exporter_log, env, tmp_path):
            url = f"http://127.0.0.1:{port}"
            wait_for("the exporter", lambda: get(url + "/healthz")[0] == 200, exporter_log)
            status, text = get(url + "/metrics")
        _, state = get(f"http://127.0.0.1:{control}/control/state")

    assert status == 200, exporter_log.read_text()
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    (stack,) = load_stack_file(stack_file, env={})
    assert len(stack.backends) == 9
    for backend in stack.backends:
        up = samples.get(("stepheybot_music_backend_up", (("backend", backend.name),)))
        assert up == 1, f"{backend.name}: {up}\n{exporter_log.read_text()}"
    songs = json.loads(state)["navidrome"]["songs"]
    assert songs > 0
    assert samples[("stepheybot_music_library_tracks", ())] == songs
