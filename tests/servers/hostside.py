"""Run servers from the host's own Debian 12 packages while the tests run inside the toolbox.

The toolbox (``../shared/tools/toolbox``) is a Debian sid chroot in a private mount namespace.
Debian 12's transmission-daemon 3.00, dockerd (docker.io 20.10) and podman 4.3 are installed on
the host by ``scripts/setup``; they need the host's own filesystem (``/usr``, ``/etc``,
``/sys/fs/cgroup``, ...), which the chroot does not have. So they run in the host's mount
namespace, entered with ``nsenter --mount=/proc/<anchor>/ns/mnt``.

The *anchor* is a host-side process that ``scripts/test`` (or ``scripts/host-servers CMD``)
starts before entering the toolbox (``scripts/_host_anchor.sh``); it exports its PID as
``STEPHEYBOT_HOST_ANCHOR`` and a registry folder as ``STEPHEYBOT_HOST_REGISTRY``. Only the mount
namespace differs: PIDs and loopback are shared, so a host-side server is still a child of the
test process, answers on 127.0.0.1 and is stopped by PID like any other. Its files live under
``<checkout>/.tmp/realservers/`` (the folder above the checkout is mounted at the same path on
both sides); state that needs short paths (podman's runroot) goes to the host's /tmp, which the
tests reach as ``/proc/<anchor>/root/tmp``. Each server is also recorded in the registry; when
the command that started the anchor ends, the anchor runs the clean-up script a server left
(``host-cleanup.sh``) and stops it by PID, so an interrupted test session leaves nothing running.

Outside the toolbox (a host with python3.14) the same commands simply run directly.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RUN_ROOT = REPO / ".tmp" / "realservers"
"""Where host-side servers keep their files (visible at the same path on both sides)."""

HOST_USR = Path("/host/usr")
"""The host's ``/usr``, mounted read-only inside the toolbox."""

SETUP_HINT = "run scripts/setup (it installs the host packages and the toolbox extras)"
ANCHOR_HINT = (
    "host-side servers need the host anchor: run the tests through scripts/test "
    "(e.g. `scripts/test tests/realservers`) or wrap the command in scripts/host-servers "
    "(e.g. `scripts/host-servers ../shared/tools/toolbox run .venv/bin/pytest tests/realservers`)"
)
MAX_UNIX_PATH = 107
STOP_TIMEOUT = 15.0


class ServerUnavailableError(RuntimeError):
    """A real server cannot be started here; the message says how to fix that."""


def in_toolbox() -> bool:
    """True inside the toolbox chroot (it sets ``TOOLBOX=1`` and mounts the host's /usr)."""
    return os.environ.get("TOOLBOX") == "1" or HOST_USR.is_dir()


def host_path(binary: str) -> Path | None:
    """Where the host has ``binary`` (``/usr/bin`` or ``/usr/sbin``), as a host path."""
    base = HOST_USR if in_toolbox() else Path("/usr")
    for folder in ("bin", "sbin"):
        if (base / folder / binary).is_file():
            return Path("/usr") / folder / binary
    return None


def require_host_binary(binary: str, package: str) -> Path:
    """The host path of ``binary`` or a :class:`ServerUnavailableError` naming the fix."""
    path = host_path(binary)
    if path is None:
        where = "the host (seen as /host/usr inside the toolbox)" if in_toolbox() else "this host"
        raise ServerUnavailableError(
            f"{binary} is not installed on {where}: {SETUP_HINT} "
            f"(on a Debian 12 host: apt-get install -y {package})"
        )
    return path


def anchor_pid() -> int:
    """The PID of the host anchor (inside the toolbox), checked to be alive and usable."""
    raw = os.environ.get("STEPHEYBOT_HOST_ANCHOR", "")
    if not raw.isdigit():
        raise ServerUnavailableError(ANCHOR_HINT)
    pid = int(raw)
    namespace = Path(f"/proc/{pid}/ns/mnt")
    try:
        if os.readlink(namespace) == os.readlink("/proc/self/ns/mnt"):
            raise ServerUnavailableError(
                f"STEPHEYBOT_HOST_ANCHOR={pid} is in this mount namespace, not the host's; "
                + ANCHOR_HINT
            )
    except OSError as err:
        raise ServerUnavailableError(
            f"the host anchor (PID {pid}) is gone or unreadable ({err}); " + ANCHOR_HINT
        ) from err
    return pid


