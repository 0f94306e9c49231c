"""Start a real Docker Engine (dockerd) and podman's Docker-compatible API, with real containers.

Both come from the host's Debian 12 packages (``docker.io`` 20.10, API 1.41; ``podman`` 4.3 with
``runc``; ``busybox-static`` for the image), installed by ``scripts/setup`` and run in the host's
mount namespace (see :mod:`tests.servers.hostside`), each with its own state folder under
``<checkout>/.tmp/realservers/`` and its own API socket there: no system service, no network
(``--bridge=none``/``netns="none"``, no iptables), vfs storage, nothing downloaded.

Plain functions (:func:`start_engine`, :func:`stop_engine`, :func:`running_engine`,
:func:`run_container`, :func:`make_standard_containers`, :func:`run_healthcheck`) plus pytest
fixtures (``container_engine`` factory, shared ``docker_engine``/``podman_engine``). The
fixtures drive the engine through its HTTP API with the standard library only, never through
the client under test. Give the client :attr:`ContainerEngine.url` (``unix:///...sock``).

Every engine imports ``local/busybox:latest`` (a rootfs of the static busybox and links to it)
on start. Containers run with ``--network none`` and explicit ``nofile``/``nproc`` ulimits (the
sandbox's hard limits are below the engines' defaults). Health comes from a ``CMD true``/
``CMD false`` healthcheck: dockerd runs it every second by itself; podman runs it only when
triggered (no systemd timers here), which :func:`run_healthcheck` does through the libpod API.

Teardown force-removes every container through the API, stops the daemon by PID (SIGTERM,
then SIGKILL), kills by PID any helper still naming the state folder (containerd, shims,
conmon) and removes the folder.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tarfile
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_socket

from tests.servers import hostside

ENGINES = ("docker", "podman")
IMAGE = "local/busybox:latest"
BUSYBOX_LINKS = ("sh", "sleep", "true", "false", "echo", "cat")
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
SECOND_NS = 1_000_000_000
ULIMITS = [
    {"Name": "nofile", "Soft": 1024, "Hard": 1024},
    {"Name": "nproc", "Soft": 1024, "Hard": 1024},
]
STANDARD_STATES = ("running", "exited", "paused", "created", "healthy", "unhealthy")
"""What :func:`make_standard_containers` makes, one container each."""


class _UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over a unix socket (the Docker API)."""

    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = str(path)

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


@dataclass(slots=True)
class ContainerEngine:
    """A running dockerd or ``podman system service``."""

    kind: str
    """``"docker"`` or ``"podman"``."""
    socket: Path
    home: Path
    """The run folder (visible on both sides): the API socket, config files, ``daemon.log``."""
    state: Path
    """The engine's data in the host's /tmp (a host path: short, as podman requires)."""
    pid: int
    process: subprocess.Popen[bytes] = field(repr=False)
    version: str = ""
    """The engine's version (``GET /version``), e.g. ``"20.10.24+dfsg1"`` or ``"4.3.1"``."""
    api_version: str = ""
    """The Docker API version it speaks (``"1.41"`` for both Debian 12 engines)."""
    image: str = IMAGE
    env: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def url(self) -> str:
        """``unix:///.../docker.sock``: what the Docker client is given."""
        return f"unix://{self.socket}"

    def log(self) -> str:
        """The daemon's output so far."""
        path = self.home / "daemon.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def api(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        content_type: str = "application/json",
        timeout: float = 60.0,
    ) -> tuple[int, bytes]:
        """One raw API request; JSON-encodes ``body`` unless it is bytes."""
        conn = _UnixHTTPConnection(self.socket, timeout)
        try:
            headers: dict[str, str] = {}
            data: bytes | None = None
            if body is not None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                headers["Content-Type"] = content_type
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def api_json(self, method: str, path: str, body: object = None, **kwargs: Any) -> Any:
        """An API request that must succeed (2xx); returns the decoded JSON (or None)."""
        status, data = self.api(method, path, body, **kwargs)
        if not 200 <= status < 300:
            raise RuntimeError(f"{self.kind} {method} {path}: HTTP {status} {data[:300]!r}")
        return json.loads(data) if data.strip() else None

    def inspect(self, name: str) -> dict[str, Any]:
        """``GET /containers/{name}/json``."""
        result: dict[str, Any] = self.api_json("GET", f"/containers/{name}/json")
        return result

    def health(self, name: str) -> str | None:
        """``State.Health.Status`` (``starting``/``healthy``/``unhealthy``) or None."""
        health = self.inspect(name)["State"].get("Health") or {}
        status: str | None = health.get("Status") or None
        return status


