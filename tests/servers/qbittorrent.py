"""Start real qbittorrent-nox servers (5.3 and 4.5.2) for tests and benchmarks.

Plain functions (:func:`start_server`, :func:`stop_server`, :func:`running_server`,
:func:`add_synthetic_torrents`, :func:`add_torrent_files`, :func:`raw_login`) plus pytest fixtures
(``qbt53``, ``qbt45``, ``qbt_server``, ``qbt_factory``). Everything here talks to
qBittorrent with the standard library only, so it never depends on the client under test.

A server runs in its own process group from a throw-away profile directory, listens on
127.0.0.1 with free ports, has DHT/LSD/PeX off and its BitTorrent session bound to ``lo``,
and is stopped by PID (SIGTERM, then SIGKILL) in teardown.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.servers.transmission import SyntheticTorrent

BINARIES = {"5.3": "qbittorrent-nox", "4.5": "qbittorrent-nox-host"}
"""Binary per API generation inside the toolbox."""

USERNAME = "admin"
DEFAULT_PASSWORD = "s3cret-Test-pw"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
_TEMP_PASSWORD = re.compile(r"A temporary password is provided for this session: (\S+)")


@dataclass(slots=True)
class QbtServer:
    """A running qbittorrent-nox: where it listens and how to log in."""

    url: str
    username: str
    password: str
    """The password that logs in (5.3 without a password: the temporary one from stdout)."""
    generation: str
    """``"5.3"`` or ``"4.5"``."""
    pid: int
    profile: Path
    webui_port: int
    process: subprocess.Popen[bytes] = field(repr=False)
    password_set: bool = True
    """False when the profile has no ``WebUI\\Password_PBKDF2``."""

    @property
    def version(self) -> str:
        """The generation as a version string (``"5.3"``/``"4.5"``)."""
        return self.generation

    @property
    def download_dir(self) -> Path:
        """The default save path (``Session\\DefaultSavePath``)."""
        return self.profile / "downloads"

    @property
    def host(self) -> str:
        """``127.0.0.1:<port>``, for raw HTTP."""
        return f"127.0.0.1:{self.webui_port}"

    def stdout(self) -> str:
        """Everything the server printed so far."""
        return (self.profile / "stdout.log").read_text(errors="replace")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pbkdf2_setting(password: str) -> str:
    """The ``WebUI\\Password_PBKDF2`` value qBittorrent stores for ``password``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, 100000, 64)
    return f'"@ByteArray({base64.b64encode(salt).decode()}:{base64.b64encode(digest).decode()})"'


def write_profile(
    profile: Path,
    *,
    webui_port: int,
    session_port: int,
    password: str | None,
    max_fail_count: int | None = None,
    ban_duration: int | None = None,
    session_timeout: int | None = None,
    extra_preferences: dict[str, str] | None = None,
) -> Path:
    """Write ``qBittorrent/config/qBittorrent.conf`` under ``profile``; return its path."""
    config = profile / "qBittorrent" / "config"
    config.mkdir(parents=True, exist_ok=True)
    downloads = profile / "downloads"
    downloads.mkdir(exist_ok=True)
    prefs = {
        "WebUI\\Address": "127.0.0.1",
        "WebUI\\Port": str(webui_port),
        "WebUI\\Username": USERNAME,
        "WebUI\\UseUPnP": "false",
        "Connection\\UPnP": "false",
        "General\\Locale": "en",
    }
    if password is not None:
        prefs["WebUI\\Password_PBKDF2"] = pbkdf2_setting(password)
    if max_fail_count is not None:
        prefs["WebUI\\MaxAuthenticationFailCount"] = str(max_fail_count)
    if ban_duration is not None:
        prefs["WebUI\\BanDuration"] = str(ban_duration)
    if session_timeout is not None:
        prefs["WebUI\\SessionTimeout"] = str(session_timeout)
    prefs.update(extra_preferences or {})
    bittorrent = {
        "Session\\DHTEnabled": "false",
        "Session\\LSDEnabled": "false",
        "Session\\PeXEnabled": "false",
        "Session\\Interface": "lo",
        "Session\\InterfaceName": "lo",
        "Session\\Port": str(session_port),
        "Session\\DefaultSavePath": str(downloads),
        "Session\\TempPathEnabled": "false",
        "Session\\AddTrackersEnabled": "false",
        "Session\\QueueingSystemEnabled": "false",
    }
    lines = ["[LegalNotice]", "Accepted=true", "", "[BitTorrent]"]
    lines += [f"{key}={value}" for key, value in bittorrent.items()]
    lines += ["", "[Preferences]"]
    lines += [f"{key}={value}" for key, value in prefs.items()]
    path = config / "qBittorrent.conf"
    path.write_text("\n".join(lines) + "\n")
    return path