def host_command(argv: list[str]) -> list[str]:
    """``argv`` as a command that runs in the host's mount namespace."""
    if not in_toolbox():
        return argv
    return ["nsenter", f"--mount=/proc/{anchor_pid()}/ns/mnt", "--", *argv]


def host_environment(home: Path, **extra: str) -> dict[str, str]:
    """A small, predictable environment for a host-side process."""
    env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TMPDIR": str(home),
    }
    env.update(extra)
    return env


def make_run_dir(prefix: str) -> Path:
    """A fresh folder under :data:`RUN_ROOT`, short enough for unix socket paths below it."""
    RUN_ROOT.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=RUN_ROOT))
    if len(str(path / "podman.sock")) > MAX_UNIX_PATH:
        shutil.rmtree(path, ignore_errors=True)
        raise ServerUnavailableError(
            f"the checkout path is too long for unix sockets under {RUN_ROOT}: "
            "clone the project to a shorter path"
        )
    return path


def host_view(path: Path) -> Path:
    """Where this process sees the host's ``path``: through the anchor's root
    (``/proc/<anchor>/root/...``) inside the toolbox, ``path`` itself outside."""
    if not in_toolbox():
        return path
    return Path(f"/proc/{anchor_pid()}/root") / path.relative_to("/")


def make_host_state_dir(prefix: str) -> Path:
    """A fresh folder in the host's /tmp, returned as a host path: short paths for state that
    only host-side processes use (podman refuses a runroot longer than 50 characters)."""
    seen = Path(tempfile.mkdtemp(prefix=prefix, dir=host_view(Path("/tmp"))))
    return Path("/tmp") / seen.name


def remove_host_dir(path: Path) -> None:
    """Remove a folder made by :func:`make_host_state_dir`."""
    shutil.rmtree(host_view(path), ignore_errors=True)


def host_popen(
    argv: list[str], *, home: Path, log: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start ``argv`` on the host side, in its own process group, output to ``log``.

    ``nsenter`` enters the mount namespace and execs ``argv`` in the same process, so the
    returned PID is the server's own PID.
    """
    with log.open("ab") as out:
        process = subprocess.Popen(
            host_command(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=home,
            env=env or host_environment(home),
        )
    register(process.pid, home)
    return process


def _start_time(pid: int) -> str:
    """Field 22 of ``/proc/<pid>/stat`` (guards the anchor against a reused PID)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "0"
    return stat.rsplit(")", 1)[1].split()[19]


def host_run(
    argv: list[str], *, home: Path, env: dict[str, str] | None = None, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """Run a short host-side command to completion; raise with its output when it fails."""
    result = subprocess.run(
        host_command(argv),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=home,
        env=env or host_environment(home),
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} failed with {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return result


def _registry() -> Path | None:
    raw = os.environ.get("STEPHEYBOT_HOST_REGISTRY", "")
    return Path(raw) if raw and Path(raw).is_dir() else None


def register(pid: int, home: Path) -> None:
    """Record a host-side server for the anchor's final clean-up (a no-op without anchor)."""
    registry = _registry()
    if registry is not None:
        (registry / f"{pid}.server").write_text(f"{pid} {_start_time(pid)} {home}\n")


def unregister(pid: int) -> None:
    """Forget a server the fixture stopped itself."""
    registry = _registry()
    if registry is not None:
        (registry / f"{pid}.server").unlink(missing_ok=True)


def stop_process(
    process: subprocess.Popen[bytes], *, timeout: float = STOP_TIMEOUT, group: bool = True
) -> None:
    """Stop ``process`` by PID: SIGTERM, then SIGKILL (to its process group with ``group``)."""
    pid = process.pid
    try:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                process.wait(timeout)
        if group:
            # anything the server left in its own process group (it was the group leader)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
    finally:
        unregister(pid)


def wait_for(
    predicate: Callable[[], object], *, timeout: float, what: str, interval: float = 0.05
) -> None:
    """Poll ``predicate`` until it returns something true; raise naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:g} s")
        time.sleep(interval)