# --- start / stop -------------------------------------------------------------------------


def _docker_argv(home: Path, state: Path, sock: Path) -> list[str]:
    return [
        "/usr/sbin/dockerd",
        f"--data-root={state / 'data'}",
        f"--exec-root={state / 'exec'}",
        f"--pidfile={state / 'dockerd.pid'}",
        f"--host=unix://{sock}",
        "--config-file=" + str(home / "daemon.json"),
        "--iptables=false",
        "--ip6tables=false",
        "--ip-masq=false",
        "--ip-forward=false",
        "--bridge=none",
        "--userland-proxy=false",
        "--storage-driver=vfs",
        "--shutdown-timeout=2",
        "--log-level=warn",
    ]


def _podman_env(home: Path, state: Path) -> dict[str, str]:
    (home / "containers.conf").write_text(
        "[containers]\n"
        'netns = "none"\n'
        'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n'
        'log_driver = "k8s-file"\n'
        "[engine]\n"
        'cgroup_manager = "cgroupfs"\n'
        'runtime = "runc"\n'
        'events_logger = "file"\n'
        f'events_logfile_path = "{home / "events.log"}"\n'
        'lock_type = "file"\n'
        f'tmp_dir = "{state / "tmp"}"\n'
        f'static_dir = "{state / "storage" / "libpod"}"\n'
        f'volume_path = "{state / "storage" / "volumes"}"\n'
        "[network]\n"
        f'network_config_dir = "{state / "net"}"\n'
    )
    (home / "storage.conf").write_text(
        "[storage]\n"
        'driver = "vfs"\n'
        f'graphroot = "{state / "storage"}"\n'
        f'runroot = "{state / "run"}"\n'
    )
    for sub in ("tmp", "net", "storage", "run"):
        (hostside.host_view(state) / sub).mkdir(exist_ok=True)
    return hostside.host_environment(
        home,
        CONTAINERS_CONF=str(home / "containers.conf"),
        CONTAINERS_STORAGE_CONF=str(home / "storage.conf"),
    )


def _write_host_cleanup(engine: ContainerEngine) -> None:
    """The script the host anchor runs if the session dies before the teardown: with
    ``before`` while the daemon still runs (remove the containers), with ``after`` once it is
    stopped (kill helpers naming the state folder, unmount what is left there, remove the state)."""
    if engine.kind == "docker":
        remove = (
            f"s={shlex.quote(engine.url)}\n"
            '  ids=$(docker -H "$s" ps -aq 2>/dev/null)\n'
            '  [ -z "$ids" ] || docker -H "$s" rm -f $ids\n'
        )
    else:
        exports = " ".join(
            shlex.quote(f"{k}={v}") for k, v in engine.env.items() if k.startswith("CONTAINERS")
        )
        remove = f"env {exports} podman rm -fa -t 0\n"
    script = (
        f"state={shlex.quote(str(engine.state))}\n"
        'case "${1:-before}" in\n'
        f"before)\n  {remove}  ;;\n"
        "after)\n"
        "  for p in /proc/[0-9]*; do\n"
        '    if grep -qsF "$state" "$p/cmdline"; then kill -KILL "${p#/proc/}"; fi\n'
        "  done 2>/dev/null\n"
        "  awk -v s=\"$state/\" 'index($5, s) == 1 {print $5}' /proc/self/mountinfo | sort -r |\n"
        "    xargs -r -n1 umount -l\n"
        '  rm -rf --one-file-system "$state"\n'
        "  ;;\n"
        "esac\n"
    )
    (engine.home / "host-cleanup.sh").write_text(script)