def http_request(
    server: QbtServer,
    method: str,
    path: str,
    *,
    form: dict[str, str] | None = None,
    cookie: str | None = None,
    timeout: float = 30.0,
) -> tuple[int, bytes, str | None]:
    """One raw HTTP request; return (status, body, ``name=value`` of any Set-Cookie)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.webui_port, timeout=timeout)
    try:
        headers: dict[str, str] = {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if cookie:
            headers["Cookie"] = cookie
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        set_cookie = resp.getheader("Set-Cookie")
        return resp.status, data, set_cookie.split(";", 1)[0] if set_cookie else None
    finally:
        conn.close()


def raw_login(server: QbtServer, password: str | None = None) -> tuple[int, str, str | None]:
    """POST ``auth/login`` by hand; return (status, body text, session cookie or None)."""
    status, body, cookie = http_request(
        server,
        "POST",
        "/api/v2/auth/login",
        form={
            "username": server.username,
            "password": server.password if password is None else password,
        },
    )
    return status, body.decode(errors="replace"), cookie


def login_cookie(server: QbtServer) -> str:
    """Log in with the right credentials and return the ``name=value`` session cookie."""
    status, text, cookie = raw_login(server)
    if status not in (200, 204) or cookie is None or (status == 200 and text != "Ok."):
        raise RuntimeError(f"login to {server.url} failed: HTTP {status} {text!r}")
    return cookie


def _wait_until_up(server: QbtServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"{BINARIES[server.generation]} exited with {server.process.returncode}:\n"
                + server.stdout()[-2000:]
            )
        try:
            status, _, _ = http_request(server, "GET", "/", timeout=2)
        except OSError:
            status = 0
        if status == 200:
            return
        if time.monotonic() > deadline:
            logs = sorted(server.profile.rglob("*.log"))
            tail = "".join(f"\n{log}:\n{log.read_text(errors='replace')[-1500:]}" for log in logs)
            raise NotUpError(f"qBittorrent at {server.url} did not come up in {timeout:g} s{tail}")
        time.sleep(0.1)


def _wait_for_temporary_password(server: QbtServer, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if match := _TEMP_PASSWORD.search(server.stdout()):
            return match.group(1)
        time.sleep(0.05)
    raise RuntimeError("qBittorrent printed no temporary password")


class NotUpError(RuntimeError):
    """The server runs but its Web UI never answered (e.g. its port was taken meanwhile)."""


START_ATTEMPTS = 3
"""Fresh ports per attempt: a port found free can be taken by another program before the
server binds it, and qBittorrent then keeps running without a Web UI instead of exiting."""


def start_server(
    generation: str = "5.3",
    *,
    password: str | None = DEFAULT_PASSWORD,
    max_fail_count: int | None = None,
    ban_duration: int | None = None,
    session_timeout: int | None = None,
    extra_preferences: dict[str, str] | None = None,
    timeout: float = START_TIMEOUT,
) -> QbtServer:
    """Start qbittorrent-nox of ``generation`` (``"5.3"`` or ``"4.5"``) and wait until it answers.

    ``password=None`` leaves the password unset: 5.3 then makes up a temporary one (read back
    from its stdout into :attr:`QbtServer.password`), 4.5.2 uses ``adminadmin``.
    """
    for attempt in range(1, START_ATTEMPTS + 1):
        try:
            return _start_once(
                generation,
                password=password,
                max_fail_count=max_fail_count,
                ban_duration=ban_duration,
                session_timeout=session_timeout,
                extra_preferences=extra_preferences,
                timeout=timeout,
            )
        except NotUpError:
            if attempt == START_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _start_once(
    generation: str,
    *,
    password: str | None,
    max_fail_count: int | None,
    ban_duration: int | None,
    session_timeout: int | None,
    extra_preferences: dict[str, str] | None,
    timeout: float,
) -> QbtServer:
    binary = BINARIES[generation]
    profile = Path(tempfile.mkdtemp(prefix=f"qbt{generation.replace('.', '')}-"))
    webui_port, session_port = free_port(), free_port()
    write_profile(
        profile,
        webui_port=webui_port,
        session_port=session_port,
        password=password,
        max_fail_count=max_fail_count,
        ban_duration=ban_duration,
        session_timeout=session_timeout,
        extra_preferences=extra_preferences,
    )
    args = [binary, f"--profile={profile}"]
    if generation != "4.5":
        args.append("--confirm-legal-notice")
    with (profile / "stdout.log").open("wb") as log:
        process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(profile)},
        )
    server = QbtServer(
        url=f"http://127.0.0.1:{webui_port}",
        username=USERNAME,
        password=password or "",
        generation=generation,
        pid=process.pid,
        profile=profile,
        webui_port=webui_port,
        process=process,
        password_set=password is not None,
    )
    try:
        _wait_until_up(server, timeout)
        if password is None:
            server.password = (
                "adminadmin"
                if generation == "4.5"
                else _wait_for_temporary_password(server, timeout)
            )
    except BaseException:
        stop_server(server)
        raise
    return server


def stop_server(server: QbtServer, *, timeout: float = STOP_TIMEOUT) -> None:
    """Stop the server by PID (SIGTERM, then SIGKILL) and remove its profile directory."""
    try:
        if server.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(server.pid, signal.SIGTERM)
            try:
                server.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(server.pid, signal.SIGKILL)
                server.process.wait(timeout)
    finally:
        shutil.rmtree(server.profile, ignore_errors=True)


@contextlib.contextmanager
def running_server(generation: str = "5.3", **options: object) -> Iterator[QbtServer]:
    """Context manager form of :func:`start_server` / :func:`stop_server`."""
    server = start_server(generation, **options)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        stop_server(server)


def random_info_hash() -> str:
    """A random 40-hex-digit v1 info-hash."""
    return secrets.token_hex(20)


def magnet(info_hash: str, name: str) -> str:
    """A tracker-less magnet link (it stays in metaDL/stoppedDL forever with DHT off)."""
    return f"magnet:?xt=urn:btih:{info_hash}&dn={urllib.parse.quote(name)}"


def add_synthetic_torrents(
    server: QbtServer,
    count: int,
    *,
    cookie: str | None = None,
    stopped: bool = True,
    category: str | None = None,
    tags: str | None = None,
    name_prefix: str = "Synthetic Album",
    batch: int = 500,
    wait: bool = True,
    wait_timeout: float = 300.0,
) -> list[str]:
    """Add ``count`` magnet torrents with random info-hashes; return their hashes.

    They are added stopped by default (both the 4.x ``paused`` and the 5.x ``stopped`` flag
    are sent). With ``wait`` the call returns once ``torrents/info`` lists all of them, since
    qBittorrent adds magnets asynchronously.
    """
    cookie = cookie or login_cookie(server)
    hashes: list[str] = []
    flag = "true" if stopped else "false"
    for start in range(0, count, batch):
        chunk = [random_info_hash() for _ in range(min(batch, count - start))]
        urls = "\n".join(magnet(h, f"{name_prefix} {start + i:05d}") for i, h in enumerate(chunk))
        form = {"urls": urls, "paused": flag, "stopped": flag}
        if category is not None:
            form["category"] = category
        if tags is not None:
            form["tags"] = tags
        status, body, _ = http_request(
            server, "POST", "/api/v2/torrents/add", form=form, cookie=cookie, timeout=120
        )
        if status not in (200, 202):
            raise RuntimeError(f"torrents/add failed: HTTP {status} {body[:200]!r}")
        hashes += chunk
    if wait:
        wait_for_torrent_count(
            server, len(hashes), cookie=cookie, at_least=True, timeout=wait_timeout
        )
    return hashes


def _form_part(boundary: str, name: str, value: bytes, *, filename: str | None = None) -> bytes:
    """One part of a ``multipart/form-data`` body (a file when ``filename`` is given)."""
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
    if filename is not None:
        head += f'; filename="{filename}"\r\nContent-Type: application/x-bittorrent'
    return f"{head}\r\n\r\n".encode() + value + b"\r\n"


def add_torrent_files(
    server: QbtServer,
    torrents: Sequence[SyntheticTorrent],
    *,
    cookie: str,
    category: str | None = None,
) -> list[str]:
    """Add real .torrent files, started, saving to :attr:`QbtServer.download_dir`.

    Made by :func:`tests.servers.transmission.make_torrent` over that folder, a torrent whose
    data was written there is checked complete and seeds (``stalledUP`` while nobody
    downloads from it); one made with ``write_data=False`` waits for peers that never come
    (``stalledDL``). Returns the info-hashes.
    """
    save_path = server.download_dir
    boundary = secrets.token_hex(16)
    fields = {"savepath": str(save_path), "paused": "false", "stopped": "false"}
    if category is not None:
        fields["category"] = category
    parts = [_form_part(boundary, name, value.encode()) for name, value in fields.items()]
    parts += [
        _form_part(boundary, "torrents", t.metainfo, filename=f"{t.name}.torrent") for t in torrents
    ]
    parts.append(f"--{boundary}--\r\n".encode())
    conn = http.client.HTTPConnection("127.0.0.1", server.webui_port, timeout=60)
    try:
        conn.request(
            "POST",
            "/api/v2/torrents/add",
            body=b"".join(parts),
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Cookie": cookie,
            },
        )
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    if resp.status not in (200, 202):
        raise RuntimeError(f"torrents/add failed: HTTP {resp.status} {body[:200]!r}")
    return [torrent.info_hash for torrent in torrents]


def torrent_states(server: QbtServer, *, cookie: str) -> dict[str, str]:
    """qBittorrent's own ``state`` string of every torrent, by hash (one full listing)."""
    status, body, _ = http_request(server, "GET", "/api/v2/torrents/info", cookie=cookie)
    if status != 200:
        raise RuntimeError(f"torrents/info failed: HTTP {status} {body[:200]!r}")
    return {item["hash"]: item["state"] for item in json.loads(body)}