def start_engine(kind: str = "docker", *, timeout: float = START_TIMEOUT) -> ContainerEngine:
    """Start dockerd (``"docker"``) or ``podman system service`` (``"podman"``), wait for
    ``/_ping`` and import :data:`IMAGE`."""
    if kind not in ENGINES:
        raise ValueError(f"unknown engine {kind!r}; use one of {ENGINES}")
    if kind == "docker":
        hostside.require_host_binary("dockerd", "docker.io")
        hostside.require_host_binary("containerd", "docker.io")
    else:
        hostside.require_host_binary("podman", "podman")
        hostside.require_host_binary("conmon", "podman")
    hostside.require_host_binary("runc", "runc")
    busybox = _busybox_path()
    home = hostside.make_run_dir(f"{kind}-")
    sock = home / f"{kind}.sock"
    state = Path()
    try:
        state = hostside.make_host_state_dir(f"sb-{kind}-")
        if kind == "docker":
            (home / "daemon.json").write_text("{}\n")
            env = hostside.host_environment(home)
            argv = _docker_argv(home, state, sock)
        else:
            env = _podman_env(home, state)
            argv = ["/usr/bin/podman", "system", "service", "--time=0", f"unix://{sock}"]
        process = hostside.host_popen(argv, home=home, log=home / "daemon.log", env=env)
    except BaseException:
        if state != Path():
            hostside.remove_host_dir(state)
        shutil.rmtree(home, ignore_errors=True)
        raise
    engine = ContainerEngine(
        kind=kind, socket=sock, home=home, state=state, pid=process.pid, process=process, env=env
    )
    try:
        _write_host_cleanup(engine)
        _wait_until_up(engine, timeout)
        version = engine.api_json("GET", "/version")
        engine.version = version.get("Version", "")
        engine.api_version = version.get("ApiVersion", "")
        import_image(engine, busybox)
    except BaseException:
        stop_engine(engine)
        raise
    return engine


def _wait_until_up(engine: ContainerEngine, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if engine.process.poll() is not None:
            raise RuntimeError(
                f"{engine.kind} exited with {engine.process.returncode}:\n{engine.log()[-2000:]}"
            )
        try:
            status, body = engine.api("GET", "/_ping", timeout=2)
        except OSError:
            status, body = 0, b""
        if status == 200 and body.strip() == b"OK":
            return
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{engine.kind} at {engine.url} did not answer /_ping in {timeout:g} s:\n"
                + engine.log()[-2000:]
            )
        time.sleep(0.05)


def _helpers_of(engine: ContainerEngine) -> list[int]:
    """PIDs of processes whose command line names the engine's folders (containerd, shims,
    conmon)."""
    markers = [str(engine.home).encode(), str(engine.state).encode()]
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            cmdline = (entry / "cmdline").read_bytes()
            if any(marker in cmdline for marker in markers):
                found.append(int(entry.name))
    return found


def stop_engine(engine: ContainerEngine, *, timeout: float = STOP_TIMEOUT) -> None:
    """Force-remove every container, stop the daemon by PID, kill leftover helpers by PID,
    remove the state folder."""
    try:
        if engine.process.poll() is None:
            with contextlib.suppress(Exception):
                remove_all_containers(engine)
        hostside.stop_process(engine.process, timeout=timeout)
        for pid in _helpers_of(engine):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    finally:
        hostside.remove_host_dir(engine.state)
        shutil.rmtree(engine.home, ignore_errors=True)


@contextlib.contextmanager
def running_engine(kind: str = "docker", **options: Any) -> Iterator[ContainerEngine]:
    """Context manager form of :func:`start_engine` / :func:`stop_engine`."""
    engine = start_engine(kind, **options)
    try:
        yield engine
    finally:
        stop_engine(engine)