def torrent_count(server: QbtServer, *, cookie: str) -> int:
    """How many torrents ``torrents/info`` lists (one full listing: fine for tests)."""
    status, body, _ = http_request(
        server, "GET", "/api/v2/torrents/info", cookie=cookie, timeout=120
    )
    if status != 200:
        raise RuntimeError(f"torrents/info failed: HTTP {status} {body[:200]!r}")
    return body.count(b'"hash":')


def wait_for_torrent_count(
    server: QbtServer,
    count: int,
    *,
    cookie: str,
    at_least: bool = False,
    timeout: float = 60.0,
) -> None:
    """Wait until the server lists ``count`` torrents (or at least ``count``)."""
    deadline = time.monotonic() + timeout
    while True:
        have = torrent_count(server, cookie=cookie)
        if have == count or (at_least and have >= count):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"expected {count} torrents, qBittorrent lists {have}")
        time.sleep(0.1)


def wait_until(
    predicate: Callable[[], bool], *, timeout: float = 20.0, interval: float = 0.1
) -> None:
    """Poll ``predicate`` until it is true or raise after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(interval)


# --- pytest fixtures --------------------------------------------------------------------


@pytest.fixture(scope="session")
def qbt53() -> Iterator[QbtServer]:
    """A shared qbittorrent-nox 5.3 (password set). Do not provoke bans on it."""
    with running_server("5.3") as server:
        yield server


@pytest.fixture(scope="session")
def qbt45() -> Iterator[QbtServer]:
    """A shared qbittorrent-nox 4.5.2 (password set). Do not provoke bans on it."""
    with running_server("4.5") as server:
        yield server


@pytest.fixture
def qbt_factory() -> Iterator[Callable[..., QbtServer]]:
    """Start private servers (``qbt_factory("5.3", ban_duration=...)``); all stopped afterwards."""
    started: list[QbtServer] = []

    def factory(generation: str = "5.3", **options: object) -> QbtServer:
        server = start_server(generation, **options)  # type: ignore[arg-type]
        started.append(server)
        return server

    yield factory
    for server in started:
        stop_server(server)