# --- image and containers -----------------------------------------------------------------


def _busybox_path() -> Path:
    """The host's static busybox, as this process sees it."""
    hostside.require_host_binary("busybox", "busybox-static")
    path = hostside.host_path("busybox")
    assert path is not None
    seen = hostside.HOST_USR / path.relative_to("/usr") if hostside.in_toolbox() else path
    with seen.open("rb") as binary:
        head = binary.read(4096)
    if b"/lib64/ld-linux" in head or b"ld-linux-x86-64.so" in head:
        raise hostside.ServerUnavailableError(
            f"{path} is not the static busybox: {hostside.SETUP_HINT} "
            "(apt-get install -y busybox-static)"
        )
    return seen


def busybox_rootfs_tar(busybox: Path) -> bytes:
    """A rootfs tarball: ``/bin/busybox`` plus links (``sh``, ``sleep``, ``true``, ...)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for folder in ("bin", "tmp", "etc"):
            info = tarfile.TarInfo(folder)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if folder == "tmp" else 0o755
            tar.addfile(info)
        data = busybox.read_bytes()
        info = tarfile.TarInfo("bin/busybox")
        info.size, info.mode = len(data), 0o755
        tar.addfile(info, io.BytesIO(data))
        for name in BUSYBOX_LINKS:
            info = tarfile.TarInfo(f"bin/{name}")
            info.type, info.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(info)
    return buffer.getvalue()


def import_image(engine: ContainerEngine, busybox: Path | None = None) -> None:
    """``POST /images/create?fromSrc=-``: import the busybox rootfs as :data:`IMAGE`."""
    repo, tag = engine.image.rsplit(":", 1)
    query = urllib.parse.urlencode({"fromSrc": "-", "repo": repo, "tag": tag})
    status, data = engine.api(
        "POST",
        f"/images/create?{query}",
        busybox_rootfs_tar(busybox or _busybox_path()),
        content_type="application/x-tar",
    )
    if status != 200 or b'"error' in data:
        raise RuntimeError(f"{engine.kind}: importing {engine.image} failed: {status} {data!r}")


@dataclass(frozen=True, slots=True)
class RealContainer:
    """A container this module made."""

    id: str
    name: str
    state: str
    """What it was made to be: running, exited, paused, created, healthy or unhealthy."""


def run_container(
    engine: ContainerEngine,
    name: str,
    *,
    state: str = "running",
    command: Sequence[str] = ("sleep", "3600"),
    exit_code: int = 0,
    labels: Mapping[str, str] | None = None,
    health_cmd: Sequence[str] | None = None,
    wait: bool = True,
    timeout: float = 30.0,
) -> RealContainer:
    """Create a container named ``name`` and bring it to ``state``.

    ``state`` is ``running``, ``exited`` (runs ``sh -c 'exit <exit_code>'`` and waits for it),
    ``paused``, ``created`` (never started), ``healthy`` or ``unhealthy`` (running with a
    ``CMD true``/``CMD false`` healthcheck; on podman the check is triggered here, and with
    ``wait`` both engines are polled until inspect shows that health).
    """
    if state not in STANDARD_STATES:
        raise ValueError(f"unknown state {state!r}; use one of {STANDARD_STATES}")
    if state == "exited":
        command = ("sh", "-c", f"exit {exit_code}")
    if state in ("healthy", "unhealthy") and health_cmd is None:
        health_cmd = ("true",) if state == "healthy" else ("false",)
    config: dict[str, Any] = {
        "Image": engine.image,
        "Cmd": list(command),
        "Labels": dict(labels or {}),
        "NetworkDisabled": True,
        "HostConfig": {"NetworkMode": "none", "Ulimits": ULIMITS},
    }
    if health_cmd is not None:
        config["Healthcheck"] = {
            "Test": ["CMD", *health_cmd],
            "Interval": SECOND_NS,
            "Timeout": 5 * SECOND_NS,
            "Retries": 1,
            "StartPeriod": 0,
        }
    created = engine.api_json(
        "POST", f"/containers/create?{urllib.parse.urlencode({'name': name})}", config
    )
    container = RealContainer(id=created["Id"], name=name, state=state)
    if state == "created":
        return container
    engine.api_json("POST", f"/containers/{container.id}/start")
    if state == "exited":
        engine.api_json("POST", f"/containers/{container.id}/wait", timeout=timeout)
    elif state == "paused":
        engine.api_json("POST", f"/containers/{container.id}/pause")
    elif state in ("healthy", "unhealthy") and wait:
        wait_for_health(engine, container.id, state, timeout=timeout)
    return container


def run_healthcheck(engine: ContainerEngine, name: str) -> str:
    """Run the container's healthcheck now (podman: libpod API; docker runs it by itself, so
    this just reads the status); return the health status."""
    if engine.kind == "podman":
        result = engine.api_json("GET", f"/v4.0.0/libpod/containers/{name}/healthcheck")
        return str(result.get("Status", ""))
    return engine.health(name) or ""


def wait_for_health(
    engine: ContainerEngine, name: str, health: str, *, timeout: float = 30.0
) -> None:
    """Wait until inspect shows ``health`` (triggering podman's check each round)."""

    def reached() -> bool:
        if engine.kind == "podman":
            run_healthcheck(engine, name)
        return engine.health(name) == health

    hostside.wait_for(reached, timeout=timeout, what=f"{name} becoming {health}", interval=0.2)


def make_standard_containers(
    engine: ContainerEngine, *, prefix: str = "sb", labels: Mapping[str, str] | None = None
) -> dict[str, RealContainer]:
    """One container per state in :data:`STANDARD_STATES`, named ``<prefix>-<state>``;
    the exited one exits with code 3."""
    return {
        state: run_container(engine, f"{prefix}-{state}", state=state, exit_code=3, labels=labels)
        for state in STANDARD_STATES
    }


def list_containers(engine: ContainerEngine) -> list[dict[str, Any]]:
    """``GET /containers/json?all=1``."""
    result: list[dict[str, Any]] = engine.api_json("GET", "/containers/json?all=1")
    return result


def remove_all_containers(engine: ContainerEngine) -> None:
    """Force-remove every container (``DELETE /containers/{id}?force=1``)."""
    for container in list_containers(engine):
        engine.api("DELETE", f"/containers/{container['Id']}?force=1&v=1", timeout=60)


# --- pytest fixtures --------------------------------------------------------------------


def allow_unix_sockets() -> None:
    """Lift pytest-homeassistant's AF_UNIX block (it re-applies it before every test).

    The fixtures call this around their own API calls; a test that talks to the engine's
    socket needs it too (an autouse fixture, as in ``tests/realservers/conftest.py``).
    """
    pytest_socket.socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)


@contextlib.contextmanager
def _engine_for_fixture(kind: str) -> Iterator[ContainerEngine]:
    allow_unix_sockets()
    engine = start_engine(kind)
    try:
        yield engine
    finally:
        allow_unix_sockets()
        stop_engine(engine)


@pytest.fixture
def container_engine() -> Iterator[Callable[..., ContainerEngine]]:
    """Start private engines (``container_engine("podman")``); all stopped afterwards."""
    started: list[ContainerEngine] = []

    def factory(kind: str = "docker", **options: Any) -> ContainerEngine:
        allow_unix_sockets()
        engine = start_engine(kind, **options)
        started.append(engine)
        return engine

    yield factory
    allow_unix_sockets()
    for engine in started:
        stop_engine(engine)


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[ContainerEngine]:
    """A shared dockerd (Debian 12's 20.10). Remove the containers a test makes."""
    with _engine_for_fixture("docker") as engine:
        yield engine


@pytest.fixture(scope="session")
def podman_engine() -> Iterator[ContainerEngine]:
    """A shared podman system service (Debian 12's 4.3). Remove the containers a test makes."""
    with _engine_for_fixture("podman") as engine:
        yield engine
